//! Sync with a shared store: push the ops the shared store lacks, pull the ops this
//! store lacks, compared per replica by counters, relaying every replica's ops (so a
//! shared file restored from an old backup heals).
//!
//! A sync is a plan, then an apply: [`plan`] is a pure function of both sides' heads
//! (the highest counter held per replica); [`sync_now`] carries it out against a
//! [`Remote`] (today the [`shared::SharedFile`]; a server engine can take its place).
//! Every op's checksum is verified on push and on pull, and each replica's ops must
//! continue its counters without a gap. Pulled ops are folded in one local transaction
//! by [`Store::ingest_raw`], whose result depends only on the set of ops.

pub mod shared;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::domain::ids::ReplicaId;
use crate::domain::op::{Op, RawOp};
use crate::domain::time;
use crate::store::{Notice, Store, StoreError};
use shared::{PushOutcome, SharedFile};

/// A clock further than this from another clock is reported (the merge is unaffected).
pub const CLOCK_SKEW_WARN_MS: i64 = 3_600_000;

/// Why a sync did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "this store does not sync yet: `tix sync init PATH` creates a shared store, `tix sync join PATH` joins one"
    )]
    NotJoined,
    /// The shared store cannot be reached now (missing, unmounted, read-only, no
    /// permission, locked too long). Local work continues; try again later.
    #[error("offline: {0}. Your changes are kept in this store and will sync later")]
    Offline(String),
    /// The shared store (or the exchange with it) is damaged: syncing stops until it is
    /// rebuilt from a good op log.
    #[error(
        "{0}. Syncing has stopped; `tix sync rebuild` builds a fresh shared store from this store's op log and keeps the bad file aside"
    )]
    Fatal(String),
    #[error(
        "{path} was written by a newer tix (shared format {found}, this tix knows up to {known}); upgrade tix to sync with it"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error(
        "{path} holds a different shared store (id {found}; this store syncs with {expected}); if it was replaced on purpose, run `tix sync join {path}`"
    )]
    WrongStore { path: PathBuf, found: String, expected: String },
    /// A precondition does not hold (`sync init` onto an existing file, a join that would
    /// make ticket numbers collide, a join declined).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Local(#[from] StoreError),
}

/// The other side of a sync: a shared store file today, a server tomorrow.
pub trait Remote {
    /// Where it is, for messages.
    fn describe(&self) -> String;
    fn store_id(&self) -> &str;
    /// The highest counter held for each replica.
    fn heads(&mut self) -> Result<HashMap<ReplicaId, u64>, SyncError>;
    /// Up to `limit` ops of `replica` after counter `after`, in counter order.
    fn read_ops(&mut self, replica: ReplicaId, after: u64, limit: usize) -> Result<Vec<RawOp>, SyncError>;
    /// The replica under which the remote issues final ticket numbers.
    fn numbering_replica(&mut self) -> Result<ReplicaId, SyncError>;
    /// Append ops (each replica's continuing its counters), issuing final numbers to new
    /// provisional tickets, in short write transactions.
    fn push(&mut self, ops: &[(RawOp, Op)], now_ms: i64) -> Result<PushOutcome, SyncError>;
}

/// What to move: per replica, the counters after `after` up to `upto`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncPlan {
    pub push: Vec<Transfer>,
    pub pull: Vec<Transfer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub replica: ReplicaId,
    pub after: u64,
    pub upto: u64,
}

impl SyncPlan {
    pub fn push_count(&self) -> u64 {
        self.push.iter().map(|t| t.upto - t.after).sum()
    }
    pub fn pull_count(&self) -> u64 {
        self.pull.iter().map(|t| t.upto - t.after).sum()
    }
}

/// The plan from both sides' heads: push what the remote lacks (other replicas' ops
/// first, this replica's last), pull what we lack.
///
/// Replicas in `numbering` (shared stores that issued final numbers) are pushed first:
/// a shared file restored from an old backup then learns the numbers it had issued
/// before it sees the tickets again, and never issues a second number to them.
pub fn plan(
    local: &HashMap<ReplicaId, u64>,
    remote: &HashMap<ReplicaId, u64>,
    me: ReplicaId,
    numbering: &[ReplicaId],
) -> SyncPlan {
    let mut p = SyncPlan::default();
    for (&replica, &l) in local {
        let r = remote.get(&replica).copied().unwrap_or(0);
        if l > r {
            p.push.push(Transfer { replica, after: r, upto: l });
        }
    }
    for (&replica, &r) in remote {
        let l = local.get(&replica).copied().unwrap_or(0);
        if r > l {
            p.pull.push(Transfer { replica, after: l, upto: r });
        }
    }
    p.push.sort_by_key(|t| (!numbering.contains(&t.replica), t.replica == me, t.replica));
    p.pull.sort_by_key(|t| t.replica);
    p
}

