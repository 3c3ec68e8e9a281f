//! The shared store file: one SQLite file on a network share or in a shared directory
//! that every replica pushes to and pulls from.
//!
//! - Rollback journal (`journal_mode=DELETE`), never WAL: WAL needs shared memory that
//!   network file systems do not provide. A file found in WAL mode is refused.
//! - `synchronous=FULL`: a sync acknowledged is on the file server's disk.
//! - Opened without the create flag: a missing file means "offline", never "make a new
//!   empty store". Only [`SharedFile::create_unpublished`] (`tix sync init`, `tix sync
//!   rebuild`) makes one, under a temporary name, published with a no-clobber link.
//! - Identified by `application_id`, and by a format version and a store id in `meta`,
//!   all checked on every open, together with the file's size against its header (a
//!   truncated file is caught before any of it is read). A file of format 1 is upgraded
//!   in place on first open (format 2 adds the generation, epochs and instance nonces).
//! - Writes in short `BEGIN IMMEDIATE` transactions of at most [`PUSH_BATCH`] ops, with a
//!   busy timeout and retries with jitter; reads in chunks of [`READ_BATCH`] ops. Every
//!   write transaction raises the file's generation (`seq`), so that a store can tell a
//!   file that went back in time from one that moved on.
//! - The shared store issues final ticket numbers under its write lock, as
//!   `ticket.number` ops of its numbering replica (one per epoch, see
//!   [`super::numbering`]). A number is never given to two tickets nor a ticket two
//!   numbers: such a push is refused, not merged. The highest number ever issued is also
//!   written to `PATH.numbers` beside the file *before* the transaction that issues it
//!   commits, so that a file restored from a backup or truncated cannot issue it again.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use super::journal::{Journal, journal_unreadable};
pub use super::journal::{journal_entries, journal_highest, journal_start};
use super::numbering;
pub use super::push::{NumberOwner, PushOutcome};
use super::push::{instance_key, meta, own_activity, push_batch, record, rotate, set_meta};
use super::temp_files::temp_prefix;
pub use super::temp_files::{STALE_TEMP, clean_stale_temp, host_name, side_path};
use super::{PushContext, Remote, RemoteState, SyncError};
use crate::domain::ids::ReplicaId;
use crate::domain::op::{Op, RawOp};
use crate::store::oplog;

/// `PRAGMA application_id` of a tix shared store ("TIXS").
pub const APPLICATION_ID: i32 = 0x5449_5853;
/// The shared store format this binary writes (and the newest it reads).
pub const FORMAT: i64 = 2;
/// Ops per write transaction: keeps the lock held well under a second.
pub const PUSH_BATCH: usize = 2_000;
/// Ops per read transaction.
pub const READ_BATCH: usize = 5_000;
/// How long SQLite waits for a lock before one attempt gives up.
const BUSY_TIMEOUT: Duration = Duration::from_millis(2_000);
/// Attempts per transaction before the shared store counts as unreachable (busy).
const ATTEMPTS: u32 = 6;
const SCHEMA: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE replicas (
    idx  INTEGER PRIMARY KEY,
    uuid BLOB NOT NULL UNIQUE
);
-- The same columns as a local op log, keyed by (replica, counter).
CREATE TABLE ops (
    replica  INTEGER NOT NULL REFERENCES replicas(idx),
    counter  INTEGER NOT NULL,
    hlc      INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    entity   BLOB NOT NULL,
    kind     TEXT NOT NULL,
    payload  TEXT NOT NULL,
    checksum BLOB NOT NULL,
    PRIMARY KEY (replica, counter)
) WITHOUT ROWID;
-- Final ticket numbers, one per ticket and one ticket per number.
CREATE TABLE numbers (
    ticket BLOB PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE
) WITHOUT ROWID;
"#;

