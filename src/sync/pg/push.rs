//! One push into the desk: a batch of ops appended with one multi-row INSERT and final
//! ticket numbers issued, in one short transaction under the desk's writer lock (the
//! `seq` row of `meta`). The connection cut anywhere before COMMIT leaves nothing of
//! the batch; pushing it again is harmless (ops already held are compared, not added).

use std::collections::{HashMap, HashSet};

use postgres::Transaction;
use uuid::Uuid;

use crate::domain::ids::{ReplicaId, TicketNumber};
use crate::domain::op::{Hlc, Op, Payload, RawOp};
use crate::sync::identity::{Divergence, NumberClash};
use crate::sync::{PushContext, SyncError, numbering};

/// What one push transaction did.
pub struct Batch {
    pub added: usize,
    pub numbered: usize,
    pub new_epoch: Option<u64>,
}

/// The desk's `meta` row `key`.
pub fn meta(tx: &mut Transaction, s: &str, key: &str) -> Result<String, postgres::Error> {
    tx.query_one(&format!("SELECT value FROM {s}.meta WHERE key = $1"), &[&key]).map(|r| r.get(0))
}

pub fn set_meta(tx: &mut Transaction, s: &str, key: &str, value: &str) -> Result<(), postgres::Error> {
    tx.execute(
        &format!("INSERT INTO {s}.meta(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2"),
        &[&key, &value],
    )
    .map(drop)
}

/// Take the desk's writer lock (held to COMMIT); returns the generation's `seq`.
pub fn lock(tx: &mut Transaction, s: &str) -> Result<u64, postgres::Error> {
    let seq: String = tx.query_one(&format!("SELECT value FROM {s}.meta WHERE key = 'seq' FOR UPDATE"), &[])?.get(0);
    Ok(seq.parse().unwrap_or(0))
}

