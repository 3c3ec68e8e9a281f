//! `tix ingest email|maildir`: e-mail to tickets.
//!
//! Each message is its own unit: a new request creates a ticket, a reply (by
//! In-Reply-To/References naming a stored message, else a `[#1042]` subject tag) becomes a
//! public entry from the sender and brings a resolved, closed or pending ticket back to
//! open; auto-replies, bounces and loops are counted and left alone; a message that cannot
//! be read is rejected with why, and the others still go in. Messages are committed in
//! batches (one transaction each); a batch that fails is retried message by message.
//! Idempotent by Message-ID: a message already stored is a duplicate, never a second
//! ticket. In a maildir, messages move from `new/` to `cur/` only once they are stored (or
//! recognised as duplicates, auto-replies, bounces or loops), so a crash mid-run loses
//! nothing and a re-run creates nothing twice; rejected messages stay in `new/`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;

use super::output::line;
use super::{CliError, Ctx};
use crate::config::StrangerTag;
use crate::domain::ids::{PersonId, TicketId, TicketNumber};
use crate::domain::mail::{MailKind, RatingRecord};
use crate::domain::op::{Change, EntryRecord, LinkTarget, Origin, Payload};
use crate::domain::person::PersonRecord;
use crate::domain::plan::{self, NewTicket};
use crate::domain::ticket::{Channel, EntryKind, Status, TicketField, TicketRel};
use crate::domain::time;
use crate::import::email::{self, Limits, Mail, SkipKind};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum IngestCmd {
    /// Take in e-mail messages (RFC 5322 files; none or `-` reads one from stdin)
    Email {
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Take in the messages in a maildir's new/ (moved to cur/ once stored)
    Maildir { dir: PathBuf },
}

/// Messages per write transaction.
const BATCH: usize = 500;

/// The requester of messages without a sender address.
const UNKNOWN_SENDER: &str = "Unknown sender";

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Outcome {
    Created {
        ticket: TicketId,
        /// A `[#N]` subject from someone not on ticket N: this ticket is linked to N.
        #[serde(skip_serializing_if = "Option::is_none")]
        related: Option<TicketNumber>,
        /// The message named no sender (filed under "Unknown sender").
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        no_sender: bool,
    },
    Replied {
        ticket: TicketId,
        reopened: bool,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        no_sender: bool,
    },
    Duplicate,
    Skipped {
        kind: SkipKind,
        why: String,
    },
    Rejected {
        why: String,
    },
}

/// One message's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// 1-based, in the order the messages were read.
    pub message: usize,
    pub source: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The ticket's number (created or replied to).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<TicketNumber>,
}

#[derive(Debug, Default, Serialize)]
pub struct Skipped {
    pub auto_replies: usize,
    pub bounces: usize,
    pub loops: usize,
}

/// The run's report (stable field names).
#[derive(Debug, Default, Serialize)]
pub struct IntakeReport {
    pub messages: usize,
    pub created: usize,
    /// Replies appended to existing tickets.
    pub updated: usize,
    /// Of those, tickets brought back from resolved or closed.
    pub reopened: usize,
    /// Messages already stored (same Message-ID).
    pub duplicates: usize,
    pub skipped: Skipped,
    pub rejected: usize,
    pub items: Vec<Item>,
}

