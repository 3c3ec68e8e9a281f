//! Setting a store up to sync and putting things right: `sync init`, `join`,
//! `rebuild` and `rejoin`.

use super::*;
use crate::domain::ids::{ReplicaId, TicketId, TicketNumber};
use crate::domain::op::{Op, Payload};
use crate::store::Store;
use identity::{Divergence, Role, divergences};
use serde::Serialize;
use shared::{PushOutcome, SharedFile};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `tix sync init PATH`: create a shared store at `path` from this store's op log and
/// join it. Refuses if `path` exists (a no-clobber publish makes sure of it).
pub fn init(store: &mut Store, path: &Path) -> Result<SyncReport, SyncError> {
    init_as(store, path, None, &|_, _| {})
}

/// Told (ops pushed so far, ops to push) as `sync init` and `sync rebuild` fill the new
/// shared store.
pub type Progress<'a> = &'a dyn Fn(u64, u64);

/// `tix sync init PATH|URL` by `agent`: for a PostgreSQL desk, the connecting role
/// becomes the desk's admin, acting as `agent` (as the role's own name when `None`).
pub fn init_as(
    store: &mut Store,
    path: &Path,
    agent: Option<&str>,
    progress: Progress,
) -> Result<SyncReport, SyncError> {
    if let Some(current) = store.sync_value("path")? {
        return Err(SyncError::Refused(format!(
            "this store already syncs with {current}; a store syncs with one shared store"
        )));
    }
    if let Some(url) = path.to_str().filter(|p| pg::is_url(p)) {
        return init_desk(store, url, agent, progress);
    }
    let path = absolute(path);
    let cleaned = shared::clean_stale_temp(&path);
    if std::fs::symlink_metadata(&path).is_ok() {
        return Err(SyncError::Refused(format!(
            "{} exists already; `tix sync init` only creates a new shared store (to use that one, `tix sync join {}`)",
            path.display(),
            path.display()
        )));
    }
    let store_id = store.store_id()?;
    // Numbers continue from this store's own; a record of numbers issued at this path by
    // an earlier shared store of the same id (deleted since) is honoured too.
    let recorded = shared::journal_highest(&shared::side_path(&path), &store_id).unwrap_or(0);
    let first = (store.highest_final_number(&[])? + 1).max(recorded + 1);
    let built = build_and_publish(store, &path, &store_id, first, &[], None, progress)?;
    store.set_joined(&store_id, &path.display().to_string())?;
    let mut report = sync_now(store)?;
    report.pushed += built.added;
    report.cleaned.extend(cleaned);
    report.max_lock_ms = report.max_lock_ms.max(built.max_lock.as_secs_f64() * 1000.0);
    Ok(report)
}

/// `tix sync init URL`: create the desk on the server from this store's op log (marked
/// complete only once every op is in), then join it.
fn init_desk(store: &mut Store, url: &str, agent: Option<&str>, progress: Progress) -> Result<SyncReport, SyncError> {
    let store_id = store.store_id()?;
    let first = store.highest_final_number(&[])? + 1;
    let target = pg::Target::parse(url)?;
    let agent = agent.map(String::from).unwrap_or_else(|| target.user());
    let mut desk = pg::PgRemote::create(url, &store_id, first, &agent)?;
    let built = exchange_push_only(store, &mut desk, progress)?;
    desk.check_integrity()?;
    desk.publish()?;
    drop(desk);
    store.set_joined(&store_id, url)?;
    let mut report = sync_now(store)?;
    report.pushed += built.added;
    report.max_lock_ms = report.max_lock_ms.max(built.max_lock.as_secs_f64() * 1000.0);
    Ok(report)
}