/// What a sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub path: String,
    pub store_id: String,
    pub pushed: usize,
    pub pulled: usize,
    /// Final numbers the shared store issued to tickets pushed now.
    pub numbered: usize,
    /// Entities folded again because ops arrived out of order.
    pub refolded: usize,
    /// New notices of local changes superseded by remote ones.
    pub new_notices: usize,
    pub warnings: Vec<String>,
    /// The longest a write transaction held the shared store's lock, in ms.
    pub max_lock_ms: f64,
    pub elapsed_ms: f64,
    /// This replica's highest counter the shared store holds (what is acknowledged).
    #[serde(skip)]
    pub acked: u64,
}

/// Where this store syncs and how that went.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncStatus {
    pub joined: bool,
    pub path: Option<String>,
    pub store_id: Option<String>,
    /// RFC 3339, UTC.
    pub last_sync: Option<String>,
    /// Ops written here that the shared store has not acknowledged.
    pub unsynced: u64,
    /// Tickets still waiting for a final number.
    pub provisional_tickets: u64,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// The last attempt could not reach the shared store.
    pub offline: bool,
    /// The last attempt found the shared store damaged: `tix sync rebuild`.
    pub needs_rebuild: bool,
    pub warnings: Vec<String>,
    /// Unacknowledged notices of local changes superseded by remote ones.
    pub notices: Vec<Notice>,
}

/// Sync now with the shared store this store joined. Records the outcome (last sync,
/// last error, offline) in the local store either way.
pub fn sync_now(store: &mut Store) -> Result<SyncReport, SyncError> {
    let path = store.sync_value("path")?.ok_or(SyncError::NotJoined)?;
    let expected = store.sync_value("store_id")?.ok_or(SyncError::NotJoined)?;
    let result = SharedFile::open(Path::new(&path)).and_then(|mut remote| {
        if remote.store_id() != expected {
            return Err(SyncError::WrongStore {
                path: PathBuf::from(&path),
                found: remote.store_id().to_string(),
                expected: expected.clone(),
            });
        }
        let mut report = exchange(store, &mut remote)?;
        if report.pushed > 0 {
            // The file server stamped the file just now: a second opinion on our clock.
            if let Some(server) = remote.modified_ms() {
                let skew = store.now_ms() - server;
                if skew.abs() > CLOCK_SKEW_WARN_MS {
                    report.warnings.push(format!(
                        "this machine's clock is {} {} the file server's; fix it (the merge stays correct, but times shown will be off)",
                        hours(skew.abs()),
                        if skew > 0 { "ahead of" } else { "behind" }
                    ));
                }
            }
        }
        Ok(report)
    });
    record_outcome(store, &result)?;
    result
}