impl IntakeReport {
    fn add(&mut self, item: Item) {
        self.messages += 1;
        match &item.outcome {
            Outcome::Created { .. } => self.created += 1,
            Outcome::Replied { reopened, .. } => {
                self.updated += 1;
                self.reopened += *reopened as usize;
            }
            Outcome::Duplicate => self.duplicates += 1,
            Outcome::Skipped { kind: SkipKind::AutoReply, .. } => self.skipped.auto_replies += 1,
            Outcome::Skipped { kind: SkipKind::Bounce, .. } => self.skipped.bounces += 1,
            Outcome::Skipped { kind: SkipKind::Loop, .. } => self.skipped.loops += 1,
            Outcome::Rejected { .. } => self.rejected += 1,
        }
        self.items.push(item);
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        for i in &self.items {
            let what = match &i.outcome {
                Outcome::Created { related: Some(n), .. } => {
                    format!("created {} (linked to {n}: the sender is not on {n})", num(i.number))
                }
                Outcome::Created { no_sender: true, .. } => format!("created {} (no sender address)", num(i.number)),
                Outcome::Created { .. } => format!("created {}", num(i.number)),
                Outcome::Replied { reopened: true, .. } => format!("reply on {} (reopened)", num(i.number)),
                Outcome::Replied { .. } => format!("reply on {}", num(i.number)),
                Outcome::Duplicate => "already stored".into(),
                Outcome::Skipped { kind, why } => format!("skipped, {}: {}", kind_word(*kind), line(why)),
                Outcome::Rejected { why } => format!("REJECTED: {}", line(why)),
            };
            if self.items.len() <= 50 || !matches!(i.outcome, Outcome::Created { .. } | Outcome::Replied { .. }) {
                s.push_str(&format!("message {} ({}): {what}\n", i.message, line(&i.source)));
            }
        }
        let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
        s.push_str(&format!(
            "{}: {} created, {} updated ({} reopened), {}; skipped {}, {}, {}; {} rejected\n",
            n(self.messages, "message", "messages"),
            self.created,
            self.updated,
            self.reopened,
            n(self.duplicates, "duplicate", "duplicates"),
            n(self.skipped.auto_replies, "auto-reply", "auto-replies"),
            n(self.skipped.bounces, "bounce", "bounces"),
            n(self.skipped.loops, "loop", "loops"),
            self.rejected
        ));
        s
    }
}

fn num(n: Option<TicketNumber>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
}

fn kind_word(k: SkipKind) -> &'static str {
    match k {
        SkipKind::AutoReply => "auto-reply",
        SkipKind::Bounce => "bounce",
        SkipKind::Loop => "loop",
    }
}

pub fn run(ctx: &Ctx, cmd: IngestCmd) -> Result<()> {
    // Intake is an agent's work (a service account's, from cron): its ops carry that name.
    let mut desk = ctx.acting(crate::app::Act::Work)?;
    desk.flush()?;
    ctx.tell(&mut desk);
    let crate::app::Desk { mut store, actor, .. } = desk;
    let actor = actor.name.as_str();
    let limits = Limits::from(&ctx.config.intake);
    let mut report = IntakeReport::default();
    match cmd {
        IngestCmd::Email { files } => {
            let mut msgs = Vec::new();
            if files.is_empty() || files.iter().any(|f| f.as_os_str() == "-") {
                if files.len() > 1 {
                    return Err(CliError::Usage("read either files or stdin (-), not both".into()).into());
                }
                let mut buf = Vec::new();
                std::io::stdin()
                    .take(limits.max_message_bytes + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| CliError::Failed(format!("cannot read stdin: {e}")))?;
                msgs.push(("stdin".to_string(), Ok(buf)));
            } else {
                for f in &files {
                    msgs.push((f.display().to_string(), read_capped(f, limits.max_message_bytes)));
                }
            }
            let mut n = 0;
            for chunk in msgs.chunks(BATCH) {
                let outcomes = take_in(ctx, actor, &mut store, &limits, chunk)?;
                for ((source, _), (outcome, number)) in chunk.iter().zip(outcomes) {
                    n += 1;
                    report.add(Item { message: n, source: source.clone(), outcome, number });
                }
            }
        }
        IngestCmd::Maildir { dir } => maildir(ctx, actor, &mut store, &limits, &dir, &mut report)?,
    }
    ctx.out.emit(&report, || report.render())?;
    if report.rejected > 0 {
        return Err(CliError::Failed(format!(
            "{} message(s) rejected (the others were taken in; see above)",
            report.rejected
        ))
        .into());
    }
    Ok(())
}

