//! What sync needs from the local store: folding ops that arrive in any order, each
//! replica's head counter, raw op ranges, the sync settings and state, and the notices
//! of local edits that lost to concurrent remote ones.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

use super::{Result, Store, StoreError, apply, classify};
use crate::domain::ids::{PersonId, ReplicaId, TicketId, TicketNumber};
use crate::domain::op::{FieldSet, Hlc, Op, Payload, RawOp, checksum};
use crate::domain::ticket::TicketField;
use crate::domain::time;

/// What an ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Ops that were new here.
    pub added: usize,
    /// Entities folded again from their whole history because ops arrived out of order.
    pub refolded: usize,
    /// New notices of local edits superseded by the incoming ones.
    pub notices: usize,
    /// The newest HLC among the incoming ops.
    #[serde(skip)]
    pub max_hlc: Hlc,
}

/// A local change that lost to a concurrent change made elsewhere (last writer wins),
/// kept until its author has seen it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub id: i64,
    pub ticket: TicketId,
    /// The ticket's number now (`None` when the ticket is gone).
    pub number: Option<TicketNumber>,
    pub field: String,
    /// Who made the local change, and the value it set (as people read it).
    pub mine_actor: String,
    pub mine: String,
    /// Who made the winning change, when, and the value it set.
    pub by: String,
    pub at: String,
    pub theirs: String,
    pub acked: bool,
    /// "your change to assignee on #1042 was superseded by dana at 2026-11-22 14:02"
    pub message: String,
}

type Key = (Hlc, ReplicaId, u64);

/// What [`Store::rejoin_rewrite`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub old: ReplicaId,
    pub new: ReplicaId,
    /// Own ops carried over to the new replica.
    pub carried: usize,
    /// Other replicas' ops removed.
    pub dropped: usize,
    /// Tickets whose final number changed: (ticket, the number it had).
    pub renumbered: Vec<(TicketId, TicketNumber)>,
}

