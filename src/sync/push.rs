//! One push into the shared file: a batch of ops appended and final numbers issued in
//! one short write transaction, and the small records kept beside them.

use super::identity::{Divergence, NumberClash};
use super::journal::{Journal, journal_unreadable};
use super::numbering;
use super::{PushContext, SyncError};
use crate::domain::ids::{ReplicaId, TicketNumber};
use crate::domain::op::{Hlc, Op, Payload, RawOp};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// What one push did.
#[derive(Debug, Clone, Default)]
pub struct PushOutcome {
    /// Ops that were new in the shared store.
    pub added: usize,
    /// Final numbers issued to provisional tickets.
    pub numbered: usize,
    /// A new numbering epoch began (the shared store found it had lost numbers it issued).
    pub new_epoch: Option<u64>,
    /// The longest time one write transaction held the lock.
    pub max_lock: Duration,
}

/// What the shared store records about a final number and a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NumberOwner {
    /// The ticket holding the number, if any.
    pub holder: Option<Uuid>,
    /// The number the ticket holds, if any.
    pub number: Option<u64>,
}

/// Put journal entries into the `recorded` table, except where this file's own numbers
/// say otherwise (only after a whole share went back in time: what the file holds was
/// issued and pulled, and wins).
pub(super) fn record(c: &Connection, entries: &[(Uuid, u64)]) -> rusqlite::Result<()> {
    let mut st = c.prepare_cached(
        "INSERT OR REPLACE INTO recorded(ticket, number) SELECT ?1, ?2
         WHERE NOT EXISTS (SELECT 1 FROM numbers WHERE (ticket = ?1) != (number = ?2) AND (ticket = ?1 OR number = ?2))",
    )?;
    for (t, n) in entries {
        st.execute(params![t, *n as i64])?;
    }
    Ok(())
}

pub(super) fn instance_key(replica: ReplicaId) -> String {
    format!("instance:{replica}")
}