/// A file's bytes, refusing one over the size cap without reading it.
fn read_capped(path: &Path, cap: u64) -> std::result::Result<Vec<u8>, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > cap {
        return Err(format!("the message is {len} bytes, over the limit of {cap} ([intake] max_message_bytes)"));
    }
    std::fs::read(path).map_err(|e| e.to_string())
}

fn maildir(
    ctx: &Ctx,
    actor: &str,
    store: &mut Store,
    limits: &Limits,
    dir: &Path,
    report: &mut IntakeReport,
) -> Result<()> {
    let new = dir.join("new");
    let cur = dir.join("cur");
    if !new.is_dir() {
        return Err(CliError::NotFound(format!("{} is not a maildir (it has no new/ directory)", dir.display())).into());
    }
    std::fs::create_dir_all(&cur).map_err(|e| CliError::Failed(format!("cannot create {}: {e}", cur.display())))?;
    let mut names: Vec<String> = std::fs::read_dir(&new)
        .map_err(|e| CliError::Failed(format!("cannot read {}: {e}", new.display())))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    let mut n = 0;
    let progress = super::progress::Progress::new(&ctx.out, "taking in mail", Some(names.len() as u64));
    for chunk in names.chunks(BATCH) {
        progress.inc(chunk.len() as u64);
        let msgs: Vec<(String, std::result::Result<Vec<u8>, String>)> =
            chunk.iter().map(|name| (name.clone(), read_capped(&new.join(name), limits.max_message_bytes))).collect();
        let outcomes = take_in(ctx, actor, store, limits, &msgs)?;
        // Stored (committed) first, then moved: a crash in between leaves a message that the
        // next run finds already stored, and moves.
        for (name, (outcome, number)) in chunk.iter().zip(outcomes) {
            n += 1;
            if !matches!(outcome, Outcome::Rejected { .. }) {
                let target = if name.contains(":2,") { name.clone() } else { format!("{name}:2,S") };
                std::fs::rename(new.join(name), cur.join(&target)).map_err(|e| {
                    CliError::Failed(format!("stored, but cannot move {} to cur/: {e}", new.join(name).display()))
                })?;
            }
            report.add(Item { message: n, source: format!("new/{name}"), outcome, number });
        }
    }
    progress.done();
    Ok(())
}

/// Plan and commit a batch; if the batch fails as a whole, each message on its own.
fn take_in(
    ctx: &Ctx,
    actor: &str,
    store: &mut Store,
    limits: &Limits,
    msgs: &[(String, std::result::Result<Vec<u8>, String>)],
) -> Result<Vec<(Outcome, Option<TicketNumber>)>> {
    let mut planner = Planner::new(ctx, store, limits);
    let mut outcomes = Vec::with_capacity(msgs.len());
    for (_, bytes) in msgs {
        let o = match bytes {
            Ok(b) => planner.plan(b)?,
            Err(why) => Outcome::Rejected { why: why.clone() },
        };
        outcomes.push(o);
    }
    let mut changes = std::mem::take(&mut planner.changes);
    drop(planner);
    // Acknowledgements of new tickets from mail, in the same commit.
    changes.extend(crate::app::mail::plan_outbound(store, &ctx.config, actor, &changes)?);
    match store.commit(actor, changes) {
        Ok(_) => {}
        Err(e) if msgs.len() > 1 => {
            let _ = e;
            let mut out = Vec::with_capacity(msgs.len());
            for m in msgs {
                out.extend(take_in(ctx, actor, store, limits, std::slice::from_ref(m))?);
            }
            return Ok(out);
        }
        Err(e) => return Ok(vec![(Outcome::Rejected { why: e.to_string() }, None)]),
    }
    outcomes
        .into_iter()
        .map(|o| {
            let number = match &o {
                Outcome::Created { ticket, .. } | Outcome::Replied { ticket, .. } => {
                    Some(store.ticket(*ticket)?.number)
                }
                _ => None,
            };
            Ok((o, number))
        })
        .collect()
}

