//! Reads. Every list is an indexed, paged query; nothing loads a whole table.

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, params, params_from_iter};
use serde::Serialize;
use uuid::Uuid;

pub use crate::domain::sort::Sort;

use super::{Result, Store, StoreError, must};
use crate::domain::asset::{Asset, AssetRecord, AssetStatus};
use crate::domain::filter::{Cmp, FilterSpec, SlaTest, Test, Who};
use crate::domain::ids::{ArticleId, AssetId, PersonId, ReplicaId, TicketId, TicketNumber};
use crate::domain::kb::{Article, ArticleRecord};
use crate::domain::op::{LinkTarget, Op, Payload};
use crate::domain::person::{Person, PersonRecord, Role};
use crate::domain::ticket::{EntryKind, PersonRef, Priority, Status, Ticket, TicketField};

/// Whose tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    Unassigned,
    Person(PersonId),
}

/// A queue filter. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQuery {
    /// `Some(true)`: the backlog (new, open, pending, on-hold); `Some(false)`: finished ones.
    pub active: Option<bool>,
    pub statuses: Vec<Status>,
    pub assignee: Option<AssigneeFilter>,
    pub group: Option<String>,
    pub priorities: Vec<Priority>,
    pub requester: Option<PersonId>,
    /// Full-text words (title, description, timeline); `"a b"` is a phrase.
    pub text: Option<String>,
    /// Further conditions from the query language (categories, tags, times, SLA, negations).
    pub conds: Vec<crate::domain::filter::Cond>,
    pub sort: Sort,
    pub limit: u32,
    pub offset: u64,
}

/// One queue row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketRow {
    pub number: TicketNumber,
    pub id: TicketId,
    pub priority: Priority,
    pub status: Status,
    pub title: String,
    pub requester: Option<String>,
    pub assignee: Option<String>,
    pub group: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The SLA's most urgent open target's due time (else the ticket's resolution due).
    pub resolution_due: Option<i64>,
    /// When that target turns at risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_warn: Option<i64>,
}

/// A piece of a search snippet: matched or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// A KB search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleHit {
    pub id: ArticleId,
    pub title: String,
    pub snippet: Vec<Segment>,
    pub score: f64,
    /// The article's number in this store (`KB-12`): a short id that tells articles apart.
    pub num: u64,
}

/// One line of a ticket's history, newest last.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineItem {
    pub at: i64,
    pub actor: String,
    /// For a merged ticket's history shown on the ticket it was merged into: its number
    /// (`merged_from` in JSON: `from` is a change's old value).
    #[serde(rename = "merged_from", skip_serializing_if = "Option::is_none")]
    pub from: Option<TicketNumber>,
    #[serde(flatten)]
    pub event: TimelineEvent,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum TimelineEvent {
    Created {
        title: String,
    },
    Entry {
        kind: EntryKind,
        body: String,
        author: Option<String>,
        minutes: Option<u32>,
        /// Written by the ticket's requester (their mail), not by a technician.
        requester: bool,
        /// A public reply's outbound message: "queued", "sent", "failed: reason".
        mail: Option<String>,
    },
    Changed {
        field: TicketField,
        from: Option<String>,
        to: Option<String>,
    },
    Linked {
        target: String,
        removed: bool,
    },
}

/// The columns of a queue row. The due time is the SLA cache's most urgent open target
/// (a primary-key probe per row), else a due time set on the ticket itself.
pub(super) const ROW_COLS: &str = "t.number, t.id, t.priority, t.status, t.title, r.name, a.name, t.grp, t.created_at, t.updated_at, \
     coalesce((SELECT next_due FROM sla WHERE sla.ticket = t.rowid), t.resolution_due), \
     (SELECT warn_at FROM sla WHERE sla.ticket = t.rowid)";

pub(super) fn ticket_row(r: &Row<'_>) -> rusqlite::Result<TicketRow> {
    ticket_row_at(r, 0)
}