/// Push and pull against `remote`, folding pulled ops in one local transaction.
pub fn exchange(store: &mut Store, remote: &mut dyn Remote) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let now = store.now_ms();
    let me = store.replica();
    let mut report =
        SyncReport { path: remote.describe(), store_id: remote.store_id().to_string(), ..Default::default() };
    let local: HashMap<ReplicaId, u64> = store.replica_heads()?.into_iter().collect();
    let remote_heads = remote.heads()?;
    let mut numbering = numbering_replicas(store)?;
    let theirs = remote.numbering_replica()?;
    if !numbering.contains(&theirs) {
        numbering.push(theirs);
    }
    let p = plan(&local, &remote_heads, me, &numbering);
    // Push, in batches, each replica's ops checked and contiguous.
    for t in &p.push {
        let mut after = t.after;
        while after < t.upto {
            let raw = store.raw_ops_after(t.replica, after, shared::PUSH_BATCH)?;
            let batch = checked(raw, t.replica, after, "this store")?;
            let Some(last) = batch.last().map(|(r, _)| r.counter) else {
                return Err(SyncError::Fatal(format!(
                    "counter gap in this store: ops of replica {} after {after} are missing",
                    t.replica
                )));
            };
            let out = remote.push(&batch, now)?;
            report.pushed += out.added;
            report.numbered += out.numbered;
            report.warnings.extend(out.collisions);
            report.max_lock_ms = report.max_lock_ms.max(out.max_lock.as_secs_f64() * 1000.0);
            after = last;
        }
    }
    // Pull: heads again, since the push may have issued ticket numbers.
    let remote_heads = if p.push.is_empty() { remote_heads } else { remote.heads()? };
    report.acked = remote_heads.get(&me).copied().unwrap_or(0);
    let p = plan(&local, &remote_heads, me, &numbering);
    let mut pulled: Vec<RawOp> = Vec::new();
    let mut ahead: Option<(i64, String)> = None;
    for t in &p.pull {
        let mut after = t.after;
        while after < t.upto {
            let raw = remote.read_ops(t.replica, after, shared::READ_BATCH)?;
            let batch = checked(raw, t.replica, after, "the shared store")?;
            let Some(last) = batch.last().map(|(r, _)| r.counter) else {
                return Err(SyncError::Fatal(format!(
                    "counter gap in the shared store: ops of replica {} after {after} are missing",
                    t.replica
                )));
            };
            for (raw, _) in batch {
                if raw.kind == "ticket.number" && !numbering.contains(&raw.replica) {
                    numbering.push(raw.replica);
                }
                let skew = raw.hlc.millis() - now;
                if skew > CLOCK_SKEW_WARN_MS && ahead.as_ref().is_none_or(|(s, _)| skew > *s) {
                    ahead = Some((skew, raw.actor.clone()));
                }
                pulled.push(raw);
            }
            after = last;
        }
    }
    if let Some((skew, actor)) = ahead {
        report.warnings.push(format!(
            "changes by {actor} are dated {} ahead of this machine's clock: one of the two clocks is wrong (the merge stays correct)",
            hours(skew)
        ));
    }
    report.pulled = pulled.len();
    let list = numbering.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(",");
    if store.sync_value("numbering")?.as_deref() != Some(list.as_str()) {
        store.set_sync_values(&[("numbering", Some(list))])?;
    }
    if !pulled.is_empty() {
        let ing = store.ingest_raw(pulled).map_err(|e| match e {
            StoreError::Corrupt(m) => SyncError::Fatal(m),
            e => SyncError::Local(e),
        })?;
        report.refolded = ing.refolded;
        report.new_notices = ing.notices;
    }
    report.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(report)
}

/// The replicas known to have issued final ticket numbers.
fn numbering_replicas(store: &Store) -> Result<Vec<ReplicaId>, StoreError> {
    Ok(store
        .sync_value("numbering")?
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| uuid::Uuid::parse_str(s).ok().map(ReplicaId))
        .collect())
}

/// Verify checksums and that counters continue from `after` without a gap.
fn checked(raw: Vec<RawOp>, replica: ReplicaId, after: u64, side: &str) -> Result<Vec<(RawOp, Op)>, SyncError> {
    let mut out = Vec::with_capacity(raw.len());
    for (expect, r) in (after + 1..).zip(raw) {
        if r.counter != expect {
            return Err(SyncError::Fatal(format!(
                "counter gap in {side}: replica {replica} continues at {} where {expect} was expected",
                r.counter
            )));
        }
        if !r.checksum_ok() {
            return Err(SyncError::Fatal(format!(
                "op {replica}/{} ({}) in {side} fails its checksum: it was damaged",
                r.counter, r.kind
            )));
        }
        let op = r.decode().map_err(|e| SyncError::Fatal(format!("op {replica}/{} in {side}: {e}", r.counter)))?;
        out.push((r, op));
    }
    Ok(out)
}

fn hours(ms: i64) -> String {
    let h = ms as f64 / 3_600_000.0;
    if h >= 1.95 { format!("{:.0} hours", h) } else { format!("{:.1} hours", h) }
}

/// Remember how the last attempt went.
fn record_outcome(store: &mut Store, result: &Result<SyncReport, SyncError>) -> Result<(), StoreError> {
    let now = store.now_ms();
    match result {
        Ok(r) => {
            // Ops of ours pulled back (a store restored from a backup) count as acknowledged too.
            let acked = r.acked.max(store.sync_value("acked")?.and_then(|v| v.parse().ok()).unwrap_or(0));
            store.set_sync_values(&[
                ("last_sync", Some(now.to_string())),
                ("acked", Some(acked.to_string())),
                ("last_error", None),
                ("last_error_at", None),
                ("offline", None),
                ("fatal", None),
                ("warnings", Some(r.warnings.join("\n")).filter(|w| !w.is_empty())),
            ])
        }
        Err(SyncError::NotJoined) => Ok(()),
        Err(e) => store.set_sync_values(&[
            ("last_error", Some(e.to_string())),
            ("last_error_at", Some(now.to_string())),
            ("offline", matches!(e, SyncError::Offline(_)).then(|| "1".to_string())),
            ("fatal", matches!(e, SyncError::Fatal(_)).then(|| "1".to_string())),
        ]),
    }
}

