//! `tix ticket checklist`: attach a template or a KB article's steps, tick items off.

use anyhow::{Result, bail};

use super::output::line;
use super::{CliError, Ctx};
use crate::domain::TicketNumber;

/// What `ticket checklist` attaches.
pub struct Attach {
    pub template: Option<String>,
    pub from_kb: Option<String>,
    pub replace: bool,
}

pub fn run(ctx: &Ctx, number: TicketNumber, a: Attach, done: Option<usize>, undo: Option<usize>) -> Result<()> {
    use crate::domain::checklist::{self, Checklist};
    let Attach { template: attach, from_kb, replace } = a;
    let mut desk = ctx.acting(crate::app::Act::Work)?;
    let mut seen = desk.store.ticket_by_number(number)?;
    // A second checklist replaces the first only when asked to.
    let guard = |seen: &crate::domain::ticket::Ticket| -> Result<()> {
        if let Some(old) = seen.checklist.as_deref().and_then(|c| Checklist::from_json(c).ok())
            && !replace
        {
            let (d, all) = old.progress();
            bail!(CliError::Failed(format!(
                "{number} already has a checklist (\"{}\", {d} of {all} done): add --replace to replace it",
                line(&old.name)
            )));
        }
        Ok(())
    };
    let change = |desk: &mut crate::app::Desk, c: crate::domain::op::Change| -> Result<crate::domain::ticket::Ticket> {
        desk.commit(vec![c])?;
        ctx.tell(desk);
        Ok(desk.store.ticket_by_number(number)?)
    };
    if let Some(name) = &attach {
        let t = ctx.config.checklists.iter().find(|t| t.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
            CliError::NotFound(format!(
                "no checklist '{name}' (the config has: {})",
                ctx.config.checklists.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        guard(&seen)?;
        let c = checklist::attach(&seen, &t.checklist());
        seen = change(&mut desk, c)?;
    }
    if let Some(key) = &from_kb {
        let a = super::kb::article(&desk.store, key)?;
        let c = Checklist::from_steps(&a.record.title, &a.record.body).ok_or_else(|| {
            CliError::Failed(format!("KB \"{}\" has no numbered steps or list items", a.record.title))
        })?;
        guard(&seen)?;
        let c = checklist::attach(&seen, &c);
        seen = change(&mut desk, c)?;
    }
    for (n, d) in [(done, true), (undo, false)] {
        if let Some(n) = n {
            let c = checklist::mark(&seen, n, d).map_err(|e| CliError::Usage(e.to_string()))?;
            seen = change(&mut desk, c)?;
        }
    }
    let c =
        seen.checklist.as_deref().map(Checklist::from_json).transpose().map_err(|e| CliError::Failed(e.to_string()))?;
    ctx.out.emit(&c, || match &c {
        None => format!("{number} has no checklist"),
        Some(c) => {
            let (d, all) = c.progress();
            let mut s = format!("{} ({d} of {all} done)\n", line(&c.name));
            for (i, it) in c.items.iter().enumerate() {
                s.push_str(&format!(
                    "  {:>2}. [{}] {}{}\n",
                    i + 1,
                    if it.done { "x" } else { " " },
                    line(&it.text),
                    if it.required { " (required)" } else { "" }
                ));
            }
            s
        }
    })
}
