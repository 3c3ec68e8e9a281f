//! Running effects: the only part of the console that talks to the store.

use super::action::Action;
use super::detail::TicketView;
use super::model::Effect;
use crate::domain::ids::{PersonId, TicketId};
use crate::domain::op::Change;
use crate::domain::person::PersonRecord;
use crate::domain::plan;
use crate::domain::ticket::{EntryKind, PriorityMatrix};
use crate::store::{AssigneeFilter, Store, StoreError, TicketQuery};

/// Who acts: the agent's name, their person id once known, the priority matrix.
#[derive(Debug, Clone)]
pub struct Who {
    pub actor: String,
    pub me: Option<PersonId>,
    pub matrix: PriorityMatrix,
}

/// Run one effect and report its outcome as an action.
pub fn run(store: &mut Store, who: &mut Who, effect: Effect) -> Action {
    match effect {
        Effect::LoadQueue { generation, mut query, assignee_name } => {
            if let Some(name) = assignee_name {
                match store.find_person(&name) {
                    Ok(Some(p)) => query.assignee = Some(AssigneeFilter::Person(p.id)),
                    Ok(None) => return Action::Failed(format!("filter: no agent '{name}'")),
                    Err(e) => return Action::Failed(e.to_string()),
                }
            }
            let loaded = store.queue(&query).and_then(|rows| Ok((rows, store.count_upto(&query, 10_000)?.0)));
            match loaded {
                Ok((rows, total)) => Action::QueueLoaded { generation, offset: query.offset, rows, total },
                Err(e) => Action::Failed(e.to_string()),
            }
        }
        Effect::AddEntry { seen, kind, body } => {
            let id = seen.id;
            let result = (|| -> Result<String, StoreError> {
                let mut changes = Vec::new();
                if who.me.is_none() {
                    let me = PersonId::new_random();
                    changes.push(Change::new_person(me, PersonRecord::agent(who.actor.clone(), who.actor.clone())));
                    who.me = Some(me);
                }
                changes.extend(plan::entry(&seen, kind, body, None));
                store.commit(&who.actor, changes)?;
                Ok(match kind {
                    EntryKind::Note => format!("internal note added to {}", seen.number),
                    EntryKind::Reply => format!("public reply sent on {}", seen.number),
                })
            })();
            match result {
                Ok(message) => Action::Changed { message, ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::OpenNumber(n) => match store.ticket_id(n).and_then(|id| load_ticket(store, id)) {
            Ok(v) => Action::TicketLoaded(Box::new(v)),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::LoadTicket(id) => match load_ticket(store, id) {
            Ok(v) => Action::TicketLoaded(Box::new(v)),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::Take { id, seen } => {
            let result = (|| -> Result<String, StoreError> {
                // From the queue there is no full view: prepare against the ticket as it is now.
                let seen = match seen {
                    Some(t) => *t,
                    None => store.ticket(id)?,
                };
                let mut changes = Vec::new();
                let me = match who.me {
                    Some(me) => me,
                    None => {
                        let me = PersonId::new_random();
                        changes.push(Change::new_person(me, PersonRecord::agent(who.actor.clone(), who.actor.clone())));
                        me
                    }
                };
                changes.extend(plan::take(&seen, me, &who.matrix));
                let ops = store.commit(&who.actor, changes)?;
                who.me = Some(me);
                Ok(if ops.is_empty() {
                    format!("{} is already yours", seen.number)
                } else {
                    format!("{} is yours", seen.number)
                })
            })();
            match result {
                Ok(message) => Action::Changed { message, ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
    }
}

fn load_ticket(store: &Store, id: TicketId) -> Result<TicketView, StoreError> {
    let ticket = store.ticket(id)?;
    let others = match &ticket.requester {
        Some(p) => store
            .queue(&TicketQuery { active: Some(true), requester: Some(p.id), limit: 11, ..Default::default() })?
            .into_iter()
            .filter(|r| r.id != id)
            .take(10)
            .collect(),
        None => vec![],
    };
    Ok(TicketView {
        timeline: store.timeline(id)?,
        assets: store.ticket_assets(id)?,
        articles: store.ticket_articles(id)?,
        related: store.related_tickets(id)?,
        others,
        ticket,
    })
}
