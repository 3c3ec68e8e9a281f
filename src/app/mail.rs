//! Outbound mail: what a commit queues (a public reply, the acknowledgement of a ticket
//! from mail, the resolution notice), and sending what is due, recording each result as
//! an op. Used by the command line (`tix ticket reply`, `tix mail ...`, `tix ingest`)
//! and the console's worker alike.
//!
//! Rules:
//! * Queued in the same commit as the change that causes it (`plan_outbound` returns the
//!   extra changes), so a reply and its message land or fail together.
//! * Only the replica that queued a message sends it (the outbox's `replica` column), so
//!   two replicas never both send one message in normal operation.
//! * A ticket whose number is still provisional (`#~3`) holds its mail until sync issues
//!   the final number: a subject never carries `[#~3]`.
//! * A send result is committed right after the transport accepted or refused the
//!   message. A crash between the two sends the message again on the next run (same
//!   Message-ID): at least once, and one more copy for each interrupted attempt.

/// Who records what became of a message (sent, retrying, failed): the sender is tix
/// itself, run from cron or by the console, not the agent who wrote the reply.
pub const MAIL_ACTOR: &str = "tix-mail";

use std::collections::HashSet;

use super::Result;
use crate::config::Config;
use crate::domain::ids::TicketId;
use crate::domain::mail::{MailKind, MailState, MailStateRecord, OutboundRecord, WatchRecord};
use crate::domain::op::{Change, Payload};
use crate::domain::ticket::{EntryKind, Status, TicketField};
use crate::mailer::message::{self, TicketFacts};
use crate::mailer::{SendError, Transport};
use crate::store::{Outbound, Store, StoreError};

/// The desk's own addresses (never a recipient), lower case.
fn desk_addresses(rules: &Config) -> HashSet<String> {
    let mut own = HashSet::new();
    own.extend(rules.mail.from_address());
    own.extend(rules.intake.address.as_ref().map(|a| a.trim().to_ascii_lowercase()));
    own
}

/// The bare address in "Name <a@b>" or "a@b", lower case.
pub fn bare(addr: &str) -> String {
    let a = addr.trim();
    let a = match (a.rfind('<'), a.rfind('>')) {
        (Some(i), Some(j)) if i < j => &a[i + 1..j],
        _ => a,
    };
    a.trim().to_ascii_lowercase()
}