/// A queue row whose `ROW_COLS` start at column `base`.
fn ticket_row_at(r: &Row<'_>, base: usize) -> rusqlite::Result<TicketRow> {
    Ok(TicketRow {
        number: TicketNumber(r.get::<_, i64>(base)? as u64),
        id: TicketId(r.get(base + 1)?),
        priority: Priority::try_from(r.get::<_, u8>(base + 2)?).unwrap_or(Priority::P4),
        status: r.get::<_, String>(base + 3)?.parse().unwrap_or(Status::Open),
        title: r.get(base + 4)?,
        requester: r.get(base + 5)?,
        assignee: r.get(base + 6)?,
        group: r.get(base + 7)?,
        created_at: r.get(base + 8)?,
        updated_at: r.get(base + 9)?,
        resolution_due: r.get(base + 10)?,
        due_warn: r.get(base + 11)?,
    })
}

impl TicketQuery {
    /// Narrow this query by a parsed filter (the query language). `me` resolves
    /// `assignee:me`; a named assignee is returned for the caller to resolve.
    pub fn narrow(&mut self, s: &FilterSpec, me: Option<PersonId>) -> Option<String> {
        if !s.statuses.is_empty() {
            self.statuses = s.statuses.clone();
            self.active = None;
        }
        if !s.priorities.is_empty() {
            self.priorities = s.priorities.clone();
        }
        if s.group.is_some() {
            self.group = s.group.clone();
        }
        self.conds.extend(s.conds.iter().cloned());
        let mut named = None;
        match &s.assignee {
            Some(Who::Me) => {
                self.assignee = Some(AssigneeFilter::Person(me.unwrap_or(PersonId(Uuid::nil()))));
            }
            Some(Who::Nobody) => self.assignee = Some(AssigneeFilter::Unassigned),
            Some(Who::Named(n)) => named = Some(n.clone()),
            None => {}
        }
        named
    }
}

impl Store {
    pub(super) fn where_clause(&self, q: &TicketQuery, args: &mut Vec<Value>) -> String {
        // `active` already implies not deleted; keeping the predicate to the index's
        // columns lets counts and pages be answered from the index alone.
        let mut w = vec![match q.active {
            Some(true) => "t.active = 1".to_string(),
            Some(false) => "t.active = 0 AND t.deleted = 0".to_string(),
            None => "t.deleted = 0".to_string(),
        }];
        if !q.statuses.is_empty() {
            let marks: Vec<String> = q
                .statuses
                .iter()
                .map(|s| {
                    args.push(Value::Text(s.as_str().into()));
                    format!("?{}", args.len())
                })
                .collect();
            w.push(format!("t.status IN ({})", marks.join(", ")));
        }
        match &q.assignee {
            Some(AssigneeFilter::Unassigned) => w.push("t.assignee IS NULL".into()),
            Some(AssigneeFilter::Person(p)) => {
                args.push(Value::Blob(p.0.as_bytes().to_vec()));
                w.push(format!("t.assignee = ?{}", args.len()));
            }
            None => {}
        }
        if let Some(g) = &q.group {
            args.push(Value::Text(g.clone()));
            w.push(format!("t.grp = ?{}", args.len()));
        }
        if !q.priorities.is_empty() {
            let list: Vec<String> = q.priorities.iter().map(|p| p.get().to_string()).collect();
            w.push(format!("t.priority IN ({})", list.join(", ")));
        }
        if let Some(p) = &q.requester {
            args.push(Value::Blob(p.0.as_bytes().to_vec()));
            w.push(format!("t.requester = ?{}", args.len()));
        }
        for c in &q.conds {
            let sql = self.cond_sql(&c.test, args);
            w.push(if c.negate { format!("NOT ({sql})") } else { sql });
        }
        w.join(" AND ")
    }