/// Build a shared store from this store's op log under a temporary name, check it and
/// publish it (after `before_publish`, which moves an old file aside). Its numbers start
/// at `first_number` (an epoch start in the journal beside it), and the tickets in
/// `recorded` (numbered before, from the journal) get their numbers again.
pub(super) fn build_and_publish(
    store: &mut Store,
    path: &Path,
    store_id: &str,
    first_number: u64,
    recorded: &[(uuid::Uuid, u64)],
    before_publish: Option<&dyn Fn() -> Result<(), SyncError>>,
    progress: Progress,
) -> Result<PushOutcome, SyncError> {
    shared::journal_start(&shared::side_path(path), store_id, first_number)?;
    let (mut shared, tmp) = SharedFile::create_unpublished(path, store_id, first_number)?;
    let filled =
        shared.seed_recorded(recorded).and_then(|_| exchange_push_only(store, &mut shared, progress)).and_then(|f| {
            shared.check_integrity()?;
            if let Some(f) = before_publish {
                f()?;
            }
            Ok(f)
        });
    match filled {
        Ok(f) => {
            shared.publish(&tmp, path)?;
            Ok(f)
        }
        Err(e) => {
            drop(shared);
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Push every op of this store into a shared store being built.
pub(super) fn exchange_push_only(
    store: &mut Store,
    shared: &mut dyn Remote,
    progress: Progress,
) -> Result<PushOutcome, SyncError> {
    let mut total = PushOutcome::default();
    let now = store.now_ms();
    let me = store.replica();
    let local: HashMap<ReplicaId, u64> = store.replica_heads()?.into_iter().collect();
    let numbering = numbering_replicas(store)?;
    let mut numbering = numbering;
    let mut p = plan(&local, &HashMap::new(), me, &numbering);
    numbering_first(store, &mut p, &mut numbering, me)?;
    let mut ctx = PushContext { now_ms: now, instance: None };
    if local.contains_key(&me) {
        ctx.instance = Some((me, new_instance(store)?));
    }
    let (mut done, todo) = (0u64, p.push_count());
    progress(0, todo);
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
            let out = shared.push(&batch, &ctx).map_err(|e| with_role(e, me, &numbering))?;
            total.added += out.added;
            total.numbered += out.numbered;
            total.max_lock = total.max_lock.max(out.max_lock);
            done += batch.len() as u64;
            progress(done, todo);
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
    if let Some(url) = path.to_str().filter(|p| pg::is_url(p)) {
        let mut desk = pg::PgRemote::open(url)?;
        let id = desk.store_id().to_string();
        if store.store_id()? != id && store.own_numbered_tickets()? > 0 && desk.has_numbered_tickets()? {
            return Err(SyncError::Refused(format!(
                "cannot join {url}: this store numbered {} tickets of its own (#1, #2, ...) and the desk has numbered tickets too, \
                 so the same numbers would name different tickets. Join with a new store (`tix --db NEW.db init`, then `tix --db NEW.db sync join {url}`)",
                store.own_numbered_tickets()?
            )));
        }
        if !store.knows_store(&id)? && !confirm(&id) {
            return Err(SyncError::Refused("not joined (declined)".into()));
        }
        drop(desk);
        store.set_joined(&id, url)?;
        return sync_now(store);
    }
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

/// Is the shared store sound and in agreement with this store? Its integrity, every op's
/// checksum and counters, and the same op at every common (replica, counter).
pub(super) fn check_health(store: &Store, remote: &mut dyn Remote) -> Result<(), SyncError> {
    remote.check_integrity()?;
    let state = remote.state(store.replica())?;
    let heads = state.heads.clone();
    for (&replica, &head) in &heads {
        let mut after = 0;
        while after < head {
            let raw = remote.read_ops(replica, after, shared::READ_BATCH)?;
            let batch = checked(raw, replica, after, "the shared store")?;
            after = match batch.last() {
                Some((r, _)) => r.counter,
                None => {
                    return Err(SyncError::Fatal(format!(
                        "counter gap in the shared store: ops of replica {replica} after {after} are missing"
                    )));
                }
            };
        }
    }
    let local: HashMap<ReplicaId, u64> = store.replica_heads()?.into_iter().collect();
    if let Some(&(replica, counter)) = divergences(store, remote, &local, &heads)?.first() {
        let numbering = numbering_replicas(store)?;
        return Err(Divergence::identity(replica, counter).with_role(store.replica(), &numbering).into());
    }
    copy_check(store, &state, &local)
}

/// `tix sync rebuild`: a fresh shared store built from this store's op log, published in
/// place of the damaged one, which is kept aside as `PATH.bad-<timestamp>`. Returns the
/// report of the first sync and where the bad file went.
///
/// Refused when the file there was written by a newer tix, holds another store, or is
/// healthy and agrees with this store (unless `force`), and when this store is itself a
/// copy that diverged (`tix sync rejoin` first). The new file starts a numbering epoch
/// above every number issued so far (see [`numbering`]): exactly after the highest
/// recorded in `PATH.numbers`, or with a headroom when that record is missing.
pub fn rebuild(store: &mut Store, force: bool) -> Result<(SyncReport, Option<PathBuf>), SyncError> {
    rebuild_with(store, force, &|_, _| {})
}

/// [`rebuild`], telling `progress` how far it has come.
pub fn rebuild_with(
    store: &mut Store,
    force: bool,
    progress: Progress,
) -> Result<(SyncReport, Option<PathBuf>), SyncError> {
    let path = PathBuf::from(store.sync_value("path")?.ok_or(SyncError::NotJoined)?);
    let store_id = store.sync_value("store_id")?.ok_or(SyncError::NotJoined)?;
    if let Some(url) = path.to_str().filter(|p| pg::is_url(p)) {
        return rebuild_desk(store, url, &store_id, force, progress);
    }
    let cleaned = shared::clean_stale_temp(&path);
    let exists = std::fs::symlink_metadata(&path).is_ok();
    let mut salvaged = None;
    if exists {
        match SharedFile::open(&path) {
            Err(e @ (SyncError::TooNew { .. } | SyncError::Offline(_))) => return Err(e),
            Ok(mut f) => {
                if f.store_id() != store_id {
                    return Err(SyncError::Refused(format!(
                        "{} holds another shared store (id {}; this store syncs with {store_id}); `tix sync rebuild` \
                         only replaces this store's own shared file. If that one is yours now, `tix sync join {}`",
                        path.display(),
                        f.store_id(),
                        path.display()
                    )));
                }
                match check_health(store, &mut f) {
                    Ok(()) if !force => {
                        return Err(SyncError::Refused(format!(
                            "{} is healthy (its integrity, every op's checksum and its agreement with this store \
                             check out): there is nothing to rebuild; `tix sync` syncs with it \
                             (`tix sync rebuild --force` replaces it anyway)",
                            path.display()
                        )));
                    }
                    Err(SyncError::Diverged(d)) if d.role == Role::Own => return Err(SyncError::Diverged(d)),
                    Err(e @ (SyncError::Offline(_) | SyncError::Local(_))) => return Err(e),
                    _ => {}
                }
            }
            Err(_) => {}
        }
        salvaged = shared::salvage_highest(&path);
    }
    let numbering = numbering_replicas(store)?;
    let highest = store.highest_final_number(&numbering)?.max(salvaged.unwrap_or(0));
    let journal = shared::side_path(&path);
    let recorded = shared::journal_highest(&journal, &store_id);
    // The journal's numbers go to their tickets again, except where this store's own log
    // says otherwise (only after a whole share went back in time): the rebuild is built
    // from this store's log, and a store holding the journal's version is refused and
    // rejoins.
    let mine: HashMap<uuid::Uuid, u64> = store.final_numbers()?.into_iter().collect();
    let taken: HashMap<u64, uuid::Uuid> = mine.iter().map(|(t, n)| (*n, *t)).collect();
    let entries: Vec<(uuid::Uuid, u64)> = shared::journal_entries(&journal, &store_id)
        .unwrap_or_default()
        .into_iter()
        .filter(|(t, n)| mine.get(t).is_none_or(|m| m == n) && taken.get(n).is_none_or(|o| o == t))
        .collect();
    let first = match recorded {
        Some(h) if h >= highest => h + 1,
        _ => {
            let (issued, newest) = store.numbering_activity(&numbering, numbering::RATE_WINDOW_MS)?;
            numbering::base_with_headroom(
                highest.max(recorded.unwrap_or(0)),
                numbering::headroom(issued, newest, store.now_ms()),
            )
        }
    };
    let aside: std::cell::RefCell<Option<PathBuf>> = std::cell::RefCell::new(None);
    let move_aside = || -> Result<(), SyncError> {
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(());
        }
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let bad = PathBuf::from(format!("{}.bad-{stamp}", path.display()));
        std::fs::rename(&path, &bad)
            .map_err(|e| SyncError::Offline(format!("cannot move {} aside: {e}", path.display())))?;
        let journal = PathBuf::from(format!("{}-journal", path.display()));
        if journal.exists() {
            let _ = std::fs::rename(&journal, format!("{}-journal", bad.display()));
        }
        *aside.borrow_mut() = Some(bad);
        Ok(())
    };
    let built = build_and_publish(store, &path, &store_id, first, &entries, Some(&move_aside), progress)?;
    // Nobody should stop at what the old file's generation was.
    store.set_sync_values(&[("seen", None), ("fatal", None), ("diverged", None)])?;
    let mut report = sync_now(store)?;
    report.pushed += built.added;
    report.numbered += built.numbered;
    report.new_epoch = Some(first);
    report.cleaned.extend(cleaned);
    report.max_lock_ms = report.max_lock_ms.max(built.max_lock.as_secs_f64() * 1000.0);
    Ok((report, aside.into_inner()))
}

/// `tix sync rebuild` of a PostgreSQL desk: the damaged schema is renamed aside
/// (`DESK_bad_<timestamp>`) and the desk made again from this store's op log, its
/// numbers continuing above the highest this store or the old desk shows.
fn rebuild_desk(
    store: &mut Store,
    url: &str,
    store_id: &str,
    force: bool,
    progress: Progress,
) -> Result<(SyncReport, Option<PathBuf>), SyncError> {
    let numbering = numbering_replicas(store)?;
    let mut highest = store.highest_final_number(&numbering)?;
    match pg::PgRemote::open(url) {
        Err(e @ (SyncError::TooNew { .. } | SyncError::Offline(_) | SyncError::Refused(_))) => {
            if !matches!(&e, SyncError::Offline(m) if m.contains("there is no desk") || m.contains("being created")) {
                return Err(e);
            }
        }
        Ok(mut d) => {
            if d.store_id() != store_id {
                return Err(SyncError::Refused(format!(
                    "{url} holds another desk (store id {}; this store syncs with {store_id})",
                    d.store_id()
                )));
            }
            match check_health(store, &mut d) {
                Ok(()) if !force => {
                    return Err(SyncError::Refused(format!(
                        "{url} is healthy (every op's counters and its agreement with this store check out): there is \
                         nothing to rebuild; `tix sync` syncs with it (`tix sync rebuild --force` replaces it anyway)"
                    )));
                }
                Err(SyncError::Diverged(d)) if d.role == Role::Own => return Err(SyncError::Diverged(d)),
                Err(e @ (SyncError::Offline(_) | SyncError::Local(_))) => return Err(e),
                _ => {}
            }
            highest = highest.max(d.highest_number().unwrap_or(0));
        }
        Err(_) => {}
    }
    let aside = pg::PgRemote::move_aside(url)?;
    let target = pg::Target::parse(url)?;
    let mut desk = pg::PgRemote::create(url, store_id, highest + 1, &target.user())?;
    let built = exchange_push_only(store, &mut desk, progress)?;
    desk.check_integrity()?;
    desk.publish()?;
    drop(desk);
    store.set_sync_values(&[("seen", None), ("fatal", None), ("diverged", None)])?;
    let mut report = sync_now(store)?;
    report.pushed += built.added;
    report.numbered += built.numbered;
    report.new_epoch = Some(highest + 1);
    Ok((report, aside.map(PathBuf::from)))
}

/// What `tix sync rejoin` did.
#[derive(Debug, Clone, Serialize)]
pub struct RejoinReport {
    pub old_replica: ReplicaId,
    pub new_replica: ReplicaId,
    /// This store's own changes the shared store did not hold, now under the new replica.
    pub carried_over: usize,
    /// Other replicas' ops dropped in favour of the shared store's version.
    pub dropped: usize,
    /// Tickets whose final number here was not the shared store's: (ticket, old number).
    pub renumbered: Vec<(TicketId, TicketNumber)>,
    pub sync: SyncReport,
}

/// `tix sync rejoin`: the way out of a divergence. This store continues under a new
/// replica id: its own changes that the shared store does not hold (from the first
/// counter where the two differ, or all unsynced ones) are carried over as new ops of
/// the new replica, with their content and times unchanged. Ops of other replicas where
/// this store and the shared store differ (and numbers the shared store gives
/// otherwise) are dropped here in favour of the shared store's version; a ticket whose
/// final number changes that way gets a note saying what it was. Then it syncs.
pub fn rejoin(store: &mut Store) -> Result<RejoinReport, SyncError> {
    let path = PathBuf::from(store.sync_value("path")?.ok_or(SyncError::NotJoined)?);
    let expected = store.sync_value("store_id")?.ok_or(SyncError::NotJoined)?;
    let mut owned = open_remote(&path.display().to_string())?;
    if owned.store_id() != expected {
        return Err(SyncError::WrongStore { path, found: owned.store_id().to_string(), expected });
    }
    let remote = owned.as_mut();
    let me = store.replica();
    let local: HashMap<ReplicaId, u64> = store.replica_heads()?.into_iter().collect();
    let heads = remote.state(me)?.heads;
    let mut cut: HashMap<ReplicaId, u64> = divergences(store, remote, &local, &heads)?.into_iter().collect();
    // Numbers this store would relay that the shared store gives otherwise.
    for (&replica, &l) in &local {
        let r = heads.get(&replica).copied().unwrap_or(0);
        if replica == me || l <= r || cut.contains_key(&replica) {
            continue;
        }
        let mut claims = Vec::new();
        let mut after = r;
        while after < l {
            let batch = store.raw_ops_after(replica, after, shared::READ_BATCH)?;
            let Some(last) = batch.last().map(|o| o.counter) else { break };
            for raw in batch.into_iter().filter(|o| o.kind == "ticket.number") {
                if let Ok(Op { payload: Payload::TicketNumber(n), .. }) = raw.decode() {
                    claims.push((raw.counter, raw.entity, n.number.0));
                }
            }
            after = last;
        }
        let owners = remote.number_owners(&claims.iter().map(|(_, t, n)| (*t, *n)).collect::<Vec<_>>())?;
        let first = claims
            .iter()
            .zip(owners)
            .find(|((_, t, n), o)| o.holder.is_some_and(|h| h != *t) || o.number.is_some_and(|m| m != *n));
        if let Some(((counter, ..), _)) = first {
            cut.insert(replica, *counter);
        }
    }
    // Everything of ours the shared store does not hold moves to the new replica: under
    // this replica id, and under the ids this store wrote as before (up to where they
    // stopped being its own), which another copy may have written differently since.
    let held = heads.get(&me).copied().unwrap_or(0).min(local.get(&me).copied().unwrap_or(0));
    let own_from = cut.remove(&me).unwrap_or(held + 1).min(held + 1);
    let mut former = former_replicas(store)?;
    let mut carried_former = Vec::new();
    for (r, until) in former.iter_mut() {
        if let Some(&d) = cut.get(r).filter(|d| **d < *until) {
            cut.remove(r);
            carried_former.push((*r, d, *until));
            *until = d;
        }
    }
    let drops: Vec<(ReplicaId, u64)> = cut.into_iter().collect();
    let rw = store.rejoin_rewrite(own_from, &carried_former, &drops)?;
    former.push((rw.old, own_from));
    let former = former.iter().map(|(r, u)| format!("{r}:{u}")).collect::<Vec<_>>().join(" ");
    store.set_sync_values(&[
        ("former_replicas", Some(former)),
        ("joined_counter", Some("0".into())),
        ("acked", Some("0".into())),
        ("instances", None),
        ("fatal", None),
        ("diverged", None),
        ("last_error", None),
        ("last_error_at", None),
    ])?;
    // Say on each ticket whose number changed here what it was: once the sync brought its
    // number (and the ticket, if another copy's version of it came back) in.
    let pending = rw.renumbered.iter().map(|(t, n)| format!("{t}:{}", n.0));
    let mut list = store.sync_value("renumbered")?.unwrap_or_default();
    for p in pending {
        list.push(' ');
        list.push_str(&p);
    }
    store.set_sync_values(&[("renumbered", Some(list.trim().to_string()).filter(|l| !l.is_empty()))])?;
    drop(owned);
    let mut sync = sync_now(store)?;
    // The notes (written by that sync) go out too.
    renumber_notes(store)?;
    if status(store)?.unsynced > 0 {
        let again = sync_now(store)?;
        sync.pushed += again.pushed;
        sync.pulled += again.pulled;
    }
    Ok(RejoinReport {
        old_replica: rw.old,
        new_replica: rw.new,
        carried_over: rw.carried,
        dropped: rw.dropped,
        renumbered: rw.renumbered,
        sync,
    })
}
