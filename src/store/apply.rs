//! Folding ops into the materialized tables, and checking changes before they become ops.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use base64::Engine as _;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::fields::{self, Col};
use super::{Result, Store, StoreError, classify};
use crate::domain::DomainError;
use crate::domain::ids::{PersonId, ReplicaId, TicketNumber};
use crate::domain::op::{Change, EntryRecord, Expect, FieldSet, LinkTarget, Op, Origin, Payload, RawOp};
use crate::domain::ticket::{EntryKind, Level, Priority, Status, TicketField, TicketRel, TicketType};
use crate::domain::time;

/// Applies ops inside one open transaction and keeps the ticket full-text index in step.
pub(super) struct Applier<'a> {
    conn: &'a Connection,
    path: &'a Path,
    codec: &'a super::oplog::OpCodec,
    /// Tickets whose full-text document must be rebuilt before commit: (rowid, id).
    fts_dirty: HashSet<(i64, Uuid)>,
    replicas: HashMap<ReplicaId, i64>,
    /// Ticket id → (rowid, number) of live tickets seen in this transaction.
    tickets: HashMap<Uuid, (i64, i64)>,
    /// Ops appended in this transaction, for the count in `counts`.
    appended: i64,
}

impl<'a> Applier<'a> {
    pub fn new(conn: &'a Connection, path: &'a Path, codec: &'a super::oplog::OpCodec) -> Self {
        Applier {
            conn,
            path,
            codec,
            fts_dirty: HashSet::new(),
            replicas: HashMap::new(),
            tickets: HashMap::new(),
            appended: 0,
        }
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        classify(self.path, e)
    }