/// The mail to queue with `changes` (empty when `[mail]` is off).
pub fn plan_outbound(store: &Store, rules: &Config, actor: &str, changes: &[Change]) -> Result<Vec<Change>> {
    let cfg = &rules.mail;
    if !cfg.enabled() {
        return Ok(vec![]);
    }
    let own = desk_addresses(rules);
    let mut out = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let ticket = TicketId(c.entity);
        let batch_watchers = || {
            changes.iter().filter(|w| w.entity == c.entity).filter_map(|w| match &w.payload {
                Payload::TicketWatch(r) if !r.removed => Some(r.address.clone()),
                _ => None,
            })
        };
        let (kind, text, to, mut cc, thread) = match &c.payload {
            Payload::TicketNew(t) if cfg.ack.enabled => {
                let Some(o) = t.origin.as_ref().filter(|o| o.key.starts_with("mail:")) else { continue };
                let Some(sender) = o.sender.clone() else { continue };
                let id = o.key["mail:".len()..].to_string();
                (MailKind::Ack, String::new(), sender, batch_watchers().collect(), (Some(id.clone()), vec![id]))
            }
            Payload::TicketEntry(e) if e.kind == EntryKind::Reply && e.origin.is_none() && e.author.is_none() => {
                let Some(to) = requester_address(store, ticket)? else { continue };
                let mut cc = store.watchers(ticket)?;
                cc.extend(batch_watchers());
                (MailKind::Reply, e.body.clone(), to, cc, store.mail_thread(ticket)?)
            }
            Payload::TicketSet(s)
                if cfg.resolution.enabled
                    && s.field == TicketField::Status
                    && s.to.as_deref() == Some(Status::Resolved.as_str()) =>
            {
                let Some(to) = requester_address(store, ticket)? else { continue };
                // The reply written with the resolution (in this batch), if any.
                let text = changes[..i]
                    .iter()
                    .rev()
                    .find_map(|p| match &p.payload {
                        Payload::TicketEntry(e) if p.entity == c.entity && e.kind == EntryKind::Reply => {
                            Some(e.body.clone())
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                let mut cc = store.watchers(ticket)?;
                cc.extend(batch_watchers());
                (MailKind::Resolution, text, to, cc, store.mail_thread(ticket)?)
            }
            _ => continue,
        };
        let to_bare = bare(&to);
        if own.contains(&to_bare) {
            continue;
        }
        let mut seen: HashSet<String> = own.clone();
        seen.insert(to_bare);
        cc.retain(|a| seen.insert(bare(a)));
        let record = OutboundRecord {
            kind,
            to: vec![to],
            cc,
            text,
            agent: actor.to_string(),
            domain: cfg.domain(),
            in_reply_to: thread.0,
            references: thread.1,
        };
        out.push(Change::mail(ticket, Payload::MailQueue(record)));
    }
    Ok(out)
}

fn requester_address(store: &Store, ticket: TicketId) -> Result<Option<String>> {
    let t = match store.ticket(ticket) {
        Ok(t) => t,
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(r) = t.requester else { return Ok(None) };
    let p = store.person(r.id)?;
    Ok(p.record.email.filter(|e| !e.trim().is_empty()).map(|e| {
        let name = message::header_text(&p.record.name).replace(['"', '\\'], "");
        if name.is_empty() || name.eq_ignore_ascii_case(&e) { e } else { format!("\"{name}\" <{e}>") }
    }))
}

/// Add or remove a watcher of a ticket (as a change).
pub fn watch(ticket: TicketId, address: &str, removed: bool) -> Result<Change> {
    let a = bare(address);
    if a.parse::<lettre::Address>().is_err() {
        return Err(super::AppError::Usage(format!("'{address}' is not an e-mail address")));
    }
    Ok(Change::mail(ticket, Payload::TicketWatch(WatchRecord { address: a, removed })))
}

/// What one run of sending did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SendReport {
    pub sent: u64,
    pub retrying: u64,
    pub failed: u64,
    /// Waiting for the ticket's final number.
    pub held: u64,
    /// Another process was sending (nothing done).
    pub busy: bool,
    /// One line per message that did not go out: "<id>: state: reason".
    pub problems: Vec<String>,
}

impl SendReport {
    /// Every due message went out (or is held for its number).
    pub fn ok(&self) -> bool {
        self.retrying == 0 && self.failed == 0
    }
}

/// The ticket facts a message shows.
fn facts(store: &Store, m: &Outbound) -> Result<Option<TicketFacts>> {
    let t = match store.ticket(m.ticket_id) {
        Ok(t) => t,
        Err(StoreError::NotFound(_)) => return Ok(Some(TicketFacts::default())),
        Err(e) => return Err(e.into()),
    };
    if t.number.is_provisional() {
        return Ok(None);
    }
    Ok(Some(TicketFacts {
        number: t.number.plain(),
        title: t.title,
        requester: t.requester.map(|r| r.name).unwrap_or_default(),
        status: t.status.to_string(),
    }))
}

/// The state after a failed attempt at `now`: retrying with backoff, or failed when
/// given up.
fn after_failure(rules: &Config, m: &Outbound, e: SendError, now: i64) -> (MailState, String, Option<i64>) {
    let cfg = &rules.mail;
    match e {
        SendError::Permanent(why) => (MailState::Failed, why, None),
        SendError::Temporary(why) => {
            if now - m.queued_at >= cfg.give_up_hours as i64 * 3_600_000 {
                return (MailState::Failed, format!("gave up after {} h: {why}", cfg.give_up_hours), None);
            }
            let base = cfg.retry_base_secs.max(1) as f64 * 1000.0;
            let delay = (base * 2f64.powi(m.attempts.saturating_sub(1).min(20) as i32)).min(6.0 * 3_600_000.0);
            let jitter = 0.8 + 0.4 * rand::random::<f64>();
            (MailState::Retrying, why, Some(now + (delay * jitter) as i64))
        }
    }
}

/// Record a message's new state (its own commit).
fn record(
    store: &mut Store,
    actor: &str,
    m: &Outbound,
    state: MailState,
    detail: String,
    next_at: Option<i64>,
) -> Result<()> {
    let r = MailStateRecord { message_id: m.id.clone(), state, detail, attempts: m.attempts, next_at };
    store.commit(actor, vec![Change::mail(m.ticket_id, Payload::MailState(r))])?;
    Ok(())
}

/// Send every message this replica queued that is due now, through `transport`, paging
/// through the due index. One sender at a time per store (a lock file beside it): a
/// second `tix mail send` (cron while the console sends) returns at once. Messages whose
/// previous attempt was interrupted (found `sending`) go last, so that a crash that keeps
/// recurring at the same point does not keep resending the same message. `stop` is asked
/// between messages (the console quitting).
pub fn send_due(
    store: &mut Store,
    rules: &Config,
    actor: &str,
    transport: &Transport,
    mut stop: impl FnMut() -> bool,
) -> Result<SendReport> {
    let mut report = SendReport::default();
    let Some(_lock) = crate::mailer::send_lock(store.path())
        .map_err(|e| super::AppError::Failed(format!("cannot lock {}: {e}", store.path().display())))?
    else {
        report.busy = true;
        return Ok(report);
    };
    // What an earlier run handed over but did not live to record: recorded now, not
    // sent again.
    for (id, answer) in accepted::take(store.path())? {
        if let Some(m) = store.outbox_message(&id)?
            && m.state != MailState::Sent
        {
            record(store, actor, &m, MailState::Sent, answer, None)?;
        }
    }
    accepted::clear(store.path())?;
    let now = store.now_ms();
    let mut cursor: Option<(i64, String)> = None;
    let mut interrupted = Vec::new();
    loop {
        let page = store.outbox_due(now, cursor.as_ref().map(|(n, id)| (*n, id.as_str())), 100)?;
        let Some(last) = page.last() else { break };
        cursor = Some((last.next_at, last.id.clone()));
        for m in page {
            if stop() {
                return Ok(report);
            }
            if m.state == MailState::Sending {
                interrupted.push(m);
            } else {
                send_one(store, rules, actor, transport, m, &mut report)?;
            }
        }
    }
    for m in interrupted {
        if stop() {
            break;
        }
        send_one(store, rules, actor, transport, m, &mut report)?;
    }
    Ok(report)
}

fn send_one(
    store: &mut Store,
    rules: &Config,
    actor: &str,
    transport: &Transport,
    mut m: Outbound,
    report: &mut SendReport,
) -> Result<()> {
    let Some(facts) = facts(store, &m)? else {
        report.held += 1;
        return Ok(());
    };
    let msg = match message::build(&rules.mail, &m.id, &m.record, &facts, m.queued_at) {
        Ok(msg) => msg,
        Err(e) => {
            report.failed += 1;
            report.problems.push(format!("{}: failed: {e}", m.id));
            return record(store, actor, &m, MailState::Failed, e.to_string(), None);
        }
    };
    // Recorded before the hand-over: a crash after it is seen by the next run.
    m.attempts += 1;
    record(store, actor, &m, MailState::Sending, String::new(), None)?;
    match transport.send(&msg) {
        Ok(answer) => {
            report.sent += 1;
            // First a line in the accepted journal (one write: it survives a kill of this
            // process), then the op; the next run records what the op missed.
            accepted::note(store.path(), &m.id, &answer)?;
            record(store, actor, &m, MailState::Sent, answer, None)
        }
        Err(e) => {
            let (state, why, next) = after_failure(rules, &m, e, store.now_ms());
            if state == MailState::Failed {
                report.failed += 1;
            } else {
                report.retrying += 1;
            }
            report.problems.push(format!("{}: {}: {why}", m.id, state.as_str()));
            record(store, actor, &m, state, why, next)
        }
    }
}

/// The accepted journal (`STORE.mail-sent`, private): one line per message the
/// transport accepted, written the moment it did, before the `sent` op is committed.
/// A kill between the server's acceptance and that commit no longer sends the message
/// again: the next run finds the line and records the message sent. What is left is the
/// few microseconds between the server's answer and the write (and a power cut, since
/// the line is not synced): at least once, and in practice once.
mod accepted {
    use std::io::{BufRead, Write};
    use std::path::{Path, PathBuf};

    use crate::app::{AppError, Result};

    fn path(store: &Path) -> PathBuf {
        let mut name = store.as_os_str().to_owned();
        name.push(".mail-sent");
        PathBuf::from(name)
    }

    fn failed(p: &Path, e: std::io::Error) -> AppError {
        AppError::Failed(format!("{}: {e}", p.display()))
    }

    /// Note that the transport accepted message `id` with `answer`.
    pub fn note(store: &Path, id: &str, answer: &str) -> Result<()> {
        let p = path(store);
        let mut f = crate::fsmode::open_private_append(&p).map_err(|e| failed(&p, e))?;
        let line = format!("{id}\t{}\n", answer.replace(['\t', '\n', '\r'], " "));
        f.write_all(line.as_bytes()).map_err(|e| failed(&p, e))
    }

    /// The messages noted since the journal was last taken (id, answer); empties it.
    pub fn take(store: &Path) -> Result<Vec<(String, String)>> {
        let p = path(store);
        let f = match std::fs::File::open(&p) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(failed(&p, e)),
        };
        let mut out = Vec::new();
        for line in std::io::BufReader::new(f).lines() {
            let line = line.map_err(|e| failed(&p, e))?;
            if let Some((id, answer)) = line.split_once('\t') {
                out.push((id.to_string(), answer.to_string()));
            }
        }
        Ok(out)
    }

    /// Empty the journal once what it held is recorded.
    pub fn clear(store: &Path) -> Result<()> {
        let p = path(store);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(failed(&p, e)),
            _ => Ok(()),
        }
    }
}

