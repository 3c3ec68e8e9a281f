//! Running effects against the desk core: the only part of the console that reaches the
//! store.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use super::action::Action;
use super::assets::{AssetHit, RESULTS};
use super::detail::TicketView;
use super::effect::Effect;
use super::form::Candidate;
use super::picker::{PickField, PickItem, PickValue};
use crate::app::{Act, AppError, Desk};
use crate::domain::ids::TicketId;
use crate::domain::op::{Change, LinkTarget};
use crate::domain::plan;
use crate::domain::text;
use crate::domain::ticket::EntryKind;
use crate::store::{Store, StoreError, TicketQuery};

/// Run one effect against the desk core and report its outcome as an action.
pub fn run(desk: &mut Desk, effect: Effect) -> Action {
    match effect {
        Effect::LoadQueue { generation, mut query, assignee_name } => {
            if let Some(name) = assignee_name {
                match desk.resolve_assignee(&name) {
                    Ok(a) => query.assignee = Some(a),
                    Err(e) => return Action::Failed(format!("filter: {e}")),
                }
            }
            let store = &desk.store;
            // Text matches are counted up to a cap: an exact count walks every match.
            let cap = if query.text.is_some() { 1_000 } else { u64::MAX };
            let loaded = store
                .queue(&query)
                .and_then(|rows| Ok((rows, store.count_upto(&query, cap)?, store.text_notice(&query)?)));
            match loaded {
                Ok((rows, (total, exact), notice)) => {
                    Action::QueueLoaded { generation, offset: query.offset, rows, total, exact, notice }
                }
                Err(e) => Action::Failed(e.to_string()),
            }
        }
        Effect::CheckReply { ticket, body } => match crate::app::mail::internal_source(&desk.store, ticket, &body) {
            Ok(found) => Action::ReplyChecked(found),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::AddEntry { seen, kind, body, minutes } => {
            let id = seen.id;
            let result = desk.add_entry(&seen, kind, body, minutes).map(|_| match kind {
                EntryKind::Note => format!("internal note added to {}", seen.number),
                EntryKind::Reply => format!("public reply sent on {}", seen.number),
            });
            match result {
                Ok(message) => Action::Changed { message, ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::OpenNumber(n) => match desk.store.ticket_id(n).and_then(|id| load_ticket(desk, id)) {
            Ok(v) => Action::TicketLoaded(Box::new(v)),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::LoadTicket(id) => match load_ticket(desk, id) {
            Ok(v) => Action::TicketLoaded(Box::new(v)),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::Edit { seen, edit } => {
            let id = seen.id;
            let result = (|| {
                desk.authorize(Act::Work)?;
                let mut changes = plan::edit(&seen, edit, &desk.rules.matrix);
                let cascade = desk.store.cascade(&changes)?;
                changes.extend(cascade);
                // A resolution notice, when configured, in the same commit.
                let mail = crate::app::mail::plan_outbound(&desk.store, &desk.rules, &desk.actor.name, &changes)?;
                changes.extend(mail);
                desk.commit(changes)
            })();
            match result {
                Ok(ops) if ops.is_empty() => Action::Message(format!("{}: nothing changed", seen.number)),
                Ok(ops) => Action::Changed { message: describe_edit(&seen.number.to_string(), &ops), ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::Link { seen, target, what } => {
            let id = seen.id;
            match desk.authorize(Act::Work).and_then(|_| desk.commit(vec![Change::link(id, target, false)])) {
                Ok(_) => Action::Changed { message: format!("linked {what} to {}", seen.number), ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::Change { seen, changes } => match desk.authorize(Act::Work).and_then(|_| desk.commit(changes)) {
            Ok(_) => Action::Changed { message: format!("{} checklist updated", seen.number), ticket: seen.id },
            Err(e) => Action::FailedOn { message: e.to_string(), ticket: seen.id },
        },
        Effect::SaveView(v) => {
            let name = v.name.clone();
            match desk.authorize(Act::ShareView).and_then(|_| desk.commit(vec![Change::save_view(v)])) {
                Ok(_) => Action::Message(format!("view '{name}' saved in the store (tix view run {name})")),
                Err(e) => Action::Failed(e.to_string()),
            }
        }
        Effect::Watch { ticket, number, address, remove } => {
            let result = desk
                .authorize(Act::Work)
                .and_then(|_| crate::app::mail::watch(ticket, &address, remove))
                .and_then(|change| desk.commit(vec![change]))
                .and_then(|_| Ok(desk.store.watchers(ticket)?));
            match result {
                Ok(w) if w.is_empty() => Action::Changed { message: format!("{number}: no watchers"), ticket },
                Ok(w) => Action::Changed { message: format!("{number}: watched by {}", w.join(", ")), ticket },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket },
            }
        }
        Effect::Merge { seen, into } => {
            let id = seen.id;
            let result = desk.authorize(Act::Merge).and_then(|_| {
                let target = desk.store.ticket_by_number(into)?;
                desk.commit(plan::merge(&seen, &target, &desk.rules.matrix))?;
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
        Effect::LinkNumber { seen, number, rel, reverse } => {
            let id = seen.id;
            let result = desk.authorize(Act::Work).and_then(|_| {
                let other = desk.store.ticket_id(number)?;
                // A child holds the link to its parent.
                let link = if reverse {
                    Change::link(other, LinkTarget::Ticket { id, rel }, false)
                } else {
                    Change::link(id, LinkTarget::Ticket { id: other, rel }, false)
                };
                desk.commit(vec![link])
            });
            let how = match (rel, reverse) {
                (crate::domain::ticket::TicketRel::Parent, true) => "as a child".to_string(),
                (rel, _) => format!("as {rel}"),
            };
            match result {
                Ok(_) => Action::Changed { message: format!("linked {number} to {} {how}", seen.number), ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::CreateTicket(t) => match desk.create_ticket(*t, vec![]) {
            Ok((id, number)) => Action::Created { message: format!("{number} created"), ticket: id },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::SearchKb { generation, text } => {
            match desk.store.kb_find(&text, super::kb::RESULTS, &desk.rules.search.synonyms, true) {
                Ok(hits) => Action::KbLoaded { generation, hits },
                Err(e) => Action::Failed(e.to_string()),
            }
        }
        Effect::LoadArticle(id) => match desk.store.article(id) {
            Ok(a) => Action::ArticleLoaded(Box::new(a)),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::FindAssets { generation, text } => match find_assets(&desk.store, &text) {
            Ok(hits) => Action::AssetsLoaded { generation, hits },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::LoadAssetTickets(id) => match desk.store.asset_tickets(id, 20) {
            Ok(rows) => Action::AssetTickets { id, rows },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::FindPeople { generation, text } => match find_people(&desk.store, &text) {
            Ok(found) => Action::PeopleLoaded { generation, found },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::LoadPickItems(field) => match pick_items(&desk.store, field) {
            Ok(items) => Action::PickItems { field, items },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::SyncNow => sync_action(&mut desk.store),
        Effect::RunSchedules => match desk.authorize(Act::Work).and_then(|_| desk.flush()).and_then(|_| {
            Ok(desk.store.run_recurring(
                &desk.actor.name,
                &desk.rules.recurring,
                &desk.rules.routing,
                &desk.rules.matrix,
            )?)
        }) {
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
        Effect::RefreshSla { full } => match desk.check_sla(full) {
            Ok(None) => Action::SlaRefreshed { computed: 0, counts: None, escalated: vec![] },
            Ok(Some(check)) => Action::SlaRefreshed {
                // Escalations changed tickets: the queue reloads as for re-timed clocks.
                computed: check.computed + check.escalated.len(),
                counts: Some(check.counts),
                escalated: check.escalated.iter().map(|e| format!("{} ({})", e.number, e.rule)).collect(),
            },
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::LoadReport { from, to } => match desk.report(from, to) {
            Ok(r) => Action::ReportLoaded(Box::new(r)),
            Err(e) => Action::Failed(e.to_string()),
        },
        Effect::ApplyMacro { seen, m } => {
            let id = seen.id;
            let result = (|| -> Result<usize, AppError> {
                let me = desk.authorize(Act::Work)?;
                let mut changes = m.plan(&seen, me, &desk.rules.matrix);
                let cascade = desk.store.cascade(&changes)?;
                changes.extend(cascade);
                Ok(desk.commit(changes)?.len())
            })();
            match result {
                Ok(_) => Action::Changed { message: format!("\"{}\" applied to {}", m.name, seen.number), ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
        Effect::Bulk { tickets, edit, m } => bulk(desk, &tickets, edit, m.as_deref()),
        // Terminal effects are run by the driver, never here.
        Effect::Copy(_) | Effect::ExternalEditor { .. } | Effect::Quit | Effect::RestoreDrafts => {
            Action::Failed("internal: a terminal effect reached the store worker".into())
        }
        Effect::OpenAttachment { ticket, index, opener } => open_attachment(desk, ticket, index, opener.as_deref()),
        Effect::Take { id, seen } => {
            // From the queue there is no full view: prepare against the ticket as it is now.
            let result = match seen {
                Some(t) => Ok(*t),
                None => desk.store.ticket(id).map_err(AppError::from),
            }
            .and_then(|seen| Ok((desk.take(&seen)?, seen.number)));
            match result {
                Ok((ops, number)) if ops.is_empty() => {
                    Action::Changed { message: format!("{number} is already yours"), ticket: id }
                }
                Ok((_, number)) => Action::Changed { message: format!("{number} is yours"), ticket: id },
                Err(e) => Action::FailedOn { message: e.to_string(), ticket: id },
            }
        }
    }
}

/// A text attachment comes back to be shown (through the sanitiser, in the ticket
/// pane); any other is saved in the current directory under its neutralised name (a
/// free one), and handed to the configured opener on a local terminal.
fn open_attachment(desk: &Desk, ticket: TicketId, index: usize, opener: Option<&str>) -> Action {
    use crate::app::attachments;
    let result = (|| -> Result<Action, String> {
        let list = desk.store.ticket_attachments(ticket).map_err(|e| e.to_string())?;
        let (_, a) = attachments::find(&list, &index.to_string()).map_err(|e| e.to_string())?;
        let bytes = attachments::content(&desk.store, a).map_err(|e| e.to_string())?;
        if attachments::is_text(a, &bytes) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            return Ok(Action::AttachmentText { name: a.name.clone(), text });
        }
        let name = attachments::safe_name(&a.name);
        let mut n = 1;
        let path = loop {
            let candidate =
                if n == 1 { std::path::PathBuf::from(&name) } else { std::path::PathBuf::from(format!("{n}-{name}")) };
            match attachments::write_new(&candidate, &bytes) {
                Ok(()) => break candidate,
                Err(attachments::SaveError::Exists(_)) if n < 100 => n += 1,
                Err(e) => return Err(e.to_string()),
            }
        };
        let shown = text::clean(&path.display().to_string()).into_owned();
        let local = std::env::var_os("SSH_CONNECTION").is_none() && std::env::var_os("SSH_TTY").is_none();
        match opener.filter(|o| !o.trim().is_empty() && local) {
            Some(o) => {
                let spawned = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(format!("{o} \"$1\" >/dev/null 2>&1"))
                    .arg("tix-opener")
                    .arg(&path)
                    .stdin(std::process::Stdio::null())
                    .spawn();
                Ok(Action::Message(match spawned {
                    Ok(_) => format!("saved {shown} and opened it with {}", text::clean(o)),
                    Err(e) => format!("saved {shown}; cannot run {}: {e}", text::clean(o)),
                }))
            }
            None => Ok(Action::Message(format!("saved {shown} (not text: open it from there)"))),
        }
    })();
    result.unwrap_or_else(Action::Failed)
}

fn load_ticket(desk: &Desk, id: TicketId) -> Result<TicketView, StoreError> {
    let store = &desk.store;
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
        attachments: store.ticket_attachments(id)?,
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
            .ticket_sla(&desk.rules.sla, id)?
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

/// Assets in the store's one ranking (the same as `tix asset find`), with the matched
/// characters of each line marked.
fn find_assets(store: &Store, query: &str) -> Result<Vec<AssetHit>, StoreError> {
    let m = SkimMatcherV2::default().ignore_case();
    let q = query.trim();
    Ok(store
        .rank_assets(q, RESULTS as u32)?
        .into_iter()
        .map(|a| {
            let line = AssetHit::line_of(&a);
            let marks = m.fuzzy_indices(&line, q).map(|(_, idx)| idx).unwrap_or_default();
            AssetHit { asset: a, line, marks }
        })
        .collect())
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
            v.extend(store.agents(500)?.into_iter().map(|p| PickItem {
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
        | PickField::Checklist
        | PickField::Open
        | PickField::Relation => vec![],
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

/// An edit or a macro on each ticket in turn, each read as it is now and committed on
/// its own: a refusal (a status move a ticket does not allow) leaves the others done,
/// and the report names it.
fn bulk(
    desk: &mut Desk,
    tickets: &[(TicketId, crate::domain::TicketNumber)],
    edit: Option<plan::TicketEdit>,
    m: Option<&crate::domain::macros::Macro>,
) -> Action {
    // Several tickets at once is a lead's act; one (nothing marked) is everyday work.
    let act = if tickets.len() > 1 { Act::Bulk } else { Act::Work };
    if let Err(e) = desk.authorize(act) {
        return Action::BulkDone { message: e.to_string(), error: true };
    }
    let (mut done, mut unchanged, mut refused) = (0, 0, Vec::new());
    for (id, number) in tickets {
        let result = (|| -> Result<usize, AppError> {
            let seen = desk.store.ticket(*id)?;
            let mut changes = Vec::new();
            if let Some(m) = m {
                let me = desk.authorize(act)?;
                changes.extend(m.plan(&seen, me, &desk.rules.matrix));
            }
            if let Some(e) = &edit {
                changes.extend(plan::edit(&seen, e.clone(), &desk.rules.matrix));
            }
            let cascade = desk.store.cascade(&changes)?;
            changes.extend(cascade);
            Ok(desk.commit(changes)?.len())
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
