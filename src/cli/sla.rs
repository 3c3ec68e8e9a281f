//! `tix sla status|show|retime`: the SLA clocks of the open tickets.

use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;

use super::{CliError, Ctx};
use crate::domain::TicketNumber;
use crate::domain::sla::{SlaState, describe_target};
use crate::domain::time;
use crate::store::TicketSla;

#[derive(Debug, Subcommand)]
pub enum SlaCmd {
    /// How many open tickets are at risk or breached (re-times what changed first)
    Status,
    /// One ticket's clocks: policy, each target's due time and state
    Show { number: TicketNumber },
    /// Compute every open ticket's clock again (after changing calendars or policies
    /// this happens by itself; this forces it)
    Retime,
    /// Carry out the [[escalation]] rules on tickets at risk or breached (cron-friendly:
    /// each ticket once per rule and state), running their hooks
    Escalate,
}

#[derive(Serialize)]
struct StatusOut {
    policies: usize,
    retimed: usize,
    at_risk: u64,
    breached: u64,
    /// Escalations carried out by this check.
    escalated: Vec<crate::store::Escalated>,
}

#[derive(Serialize)]
struct TargetOut {
    target: &'static str,
    state: &'static str,
    due: Option<String>,
    met_at: Option<String>,
    remaining: String,
}

#[derive(Serialize)]
struct ShowOut {
    number: TicketNumber,
    policy: Option<String>,
    targets: Vec<TargetOut>,
}

pub fn state_word(s: SlaState) -> &'static str {
    match s {
        SlaState::Ok => "ok",
        SlaState::AtRisk { .. } => "at risk",
        SlaState::Breached => "breached",
        SlaState::Met => "met",
        SlaState::Paused => "paused",
    }
}

/// The targets of a clock in words, for people and JSON.
fn targets(t: &TicketSla) -> Vec<TargetOut> {
    t.clock
        .targets()
        .map(|(kind, c)| TargetOut {
            target: kind.label(),
            state: state_word(c.state),
            due: c.due.map(time::rfc3339),
            met_at: c.met_at.map(time::rfc3339),
            remaining: describe_target(c, t.day_ms),
        })
        .collect()
}

pub fn run(ctx: &Ctx, cmd: SlaCmd) -> Result<()> {
    let mut desk = ctx.desk()?;
    let setup = ctx.config.sla.clone();
    if setup.policies.is_empty() {
        return Err(CliError::Failed(
            "no SLA policies are configured: add [[sla.policies]] (and [[sla.calendars]]) to the config file; \
             assets/config.toml shows how"
                .into(),
        )
        .into());
    }
    match cmd {
        // Every check escalates (the desk core's one rule), as the system actor.
        SlaCmd::Status | SlaCmd::Retime => {
            let check = if matches!(cmd, SlaCmd::Retime) { desk.retime_sla()? } else { desk.check_sla(true)? };
            let check = check.unwrap_or_default();
            let (c, retimed) = (check.counts, check.computed);
            let out = StatusOut {
                policies: setup.policies.len(),
                retimed,
                at_risk: c.at_risk,
                breached: c.breached,
                escalated: check.escalated.clone(),
            };
            ctx.out.emit(&out, || {
                let mut s =
                    format!("{} at risk · {} breached ({} clocks computed now)", c.at_risk, c.breached, retimed);
                for e in &check.escalated {
                    s.push_str(&format!("\n{} escalated ({}, {})", e.number, super::output::line(&e.rule), e.state));
                }
                s
            })?;
            match check.hook_failures.first() {
                Some(f) => Err(CliError::Failed(f.clone()).into()),
                None => Ok(()),
            }
        }
        SlaCmd::Escalate => {
            let check = desk.check_sla(true)?.unwrap_or_default();
            let (done, failures) = (check.escalated, check.hook_failures);
            ctx.out.emit(&done, || {
                let mut s = done
                    .iter()
                    .map(|e| format!("{} escalated ({}, {})", e.number, super::output::line(&e.rule), e.state))
                    .collect::<Vec<_>>()
                    .join("\n");
                if done.is_empty() {
                    s = "nothing to escalate".into();
                }
                s
            })?;
            if let Some(f) = failures.first() {
                return Err(CliError::Failed(f.clone()).into());
            }
            Ok(())
        }
        SlaCmd::Show { number } => {
            let id = desk.store.ticket_id(number)?;
            let t = desk.store.ticket_sla(&setup, id)?;
            let out = ShowOut {
                number,
                policy: t.as_ref().map(|t| t.policy.clone()),
                targets: t.as_ref().map(targets).unwrap_or_default(),
            };
            ctx.out.emit(&out, || match &t {
                None => format!("{number}: no SLA policy applies"),
                Some(t) => {
                    let mut s = format!("{number}: policy {}\n", super::output::line(&t.policy));
                    for x in targets(t) {
                        // Met, but after the due instant.
                        let state = if x.state == "breached" && x.met_at.is_some() { "late" } else { x.state };
                        s.push_str(&format!(
                            "  {:<15} {:<9} {}{}\n",
                            x.target,
                            state,
                            x.remaining,
                            x.due.map(|d| format!(" (due {d})")).unwrap_or_default()
                        ));
                    }
                    s
                }
            })
        }
    }
}
