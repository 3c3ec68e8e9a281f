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
    /// The templates, their schedules and their last occurrence
    List,
}

#[derive(Serialize)]
struct ListOut {
    name: String,
    schedule: String,
    last_due: Option<String>,
}

pub fn run(ctx: &Ctx, cmd: ScheduleCmd) -> Result<()> {
    let mut store = ctx.open()?;
    match cmd {
        ScheduleCmd::Run => {
            let out =
                store.run_recurring(&ctx.actor, &ctx.config.recurring, &ctx.config.routing, &ctx.config.matrix)?;
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
            let now = store.now_ms();
            let list: Vec<ListOut> = ctx
                .config
                .recurring
                .iter()
                .map(|r| ListOut {
                    name: r.config.name.clone(),
                    schedule: r.config.schedule.clone(),
                    last_due: r.due(now).map(|(_, at)| time::rfc3339(at)),
                })
                .collect();
            ctx.out.emit(&list, || {
                list.iter()
                    .map(|l| {
                        format!(
                            "{:<28} {:<20} {}",
                            line(&l.name),
                            line(&l.schedule),
                            l.last_due.as_deref().unwrap_or("-")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}