    /// SQL for one query-language condition (bound values go to `args`).
    fn cond_sql(&self, t: &Test, args: &mut Vec<Value>) -> String {
        let mut bind = |v: Value| {
            args.push(v);
            format!("?{}", args.len())
        };
        let any = |col: &str, vals: Vec<String>, bind: &mut dyn FnMut(Value) -> String| {
            let marks: Vec<String> = vals.into_iter().map(|v| bind(Value::Text(v))).collect();
            format!("coalesce({col}, '') IN ({})", marks.join(", "))
        };
        let now = self.now_ms();
        match t {
            Test::Status(v) => any("t.status", v.iter().map(|s| s.as_str().to_string()).collect(), &mut bind),
            Test::Group(v) => any("t.grp", v.clone(), &mut bind),
            Test::Category(v) => any("t.category", v.clone(), &mut bind),
            Test::Type(v) => any("t.type", v.iter().map(|s| s.as_str().to_string()).collect(), &mut bind),
            Test::Channel(v) => any("t.channel", v.iter().map(|s| s.as_str().to_string()).collect(), &mut bind),
            Test::Tags(v) => v
                .iter()
                .map(|tag| {
                    format!("(',' || coalesce(t.tags, '') || ',') LIKE {}", bind(Value::Text(format!("%,{tag},%"))))
                })
                .collect::<Vec<_>>()
                .join(" AND "),
            Test::Requester(who) => {
                let pre = bind(Value::Text(format!("{}%", like_escape(who))));
                format!(
                    "t.requester IN (SELECT id FROM people WHERE name LIKE {pre} ESCAPE '\\' OR email LIKE {pre} ESCAPE '\\')"
                )
            }
            Test::Phrase(p) => {
                let p = bind(Value::Text(p.to_lowercase()));
                format!("instr(lower(t.title || ' ' || t.description), {p}) > 0")
            }
            Test::Updated(cmp, when) | Test::Created(cmp, when) => {
                let col = if matches!(t, Test::Updated(..)) { "t.updated_at" } else { "t.created_at" };
                let at = bind(Value::Integer(when.resolve(now)));
                match cmp {
                    Cmp::After => format!("{col} > {at}"),
                    Cmp::Before => format!("{col} < {at}"),
                }
            }
            Test::Sla(s) => {
                // Work remains and a promise is missed (breached) or nears its warning
                // threshold (at risk), by the SLA cache.
                let n = bind(Value::Integer(now));
                match s {
                    SlaTest::Breached => format!(
                        "t.active = 1 AND EXISTS (SELECT 1 FROM sla WHERE sla.ticket = t.rowid AND sla.next_due <= {n})"
                    ),
                    SlaTest::AtRisk => format!(
                        "t.active = 1 AND EXISTS (SELECT 1 FROM sla WHERE sla.ticket = t.rowid AND sla.next_due > {n} \
                         AND sla.warn_at <= {n})"
                    ),
                }
            }
        }
    }