    /// The local index of a replica, registering it on first sight.
    pub fn replica_idx(&mut self, r: ReplicaId) -> Result<i64> {
        if let Some(&i) = self.replicas.get(&r) {
            return Ok(i);
        }
        let c = self.conn;
        let found: Option<i64> = c
            .query_row("SELECT idx FROM replicas WHERE id = ?1", [r.0], |row| row.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        let idx = match found {
            Some(i) => i,
            None => {
                c.execute("INSERT INTO replicas(id) VALUES (?1)", [r.0]).map_err(|e| self.err(e))?;
                c.last_insert_rowid()
            }
        };
        self.replicas.insert(r, idx);
        Ok(idx)
    }

    /// Append an op to the log. Returns false when it was there already.
    pub fn append(&mut self, replica_idx: i64, op: &Op) -> Result<bool> {
        self.append_raw(replica_idx, &RawOp::from_op(op))
    }

    /// Append an op exactly as it was stored elsewhere (sync): same payload text, same
    /// checksum. Returns false when it was there already.
    pub fn append_raw(&mut self, replica_idx: i64, op: &RawOp) -> Result<bool> {
        let added = super::oplog::insert(self.conn, Some(self.codec), replica_idx, op).map_err(|e| self.err(e))?;
        self.appended += added as i64;
        Ok(added)
    }

    /// Fold an entity again from scratch: drop its materialized rows (a ticket's row, its
    /// links and full-text rows; a person, asset or article row) and apply all of its ops
    /// from the log in (HLC, replica UUID, counter) order. Used when ops arrive out of
    /// order, so that the state is a function of the set of ops, not of their arrival.
    pub fn refold(&mut self, entity: Uuid) -> Result<()> {
        let c = self.conn;
        if let Some(rowid) = self.ticket_rowid(entity).map_err(|e| self.err(e))? {
            super::fts::remove_ticket(c, rowid).map_err(|e| self.err(e))?;
            c.prepare_cached("DELETE FROM links WHERE ticket = ?1")
                .and_then(|mut s| s.execute([rowid]))
                .map_err(|e| self.err(e))?;
            c.prepare_cached("DELETE FROM tickets WHERE rowid = ?1")
                .and_then(|mut s| s.execute([rowid]))
                .map_err(|e| self.err(e))?;
            for sql in [
                "DELETE FROM origins WHERE ticket = ?1",
                "DELETE FROM attachments WHERE ticket = ?1",
                "DELETE FROM time_spent WHERE ticket = ?1",
            ] {
                c.prepare_cached(sql).and_then(|mut s| s.execute([entity])).map_err(|e| self.err(e))?;
            }
            self.fts_dirty.retain(|(r, _)| *r != rowid);
        }
        super::outbox::forget(c, entity).map_err(|e| self.err(e))?;
        self.tickets.remove(&entity);
        for table in ["people", "assets", "articles", "views"] {
            c.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))
                .and_then(|mut s| s.execute([entity]))
                .map_err(|e| self.err(e))?;
        }
        let ops: Vec<RawOp> = {
            let sql = format!(
                "SELECT {}, r.id FROM ops o JOIN replicas r ON r.idx = o.replica WHERE o.entity = ?1
                 ORDER BY o.hlc, r.id, o.counter",
                super::oplog::COLUMNS
            );
            let mut st = c.prepare_cached(&sql).map_err(|e| self.err(e))?;
            let codec = self.codec;
            let rows = st.query_map([entity], |r| super::oplog::read(r, None, Some(codec))).map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<_>>().map_err(|e| self.err(e))?
        };
        for raw in ops {
            let op = raw
                .decode()
                .map_err(|e| StoreError::Corrupt(format!("op {}/{} ({}): {e}", raw.replica, raw.counter, raw.kind)))?;
            self.apply(&op)?;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- checking

    /// Check a change against the current state and turn it into the payload of an op
    /// (with `from` and the ticket number filled in). `None`: nothing would change.
    pub fn prepare(&mut self, change: Change) -> Result<Option<(Uuid, Payload)>> {
        let Change { entity, payload, expect, reopen, at: _ } = change;
        let payload = match payload {
            Payload::PersonNew(p) => {
                nonempty(&p.name, "a person's name")?;
                Payload::PersonNew(p)
            }
            Payload::TicketNew(mut t) => {
                nonempty(&t.title, "a ticket's title")?;
                for p in [t.requester, t.assignee].into_iter().flatten() {
                    self.person_exists(p)?;
                }
                t.number = Some(Store::next_number(self.conn).map_err(|e| self.err(e))?);
                Payload::TicketNew(t)
            }
            Payload::AssetNew(a) => {
                nonempty(&a.tag, "an asset tag")?;
                self.tag_free(&a.tag, None)?;
                if let Some(h) = a.holder {
                    self.person_exists(h)?;
                }
                Payload::AssetNew(a)
            }
            Payload::ArticleNew(a) => {
                nonempty(&a.title, "an article's title")?;
                Payload::ArticleNew(a)
            }
            Payload::ViewSave(v) => {
                nonempty(&v.name, "a view's name")?;
                crate::domain::filter::parse(&v.filter)
                    .map_err(|e| DomainError::Invalid(format!("view '{}': filter {e}", v.name)))?;
                Payload::ViewSave(v)
            }
            Payload::TicketEntry(e) => {
                let (_, number) = self.ticket_row(entity)?;
                if e.body.trim().is_empty() {
                    return Err(DomainError::Invalid(format!("{number}: the note or reply is empty")).into());
                }
                Payload::TicketEntry(e)
            }
            Payload::TicketLink(l) => {
                let (_, number) = self.ticket_row(entity)?;
                self.link_target_exists(&l.target)?;
                if l.target.uuid() == entity {
                    return Err(DomainError::Invalid(format!("{number} cannot be linked to itself")).into());
                }
                if let LinkTarget::Ticket { id, rel: TicketRel::MergedInto } = l.target
                    && !l.removed
                {
                    self.check_merge(entity, id.0, number)?;
                }
                let present: Option<bool> = self
                    .conn
                    .prepare_cached(
                        "SELECT NOT l.removed FROM links l JOIN tickets t ON t.rowid = l.ticket
                         WHERE t.id = ?1 AND l.target_kind = ?2 AND l.target = ?3 AND l.rel = ?4",
                    )
                    .and_then(|mut st| {
                        st.query_row(params![entity, l.target.kind(), l.target.uuid(), l.target.rel()], |r| r.get(0))
                            .optional()
                    })
                    .map_err(|e| self.err(e))?;
                if present.unwrap_or(false) != l.removed {
                    return Ok(None);
                }
                Payload::TicketLink(l)
            }
            p
            @ (Payload::MailQueue(_) | Payload::MailState(_) | Payload::TicketWatch(_) | Payload::TicketRating(_)) => {
                self.ticket_row(entity)?;
                p
            }
            Payload::TicketNumber(_) => {
                return Err(DomainError::Invalid("final ticket numbers are issued by the shared store".into()).into());
            }
            Payload::TicketSet(s) => {
                let (rowid, number) = self.ticket_row(entity)?;
                let (col, kind) = fields::ticket(s.field);
                let current = self.ticket_value(col, kind, rowid)?;
                self.check_expect(
                    &expect,
                    &current,
                    entity,
                    "ticket.set",
                    s.field.as_str(),
                    &number.to_string(),
                    &s.to,
                )?;
                self.validate_ticket_value(s.field, &current, &s.to, reopen, &number.to_string())?;
                if current == s.to {
                    return Ok(None);
                }
                Payload::TicketSet(FieldSet { from: current, ..s })
            }
            Payload::PersonSet(s) => {
                let (col, kind) = fields::person(s.field);
                let current = self.current("people", col, kind, entity)?;
                self.check_expect(&expect, &current, entity, "person.set", s.field.as_str(), "person", &s.to)?;
                if current == s.to {
                    return Ok(None);
                }
                Payload::PersonSet(FieldSet { from: current, ..s })
            }
            Payload::AssetSet(s) => {
                let (col, kind) = fields::asset(s.field);
                let current = self.current("assets", col, kind, entity)?;
                self.check_expect(&expect, &current, entity, "asset.set", s.field.as_str(), "asset", &s.to)?;
                if s.field == crate::domain::asset::AssetField::Tag {
                    let tag = s.to.as_deref().unwrap_or("");
                    nonempty(tag, "an asset tag")?;
                    self.tag_free(tag, Some(entity))?;
                }
                if current == s.to {
                    return Ok(None);
                }
                Payload::AssetSet(FieldSet { from: current, ..s })
            }
            Payload::ArticleSet(s) => {
                let (col, kind) = fields::article(s.field);
                let current = self.current("articles", col, kind, entity)?;
                self.check_expect(&expect, &current, entity, "article.set", s.field.as_str(), "article", &s.to)?;
                if current == s.to {
                    return Ok(None);
                }
                Payload::ArticleSet(FieldSet { from: current, ..s })
            }
        };
        Ok(Some((entity, payload)))
    }

    fn ticket_value(&self, col: &str, kind: Col, rowid: i64) -> Result<Option<String>> {
        // `col` comes from the fixed table in `fields`, never from input.
        let sql = format!("SELECT {col} FROM tickets WHERE rowid = ?1");
        let v: Value = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([rowid], |r| r.get::<_, Value>(0)))
            .map_err(|e| self.err(e))?;
        Ok(fields::from_sql(kind, (&v).into()))
    }

