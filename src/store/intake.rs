//! What intake and interchange need from the store: origin lookups (idempotent intake,
//! replies by Message-ID), attachments, and streaming exports of tickets, assets, KB
//! articles and the op log. Exports walk one cursor and hand each row to a callback:
//! nothing collects a table, so memory stays flat however large the store.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use uuid::Uuid;

use super::{Result, Store, StoreError};
use crate::domain::ids::{ReplicaId, TicketId, TicketNumber};
use crate::domain::op::{Hlc, Payload, RawOp};
use crate::domain::time;

/// An attachment of a ticket (from its e-mails).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// The origin it came with (`mail:<Message-ID>`).
    pub origin: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub hash: String,
    /// Whether the content is stored (it was within the cap).
    pub stored: bool,
}

/// One ticket as exported: stable field order (the CSV columns, the JSON keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketExport {
    pub number: TicketNumber,
    pub id: TicketId,
    pub title: String,
    pub description: String,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub priority: u8,
    pub urgency: u8,
    pub impact: u8,
    pub category: Option<String>,
    pub group: Option<String>,
    pub tags: Option<String>,
    pub channel: String,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub assignee_name: Option<String>,
    pub assignee_email: Option<String>,
    /// RFC 3339, UTC.
    pub created: String,
    pub updated: String,
    pub first_response: Option<String>,
    pub resolved: Option<String>,
    pub closed: Option<String>,
    /// Notes and replies on the timeline: how many, or (`--entries`) the entries themselves.
    pub entries: EntryList,
}

/// A ticket's entries in an export: their count, or the entries themselves.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EntryList {
    Count(u32),
    Entries(Vec<EntryExport>),
}

impl EntryList {
    pub fn count(&self) -> usize {
        match self {
            EntryList::Count(n) => *n as usize,
            EntryList::Entries(e) => e.len(),
        }
    }
}

impl TicketExport {
    pub const COLUMNS: &'static [&'static str] = &[
        "number",
        "id",
        "title",
        "description",
        "status",
        "type",
        "priority",
        "urgency",
        "impact",
        "category",
        "group",
        "tags",
        "channel",
        "requester_name",
        "requester_email",
        "assignee_name",
        "assignee_email",
        "created",
        "updated",
        "first_response",
        "resolved",
        "closed",
        "entries",
    ];

    /// The CSV cells, in [`TicketExport::COLUMNS`] order (text as stored; the caller guards cells).
    pub fn cells(&self) -> Vec<String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.number.plain(),
            self.id.to_string(),
            self.title.clone(),
            self.description.clone(),
            self.status.clone(),
            self.kind.clone(),
            self.priority.to_string(),
            self.urgency.to_string(),
            self.impact.to_string(),
            o(&self.category),
            o(&self.group),
            o(&self.tags),
            self.channel.clone(),
            o(&self.requester_name),
            o(&self.requester_email),
            o(&self.assignee_name),
            o(&self.assignee_email),
            self.created.clone(),
            self.updated.clone(),
            o(&self.first_response),
            o(&self.resolved),
            o(&self.closed),
            self.entries.count().to_string(),
        ]
    }
}

/// One note or reply of a ticket as exported (`tix export tickets --entries`), in the
/// ticket's timeline order; `tix import tickets` reads the same fields back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryExport {
    /// RFC 3339, UTC.
    pub at: String,
    /// note or reply.
    pub kind: String,
    /// Who wrote it into tix (an agent's login, or the intake).
    pub actor: String,
    /// The person it is from when that is not the actor (a requester's e-mail, say).
    pub author: Option<String>,
    pub author_email: Option<String>,
    /// Time booked, in minutes.
    pub minutes: Option<u32>,
    pub body: String,
}

impl EntryExport {
    /// The columns of the companion CSV file: the ticket's id and number, then the entry.
    pub const CSV_COLUMNS: &'static [&'static str] =
        &["ticket", "number", "at", "kind", "actor", "author", "author_email", "minutes", "body"];

    /// The CSV cells after the ticket's id and number (text as stored; the caller guards cells).
    pub fn cells(&self) -> Vec<String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.at.clone(),
            self.kind.clone(),
            self.actor.clone(),
            o(&self.author),
            o(&self.author_email),
            self.minutes.map(|m| m.to_string()).unwrap_or_default(),
            self.body.clone(),
        ]
    }
}

/// One asset as exported. Column names are the ones `tix asset import` reads back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetExport {
    pub tag: String,
    pub hostname: Option<String>,
    pub serial: Option<String>,
    pub model: Option<String>,
    pub manufacturer: Option<String>,
    pub category: Option<String>,
    pub status: String,
    pub assigned_to: Option<String>,
    pub email: Option<String>,
    pub location: Option<String>,
    pub ip: Option<String>,
    pub mac: Option<String>,
    pub purchase_date: Option<String>,
    pub warranty_end: Option<String>,
    pub notes: Option<String>,
    pub id: Uuid,
    pub updated: String,
}