/// This store's sync state (no access to the shared store).
pub fn status(store: &Store) -> Result<SyncStatus, StoreError> {
    let path = store.sync_value("path")?;
    let ms = |k: &str| -> Result<Option<String>, StoreError> {
        Ok(store.sync_value(k)?.and_then(|v| v.parse::<i64>().ok()).map(time::rfc3339))
    };
    let acked: u64 = store.sync_value("acked")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok(SyncStatus {
        joined: path.is_some(),
        store_id: store.sync_value("store_id")?,
        last_sync: ms("last_sync")?,
        unsynced: if path.is_some() { store.own_counter()?.saturating_sub(acked) } else { 0 },
        provisional_tickets: store.provisional_tickets()?,
        last_error: store.sync_value("last_error")?,
        last_error_at: ms("last_error_at")?,
        offline: store.sync_value("offline")?.is_some(),
        needs_rebuild: store.sync_value("fatal")?.is_some(),
        warnings: store.sync_value("warnings")?.map(|w| w.lines().map(String::from).collect()).unwrap_or_default(),
        notices: store.notices(false)?,
        path,
    })
}

/// Unacknowledged notices of local changes superseded by remote ones.
pub fn notices(store: &Store) -> Result<Vec<Notice>, StoreError> {
    store.notices(false)
}

/// Acknowledge notices (all with `None`).
pub fn ack_notices(store: &mut Store, ids: Option<&[i64]>) -> Result<usize, StoreError> {
    store.ack_notices(ids)
}

/// The path as it will be recorded: absolute, so that any working directory finds it.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `tix sync init PATH`: create a shared store at `path` from this store's op log and
/// join it. Refuses if `path` exists (a no-clobber publish makes sure of it).
pub fn init(store: &mut Store, path: &Path) -> Result<SyncReport, SyncError> {
    if let Some(current) = store.sync_value("path")? {
        return Err(SyncError::Refused(format!(
            "this store already syncs with {current}; a store syncs with one shared store"
        )));
    }
    let path = absolute(path);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(SyncError::Refused(format!(
            "{} exists already; `tix sync init` only creates a new shared store (to use that one, `tix sync join {}`)",
            path.display(),
            path.display()
        )));
    }
    let store_id = store.store_id()?;
    let built = build_and_publish(store, &path, &store_id)?;
    store.set_joined(&store_id, &path.display().to_string())?;
    let mut report = sync_now(store)?;
    report.pushed += built.added;
    report.max_lock_ms = report.max_lock_ms.max(built.max_lock.as_secs_f64() * 1000.0);
    Ok(report)
}

