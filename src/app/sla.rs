//! SLA clocks and escalation: one rule for every front end.
//!
//! Whenever the desk checks its SLA clocks — the console's refresh (at start, after a
//! change, once a minute), `tix sla status`, `tix sla retime` and `tix sla escalate` —
//! the clocks are re-timed and the `[[escalation]]` rules carried out on the tickets
//! at risk or breached, each ticket once per rule and state. Escalations are written by
//! the system actor [`ESCALATION_ACTOR`], not by whoever happened to have a console
//! open; their hooks run on the machine that carried them out.

use super::{Desk, Result};
use crate::store::{Escalated, SlaCounts};

/// The actor of every escalation's ops.
pub const ESCALATION_ACTOR: &str = "tix-escalation";

/// What an SLA check did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlaCheck {
    /// Clocks computed (re-timed) now.
    pub computed: usize,
    pub escalated: Vec<Escalated>,
    /// Hooks that failed, each with its reason.
    pub hook_failures: Vec<String>,
    pub counts: SlaCounts,
}

impl Desk {
    /// Bring the SLA cache up to date for reading (tickets that changed since the last
    /// refresh); nothing is escalated. 0 without SLA policies.
    pub fn refresh_clocks(&mut self) -> Result<usize> {
        if self.rules.sla.policies.is_empty() {
            return Ok(0);
        }
        Ok(self.store.refresh_sla(&self.rules.sla, &self.rules.sla_fingerprint)?)
    }

    /// Check the SLA: re-time the clocks (`full`: every open ticket's state, else those
    /// that changed), carry out the escalations and run their hooks. `None` without SLA
    /// policies.
    pub fn check_sla(&mut self, full: bool) -> Result<Option<SlaCheck>> {
        let rules = self.rules.clone();
        if rules.sla.policies.is_empty() {
            return Ok(None);
        }
        let computed = if full {
            self.store.refresh_sla_full(&rules.sla, &rules.sla_fingerprint)?
        } else {
            self.store.refresh_sla(&rules.sla, &rules.sla_fingerprint)?
        };
        let escalated = self.store.escalate(ESCALATION_ACTOR, &rules.escalation, &rules.matrix)?;
        let hook_failures = escalated.iter().filter_map(|e| run_hook(e).err()).collect();
        let counts = self.store.sla_counts()?;
        Ok(Some(SlaCheck { computed, escalated, hook_failures, counts }))
    }

    /// Forget every clock and compute them again, then check as [`Desk::check_sla`].
    pub fn retime_sla(&mut self) -> Result<Option<SlaCheck>> {
        if !self.rules.sla.policies.is_empty() {
            self.store.refresh_sla(&self.rules.sla, "")?;
        }
        self.check_sla(true)
    }
}

/// Run an escalation's hook (`sh -c`), with the ticket in its environment. Output goes
/// nowhere; a failure is reported.
fn run_hook(e: &Escalated) -> std::result::Result<(), String> {
    let Some(hook) = &e.hook else { return Ok(()) };
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(hook)
        .env("TIX_NUMBER", e.number.to_string())
        .env("TIX_TITLE", &e.title)
        .env("TIX_STATE", &e.state)
        .env("TIX_RULE", &e.rule)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|err| format!("escalation hook of '{}': {err}", e.rule))?;
    if status.success() { Ok(()) } else { Err(format!("escalation hook of '{}' exited with {status}", e.rule)) }
}