/// Numbers issued before this file was built or went back in time, from the journal
/// (`PATH.numbers`): a ticket listed gets its number again, no other ticket gets it.
const RECORDED: &str = r#"
CREATE TABLE IF NOT EXISTS recorded (
    ticket BLOB PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE
) WITHOUT ROWID;
"#;

/// An open shared store file.
pub struct SharedFile {
    conn: Connection,
    path: PathBuf,
    /// The journal of numbers issued (`PATH.numbers` of the published path).
    side: PathBuf,
    store_id: String,
}

/// Where a shared store's history stands: which file (a new incarnation at every
/// `sync init` and `sync rebuild`) and how many write transactions it has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    pub incarnation: String,
    pub seq: u64,
}

impl Generation {
    pub fn encode(&self) -> String {
        format!("{}:{}", self.incarnation, self.seq)
    }
    pub fn decode(s: &str) -> Option<Generation> {
        let (i, n) = s.rsplit_once(':')?;
        Some(Generation { incarnation: i.to_string(), seq: n.parse().ok()? })
    }
}

impl SharedFile {
    /// Open an existing shared store, checking everything that identifies it.
    pub fn open(path: &Path) -> Result<SharedFile, SyncError> {
        let header = match read_header(path) {
            // A hot journal: a writer crashed mid-commit, possibly with page 1 half written.
            // SQLite rolls it back on the first read; let it, and judge the file after.
            Err(SyncError::Fatal(_)) if journal_of(path).exists() => [0u8; 100],
            r => r?,
        };
        if header[18] == 2 || header[19] == 2 {
            return Err(SyncError::Fatal(format!(
                "{} is in WAL mode, which does not work for a shared file (on a network file system it corrupts); \
                 someone changed it with another tool. With nobody syncing, `sqlite3 {} 'PRAGMA journal_mode=DELETE'` \
                 switches it back",
                path.display(),
                path.display()
            )));
        }
        match SharedFile::open_checked(path) {
            // SQLite reports a file shorter than its header says as "malformed": say what it is.
            Err(SyncError::Fatal(m)) => Err(check_shape(path).err().unwrap_or(SyncError::Fatal(m))),
            r => r,
        }
    }

