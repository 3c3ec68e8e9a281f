//! Running effects: the only part of the console that talks to the store.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use super::action::Action;
use super::assets::{AssetHit, RESULTS};
use super::detail::TicketView;
use super::form::Candidate;
use super::model::{Effect, LINK_REL};
use super::picker::{PickField, PickItem, PickValue};
use crate::domain::ids::{PersonId, TicketId};
use crate::domain::op::{Change, LinkTarget};
use crate::domain::person::{PersonRecord, Role};
use crate::domain::plan;
use crate::domain::text;
use crate::domain::ticket::{EntryKind, PriorityMatrix};
use crate::store::{AssigneeFilter, Store, StoreError, TicketQuery};

/// Who acts: the agent's name, their person id once known, the priority matrix.
#[derive(Debug, Clone)]
pub struct Who {
    pub actor: String,
    pub me: Option<PersonId>,
    pub matrix: PriorityMatrix,
    pub sla: std::sync::Arc<crate::domain::sla_config::SlaSetup>,
    pub sla_fingerprint: String,
    /// Routing rules applied to tickets created here.
    pub routing: Vec<crate::domain::routing::RoutingRule>,
    pub recurring: Vec<crate::domain::recurring::Recurring>,
    pub escalation: Vec<crate::domain::escalation::EscalationRule>,
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
            // Text matches are counted up to a cap: an exact count walks every match.
            let cap = if query.text.is_some() { 1_000 } else { u64::MAX };
            let loaded = store.queue(&query).and_then(|rows| Ok((rows, store.count_upto(&query, cap)?)));
            match loaded {
                Ok((rows, (total, exact))) => {
                    Action::QueueLoaded { generation, offset: query.offset, rows, total, exact }
                }
                Err(e) => Action::Failed(e.to_string()),
            }
        }
        Effect::AddEntry { seen, kind, body, minutes } => {
            let id = seen.id;
            let result = (|| -> Result<String, StoreError> {
                let mut changes = Vec::new();
                if who.me.is_none() {
                    let me = PersonId::new_random();
                    changes.push(Change::new_person(me, PersonRecord::agent(who.actor.clone(), who.actor.clone())));
                    who.me = Some(me);
                }
                changes.extend(plan::entry(&seen, kind, body, minutes));
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
        Effect::OpenNumber(n) => match store.ticket_id(n).and_then(|id| load_ticket(store, who, id)) {
            Ok(v) => Action::TicketLoaded(Box::new(v)),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::LoadTicket(id) => match load_ticket(store, who, id) {
            Ok(v) => Action::TicketLoaded(Box::new(v)),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::Edit { seen, edit } => {
            let id = seen.id;
            let result = (|| {
                let mut changes = plan::edit(&seen, edit, &who.matrix);
                let cascade = store.cascade(&changes)?;
                changes.extend(cascade);
                store.commit(&who.actor, changes)
            })();
            match result {
                Ok(ops) if ops.is_empty() => Action::Message(format!("{}: nothing changed", seen.number)),
                Ok(ops) => Action::Changed { message: describe_edit(&seen.number.to_string(), &ops), ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::Link { seen, target, what } => {
            let id = seen.id;
            match store.commit(&who.actor, vec![Change::link(id, target, false)]) {
                Ok(_) => Action::Changed { message: format!("linked {what} to {}", seen.number), ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::Change { seen, changes } => match store.commit(&who.actor, changes) {
            Ok(_) => Action::Changed { message: format!("{} checklist updated", seen.number), ticket: seen.id },
            Err(e) => Action::FailedOn { message: e.to_string(), ticket: seen.id },
        },
        Effect::SaveView(v) => {
            let name = v.name.clone();
            match store.commit(&who.actor, vec![Change::save_view(v)]) {
                Ok(_) => Action::Message(format!("view '{name}' saved in the store (tix view run {name})")),
                Err(e) => Action::Failed(e.to_string()),
            }
        }
        Effect::Merge { seen, into } => {
            let id = seen.id;
            let result = store.ticket_by_number(into).and_then(|target| {
                store.commit(&who.actor, plan::merge(&seen, &target, &who.matrix))?;
                Ok(target.id)
            });
            match result {
                // The ticket merged into opens: the history is there now.
                Ok(target) => {
                    Action::Created { message: format!("{} merged into {into}", seen.number), ticket: target }
                }
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::LinkNumber { seen, number } => {
            let id = seen.id;
            let result = store.ticket_id(number).and_then(|other| {
                store.commit(&who.actor, vec![Change::link(id, LinkTarget::Ticket { id: other, rel: LINK_REL }, false)])
            });
            match result {
                Ok(_) => Action::Changed { message: format!("linked {number} to {}", seen.number), ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::CreateTicket(t) => {
            let mut t = t;
            let site = match t.requester {
                Some(p) => store.person_site(p).ok().flatten(),
                None => None,
            };
            crate::domain::routing::route(&who.routing, &mut t, site.as_deref());
            let id = TicketId::new_random();
            match store.commit(&who.actor, vec![plan::new_ticket(id, *t, &who.matrix)]) {
                Ok(_) => match store.ticket(id) {
                    Ok(t) => Action::Created { message: format!("{} created", t.number), ticket: id },
                    Err(e) => Action::Failed(e.to_string()),
                },
                Err(e) => Action::Failed(e.to_string()),
            }
        }
        Effect::SearchKb { generation, text } => match store.kb_search(&text, super::kb::RESULTS) {
            Ok(hits) => Action::KbLoaded { generation, hits },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::LoadArticle(id) => match store.article(id) {
            Ok(a) => Action::ArticleLoaded(Box::new(a)),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::FindAssets { generation, text } => match find_assets(store, &text) {
            Ok(hits) => Action::AssetsLoaded { generation, hits },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::LoadAssetTickets(id) => match store.asset_tickets(id, 20) {
            Ok(rows) => Action::AssetTickets { id, rows },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::FindPeople { generation, text } => match find_people(store, &text) {
            Ok(found) => Action::PeopleLoaded { generation, found },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::LoadPickItems(field) => match pick_items(store, field) {
            Ok(items) => Action::PickItems { field, items },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::SyncNow => sync_action(store),
        Effect::RunSchedules => match store.run_recurring(&who.actor, &who.recurring, &who.routing, &who.matrix) {
            Ok(out) => {
                let made: Vec<String> = out.iter().filter_map(|o| o.created.map(|n| n.to_string())).collect();
                if made.is_empty() {
                    Action::Skipped
                } else {
                    Action::Message(format!("recurring tickets made: {}", made.join(", ")))
                }
            }
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::RefreshSla { full } => {
            if who.sla.policies.is_empty() {
                return Action::SlaRefreshed { computed: 0, counts: None, escalated: vec![] };
            }
            let refreshed = if full {
                store.refresh_sla_full(&who.sla, &who.sla_fingerprint)
            } else {
                store.refresh_sla(&who.sla, &who.sla_fingerprint)
            };
            // Escalations follow the fresh clocks (each ticket once per rule and state).
            let escalated = refreshed.and_then(|n| {
                let done = store.escalate(&who.actor, &who.escalation, &who.matrix)?;
                for e in &done {
                    let _ = crate::store::run_hook(e);
                }
                Ok((n + done.len(), done))
            });
            match escalated.and_then(|(n, done)| Ok((n, done, store.sla_counts()?))) {
                Ok((computed, done, counts)) => Action::SlaRefreshed {
                    computed,
                    counts: Some(counts),
                    escalated: done.iter().map(|e| format!("{} ({})", e.number, e.rule)).collect(),
                },
                Err(e) => Action::Failed(e.to_string()),
            }
        }
        Effect::LoadReport { from, to } => {
            let report = store.report(from, to).and_then(|mut r| {
                if !who.sla.policies.is_empty() {
                    // Compliance from each resolved ticket's clock, as `tix report` does.
                    let (measured, met) = store.sla_compliance(&who.sla, from, to)?;
                    r.sla_measured = measured;
                    r.sla_met = met;
                    r.sla_compliance = (measured > 0).then(|| met as f64 * 100.0 / measured as f64);
                }
                Ok(r)
            });
            match report {
                Ok(r) => Action::ReportLoaded(Box::new(r)),
                Err(e) => Action::Failed(e.to_string()),
            }
        }
        Effect::ApplyMacro { seen, m } => {
            let id = seen.id;
            let result = (|| -> Result<usize, StoreError> {
                let mut changes = Vec::new();
                let me = ensure_me(who, &mut changes);
                changes.extend(m.plan(&seen, me, &who.matrix));
                let cascade = store.cascade(&changes)?;
                changes.extend(cascade);
                Ok(store.commit(&who.actor, changes)?.len())
            })();
            match result {
                Ok(_) => Action::Changed { message: format!("\"{}\" applied to {}", m.name, seen.number), ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::Bulk { tickets, edit, m } => bulk(store, who, &tickets, edit, m.as_deref()),
        // Terminal effects are run by the driver, never here.
        Effect::Copy(_) | Effect::ExternalEditor { .. } => {
            Action::Failed("internal: a terminal effect reached the store worker".into())
        }
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

fn load_ticket(store: &Store, who: &Who, id: TicketId) -> Result<TicketView, StoreError> {
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
        minutes: store.ticket_minutes(id)?,
        article_steps: store
            .ticket_articles(id)?
            .into_iter()
            .filter_map(|(aid, _)| store.article(aid).ok())
            .map(|a| (a.id, a.record.title, a.record.body))
            .collect(),
        sla: store
            .ticket_sla(&who.sla, id)?
            .map(|s| (s.policy.clone(), crate::domain::sla::summary(&s.clock, s.day_ms), s.clock.worst_open_state())),
        others,
        ticket,
    })
}

/// "#42: status open → pending, assignee …" from the ops an edit wrote.
fn describe_edit(number: &str, ops: &[crate::domain::op::Op]) -> String {
    use crate::domain::op::Payload;
    let parts: Vec<String> = ops
        .iter()
        .filter_map(|op| match &op.payload {
            Payload::TicketSet(s) => {
                use crate::domain::ticket::TicketField as F;
                match s.field {
                    F::PriorityOverride => None,
                    F::Assignee | F::Requester => {
                        Some(format!("{} {}", s.field, if s.to.is_some() { "changed" } else { "cleared" }))
                    }
                    F::Priority => Some(format!("priority → P{}", s.to.as_deref().unwrap_or("-"))),
                    _ => Some(format!("{} → {}", s.field, s.to.as_deref().unwrap_or("-"))),
                }
            }
            _ => None,
        })
        .collect();
    format!("{number}: {}", parts.join(", "))
}

/// Fuzzy-ranked assets: prefix/substring candidates first; when those are few, the
/// characters-in-order candidates from the store (bounded: at most 1,000 are scored).
fn find_assets(store: &Store, query: &str) -> Result<Vec<AssetHit>, StoreError> {
    let m = SkimMatcherV2::default().ignore_case();
    let q = query.trim();
    let mut scored: Vec<(i64, AssetHit)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut consider = |a: crate::domain::asset::Asset, scored: &mut Vec<(i64, AssetHit)>| {
        if !seen.insert(a.id) {
            return;
        }
        let line = AssetHit::line_of(&a);
        if let Some((score, marks)) = m.fuzzy_indices(&line, q) {
            scored.push((score, AssetHit { asset: a, line, marks }));
            if scored.len() > RESULTS * 4 {
                scored.sort_by_key(|h| std::cmp::Reverse(h.0));
                scored.truncate(RESULTS);
            }
        }
    };
    for a in store.find_assets(q, 200)? {
        consider(a, &mut scored);
    }
    if scored.len() < RESULTS && q.chars().count() >= 2 {
        for a in store.assets_matching(q, 1_000)? {
            consider(a, &mut scored);
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.asset.record.tag.cmp(&b.1.asset.record.tag)));
    scored.truncate(RESULTS);
    Ok(scored.into_iter().map(|(_, h)| h).collect())
}

/// Requester candidates: people containing the text, ranked by fuzzy score.
fn find_people(store: &Store, query: &str) -> Result<Vec<Candidate>, StoreError> {
    let m = SkimMatcherV2::default().ignore_case();
    let mut out: Vec<(i64, Candidate)> = store
        .people_matching(query, None, 200)?
        .into_iter()
        .filter_map(|p| {
            let label = match &p.record.email {
                Some(e) => format!("{} <{e}>", p.record.name),
                None => p.record.name.clone(),
            };
            let label = text::clean(&label).into_owned();
            let (score, marks) = m.fuzzy_indices(&label, query.trim())?;
            Some((score, Candidate { id: p.id, label, marks }))
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.label.cmp(&b.1.label)));
    out.truncate(8);
    Ok(out.into_iter().map(|(_, c)| c).collect())
}

/// Items for the pick-lists that come from the store.
fn pick_items(store: &Store, field: PickField) -> Result<Vec<PickItem>, StoreError> {
    Ok(match field {
        PickField::Assignee => {
            let mut v = vec![PickItem { label: "nobody (unassign)".into(), value: PickValue::Person(None) }];
            v.extend(store.people("", Some(Role::Agent), 500)?.into_iter().map(|p| PickItem {
                label: match p.record.groups.is_empty() {
                    true => p.record.name.clone(),
                    false => format!("{} ({})", p.record.name, p.record.groups.join(", ")),
                },
                value: PickValue::Person(Some(p.id)),
            }));
            v
        }
        PickField::Group => {
            let mut v = vec![PickItem { label: "none".into(), value: PickValue::Text(None) }];
            v.extend(
                store
                    .agent_groups()?
                    .into_iter()
                    .map(|g| PickItem { label: g.clone(), value: PickValue::Text(Some(g)) }),
            );
            v
        }
        PickField::Category => {
            let mut v = vec![PickItem { label: "none".into(), value: PickValue::Text(None) }];
            v.extend(
                store
                    .recent_categories(5_000)?
                    .into_iter()
                    .map(|c| PickItem { label: c.clone(), value: PickValue::Text(Some(c)) }),
            );
            v
        }
        PickField::Status
        | PickField::Priority
        | PickField::Urgency
        | PickField::Impact
        | PickField::Macro
        | PickField::Canned
        | PickField::Checklist => vec![],
    })
}

/// Whether `later` makes `earlier` pointless: both ask for a view of the same thing, and
/// only the newest answer is ever shown (typing a filter or a search queues many).
pub fn supersedes(later: &Effect, earlier: &Effect) -> bool {
    matches!(
        (later, earlier),
        (Effect::LoadQueue { .. }, Effect::LoadQueue { .. })
            | (Effect::SearchKb { .. }, Effect::SearchKb { .. })
            | (Effect::FindAssets { .. }, Effect::FindAssets { .. })
            | (Effect::FindPeople { .. }, Effect::FindPeople { .. })
            | (Effect::LoadArticle(_), Effect::LoadArticle(_))
            | (Effect::LoadAssetTickets(_), Effect::LoadAssetTickets(_))
            | (Effect::RefreshSla { full: false }, Effect::RefreshSla { full: false })
    )
}

/// Sync now and say how it went, for the status line. Notices of local changes that
/// lost are shown in the status line, which is their author seeing them: they are
/// acknowledged (`tix sync notices` lists them until then).
pub fn sync_action(store: &mut Store) -> Action {
    let result = crate::sync::sync_now(store);
    let (pulled, error) = match &result {
        Ok(r) => (r.pulled, r.warnings.first().cloned()),
        Err(crate::sync::SyncError::NotJoined) => (0, None),
        Err(e) => (0, Some(e.to_string())),
    };
    let mut notices = Vec::new();
    if let Ok(list) = crate::sync::notices(store) {
        let ids: Vec<i64> = list.iter().map(|n| n.id).collect();
        notices = list.into_iter().map(|n| n.message).collect();
        if !ids.is_empty() {
            let _ = crate::sync::ack_notices(store, Some(&ids));
        }
    }
    Action::Synced { state: sync_state(store), pulled, notices, error }
}

/// The status line's sync words: `None` when this store does not sync.
pub fn sync_state(store: &Store) -> Option<String> {
    let s = crate::sync::status(store).ok().filter(|s| s.joined)?;
    let unsynced = if s.unsynced > 0 { format!(" · {} unsynced", s.unsynced) } else { String::new() };
    let when = |t: &Option<String>| {
        t.as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| crate::domain::time::local(t.timestamp_millis()))
            .map(|t| t.get(11..).unwrap_or(&t).to_string())
    };
    Some(if s.needs_rejoin {
        "sync stopped: tix sync rejoin".to_string()
    } else if s.needs_rebuild {
        "sync stopped: tix sync rebuild".to_string()
    } else if s.offline {
        format!("offline{unsynced}")
    } else {
        match when(&s.last_sync) {
            Some(t) => format!("synced {t}{unsynced}"),
            None => format!("not synced yet{unsynced}"),
        }
    })
}

/// This agent's person id, creating the person (in `changes`) on first use.
fn ensure_me(who: &mut Who, changes: &mut Vec<Change>) -> PersonId {
    match who.me {
        Some(me) => me,
        None => {
            let me = PersonId::new_random();
            changes.push(Change::new_person(me, PersonRecord::agent(who.actor.clone(), who.actor.clone())));
            who.me = Some(me);
            me
        }
    }
}

/// An edit or a macro on each ticket in turn, each read as it is now and committed on
/// its own: a refusal (a status move a ticket does not allow) leaves the others done,
/// and the report names it.
fn bulk(
    store: &mut Store,
    who: &mut Who,
    tickets: &[(TicketId, crate::domain::TicketNumber)],
    edit: Option<plan::TicketEdit>,
    m: Option<&crate::domain::macros::Macro>,
) -> Action {
    let (mut done, mut unchanged, mut refused) = (0, 0, Vec::new());
    for (id, number) in tickets {
        let result = (|| -> Result<usize, StoreError> {
            let seen = store.ticket(*id)?;
            let mut changes = Vec::new();
            if let Some(m) = m {
                let me = ensure_me(who, &mut changes);
                changes.extend(m.plan(&seen, me, &who.matrix));
            }
            if let Some(e) = &edit {
                changes.extend(plan::edit(&seen, e.clone(), &who.matrix));
            }
            let cascade = store.cascade(&changes)?;
            changes.extend(cascade);
            Ok(store.commit(&who.actor, changes)?.len())
        })();
        match result {
            Ok(0) => unchanged += 1,
            Ok(_) => done += 1,
            Err(e) => refused.push(format!("{number}: {e}")),
        }
    }
    let mut msg = format!("{done} of {} changed", tickets.len());
    if unchanged > 0 {
        msg.push_str(&format!(", {unchanged} already so"));
    }
    match refused.first() {
        None => Action::BulkDone { message: msg, error: false },
        Some(first) => {
            let more =
                if refused.len() > 1 { format!(" (+{} more refused)", refused.len() - 1) } else { String::new() };
            Action::BulkDone { message: format!("{msg}; refused {first}{more}"), error: true }
        }
    }
}
