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