    pub(super) fn order_clause(sort: Sort) -> &'static str {
        match sort {
            Sort::Priority => "t.priority, t.updated_at DESC",
            Sort::Updated => "t.updated_at DESC",
            // By when the ticket was made (where it was made, not when it arrived here: a
            // sync brings old tickets in late), then by id: the same order on every replica.
            Sort::Newest => "t.created_at DESC, t.id DESC",
            Sort::Oldest => "t.created_at, t.id",
            // Time to breach: the SLA cache's most urgent due time, soonest first; tickets
            // without one after, by priority.
            Sort::Due => {
                "(SELECT next_due FROM sla WHERE sla.ticket = t.rowid) IS NULL, \
                 (SELECT next_due FROM sla WHERE sla.ticket = t.rowid), t.priority, t.updated_at DESC"
            }
        }
    }

    /// The SQL and arguments of a queue page without text (also used by the query-plan test).
    pub fn queue_sql(&self, q: &TicketQuery) -> (String, Vec<Value>) {
        let mut args = Vec::new();
        let w = self.where_clause(q, &mut args);
        let sql = format!(
            "SELECT {ROW_COLS} FROM tickets t
             LEFT JOIN people r ON r.id = t.requester LEFT JOIN people a ON a.id = t.assignee
             WHERE {w} ORDER BY {} LIMIT {} OFFSET {}",
            Self::order_clause(q.sort),
            q.limit.max(1),
            q.offset
        );
        (sql, args)
    }

    /// One page of the queue. With text, matches come newest first.
    pub fn queue(&self, q: &TicketQuery) -> Result<Vec<TicketRow>> {
        if let Some(text) = q.text.as_deref() {
            return self.text_queue(q, text);
        }
        let (sql, args) = self.queue_sql(q);
        let mut st = self.conn().prepare_cached(&sql).map_err(|e| self.classify(e))?;
        let rows = st.query_map(params_from_iter(args), ticket_row).map_err(|e| self.classify(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.classify(e))
    }

    /// How many tickets match (for "37 of 1,204").
    pub fn count(&self, q: &TicketQuery) -> Result<u64> {
        self.count_upto(q, u64::MAX).map(|(n, _)| n)
    }

    /// Count, but stop at `cap` for full-text queries (whose exact count walks every
    /// match). Returns (count, exact).
    pub fn count_upto(&self, q: &TicketQuery, cap: u64) -> Result<(u64, bool)> {
        if let Some(text) = q.text.as_deref() {
            return self.text_count(q, text, cap);
        }
        if let Some(n) = self.counted(q)? {
            return Ok((n, true));
        }
        let mut args = Vec::new();
        let w = self.where_clause(q, &mut args);
        self.conn()
            .prepare_cached(&format!("SELECT count(*) FROM tickets t WHERE {w}"))
            .and_then(|mut s| s.query_row(params_from_iter(args), |r| r.get::<_, i64>(0)))
            .map(|n| (n as u64, true))
            .map_err(|e| self.classify(e))
    }

    /// The count of a query that asks only for the backlog and/or statuses, read from
    /// the maintained per-status counters (exact, no scan); `None` for any other query.
    fn counted(&self, q: &TicketQuery) -> Result<Option<u64>> {
        let TicketQuery {
            active,
            statuses,
            assignee: None,
            group: None,
            priorities,
            requester: None,
            text: None,
            conds,
            ..
        } = q
        else {
            return Ok(None);
        };
        if !priorities.is_empty() || !conds.is_empty() {
            return Ok(None);
        }
        let mut n = 0;
        for s in Status::ALL {
            let wanted = (statuses.is_empty() || statuses.contains(s)) && active.is_none_or(|a| a == s.is_open());
            if wanted {
                n += self.counter(&format!("tickets:{}", s.as_str()))?;
            }
        }
        Ok(Some(n))
    }

    pub fn ticket_id(&self, n: TicketNumber) -> Result<TicketId> {
        let r = self
            .conn()
            .prepare_cached("SELECT id FROM tickets WHERE number = ?1 AND deleted = 0 ORDER BY rowid LIMIT 1")
            .and_then(|mut s| s.query_row([n.0 as i64], |r| r.get(0)).optional());
        // A provisional `~k` keeps naming its ticket once the number is final.
        let r = match r {
            Ok(None) if n.is_provisional() => {
                return self
                    .provisional_ticket(n.0 - TicketNumber::PROVISIONAL_BASE)?
                    .ok_or_else(|| super::StoreError::NotFound(format!("ticket {n}")));
            }
            r => r,
        };
        must(r, self.path(), || format!("ticket {n}")).map(TicketId)
    }

    /// A ticket by number.
    pub fn ticket_by_number(&self, n: TicketNumber) -> Result<Ticket> {
        self.ticket(self.ticket_id(n)?)
    }

    pub fn ticket(&self, id: TicketId) -> Result<Ticket> {
        let r = self
            .conn()
            .prepare_cached(
                "SELECT t.id, t.number, t.title, t.description, t.requester, r.name, t.assignee, a.name, t.grp, t.status,
                        t.type, t.category, t.tags, t.channel, t.urgency, t.impact, t.priority, t.priority_override,
                        t.created_at, t.updated_at, t.first_response_at, t.resolved_at, t.closed_at, t.response_due,
                        t.resolution_due, t.entry_count, t.checklist
                 FROM tickets t LEFT JOIN people r ON r.id = t.requester LEFT JOIN people a ON a.id = t.assignee
                 WHERE t.id = ?1 AND t.deleted = 0",
            )
            .and_then(|mut s| {
                s.query_row([id.0], |r| {
                    let person = |i: usize| -> rusqlite::Result<Option<PersonRef>> {
                        let id: Option<Uuid> = r.get(i)?;
                        let name: Option<String> = r.get(i + 1)?;
                        Ok(id.map(|id| PersonRef { id: PersonId(id), name: name.unwrap_or_else(|| "(unknown)".into()) }))
                    };
                    let parse = |i: usize| -> rusqlite::Result<String> { r.get(i) };
                    Ok(Ticket {
                        id: TicketId(r.get(0)?),
                        number: TicketNumber(r.get::<_, i64>(1)? as u64),
                        title: r.get(2)?,
                        description: r.get(3)?,
                        requester: person(4)?,
                        assignee: person(6)?,
                        group: r.get(8)?,
                        status: parse(9)?.parse().unwrap_or(Status::Open),
                        kind: parse(10)?.parse().unwrap_or(crate::domain::ticket::TicketType::Incident),
                        category: r.get(11)?,
                        tags: r.get::<_, Option<String>>(12)?.map(|t| t.split(',').map(String::from).collect()).unwrap_or_default(),
                        channel: parse(13)?.parse().unwrap_or(crate::domain::ticket::Channel::Portal),
                        urgency: crate::domain::ticket::Level::try_from(r.get::<_, u8>(14)?).unwrap_or(crate::domain::ticket::Level::MEDIUM),
                        impact: crate::domain::ticket::Level::try_from(r.get::<_, u8>(15)?).unwrap_or(crate::domain::ticket::Level::MEDIUM),
                        priority: Priority::try_from(r.get::<_, u8>(16)?).unwrap_or(Priority::P4),
                        priority_override: r.get(17)?,
                        created_at: r.get(18)?,
                        updated_at: r.get(19)?,
                        first_response_at: r.get(20)?,
                        resolved_at: r.get(21)?,
                        closed_at: r.get(22)?,
                        response_due: r.get(23)?,
                        resolution_due: r.get(24)?,
                        entry_count: r.get(25)?,
                        checklist: r.get(26)?,
                    })
                })
                .optional()
            });
        must(r, self.path(), || format!("ticket {id}"))
    }

    /// A ticket's ops, oldest first: its audit history.
    pub fn ticket_ops(&self, id: TicketId) -> Result<Vec<Op>> {
        self.entity_ops(id.0)
    }

    pub fn entity_ops(&self, entity: Uuid) -> Result<Vec<Op>> {
        let sql = format!(
            "SELECT {}, r.id FROM ops o JOIN replicas r ON r.idx = o.replica WHERE o.entity = ?1
             ORDER BY o.hlc, r.id, o.counter",
            super::oplog::COLUMNS
        );
        let mut st = self.conn().prepare_cached(&sql).map_err(|e| self.classify(e))?;
        let codec = &self.codec;
        let rows =
            st.query_map([entity], |r| super::oplog::read(r, None, Some(codec))).map_err(|e| self.classify(e))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(decode_op(r.map_err(|e| self.classify(e))?)?);
        }
        Ok(out)
    }

    /// The ticket's timeline: creation, notes and replies, and system events, from its ops.
    /// A ticket's own history, without what was merged into it.
    fn own_timeline(&self, id: TicketId) -> Result<Vec<TimelineItem>> {
        let ops = self.ticket_ops(id)?;
        let requester = self.ticket(id).ok().and_then(|t| t.requester).map(|r| r.id);
        let mut out: Vec<TimelineItem> = Vec::with_capacity(ops.len());
        for op in ops {
            let at = op.hlc.millis();
            let event = match op.payload {
                Payload::TicketNew(t) => TimelineEvent::Created { title: t.title },
                Payload::MailQueue(q) => {
                    self.attach_mail_state(&mut out, op.replica, op.counter, &q)?;
                    continue;
                }
                Payload::TicketEntry(e) => TimelineEvent::Entry {
                    requester: e.author.is_some() && e.author == requester,
                    mail: None,
                    kind: e.kind,
                    author: match e.author {
                        Some(p) => Some(self.person_name(p)?),
                        None => None,
                    },
                    body: e.body,
                    minutes: e.minutes,
                },
                Payload::TicketSet(s) => {
                    let show = |v: Option<String>| -> Result<Option<String>> {
                        match (&s.field, v) {
                            (TicketField::Requester | TicketField::Assignee, Some(v)) => match Uuid::parse_str(&v) {
                                Ok(u) => self.person_name(PersonId(u)).map(Some),
                                Err(_) => Ok(Some(v)),
                            },
                            (_, v) => Ok(v),
                        }
                    };
                    TimelineEvent::Changed { field: s.field, from: show(s.from)?, to: show(s.to)? }
                }
                Payload::TicketLink(l) => {
                    TimelineEvent::Linked { target: self.describe_target(&l.target)?, removed: l.removed }
                }
                _ => continue,
            };
            out.push(TimelineItem { at, actor: op.actor, from: None, event });
        }
        Ok(out)
    }

    /// A ticket's history, oldest first, with the history of tickets merged into it.
    pub fn timeline(&self, id: TicketId) -> Result<Vec<TimelineItem>> {
        let mut out = self.own_timeline(id)?;
        // Tickets merged into this one: their history shows here, marked with their number.
        let merged: Vec<(TicketId, TicketNumber)> = self.collect(
            "SELECT s.id, s.number FROM links l JOIN tickets s ON s.rowid = l.ticket
             WHERE l.target = ?1 AND l.target_kind = 'ticket' AND l.rel = 'merged-into' AND l.removed = 0",
            [id.0],
            |r| Ok((TicketId(r.get(0)?), TicketNumber(r.get::<_, i64>(1)? as u64))),
        )?;
        if !merged.is_empty() {
            for (source, number) in merged {
                for mut item in self.own_timeline(source)? {
                    item.from = Some(number);
                    out.push(item);
                }
            }
            out.sort_by_key(|i| i.at);
        }
        Ok(out)
    }

    pub fn describe_target(&self, t: &LinkTarget) -> Result<String> {
        let c = self.conn();
        let r: Option<String> = match t {
            LinkTarget::Asset { id } => {
                c.query_row("SELECT 'asset ' || tag FROM assets WHERE id = ?1", [id.0], |r| r.get(0)).optional()
            }
            LinkTarget::Article { id } => {
                c.query_row("SELECT 'KB ' || title FROM articles WHERE id = ?1", [id.0], |r| r.get(0)).optional()
            }
            LinkTarget::Ticket { id, rel } => c
                .query_row("SELECT ?2 || ' #' || number FROM tickets WHERE id = ?1", params![id.0, rel.as_str()], |r| {
                    r.get(0)
                })
                .optional(),
        }
        .map_err(|e| self.classify(e))?;
        Ok(r.unwrap_or_else(|| format!("{} {}", t.kind(), t.uuid())))
    }

    pub fn person_name(&self, id: PersonId) -> Result<String> {
        let r = self
            .conn()
            .prepare_cached("SELECT name FROM people WHERE id = ?1")
            .and_then(|mut s| s.query_row([id.0], |r| r.get(0)).optional());
        Ok(r.map_err(|e| self.classify(e))?.unwrap_or_else(|| format!("(unknown person {id})")))
    }

    // ------------------------------------------------------------ links

    /// Assets linked to a ticket (current links only).
    pub fn ticket_assets(&self, id: TicketId) -> Result<Vec<Asset>> {
        let sql = format!(
            "SELECT {ASSET_COLS} FROM links l JOIN tickets t ON t.rowid = l.ticket JOIN assets s ON s.id = l.target
             LEFT JOIN people p ON p.id = s.holder
             WHERE t.id = ?1 AND l.target_kind = 'asset' AND l.removed = 0 AND s.deleted = 0 ORDER BY s.tag"
        );
        self.collect(&sql, [id.0], asset_row)
    }

    /// KB articles linked to a ticket.
    pub fn ticket_articles(&self, id: TicketId) -> Result<Vec<(ArticleId, String)>> {
        self.collect(
            "SELECT a.id, a.title FROM links l JOIN tickets t ON t.rowid = l.ticket JOIN articles a ON a.id = l.target
             WHERE t.id = ?1 AND l.target_kind = 'article' AND l.removed = 0 AND a.deleted = 0 ORDER BY a.title",
            [id.0],
            |r| Ok((ArticleId(r.get(0)?), r.get(1)?)),
        )
    }

    /// Tickets related to a ticket, both directions: (relation as seen from this ticket, row).
    pub fn related_tickets(&self, id: TicketId) -> Result<Vec<(String, TicketRow)>> {
        let sql = format!(
            "SELECT rel, {ROW_COLS} FROM (
                SELECT l.rel AS rel, l.target AS other FROM links l JOIN tickets s ON s.rowid = l.ticket
                WHERE s.id = ?1 AND l.target_kind = 'ticket' AND l.removed = 0
                UNION ALL
                SELECT CASE l.rel WHEN 'parent' THEN 'child' WHEN 'duplicate-of' THEN 'duplicated-by'
                                  WHEN 'problem' THEN 'incident' WHEN 'merged-into' THEN 'merged-from'
                                  ELSE l.rel END,
                       s.id FROM links l JOIN tickets s ON s.rowid = l.ticket
                WHERE l.target = ?1 AND l.target_kind = 'ticket' AND l.removed = 0
             ) x JOIN tickets t ON t.id = x.other
             LEFT JOIN people r ON r.id = t.requester LEFT JOIN people a ON a.id = t.assignee
             WHERE t.deleted = 0 ORDER BY t.number"
        );
        let mut st = self.conn().prepare_cached(&sql).map_err(|e| self.classify(e))?;
        let rows = st
            .query_map([id.0], |r| {
                let rel: String = r.get(0)?;
                let row = ticket_row_at(r, 1)?;
                Ok((rel, row))
            })
            .map_err(|e| self.classify(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.classify(e))
    }

    /// Tickets that link an asset, newest first (the asset's ticket history).
    pub fn asset_tickets(&self, id: AssetId, limit: u32) -> Result<Vec<TicketRow>> {
        let sql = format!(
            "SELECT {ROW_COLS} FROM links l JOIN tickets t ON t.rowid = l.ticket
             LEFT JOIN people r ON r.id = t.requester LEFT JOIN people a ON a.id = t.assignee
             WHERE l.target = ?1 AND l.target_kind = 'asset' AND l.removed = 0 AND t.deleted = 0
             ORDER BY t.created_at DESC, t.id DESC LIMIT {limit}"
        );
        self.collect(&sql, [id.0], ticket_row)
    }

    pub(super) fn collect<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        p: P,
        f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut st = self.conn().prepare_cached(sql).map_err(|e| self.classify(e))?;
        let rows = st.query_map(p, f).map_err(|e| self.classify(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.classify(e))
    }

    // ------------------------------------------------------------ people

    /// Visit every op, in (hlc, replica, counter) order, verifying each checksum.
    /// Streams: one cursor per replica (each replica's ops are already in HLC order), merged.
    pub fn for_each_op(&self, mut f: impl FnMut(Op) -> Result<()>) -> Result<()> {
        let replicas: Vec<(i64, Uuid)> =
            self.collect("SELECT idx, id FROM replicas ORDER BY id", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut stmts = Vec::new();
        let sql = format!("SELECT {} FROM ops o WHERE o.replica = ?1 ORDER BY o.counter", super::oplog::COLUMNS);
        for _ in &replicas {
            stmts.push(self.conn().prepare(&sql).map_err(|e| self.classify(e))?);
        }
        let mut cursors = Vec::new();
        for (st, (idx, id)) in stmts.iter_mut().zip(&replicas) {
            cursors.push((st.query(params![idx]).map_err(|e| self.classify(e))?, ReplicaId(*id)));
        }
        let codec = &self.codec;
        let next_op = |(rows, replica): &mut (rusqlite::Rows<'_>, ReplicaId)| -> Result<Option<Op>> {
            match rows.next() {
                Ok(Some(r)) => {
                    Ok(Some(decode_op(super::oplog::read(r, Some(*replica), Some(codec)).map_err(sql_err)?)?))
                }
                Ok(None) => Ok(None),
                Err(e) => Err(sql_err(e)),
            }
        };
        let mut heads: Vec<Option<Op>> = Vec::with_capacity(cursors.len());
        for c in cursors.iter_mut() {
            heads.push(next_op(c).map_err(|e| match e {
                StoreError::Sqlite { source, .. } => self.classify(source),
                e => e,
            })?);
        }
        loop {
            let best = heads
                .iter()
                .enumerate()
                .filter_map(|(i, h)| h.as_ref().map(|op| (i, (op.hlc, op.replica, op.counter))))
                .min_by_key(|(_, k)| *k)
                .map(|(i, _)| i);
            let Some(i) = best else { break };
            let op = heads[i].take().expect("head present");
            heads[i] = next_op(&mut cursors[i])?;
            f(op)?;
        }
        Ok(())
    }
}