impl AssetExport {
    pub const COLUMNS: &'static [&'static str] = &[
        "tag",
        "hostname",
        "serial",
        "model",
        "manufacturer",
        "category",
        "status",
        "assigned_to",
        "email",
        "location",
        "ip",
        "mac",
        "purchase_date",
        "warranty_end",
        "notes",
        "id",
        "updated",
    ];

    pub fn cells(&self) -> Vec<String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.tag.clone(),
            o(&self.hostname),
            o(&self.serial),
            o(&self.model),
            o(&self.manufacturer),
            o(&self.category),
            self.status.clone(),
            o(&self.assigned_to),
            o(&self.email),
            o(&self.location),
            o(&self.ip),
            o(&self.mac),
            o(&self.purchase_date),
            o(&self.warranty_end),
            o(&self.notes),
            self.id.to_string(),
            self.updated.clone(),
        ]
    }
}

/// One KB article as exported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleExport {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub tags: Option<String>,
    pub category: Option<String>,
    pub internal: bool,
    pub source: Option<String>,
    pub updated: String,
}

impl ArticleExport {
    pub const COLUMNS: &'static [&'static str] =
        &["id", "title", "body", "tags", "category", "internal", "source", "updated"];

    pub fn cells(&self) -> Vec<String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.id.to_string(),
            self.title.clone(),
            self.body.clone(),
            o(&self.tags),
            o(&self.category),
            self.internal.to_string(),
            o(&self.source),
            self.updated.clone(),
        ]
    }
}

fn opt_time(v: Option<i64>) -> Option<String> {
    v.map(time::rfc3339)
}

impl Store {
    /// The live ticket that an origin key (`mail:<Message-ID>`, `import:<key>`) is on; the
    /// earliest when the same message was taken in twice on different replicas.
    pub fn ticket_for_origin(&self, key: &str) -> Result<Option<TicketId>> {
        self.conn()
            .prepare_cached(
                "SELECT o.ticket FROM origins o JOIN tickets t ON t.id = o.ticket
                 WHERE o.key = ?1 AND t.deleted = 0 ORDER BY o.hlc, o.ticket LIMIT 1",
            )
            .and_then(|mut s| s.query_row([key], |r| r.get::<_, Uuid>(0)).optional())
            .map(|o| o.map(TicketId))
            .map_err(|e| self.classify(e))
    }

