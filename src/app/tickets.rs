//! Tickets: creating one (with the routing rules), writing on one, taking one.

use super::{Act, Desk, Result};
use crate::domain::ids::{TicketId, TicketNumber};
use crate::domain::op::{Change, Op};
use crate::domain::plan::{self, NewTicket};
use crate::domain::ticket::{EntryKind, Ticket};

impl Desk {
    /// Register a ticket: the routing rules (keywords, category, channel, the requester's
    /// site) fill in what they decide, the priority comes from the matrix. `people` are
    /// person records the caller prepared (a new requester), written in the same commit.
    pub fn create_ticket(&mut self, mut t: NewTicket, people: Vec<Change>) -> Result<(TicketId, TicketNumber)> {
        let site = match t.requester {
            Some(p) => self.store.person_site(p)?,
            None => None,
        };
        crate::domain::routing::route(&self.rules.routing, &mut t, site.as_deref());
        self.authorize(Act::Work)?;
        let id = TicketId::new_random();
        let mut changes = people;
        changes.push(plan::new_ticket(id, t, &self.rules.matrix));
        self.commit(changes)?;
        Ok((id, self.store.ticket(id)?.number))
    }

    /// An internal note or a public reply on the ticket as the agent saw it, with the
    /// time booked (minutes).
    pub fn add_entry(&mut self, seen: &Ticket, kind: EntryKind, body: String, minutes: Option<u32>) -> Result<Vec<Op>> {
        self.authorize(Act::Work)?;
        let mut changes = plan::entry(seen, kind, body, minutes);
        // A public reply queues its message in the same commit.
        let mail = super::mail::plan_outbound(&self.store, &self.rules, &self.actor.name, &changes)?;
        changes.extend(mail);
        self.commit(changes)
    }

    /// Assign the ticket (as seen) to the acting agent; a new ticket becomes open.
    pub fn take(&mut self, seen: &Ticket) -> Result<Vec<Op>> {
        let me = self.authorize(Act::Work)?;
        self.commit(plan::take(seen, me, &self.rules.matrix))
    }
}