fn sql_err(e: rusqlite::Error) -> StoreError {
    super::classify(std::path::Path::new(""), e)
}

/// Turn a stored op back into an op, refusing one whose checksum does not match.
fn decode_op(raw: crate::domain::op::RawOp) -> Result<Op> {
    if !raw.checksum_ok() {
        return Err(StoreError::Corrupt(format!(
            "op {}/{} ({}) fails its checksum",
            raw.replica, raw.counter, raw.kind
        )));
    }
    raw.decode().map_err(|e| StoreError::Corrupt(format!("op {}/{}: {e}", raw.replica, raw.counter)))
}

pub(super) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

pub(super) const PERSON_COLS: &str = "id, name, email, login, department, site, phone, vip, role, groups";

pub(super) fn person_row(r: &Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: PersonId(r.get(0)?),
        record: PersonRecord {
            name: r.get(1)?,
            email: r.get(2)?,
            login: r.get(3)?,
            department: r.get(4)?,
            site: r.get(5)?,
            phone: r.get(6)?,
            vip: r.get(7)?,
            role: r.get::<_, String>(8)?.parse().unwrap_or(Role::Requester),
            groups: r
                .get::<_, Option<String>>(9)?
                .map(|g| g.split(',').map(String::from).collect())
                .unwrap_or_default(),
        },
    })
}