/// The current epoch's numbering activity: numbers it issued in the rate window before
/// its newest, and when that was.
pub(super) fn own_activity(c: &Connection, now_ms: i64) -> rusqlite::Result<(u64, Option<i64>)> {
    let own = meta(c, "replica")?;
    let idx: Option<i64> = c
        .query_row("SELECT idx FROM replicas WHERE uuid = ?1", [Uuid::parse_str(&own).unwrap_or_default()], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(idx) = idx else { return Ok((0, None)) };
    let newest: Option<i64> = c.query_row("SELECT MAX(hlc) FROM ops WHERE replica = ?1", [idx], |r| r.get(0))?;
    let Some(newest) = newest.map(|h| Hlc(h as u64).millis()) else { return Ok((0, None)) };
    let from = Hlc::from_parts(newest.min(now_ms) - numbering::RATE_WINDOW_MS, 0).0 as i64;
    let n: i64 =
        c.query_row("SELECT count(*) FROM ops WHERE replica = ?1 AND hlc >= ?2", params![idx, from], |r| r.get(0))?;
    Ok((n as u64, Some(newest)))
}

/// Start a new numbering epoch: a new numbering replica, numbers from `base`.
pub(super) fn rotate(c: &Connection, base: u64) -> rusqlite::Result<()> {
    let own = Uuid::new_v4();
    c.execute("INSERT INTO replicas(uuid) VALUES (?1)", [own])?;
    set_meta(c, "replica", &own.to_string())?;
    set_meta(c, "counter", "0")?;
    set_meta(c, "next_number", &base.to_string())?;
    let epoch: u64 = meta(c, "epoch").ok().and_then(|e| e.parse().ok()).unwrap_or(1);
    set_meta(c, "epoch", &(epoch + 1).to_string())
}

/// What one write transaction did.
pub(super) struct Batch {
    pub(super) added: usize,
    pub(super) numbered: usize,
    pub(super) new_epoch: Option<u64>,
}

/// One write transaction: append the ops (refusing gaps, forks and numbers claimed
/// twice), record the final numbers they carry, start a new numbering epoch if this
/// store finds it lost numbers it issued, and issue final numbers to provisional tickets.
pub(super) fn push_batch(
    c: &Connection,
    ops: &[(RawOp, Op)],
    ctx: &PushContext,
    side: &Journal,
) -> rusqlite::Result<Result<Batch, SyncError>> {
    let mut idx_of: HashMap<ReplicaId, (i64, u64)> = HashMap::new();
    let mut added = 0;
    let mut hlc = Hlc(meta(c, "hlc")?.parse().unwrap_or(0));
    let start_next: u64 = meta(c, "next_number")?.parse().unwrap_or(1);
    let mut next = start_next;
    let issued = match side.highest() {
        Ok(h) => h,
        Err(e) => return Ok(Err(journal_unreadable(side.path, e))),
    };
    // The journal says numbers were issued that this file does not know: it went back in
    // time (and [`SharedFile::absorb_journal`] lost a race). Whatever it lost is re-issued
    // to the same tickets, never to others.
    let lost = issued.is_some_and(|h| h >= start_next);
    if lost {
        record(c, &side.entries().ok().flatten().unwrap_or_default())?;
    }
    let own_id = ReplicaId(Uuid::parse_str(&meta(c, "replica")?).unwrap_or_default());
    let mut own_came_back = false;
    let mut waiting: Vec<(uuid::Uuid, Hlc)> = Vec::new();
    for (raw, op) in ops {
        let (idx, head) = match idx_of.get(&raw.replica) {
            Some(v) => *v,
            None => {
                let idx: i64 = match c
                    .prepare_cached("SELECT idx FROM replicas WHERE uuid = ?1")?
                    .query_row([raw.replica.0], |r| r.get(0))
                    .optional()?
                {
                    Some(i) => i,
                    None => {
                        c.prepare_cached("INSERT INTO replicas(uuid) VALUES (?1)")?.execute([raw.replica.0])?;
                        c.last_insert_rowid()
                    }
                };
                let head: Option<i64> = c
                    .prepare_cached("SELECT MAX(counter) FROM ops WHERE replica = ?1")?
                    .query_row([idx], |r| r.get(0))?;
                (idx, head.unwrap_or(0) as u64)
            }
        };
        if raw.counter <= head {
            let sum: Option<Vec<u8>> = c
                .prepare_cached("SELECT checksum FROM ops WHERE replica = ?1 AND counter = ?2")?
                .query_row(params![idx, raw.counter as i64], |r| r.get(0))
                .optional()?;
            if sum.as_ref().is_some_and(|s| *s != raw.checksum) {
                return Ok(Err(Divergence::identity(raw.replica, raw.counter).into()));
            }
            idx_of.insert(raw.replica, (idx, head));
            continue;
        }
        if raw.counter != head + 1 {
            return Ok(Err(SyncError::Fatal(format!(
                "counter gap: the shared store holds ops of replica {} up to {head}, the next to push is {}",
                raw.replica, raw.counter
            ))));
        }
        crate::store::oplog::insert(c, None, idx, raw)?;
        idx_of.insert(raw.replica, (idx, raw.counter));
        added += 1;
        hlc = hlc.max(raw.hlc);
        own_came_back |= raw.replica == own_id;
        let final_number = match &op.payload {
            Payload::TicketNew(t) => match t.number {
                Some(n) if !n.is_provisional() => Some(n),
                _ => {
                    waiting.push((raw.entity, raw.hlc));
                    None
                }
            },
            Payload::TicketNumber(n) => Some(n.number),
            _ => None,
        };
        if let Some(n) = final_number {
            if let Some(clash) = claim(c, raw.entity, n)? {
                return Ok(Err(Divergence::number(raw.replica, raw.counter, clash).into()));
            }
            next = next.max(n.0 + 1);
        }
    }
    // Ops of our own numbering replica came back from a store, or the record beside the
    // file knows numbers it does not: this file went back in time (restored from a
    // backup). Its numbering replica may have issued more elsewhere: never use it again.
    let mut new_epoch = None;
    let mut new_epoch_line = None;
    if lost || own_came_back {
        let base = match issued {
            Some(h) if lost => next.max(h + 1),
            _ => {
                let (n, newest) = own_activity(c, ctx.now_ms)?;
                numbering::base_with_headroom(
                    (next - 1).max(issued.unwrap_or(0)),
                    numbering::headroom(n, newest, ctx.now_ms),
                )
            }
        };
        rotate(c, base)?;
        next = base;
        new_epoch = Some(base);
    } else if issued.is_none() && !waiting.is_empty() {
        // No journal yet (a file of an older tix, or it was lost): start one here.
        new_epoch_line = Some(start_next);
    }
    // Issue final numbers to the provisional tickets that still need one: the number the
    // journal lists for it, else the next.
    let mut numbered = 0;
    let mut fresh: Vec<(Uuid, u64)> = Vec::new();
    if !waiting.is_empty() {
        let own = ReplicaId(Uuid::parse_str(&meta(c, "replica")?).unwrap_or_default());
        let own_idx: i64 = c.query_row("SELECT idx FROM replicas WHERE uuid = ?1", [own.0], |r| r.get(0))?;
        let held: Option<i64> =
            c.prepare_cached("SELECT MAX(counter) FROM ops WHERE replica = ?1")?.query_row([own_idx], |r| r.get(0))?;
        let mut counter: u64 = meta(c, "counter")?.parse::<u64>().unwrap_or(0).max(held.unwrap_or(0) as u64);
        for (ticket, created) in waiting {
            let has: bool = c
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM numbers WHERE ticket = ?1)")?
                .query_row([ticket], |r| r.get(0))?;
            if has {
                continue;
            }
            // (Only while nobody holds it: the file's own numbers win over the journal.)
            let recorded: Option<i64> = c
                .prepare_cached(
                    "SELECT r.number FROM recorded r WHERE r.ticket = ?1
                       AND NOT EXISTS (SELECT 1 FROM numbers n WHERE n.number = r.number)",
                )?
                .query_row([ticket], |r| r.get(0))
                .optional()?;
            let number = match recorded {
                Some(n) => TicketNumber(n as u64),
                None => {
                    next += 1;
                    fresh.push((ticket, next - 1));
                    TicketNumber(next - 1)
                }
            };
            counter += 1;
            hlc = hlc.max(created).tick(ctx.now_ms);
            let raw = numbering::number_op(own, counter, hlc, ticket, number);
            crate::store::oplog::insert(c, None, own_idx, &raw)?;
            if let Some(clash) = claim(c, ticket, number)? {
                return Ok(Err(Divergence::number(own, counter, clash).into()));
            }
            numbered += 1;
        }
        set_meta(c, "counter", &counter.to_string())?;
    }
    // The journal goes to disk before the numbers are committed.
    if let Err(e) = side.append(new_epoch.or(new_epoch_line), &fresh) {
        return Ok(Err(e));
    }
    if let Some((replica, nonce)) = &ctx.instance
        && idx_of.contains_key(replica)
    {
        c.prepare_cached("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)")?
            .execute([instance_key(*replica), nonce.clone()])?;
    }
    let seq: u64 = meta(c, "seq")?.parse().unwrap_or(0);
    set_meta(c, "seq", &(seq + 1).to_string())?;
    set_meta(c, "next_number", &next.to_string())?;
    set_meta(c, "hlc", &hlc.0.to_string())?;
    Ok(Ok(Batch { added, numbered, new_epoch }))
}