/// Turns messages into changes against the store as it is plus what this batch planned.
struct Planner<'a> {
    store: &'a Store,
    limits: &'a Limits,
    max_per_hour: u32,
    now: i64,
    people: HashMap<String, PersonId>,
    keys: HashMap<String, TicketId>,
    status: HashMap<TicketId, Status>,
    /// Per sender, the dates of the messages taken in in this batch.
    senders: HashMap<String, Vec<i64>>,
    /// People of the store met in this batch (the others in `people` are new).
    known_people: Vec<PersonId>,
    /// Who wrote on (or asked for) a ticket in this batch.
    on_ticket: HashMap<TicketId, Vec<PersonId>>,
    stranger_tag: StrangerTag,
    changes: Vec<Change>,
    /// The desk's own addresses: never watchers.
    own: Vec<String>,
    matrix: crate::domain::ticket::PriorityMatrix,
    routing: Vec<crate::domain::routing::RoutingRule>,
}

impl<'a> Planner<'a> {
    fn new(ctx: &Ctx, store: &'a Store, limits: &'a Limits) -> Planner<'a> {
        Planner {
            store,
            limits,
            max_per_hour: ctx.config.intake.max_per_sender_per_hour,
            now: store.now_ms(),
            people: HashMap::new(),
            keys: HashMap::new(),
            status: HashMap::new(),
            senders: HashMap::new(),
            known_people: vec![],
            on_ticket: HashMap::new(),
            stranger_tag: ctx.config.intake.tag_from_stranger,
            changes: vec![],
            own: [ctx.config.mail.from_address(), ctx.config.intake.address.as_deref().map(crate::app::mail::bare)]
                .into_iter()
                .flatten()
                .collect(),
            matrix: ctx.config.matrix,
            routing: ctx.config.routing.clone(),
        }
    }

    fn plan(&mut self, bytes: &[u8]) -> Result<Outcome> {
        let mail = match email::parse(bytes, self.limits) {
            Ok(m) => m,
            Err(why) => return Ok(Outcome::Rejected { why }),
        };
        let key = mail.key();
        if self.keys.contains_key(&key) || self.store.origin_known(&key)? {
            return Ok(Outcome::Duplicate);
        }
        if let Some(s) = mail.skip {
            // A delivery report naming a message tix sent marks that message failed.
            for id in &mail.bounced {
                self.changes.extend(crate::app::mail::bounced(self.store, id, &mail.bounce_reason)?);
            }
            return Ok(Outcome::Skipped { kind: s.kind, why: s.why });
        }
        let when = email::dated(&mail, self.now);
        let sender = mail.from_email.as_deref().map(str::to_ascii_lowercase);
        if let Some(sender) = &sender {
            // A loop is many messages within an hour by their own dates: a backfill of old
            // mail is counted against its own hour, not against the hour it is taken in.
            let at = when.unwrap_or(self.now);
            let times = self.senders.get(sender).map(Vec::as_slice).unwrap_or_default();
            let seen = if at >= self.now - time::HOUR {
                self.store.origins_from_since(sender, self.now - time::HOUR)?
                    + times.iter().filter(|t| **t >= self.now - time::HOUR).count() as u64
            } else {
                times.iter().filter(|t| (**t - at).abs() < time::HOUR).count() as u64
            };
            if seen >= self.max_per_hour as u64 {
                return Ok(Outcome::Skipped {
                    kind: SkipKind::Loop,
                    why: format!("{seen} messages from {sender} within the hour ([intake] max_per_sender_per_hour)"),
                });
            }
            self.senders.entry(sender.clone()).or_default().push(at);
        }
        let no_sender = sender.is_none();
        let before = self.changes.len();
        let person = self.person(&mail)?;
        // A new requester is dated with the message (so that a backfill keeps its dates).
        if let (Some(c), Some(t)) = (self.changes.get_mut(before), when) {
            c.at = Some(t);
        }
        let origin = Origin { key: key.clone(), sender, attachments: mail.attachments.clone() };
        let dated = |c: Change| match when {
            Some(t) => c.happened_at(t),
            None => c,
        };
        let (thread, related) = match self.thread(&mail)? {
            // A `[#N]` subject from someone who is not on N: a ticket of its own, linked.
            Some((ticket, _, true))
                if self.stranger_tag == StrangerTag::NewTicket && !self.participant(ticket, person)? =>
            {
                (None, Some((ticket, TicketNumber(mail.tag.unwrap_or_default()))))
            }
            Some((ticket, status, _)) => (Some((ticket, status)), None),
            None => (None, None),
        };
        let outcome = match thread {
            Some((ticket, status)) => {
                // An answer to a resolution notice that starts with 1–5 is a rating: recorded,
                // and the ticket stays resolved.
                let rating = self.rating(ticket, &mail)?;
                let body =
                    if mail.body.trim().is_empty() { "(the message has no text)".to_string() } else { mail.body };
                self.changes.push(dated(Change::entry(
                    ticket,
                    EntryRecord {
                        kind: EntryKind::Reply,
                        body,
                        author: Some(person),
                        minutes: None,
                        origin: Some(origin),
                    },
                )));
                self.on_ticket.entry(ticket).or_default().push(person);
                if let Some(r) = rating {
                    self.changes.push(dated(Change::mail(ticket, Payload::TicketRating(r))));
                    return Ok(self.replied(key, ticket, no_sender));
                }
                let reopen = matches!(status, Status::Resolved | Status::Closed);
                if reopen || status == Status::Pending {
                    let c = Change::set_ticket(ticket, TicketField::Status, Some(Status::Open.to_string()))
                        .expecting(Some(status.to_string()));
                    self.changes.push(if reopen { c.allow_reopen() } else { c });
                    self.status.insert(ticket, Status::Open);
                }
                Outcome::Replied { ticket, reopened: reopen, no_sender }
            }
            None => {
                let id = TicketId::new_random();
                let mut t = NewTicket::titled(mail.subject.clone());
                t.description = mail.body;
                t.requester = Some(person);
                t.channel = Channel::Email;
                // A requester created in this batch has no site yet; a known one may.
                let site = self.store.person_site(person).ok().flatten();
                crate::domain::routing::route(&self.routing, &mut t, site.as_deref());
                let mut change = plan::new_ticket(id, t, &self.matrix);
                if let Payload::TicketNew(r) = &mut change.payload {
                    r.origin = Some(origin);
                    r.created_at = when;
                }
                self.changes.push(dated(change));
                // The people on the original mail (To, Cc) are copied on the answers.
                for a in &mail.copied {
                    let bare = crate::app::mail::bare(a);
                    let from = mail.from_email.as_deref().map(str::to_ascii_lowercase);
                    if self.own.contains(&bare) || from.as_deref() == Some(bare.as_str()) {
                        continue;
                    }
                    if let Ok(w) = crate::app::mail::watch(id, &bare, false)
                        && !self.changes.iter().any(|c| c.entity == id.0 && c.payload == w.payload)
                    {
                        self.changes.push(dated(w));
                    }
                }
                self.status.insert(id, Status::New);
                self.on_ticket.entry(id).or_default().push(person);
                if let Some((target, _)) = related {
                    let to = LinkTarget::Ticket { id: target, rel: TicketRel::Related };
                    self.changes.push(dated(Change::link(id, to, false)));
                }
                Outcome::Created { ticket: id, related: related.map(|(_, n)| n), no_sender }
            }
        };
        if no_sender && let Outcome::Created { ticket, .. } | Outcome::Replied { ticket, .. } = &outcome {
            let body = "The message has no sender address (no From, Sender or Reply-To): \
                        it is filed under \"Unknown sender\" and cannot be answered by e-mail."
                .to_string();
            let note = EntryRecord { kind: EntryKind::Note, body, author: None, minutes: None, origin: None };
            self.changes.push(dated(Change::entry(*ticket, note)));
        }
        if let Outcome::Created { ticket, .. } | Outcome::Replied { ticket, .. } = &outcome {
            self.keys.insert(key, *ticket);
        }
        Ok(outcome)
    }

    /// The outcome of an answer taken in as a rating (no reopening).
    fn replied(&mut self, key: String, ticket: TicketId, no_sender: bool) -> Outcome {
        self.keys.insert(key, ticket);
        Outcome::Replied { ticket, reopened: false, no_sender }
    }

    /// A rating in an answer to one of the ticket's resolution notices.
    fn rating(&self, ticket: TicketId, mail: &Mail) -> Result<Option<RatingRecord>> {
        let Some((score, comment)) = crate::domain::mail::rating_in(&mail.body) else { return Ok(None) };
        for r in &mail.refs {
            if let Some((t, MailKind::Resolution)) = self.store.ticket_of_outbound(r)?
                && t == ticket
            {
                return Ok(Some(RatingRecord { score, comment, answers: r.clone() }));
            }
        }
        Ok(None)
    }

    /// The ticket a reply belongs to, its status now, and whether it was found by the
    /// subject tag (not by the messages it answers).
    fn thread(&self, mail: &Mail) -> Result<Option<(TicketId, Status, bool)>> {
        let mut found = None;
        let mut by_tag = false;
        for r in &mail.refs {
            let k = email::key_of(r);
            if let Some(t) = self.keys.get(&k) {
                found = Some(*t);
                break;
            }
            if let Some(t) = self.store.ticket_for_origin(&k)? {
                found = Some(t);
                break;
            }
        }
        if found.is_none()
            && let Some(n) = mail.tag
        {
            match self.store.ticket_id(TicketNumber(n)) {
                Ok(t) => {
                    found = Some(t);
                    by_tag = true;
                }
                Err(crate::store::StoreError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let Some(t) = found else { return Ok(None) };
        let status = match self.status.get(&t) {
            Some(s) => *s,
            None => self.store.ticket(t)?.status,
        };
        Ok(Some((t, status, by_tag)))
    }

    /// Whether a person is on a ticket: its requester or assignee, someone who wrote on it
    /// (tix keeps no Cc list or watchers), or an agent.
    fn participant(&self, ticket: TicketId, person: PersonId) -> Result<bool> {
        if self.on_ticket.get(&ticket).is_some_and(|p| p.contains(&person)) {
            return Ok(true);
        }
        if self.people.values().any(|p| *p == person) && !self.known_people.contains(&person) {
            return Ok(false); // created in this batch: on no stored ticket
        }
        Ok(self.store.ticket_participant(ticket, person)?)
    }

    /// The sender as a person: known by address, else a new requester; a message without
    /// a sender address is from the one "Unknown sender".
    fn person(&mut self, mail: &Mail) -> Result<PersonId> {
        let Some(from) = mail.from_email.as_deref() else {
            if let Some(p) = self.people.get(UNKNOWN_SENDER) {
                return Ok(*p);
            }
            if let Some(p) = self.store.find_person(UNKNOWN_SENDER)?
                && p.record.email.is_none()
            {
                self.people.insert(UNKNOWN_SENDER.into(), p.id);
                self.known_people.push(p.id);
                return Ok(p.id);
            }
            let id = PersonId::new_random();
            self.changes.push(Change::new_person(id, PersonRecord::requester(UNKNOWN_SENDER, None::<String>)));
            self.people.insert(UNKNOWN_SENDER.into(), id);
            return Ok(id);
        };
        let key = from.to_ascii_lowercase();
        if let Some(p) = self.people.get(&key) {
            return Ok(*p);
        }
        if let Some(p) = self.store.find_person(from)?
            && p.record.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(from))
        {
            self.people.insert(key, p.id);
            self.known_people.push(p.id);
            return Ok(p.id);
        }
        let id = PersonId::new_random();
        let name = mail.from_name.clone().unwrap_or_else(|| from.to_string());
        self.changes.push(Change::new_person(id, PersonRecord::requester(name, Some(from.to_string()))));
        self.people.insert(key, id);
        Ok(id)
    }
}
