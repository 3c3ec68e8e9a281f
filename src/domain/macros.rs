//! Macros: named multi-field actions with text ("Password reset done": reply with a
//! text, resolve, category = access), and canned texts for the editor. Defined in the
//! config file; applying one is a pure plan of changes like any other edit.

use serde::Deserialize;

use super::ids::PersonId;
use super::op::Change;
use super::plan::{self, TicketEdit};
use super::ticket::{EntryKind, Priority, PriorityMatrix, Status, Ticket};
use super::{RuleError, RuleProblem};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Macro {
    pub name: String,
    /// A public reply to the requester.
    #[serde(default)]
    pub reply: Option<String>,
    /// An internal note.
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub status: Option<Status>,
    /// 1..4.
    #[serde(default)]
    pub priority: Option<u8>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    /// Assign the ticket to whoever applies the macro.
    #[serde(default)]
    pub take: bool,
    /// Tags added to the ticket's own.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Time spent, booked on the note or reply (`15m`, `1h`).
    #[serde(default)]
    pub time: Option<String>,
}

/// A canned text for the editor (`::` in a draft).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Canned {
    pub name: String,
    pub text: String,
}

impl Macro {
    /// Check what serde cannot: a priority in range, a time that parses, some effect.
    pub fn check(&self) -> Result<(), RuleError> {
        if self.name.trim().is_empty() {
            return Err(RuleError::new("macro", "", RuleProblem::Missing("a name")));
        }
        if let Some(p) = self.priority {
            Priority::try_from(p).map_err(|e| RuleError::bad_value("macro", &self.name, "priority", e))?;
        }
        if let Some(t) = &self.time {
            super::duration::booked_minutes(t)
                .map_err(|e| RuleError::bad_value("macro", &self.name, "time", format!("{e} (use 15m, 1h, 1h30)")))?;
        }
        let does_something = self.reply.is_some()
            || self.note.is_some()
            || self.status.is_some()
            || self.priority.is_some()
            || self.category.is_some()
            || self.group.is_some()
            || self.take
            || !self.tags.is_empty();
        if !does_something {
            return Err(RuleError::new(
                "macro",
                &self.name,
                RuleProblem::DoesNothing("give it a reply, note, status, priority, category, group, take or tags"),
            ));
        }
        Ok(())
    }

    /// What it does, in a line: for the pick-list and the confirmation.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = &self.reply {
            parts.push(format!("public reply ({} chars)", r.chars().count()));
        }
        if let Some(n) = &self.note {
            parts.push(format!("note ({} chars)", n.chars().count()));
        }
        if let Some(s) = self.status {
            parts.push(format!("status → {s}"));
        }
        if let Some(p) = self.priority {
            parts.push(format!("priority → P{p}"));
        }
        if let Some(c) = &self.category {
            parts.push(format!("category → {c}"));
        }
        if let Some(g) = &self.group {
            parts.push(format!("group → {g}"));
        }
        if self.take {
            parts.push("assign to me".into());
        }
        if !self.tags.is_empty() {
            parts.push(format!("tags + {}", self.tags.join(", ")));
        }
        parts.join(", ")
    }

    /// The changes the macro means for the ticket as it was seen: the field edits first
    /// (each guarded by the value seen), then the note and the reply.
    pub fn plan(&self, seen: &Ticket, me: PersonId, matrix: &PriorityMatrix) -> Vec<Change> {
        let mut e = TicketEdit {
            status: self.status,
            reopen: self.status.is_some_and(|s| s.is_open()) && !seen.status.is_open(),
            category: self.category.clone().map(Some),
            group: self.group.clone().map(Some),
            priority: self.priority.and_then(|p| Priority::try_from(p).ok()).map(Some),
            assignee: self.take.then_some(Some(me)),
            ..Default::default()
        };
        if !self.tags.is_empty() {
            let mut tags = seen.tags.clone();
            tags.extend(self.tags.iter().cloned());
            e.tags = Some(tags);
        }
        let mut out = plan::edit(seen, e, matrix);
        // The entries see the ticket as the edits leave it (a reply to a new ticket that
        // the macro resolves does not also open it).
        let mut after = seen.clone();
        if let Some(s) = self.status {
            after.status = s;
        } else if self.take && seen.status == Status::New {
            after.status = Status::Open;
        }
        let minutes = self.time.as_deref().and_then(super::duration::parse_minutes);
        let mut booked = false;
        if let Some(n) = &self.note {
            out.extend(plan::entry(&after, EntryKind::Note, n.clone(), minutes));
            booked = true;
        }
        if let Some(r) = &self.reply {
            out.extend(plan::entry(&after, EntryKind::Reply, r.clone(), if booked { None } else { minutes }));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::TicketId;
    use crate::domain::op::Payload;
    use crate::domain::ticket::TicketField;

    fn ticket(status: Status) -> Ticket {
        Ticket { tags: vec!["vip".into()], ..Ticket::sample(status) }
    }

    fn reset() -> Macro {
        toml::from_str(
            "name = \"Password reset done\"\nreply = \"Reset, see you.\"\nstatus = \"resolved\"\ncategory = \"access\"\ntags = [\"pw\"]\ntime = \"10m\"\n",
        )
        .unwrap()
    }

    #[test]
    fn a_macro_edits_first_then_writes_its_entries() {
        let m = reset();
        m.check().unwrap();
        assert_eq!(m.describe(), "public reply (15 chars), status → resolved, category → access, tags + pw");
        let changes = m.plan(&ticket(Status::New), PersonId::from_bytes([2; 16]), &PriorityMatrix::default());
        let fields: Vec<String> = changes
            .iter()
            .map(|c| match &c.payload {
                Payload::TicketSet(s) => format!("{}={}", s.field, s.to.clone().unwrap_or_default()),
                Payload::TicketEntry(e) => format!("{}:{}:{:?}", e.kind, e.body, e.minutes),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            fields,
            vec!["category=access", "tags=pw,vip", "status=resolved", "reply:Reset, see you.:Some(10)"],
            "no second status change from the reply: the ticket is resolved, not opened"
        );
        assert!(changes.iter().all(|c| c.entity == TicketId::from_bytes([1; 16]).0));
        let _ = TicketField::Status;
    }

    #[test]
    fn bad_macros_are_refused_with_their_name() {
        let mut m = reset();
        m.priority = Some(7);
        assert!(m.check().unwrap_err().to_string().contains("Password reset done"));
        let m: Macro = toml::from_str("name = \"Nothing\"\n").unwrap();
        assert!(m.check().unwrap_err().to_string().contains("does nothing"));
        assert!(toml::from_str::<Macro>("name = \"x\"\nstatus = \"done\"\n").is_err());
    }
}
