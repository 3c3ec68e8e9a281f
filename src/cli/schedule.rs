//! `tix schedule run|list`: recurring tickets (cron-friendly: run it every few minutes).

use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;

use super::Ctx;
use super::output::line;
use crate::domain::time;

#[derive(Debug, Subcommand)]
pub enum ScheduleCmd {
    /// Make the recurring tickets that are due and not made yet (idempotent)
    Run,
    /// The templates, their schedules, their next occurrence and their last (with the
    /// ticket it made)
    List,
}

#[derive(Serialize)]
struct ListOut {
    name: String,
    schedule: String,
    /// The next occurrence.
    next_due: Option<String>,
    /// The latest occurrence so far (within a year), made or not.
    last_due: Option<String>,
    /// The ticket made for the latest occurrence, if it was made.
    last_ticket: Option<crate::domain::TicketNumber>,
}

pub fn run(ctx: &Ctx, cmd: ScheduleCmd) -> Result<()> {
    match cmd {
        ScheduleCmd::Run => {
            let mut desk = ctx.acting(crate::app::Act::Work)?;
            desk.flush()?;
            ctx.tell(&mut desk);
            let (store, actor) = (&mut desk.store, &desk.actor.name);
            let out = store.run_recurring(actor, &ctx.config.recurring, &ctx.config.routing, &ctx.config.matrix)?;
            ctx.out.emit(&out, || {
                if out.is_empty() {
                    return "no recurring tickets are configured ([[recurring]] in the config file)".into();
                }
                out.iter()
                    .map(|o| match (&o.key, o.created) {
                        (None, _) => format!("{}: nothing due", line(&o.name)),
                        (Some(_), Some(n)) => format!("{}: created {n}", line(&o.name)),
                        (Some(k), None) => format!("{}: already made ({})", line(&o.name), line(k)),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ScheduleCmd::List => {
            let store = ctx.open()?;
            let now = store.now_ms();
            let mut list = Vec::new();
            for r in &ctx.config.recurring {
                let last = r.last(now);
                let last_ticket = match &last {
                    Some((key, _)) => match store.ticket_for_origin(key)? {
                        Some(id) => Some(store.ticket(id)?.number),
                        None => None,
                    },
                    None => None,
                };
                list.push(ListOut {
                    name: r.config.name.clone(),
                    schedule: r.config.schedule.clone(),
                    next_due: r.next(now).map(time::rfc3339),
                    last_due: last.map(|(_, at)| time::rfc3339(at)),
                    last_ticket,
                });
            }
            ctx.out.emit(&list, || {
                if list.is_empty() {
                    return "no recurring tickets are configured ([[recurring]] in the config file)".into();
                }
                let when = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                list.iter()
                    .map(|l| {
                        let made = match (&l.last_due, l.last_ticket) {
                            (Some(_), Some(n)) => format!(" ({n})"),
                            (Some(_), None) => " (not made)".into(),
                            (None, _) => String::new(),
                        };
                        format!(
                            "{:<28} {:<20} next {} · last {}{made}",
                            line(&l.name),
                            line(&l.schedule),
                            when(&l.next_due),
                            when(&l.last_due)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}