    fn current(&self, table: &str, col: &str, kind: Col, id: Uuid) -> Result<Option<String>> {
        // `table` and `col` come from fixed tables in `fields`, never from input.
        let sql = format!("SELECT {col} FROM {table} WHERE id = ?1");
        let v: Option<Value> = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id], |r| r.get::<_, Value>(0)).optional())
            .map_err(|e| self.err(e))?;
        match v {
            None => Err(StoreError::NotFound(format!("{} {id}", table.trim_end_matches('s')))),
            Some(v) => Ok(fields::from_sql(kind, (&v).into())),
        }
    }

    /// The lost-update guard: refuse a change prepared against a value that has since changed.
    #[allow(clippy::too_many_arguments)]
    fn check_expect(
        &self,
        expect: &Expect,
        current: &Option<String>,
        entity: Uuid,
        set_kind: &str,
        field: &str,
        target: &str,
        to: &Option<String>,
    ) -> Result<()> {
        let Expect::Value(seen) = expect else { return Ok(()) };
        if seen == current || current == to {
            return Ok(());
        }
        let last: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT actor, hlc FROM ops WHERE entity = ?1 AND kind = ?2 AND json_extract(op_payload(payload), '$.field') = ?3
                 ORDER BY hlc DESC LIMIT 1",
                params![entity, set_kind, field],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let (by, at) = last.unwrap_or_else(|| ("someone".into(), 0));
        let show = |v: &Option<String>| self.display_value(v);
        Err(StoreError::Conflict(Box::new(super::Conflict {
            target: target.to_string(),
            field: field.to_string(),
            by,
            at: if at == 0 {
                "an unknown time".into()
            } else {
                time::local(crate::domain::op::Hlc(at as u64).millis())
            },
            now: show(current),
            seen: show(seen),
        })))
    }

    /// A value as people read it: person ids become names.
    fn display_value(&self, v: &Option<String>) -> String {
        match v {
            None => "(none)".into(),
            Some(s) => match Uuid::parse_str(s) {
                Ok(u) => self
                    .conn
                    .query_row("SELECT name FROM people WHERE id = ?1", [u], |r| r.get::<_, String>(0))
                    .unwrap_or_else(|_| s.clone()),
                Err(_) => format!("'{s}'"),
            },
        }
    }

    fn validate_ticket_value(
        &self,
        field: TicketField,
        current: &Option<String>,
        to: &Option<String>,
        reopen: bool,
        number: &str,
    ) -> Result<()> {
        use TicketField as F;
        let required = |what: &str| -> Result<&str> {
            to.as_deref().ok_or_else(|| DomainError::Invalid(format!("{number}: {what} cannot be empty")).into())
        };
        match field {
            F::Title => nonempty(required("the title")?, "a ticket's title")?,
            F::Status => {
                let to: Status = required("the status")?.parse()?;
                let from: Status = current.as_deref().unwrap_or("new").parse()?;
                from.check_transition(to, reopen).map_err(|e| DomainError::Invalid(format!("{number}: {e}")))?;
            }
            F::Type => drop(required("the type")?.parse::<TicketType>()?),
            F::Channel => drop(required("the channel")?.parse::<crate::domain::ticket::Channel>()?),
            F::Urgency | F::Impact => drop(required("urgency and impact")?.parse::<Level>()?),
            F::Priority => drop(required("the priority")?.parse::<Priority>()?),
            F::Requester | F::Assignee => {
                if let Some(s) = to {
                    let id =
                        Uuid::parse_str(s).map_err(|_| DomainError::Invalid(format!("'{s}' is not a person id")))?;
                    self.person_exists(PersonId(id))?;
                }
            }
            F::ResponseDue | F::ResolutionDue => {
                if let Some(s) = to {
                    s.parse::<i64>()
                        .map_err(|_| DomainError::Invalid(format!("'{s}' is not a time in milliseconds")))?;
                }
            }
            F::Checklist => {
                if let Some(s) = to {
                    crate::domain::checklist::Checklist::from_json(s)
                        .map_err(|e| DomainError::Invalid(e.to_string()))?;
                }
            }
            F::Description | F::Group | F::Category | F::Tags | F::PriorityOverride | F::Deleted => {}
        }
        Ok(())
    }

    fn ticket_row(&mut self, id: Uuid) -> Result<(i64, crate::domain::TicketNumber)> {
        if let Some(&(rowid, n)) = self.tickets.get(&id) {
            return Ok((rowid, crate::domain::TicketNumber(n as u64)));
        }
        let r: Option<(i64, i64)> = self
            .conn
            .prepare_cached("SELECT rowid, number FROM tickets WHERE id = ?1 AND deleted = 0")
            .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(|e| self.err(e))?;
        let (rowid, n) = r.ok_or_else(|| StoreError::NotFound(format!("ticket {id}")))?;
        self.tickets.insert(id, (rowid, n));
        Ok((rowid, crate::domain::TicketNumber(n as u64)))
    }

    /// A ticket is merged once, and never into one that was itself merged away.
    fn check_merge(&self, source: Uuid, target: Uuid, number: TicketNumber) -> Result<()> {
        let merged_into = |id: Uuid| -> Result<Option<i64>> {
            self.conn
                .prepare_cached(
                    "SELECT d.number FROM links l JOIN tickets s ON s.rowid = l.ticket JOIN tickets d ON d.id = l.target
                     WHERE s.id = ?1 AND l.target_kind = 'ticket' AND l.rel = 'merged-into' AND l.removed = 0
                     ORDER BY d.number LIMIT 1",
                )
                .and_then(|mut st| st.query_row([id], |r| r.get(0)).optional())
                .map_err(|e| self.err(e))
        };
        if let Some(n) = merged_into(source)? {
            let msg = format!("{number} was already merged into {}: a ticket is merged once", TicketNumber(n as u64));
            return Err(DomainError::Invalid(msg).into());
        }
        if let Some(n) = merged_into(target)? {
            let msg = format!("cannot merge {number} into a ticket that was merged into {}", TicketNumber(n as u64));
            return Err(DomainError::Invalid(msg).into());
        }
        Ok(())
    }

    fn person_exists(&self, id: PersonId) -> Result<()> {
        self.exists("people", id.0)
            .and_then(|ok| if ok { Ok(()) } else { Err(StoreError::NotFound(format!("person {id}"))) })
    }

    fn exists(&self, table: &str, id: Uuid) -> Result<bool> {
        let sql = format!("SELECT EXISTS(SELECT 1 FROM {table} WHERE id = ?1)");
        self.conn.prepare_cached(&sql).and_then(|mut s| s.query_row([id], |r| r.get(0))).map_err(|e| self.err(e))
    }

    fn link_target_exists(&self, t: &LinkTarget) -> Result<()> {
        let table = match t {
            LinkTarget::Asset { .. } => "assets",
            LinkTarget::Article { .. } => "articles",
            LinkTarget::Ticket { .. } => "tickets",
        };
        if self.exists(table, t.uuid())? {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("{} {}", t.kind(), t.uuid())))
        }
    }

    fn tag_free(&self, tag: &str, except: Option<Uuid>) -> Result<()> {
        let taken: bool = self
            .conn
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM assets WHERE tag = ?1 COLLATE NOCASE AND deleted = 0 AND id IS NOT ?2)",
            )
            .and_then(|mut s| s.query_row(params![tag, except], |r| r.get(0)))
            .map_err(|e| self.err(e))?;
        if taken { Err(DomainError::Invalid(format!("asset tag '{tag}' is already in use")).into()) } else { Ok(()) }
    }

    // ---------------------------------------------------------------- folding

    /// Fold one op into the materialized tables. Must be total: an op that refers to
    /// something missing is kept in the log and changes nothing here.
    pub fn apply(&mut self, op: &Op) -> Result<()> {
        let t = op.hlc.millis();
        let id = op.entity;
        let c = self.conn;
        let path = self.path;
        let fail = |e| classify(path, e);
        let r = match &op.payload {
            Payload::PersonNew(p) => c
                .prepare_cached(
                    "INSERT INTO people(id, name, email, login, department, site, phone, vip, role, groups, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT(id) DO NOTHING",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        id,
                        p.name,
                        p.email,
                        p.login,
                        p.department,
                        p.site,
                        p.phone,
                        p.vip,
                        p.role.as_str(),
                        Some(p.groups.join(",")).filter(|g| !g.is_empty()),
                        t
                    ])
                }),
            Payload::TicketNew(tk) => {
                let n = c
                    .prepare_cached(
                        "INSERT OR IGNORE INTO tickets(id, number, title, description, requester, assignee, grp, status, type,
                            category, tags, channel, urgency, impact, priority, priority_override, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            id,
                            tk.number.map(|n| n.0 as i64).unwrap_or(0),
                            tk.title,
                            tk.description,
                            tk.requester.map(|p| p.0),
                            tk.assignee.map(|p| p.0),
                            tk.group,
                            tk.status.as_str(),
                            tk.kind.as_str(),
                            tk.category,
                            Some(tk.tags.join(",")).filter(|g| !g.is_empty()),
                            tk.channel.as_str(),
                            tk.urgency.get(),
                            tk.impact.get(),
                            tk.priority.get(),
                            tk.priority_override,
                            tk.created_at.unwrap_or(t),
                            t
                        ])
                    });
                if let Ok(1) = n {
                    let rowid = c.last_insert_rowid();
                    self.tickets.insert(id, (rowid, tk.number.map(|n| n.0 as i64).unwrap_or(0)));
                    super::fts::insert(c, rowid, 0, &tk.title, &tk.description).map_err(fail)?;
                    if let Some(o) = &tk.origin {
                        fold_origin(c, id, op.hlc.0 as i64, o).map_err(fail)?;
                    }
                }
                n
            }
            Payload::TicketSet(s) => {
                let (col, kind) = fields::ticket(s.field);
                let status_times = if s.field == TicketField::Status {
                    match s.to.as_deref().and_then(|v| v.parse::<Status>().ok()) {
                        Some(Status::Resolved) => ", resolved_at = ?3, closed_at = NULL",
                        Some(Status::Closed) => ", closed_at = ?3, resolved_at = COALESCE(resolved_at, ?3)",
                        _ => ", resolved_at = NULL, closed_at = NULL",
                    }
                } else {
                    ""
                };
                match self.ticket_rowid(id) {
                    Ok(Some(rowid)) => {
                        let sql = format!(
                            "UPDATE OR IGNORE tickets SET {col} = ?2, updated_at = MAX(updated_at, ?3){status_times} WHERE rowid = ?1"
                        );
                        let r = c
                            .prepare_cached(&sql)
                            .and_then(|mut st| st.execute(params![rowid, fields::to_sql(kind, s.to.as_deref()), t]));
                        match s.field {
                            TicketField::Title | TicketField::Description => {
                                super::fts::reindex_head(c, rowid).map_err(fail)?
                            }
                            TicketField::Deleted => {
                                self.tickets.remove(&id);
                                self.fts_dirty.insert((rowid, id));
                            }
                            _ => {}
                        }
                        r
                    }
                    other => other.map(|_| 0),
                }
            }
            Payload::TicketEntry(EntryRecord { kind, author, body, origin, minutes }) => {
                if let Some(m) = minutes.filter(|m| *m > 0) {
                    c.prepare_cached(
                        "INSERT OR IGNORE INTO time_spent(ticket, hlc, actor, at, minutes) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .and_then(|mut s| s.execute(params![id, op.hlc.0 as i64, op.actor, t, m]))
                    .map_err(|e| self.err(e))?;
                }
                let reply = *kind == EntryKind::Reply;
                match self.ticket_rowid(id) {
                    Ok(Some(rowid)) => {
                        let r = c
                            .prepare_cached(
                                "UPDATE OR IGNORE tickets SET entry_count = entry_count + 1, updated_at = MAX(updated_at, ?2),
                                   first_response_at = CASE
                                     WHEN ?3 AND first_response_at IS NULL AND (?4 IS NULL OR requester IS NOT ?4) THEN ?2
                                     ELSE first_response_at END
                                 WHERE rowid = ?1",
                            )
                            .and_then(|mut st| st.execute(params![rowid, t, reply, author.map(|a| a.0)]));
                        let slot: i64 = c
                            .prepare_cached("SELECT entry_count FROM tickets WHERE rowid = ?1")
                            .and_then(|mut st| st.query_row([rowid], |r| r.get(0)))
                            .map_err(fail)?;
                        super::fts::insert(c, rowid, slot, "", body).map_err(fail)?;
                        if let Some(o) = origin {
                            fold_origin(c, id, op.hlc.0 as i64, o).map_err(fail)?;
                        }
                        r
                    }
                    other => other.map(|_| 0),
                }
            }
            Payload::TicketLink(l) => c
                .prepare_cached(
                    "INSERT INTO links(ticket, target_kind, target, rel, hlc, removed)
                     SELECT rowid, ?2, ?3, ?4, ?5, ?6 FROM tickets WHERE id = ?1
                     ON CONFLICT(ticket, target_kind, target, rel) DO UPDATE
                       SET removed = excluded.removed, hlc = excluded.hlc WHERE excluded.hlc >= links.hlc",
                )
                .and_then(|mut s| {
                    s.execute(params![id, l.target.kind(), l.target.uuid(), l.target.rel(), op.hlc.0 as i64, l.removed])
                })
                .and_then(|_| {
                    c.prepare_cached("UPDATE OR IGNORE tickets SET updated_at = MAX(updated_at, ?2) WHERE id = ?1")?
                        .execute(params![id, t])
                }),
            Payload::TicketNumber(n) => {
                // The first final number wins (in fold order): a number once final stays,
                // even if a shared file restored from a backup issued a second one.
                let r = c
                    .prepare_cached("UPDATE OR IGNORE tickets SET number = ?2 WHERE id = ?1 AND number > ?3")
                    .and_then(|mut st| {
                        st.execute(params![id, n.number.0 as i64, TicketNumber::PROVISIONAL_BASE as i64])
                    });
                if let (Ok(1), Some(cached)) = (&r, self.tickets.get_mut(&id)) {
                    cached.1 = n.number.0 as i64;
                }
                r
            }
            Payload::AssetNew(a) => c
                .prepare_cached(
                    "INSERT INTO assets(id, tag, hostname, serial, model, manufacturer, category, status, holder,
                        location, ip, mac, purchase_date, warranty_end, notes, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
                     ON CONFLICT(id) DO NOTHING",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        id,
                        a.tag,
                        a.hostname,
                        a.serial,
                        a.model,
                        a.manufacturer,
                        a.category,
                        a.status.as_str(),
                        a.holder.map(|h| h.0),
                        a.location,
                        a.ip,
                        a.mac,
                        a.purchase_date,
                        a.warranty_end,
                        a.notes,
                        t
                    ])
                }),
            Payload::ArticleNew(a) => c
                .prepare_cached(
                    "INSERT INTO articles(id, title, body, tags, category, internal, source, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO NOTHING",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        id,
                        a.title,
                        a.body,
                        Some(a.tags.join(",")).filter(|g| !g.is_empty()),
                        a.category,
                        a.internal,
                        a.source,
                        t
                    ])
                }),
            // Last writer wins per view (by HLC), whatever order ops arrive in.
            Payload::ViewSave(v) => c
                .prepare_cached(
                    "INSERT INTO views(id, name, filter, sort, deleted, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(id) DO UPDATE SET name = excluded.name, filter = excluded.filter, sort = excluded.sort,
                       deleted = excluded.deleted, hlc = excluded.hlc WHERE excluded.hlc >= views.hlc",
                )
                .and_then(|mut s| s.execute(params![id, v.name, v.filter, v.sort, v.deleted, op.hlc.0 as i64])),
            Payload::MailQueue(_) | Payload::MailState(_) | Payload::TicketWatch(_) | Payload::TicketRating(_) => {
                super::outbox::fold(c, op)
            }
            Payload::PersonSet(s) => self.set_column("people", fields::person(s.field), id, &s.to, t),
            Payload::AssetSet(s) => self.set_column("assets", fields::asset(s.field), id, &s.to, t),
            Payload::ArticleSet(s) => self.set_column("articles", fields::article(s.field), id, &s.to, t),
        };
        r.map(drop).map_err(|e| self.err(e))
    }

    /// Any ticket's rowid, deleted or not (folding must reach deleted tickets too).
    fn ticket_rowid(&self, id: Uuid) -> rusqlite::Result<Option<i64>> {
        if let Some(&(rowid, _)) = self.tickets.get(&id) {
            return Ok(Some(rowid));
        }
        self.conn.prepare_cached("SELECT rowid FROM tickets WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()
    }

    fn set_column(
        &self,
        table: &str,
        (col, kind): (&str, Col),
        id: Uuid,
        to: &Option<String>,
        t: i64,
    ) -> rusqlite::Result<usize> {
        let sql = format!("UPDATE OR IGNORE {table} SET {col} = ?2, updated_at = MAX(updated_at, ?3) WHERE id = ?1");
        self.conn.prepare_cached(&sql)?.execute(params![id, fields::to_sql(kind, to.as_deref()), t])
    }

    /// Before commit: rebuild the full-text rows of tickets deleted or restored in this
    /// transaction, and move the staged rows into the ticket index.
    pub fn flush(&mut self) -> Result<()> {
        let dirty = std::mem::take(&mut self.fts_dirty);
        for (rowid, id) in dirty {
            super::fts::reindex_all(self.conn, rowid, id).map_err(|e| self.err(e))?;
        }
        super::fts::flush(self.conn).map_err(|e| self.err(e))?;
        super::oplog::count(self.conn, std::mem::take(&mut self.appended)).map_err(|e| self.err(e))?;
        super::kb_search::sync_kb(self.conn).map_err(|e| self.err(e))
    }
}