    fn open_checked(path: &Path) -> Result<SharedFile, SyncError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
        let shared = SharedFile { conn, path: path.to_path_buf(), side: side_path(path), store_id: String::new() };
        shared.configure()?;
        if shared.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Err(SyncError::Offline(format!(
                "{} is read-only for you (check the file's permissions and group)",
                path.display()
            )));
        }
        let mut shared = shared.identify()?;
        shared.upgrade()?;
        Ok(shared)
    }

    fn configure(&self) -> Result<(), SyncError> {
        let e = |e| classify(&self.path, e);
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(e)?;
        self.conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;").map_err(e)
    }

    /// The time of the file's last change, by the file server's clock.
    pub fn modified_ms(&self) -> Option<i64> {
        let m = std::fs::metadata(&self.path).ok()?.modified().ok()?;
        Some(m.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as i64)
    }

    /// Check application id, format and store id, and the file's size against its
    /// header, under a read lock (no writer is half-way through a commit meanwhile).
    fn identify(mut self) -> Result<SharedFile, SyncError> {
        let path = self.path.clone();
        let p = path.clone();
        let (app_id, format, store_id) = self.read(|c| {
            // Page 1 is read (a read lock held) before the size check; the rest after it.
            let app_id: i32 = c.query_row("PRAGMA application_id", [], |r| r.get(0))?;
            c.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))?;
            if let Err(e) = check_shape(&p) {
                return Ok(Err(e));
            }
            let has_meta: bool = c.query_row(
                "SELECT EXISTS(SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta')",
                [],
                |r| r.get(0),
            )?;
            let (format, store_id) = if has_meta {
                let get = |k: &str| -> rusqlite::Result<Option<String>> {
                    c.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0)).optional()
                };
                (get("format")?, get("store_id")?)
            } else {
                (None, None)
            };
            Ok(Ok((app_id, format, store_id)))
        })??;
        if app_id != APPLICATION_ID {
            return Err(SyncError::Fatal(format!(
                "{} is not a tix shared store (wrong application id {app_id:#x})",
                path.display()
            )));
        }
        let format: i64 = format.and_then(|f| f.parse().ok()).ok_or_else(|| {
            SyncError::Fatal(format!("{} has no readable format version: it is damaged", path.display()))
        })?;
        if format > FORMAT {
            return Err(SyncError::TooNew { path: path.clone(), found: format, known: FORMAT });
        }
        self.store_id = store_id
            .filter(|s| Uuid::parse_str(s).is_ok())
            .ok_or_else(|| SyncError::Fatal(format!("{} has no readable store id: it is damaged", path.display())))?;
        Ok(self)
    }

    /// Bring a file of an older format up to [`FORMAT`] (format 1 → 2: a generation and
    /// an epoch counter; the numbering replica it had stays the current one).
    fn upgrade(&mut self) -> Result<(), SyncError> {
        let format: i64 = self.read(|c| meta(c, "format"))?.parse().unwrap_or(0);
        if format >= FORMAT {
            return Ok(());
        }
        let path = self.path.clone();
        retry(&path, || {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(RECORDED)?;
            for (k, v) in [("incarnation", Uuid::new_v4().to_string()), ("seq", "0".into()), ("epoch", "1".into())] {
                tx.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?1, ?2)", params![k, v])?;
            }
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'format' AND CAST(value AS INTEGER) < ?2",
                params![FORMAT.to_string(), FORMAT],
            )?;
            tx.commit()
        })
    }

    /// Build a new shared store under a temporary name next to `path` (not yet
    /// published) whose first final number will be `first_number`.
    pub fn create_unpublished(
        path: &Path,
        store_id: &str,
        first_number: u64,
    ) -> Result<(SharedFile, PathBuf), SyncError> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(SyncError::Offline(format!(
                "directory {} does not exist (is the share mounted?)",
                dir.display()
            )));
        }
        let tmp = dir.join(format!(
            "{}{}-{}-{}",
            temp_prefix(path),
            host_name(),
            std::process::id(),
            Uuid::new_v4().simple()
        ));
        // For the team's group (0660 at most, narrowed by the umask), never for others;
        // SQLite gives its journal the same mode.
        crate::fsmode::create_group_file(&tmp)
            .map_err(|e| SyncError::Offline(format!("cannot create {}: {e}", tmp.display())))?;
        let conn = Connection::open_with_flags(
            &tmp,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(&tmp, e))?;
        let build = || -> rusqlite::Result<()> {
            let jm: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
            debug_assert_eq!(jm, "delete");
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
            conn.execute_batch("BEGIN IMMEDIATE")?;
            conn.execute_batch(SCHEMA)?;
            conn.execute_batch(RECORDED)?;
            let own = Uuid::new_v4();
            conn.execute("INSERT INTO replicas(idx, uuid) VALUES (1, ?1)", [own])?;
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('format', ?1), ('store_id', ?2), ('next_number', ?3),
                    ('replica', ?4), ('counter', '0'), ('hlc', '0'), ('incarnation', ?5), ('seq', '0'), ('epoch', '1')",
                params![
                    FORMAT.to_string(),
                    store_id,
                    first_number.max(1).to_string(),
                    own.to_string(),
                    Uuid::new_v4().to_string()
                ],
            )?;
            conn.execute_batch("COMMIT")
        };
        if let Err(e) = build() {
            let _ = std::fs::remove_file(&tmp);
            return Err(classify(&tmp, e));
        }
        let shared = SharedFile { conn, path: tmp.clone(), side: side_path(path), store_id: store_id.to_string() };
        shared.configure()?;
        Ok((shared, tmp))
    }

    /// Publish a store built by [`SharedFile::create_unpublished`] at `path`, never
    /// replacing a file that is there: a hard link fails if `path` exists.
    pub fn publish(self, tmp: &Path, path: &Path) -> Result<(), SyncError> {
        drop(self);
        let r = std::fs::hard_link(tmp, path);
        let _ = std::fs::remove_file(tmp);
        match r {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(SyncError::Refused(format!("{} exists already; nothing was replaced", path.display())))
            }
            Err(e) => Err(SyncError::Offline(format!("cannot create {}: {e}", path.display()))),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    /// The shared store's own replica (the author of `ticket.number` ops).
    pub fn own_replica(&mut self) -> Result<ReplicaId, SyncError> {
        self.read(|c| meta(c, "replica")).and_then(|v| {
            Uuid::parse_str(&v)
                .map(ReplicaId)
                .map_err(|_| SyncError::Fatal(format!("{}: meta replica '{v}' is damaged", self.path.display())))
        })
    }

    /// Does the shared store hold any ticket with a final number?
    pub fn has_numbered_tickets(&mut self) -> Result<bool, SyncError> {
        self.read(|c| c.query_row("SELECT EXISTS(SELECT 1 FROM numbers)", [], |r| r.get(0)))
    }

    /// The next final number the shared store will issue.
    pub fn next_number(&mut self) -> Result<u64, SyncError> {
        Ok(self.read(|c| meta(c, "next_number"))?.parse().unwrap_or(1))
    }

    /// Numbers issued before this file was built (from the journal): each listed ticket
    /// gets its number again when its `ticket.new` arrives, and no other ticket gets it.
    pub fn seed_recorded(&mut self, entries: &[(Uuid, u64)]) -> Result<(), SyncError> {
        let path = self.path.clone();
        retry(&path, || {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            record(&tx, entries)?;
            tx.commit()
        })
    }

    /// If the journal knows numbers this file does not (it went back in time: restored
    /// from a backup on its own), take them in (`recorded`) and start a new epoch right
    /// after the highest, in a transaction of its own: whatever else happens next (a push
    /// refused), the file never issues those numbers again. Returns the epoch's start.
    fn absorb_journal(&mut self) -> Result<Option<u64>, SyncError> {
        let (side_path, store_id) = (self.side.clone(), self.store_id.clone());
        let side = Journal { path: &side_path, store_id: &store_id };
        let Some(h) = side.highest().map_err(|e| journal_unreadable(&side_path, e))? else { return Ok(None) };
        if h < self.next_number()? {
            return Ok(None);
        }
        let entries = side.entries().map_err(|e| journal_unreadable(&side_path, e))?.unwrap_or_default();
        let path = self.path.clone();
        retry(&path, || {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let next: u64 = meta(&tx, "next_number")?.parse().unwrap_or(1);
            if h < next {
                return Ok(None); // someone else just did
            }
            record(&tx, &entries)?;
            rotate(&tx, h + 1)?;
            let seq: u64 = meta(&tx, "seq")?.parse().unwrap_or(0);
            set_meta(&tx, "seq", &(seq + 1).to_string())?;
            tx.commit()?;
            Ok(Some(h + 1))
        })
    }

    /// Run `f` in a read transaction, retrying while the file is busy.
    fn read<T>(&mut self, f: impl Fn(&Connection) -> rusqlite::Result<T>) -> Result<T, SyncError> {
        let path = self.path.clone();
        retry(&path, || {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let v = f(&tx)?;
            tx.commit()?;
            Ok(v)
        })
    }
}

