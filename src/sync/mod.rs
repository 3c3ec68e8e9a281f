//! Sync with a shared store: push the ops the shared store lacks, pull the ops this
//! store lacks, compared per replica by counters, relaying every replica's ops (so a
//! shared file restored from an old backup heals).
//!
//! A sync is a plan, then an apply: [`plan`] is a pure function of both sides' heads
//! (the highest counter held per replica); [`sync_now`] carries it out against a
//! [`Remote`]: a [`shared::SharedFile`], or a desk on a PostgreSQL server
//! ([`pg::PgRemote`], for a `postgres://` URL).
//! Before anything moves, [`exchange`] proves that both sides hold the same op at every
//! common (replica, counter) ([`identity`]), that no other copy of this store synced
//! under its replica id since it last did, and that the shared store has not gone back
//! in time without starting a new numbering epoch ([`numbering`]). Every op's checksum
//! is verified on push and on pull, and each replica's ops must continue its counters
//! without a gap. Pulled ops are read a page at a time and folded in committed batches
//! ([`pull`]) by [`Store::ingest_raw`], whose result depends only on the set of ops: a
//! pull holds bounded memory, and one stopped anywhere resumes at the next sync.

pub mod identity;
mod journal;
pub mod numbering;
pub mod pg;
mod pull;
mod push;
mod setup;
pub mod shared;
pub mod temp_files;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::domain::ids::{ReplicaId, TicketId, TicketNumber};
use crate::domain::op::{Change, EntryRecord, Op, RawOp};
use crate::domain::ticket::EntryKind;
use crate::domain::time;
use crate::store::{Notice, Store, StoreError};
use identity::{Divergence, Role, divergences};
pub use setup::{Progress, RejoinReport, init, init_as, join, rebuild, rebuild_with, rejoin};
use shared::{Generation, NumberOwner, PushOutcome, SharedFile};

/// A clock further than this from another clock is reported (the merge is unaffected).
pub const CLOCK_SKEW_WARN_MS: i64 = 3_600_000;

/// Every this many syncs, a store checks the shared store's integrity
/// ([`Remote::check_integrity`]) before syncing; `sync rebuild` always does.
pub const INTEGRITY_CHECK_EVERY: u64 = 50;

/// How many of its own instance nonces a store remembers (see [`exchange`]).
const INSTANCES_KEPT: usize = 64;

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
    /// Two sides hold different ops under one identity, or a final number would name two
    /// tickets: syncing stops, nothing is merged; `tix sync rejoin` is the way out.
    #[error("{0}")]
    Diverged(Box<Divergence>),
    /// A precondition does not hold (`sync init` onto an existing file, a join that would
    /// make ticket numbers collide, a join declined, a rebuild of a healthy file).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Local(#[from] StoreError),
}

/// What a push needs besides the ops.
#[derive(Debug, Clone, Default)]
pub struct PushContext {
    /// This machine's clock (the time of numbering ops).
    pub now_ms: i64,
    /// This store's replica and its fresh instance nonce, recorded beside the replica's
    /// head when its own ops are pushed.
    pub instance: Option<(ReplicaId, String)>,
}