/// Build a shared store from this store's op log under a temporary name and publish it.
fn build_and_publish(store: &mut Store, path: &Path, store_id: &str) -> Result<PushOutcome, SyncError> {
    let (mut shared, tmp) = SharedFile::create_unpublished(path, store_id)?;
    let filled = match exchange_push_only(store, &mut shared) {
        Ok(f) => f,
        Err(e) => {
            drop(shared);
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    shared.publish(&tmp, path)?;
    Ok(filled)
}

/// Push every op of this store into a shared store being built.
fn exchange_push_only(store: &mut Store, shared: &mut SharedFile) -> Result<PushOutcome, SyncError> {
    let mut total = PushOutcome::default();
    let now = store.now_ms();
    let local: HashMap<ReplicaId, u64> = store.replica_heads()?.into_iter().collect();
    let p = plan(&local, &HashMap::new(), store.replica(), &numbering_replicas(store)?);
    for t in &p.push {
        let mut after = t.after;
        while after < t.upto {
            let batch =
                checked(store.raw_ops_after(t.replica, after, shared::PUSH_BATCH)?, t.replica, after, "this store")?;
            let Some(last) = batch.last().map(|(r, _)| r.counter) else {
                return Err(SyncError::Fatal(format!(
                    "counter gap in this store: ops of replica {} after {after} are missing",
                    t.replica
                )));
            };
            let out = shared.push(&batch, now)?;
            total.added += out.added;
            total.numbered += out.numbered;
            total.max_lock = total.max_lock.max(out.max_lock);
            after = last;
        }
    }
    Ok(total)
}

/// `tix sync join PATH`: sync with an existing shared store. `confirm` is asked before
/// joining a store id this store has never seen. Refuses a join that would make ticket
/// numbers collide: this store issued final numbers of its own and the shared store
/// holds numbered tickets too (unless this store came from that shared store).
pub fn join(store: &mut Store, path: &Path, confirm: impl FnOnce(&str) -> bool) -> Result<SyncReport, SyncError> {
    let path = absolute(path);
    let mut shared = SharedFile::open(&path)?;
    let id = shared.store_id().to_string();
    if store.store_id()? != id && store.own_numbered_tickets()? > 0 && shared.has_numbered_tickets()? {
        return Err(SyncError::Refused(format!(
            "cannot join {}: this store numbered {} tickets of its own (#1, #2, ...) and the shared store has numbered tickets too, \
             so the same numbers would name different tickets. Join with a new store (`tix --db NEW.db init`, then `tix --db NEW.db sync join {}`), \
             or start a shared store from this one with `tix sync init`",
            path.display(),
            store.own_numbered_tickets()?,
            path.display()
        )));
    }
    if !store.knows_store(&id)? && !confirm(&id) {
        return Err(SyncError::Refused("not joined (declined)".into()));
    }
    drop(shared);
    store.set_joined(&id, &path.display().to_string())?;
    sync_now(store)
}

/// `tix sync rebuild`: a fresh shared store built from this store's op log, published in
/// place of the damaged one, which is kept aside as `PATH.bad-<timestamp>`. Returns the
/// report of the first sync and where the bad file went.
pub fn rebuild(store: &mut Store) -> Result<(SyncReport, Option<PathBuf>), SyncError> {
    let path = PathBuf::from(store.sync_value("path")?.ok_or(SyncError::NotJoined)?);
    let store_id = store.sync_value("store_id")?.ok_or(SyncError::NotJoined)?;
    let (mut shared, tmp) = SharedFile::create_unpublished(&path, &store_id)?;
    let built = match exchange_push_only(store, &mut shared) {
        Ok(b) => b,
        Err(e) => {
            drop(shared);
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let mut aside = None;
    if std::fs::symlink_metadata(&path).is_ok() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let bad = PathBuf::from(format!("{}.bad-{stamp}", path.display()));
        if let Err(e) = std::fs::rename(&path, &bad) {
            drop(shared);
            let _ = std::fs::remove_file(&tmp);
            return Err(SyncError::Offline(format!("cannot move {} aside: {e}", path.display())));
        }
        let journal = PathBuf::from(format!("{}-journal", path.display()));
        if journal.exists() {
            let _ = std::fs::rename(&journal, format!("{}-journal", bad.display()));
        }
        aside = Some(bad);
    }
    shared.publish(&tmp, &path)?;
    let mut report = sync_now(store)?;
    report.pushed += built.added;
    report.numbered += built.numbered;
    report.max_lock_ms = report.max_lock_ms.max(built.max_lock.as_secs_f64() * 1000.0);
    Ok((report, aside))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(b: u8) -> ReplicaId {
        ReplicaId::from_bytes([b; 16])
    }

    #[test]
    fn the_plan_pushes_what_the_remote_lacks_and_pulls_what_we_lack() {
        let (me, other, numbering, gone) = (r(1), r(2), r(3), r(4));
        let local: HashMap<_, _> = [(me, 10), (other, 4), (numbering, 2)].into();
        let remote: HashMap<_, _> = [(me, 7), (other, 6), (gone, 3)].into();
        let p = plan(&local, &remote, me, &[numbering]);
        // Numbering replicas first, this replica last; relayed replicas in between.
        assert_eq!(
            p.push,
            vec![Transfer { replica: numbering, after: 0, upto: 2 }, Transfer { replica: me, after: 7, upto: 10 }]
        );
        assert_eq!(
            p.pull,
            vec![Transfer { replica: other, after: 4, upto: 6 }, Transfer { replica: gone, after: 0, upto: 3 }]
        );
        assert_eq!((p.push_count(), p.pull_count()), (5, 5));
        assert_eq!(plan(&local, &local, me, &[]), SyncPlan::default());
    }
}