impl Remote for SharedFile {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn store_id(&self) -> &str {
        &self.store_id
    }

    fn state(&mut self, me: ReplicaId) -> Result<RemoteState, SyncError> {
        let key = instance_key(me);
        let (generation, heads, numbering, instance) = self.read(|c| {
            let generation =
                Generation { incarnation: meta(c, "incarnation")?, seq: meta(c, "seq")?.parse().unwrap_or(0) };
            let replicas: Vec<(i64, Uuid)> = c
                .prepare_cached("SELECT idx, uuid FROM replicas")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut heads = HashMap::new();
            for (idx, id) in replicas {
                let max: Option<i64> = c
                    .prepare_cached("SELECT MAX(counter) FROM ops WHERE replica = ?1")?
                    .query_row([idx], |r| r.get(0))?;
                if let Some(m) = max {
                    heads.insert(ReplicaId(id), m as u64);
                }
            }
            let instance: Option<String> =
                c.query_row("SELECT value FROM meta WHERE key = ?1", [&key], |r| r.get(0)).optional()?;
            Ok((generation, heads, meta(c, "replica")?, instance))
        })?;
        let numbering = Uuid::parse_str(&numbering)
            .map(ReplicaId)
            .map_err(|_| SyncError::Fatal(format!("{}: meta replica '{numbering}' is damaged", self.path.display())))?;
        Ok(RemoteState { generation, heads, numbering, instance, who: None })
    }

