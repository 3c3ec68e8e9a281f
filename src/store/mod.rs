//! The only module that touches SQLite.
//!
//! A store is one SQLite file: an append-only op log plus materialized tables
//! folded from it. [`Store::commit`] is the one write path: in one
//! `BEGIN IMMEDIATE` transaction it checks each [`Change`] against the current
//! state, turns it into an [`Op`] (replica, counter, HLC, actor, payload,
//! checksum), appends it and applies it.
//!
//! What the store owns, and where:
//! - the op log: rows of `ops` written and read only through [`oplog`] (one insert,
//!   one row mapping, the payload's compression; the shared file's op table uses the
//!   same door), folded by [`apply`];
//! - the materialized tables (tickets, people, assets, articles, links, views,
//!   origins, attachments, time spent): a fold of the log, compared with a rebuild by
//!   `tix store verify`. Notes and replies are *not* materialized: their text lives
//!   once, in the log, and the timeline reads it from there;
//! - caches derived from those tables, not compared by verify: the full-text indexes
//!   (contentless for tickets: they hold no text), SLA clocks, KB numbers, and
//!   `counts` (maintained by triggers: what `store info` and the status counts read);
//! - the schema and its upgrades ([`schema`], and [`upgrade`] for the long ones).

pub(crate) mod apply;
mod asset_rank;
mod fields;
pub(crate) mod fts;
mod intake;
mod kb_search;
mod kb_snippet;
mod lookup;
pub(crate) mod oplog;
mod outbox;
mod query;
mod records;
mod report;
mod schedule;
pub mod schema;
mod search;
mod sla;
mod sync_support;
mod upgrade;
mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use uuid::Uuid;

use crate::domain::DomainError;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::ids::{ReplicaId, TicketNumber};
use crate::domain::op::{Change, Expect, Hlc, Op, Payload, RawOp};

pub use asset_rank::{AssetTier, asset_tier};
pub use intake::{ArticleExport, AssetExport, Attachment, EntryExport, EntryList, TicketExport};
pub use kb_search::KbResults;
pub use outbox::{Outbound, OutboxCounts, Satisfaction, SatisfactionRow};
pub use query::{ArticleHit, AssigneeFilter, Segment, Sort, TicketQuery, TicketRow, TimelineEvent, TimelineItem};
pub use report::{AgentLoad, AgentTime, Count, Day, Report};
pub use schedule::{Escalated, ScheduleOutcome};
pub use search::{TextQuery, parse_terms};
pub use sla::{SlaCounts, TicketSla};
pub use verify::VerifyReport;

pub use sync_support::{IngestReport, Notice, Rewrite};

/// Everything that can go wrong in the store, in words a technician can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no tix store at {0} (create one with `tix init`, or try `tix demo`)")]
    Missing(PathBuf),
    #[error("cannot create a store at {path}: directory {dir} does not exist")]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error("{0} is not a tix store (it is not a SQLite database, or it is corrupt)")]
    NotAStore(PathBuf),
    #[error("{0} is a SQLite database but not a tix store (wrong application id)")]
    ForeignDatabase(PathBuf),
    #[error(
        "{path} was written by a newer tix (store format {found}, this tix knows up to {known}); upgrade tix to use it"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("{0} is read-only: cannot write to it (check the file's permissions)")]
    ReadOnly(PathBuf),
    #[error("cannot change {path}: it was opened read-only because {why}; nothing was written")]
    OpenedReadOnly { path: PathBuf, why: String },
    #[error(
        "{0} is an empty file (0 bytes), not a tix store: run `tix init` to start a new store in it, or restore the store from a backup"
    )]
    EmptyFile(PathBuf),
    #[error("cannot create {path}: {source}")]
    Create { path: PathBuf, source: std::io::Error },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(Box<Conflict>),
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("op log is damaged: {0}")]
    Corrupt(String),
    #[error("database error on {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Indexes the write path reads while it checks changes (tag uniqueness, the next
