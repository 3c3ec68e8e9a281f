//! Pulling in bounded memory: the ops this store lacks are read a page at a time per
//! replica (by counter ranges), merged across replicas in (HLC, replica, counter)
//! order, and folded in committed batches of at most [`FOLD_BATCH`] ops, each its own
//! local transaction. Memory stays a few pages per replica whatever the size of the
//! pull; the local write lock is held for one batch at a time; and a pull killed
//! anywhere leaves each replica's ops a contiguous prefix, from which the next sync
//! simply continues.

use std::collections::VecDeque;

use super::{CLOCK_SKEW_WARN_MS, Remote, SyncError, Transfer, checked};
use crate::domain::ids::ReplicaId;
use crate::domain::op::RawOp;
use crate::store::{Store, StoreError};

/// Ops per local fold transaction (well under a second of the write lock).
pub const FOLD_BATCH: usize = 2_000;
/// Ops buffered across all replicas' pages at most (about this many per page in all).
const BUFFERED: usize = 20_000;

/// What a pull did.
#[derive(Debug, Default)]
pub struct Pulled {
    pub added: usize,
    pub refolded: usize,
    pub notices: usize,
    /// The furthest-ahead pulled op's clock skew and its actor, if over the warning limit.
    pub ahead: Option<(i64, String)>,
}

/// One replica's range being pulled.
struct Cursor {
    replica: ReplicaId,
    after: u64,
    upto: u64,
    page: VecDeque<RawOp>,
}

/// Pull `transfers` from `remote` and fold them into `store` in committed batches.
/// `numbering` gains every replica seen issuing numbers (remembered in the store
/// before the batch that carries its ops is folded).
pub fn pull_and_fold(
    store: &mut Store,
    remote: &mut dyn Remote,
    transfers: &[Transfer],
    numbering: &mut Vec<ReplicaId>,
    now: i64,
) -> Result<Pulled, SyncError> {
    let mut out = Pulled::default();
    let mut cursors: Vec<Cursor> = transfers
        .iter()
        .map(|t| Cursor { replica: t.replica, after: t.after, upto: t.upto, page: VecDeque::new() })
        .collect();
    let page = (BUFFERED / cursors.len().max(1)).clamp(100, 5_000);
    let mut batch: Vec<RawOp> = Vec::with_capacity(FOLD_BATCH);
    save_numbering(store, numbering)?;
    loop {
        // Refill empty pages; pick the op that comes first among all fronts.
        for c in cursors.iter_mut() {
            if c.page.is_empty() && c.after < c.upto {
                let limit = page.min((c.upto - c.after) as usize);
                let raw = remote.read_ops(c.replica, c.after, limit)?;
                let got = checked(raw, c.replica, c.after, "the shared store")?;
                let Some(last) = got.last().map(|(r, _)| r.counter) else {
                    return Err(SyncError::Fatal(format!(
                        "counter gap in the shared store: ops of replica {} after {} are missing",
                        c.replica, c.after
                    )));
                };
                c.after = last;
                c.page.extend(got.into_iter().map(|(r, _)| r));
            }
        }
        let best =
            cursors.iter().enumerate().filter_map(|(i, c)| c.page.front().map(|f| (f.key(), i))).min().map(|(_, i)| i);
        let Some(i) = best else { break };
        let raw = cursors[i].page.pop_front().expect("a front was seen");
        if raw.kind == "ticket.number" && !numbering.contains(&raw.replica) {
            numbering.push(raw.replica);
            save_numbering(store, numbering)?;
        }
        let skew = raw.hlc.millis() - now;
        if skew > CLOCK_SKEW_WARN_MS && out.ahead.as_ref().is_none_or(|(s, _)| skew > *s) {
            out.ahead = Some((skew, raw.actor.clone()));
        }
        batch.push(raw);
        if batch.len() >= FOLD_BATCH {
            fold(store, std::mem::take(&mut batch), &mut out)?;
        }
    }
    if !batch.is_empty() {
        fold(store, batch, &mut out)?;
    }
    Ok(out)
}

/// Fold one batch in its own local transaction.
fn fold(store: &mut Store, batch: Vec<RawOp>, out: &mut Pulled) -> Result<(), SyncError> {
    let ing = store.ingest_raw(batch).map_err(|e| match e {
        StoreError::Corrupt(m) => SyncError::Fatal(m),
        e => SyncError::Local(e),
    })?;
    out.added += ing.added;
    out.refolded += ing.refolded;
    out.notices += ing.notices;
    Ok(())
}

/// Remember the numbering replicas (before ops they issued are folded).
fn save_numbering(store: &mut Store, numbering: &[ReplicaId]) -> Result<(), StoreError> {
    let list = numbering.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(",");
    if store.sync_value("numbering")?.as_deref() != Some(list.as_str()) {
        store.set_sync_values(&[("numbering", Some(list))])?;
    }
    Ok(())
}
