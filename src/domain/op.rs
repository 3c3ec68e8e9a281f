//! Ops: the immutable, replicated units of change. Every mutation of a store is
//! one or more ops; the materialized tables are a fold of them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DomainError;
use super::asset::{AssetField, AssetRecord};
use super::ids::{ArticleId, AssetId, PersonId, ReplicaId, TicketId, TicketNumber};
use super::kb::{ArticleField, ArticleRecord};
use super::person::{PersonField, PersonRecord};
use super::ticket::{Channel, EntryKind, Level, Priority, Status, TicketField, TicketRel, TicketType};

/// Hybrid logical clock: wall-clock milliseconds in the high 48 bits, a logical
/// counter in the low 16. Totally ordered, monotonic per replica, and never
/// behind any op the replica has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Hlc(pub u64);

impl Hlc {
    const LOGICAL_BITS: u32 = 16;

    pub fn from_parts(millis: i64, logical: u16) -> Hlc {
        Hlc(((millis.max(0) as u64) << Self::LOGICAL_BITS) | logical as u64)
    }
    pub fn millis(self) -> i64 {
        (self.0 >> Self::LOGICAL_BITS) as i64
    }
    pub fn logical(self) -> u16 {
        (self.0 & 0xffff) as u16
    }
    /// The next timestamp after `self` given the wall clock `now_ms`.
    pub fn tick(self, now_ms: i64) -> Hlc {
        if now_ms > self.millis() {
            Hlc::from_parts(now_ms, 0)
        } else if self.logical() < u16::MAX {
            Hlc(self.0 + 1)
        } else {
            Hlc::from_parts(self.millis() + 1, 0)
        }
    }
}

/// A ticket, person, asset or article field change: last writer wins.
/// `from` is the value the writer's store held when the op was made (the audit's "from").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSet<F> {
    pub field: F,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// All fields of a new ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRecord {
    /// Assigned by the store when the op is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<TicketNumber>,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<PersonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<PersonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub status: Status,
    #[serde(rename = "type")]
    pub kind: TicketType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub channel: Channel,
    pub urgency: Level,
    pub impact: Level,
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub priority_override: bool,
    /// An explicit creation time (imports); otherwise the op's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// Where it came from outside tix (an e-mail, a row of an imported file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// A note or reply on a ticket's timeline. Append-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRecord {
    pub kind: EntryKind,
    pub body: String,
    /// Who wrote it when that is not the acting agent (a requester's mail, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<PersonId>,
    /// Time spent, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// Where it came from outside tix (a requester's e-mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// Where a ticket or an entry came from outside tix. The store folds every origin into
/// an index (`origins`), so that intake is idempotent (a message or row already taken
/// in is recognised by its key) and replies find their ticket by Message-ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// `mail:<message-id>` for an e-mail, `import:<key>` for a row of an imported file.
    pub key: String,
    /// The sender's address (e-mail), for loop detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// Attachments of an e-mail, in message order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRecord>,
}

impl Origin {
    pub fn key(key: impl Into<String>) -> Origin {
        Origin { key: key.into(), sender: None, attachments: vec![] }
    }
}

/// An attachment: name, type and size always; the content (base64) when it was within
/// the configured size cap. Content travels in the op, so that sync carries it and a
/// rebuild from the op log restores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    /// BLAKE3 of the content, hex.
    pub hash: String,
    /// The content in standard base64, absent when it was over the cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// What a ticket links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "kebab-case")]
pub enum LinkTarget {
    Asset { id: AssetId },
    Article { id: ArticleId },
    Ticket { id: TicketId, rel: TicketRel },
}

impl LinkTarget {
    pub fn kind(&self) -> &'static str {
        match self {
            LinkTarget::Asset { .. } => "asset",
            LinkTarget::Article { .. } => "article",
            LinkTarget::Ticket { .. } => "ticket",
        }
    }
    pub fn uuid(&self) -> Uuid {
        match self {
            LinkTarget::Asset { id } => id.0,
            LinkTarget::Article { id } => id.0,
            LinkTarget::Ticket { id, .. } => id.0,
        }
    }
    pub fn rel(&self) -> &'static str {
        match self {
            LinkTarget::Ticket { rel, .. } => rel.as_str(),
            _ => "",
        }
    }
}

/// Add or remove (soft) a link. Last writer wins per (ticket, target, relation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRecord {
    #[serde(flatten)]
    pub target: LinkTarget,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

/// The final number of a ticket, issued by a shared store under its lock (sync).
/// Authored by the shared store's own replica; replaces a provisional number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberRecord {
    pub number: TicketNumber,
}