/// ticket number); a bulk load keeps them. Unique indexes are never dropped.
const BULK_KEEP: &[&str] = &["tickets_number", "assets_tag"];

/// A change prepared against a value someone else has changed since.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "conflict on {target}: {field} was changed by {by} at {at} (now {now}); your change was prepared against {seen}. Reload and try again"
)]
pub struct Conflict {
    pub target: String,
    pub field: String,
    pub by: String,
    pub at: String,
    pub now: String,
    pub seen: String,
}

/// How to open a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The file must exist already.
    Existing,
    /// Create the file (and its schema) when missing; its directory must exist.
    Create,
}

/// A local tix store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    replica: ReplicaId,
    replica_idx: i64,
    clock: Arc<dyn Clock>,
    /// Index definitions dropped by [`Store::bulk_load_mode`], to rebuild.
    bulk_dropped: Vec<String>,
    /// Why the store was opened read-only (it cannot be written), if it was.
    read_only: Option<String>,
    /// How payloads are compressed in this store's op log.
    codec: oplog::OpCodec,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).field("replica", &self.replica).finish()
    }
}

impl Store {
    /// Open (or create) a store on the system clock.
    pub fn open(path: &Path, mode: OpenMode) -> Result<Store> {
        Store::open_with_clock(path, mode, Arc::new(SystemClock))
    }

