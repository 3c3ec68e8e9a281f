//! What the sync suites share: replicas on a clock the test moves, the real binary, and
//! the two remotes a suite runs against — a shared store file in a temp dir, or a
//! fresh desk schema on the PostgreSQL server named by `TIX_TEST_PG` (dropped after).
//! Without `TIX_TEST_PG` the PostgreSQL runs are skipped with one line saying so; with
//! it, an unreachable server fails them.
#![allow(dead_code)] // each suite uses its own part

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tix::domain::clock::ManualClock;
use tix::domain::ids::{TicketId, TicketNumber};
use tix::domain::op::{Change, EntryRecord, RawOp};
use tix::domain::plan::{self, NewTicket};
use tix::domain::ticket::{EntryKind, PriorityMatrix, TicketField};
use tix::store::{OpenMode, Store};
use tix::sync;

pub const T0: i64 = 1_790_000_000_000;

/// Where the replicas sync: a shared file or a PostgreSQL desk.
pub struct Remote {
    /// What `tix sync init` / `join` are given.
    pub target: String,
    /// The desk schema and the server's base URL, for PostgreSQL.
    pub pg: Option<(String, String)>,
}

static DESKS: AtomicUsize = AtomicUsize::new(0);
static SKIP_SAID: std::sync::Once = std::sync::Once::new();

/// The PostgreSQL server's URL for tests, or `None` (after one line on stderr) when
/// `TIX_TEST_PG` is not set.
pub fn pg_base() -> Option<String> {
    match std::env::var("TIX_TEST_PG") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            SKIP_SAID.call_once(|| eprintln!("TIX_TEST_PG is not set: skipping the PostgreSQL sync tests"));
            None
        }
    }
}

/// A superuser connection to the test server (panics when it is unreachable).
pub fn pg_admin(base: &str) -> postgres::Client {
    postgres::Client::connect(base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("TIX_TEST_PG={base} is set but the server is unreachable: {e}"))
}

/// A name no other test run uses.
pub fn unique(prefix: &str) -> String {
    let n = DESKS.fetch_add(1, Ordering::SeqCst);
    let r: u32 = rand_u32();
    format!("{prefix}_{}_{n}_{r:08x}", std::process::id())
}

fn rand_u32() -> u32 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    (t.subsec_nanos() ^ (t.as_secs() as u32).rotate_left(7)).wrapping_mul(0x9E37_79B1)
}

impl Remote {
    pub fn file(dir: &Path) -> Remote {
        Remote { target: dir.join("shared.db").display().to_string(), pg: None }
    }

    /// A desk of its own on the test server (`None`: skipped).
    pub fn pg() -> Option<Remote> {
        let base = pg_base()?;
        let desk = unique("t");
        pg_admin(&base); // reachable, or fail now
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(Remote { target: format!("{base}{sep}desk={desk}"), pg: Some((desk, base)) })
    }

    /// The URL of this desk for another role.
    pub fn as_role(&self, role: &str) -> String {
        let (desk, base) = self.pg.as_ref().expect("a PostgreSQL desk");
        let (scheme, rest) = base.split_once("://").unwrap();
        let rest = rest.split_once('@').map(|(_, h)| h).unwrap_or(rest);
        let sep = if rest.contains('?') { '&' } else { '?' };
        format!("{scheme}://{role}@{rest}{sep}desk={desk}")
    }

    pub fn is_pg(&self) -> bool {
        self.pg.is_some()
    }

    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.target)
    }

    /// Run SQL on the desk's server as the superuser.
    pub fn sql(&self, q: &str) {
        let (_, base) = self.pg.as_ref().expect("a PostgreSQL desk");
        pg_admin(base).batch_execute(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    }

    pub fn desk(&self) -> &str {
        &self.pg.as_ref().expect("a PostgreSQL desk").0
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        if let Some((desk, base)) = &self.pg
            && let Ok(mut c) = postgres::Client::connect(base, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{desk}\" CASCADE"));
            // Schemas moved aside by a rebuild.
            if let Ok(rows) =
                c.query("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE $1", &[&format!("{desk}_bad_%")])
            {
                for r in rows {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", r.get::<_, String>(0)));
                }
            }
        }
    }
}

/// A PostgreSQL role of its own, dropped (with what it owns) afterwards.
pub struct Role {
    pub name: String,
    base: String,
}

impl Role {
    /// A login role with the GRANTs README gives a technician (`push`) or an auditor.
    pub fn new(remote: &Remote, push: bool) -> Role {
        let (desk, base) = remote.pg.as_ref().expect("a PostgreSQL desk");
        let name = unique("tix_role");
        let mut q = format!(
            "CREATE ROLE {name} LOGIN; GRANT CONNECT ON DATABASE {db} TO {name};
             GRANT USAGE ON SCHEMA \"{desk}\" TO {name}; GRANT SELECT ON ALL TABLES IN SCHEMA \"{desk}\" TO {name};",
            db = base.rsplit('/').next().unwrap().split('?').next().unwrap()
        );
        if push {
            q.push_str(&format!(
                "GRANT INSERT ON \"{desk}\".ops, \"{desk}\".numbers TO {name};
                 GRANT INSERT, UPDATE ON \"{desk}\".heads, \"{desk}\".meta TO {name};"
            ));
        }
        remote.sql(&q);
        Role { name, base: base.clone() }
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.base, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP OWNED BY {n}; DROP ROLE IF EXISTS {n}", n = self.name));
        }
    }
}