/// A saved queue view, shared by everyone on the store (and synced). The view's id
/// comes from its name (see [`ViewRecord::id_of`]): saving a name again replaces it,
/// last writer wins; `deleted` removes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewRecord {
    pub name: String,
    /// In the query language.
    #[serde(default)]
    pub filter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl ViewRecord {
    /// The same name (any case) gives the same id on every replica.
    pub fn id_of(name: &str) -> Uuid {
        let h = blake3::hash(format!("tix view {}", name.trim().to_lowercase()).as_bytes());
        let mut b = [0u8; 16];
        b.copy_from_slice(&h.as_bytes()[..16]);
        uuid::Builder::from_custom_bytes(b).into_uuid()
    }
}

/// What an op does. The `kind` strings are stored in the op log and never change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    PersonNew(PersonRecord),
    PersonSet(FieldSet<PersonField>),
    TicketNew(TicketRecord),
    TicketSet(FieldSet<TicketField>),
    TicketEntry(EntryRecord),
    TicketLink(LinkRecord),
    TicketNumber(NumberRecord),
    AssetNew(AssetRecord),
    AssetSet(FieldSet<AssetField>),
    ArticleNew(ArticleRecord),
    ArticleSet(FieldSet<ArticleField>),
    ViewSave(ViewRecord),
    MailQueue(super::mail::OutboundRecord),
    MailState(super::mail::MailStateRecord),
    TicketWatch(super::mail::WatchRecord),
    TicketRating(super::mail::RatingRecord),
}

impl Payload {
    pub fn kind(&self) -> &'static str {
        match self {
            Payload::PersonNew(_) => "person.new",
            Payload::PersonSet(_) => "person.set",
            Payload::TicketNew(_) => "ticket.new",
            Payload::TicketSet(_) => "ticket.set",
            Payload::TicketEntry(_) => "ticket.entry",
            Payload::TicketLink(_) => "ticket.link",
            Payload::TicketNumber(_) => "ticket.number",
            Payload::AssetNew(_) => "asset.new",
            Payload::AssetSet(_) => "asset.set",
            Payload::ArticleNew(_) => "article.new",
            Payload::ArticleSet(_) => "article.set",
            Payload::ViewSave(_) => "view.save",
            Payload::MailQueue(_) => "mail.queue",
            Payload::MailState(_) => "mail.state",
            Payload::TicketWatch(_) => "ticket.watch",
            Payload::TicketRating(_) => "ticket.rating",
        }
    }

    /// The payload's JSON, as stored in the op log.
    pub fn to_json(&self) -> String {
        let r = match self {
            Payload::PersonNew(v) => serde_json::to_string(v),
            Payload::PersonSet(v) => serde_json::to_string(v),
            Payload::TicketNew(v) => serde_json::to_string(v),
            Payload::TicketSet(v) => serde_json::to_string(v),
            Payload::TicketEntry(v) => serde_json::to_string(v),
            Payload::TicketLink(v) => serde_json::to_string(v),
            Payload::TicketNumber(v) => serde_json::to_string(v),
            Payload::AssetNew(v) => serde_json::to_string(v),
            Payload::AssetSet(v) => serde_json::to_string(v),
            Payload::ArticleNew(v) => serde_json::to_string(v),
            Payload::ArticleSet(v) => serde_json::to_string(v),
            Payload::ViewSave(v) => serde_json::to_string(v),
            Payload::MailQueue(v) => serde_json::to_string(v),
            Payload::MailState(v) => serde_json::to_string(v),
            Payload::TicketWatch(v) => serde_json::to_string(v),
            Payload::TicketRating(v) => serde_json::to_string(v),
        };
        r.expect("payloads always serialize")
    }

    pub fn from_json(kind: &str, json: &str) -> Result<Payload, DomainError> {
        fn p<T: for<'de> Deserialize<'de>>(kind: &str, json: &str) -> Result<T, DomainError> {
            serde_json::from_str(json)
                .map_err(|e| DomainError::BadPayload { kind: kind.to_string(), reason: e.to_string() })
        }
        Ok(match kind {
            "person.new" => Payload::PersonNew(p(kind, json)?),
            "person.set" => Payload::PersonSet(p(kind, json)?),
            "ticket.new" => Payload::TicketNew(p(kind, json)?),
            "ticket.set" => Payload::TicketSet(p(kind, json)?),
            "ticket.entry" => Payload::TicketEntry(p(kind, json)?),
            "ticket.link" => Payload::TicketLink(p(kind, json)?),
            "ticket.number" => Payload::TicketNumber(p(kind, json)?),
            "asset.new" => Payload::AssetNew(p(kind, json)?),
            "asset.set" => Payload::AssetSet(p(kind, json)?),
            "article.new" => Payload::ArticleNew(p(kind, json)?),
            "article.set" => Payload::ArticleSet(p(kind, json)?),
            "view.save" => Payload::ViewSave(p(kind, json)?),
            "mail.queue" => Payload::MailQueue(p(kind, json)?),
            "mail.state" => Payload::MailState(p(kind, json)?),
            "ticket.watch" => Payload::TicketWatch(p(kind, json)?),
            "ticket.rating" => Payload::TicketRating(p(kind, json)?),
            other => return Err(DomainError::BadPayload { kind: other.to_string(), reason: "unknown op kind".into() }),
        })
    }
}