    /// Whether an origin key was taken in already (on any ticket, deleted ones included).
    pub fn origin_known(&self, key: &str) -> Result<bool> {
        self.conn()
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM origins WHERE key = ?1)")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)))
            .map_err(|e| self.classify(e))
    }

    /// Messages taken in from `sender` since `since_ms` (loop detection). A message that
    /// opened a ticket dated before `since_ms` (a backfill of old mail) does not count.
    pub fn origins_from_since(&self, sender: &str, since_ms: i64) -> Result<u64> {
        self.conn()
            .prepare_cached(
                "SELECT count(*) FROM origins o WHERE o.sender = ?1 COLLATE NOCASE AND o.hlc >= ?2
                 AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = o.ticket AND t.created_at < ?3
                                 AND o.hlc = (SELECT min(hlc) FROM origins f WHERE f.ticket = o.ticket))",
            )
            .and_then(|mut s| {
                s.query_row(params![sender, Hlc::from_parts(since_ms, 0).0 as i64, since_ms], |r| r.get::<_, i64>(0))
            })
            .map(|n| n as u64)
            .map_err(|e| self.classify(e))
    }

    /// Whether a person is on a ticket: its requester or assignee, the author of one of its
    /// entries, or an agent (anyone but a requester).
    pub fn ticket_participant(&self, ticket: TicketId, person: crate::domain::ids::PersonId) -> Result<bool> {
        self.conn()
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM tickets WHERE id = ?1 AND (requester = ?2 OR assignee = ?2))
                     OR EXISTS(SELECT 1 FROM people WHERE id = ?2 AND role <> 'requester')
                     OR EXISTS(SELECT 1 FROM ops WHERE entity = ?1 AND kind = 'ticket.entry'
                               AND json_extract(op_payload(payload), '$.author') = ?3)",
            )
            .and_then(|mut s| s.query_row(params![ticket.0, person.0, person.0.to_string()], |r| r.get(0)))
            .map_err(|e| self.classify(e))
    }

    /// A ticket's attachments, in the order they came.
    pub fn ticket_attachments(&self, id: TicketId) -> Result<Vec<Attachment>> {
        self.collect(
            "SELECT a.origin, a.name, a.content_type, a.size, a.hash, a.stored FROM attachments a
             JOIN origins o ON o.key = a.origin AND o.ticket = a.ticket
             WHERE a.ticket = ?1 ORDER BY o.hlc, a.seq",
            [id.0],
            |r| {
                Ok(Attachment {
                    origin: r.get(0)?,
                    name: r.get(1)?,
                    content_type: r.get(2)?,
                    size: r.get::<_, i64>(3)? as u64,
                    hash: r.get(4)?,
                    stored: r.get(5)?,
                })
            },
        )
    }

    /// An attachment's content by hash, when it was stored.
    pub fn attachment_content(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        self.conn()
            .prepare_cached("SELECT content FROM attachment_content WHERE hash = ?1")
            .and_then(|mut s| s.query_row([hash], |r| r.get(0)).optional())
            .map_err(|e| self.classify(e))
    }

    /// Walk a query row by row (one cursor, nothing collected).
    fn stream<T, E: From<StoreError>>(
        &self,
        sql: &str,
        read: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
        mut f: impl FnMut(T) -> std::result::Result<(), E>,
    ) -> std::result::Result<u64, E> {
        let mut st = self.conn().prepare(sql).map_err(|e| self.classify(e))?;
        let mut rows = st.query([]).map_err(|e| self.classify(e))?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(|e| self.classify(e))? {
            f(read(r).map_err(|e| self.classify(e))?)?;
            n += 1;
        }
        Ok(n)
    }

    /// Every ticket (not deleted), by number then id (the same order on every replica),
    /// to `f`. Returns how many.
    pub fn export_tickets<E: From<StoreError>>(
        &self,
        f: impl FnMut(TicketExport) -> std::result::Result<(), E>,
    ) -> std::result::Result<u64, E> {
        self.stream(
            "SELECT t.number, t.id, t.title, t.description, t.status, t.type, t.priority, t.urgency, t.impact,
                    t.category, t.grp, t.tags, t.channel, r.name, r.email, a.name, a.email, t.created_at,
                    t.updated_at, t.first_response_at, t.resolved_at, t.closed_at, t.entry_count
             FROM tickets t LEFT JOIN people r ON r.id = t.requester LEFT JOIN people a ON a.id = t.assignee
             WHERE t.deleted = 0 ORDER BY t.number, t.id",
            |r| {
                Ok(TicketExport {
                    number: TicketNumber(r.get::<_, i64>(0)? as u64),
                    id: TicketId(r.get(1)?),
                    title: r.get(2)?,
                    description: r.get(3)?,
                    status: r.get(4)?,
                    kind: r.get(5)?,
                    priority: r.get(6)?,
                    urgency: r.get(7)?,
                    impact: r.get(8)?,
                    category: r.get(9)?,
                    group: r.get(10)?,
                    tags: r.get(11)?,
                    channel: r.get(12)?,
                    requester_name: r.get(13)?,
                    requester_email: r.get(14)?,
                    assignee_name: r.get(15)?,
                    assignee_email: r.get(16)?,
                    created: time::rfc3339(r.get(17)?),
                    updated: time::rfc3339(r.get(18)?),
                    first_response: opt_time(r.get(19)?),
                    resolved: opt_time(r.get(20)?),
                    closed: opt_time(r.get(21)?),
                    entries: EntryList::Count(r.get(22)?),
                })
            },
            f,
        )
    }

    /// A ticket's notes and replies, oldest first (the timeline's order), for an export.
    /// One ticket's worth at a time: an export walks the tickets and asks per ticket.
    pub fn export_entries(&self, id: TicketId) -> Result<Vec<EntryExport>> {
        let sql = format!(
            "SELECT {}, r.id FROM ops o JOIN replicas r ON r.idx = o.replica
             WHERE o.entity = ?1 AND o.kind = 'ticket.entry' ORDER BY o.hlc, r.id, o.counter",
            super::oplog::COLUMNS
        );
        let codec = &self.codec;
        let raw = self.collect(&sql, [id.0], |r| super::oplog::read(r, None, Some(codec)))?;
        let mut out = Vec::with_capacity(raw.len());
        for crate::domain::op::RawOp { hlc, actor, payload, .. } in raw {
            let hlc = hlc.0 as i64;
            let Payload::TicketEntry(e) = Payload::from_json("ticket.entry", &payload)
                .map_err(|e| StoreError::Corrupt(format!("a ticket.entry op of {id}: {e}")))?
            else {
                continue;
            };
            let (author, author_email) = match e.author {
                Some(p) => self
                    .conn()
                    .prepare_cached("SELECT name, email FROM people WHERE id = ?1")
                    .and_then(|mut s| {
                        s.query_row([p.0], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<String>>(1)?)))
                            .optional()
                    })
                    .map_err(|e| self.classify(e))?
                    .unwrap_or((None, None)),
                None => (None, None),
            };
            out.push(EntryExport {
                at: time::rfc3339(Hlc(hlc as u64).millis()),
                kind: e.kind.to_string(),
                actor,
                author,
                author_email,
                minutes: e.minutes,
                body: e.body,
            });
        }
        Ok(out)
    }

    /// Every asset (not deleted), by tag.
    pub fn export_assets<E: From<StoreError>>(
        &self,
        f: impl FnMut(AssetExport) -> std::result::Result<(), E>,
    ) -> std::result::Result<u64, E> {
        self.stream(
            "SELECT s.tag, s.hostname, s.serial, s.model, s.manufacturer, s.category, s.status, p.name, p.email,
                    s.location, s.ip, s.mac, s.purchase_date, s.warranty_end, s.notes, s.id, s.updated_at
             FROM assets s LEFT JOIN people p ON p.id = s.holder WHERE s.deleted = 0 ORDER BY s.tag COLLATE NOCASE",
            |r| {
                Ok(AssetExport {
                    tag: r.get(0)?,
                    hostname: r.get(1)?,
                    serial: r.get(2)?,
                    model: r.get(3)?,
                    manufacturer: r.get(4)?,
                    category: r.get(5)?,
                    status: r.get(6)?,
                    assigned_to: r.get(7)?,
                    email: r.get(8)?,
                    location: r.get(9)?,
                    ip: r.get(10)?,
                    mac: r.get(11)?,
                    purchase_date: r.get(12)?,
                    warranty_end: r.get(13)?,
                    notes: r.get(14)?,
                    id: r.get(15)?,
                    updated: time::rfc3339(r.get(16)?),
                })
            },
            f,
        )
    }

    /// Every KB article (not deleted), oldest first.
    pub fn export_articles<E: From<StoreError>>(
        &self,
        f: impl FnMut(ArticleExport) -> std::result::Result<(), E>,
    ) -> std::result::Result<u64, E> {
        self.stream(
            "SELECT id, title, body, tags, category, internal, source, updated_at FROM articles
             WHERE deleted = 0 ORDER BY rowid",
            |r| {
                Ok(ArticleExport {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    body: r.get(2)?,
                    tags: r.get(3)?,
                    category: r.get(4)?,
                    internal: r.get(5)?,
                    source: r.get(6)?,
                    updated: time::rfc3339(r.get(7)?),
                })
            },
            f,
        )
    }

    /// Every op exactly as stored, in (HLC, replica UUID, counter) order: the order a fold
    /// uses, so that replaying them elsewhere never has to fold an entity again. Streams
    /// one cursor per replica (each already in HLC order by counter) and merges them.
    pub fn export_ops<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(RawOp) -> std::result::Result<(), E>,
    ) -> std::result::Result<u64, E> {
        let replicas: Vec<(i64, Uuid)> =
            self.collect("SELECT idx, id FROM replicas ORDER BY id", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut stmts = Vec::with_capacity(replicas.len());
        let sql = format!("SELECT {} FROM ops o WHERE o.replica = ?1 ORDER BY o.counter", super::oplog::COLUMNS);
        for _ in &replicas {
            stmts.push(self.conn().prepare(&sql).map_err(|e| self.classify(e))?);
        }
        let mut cursors = Vec::with_capacity(replicas.len());
        for (st, (idx, _)) in stmts.iter_mut().zip(&replicas) {
            cursors.push(st.query([idx]).map_err(|e| self.classify(e))?);
        }
        let codec = &self.codec;
        let next = |rows: &mut rusqlite::Rows<'_>, replica: Uuid| -> Result<Option<RawOp>> {
            let Some(r) = rows.next().map_err(|e| self.classify(e))? else { return Ok(None) };
            super::oplog::read(r, Some(ReplicaId(replica)), Some(codec)).map(Some).map_err(|e| self.classify(e))
        };
        let mut heads = Vec::with_capacity(cursors.len());
        for (c, (_, id)) in cursors.iter_mut().zip(&replicas) {
            heads.push(next(c, *id)?);
        }
        let mut n = 0;
        loop {
            let best = heads
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.as_ref().map(|op| (i, op.key())))
                .min_by_key(|(_, k)| *k);
            let Some((i, _)) = best else { break };
            let op = heads[i].take().expect("head present");
            heads[i] = next(&mut cursors[i], replicas[i].1)?;
            f(op)?;
            n += 1;
        }
        Ok(n)
    }
}