/// Index an origin (and its attachments) of a ticket. Independent of the order ops are
/// folded in: a key seen twice keeps the earliest op's clock; content is keyed by its hash.
fn fold_origin(c: &Connection, ticket: Uuid, hlc: i64, o: &Origin) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO origins(key, ticket, hlc, sender) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(key, ticket) DO UPDATE SET hlc = MIN(hlc, excluded.hlc)",
    )?
    .execute(params![o.key, ticket, hlc, o.sender])?;
    for (seq, a) in o.attachments.iter().enumerate() {
        let content = a.content.as_deref().and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
        c.prepare_cached(
            "INSERT OR IGNORE INTO attachments(ticket, origin, seq, name, content_type, size, hash, stored)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            ticket,
            o.key,
            seq as i64,
            a.name,
            a.content_type,
            a.size as i64,
            a.hash,
            content.is_some()
        ])?;
        if let Some(bytes) = content {
            c.prepare_cached("INSERT OR IGNORE INTO attachment_content(hash, content) VALUES (?1, ?2)")?
                .execute(params![a.hash, bytes])?;
        }
    }
    Ok(())
}

fn nonempty(s: &str, what: &str) -> Result<()> {
    if s.trim().is_empty() { Err(DomainError::Invalid(format!("{what} cannot be empty")).into()) } else { Ok(()) }
}