    fn checksums(&mut self, at: &[(ReplicaId, u64)]) -> Result<Vec<Option<Vec<u8>>>, SyncError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT o.checksum FROM ops o JOIN replicas r ON r.idx = o.replica WHERE r.uuid = ?1 AND o.counter = ?2",
            )?;
            at.iter().map(|(r, n)| st.query_row(params![r.0, *n as i64], |row| row.get(0)).optional()).collect()
        })
    }

    fn number_owners(&mut self, claims: &[(Uuid, u64)]) -> Result<Vec<NumberOwner>, SyncError> {
        self.absorb_journal()?;
        self.read(|c| {
            // As a push would judge it: a number the journal lists for a ticket is that ticket's.
            let mut holder = c.prepare_cached("SELECT ticket FROM numbers WHERE number = ?1")?;
            let mut recorded = c.prepare_cached("SELECT ticket FROM recorded WHERE number = ?1")?;
            let mut number = c.prepare_cached("SELECT number FROM numbers WHERE ticket = ?1")?;
            claims
                .iter()
                .map(|(t, n)| {
                    let held: Option<Uuid> = holder.query_row([*n as i64], |r| r.get(0)).optional()?;
                    let listed: Option<Uuid> = recorded.query_row([*n as i64], |r| r.get(0)).optional()?;
                    Ok(NumberOwner {
                        holder: held.or(listed.filter(|l| l != t)),
                        number: number.query_row([t], |r| r.get::<_, i64>(0)).optional()?.map(|n| n as u64),
                    })
                })
                .collect()
        })
    }

    fn read_ops(&mut self, replica: ReplicaId, after: u64, limit: usize) -> Result<Vec<RawOp>, SyncError> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {} FROM ops o JOIN replicas r ON r.idx = o.replica
                 WHERE r.uuid = ?1 AND o.counter > ?2 ORDER BY o.counter LIMIT ?3",
                oplog::COLUMNS
            ))?;
            let rows =
                st.query_map(params![replica.0, after as i64, limit as i64], |r| oplog::read(r, Some(replica), None))?;
            rows.collect()
        })
    }

    fn push(&mut self, ops: &[(RawOp, Op)], ctx: &PushContext) -> Result<PushOutcome, SyncError> {
        let mut out = PushOutcome { new_epoch: self.absorb_journal()?, ..Default::default() };
        for chunk in ops.chunks(PUSH_BATCH) {
            let path = self.path.clone();
            let side = Journal { path: &self.side, store_id: &self.store_id };
            let (r, held) = retry(&path, || {
                let started = Instant::now();
                let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let r = push_batch(&tx, chunk, ctx, &side)?;
                if r.is_ok() {
                    tx.commit()?;
                } // else dropped: rolled back
                Ok((r, started.elapsed()))
            })?;
            let b = r?;
            out.added += b.added;
            out.numbered += b.numbered;
            out.new_epoch = out.new_epoch.or(b.new_epoch);
            out.max_lock = out.max_lock.max(held);
        }
        Ok(out)
    }

    fn new_numbering_epoch(&mut self, at_least: u64, seen_seq: u64, now_ms: i64) -> Result<u64, SyncError> {
        let path = self.path.clone();
        let side = Journal { path: &self.side, store_id: &self.store_id };
        retry(&path, || {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let next: u64 = meta(&tx, "next_number")?.parse().unwrap_or(1);
            let issued = match side.highest() {
                Ok(h) => h,
                Err(e) => return Ok(Err(journal_unreadable(side.path, e))),
            };
            // The journal knows of numbers the file lost: continue right after them.
            let base = match issued {
                Some(h) if h >= next => {
                    record(&tx, &side.entries().ok().flatten().unwrap_or_default())?;
                    (h + 1).max(at_least)
                }
                _ => {
                    let (n, newest) = own_activity(&tx, now_ms)?;
                    numbering::base_with_headroom(
                        next.saturating_sub(1).max(issued.unwrap_or(0)).max(at_least.saturating_sub(1)),
                        numbering::headroom(n, newest, now_ms),
                    )
                }
            };
            rotate(&tx, base)?;
            if let Err(e) = side.append(Some(base), &[]) {
                return Ok(Err(e));
            }
            // Past every generation the lost history reached (as far as this store saw it).
            let seq: u64 = meta(&tx, "seq")?.parse().unwrap_or(0);
            set_meta(&tx, "seq", &(seq.max(seen_seq) + 1).to_string())?;
            tx.commit()?;
            Ok(Ok(base))
        })?
    }

    fn server_ms(&mut self) -> Option<i64> {
        self.modified_ms()
    }

    fn check_integrity(&mut self) -> Result<(), SyncError> {
        let path = self.path.clone();
        // quick_check walks every page and b-tree; the unique indexes (numbers, replicas)
        // are small, so they are checked against their tables in full.
        let problems = self.read(|c| {
            let mut out = Vec::new();
            for sql in ["PRAGMA quick_check(20)", "PRAGMA integrity_check(numbers)", "PRAGMA integrity_check(replicas)"]
            {
                let mut st = c.prepare(sql)?;
                let rows: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                out.extend(rows.into_iter().filter(|r| r != "ok"));
            }
            Ok(out)
        })?;
        if problems.is_empty() {
            return Ok(());
        }
        let shown = problems.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
        Err(SyncError::Fatal(format!(
            "{} failed its integrity check ({}{})",
            path.display(),
            shown,
            if problems.len() > 3 { format!("; {} more", problems.len() - 3) } else { String::new() }
        )))
    }
}