/// Record that `ticket` holds final number `n`, or say why it cannot: the number is
/// another ticket's (here, or in the journal of numbers issued before), or the ticket
/// holds another number.
pub(super) fn claim(c: &Connection, ticket: Uuid, n: TicketNumber) -> rusqlite::Result<Option<NumberClash>> {
    let holder: Option<Uuid> = c
        .prepare_cached("SELECT ticket FROM numbers WHERE number = ?1")?
        .query_row([n.0 as i64], |r| r.get(0))
        .optional()?;
    if holder == Some(ticket) {
        return Ok(None);
    }
    let has: Option<i64> = c
        .prepare_cached("SELECT number FROM numbers WHERE ticket = ?1")?
        .query_row([ticket], |r| r.get(0))
        .optional()?;
    let recorded: Option<Uuid> = c
        .prepare_cached("SELECT ticket FROM recorded WHERE number = ?1")?
        .query_row([n.0 as i64], |r| r.get(0))
        .optional()?;
    let held_by = holder.or(recorded.filter(|t| *t != ticket));
    if held_by.is_some() || has.is_some() {
        return Ok(Some(NumberClash { number: n.0, ticket, held_by, ticket_has: has.map(|m| m as u64) }));
    }
    c.prepare_cached("INSERT INTO numbers(ticket, number) VALUES (?1, ?2)")?.execute(params![ticket, n.0 as i64])?;
    Ok(None)
}

pub(super) fn meta(c: &Connection, key: &str) -> rusqlite::Result<String> {
    c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([key], |r| r.get(0))
}

pub(super) fn set_meta(c: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE meta SET value = ?2 WHERE key = ?1")?.execute([key, value]).map(drop)
}
