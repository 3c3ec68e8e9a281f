//! Finding tickets: a filter in the query language turned into a store query, with
//! `assignee:NAME` resolved to the agent.

use super::{AppError, Desk, Result};
use crate::domain::filter::FilterSpec;
use crate::domain::ids::PersonId;
use crate::store::{AssigneeFilter, TicketQuery};

impl Desk {
    /// The agent a filter's `assignee:NAME` means.
    pub fn resolve_assignee(&self, name: &str) -> Result<AssigneeFilter> {
        match self.store.find_person(name)? {
            Some(p) => Ok(AssigneeFilter::Person(p.id)),
            None => Err(AppError::NotFound(format!("no agent '{name}'"))),
        }
    }

    /// Narrow `q` by a parsed filter: its conditions (`assignee:me` is the acting agent,
    /// `assignee:NAME` an agent found by name) and its free words as full text.
    pub fn narrow(&self, q: &mut TicketQuery, spec: &FilterSpec) -> Result<()> {
        let me = match self.actor.me {
            Some(me) => Some(me),
            None => self.store.find_agent(&self.actor.name)?.map(|p| p.id),
        };
        // An agent without a record yet has no tickets: `assignee:me` then matches none.
        if let Some(name) = q.narrow(spec, Some(me.unwrap_or_else(PersonId::new_random))) {
            q.assignee = Some(self.resolve_assignee(&name)?);
        }
        if !spec.words.is_empty() {
            let words = spec.words.join(" ");
            q.text = Some(match q.text.take() {
                Some(t) => format!("{t} {words}"),
                None => words,
            });
        }
        Ok(())
    }
}