/// The other side of a sync: a shared store file today, a server tomorrow. Everything a
/// sync proves (identity at common heads, copies, epochs, numbers never claimed twice)
/// is done through these calls, so both remotes share it.
pub trait Remote {
    /// Where it is, for messages.
    fn describe(&self) -> String;
    fn store_id(&self) -> &str;
    /// Where the remote stands, read at one moment: its generation, each replica's head,
    /// its numbering replica and the instance nonce beside `me`'s head.
    fn state(&mut self, me: ReplicaId) -> Result<RemoteState, SyncError>;
    /// The checksum of the op held at each (replica, counter), `None` where there is none.
    fn checksums(&mut self, at: &[(ReplicaId, u64)]) -> Result<Vec<Option<Vec<u8>>>, SyncError>;
    /// Up to `limit` ops of `replica` after counter `after`, in counter order.
    fn read_ops(&mut self, replica: ReplicaId, after: u64, limit: usize) -> Result<Vec<RawOp>, SyncError>;
    /// For each (ticket, number): who holds that number and which number the ticket holds.
    fn number_owners(&mut self, claims: &[(uuid::Uuid, u64)]) -> Result<Vec<NumberOwner>, SyncError>;
    /// Append ops (each replica's continuing its counters), issuing final numbers to new
    /// provisional tickets, in short write transactions. Refuses, without merging, an op
    /// whose identity is held by a different op and a number claimed twice.
    fn push(&mut self, ops: &[(RawOp, Op)], ctx: &PushContext) -> Result<PushOutcome, SyncError>;
    /// Start a new numbering epoch (the remote went back in time): numbers from then on
    /// are issued under a new replica from above anything it may have issued before, and
    /// at least `at_least`. `seen_seq` is the generation the caller had seen. Returns the
    /// first number of the epoch.
    fn new_numbering_epoch(&mut self, at_least: u64, seen_seq: u64, now_ms: i64) -> Result<u64, SyncError>;
    /// Check the remote's storage for damage (SQLite `quick_check` and its unique indexes).
    fn check_integrity(&mut self) -> Result<(), SyncError>;
    /// The remote's clock, if it has one to offer (a second opinion on ours).
    fn server_ms(&mut self) -> Option<i64> {
        None
    }
}

/// Who this store is on a server that enforces identity (PostgreSQL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerIdentity {
    /// The PostgreSQL role connected as.
    pub pg_role: String,
    /// The agent it is mapped to in the desk (`None`: not mapped, so it cannot push).
    pub agent: Option<String>,
    /// Its tix role there: agent, lead, admin or readonly.
    pub role: Option<String>,
}

impl ServerIdentity {
    fn encode(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.pg_role,
            self.agent.clone().unwrap_or_default(),
            self.role.clone().unwrap_or_default()
        )
    }
    fn decode(s: &str) -> ServerIdentity {
        let mut it = s.split('\n').map(String::from);
        let pg_role = it.next().unwrap_or_default();
        let agent = it.next().filter(|a| !a.is_empty());
        let role = it.next().filter(|a| !a.is_empty());
        ServerIdentity { pg_role, agent, role }
    }
}

/// Open the remote at `path`: a PostgreSQL desk for a `postgres://` URL, else a shared
/// store file.
pub fn open_remote(path: &str) -> Result<Box<dyn Remote>, SyncError> {
    if pg::is_url(path) {
        Ok(Box::new(pg::PgRemote::open(path)?))
    } else {
        Ok(Box::new(SharedFile::open(Path::new(path))?))
    }
}

/// A remote's state at one moment (one read).
#[derive(Debug, Clone)]
pub struct RemoteState {
    /// Which incarnation of the remote this is and how many writes it has seen.
    pub generation: Generation,
    /// The highest counter held for each replica.
    pub heads: HashMap<ReplicaId, u64>,
    /// The replica under which the remote issues final ticket numbers now.
    pub numbering: ReplicaId,
    /// The instance nonce last recorded beside the asking store's replica head.
    pub instance: Option<String>,
    /// Who the asking store is on the remote, where the remote knows (PostgreSQL).
    pub who: Option<ServerIdentity>,
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
    /// A new numbering epoch began during this sync: its first number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_epoch: Option<u64>,
    /// The shared store's integrity was checked before this sync.
    pub integrity_checked: bool,
    /// Temporary files of killed `sync init`/`sync rebuild` runs removed from the share.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cleaned: Vec<String>,
    /// The longest a write transaction held the shared store's lock, in ms.
    pub max_lock_ms: f64,
    pub elapsed_ms: f64,
    /// This replica's highest counter the shared store holds (what is acknowledged).
    #[serde(skip)]
    pub acked: u64,
    /// The remote's generation as this sync left it (remembered, to notice time travel).
    #[serde(skip)]
    pub seen: Option<String>,
    /// Who this store is on the server (PostgreSQL only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_identity: Option<ServerIdentity>,
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
    /// The last attempt found this store and the shared store disagreeing about an op's
    /// identity or a number: `tix sync rejoin`.
    pub needs_rejoin: bool,
    pub warnings: Vec<String>,
    /// Unacknowledged notices of local changes superseded by remote ones.
    pub notices: Vec<Notice>,
    /// Who this store was on the server at its last sync (PostgreSQL only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_identity: Option<ServerIdentity>,
}

