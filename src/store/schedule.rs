//! Making the recurring tickets that are due: each occurrence once (its key is kept as
//! the ticket's origin), through the ordinary write path.

use super::{Result, Store};
use crate::domain::TicketNumber;
use crate::domain::ids::TicketId;
use crate::domain::op::{Origin, Payload};
use crate::domain::plan;
use crate::domain::recurring::Recurring;
use crate::domain::routing::{RoutingRule, route};
use crate::domain::ticket::PriorityMatrix;

/// What a run did for one template.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScheduleOutcome {
    pub name: String,
    /// The occurrence's key, when one is due.
    pub key: Option<String>,
    /// The ticket made now; `None` with a key: it was made before.
    pub created: Option<TicketNumber>,
}

impl Store {
    /// Make the due occurrence of each template that was not made yet. Idempotent.
    pub fn run_recurring(
        &mut self,
        actor: &str,
        templates: &[Recurring],
        routing: &[RoutingRule],
        matrix: &PriorityMatrix,
    ) -> Result<Vec<ScheduleOutcome>> {
        let now = self.now_ms();
        let mut out = Vec::new();
        for r in templates {
            let Some((key, _at)) = r.due(now) else {
                out.push(ScheduleOutcome { name: r.config.name.clone(), key: None, created: None });
                continue;
            };
            if self.origin_known(&key)? {
                out.push(ScheduleOutcome { name: r.config.name.clone(), key: Some(key), created: None });
                continue;
            }
            let mut t = r.ticket();
            t.requester = self.recurring_person(r, "requester", r.config.requester.as_deref())?;
            t.assignee = self.recurring_person(r, "assignee", r.config.assignee.as_deref())?;
            route(routing, &mut t, None);
            let id = TicketId::new_random();
            let mut change = plan::new_ticket(id, t, matrix);
            if let Payload::TicketNew(rec) = &mut change.payload {
                rec.origin = Some(Origin::key(key.clone()));
            }
            self.commit(actor, vec![change])?;
            let number = self.ticket(id)?.number;
            out.push(ScheduleOutcome { name: r.config.name.clone(), key: Some(key), created: Some(number) });
        }
        Ok(out)
    }
}

impl Store {
    /// The person a template names as its requester or assignee: by login, e-mail or
    /// name; one that is not known is an error naming the template.
    fn recurring_person(
        &self,
        r: &Recurring,
        what: &str,
        key: Option<&str>,
    ) -> Result<Option<crate::domain::ids::PersonId>> {
        let Some(key) = key else { return Ok(None) };
        match self.find_person(key)? {
            Some(p) => Ok(Some(p.id)),
            None => Err(super::StoreError::NotFound(format!(
                "recurring '{}': {what} '{key}' is not a known person (add them with tix person add, or fix the config)",
                r.config.name
            ))),
        }
    }

    /// What resolving a ticket brings with it: its open duplicates (`duplicate-of` it)
    /// and the open incidents of a problem (`problem` links to it) are resolved too,
    /// and theirs in turn (an incident's duplicates follow their problem), each with a
    /// note saying why. For the changes of one interactive action; the
    /// returned changes go into the same commit.
    pub fn cascade(&self, changes: &[crate::domain::op::Change]) -> Result<Vec<crate::domain::op::Change>> {
        use crate::domain::op::Payload;
        use crate::domain::ticket::{EntryKind, Status, TicketField};
        let mut out = Vec::new();
        let mut done: Vec<uuid::Uuid> = changes.iter().map(|c| c.entity).collect();
        // Tickets being resolved, whose dependents follow; a dependent resolved here is
        // one too (a problem's incident takes its own duplicates along).
        let mut masters: Vec<uuid::Uuid> = changes
            .iter()
            .filter(|c| {
                matches!(&c.payload, Payload::TicketSet(s)
                    if s.field == TicketField::Status && s.to.as_deref() == Some(Status::Resolved.as_str()))
            })
            .map(|c| c.entity)
            .collect();
        while let Some(m) = masters.pop() {
            let master = self.ticket(TicketId(m))?;
            let dependents: Vec<(TicketId, String)> = self.collect(
                "SELECT s.id, l.rel FROM links l JOIN tickets s ON s.rowid = l.ticket
                 WHERE l.target = ?1 AND l.target_kind = 'ticket' AND l.removed = 0
                   AND l.rel IN ('duplicate-of', 'problem') AND s.active = 1",
                [m],
                |r| Ok((TicketId(r.get(0)?), r.get(1)?)),
            )?;
            for (id, rel) in dependents {
                if done.contains(&id.0) {
                    continue;
                }
                done.push(id.0);
                masters.push(id.0);
                let seen = self.ticket(id)?;
                let why = if rel == "problem" { "its problem" } else { "the ticket it duplicates" };
                let edit = plan::TicketEdit { status: Some(Status::Resolved), ..Default::default() };
                out.extend(plan::edit(&seen, edit, &PriorityMatrix::default()));
                out.extend(plan::entry(
                    &seen,
                    EntryKind::Note,
                    format!("Resolved with {} ({why}).", master.number),
                    None,
                ));
            }
        }
        Ok(out)
    }
}

/// One escalation carried out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Escalated {
    pub rule: String,
    pub number: TicketNumber,
    pub title: String,
    /// "at-risk" or "breached".
    pub state: String,
    /// The rule's hook command, for the caller to run.
    #[serde(skip)]
    pub hook: Option<String>,
}

impl Store {
    /// Carry out the escalation rules on the open tickets the SLA cache finds at risk or
    /// breached (at most 500 a rule and run), each ticket once per rule and state.
    /// Refresh the cache first. Hooks are returned, not run.
    pub fn escalate(
        &mut self,
        actor: &str,
        rules: &[crate::domain::escalation::EscalationRule],
        matrix: &PriorityMatrix,
    ) -> Result<Vec<Escalated>> {
        use crate::domain::escalation::When;
        let now = self.now_ms();
        let mut out = Vec::new();
        for rule in rules {
            let sql = match rule.when {
                When::Breached => "SELECT t.id FROM sla s JOIN tickets t ON t.rowid = s.ticket
                                   WHERE s.next_due <= ?1 AND t.active = 1 ORDER BY s.next_due LIMIT 500",
                When::AtRisk => "SELECT t.id FROM sla s JOIN tickets t ON t.rowid = s.ticket
                                 WHERE s.warn_at <= ?1 AND s.next_due > ?1 AND t.active = 1 ORDER BY s.next_due LIMIT 500",
            };
            let ids: Vec<TicketId> = self.collect(sql, [now], |r| Ok(TicketId(r.get(0)?)))?;
            let assignee = match &rule.assign {
                Some(who) => Some(
                    self.find_person(who)?
                        .ok_or_else(|| {
                            super::StoreError::NotFound(format!("escalation '{}': no agent '{who}'", rule.name))
                        })?
                        .id,
                ),
                None => None,
            };
            for id in ids {
                let seen = self.ticket(id)?;
                if !rule.applies_to(&seen) || self.origin_known(&rule.key(&seen))? {
                    continue;
                }
                // A ticket someone changes at this very moment is escalated on the next run.
                if self.commit(actor, rule.plan(&seen, assignee, matrix)).is_err() {
                    continue;
                }
                out.push(Escalated {
                    rule: rule.name.clone(),
                    number: self.ticket(id)?.number,
                    title: seen.title.clone(),
                    state: match rule.when {
                        When::AtRisk => "at-risk".into(),
                        When::Breached => "breached".into(),
                    },
                    hook: rule.hook.clone(),
                });
            }
        }
        Ok(out)
    }
}