    /// Open a store. A new file is created private (0600) before SQLite writes to it,
    /// so its `-wal`, `-shm` and `-journal` files, which SQLite gives the store's mode,
    /// are private too. An existing store that cannot be written (no write permission
    /// on the file or its directory, a read-only file system, a full disk) is opened
    /// read-only: reads work, and a write fails with [`StoreError::OpenedReadOnly`].
    pub fn open_with_clock(path: &Path, mode: OpenMode, clock: Arc<dyn Clock>) -> Result<Store> {
        let mut exists = path.exists();
        if exists && is_empty_store_file(path) {
            // An empty file is not a store: only `tix init` (Create) may start one in it.
            match mode {
                OpenMode::Existing => return Err(StoreError::EmptyFile(path.to_path_buf())),
                OpenMode::Create => {
                    std::fs::OpenOptions::new()
                        .write(true)
                        .open(path)
                        .and_then(|f| crate::fsmode::make_private(&f))
                        .map_err(|_| StoreError::ReadOnly(path.to_path_buf()))?;
                }
            }
        }
        if !exists {
            match mode {
                OpenMode::Existing => return Err(StoreError::Missing(path.to_path_buf())),
                OpenMode::Create => {
                    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
                    if !dir.is_dir() {
                        return Err(StoreError::NoDirectory { path: path.to_path_buf(), dir: dir.to_path_buf() });
                    }
                    match crate::fsmode::create_private_file(path) {
                        Ok(_) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => exists = true,
                        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                            return Err(StoreError::ReadOnly(dir.to_path_buf()));
                        }
                        Err(source) => return Err(StoreError::Create { path: path.to_path_buf(), source }),
                    }
                }
            }
        }
        let fresh = !exists;
        let why = if exists { crate::fsmode::why_not_writable(path) } else { None };
        if why.is_some() {
            return Store::open_conn(path, fresh, why, clock);
        }
        crate::fsmode::align_side_files(path);
        match Store::open_conn(path, fresh, None, clock.clone()) {
            Ok(s) => Ok(s),
            // Writable by its permissions but not in fact (a full disk, a directory this
            // user may not create the WAL in): reading may still work.
            Err(e) if exists && may_be_unwritable(&e) => {
                let why = format!("it could not be opened for writing ({e})");
                Store::open_conn(path, false, Some(why), clock).map_err(|_| e)
            }
            Err(e) => Err(e),
        }
    }

    fn open_conn(path: &Path, fresh: bool, read_only: Option<String>, clock: Arc<dyn Clock>) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX
            | if read_only.is_some() { OpenFlags::SQLITE_OPEN_READ_ONLY } else { OpenFlags::SQLITE_OPEN_READ_WRITE };
        let e = |source| StoreError::Sqlite { path: path.to_path_buf(), source };
        let conn = Connection::open_with_flags(path, flags).map_err(e)?;
        if read_only.is_some() {
            // SQLite reads a WAL store only with its -wal and -shm files, which it cannot
            // create where this user may not write: then read the file as it stands
            // (`immutable`: no WAL, no locks) — when the -wal holds nothing the file lacks.
            let mut store = Store::with_conn(conn, path, read_only.clone(), clock.clone());
            let wal_empty = std::fs::metadata(&crate::fsmode::side_files(path)[0]).map_or(true, |m| m.len() == 0);
            return match store.configure(fresh) {
                Err(err) if may_be_unwritable(&err) && wal_empty => {
                    let conn = Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
                        .map_err(e)?;
                    let mut store = Store::with_conn(conn, path, read_only, clock);
                    store.configure(fresh).map_err(|_| err)?;
                    Ok(store)
                }
                r => r.map(|()| store),
            };
        }
        let mut store = Store::with_conn(conn, path, read_only, clock);
        store.configure(fresh)?;
        Ok(store)
    }

    fn with_conn(conn: Connection, path: &Path, read_only: Option<String>, clock: Arc<dyn Clock>) -> Store {
        let _ = conn.busy_timeout(Duration::from_secs(10));
        // Field updates use one statement per column: keep them all prepared.
        conn.set_prepared_statement_cache_capacity(256);
        let codec = oplog::OpCodec::default();
        // Registered before any migration runs: later migrations may read payloads.
        let _ = oplog::register_sql(&conn, &codec);
        Store {
            conn,
            path: path.to_path_buf(),
            replica: ReplicaId(Uuid::nil()),
            replica_idx: 0,
            clock,
            bulk_dropped: vec![],
            read_only,
            codec,
        }
    }

    /// Why this store was opened read-only, if it was.
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// The refusal of a write to a store opened read-only.
    pub(crate) fn refuse_if_read_only(&self) -> Result<()> {
        match &self.read_only {
            Some(why) => Err(StoreError::OpenedReadOnly { path: self.path.clone(), why: why.clone() }),
            None => Ok(()),
        }
    }

    fn configure(&mut self, fresh: bool) -> Result<()> {
        // Identify the file before changing anything in it.
        let app_id: i32 =
            self.conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(|e| self.classify(e))?;
        let version: i64 =
            self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.classify(e))?;
        let empty: bool = self
            .conn
            .query_row("SELECT count(*) = 0 FROM sqlite_schema", [], |r| r.get(0))
            .map_err(|e| self.classify(e))?;
        if !(fresh || empty) && app_id != schema::APPLICATION_ID {
            return Err(StoreError::ForeignDatabase(self.path.clone()));
        }
        if version > schema::current_version() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: schema::current_version(),
            });
        }
        // Local store: WAL lets the console read while a CLI in another terminal writes.
        // synchronous=NORMAL under WAL never corrupts the file; a power cut may lose the
        // last commits, which the op log's sync will not have acknowledged yet either.
        // (A store opened read-only is read in whatever mode it is in.)
        let pragma = if self.read_only.is_some() { "PRAGMA journal_mode" } else { "PRAGMA journal_mode = WAL" };
        let jm: String = self.conn.query_row(pragma, [], |r| r.get(0)).map_err(|e| self.classify(e))?;
        if !jm.eq_ignore_ascii_case("wal") && !self.is_read_only() {
            return Err(StoreError::Corrupt(format!(
                "could not switch {} to WAL mode (got {jm})",
                self.path.display()
            )));
        }
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768;")
            .map_err(|e| self.classify(e))?;
        self.migrate(version)?;
        self.codec.reload(&self.conn).map_err(|e| self.classify(e))?;
        self.catch_up_oplog()?;
        self.conn.execute_batch(fts::STAGE_DDL).map_err(|e| self.classify(e))?;
        self.catch_up_search()?;
        self.catch_up_kb()?;
        self.load_replica()?;
        Ok(())
    }

    fn is_read_only(&self) -> bool {
        self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false)
    }

    /// Apply pending migrations, each in its own transaction.
    fn migrate(&mut self, from: i64) -> Result<()> {
        if let (true, Some(why)) = (from < schema::current_version(), &self.read_only) {
            let why = format!("{why}, and it needs upgrading to store format {} first", schema::current_version());
            return Err(StoreError::OpenedReadOnly { path: self.path.clone(), why });
        }
        let _bar = (from > 0 && from < schema::current_version()).then(|| {
            upgrade::Upgrade::new(
                &format!("tix: upgrading {} to store format {}", self.path.display(), schema::current_version()),
                None,
            )
        });
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(from as usize) {
            let path = self.path.clone();
            let tx =
                self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| classify(&path, e))?;
            tx.execute_batch(sql).map_err(|e| classify(&path, e))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(|e| classify(&path, e))?;
            tx.pragma_update(None, "application_id", schema::APPLICATION_ID).map_err(|e| classify(&path, e))?;
            if i == 0 {
                let store_id = Uuid::new_v4();
                let replica = Uuid::new_v4();
                tx.execute("INSERT INTO replicas(idx, id) VALUES (1, ?1)", params![replica])
                    .map_err(|e| classify(&path, e))?;
                tx.execute(
                    "INSERT INTO meta(key, value) VALUES ('store_id', ?1), ('replica', '1'), ('counter', '0'), ('hlc', '0')",
                    params![store_id.to_string()],
                )
                .map_err(|e| classify(&path, e))?;
            }
            tx.commit().map_err(|e| classify(&path, e))?;
        }
        Ok(())
    }

    fn load_replica(&mut self) -> Result<()> {
        let idx: i64 = self.meta_i64("replica")?;
        let id: Uuid = self
            .conn
            .query_row("SELECT id FROM replicas WHERE idx = ?1", [idx], |r| r.get(0))
            .map_err(|e| self.classify(e))?;
        self.replica = ReplicaId(id);
        self.replica_idx = idx;
        Ok(())
    }

    fn meta_i64(&self, key: &str) -> Result<i64> {
        let v: String = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .map_err(|e| self.classify(e))?;
        v.parse().map_err(|_| StoreError::Corrupt(format!("meta {key} = '{v}' is not a number")))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn replica(&self) -> ReplicaId {
        self.replica
    }
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
    /// The store's own id (shared by every copy of it).
    pub fn store_id(&self) -> Result<String> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key='store_id'", [], |r| r.get(0))
            .map_err(|e| self.classify(e))
    }
    pub fn schema_version(&self) -> Result<i64> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.classify(e))
    }

    fn classify(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e)
    }

    /// The write path. Checks and turns `changes` into ops, appends them to the log and
    /// applies them, all in one `BEGIN IMMEDIATE` transaction: either every change lands
    /// or none does. Changes that would not change anything produce no op.
    pub fn commit(&mut self, actor: &str, changes: Vec<Change>) -> Result<Vec<Op>> {
        self.commit_as(changes.into_iter().map(|c| (actor, c)))
    }

    /// The write path for a batch whose changes come from different actors (imports,
    /// demo data): still one transaction, all or nothing.
    pub fn commit_as<A: AsRef<str>>(&mut self, changes: impl IntoIterator<Item = (A, Change)>) -> Result<Vec<Op>> {
        self.refuse_if_read_only()?;
        let path = self.path.clone();
        let err = |e| classify(&path, e);
        let now = self.clock.now_ms();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        // Counter and clock are read inside the transaction: several processes may share this replica.
        let read = |k: &str| -> Result<i64> {
            let v: String = tx.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0)).map_err(err)?;
            v.parse().map_err(|_| StoreError::Corrupt(format!("meta {k} = '{v}'")))
        };
        let mut counter = read("counter")? as u64;
        let mut hlc = Hlc(read("hlc")? as u64);
        let mut applier = apply::Applier::new(&tx, &path, &self.codec);
        let mut ops = Vec::new();
        for (actor, change) in changes {
            let wall = change.at.unwrap_or(now);
            let Some((entity, payload)) = applier.prepare(change)? else { continue };
            counter += 1;
            hlc = hlc.tick(wall);
            let op = Op { replica: self.replica, counter, hlc, actor: actor.as_ref().to_string(), entity, payload };
            applier.append(self.replica_idx, &op)?;
            applier.apply(&op)?;
            ops.push(op);
        }
        applier.flush()?;
        drop(applier);
        if !ops.is_empty() {
            tx.execute("UPDATE meta SET value = ?1 WHERE key = 'counter'", [counter.to_string()]).map_err(err)?;
            tx.execute("UPDATE meta SET value = ?1 WHERE key = 'hlc'", [hlc.0.to_string()]).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        if !ops.is_empty() {
            // Compression is an optimisation: the change has landed; a failed training
            // (a busy store) is tried again after the next write.
            let _ = self.maybe_train();
        }
        Ok(ops)
    }

    /// Append ops that were made elsewhere (a rebuild, an import of history, sync),
    /// keeping their identity, and fold them in, in one transaction. Ops already present
    /// are skipped. Any order is fine: the result is the same for the same set of ops
    /// (see [`Store::ingest_raw`]).
    pub fn ingest(&mut self, ops: &[Op]) -> Result<usize> {
        let raw = ops.iter().map(RawOp::from_op).collect();
        Ok(self.ingest_raw(raw)?.added)
    }

    /// Assign the next ticket number (inside the write transaction): a final number in a
    /// store that has never joined a shared store, else a provisional one (`#~k`) until
    /// the shared store issues the final number.
    pub(crate) fn next_number(conn: &Connection) -> rusqlite::Result<TicketNumber> {
        use rusqlite::OptionalExtension;
        let provisional: Option<String> = conn
            .prepare_cached("SELECT value FROM sync_state WHERE key = 'provisional'")?
            .query_row([], |r| r.get(0))
            .optional()?;
        if let Some(k) = provisional {
            let k = k.parse::<u64>().unwrap_or(0) + 1;
            conn.prepare_cached("UPDATE sync_state SET value = ?1 WHERE key = 'provisional'")?
                .execute([k.to_string()])?;
            return Ok(TicketNumber::provisional(k));
        }
        conn.prepare_cached("SELECT COALESCE(MAX(number), 0) + 1 FROM tickets WHERE number < ?1")?
            .query_row([TicketNumber::PROVISIONAL_BASE as i64], |r| r.get::<_, i64>(0))
            .map(|n| TicketNumber(n as u64))
    }

    /// Mark this store as demo data (so `tix demo` may replace it) or read the mark.
    pub fn set_demo_mark(&self, seed: u64) -> Result<()> {
        self.conn
            .execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('demo_seed', ?1)", [seed.to_string()])
            .map(drop)
            .map_err(|e| self.classify(e))
    }

    pub fn demo_mark(&self) -> Result<Option<u64>> {
        use rusqlite::OptionalExtension;
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'demo_seed'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.classify(e))?;
        Ok(v.and_then(|v| v.parse().ok()))
    }

    /// Bulk-load mode for a store that is being built from scratch and would simply be
    /// built again after a crash (the demo): no fsync, an in-memory rollback journal (a
    /// refused change still rolls back), a large cache, and the secondary indexes that the
    /// write path does not read dropped, to be rebuilt in one sorted pass by
    /// [`Store::end_bulk_load`].
    pub fn bulk_load_mode(&mut self) -> Result<()> {
        self.conn
            .execute_batch(
                "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;
                 PRAGMA cache_size = -524288; PRAGMA threads = 2;",
            )
            .map_err(|e| self.classify(e))?;
        let keep = BULK_KEEP.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND name NOT IN ({keep})
             AND tbl_name IN ('ops', 'tickets', 'links', 'people', 'assets')"
        );
        let mut st = self.conn.prepare(&sql).map_err(|e| self.classify(e))?;
        let found: Vec<(String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.classify(e))?;
        drop(st);
        for (name, sql) in found {
            self.conn.execute_batch(&format!("DROP INDEX {name}")).map_err(|e| self.classify(e))?;
            self.bulk_dropped.push(sql);
        }
        Ok(())
    }

    /// Rebuild the dropped indexes and return to the normal local-store settings
    /// (WAL, synchronous=NORMAL, shared locking).
    pub fn end_bulk_load(&mut self) -> Result<()> {
        for sql in std::mem::take(&mut self.bulk_dropped) {
            self.conn.execute_batch(&sql).map_err(|e| self.classify(e))?;
        }
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA locking_mode = NORMAL;
                 PRAGMA cache_size = -32768; PRAGMA threads = 0; PRAGMA optimize; SELECT count(*) FROM meta;",
            )
            .map_err(|e| self.classify(e))
    }

    /// Page cache for this connection in MiB (bulk builds want more than the default 32).
    pub fn set_cache_mib(&self, mib: u32) -> Result<()> {
        self.conn.execute_batch(&format!("PRAGMA cache_size = -{}", mib as u64 * 1024)).map_err(|e| self.classify(e))
    }

    /// Number of ops in the log (a maintained counter: no scan).
    pub fn op_count(&self) -> Result<u64> {
        self.log_ops()
    }

    /// A quick read that proves the file is usable (used by `tix init` on an existing file).
    pub fn last_hlc(&self) -> Result<Hlc> {
        Ok(Hlc(self.meta_i64("hlc")? as u64))
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Expectation check used by the write path (exposed for tests of the conflict rule).
    pub fn expectation_holds(expect: &Expect, current: &Option<String>) -> bool {
        match expect {
            Expect::Any => true,
            Expect::Value(seen) => seen == current,
        }
    }

    /// Payload of an op as stored (for exports and the audit view).
    pub fn payload_json(p: &Payload) -> String {
        p.to_json()
    }
}