/// The highest final number a damaged shared file still shows (best effort: `None`
/// when nothing of it can be read).
pub fn salvage_highest(path: &Path) -> Option<u64> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let c = Connection::open_with_flags(path, flags).ok()?;
    let next = c
        .query_row("SELECT value FROM meta WHERE key = 'next_number'", [], |r| r.get::<_, String>(0))
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(|n| n.saturating_sub(1));
    let max = c.query_row("SELECT MAX(number) FROM numbers", [], |r| r.get::<_, Option<i64>>(0)).ok().flatten();
    next.into_iter().chain(max.map(|m| m as u64)).max()
}

/// Run `f`, retrying with a growing, jittered pause while the file is busy.
fn retry<T>(path: &Path, mut f: impl FnMut() -> rusqlite::Result<T>) -> Result<T, SyncError> {
    let mut pause = 20u64;
    for attempt in 1..=ATTEMPTS {
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if is_busy(&e) && attempt < ATTEMPTS => {
                std::thread::sleep(Duration::from_millis(pause + jitter(pause)));
                pause = (pause * 2).min(500);
            }
            Err(e) if is_busy(&e) => {
                return Err(SyncError::Offline(format!(
                    "{} stayed locked by someone else's sync; try again in a moment",
                    path.display()
                )));
            }
            Err(e) => return Err(classify(path, e)),
        }
    }
    unreachable!("the last attempt returns")
}