pub(super) const ASSET_COLS: &str =
    "s.id, s.tag, s.hostname, s.serial, s.model, s.manufacturer, s.category, s.status, s.holder, s.location,
    s.ip, s.mac, s.purchase_date, s.warranty_end, s.notes, p.name, s.updated_at";

pub(super) fn asset_row(r: &Row<'_>) -> rusqlite::Result<Asset> {
    Ok(Asset {
        id: AssetId(r.get(0)?),
        record: AssetRecord {
            tag: r.get(1)?,
            hostname: r.get(2)?,
            serial: r.get(3)?,
            model: r.get(4)?,
            manufacturer: r.get(5)?,
            category: r.get(6)?,
            status: r.get::<_, String>(7)?.parse().unwrap_or(AssetStatus::InUse),
            holder: r.get::<_, Option<Uuid>>(8)?.map(PersonId),
            location: r.get(9)?,
            ip: r.get(10)?,
            mac: r.get(11)?,
            purchase_date: r.get(12)?,
            warranty_end: r.get(13)?,
            notes: r.get(14)?,
        },
        holder_name: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

pub(super) const ARTICLE_COLS: &str = "id, title, body, tags, category, internal, source, updated_at";

pub(super) fn article_row(r: &Row<'_>) -> rusqlite::Result<Article> {
    Ok(Article {
        id: ArticleId(r.get(0)?),
        record: ArticleRecord {
            title: r.get(1)?,
            body: r.get(2)?,
            tags: r.get::<_, Option<String>>(3)?.map(|g| g.split(',').map(String::from).collect()).unwrap_or_default(),
            category: r.get(4)?,
            internal: r.get(5)?,
            source: r.get(6)?,
        },
        updated_at: r.get(7)?,
    })
}

impl Store {
    /// `EXPLAIN QUERY PLAN` of a queue page, one detail per line (for tests and `--explain`).
    pub fn explain(&self, q: &TicketQuery) -> Result<String> {
        let (sql, args) = self.queue_sql(q);
        let mut st = self.conn().prepare(&format!("EXPLAIN QUERY PLAN {sql}")).map_err(|e| self.classify(e))?;
        let rows = st.query_map(params_from_iter(args), |r| r.get::<_, String>(3)).map_err(|e| self.classify(e))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.classify(e))?.join("\n"))
    }
}