/// An empty file (0 bytes) whose WAL holds nothing either.
fn is_empty_store_file(path: &Path) -> bool {
    let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    len(path) == 0 && len(&crate::fsmode::side_files(path)[0]) == 0
}

/// `file:PATH?immutable=1`, the path escaped for SQLite's URI syntax.
fn immutable_uri(path: &Path) -> String {
    let p = path.to_string_lossy().replace('%', "%25").replace('?', "%3f").replace('#', "%23");
    format!("file:{p}?immutable=1")
}

/// Errors of a read-write open that a read-only open may not have.
fn may_be_unwritable(e: &StoreError) -> bool {
    use rusqlite::ErrorCode as C;
    match e {
        StoreError::ReadOnly(_) | StoreError::Missing(_) => true,
        StoreError::Sqlite { source: rusqlite::Error::SqliteFailure(f, _), .. } => {
            matches!(f.code, C::DiskFull | C::SystemIoFailure | C::PermissionDenied | C::CannotOpen | C::ReadOnly)
        }
        _ => false,
    }
}

/// Map SQLite's errors to the ones people can act on.
pub(crate) fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    if let Some(why) = oplog::damage(&e) {
        return StoreError::Corrupt(why);
    }
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            C::NotADatabase | C::DatabaseCorrupt => return StoreError::NotAStore(path.to_path_buf()),
            C::ReadOnly => return StoreError::ReadOnly(path.to_path_buf()),
            C::CannotOpen => return StoreError::Missing(path.to_path_buf()),
            _ => {}
        }
    }
    StoreError::Sqlite { path: path.to_path_buf(), source: e }
}

/// Look up a row that must exist, turning "no rows" into [`StoreError::NotFound`].
pub(crate) fn must<T>(r: rusqlite::Result<Option<T>>, path: &Path, what: impl FnOnce() -> String) -> Result<T> {
    match r {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(StoreError::NotFound(what())),
        Err(e) => Err(classify(path, e)),
    }
}