impl Store {
    /// Append ops made elsewhere, keeping their identity, payload text and checksum, and
    /// fold them in one transaction. The result depends only on the set of ops: an op
    /// that sorts after everything already folded for its entity is applied on top; an
    /// entity that receives an op sorting earlier is folded again from its whole history
    /// in (HLC, replica UUID, counter) order. An op already present is skipped; one that
    /// claims the identity of a different op already present is refused (the logs have
    /// forked). Incoming field changes that overrule an unseen change made here are
    /// recorded as [`Notice`]s.
    pub fn ingest_raw(&mut self, mut ops: Vec<RawOp>) -> Result<IngestReport> {
        ops.sort_by_key(RawOp::key);
        let mut decoded = Vec::with_capacity(ops.len());
        let mut in_batch: HashMap<(ReplicaId, u64), Vec<u8>> = HashMap::with_capacity(ops.len());
        for raw in ops {
            if let Some(sum) = in_batch.get(&(raw.replica, raw.counter)) {
                if *sum != raw.checksum {
                    return Err(fork(&raw));
                }
                continue;
            }
            let op = raw
                .decode()
                .map_err(|e| StoreError::Corrupt(format!("op {}/{} ({}): {e}", raw.replica, raw.counter, raw.kind)))?;
            in_batch.insert((raw.replica, raw.counter), raw.checksum.clone());
            decoded.push((raw, op));
        }
        let path = self.path.clone();
        let err = |e| classify(&path, e);
        let me = self.replica;
        let my_idx = self.replica_idx;
        let now = self.clock.now_ms();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let mut report = IngestReport::default();
        let mut own_max = 0u64;
        {
            let mut applier = apply::Applier::new(&tx, &path, &self.codec);
            let mut newest: HashMap<Uuid, Option<Key>> = HashMap::new();
            let mut refold: Vec<Uuid> = Vec::new();
            let mut refold_set: HashSet<Uuid> = HashSet::new();
            let mut contested: Vec<&Op> = Vec::new();
            for (raw, op) in &decoded {
                let idx = applier.replica_idx(raw.replica)?;
                let present: Option<Vec<u8>> = tx
                    .prepare_cached("SELECT checksum FROM ops WHERE replica = ?1 AND counter = ?2")
                    .and_then(|mut s| s.query_row(params![idx, raw.counter as i64], |r| r.get(0)).optional())
                    .map_err(err)?;
                if let Some(sum) = present {
                    if sum != raw.checksum {
                        return Err(fork(raw));
                    }
                    continue;
                }
                if let std::collections::hash_map::Entry::Vacant(v) = newest.entry(raw.entity) {
                    v.insert(newest_key(&tx, raw.entity).map_err(err)?);
                }
                applier.append_raw(idx, raw)?;
                report.added += 1;
                report.max_hlc = report.max_hlc.max(raw.hlc);
                if raw.replica == me {
                    own_max = own_max.max(raw.counter);
                }
                if matches!(op.payload, Payload::TicketSet(_)) && raw.replica != me {
                    contested.push(op);
                }
                if refold_set.contains(&raw.entity) {
                    continue;
                }
                let key = raw.key();
                let slot = newest.get_mut(&raw.entity).expect("loaded above");
                if slot.is_some_and(|n| n >= key) {
                    refold_set.insert(raw.entity);
                    refold.push(raw.entity);
                } else {
                    applier.apply(op)?;
                    *slot = Some(key);
                }
            }
            for entity in &refold {
                applier.refold(*entity)?;
            }
            report.refolded = refold.len();
            for op in contested {
                if record_superseded(&tx, my_idx, op, now).map_err(err)? {
                    report.notices += 1;
                }
            }
            applier.flush()?;
        }
        // Never hand out an HLC below one we have seen, nor a counter this replica has used
        // (ops of our own replica come back when this store was restored from a backup).
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'hlc' AND CAST(value AS INTEGER) < ?2",
            params![report.max_hlc.0.to_string(), report.max_hlc.0 as i64],
        )
        .map_err(err)?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'counter' AND CAST(value AS INTEGER) < ?2",
            params![own_max.to_string(), own_max as i64],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        if report.added > 0 {
            // Compression is an optimisation: the change has landed; a failed training
            // (a busy store) is tried again after the next write.
            let _ = self.maybe_train();
        }
        Ok(report)
    }

    /// The highest counter held for each replica.
    pub fn replica_heads(&self) -> Result<Vec<(ReplicaId, u64)>> {
        let replicas: Vec<(i64, Uuid)> = self
            .conn
            .prepare("SELECT idx, id FROM replicas ORDER BY id")
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .map_err(|e| self.classify(e))?;
        let mut out = Vec::with_capacity(replicas.len());
        for (idx, id) in replicas {
            let max: Option<i64> = self
                .conn
                .prepare_cached("SELECT MAX(counter) FROM ops WHERE replica = ?1")
                .and_then(|mut s| s.query_row([idx], |r| r.get(0)))
                .map_err(|e| self.classify(e))?;
            if let Some(m) = max {
                out.push((ReplicaId(id), m as u64));
            }
        }
        Ok(out)
    }

    /// Up to `limit` ops of `replica` with counters above `after`, in counter order, as stored.
    pub fn raw_ops_after(&self, replica: ReplicaId, after: u64, limit: usize) -> Result<Vec<RawOp>> {
        let sql = format!(
            "SELECT {} FROM ops o JOIN replicas r ON r.idx = o.replica
             WHERE r.id = ?1 AND o.counter > ?2 ORDER BY o.counter LIMIT ?3",
            super::oplog::COLUMNS
        );
        let mut st = self.conn.prepare_cached(&sql).map_err(|e| self.classify(e))?;
        let codec = &self.codec;
        let rows = st
            .query_map(params![replica.0, after as i64, limit as i64], |r| {
                super::oplog::read(r, Some(replica), Some(codec))
            })
            .map_err(|e| self.classify(e))?;
        rows.collect::<rusqlite::Result<_>>().map_err(|e| self.classify(e))
    }

    /// The checksum of the op held at each (replica, counter), `None` where there is none.
    pub fn checksums_at(&self, at: &[(ReplicaId, u64)]) -> Result<Vec<Option<Vec<u8>>>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT o.checksum FROM ops o JOIN replicas r ON r.idx = o.replica WHERE r.id = ?1 AND o.counter = ?2",
            )
            .map_err(|e| self.classify(e))?;
        at.iter()
            .map(|(r, n)| st.query_row(params![r.0, *n as i64], |row| row.get(0)).optional())
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.classify(e))
    }

    /// The highest final ticket number this store knows of: on its tickets, and in the
    /// `ticket.number` ops of `numbering` replicas (a second number a ticket was given
    /// counts too, though the fold keeps the first).
    pub fn highest_final_number(&self, numbering: &[ReplicaId]) -> Result<u64> {
        let base = TicketNumber::PROVISIONAL_BASE as i64;
        let mut best: i64 = self
            .conn
            .query_row("SELECT COALESCE(MAX(number), 0) FROM tickets WHERE number < ?1", [base], |r| r.get(0))
            .map_err(|e| self.classify(e))?;
        for replica in numbering {
            let n: Option<i64> = self
                .conn
                .query_row(
                    "SELECT MAX(CAST(json_extract(op_payload(o.payload), '$.number') AS INTEGER)) FROM ops o
                     JOIN replicas r ON r.idx = o.replica WHERE r.id = ?1 AND o.kind = 'ticket.number'",
                    [replica.0],
                    |r| r.get(0),
                )
                .map_err(|e| self.classify(e))?;
            best = best.max(n.filter(|n| *n < base).unwrap_or(0));
        }
        Ok(best.max(0) as u64)
    }

    /// Every ticket with a final number, and the number.
    pub fn final_numbers(&self) -> Result<Vec<(Uuid, u64)>> {
        let mut st =
            self.conn.prepare("SELECT id, number FROM tickets WHERE number < ?1").map_err(|e| self.classify(e))?;
        let rows = st
            .query_map([TicketNumber::PROVISIONAL_BASE as i64], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(|e| self.classify(e))?;
        rows.collect::<rusqlite::Result<_>>().map_err(|e| self.classify(e))
    }

    /// How busy numbering was: the `ticket.number` ops of `numbering` replicas dated
    /// within `window_ms` before the newest of them, and the newest one's time (ms).
    pub fn numbering_activity(&self, numbering: &[ReplicaId], window_ms: i64) -> Result<(u64, Option<i64>)> {
        let mut newest: Option<i64> = None;
        for replica in numbering {
            let h: Option<i64> = self
                .conn
                .query_row(
                    "SELECT MAX(o.hlc) FROM ops o JOIN replicas r ON r.idx = o.replica WHERE r.id = ?1",
                    [replica.0],
                    |r| r.get(0),
                )
                .map_err(|e| self.classify(e))?;
            if let Some(h) = h {
                let ms = Hlc(h as u64).millis();
                newest = Some(newest.map_or(ms, |n| n.max(ms)));
            }
        }
        let Some(newest) = newest else { return Ok((0, None)) };
        let from = Hlc::from_parts(newest - window_ms, 0).0 as i64;
        let mut count = 0u64;
        for replica in numbering {
            let n: i64 = self
                .conn
                .query_row(
                    "SELECT count(*) FROM ops o JOIN replicas r ON r.idx = o.replica
                     WHERE r.id = ?1 AND o.kind = 'ticket.number' AND o.hlc >= ?2",
                    params![replica.0, from],
                    |r| r.get(0),
                )
                .map_err(|e| self.classify(e))?;
            count += n as u64;
        }
        Ok((count, Some(newest)))
    }

    /// `tix sync rejoin`'s local part, in one transaction: this store continues under a
    /// new replica. Its own ops from counter `own_from` on, and the ops of each
    /// `(replica it wrote as before, from, until)` in `former`, are carried over as ops
    /// of the new replica (counters from 1, content, time and author unchanged); the ops
    /// of each replica in `drop`, and of each former replica, from that counter on are
    /// removed (the shared store's version comes in at the next pull). Every entity they
    /// touched is folded again; tickets whose final number changed are listed with the
    /// number they had.
    pub fn rejoin_rewrite(
        &mut self,
        own_from: u64,
        former: &[(ReplicaId, u64, u64)],
        drop: &[(ReplicaId, u64)],
    ) -> Result<Rewrite> {
        let path = self.path.clone();
        let err = |e| classify(&path, e);
        let old = self.replica;
        let old_idx = self.replica_idx;
        let new = ReplicaId(Uuid::new_v4());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        tx.execute("INSERT INTO replicas(id) VALUES (?1)", [new.0]).map_err(err)?;
        let new_idx = tx.last_insert_rowid();
        let mut touched: Vec<Uuid> = Vec::new();
        let mut seen: HashSet<Uuid> = HashSet::new();
        let mut touch = |e: Uuid, touched: &mut Vec<Uuid>| {
            if seen.insert(e) {
                touched.push(e);
            }
        };
        // Carry this store's own changes over to the new replica: those under the replicas
        // it wrote as before first (oldest first), then the current one's.
        let idx_of = |r: ReplicaId| -> rusqlite::Result<Option<i64>> {
            tx.query_row("SELECT idx FROM replicas WHERE id = ?1", [r.0], |row| row.get(0)).optional()
        };
        let mut ranges: Vec<(i64, u64, u64)> = Vec::new();
        for (r, from, until) in former {
            if let Some(idx) = idx_of(*r).map_err(err)? {
                ranges.push((idx, *from, *until));
            }
        }
        ranges.push((old_idx, own_from, u64::MAX));
        let mut own: Vec<RawOp> = Vec::new();
        let sql = format!(
            "SELECT {} FROM ops o WHERE o.replica = ?1 AND o.counter >= ?2 AND o.counter < ?3 ORDER BY o.counter",
            super::oplog::COLUMNS
        );
        let codec = &self.codec;
        for (idx, from, until) in &ranges {
            let rows: Vec<RawOp> = tx
                .prepare(&sql)
                .and_then(|mut s| {
                    s.query_map(params![idx, *from as i64, (*until).min(i64::MAX as u64) as i64], |r| {
                        super::oplog::read(r, Some(old), Some(codec))
                    })?
                    .collect()
                })
                .map_err(err)?;
            own.extend(rows);
        }
        let mut dropped = 0;
        let mut removed: i64 = 0;
        for (idx, from, _) in &ranges {
            // Beyond what was ours: the other copy's ops, pulled back from the shared store.
            let entities: Vec<Uuid> = tx
                .prepare("SELECT entity FROM ops WHERE replica = ?1 AND counter >= ?2")
                .and_then(|mut s| s.query_map(params![idx, *from as i64], |r| r.get(0))?.collect())
                .map_err(err)?;
            for e in entities {
                touch(e, &mut touched);
            }
            removed += tx
                .execute("DELETE FROM ops WHERE replica = ?1 AND counter >= ?2", params![idx, *from as i64])
                .map_err(err)? as i64;
        }
        let carried_n = own.len();
        for (i, op) in own.into_iter().enumerate() {
            let counter = i as u64 + 1;
            let sum = checksum(new, counter, op.hlc, &op.actor, op.entity, &op.kind, &op.payload);
            let carried = RawOp { replica: new, counter, checksum: sum.to_vec(), ..op };
            removed -= super::oplog::insert(&tx, Some(codec), new_idx, &carried).map_err(err)? as i64;
            touch(carried.entity, &mut touched);
        }
        // Drop other replicas' ops where the shared store holds another version.
        for (replica, from) in drop {
            let Some(idx) = tx
                .query_row("SELECT idx FROM replicas WHERE id = ?1", [replica.0], |r| r.get::<_, i64>(0))
                .optional()
                .map_err(err)?
            else {
                continue;
            };
            let entities: Vec<Uuid> = tx
                .prepare("SELECT entity FROM ops WHERE replica = ?1 AND counter >= ?2")
                .and_then(|mut s| s.query_map(params![idx, *from as i64], |r| r.get(0))?.collect())
                .map_err(err)?;
            dropped += entities.len();
            for e in entities {
                touch(e, &mut touched);
            }
            removed += tx
                .execute("DELETE FROM ops WHERE replica = ?1 AND counter >= ?2", params![idx, *from as i64])
                .map_err(err)? as i64;
        }
        let number_of = |c: &Connection, e: Uuid| -> rusqlite::Result<Option<i64>> {
            c.query_row("SELECT number FROM tickets WHERE id = ?1", [e], |r| r.get(0)).optional()
        };
        let before: Vec<Option<i64>> =
            touched.iter().map(|e| number_of(&tx, *e)).collect::<rusqlite::Result<_>>().map_err(err)?;
        {
            let mut applier = apply::Applier::new(&tx, &path, &self.codec);
            for e in &touched {
                applier.refold(*e)?;
            }
            applier.flush()?;
        }
        super::oplog::count(&tx, -removed).map_err(err)?;
        let mut renumbered = Vec::new();
        for (e, was) in touched.iter().zip(before) {
            let now = number_of(&tx, *e).map_err(err)?;
            if let Some(was) = was.filter(|w| (*w as u64) < TicketNumber::PROVISIONAL_BASE)
                && now != Some(was)
            {
                renumbered.push((TicketId(*e), TicketNumber(was as u64)));
            }
        }
        tx.execute("UPDATE meta SET value = ?1 WHERE key = 'replica'", [new_idx.to_string()]).map_err(err)?;
        tx.execute("UPDATE meta SET value = ?1 WHERE key = 'counter'", [carried_n.to_string()]).map_err(err)?;
        tx.commit().map_err(err)?;
        self.replica = new;
        self.replica_idx = new_idx;
        Ok(Rewrite { old, new, carried: carried_n, dropped, renumbered })
    }

    /// This replica's own counter (ops it has written).
    pub fn own_counter(&self) -> Result<u64> {
        Ok(self.meta_i64("counter")? as u64)
    }

    /// A sync setting or state value.
    pub fn sync_value(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT value FROM sync_state WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
            .map_err(|e| self.classify(e))
    }

    /// Set (or, with `None`, remove) sync values, all in one transaction.
    pub fn set_sync_values(&mut self, values: &[(&str, Option<String>)]) -> Result<()> {
        let path = self.path.clone();
        let err = |e| classify(&path, e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        for (k, v) in values {
            match v {
                Some(v) => tx
                    .execute("INSERT OR REPLACE INTO sync_state(key, value) VALUES (?1, ?2)", params![k, v])
                    .map_err(err)?,
                None => tx.execute("DELETE FROM sync_state WHERE key = ?1", [k]).map_err(err)?,
            };
        }
        tx.commit().map_err(err)
    }

    /// Append `item` to the space-separated list kept under sync value `key`, keeping the
    /// newest `keep`, in one transaction (two processes syncing one store keep both).
    pub fn push_sync_list(&mut self, key: &str, item: &str, keep: usize) -> Result<()> {
        let path = self.path.clone();
        let err = |e| classify(&path, e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let list: Option<String> =
            tx.query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| r.get(0)).optional().map_err(err)?;
        let mut items: Vec<&str> = list.as_deref().unwrap_or_default().split_whitespace().collect();
        items.push(item);
        let from = items.len().saturating_sub(keep);
        tx.execute(
            "INSERT OR REPLACE INTO sync_state(key, value) VALUES (?1, ?2)",
            params![key, items[from..].join(" ")],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Record that this store is part of the store `store_id`: it joins the shared store
    /// at `path` (remembered) and from now on gives new tickets provisional numbers.
    pub fn set_joined(&mut self, store_id: &str, path: &str) -> Result<()> {
        let path_db = self.path.clone();
        let err = |e| classify(&path_db, e);
        let now = self.clock.now_ms();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        tx.execute("UPDATE meta SET value = ?1 WHERE key = 'store_id'", [store_id]).map_err(err)?;
        tx.execute("INSERT OR IGNORE INTO sync_known(store_id, seen_at) VALUES (?1, ?2)", params![store_id, now])
            .map_err(err)?;
        for (k, v) in [("path", path), ("store_id", store_id)] {
            tx.execute("INSERT OR REPLACE INTO sync_state(key, value) VALUES (?1, ?2)", params![k, v]).map_err(err)?;
        }
        tx.execute("INSERT OR IGNORE INTO sync_state(key, value) VALUES ('provisional', '0')", []).map_err(err)?;
        // Provisional numbers (`#~k`) are given from here on: where to look for them.
        tx.execute(
            "INSERT OR IGNORE INTO sync_state(key, value) SELECT 'joined_counter', value FROM meta WHERE key = 'counter'",
            [],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Has this store been, or joined, the store `store_id`?
    pub fn knows_store(&self, store_id: &str) -> Result<bool> {
        if self.store_id()? == store_id {
            return Ok(true);
        }
        self.conn
            .query_row("SELECT EXISTS(SELECT 1 FROM sync_known WHERE store_id = ?1)", [store_id], |r| r.get(0))
            .map_err(|e| self.classify(e))
    }

    /// Tickets created by this replica with a final number (a store that issued its own).
    pub fn own_numbered_tickets(&self) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM ops o JOIN tickets t ON t.id = o.entity
                 WHERE o.replica = ?1 AND o.kind = 'ticket.new' AND t.number < ?2",
                params![self.replica_idx, TicketNumber::PROVISIONAL_BASE as i64],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.classify(e))
    }

    /// Tickets still waiting for a final number.
    pub fn provisional_tickets(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM tickets WHERE number > ?1", [TicketNumber::PROVISIONAL_BASE as i64], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(|e| self.classify(e))
    }

    /// Notices of superseded local changes, oldest first (acknowledged ones too if asked).
    pub fn notices(&self, include_acked: bool) -> Result<Vec<Notice>> {
        self.notices_where(if include_acked { "1" } else { "acked = 0" })
    }

    /// Notices not shown yet; marks them shown (`tix sync` prints each once).
    pub fn take_new_notices(&mut self) -> Result<Vec<Notice>> {
        let out = self.notices_where("shown = 0 AND acked = 0")?;
        self.conn.execute("UPDATE sync_notices SET shown = 1 WHERE shown = 0", []).map_err(|e| self.classify(e))?;
        Ok(out)
    }

    /// Acknowledge notices (all of them with `None`). Returns how many changed.
    pub fn ack_notices(&mut self, ids: Option<&[i64]>) -> Result<usize> {
        let c = &self.conn;
        let n = match ids {
            None => c.execute("UPDATE sync_notices SET acked = 1, shown = 1 WHERE acked = 0", []),
            Some(ids) => ids.iter().try_fold(0, |n, id| {
                c.execute("UPDATE sync_notices SET acked = 1, shown = 1 WHERE id = ?1 AND acked = 0", [id])
                    .map(|k| n + k)
            }),
        };
        n.map_err(|e| self.classify(e))
    }

    fn notices_where(&self, cond: &str) -> Result<Vec<Notice>> {
        let sql = format!(
            "SELECT n.id, n.ticket, t.number, n.field, n.mine_actor, n.mine_to, n.winner_actor, n.winner_to, n.at, n.acked
             FROM sync_notices n LEFT JOIN tickets t ON t.id = n.ticket WHERE {cond} ORDER BY n.id"
        );
        type Row = (i64, Uuid, Option<i64>, String, String, Option<String>, String, Option<String>, i64, bool);
        let rows: Vec<Row> = self
            .conn
            .prepare(&sql)
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ))
                })?
                .collect()
            })
            .map_err(|e| self.classify(e))?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, ticket, number, field, mine_actor, mine_to, by, theirs, at, acked) in rows {
            let number = number.map(|n| TicketNumber(n as u64));
            let show = |v: Option<String>| -> Result<String> {
                Ok(match v {
                    None => "(none)".into(),
                    Some(s) => match (field.as_str(), Uuid::parse_str(&s)) {
                        ("assignee" | "requester", Ok(u)) => self.person_name(PersonId(u))?,
                        _ => s,
                    },
                })
            };
            let (mine, theirs) = (show(mine_to)?, show(theirs)?);
            let on = number.map(|n| n.to_string()).unwrap_or_else(|| format!("ticket {ticket}"));
            let message = format!(
                "your change to {field} on {on} was superseded by {by} at {} (you set {mine}; it is now {theirs})",
                time::local(at)
            );
            out.push(Notice {
                id,
                ticket: TicketId(ticket),
                number,
                field,
                mine_actor,
                mine,
                by,
                at: time::rfc3339(at),
                theirs,
                acked,
                message,
            });
        }
        Ok(out)
    }
}