fn jitter(max: u64) -> u64 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let mixed = (nanos as u64 ^ ((std::process::id() as u64) << 17)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 33) % max.max(1)
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// SQLite's errors in the terms of sync: can't reach it (offline) or it is damaged (fatal).
pub(crate) fn classify(path: &Path, e: rusqlite::Error) -> SyncError {
    use rusqlite::ErrorCode as C;
    let p = path.display();
    match e.sqlite_error_code() {
        Some(C::NotADatabase | C::DatabaseCorrupt) => {
            SyncError::Fatal(format!("{p} is damaged (not a readable SQLite database): {e}"))
        }
        Some(C::ReadOnly) => SyncError::Offline(format!("{p} is read-only for you: {e}")),
        Some(C::CannotOpen | C::PermissionDenied | C::AuthorizationForStatementDenied) => {
            SyncError::Offline(format!("cannot open {p} (missing, or no permission for it or its directory): {e}"))
        }
        Some(C::SystemIoFailure | C::DiskFull | C::FileLockingProtocolFailed | C::NoLargeFileSupport) => {
            SyncError::Offline(format!("cannot read or write {p}: {e}"))
        }
        Some(C::DatabaseBusy | C::DatabaseLocked) => SyncError::Offline(format!("{p} is locked: {e}")),
        _ => SyncError::Fatal(format!("{p}: {e}")),
    }
}

fn journal_of(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push("-journal");
    PathBuf::from(p)
}

/// The first 100 bytes (SQLite's header), with missing and unreadable files as offline.
fn read_header(path: &Path) -> Result<[u8; 100], SyncError> {
    let p = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SyncError::Offline(format!("no shared store at {p} (is the share mounted?)")));
        }
        Err(e) => return Err(SyncError::Offline(format!("cannot reach {p}: {e}"))),
    };
    if !meta.is_file() {
        return Err(SyncError::Fatal(format!("{p} is not a file")));
    }
    let mut f = std::fs::File::open(path).map_err(|e| SyncError::Offline(format!("cannot open {p}: {e}")))?;
    let mut header = [0u8; 100];
    let mut got = 0;
    while got < header.len() {
        match f.read(&mut header[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(SyncError::Offline(format!("cannot read {p}: {e}"))),
        }
    }
    if got < header.len() {
        return Err(SyncError::Fatal(format!("{p} is truncated ({got} bytes, shorter than a SQLite header)")));
    }
    if &header[..16] != b"SQLite format 3\0" {
        return Err(SyncError::Fatal(format!("{p} is damaged: it does not start like a SQLite database")));
    }
    Ok(header)
}

/// A file shorter than its header says, or not a whole number of pages, was truncated.
/// Call under a read lock.
fn check_shape(path: &Path) -> Result<(), SyncError> {
    let header = read_header(path)?;
    let p = path.display();
    let page = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n => n as u64,
    };
    let len = std::fs::metadata(path).map_err(|e| SyncError::Offline(format!("cannot reach {p}: {e}")))?.len();
    if page < 512 || !page.is_power_of_two() {
        return Err(SyncError::Fatal(format!("{p} is damaged (page size {page})")));
    }
    if len % page != 0 {
        return Err(SyncError::Fatal(format!(
            "{p} is truncated ({len} bytes is not a whole number of {page}-byte pages)"
        )));
    }
    let pages = u32::from_be_bytes([header[28], header[29], header[30], header[31]]) as u64;
    let valid = header[24..28] == header[92..96] && pages > 0;
    if valid && len < pages * page {
        return Err(SyncError::Fatal(format!(
            "{p} is truncated ({len} bytes; its header says {} bytes)",
            pages * page
        )));
    }
    Ok(())
}
