//! Folding ops into the materialized tables, and checking changes before they become ops.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::fields::{self, Col};
use super::{Result, Store, StoreError, classify};
use crate::domain::DomainError;
use crate::domain::ids::{PersonId, ReplicaId};
use crate::domain::op::{Change, EntryRecord, Expect, FieldSet, LinkTarget, Op, Payload, checksum};
use crate::domain::ticket::{EntryKind, Level, Priority, Status, TicketField, TicketType};
use crate::domain::time;

/// Applies ops inside one open transaction and keeps the ticket full-text index in step.
pub(super) struct Applier<'a> {
    conn: &'a Connection,
    path: &'a Path,
    /// Tickets whose full-text document must be rebuilt before commit: (rowid, id).
    fts_dirty: HashSet<(i64, Uuid)>,
    replicas: HashMap<ReplicaId, i64>,
}

impl<'a> Applier<'a> {
    pub fn new(conn: &'a Connection, path: &'a Path) -> Self {
        Applier { conn, path, fts_dirty: HashSet::new(), replicas: HashMap::new() }
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
        let found: Option<i64> =
            c.query_row("SELECT idx FROM replicas WHERE id = ?1", [r.0], |row| row.get(0)).optional().map_err(|e| self.err(e))?;
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
        let json = op.payload.to_json();
        let kind = op.payload.kind();
        let sum = checksum(op.replica, op.counter, op.hlc, &op.actor, op.entity, kind, &json);
        let n = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO ops(replica, counter, hlc, actor, entity, kind, payload, checksum)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![replica_idx, op.counter as i64, op.hlc.0 as i64, op.actor, op.entity, kind, json, &sum[..]])
            })
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    // ---------------------------------------------------------------- checking

    /// Check a change against the current state and turn it into the payload of an op
    /// (with `from` and the ticket number filled in). `None`: nothing would change.
    pub fn prepare(&mut self, change: Change) -> Result<Option<(Uuid, Payload)>> {
        let Change { entity, payload, expect, reopen } = change;
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
                let present: Option<bool> = self
                    .conn
                    .query_row(
                        "SELECT NOT l.removed FROM links l JOIN tickets t ON t.rowid = l.ticket
                         WHERE t.id = ?1 AND l.target_kind = ?2 AND l.target = ?3 AND l.rel = ?4",
                        params![entity, l.target.kind(), l.target.uuid(), l.target.rel()],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(|e| self.err(e))?;
                if present.unwrap_or(false) != l.removed {
                    return Ok(None);
                }
                Payload::TicketLink(l)
            }
            Payload::TicketSet(s) => {
                let (_, number) = self.ticket_row(entity)?;
                let (col, kind) = fields::ticket(s.field);
                let current = self.current("tickets", col, kind, entity)?;
                self.check_expect(&expect, &current, entity, "ticket.set", s.field.as_str(), &number.to_string(), &s.to)?;
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
                "SELECT actor, hlc FROM ops WHERE entity = ?1 AND kind = ?2 AND json_extract(payload, '$.field') = ?3
                 ORDER BY hlc DESC LIMIT 1",
                params![entity, set_kind, field],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let (by, at) = last.unwrap_or_else(|| ("someone".into(), 0));
        let show = |v: &Option<String>| self.display_value(v);
        Err(StoreError::Conflict {
            target: target.to_string(),
            field: field.to_string(),
            by,
            at: if at == 0 { "an unknown time".into() } else { time::local(crate::domain::op::Hlc(at as u64).millis()) },
            now: show(current),
            seen: show(seen),
        })
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
                    let id = Uuid::parse_str(s).map_err(|_| DomainError::Invalid(format!("'{s}' is not a person id")))?;
                    self.person_exists(PersonId(id))?;
                }
            }
            F::ResponseDue | F::ResolutionDue => {
                if let Some(s) = to {
                    s.parse::<i64>().map_err(|_| DomainError::Invalid(format!("'{s}' is not a time in milliseconds")))?;
                }
            }
            F::Description | F::Group | F::Category | F::Tags | F::PriorityOverride | F::Deleted => {}
        }
        Ok(())
    }

    fn ticket_row(&self, id: Uuid) -> Result<(i64, crate::domain::TicketNumber)> {
        let r: Option<(i64, i64)> = self
            .conn
            .prepare_cached("SELECT rowid, number FROM tickets WHERE id = ?1 AND deleted = 0")
            .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(|e| self.err(e))?;
        r.map(|(rowid, n)| (rowid, crate::domain::TicketNumber(n as u64)))
            .ok_or_else(|| StoreError::NotFound(format!("ticket {id}")))
    }

    fn person_exists(&self, id: PersonId) -> Result<()> {
        self.exists("people", id.0).and_then(|ok| if ok { Ok(()) } else { Err(StoreError::NotFound(format!("person {id}"))) })
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
        if self.exists(table, t.uuid())? { Ok(()) } else { Err(StoreError::NotFound(format!("{} {}", t.kind(), t.uuid()))) }
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
                        "INSERT INTO tickets(id, number, title, description, requester, assignee, grp, status, type,
                            category, tags, channel, urgency, impact, priority, priority_override, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
                         ON CONFLICT(id) DO NOTHING",
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
                    self.fts_dirty.insert((c.last_insert_rowid(), id));
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
                let sql = format!(
                    "UPDATE tickets SET {col} = ?2, updated_at = MAX(updated_at, ?3){status_times} WHERE id = ?1 RETURNING rowid"
                );
                let rowid: rusqlite::Result<Option<i64>> = c
                    .prepare_cached(&sql)
                    .and_then(|mut st| st.query_row(params![id, fields::to_sql(kind, s.to.as_deref()), t], |r| r.get(0)).optional());
                match rowid {
                    Ok(Some(rowid)) => {
                        if matches!(s.field, TicketField::Title | TicketField::Description | TicketField::Deleted) {
                            self.fts_dirty.insert((rowid, id));
                        }
                        Ok(1)
                    }
                    Ok(None) => Ok(0),
                    Err(e) => Err(e),
                }
            }
            Payload::TicketEntry(EntryRecord { kind, author, .. }) => {
                let reply = *kind == EntryKind::Reply;
                let rowid: rusqlite::Result<Option<i64>> = c
                    .prepare_cached(
                        "UPDATE tickets SET entry_count = entry_count + 1, updated_at = MAX(updated_at, ?2),
                           first_response_at = CASE
                             WHEN ?3 AND first_response_at IS NULL AND (?4 IS NULL OR requester IS NOT ?4) THEN ?2
                             ELSE first_response_at END
                         WHERE id = ?1 RETURNING rowid",
                    )
                    .and_then(|mut st| st.query_row(params![id, t, reply, author.map(|a| a.0)], |r| r.get(0)).optional());
                match rowid {
                    Ok(Some(rowid)) => {
                        self.fts_dirty.insert((rowid, id));
                        Ok(1)
                    }
                    Ok(None) => Ok(0),
                    Err(e) => Err(e),
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
                .and_then(|_| c.execute("UPDATE tickets SET updated_at = MAX(updated_at, ?2) WHERE id = ?1", params![id, t])),
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
            Payload::PersonSet(s) => self.set_column("people", fields::person(s.field), id, &s.to, t),
            Payload::AssetSet(s) => self.set_column("assets", fields::asset(s.field), id, &s.to, t),
            Payload::ArticleSet(s) => self.set_column("articles", fields::article(s.field), id, &s.to, t),
        };
        r.map(drop).map_err(|e| self.err(e))
    }

    fn set_column(&self, table: &str, (col, kind): (&str, Col), id: Uuid, to: &Option<String>, t: i64) -> rusqlite::Result<usize> {
        let sql = format!("UPDATE {table} SET {col} = ?2, updated_at = MAX(updated_at, ?3) WHERE id = ?1");
        self.conn.prepare_cached(&sql)?.execute(params![id, fields::to_sql(kind, to.as_deref()), t])
    }

    /// Rebuild the full-text documents of the tickets touched in this transaction.
    pub fn flush(&mut self) -> Result<()> {
        let dirty = std::mem::take(&mut self.fts_dirty);
        for (rowid, id) in dirty {
            self.reindex(rowid, id).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    fn reindex(&self, rowid: i64, id: Uuid) -> rusqlite::Result<()> {
        let c = self.conn;
        c.prepare_cached("DELETE FROM tickets_fts WHERE rowid = ?1")?.execute([rowid])?;
        let row: Option<(String, String)> = c
            .prepare_cached("SELECT title, description FROM tickets WHERE rowid = ?1 AND deleted = 0")?
            .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((title, mut body)) = row else { return Ok(()) };
        let mut st = c.prepare_cached("SELECT payload FROM ops WHERE entity = ?1 AND kind = 'ticket.entry' ORDER BY hlc")?;
        let mut rows = st.query([id])?;
        while let Some(r) = rows.next()? {
            let json: String = r.get(0)?;
            if let Ok(e) = serde_json::from_str::<EntryRecord>(&json) {
                body.push('\n');
                body.push_str(&e.body);
            }
        }
        c.prepare_cached("INSERT INTO tickets_fts(rowid, title, body) VALUES (?1, ?2, ?3)")?.execute(params![rowid, title, body])?;
        Ok(())
    }
}

fn nonempty(s: &str, what: &str) -> Result<()> {
    if s.trim().is_empty() { Err(DomainError::Invalid(format!("{what} cannot be empty")).into()) } else { Ok(()) }
}