/// Insert ops with one statement (arrays unnested server-side).
pub fn insert_ops(tx: &mut Transaction, s: &str, ops: &[&RawOp]) -> Result<(), postgres::Error> {
    if ops.is_empty() {
        return Ok(());
    }
    let replica: Vec<Uuid> = ops.iter().map(|o| o.replica.0).collect();
    let counter: Vec<i64> = ops.iter().map(|o| o.counter as i64).collect();
    let hlc: Vec<i64> = ops.iter().map(|o| o.hlc.0 as i64).collect();
    let actor: Vec<&str> = ops.iter().map(|o| o.actor.as_str()).collect();
    let entity: Vec<Uuid> = ops.iter().map(|o| o.entity).collect();
    let kind: Vec<&str> = ops.iter().map(|o| o.kind.as_str()).collect();
    let payload: Vec<&str> = ops.iter().map(|o| o.payload.as_str()).collect();
    let checksum: Vec<&[u8]> = ops.iter().map(|o| o.checksum.as_slice()).collect();
    tx.execute(
        &format!(
            "INSERT INTO {s}.ops(replica, counter, hlc, actor, entity, kind, payload, checksum)
             SELECT * FROM unnest($1::uuid[], $2::int8[], $3::int8[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::bytea[])"
        ),
        &[&replica, &counter, &hlc, &actor, &entity, &kind, &payload, &checksum],
    )?;
    Ok(())
}

/// Start a new numbering epoch: a new numbering replica, numbers from `base`.
pub fn rotate(tx: &mut Transaction, s: &str, base: u64) -> Result<(), postgres::Error> {
    set_meta(tx, s, "replica", &Uuid::new_v4().to_string())?;
    set_meta(tx, s, "counter", "0")?;
    set_meta(tx, s, "next_number", &base.to_string())?;
    let epoch: u64 = meta(tx, s, "epoch")?.parse().unwrap_or(1);
    set_meta(tx, s, "epoch", &(epoch + 1).to_string())
}

/// The current epoch's numbering activity: numbers issued in the rate window before its
/// newest, and when that was.
pub fn own_activity(tx: &mut Transaction, s: &str, now_ms: i64) -> Result<(u64, Option<i64>), postgres::Error> {
    let own = Uuid::parse_str(&meta(tx, s, "replica")?).unwrap_or_default();
    let newest: Option<i64> =
        tx.query_one(&format!("SELECT max(hlc) FROM {s}.ops WHERE replica = $1"), &[&own])?.get(0);
    let Some(newest) = newest.map(|h| Hlc(h as u64).millis()) else { return Ok((0, None)) };
    let from = Hlc::from_parts(newest.min(now_ms) - numbering::RATE_WINDOW_MS, 0).0 as i64;
    let n: i64 =
        tx.query_one(&format!("SELECT count(*) FROM {s}.ops WHERE replica = $1 AND hlc >= $2"), &[&own, &from])?.get(0);
    Ok((n as u64, Some(newest)))
}

/// One push transaction's work (the caller holds the lock and commits on `Ok(Ok(_))`).
pub fn push_batch(
    tx: &mut Transaction,
    s: &str,
    ops: &[(RawOp, Op)],
    ctx: &PushContext,
) -> Result<Result<Batch, SyncError>, postgres::Error> {
    // Heads of the replicas in the batch.
    let replicas: Vec<Uuid> =
        ops.iter().map(|(r, _)| r.replica.0).collect::<HashSet<_>>().into_iter().collect::<Vec<_>>();
    let mut heads: HashMap<Uuid, u64> = tx
        .query(&format!("SELECT replica, head FROM {s}.heads WHERE replica = ANY($1)"), &[&replicas])?
        .iter()
        .map(|r| (r.get::<_, Uuid>(0), r.get::<_, i64>(1) as u64))
        .collect();
    // Ops held already: the same op, or a divergence.
    let held: Vec<&RawOp> =
        ops.iter().map(|(r, _)| r).filter(|r| r.counter <= heads.get(&r.replica.0).copied().unwrap_or(0)).collect();
    if !held.is_empty() {
        let rs: Vec<Uuid> = held.iter().map(|r| r.replica.0).collect();
        let cs: Vec<i64> = held.iter().map(|r| r.counter as i64).collect();
        let rows = tx.query(
            &format!(
                "SELECT t.r, t.c, o.checksum FROM unnest($1::uuid[], $2::int8[]) AS t(r, c)
                 LEFT JOIN {s}.ops o ON o.replica = t.r AND o.counter = t.c"
            ),
            &[&rs, &cs],
        )?;
        let sums: HashMap<(Uuid, i64), Option<Vec<u8>>> =
            rows.iter().map(|r| ((r.get(0), r.get(1)), r.get(2))).collect();
        for h in &held {
            if let Some(Some(sum)) = sums.get(&(h.replica.0, h.counter as i64))
                && *sum != h.checksum
            {
                return Ok(Err(Divergence::identity(h.replica, h.counter).into()));
            }
        }
    }
    // New ops continue each replica's counters.
    let mut new: Vec<&(RawOp, Op)> = Vec::new();
    for pair in ops {
        let raw = &pair.0;
        let head = heads.get(&raw.replica.0).copied().unwrap_or(0);
        if raw.counter <= head {
            continue;
        }
        if raw.counter != head + 1 {
            return Ok(Err(SyncError::Fatal(format!(
                "counter gap: the desk holds ops of replica {} up to {head}, the next to push is {}",
                raw.replica, raw.counter
            ))));
        }
        heads.insert(raw.replica.0, raw.counter);
        new.push(pair);
    }
    let own = Uuid::parse_str(&meta(tx, s, "replica")?).unwrap_or_default();
    let mut hlc = Hlc(meta(tx, s, "hlc")?.parse().unwrap_or(0));
    let mut next: u64 = meta(tx, s, "next_number")?.parse().unwrap_or(1);
    // Final numbers the new ops carry, and provisional tickets waiting for one.
    let mut claims: Vec<(Uuid, u64, ReplicaId, u64)> = Vec::new();
    let mut waiting: Vec<(Uuid, Hlc)> = Vec::new();
    let mut own_came_back = false;
    for (raw, op) in &new {
        hlc = hlc.max(raw.hlc);
        own_came_back |= raw.replica.0 == own;
        match &op.payload {
            Payload::TicketNew(t) => match t.number {
                Some(n) if !n.is_provisional() => claims.push((raw.entity, n.0, raw.replica, raw.counter)),
                _ => waiting.push((raw.entity, raw.hlc)),
            },
            Payload::TicketNumber(n) => claims.push((raw.entity, n.number.0, raw.replica, raw.counter)),
            _ => {}
        }
    }
    insert_ops(tx, s, &new.iter().map(|(r, _)| r).collect::<Vec<_>>())?;
    // Numbers: a number names one ticket, a ticket holds one number.
    let tickets: Vec<Uuid> = claims.iter().map(|c| c.0).chain(waiting.iter().map(|w| w.0)).collect();
    let numbers: Vec<i64> = claims.iter().map(|c| c.1 as i64).collect();
    let rows = tx.query(
        &format!("SELECT ticket, number FROM {s}.numbers WHERE ticket = ANY($1) OR number = ANY($2)"),
        &[&tickets, &numbers],
    )?;
    let mut by_ticket: HashMap<Uuid, u64> = HashMap::new();
    let mut by_number: HashMap<u64, Uuid> = HashMap::new();
    for r in &rows {
        let (t, n): (Uuid, i64) = (r.get(0), r.get(1));
        by_ticket.insert(t, n as u64);
        by_number.insert(n as u64, t);
    }
    let mut fresh: Vec<(Uuid, u64)> = Vec::new();
    for &(ticket, n, replica, counter) in &claims {
        let holder = by_number.get(&n).copied();
        if holder == Some(ticket) {
            continue;
        }
        let has = by_ticket.get(&ticket).copied();
        if holder.is_some() || has.is_some() {
            let clash = NumberClash { number: n, ticket, held_by: holder, ticket_has: has };
            return Ok(Err(Divergence::number(replica, counter, clash).into()));
        }
        by_ticket.insert(ticket, n);
        by_number.insert(n, ticket);
        fresh.push((ticket, n));
        next = next.max(n + 1);
    }
    // Ops of our own numbering replica came back from a store: the desk went back in
    // time (restored from a backup), and that replica may have issued more elsewhere.
    let mut new_epoch = None;
    if own_came_back {
        let (n, newest) = own_activity(tx, s, ctx.now_ms)?;
        let base = numbering::base_with_headroom(next - 1, numbering::headroom(n, newest, ctx.now_ms));
        rotate(tx, s, base)?;
        next = base;
        new_epoch = Some(base);
    }
    // Issue final numbers to the provisional tickets that still need one.
    let mut numbered = 0;
    if waiting.iter().any(|(t, _)| !by_ticket.contains_key(t)) {
        let own = ReplicaId(Uuid::parse_str(&meta(tx, s, "replica")?).unwrap_or_default());
        let head = heads.get(&own.0).copied().unwrap_or(0);
        let mut counter: u64 = meta(tx, s, "counter")?.parse::<u64>().unwrap_or(0).max(head);
        let mut issued: Vec<RawOp> = Vec::new();
        for (ticket, created) in waiting {
            if by_ticket.contains_key(&ticket) {
                continue;
            }
            let number = TicketNumber(next);
            next += 1;
            counter += 1;
            hlc = hlc.max(created).tick(ctx.now_ms);
            issued.push(numbering::number_op(own, counter, hlc, ticket, number));
            by_ticket.insert(ticket, number.0);
            fresh.push((ticket, number.0));
            numbered += 1;
        }
        insert_ops(tx, s, &issued.iter().collect::<Vec<_>>())?;
        heads.insert(own.0, counter);
        set_meta(tx, s, "counter", &counter.to_string())?;
    }
    if !fresh.is_empty() {
        let (t, n): (Vec<Uuid>, Vec<i64>) = fresh.iter().map(|(t, n)| (*t, *n as i64)).unzip();
        tx.execute(
            &format!("INSERT INTO {s}.numbers(ticket, number) SELECT * FROM unnest($1::uuid[], $2::int8[])"),
            &[&t, &n],
        )?;
    }
    // Heads move with the ops; the pushing store's instance nonce beside its head.
    let nonce = ctx.instance.as_ref().map(|(r, n)| (r.0, n.clone()));
    let (hr, hh): (Vec<Uuid>, Vec<i64>) = heads.iter().map(|(r, h)| (*r, *h as i64)).unzip();
    tx.execute(
        &format!(
            "INSERT INTO {s}.heads(replica, head) SELECT * FROM unnest($1::uuid[], $2::int8[])
             ON CONFLICT (replica) DO UPDATE SET head = EXCLUDED.head WHERE {s}.heads.head < EXCLUDED.head"
        ),
        &[&hr, &hh],
    )?;
    if let Some((r, n)) = nonce
        && heads.contains_key(&r)
        && ops.iter().any(|(o, _)| o.replica.0 == r)
    {
        tx.execute(&format!("UPDATE {s}.heads SET instance = $2 WHERE replica = $1"), &[&r, &n])?;
    }
    set_meta(tx, s, "next_number", &next.to_string())?;
    set_meta(tx, s, "hlc", &hlc.0.to_string())?;
    Ok(Ok(Batch { added: new.len(), numbered, new_epoch }))
}
