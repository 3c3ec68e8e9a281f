//! Escalation: what happens when an SLA target is at risk or breached. A rule raises
//! the priority, reassigns (an agent or a group) and/or runs a hook command, once per
//! ticket and state: the note it writes carries a key (as an origin), so a second run,
//! or another technician's console, does not escalate the same ticket twice.

use serde::Deserialize;

use super::ids::PersonId;
use super::op::{Change, EntryRecord, Origin};
use super::plan::{self, TicketEdit};
use super::ticket::{EntryKind, Priority, PriorityMatrix, Ticket};
use super::{RuleError, RuleProblem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    AtRisk,
    Breached,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationRule {
    pub name: String,
    /// "at-risk" or "breached".
    pub when: When,
    /// Only tickets of these priorities (1..4); all when empty.
    #[serde(default)]
    pub priority: Vec<u8>,
    /// One step up (P3 → P2), never above P1.
    #[serde(default)]
    pub raise_priority: bool,
    /// An agent (login, e-mail or name) to assign to.
    #[serde(default)]
    pub assign: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    /// A command run through `sh -c` with TIX_NUMBER, TIX_TITLE, TIX_STATE and TIX_RULE
    /// in its environment (e.g. a pager or chat notification).
    #[serde(default)]
    pub hook: Option<String>,
}

impl EscalationRule {
    pub fn check(&self) -> Result<(), RuleError> {
        for p in &self.priority {
            Priority::try_from(*p).map_err(|e| RuleError::bad_value("escalation", &self.name, "priority", e))?;
        }
        if !self.raise_priority && self.assign.is_none() && self.group.is_none() && self.hook.is_none() {
            return Err(RuleError::new(
                "escalation",
                &self.name,
                RuleProblem::DoesNothing("raise_priority, assign, group, hook"),
            ));
        }
        Ok(())
    }

    pub fn applies_to(&self, t: &Ticket) -> bool {
        self.priority.is_empty() || self.priority.contains(&t.priority.get())
    }

    /// The key that marks this escalation done for this ticket.
    pub fn key(&self, t: &Ticket) -> String {
        let state = match self.when {
            When::AtRisk => "at-risk",
            When::Breached => "breached",
        };
        format!("escalation:{}:{state}:{}", self.name, t.id)
    }

    /// The changes: the edits (guarded by the values seen), then a note with the key.
    pub fn plan(&self, seen: &Ticket, assignee: Option<PersonId>, matrix: &PriorityMatrix) -> Vec<Change> {
        let mut e = TicketEdit::default();
        if self.raise_priority && seen.priority.get() > 1 {
            e.priority = Some(Priority::try_from(seen.priority.get() - 1).ok());
        }
        if let Some(a) = assignee {
            e.assignee = Some(Some(a));
        }
        if let Some(g) = &self.group {
            e.group = Some(Some(g.clone()));
        }
        let mut out = plan::edit(seen, e, matrix);
        let state = match self.when {
            When::AtRisk => "at risk",
            When::Breached => "breached",
        };
        out.push(Change::entry(
            seen.id,
            EntryRecord {
                kind: EntryKind::Note,
                body: format!("Escalated by rule \"{}\": the SLA is {state}.", self.name),
                author: None,
                minutes: None,
                origin: Some(Origin::key(self.key(seen))),
            },
        ));
        out
    }
}