/// Sync now with the shared store this store joined. Records the outcome (last sync,
/// last error, offline) in the local store either way. Every
/// [`INTEGRITY_CHECK_EVERY`]th sync checks the shared store's integrity first; a
/// successful sync removes what killed `sync init`/`sync rebuild` runs left in the share.
pub fn sync_now(store: &mut Store) -> Result<SyncReport, SyncError> {
    let path = store.sync_value("path")?.ok_or(SyncError::NotJoined)?;
    let expected = store.sync_value("store_id")?.ok_or(SyncError::NotJoined)?;
    let count = store.sync_value("sync_count")?.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + 1;
    let result = open_remote(&path).and_then(|mut remote| {
        if remote.store_id() != expected {
            return Err(SyncError::WrongStore {
                path: PathBuf::from(&path),
                found: remote.store_id().to_string(),
                expected: expected.clone(),
            });
        }
        let checked = count.is_multiple_of(INTEGRITY_CHECK_EVERY);
        if checked {
            remote.check_integrity()?;
        }
        let mut report = exchange(store, remote.as_mut())?;
        report.integrity_checked = checked;
        if report.pushed > 0 {
            // The server stamped the push just now: a second opinion on our clock.
            if let Some(server) = remote.server_ms() {
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
    let result = result.map(|mut r| {
        if !pg::is_url(&path) {
            r.cleaned = shared::clean_stale_temp(Path::new(&path));
        }
        r
    });
    if result.is_ok() && store.sync_value("renumbered")?.is_some() {
        renumber_notes(store)?;
    }
    record_outcome(store, &result, count)?;
    result
}

/// Push and pull against `remote`, folding pulled ops in committed batches.
///
/// Before anything is pushed or pulled:
/// 1. *Time travel.* The store remembers the remote's generation after each sync; a
///    remote of the same incarnation with an older generation was restored from a
///    backup: it starts a new numbering epoch before it numbers anything.
/// 2. *Identity.* Both sides must hold the same op at every common (replica, counter)
///    ([`identity::divergences`]); a mismatch is refused.
/// 3. *Copies.* Each push of a store's own ops records a fresh instance nonce beside its
///    replica's head in the remote (and in the store first). If the remote holds a
///    nonce this store never made, and at least as much of this replica as this store
///    does, another copy of this store synced since: refused ([`identity::Kind::Copy`]),
///    before the two copies' ops can differ.
///
/// Pulls stop at the heads read before them, so that a pull is a consistent prefix of
/// the remote (a ticket pushed by someone is pulled with its number or not at all).
pub fn exchange(store: &mut Store, remote: &mut dyn Remote) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let now = store.now_ms();
    let me = store.replica();
    let mut report =
        SyncReport { path: remote.describe(), store_id: remote.store_id().to_string(), ..Default::default() };
    let local: HashMap<ReplicaId, u64> = store.replica_heads()?.into_iter().collect();
    let state = remote.state(me)?;
    let (generation, remote_heads) = (state.generation.clone(), state.heads.clone());
    let mut numbering = numbering_replicas(store)?;
    if !numbering.contains(&state.numbering) {
        numbering.push(state.numbering);
    }
    // 1. The remote went back in time since this store last saw it.
    if let Some(seen) = store.sync_value("seen")?.as_deref().and_then(Generation::decode)
        && seen.incarnation == generation.incarnation
        && generation.seq < seen.seq
    {
        let at_least = store.highest_final_number(&numbering)? + 1;
        let base = remote.new_numbering_epoch(at_least, seen.seq, now)?;
        report.new_epoch = Some(base);
        report.warnings.push(format!(
            "{} went back in time since this store last synced (restored from a backup?); \
             new ticket numbers continue from #{base}",
            remote.describe()
        ));
        let n = remote.state(me)?.numbering;
        if !numbering.contains(&n) {
            numbering.push(n);
        }
    }
    // 2. The same op at every common (replica, counter).
    if let Some(&(replica, counter)) = divergences(store, remote, &local, &remote_heads)?.first() {
        let mut d = Divergence::identity(replica, counter);
        if former_replicas(store)?.iter().any(|(r, until)| *r == replica && counter < *until) {
            d.role = Role::Own; // what this store wrote before a rejoin: still its own
        }
        return Err(d.with_role(me, &numbering).into());
    }
    // 3. Another copy of this store synced as this replica since this copy last pushed.
    copy_check(store, &state, &local)?;
    let mut p = plan(&local, &remote_heads, me, &numbering);
    numbering_first(store, &mut p, &mut numbering, me)?;
    // Push, in batches, each replica's ops checked and contiguous.
    let mut ctx = PushContext { now_ms: now, instance: None };
    if p.push.iter().any(|t| t.replica == me) {
        ctx.instance = Some((me, new_instance(store)?));
    }
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
            let out = remote.push(&batch, &ctx).map_err(|e| with_role(e, me, &numbering))?;
            report.pushed += out.added;
            report.numbered += out.numbered;
            report.max_lock_ms = report.max_lock_ms.max(out.max_lock.as_secs_f64() * 1000.0);
            if let Some(base) = out.new_epoch {
                report.new_epoch = Some(base);
                report.warnings.push(format!(
                    "{} had lost ticket numbers it issued (restored from a backup?); new ticket numbers continue from #{base}",
                    remote.describe()
                ));
            }
            after = last;
        }
    }
    // Pull: heads again, since the push may have issued ticket numbers.
    let state = if p.push.is_empty() && report.new_epoch.is_none() { state } else { remote.state(me)? };
    let remote_heads = &state.heads;
    report.acked = remote_heads.get(&me).copied().unwrap_or(0);
    if !numbering.contains(&state.numbering) {
        numbering.push(state.numbering);
    }
    let p = plan(&local, remote_heads, me, &numbering);
    let pulled = pull::pull_and_fold(store, remote, &p.pull, &mut numbering, now)?;
    if let Some((skew, actor)) = pulled.ahead {
        report.warnings.push(format!(
            "changes by {actor} are dated {} ahead of this machine's clock: one of the two clocks is wrong (the merge stays correct)",
            hours(skew)
        ));
    }
    report.pulled = pulled.added;
    report.refolded = pulled.refolded;
    report.new_notices = pulled.notices;
    report.server_identity = state.who.clone();
    // Remember where the remote's history stood, to notice if it ever goes back.
    report.seen = Some(state.generation.encode());
    report.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(report)
}

/// Refuse when the remote holds an instance nonce for this store's replica that this
/// store never made, and at least as much of the replica as this store does: another
/// copy of this store file synced as it since.
fn copy_check(store: &Store, state: &RemoteState, local: &HashMap<ReplicaId, u64>) -> Result<(), SyncError> {
    let me = store.replica();
    if let (Some(&held), Some(nonce)) = (state.heads.get(&me), &state.instance)
        && !instances(store)?.contains(nonce)
        && held >= local.get(&me).copied().unwrap_or(0)
    {
        return Err(Divergence::copy(me, held).into());
    }
    Ok(())
}

fn with_role(e: SyncError, me: ReplicaId, numbering: &[ReplicaId]) -> SyncError {
    match e {
        SyncError::Diverged(d) => Divergence::with_role(*d, me, numbering).into(),
        e => e,
    }
}

/// The instance nonces this store has made (the newest last).
fn instances(store: &Store) -> Result<Vec<String>, StoreError> {
    Ok(store.sync_value("instances")?.unwrap_or_default().split_whitespace().map(String::from).collect())
}

/// A fresh instance nonce, remembered by this store before the remote sees it.
fn new_instance(store: &mut Store) -> Result<String, StoreError> {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    store.push_sync_list("instances", &nonce, INSTANCES_KEPT)?;
    Ok(nonce)
}

/// Make sure every numbering replica's ops are pushed first, so that the remote learns
/// every number this store holds before it issues any: a replica whose first op to push
/// is a `ticket.number` is one (they author nothing else), whatever this store's list of
/// numbering replicas says.
fn numbering_first(
    store: &Store,
    p: &mut SyncPlan,
    numbering: &mut Vec<ReplicaId>,
    me: ReplicaId,
) -> Result<(), StoreError> {
    for t in &p.push {
        if t.replica != me && !numbering.contains(&t.replica) {
            let first = store.raw_ops_after(t.replica, t.after, 1)?;
            if first.first().is_some_and(|o| o.kind == "ticket.number") {
                numbering.push(t.replica);
            }
        }
    }
    p.push.sort_by_key(|t| (!numbering.contains(&t.replica), t.replica == me, t.replica));
    Ok(())
}

/// Write the notes `tix sync rejoin` owes: on each ticket whose final number here changed
/// (kept in the store until the ticket and its new number are here), what it was.
/// Returns how many were written.
fn renumber_notes(store: &mut Store) -> Result<usize, StoreError> {
    let Some(list) = store.sync_value("renumbered")? else { return Ok(0) };
    let mut keep = Vec::new();
    let mut notes = Vec::new();
    let when = time::local(store.now_ms());
    for item in list.split_whitespace() {
        let parsed = item.split_once(':').and_then(|(t, n)| Some((uuid::Uuid::parse_str(t).ok()?, n.parse().ok()?)));
        let Some((t, was)) = parsed else { continue };
        let (t, was) = (TicketId(t), TicketNumber(was));
        match store.ticket(t) {
            Ok(now) if now.number.is_provisional() => keep.push(item.to_string()),
            Ok(now) if now.number == was => {}
            Ok(now) => notes.push(Change::entry(
                t,
                EntryRecord {
                    kind: EntryKind::Note,
                    body: format!(
                        "This ticket was {was} on this store until {when}; it is {} from now on. The shared store \
                     numbers it otherwise: it was restored from a backup or rebuilt, and {was} had been issued \
                     twice.",
                        now.number
                    ),
                    author: None,
                    minutes: None,
                    origin: None,
                },
            )),
            Err(StoreError::NotFound(_)) => keep.push(item.to_string()),
            Err(e) => return Err(e),
        }
    }
    let n = notes.len();
    if !notes.is_empty() {
        store.commit("tix-sync", notes)?;
    }
    store.set_sync_values(&[("renumbered", Some(keep.join(" ")).filter(|k| !k.is_empty()))])?;
    Ok(n)
}

/// The replicas this store wrote as before a `sync rejoin`, each with the counter from
/// which its ops are no longer this store's own.
fn former_replicas(store: &Store) -> Result<Vec<(ReplicaId, u64)>, StoreError> {
    Ok(store
        .sync_value("former_replicas")?
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|f| {
            let (r, u) = f.split_once(':')?;
            Some((ReplicaId(uuid::Uuid::parse_str(r).ok()?), u.parse().ok()?))
        })
        .collect())
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
fn record_outcome(store: &mut Store, result: &Result<SyncReport, SyncError>, count: u64) -> Result<(), StoreError> {
    let now = store.now_ms();
    let count = Some(count.to_string());
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
                ("diverged", None),
                ("warnings", Some(r.warnings.join("\n")).filter(|w| !w.is_empty())),
                ("sync_count", count),
                ("seen", r.seen.clone()),
                ("server_identity", r.server_identity.as_ref().map(ServerIdentity::encode)),
            ])
        }
        Err(SyncError::NotJoined) => Ok(()),
        Err(e) => store.set_sync_values(&[
            ("last_error", Some(e.to_string())),
            ("last_error_at", Some(now.to_string())),
            ("offline", matches!(e, SyncError::Offline(_)).then(|| "1".to_string())),
            ("fatal", matches!(e, SyncError::Fatal(_)).then(|| "1".to_string())),
            ("diverged", matches!(e, SyncError::Diverged(_)).then(|| "1".to_string())),
            ("sync_count", count),
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
        needs_rejoin: store.sync_value("diverged")?.is_some(),
        warnings: store.sync_value("warnings")?.map(|w| w.lines().map(String::from).collect()).unwrap_or_default(),
        notices: store.notices(false)?,
        server_identity: store.sync_value("server_identity")?.as_deref().map(ServerIdentity::decode),
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