/// One op as stored: identity (replica, counter), order (hlc), author, target, content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub replica: ReplicaId,
    pub counter: u64,
    pub hlc: Hlc,
    pub actor: String,
    pub entity: Uuid,
    pub payload: Payload,
}

impl Op {
    pub fn checksum(&self) -> [u8; 8] {
        checksum(
            self.replica,
            self.counter,
            self.hlc,
            &self.actor,
            self.entity,
            self.payload.kind(),
            &self.payload.to_json(),
        )
    }
}

/// An op exactly as stored in a log (local or shared): the payload as its original JSON
/// text and the checksum written with it. Sync moves ops in this form, so that an op's
/// bytes and checksum never change on the way, and checks each one on arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOp {
    pub replica: ReplicaId,
    pub counter: u64,
    pub hlc: Hlc,
    pub actor: String,
    pub entity: Uuid,
    pub kind: String,
    pub payload: String,
    pub checksum: Vec<u8>,
}

impl RawOp {
    pub fn from_op(op: &Op) -> RawOp {
        let payload = op.payload.to_json();
        let kind = op.payload.kind().to_string();
        let sum = checksum(op.replica, op.counter, op.hlc, &op.actor, op.entity, &kind, &payload);
        RawOp {
            replica: op.replica,
            counter: op.counter,
            hlc: op.hlc,
            actor: op.actor.clone(),
            entity: op.entity,
            kind,
            payload,
            checksum: sum.to_vec(),
        }
    }

    /// Does the stored checksum match the stored columns?
    pub fn checksum_ok(&self) -> bool {
        self.checksum[..]
            == checksum(self.replica, self.counter, self.hlc, &self.actor, self.entity, &self.kind, &self.payload)[..]
    }

    /// The op, after checking its checksum and reading its payload.
    pub fn decode(&self) -> Result<Op, DomainError> {
        if !self.checksum_ok() {
            return Err(DomainError::BadPayload {
                kind: self.kind.clone(),
                reason: format!("op {}/{} fails its checksum", self.replica, self.counter),
            });
        }
        Ok(Op {
            replica: self.replica,
            counter: self.counter,
            hlc: self.hlc,
            actor: self.actor.clone(),
            entity: self.entity,
            payload: Payload::from_json(&self.kind, &self.payload)?,
        })
    }

    /// The order every fold uses: (HLC, replica UUID, counter).
    pub fn key(&self) -> (Hlc, ReplicaId, u64) {
        (self.hlc, self.replica, self.counter)
    }
}

/// Checksum over an op's stored columns. Any flipped byte in the log changes it.
pub fn checksum(
    replica: ReplicaId,
    counter: u64,
    hlc: Hlc,
    actor: &str,
    entity: Uuid,
    kind: &str,
    payload_json: &str,
) -> [u8; 8] {
    let mut h = blake3::Hasher::new();
    h.update(replica.0.as_bytes());
    h.update(&counter.to_le_bytes());
    h.update(&hlc.0.to_le_bytes());
    h.update(&(actor.len() as u64).to_le_bytes());
    h.update(actor.as_bytes());
    h.update(entity.as_bytes());
    h.update(&(kind.len() as u64).to_le_bytes());
    h.update(kind.as_bytes());
    h.update(payload_json.as_bytes());
    // 64 bits of BLAKE3: integrity against damage, not a signature.
    let mut out = [0u8; 8];
    out.copy_from_slice(&h.finalize().as_bytes()[..8]);
    out
}

/// What the caller expects a field to hold before the change: the guard against lost updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Blind write (imports, demo, "set regardless").
    Any,
    /// The value the user saw when preparing the change; a different current value is a conflict.
    Value(Option<String>),
}