fn fork(raw: &RawOp) -> StoreError {
    StoreError::Corrupt(format!(
        "two different ops claim replica {} counter {}: the op logs have forked (a store file copied and used twice, or a shared file restored from a backup)",
        raw.replica, raw.counter
    ))
}

/// The greatest (HLC, replica, counter) among an entity's ops in the log.
fn newest_key(c: &Connection, entity: Uuid) -> rusqlite::Result<Option<Key>> {
    let mut st = c.prepare_cached(
        "SELECT o.hlc, r.id, o.counter FROM ops o JOIN replicas r ON r.idx = o.replica
         WHERE o.entity = ?1 AND o.hlc = (SELECT MAX(hlc) FROM ops WHERE entity = ?1)",
    )?;
    let rows = st.query_map([entity], |r| {
        Ok((Hlc(r.get::<_, i64>(0)? as u64), ReplicaId(r.get(1)?), r.get::<_, i64>(2)? as u64))
    })?;
    let mut best: Option<Key> = None;
    for k in rows {
        let k = k?;
        best = Some(best.map_or(k, |b| b.max(k)));
    }
    Ok(best)
}

/// If the incoming field change `op` directly overrules a change made by this replica
/// (the latest earlier change of that field is ours) that its author had not seen
/// (their `from` is not our `to`) and sets another value, record a notice.
fn record_superseded(c: &Connection, my_idx: i64, op: &Op, now: i64) -> rusqlite::Result<bool> {
    let Payload::TicketSet(theirs) = &op.payload else { return Ok(false) };
    let ours_exist: bool = c
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM ops WHERE entity = ?1 AND replica = ?2 AND kind = 'ticket.set')")?
        .query_row(params![op.entity, my_idx], |r| r.get(0))?;
    if !ours_exist {
        return Ok(false);
    }
    let mut st = c.prepare_cached(
        "SELECT o.hlc, r.id, o.counter, o.replica, o.actor, op_payload(o.payload) FROM ops o
         JOIN replicas r ON r.idx = o.replica WHERE o.entity = ?1 AND o.kind = 'ticket.set' AND o.hlc <= ?2",
    )?;
    let key = (op.hlc, op.replica, op.counter);
    let mut pred: Option<(Key, i64, String, FieldSet<TicketField>)> = None;
    let mut rows = st.query(params![op.entity, op.hlc.0 as i64])?;
    while let Some(r) = rows.next()? {
        let k: Key = (Hlc(r.get::<_, i64>(0)? as u64), ReplicaId(r.get(1)?), r.get::<_, i64>(2)? as u64);
        if k >= key {
            continue;
        }
        let Ok(set) = serde_json::from_str::<FieldSet<TicketField>>(&r.get::<_, String>(5)?) else { continue };
        if set.field != theirs.field || pred.as_ref().is_some_and(|(p, ..)| *p > k) {
            continue;
        }
        pred = Some((k, r.get(3)?, r.get(4)?, set));
    }
    let Some((_, idx, mine_actor, mine)) = pred else { return Ok(false) };
    if idx != my_idx || theirs.from == mine.to || theirs.to == mine.to {
        return Ok(false);
    }
    let n = c
        .prepare_cached(
            "INSERT OR IGNORE INTO sync_notices(ticket, field, mine_actor, mine_to, winner, winner_counter, winner_actor,
                winner_to, at, noticed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            op.entity,
            theirs.field.as_str(),
            mine_actor,
            mine.to,
            op.replica.0,
            op.counter as i64,
            op.actor,
            theirs.to,
            op.hlc.millis(),
            now
        ])?;
    Ok(n == 1)
}