/// Queue a failed or retrying message again, due now.
pub fn retry(store: &mut Store, actor: &str, id: &str) -> Result<Outbound> {
    let m =
        store.outbox_message(id)?.ok_or_else(|| super::AppError::NotFound(format!("no outbound message '{id}'")))?;
    if m.state == MailState::Sent {
        return Err(super::AppError::Usage(format!("{} was sent already", m.id)));
    }
    let r = MailStateRecord {
        message_id: m.id.clone(),
        state: MailState::Queued,
        detail: String::new(),
        attempts: m.attempts,
        next_at: Some(store.now_ms()),
    };
    store.commit(actor, vec![Change::mail(m.ticket_id, Payload::MailState(r))])?;
    Ok(m)
}

/// Mark an outbound message failed because a delivery report names it.
pub fn bounced(store: &Store, id: &str, reason: &str) -> Result<Option<Change>> {
    let Some(m) = store.outbox_message(id)? else { return Ok(None) };
    let r = MailStateRecord {
        message_id: m.id,
        state: MailState::Failed,
        detail: format!("delivery failed: {reason}"),
        attempts: m.attempts,
        next_at: None,
    };
    Ok(Some(Change::mail(m.ticket_id, Payload::MailState(r))))
}

fn normalized(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Where text of a public reply comes from, if it was taken from an internal note of the
/// ticket or an internal KB article: the source, named ("internal note by dana, ...").
/// Passages are the reply's lines of six words or more.
pub fn internal_source(store: &Store, ticket: TicketId, body: &str) -> Result<Option<String>> {
    let passages: Vec<String> = body.lines().map(normalized).filter(|l| l.split(' ').count() >= 6).take(50).collect();
    if passages.is_empty() {
        return Ok(None);
    }
    for op in store.ticket_ops(ticket)? {
        if let Payload::TicketEntry(e) = &op.payload
            && e.kind == EntryKind::Note
        {
            let note = normalized(&e.body);
            if passages.iter().any(|p| note.contains(p.as_str())) {
                let when = crate::domain::time::local(op.hlc.millis());
                return Ok(Some(format!("an internal note by {} ({when})", op.actor)));
            }
        }
    }
    for p in &passages {
        let words: Vec<&str> = p.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(8).collect();
        for (title, text) in store.internal_articles_with(&words)? {
            if normalized(&text).contains(p.as_str()) {
                return Ok(Some(format!("the internal KB article \"{title}\"")));
            }
        }
    }
    Ok(None)
}