/// A change requested by a user, not yet an op: the store's write path turns it
/// into an op (assigning replica, counter, HLC, ticket number and `from`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub entity: Uuid,
    pub payload: Payload,
    pub expect: Expect,
    /// Allow resolved/closed → open.
    pub reopen: bool,
    /// When it happened, if earlier than now (imported history, demo data). The op's HLC
    /// is taken from this time but never goes below the replica's last HLC.
    pub at: Option<i64>,
}

impl Change {
    fn new(entity: Uuid, payload: Payload) -> Change {
        Change { entity, payload, expect: Expect::Any, reopen: false, at: None }
    }
    pub fn new_person(id: PersonId, r: PersonRecord) -> Change {
        Change::new(id.0, Payload::PersonNew(r))
    }
    pub fn set_person(id: PersonId, field: PersonField, to: Option<String>) -> Change {
        Change::new(id.0, Payload::PersonSet(FieldSet { field, from: None, to }))
    }
    pub fn new_ticket(id: TicketId, r: TicketRecord) -> Change {
        Change::new(id.0, Payload::TicketNew(r))
    }
    pub fn set_ticket(id: TicketId, field: TicketField, to: Option<String>) -> Change {
        Change::new(id.0, Payload::TicketSet(FieldSet { field, from: None, to }))
    }
    pub fn entry(id: TicketId, e: EntryRecord) -> Change {
        Change::new(id.0, Payload::TicketEntry(e))
    }
    pub fn link(id: TicketId, target: LinkTarget, removed: bool) -> Change {
        Change::new(id.0, Payload::TicketLink(LinkRecord { target, removed }))
    }
    pub fn new_asset(id: AssetId, r: AssetRecord) -> Change {
        Change::new(id.0, Payload::AssetNew(r))
    }
    pub fn set_asset(id: AssetId, field: AssetField, to: Option<String>) -> Change {
        Change::new(id.0, Payload::AssetSet(FieldSet { field, from: None, to }))
    }
    /// Mail, watchers and ratings: ops on the ticket (see [`super::mail`]).
    pub fn mail(id: TicketId, payload: Payload) -> Change {
        Change::new(id.0, payload)
    }
    pub fn save_view(r: ViewRecord) -> Change {
        Change::new(ViewRecord::id_of(&r.name), Payload::ViewSave(r))
    }
    pub fn new_article(id: ArticleId, r: ArticleRecord) -> Change {
        Change::new(id.0, Payload::ArticleNew(r))
    }
    pub fn set_article(id: ArticleId, field: ArticleField, to: Option<String>) -> Change {
        Change::new(id.0, Payload::ArticleSet(FieldSet { field, from: None, to }))
    }
    /// Refuse the change if the field no longer holds `seen`.
    pub fn expecting(mut self, seen: Option<String>) -> Change {
        self.expect = Expect::Value(seen);
        self
    }
    pub fn allow_reopen(mut self) -> Change {
        self.reopen = true;
        self
    }
    pub fn happened_at(mut self, ms: i64) -> Change {
        self.at = Some(ms);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hlc_is_monotonic_even_when_the_wall_clock_goes_back() {
        let a = Hlc::from_parts(1_000, 0);
        let b = a.tick(900);
        assert!(b > a);
        assert_eq!(b.millis(), 1_000);
        let c = b.tick(2_000);
        assert_eq!((c.millis(), c.logical()), (2_000, 0));
        let full = Hlc::from_parts(5, u16::MAX);
        assert!(full.tick(0) > full);
    }

    #[test]
    fn payload_round_trips_through_json() {
        let p = Payload::TicketLink(LinkRecord {
            target: LinkTarget::Ticket { id: TicketId::from_bytes([7; 16]), rel: TicketRel::DuplicateOf },
            removed: true,
        });
        let back = Payload::from_json(p.kind(), &p.to_json()).unwrap();
        assert_eq!(back, p);
        assert!(Payload::from_json("ticket.explode", "{}").is_err());
        assert!(Payload::from_json("ticket.entry", "{\"kind\":\"shout\",\"body\":\"x\"}").is_err());
    }

    #[test]
    fn checksum_changes_with_any_byte() {
        let r = ReplicaId::from_bytes([1; 16]);
        let e = Uuid::from_bytes([2; 16]);
        let a = checksum(r, 1, Hlc(5), "dana", e, "ticket.set", "{\"field\":\"title\"}");
        let b = checksum(r, 1, Hlc(5), "dana", e, "ticket.set", "{\"field\":\"titlf\"}");
        let c = checksum(r, 2, Hlc(5), "dana", e, "ticket.set", "{\"field\":\"title\"}");
        assert_ne!(a, b);
        assert_ne!(a, c);
    }
}