/// One technician's local store on a clock the test moves.
pub struct Replica {
    pub store: Store,
    pub clock: ManualClock,
}

pub fn replica(dir: &Path, name: &str) -> Replica {
    let clock = ManualClock::new(T0);
    let store =
        Store::open_with_clock(&dir.join(format!("{name}.db")), OpenMode::Create, Arc::new(clock.clone())).unwrap();
    Replica { store, clock }
}

impl Replica {
    pub fn ticket(&mut self, title: &str) -> TicketId {
        let id = TicketId::new_random();
        self.clock.advance(10);
        self.store
            .commit("tech", vec![plan::new_ticket(id, NewTicket::titled(title), &PriorityMatrix::default())])
            .unwrap();
        id
    }
    pub fn set(&mut self, actor: &str, t: TicketId, f: TicketField, v: &str) {
        self.clock.advance(10);
        self.store.commit(actor, vec![Change::set_ticket(t, f, Some(v.to_string()))]).unwrap();
    }
    pub fn note(&mut self, t: TicketId, body: &str) {
        self.clock.advance(10);
        let e = EntryRecord { kind: EntryKind::Note, body: body.into(), author: None, minutes: None, origin: None };
        self.store.commit("tech", vec![Change::entry(t, e)]).unwrap();
    }
    pub fn sync(&mut self) -> sync::SyncReport {
        self.clock.advance(10);
        sync::sync_now(&mut self.store).unwrap()
    }
    pub fn number(&self, t: TicketId) -> TicketNumber {
        self.store.ticket(t).unwrap().number
    }
}

/// A shared store file created by `a`, joined by the others.
pub fn network(dir: &Path, names: &[&str]) -> (PathBuf, Vec<Replica>) {
    let remote = Remote::file(dir);
    let rs = network_on(&remote, dir, names);
    (remote.path(), rs)
}

/// `remote` created by the first replica, joined by the others.
pub fn network_on(remote: &Remote, dir: &Path, names: &[&str]) -> Vec<Replica> {
    let mut rs: Vec<Replica> = names.iter().map(|n| replica(dir, n)).collect();
    sync::init(&mut rs[0].store, &remote.path()).unwrap();
    for r in rs.iter_mut().skip(1) {
        sync::join(&mut r.store, &remote.path(), |_| true).unwrap();
    }
    rs
}

pub fn assert_converged(rs: &[Replica]) {
    for r in &rs[1..] {
        let d = rs[0].store.diff_state(&r.store).unwrap();
        assert!(d.is_empty(), "replicas differ: {d:?}");
    }
    let scratch = tempfile::tempdir().unwrap();
    for r in rs {
        let v = r.store.verify(scratch.path()).unwrap();
        assert!(v.ok(), "{v:?}");
        std::fs::remove_file(scratch.path().join("tix-verify.db")).ok();
    }
}

/// Every ticket's number, checking that no two tickets show the same one.
pub fn numbers(s: &Store) -> HashMap<TicketId, TicketNumber> {
    let rows = s.queue(&tix::store::TicketQuery { active: None, limit: 10_000, ..Default::default() }).unwrap();
    let mut seen = HashSet::new();
    let mut out = HashMap::new();
    for r in rows {
        assert!(seen.insert(r.number), "{} is shown twice", r.number);
        out.insert(r.id, r.number);
    }
    out
}

pub fn all_raw_ops(s: &Store) -> Vec<RawOp> {
    let mut out = Vec::new();
    for (replica, head) in s.replica_heads().unwrap() {
        out.extend(s.raw_ops_after(replica, 0, head as usize).unwrap());
    }
    out
}

/// The real binary, on stores in `dir`.
pub struct Cli {
    pub dir: PathBuf,
}

impl Cli {
    pub fn cmd(&self, db: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tix"));
        c.arg("--db").arg(self.dir.join(db));
        if !args.contains(&"--as") {
            c.arg("--as").arg("dana");
        }
        c.args(args);
        c.env("TIX_CONFIG", self.dir.join("no-config.toml")).env_remove("TIX_DB").current_dir(&self.dir);
        c
    }
    pub fn run(&self, db: &str, args: &[&str]) -> Output {
        self.cmd(db, args).stdin(Stdio::null()).output().unwrap()
    }
    pub fn ok(&self, db: &str, args: &[&str]) -> String {
        let o = self.run(db, args);
        assert!(o.status.success(), "tix {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }
    pub fn fails(&self, db: &str, args: &[&str], code: i32) -> String {
        let o = self.run(db, args);
        assert_eq!(o.status.code(), Some(code), "tix {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stderr).unwrap()
    }
    pub fn json(&self, db: &str, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(db, &a)).unwrap()
    }
    /// Every ticket's (id, number) in `db`, sorted, checking ids and numbers are unique.
    pub fn tickets(&self, db: &str) -> Vec<(String, String)> {
        let l = self.json(db, &["ticket", "list", "--all", "--limit", "100000"]);
        let mut got: Vec<(String, String)> = l["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap().to_string(), r["number"].to_string()))
            .collect();
        got.sort();
        let ids: HashSet<_> = got.iter().map(|(i, _)| i.clone()).collect();
        let nums: HashSet<_> = got.iter().map(|(_, n)| n.clone()).collect();
        assert_eq!(ids.len(), got.len(), "no duplicated ticket in {db}");
        assert_eq!(nums.len(), got.len(), "no duplicated number in {db}");
        got
    }
}
