//! The sync benchmark against either remote (numbers in the README):
//!
//! `cargo run --release --example sync_bench -- postgres://postgres@127.0.0.1/test 110000`
//! `cargo run --release --example sync_bench -- /tmp/bench-shared.db 110000`
//!
//! Builds a demo store of TICKETS tickets (about 9 ops each), `sync init`s the remote
//! from it, then measures: a no-op sync, pushing 10,000 new ops, pulling everything into
//! a fresh replica (in a child process, so that its peak resident memory is the pull's
//! alone), and 20 clients pushing 1,000 ops each while pulling, on a desk of their own.
//! A PostgreSQL desk is made under a fresh schema and dropped afterwards.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tix::domain::ids::TicketId;
use tix::domain::op::{Change, EntryRecord};
use tix::domain::plan::{self, NewTicket};
use tix::domain::ticket::{EntryKind, PriorityMatrix};
use tix::store::{OpenMode, Store};
use tix::sync;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("pull-child") {
        return pull_child(&args[1], Path::new(&args[2]));
    }
    let base = args.first().cloned().or_else(|| std::env::var("TIX_TEST_PG").ok()).expect("a URL or a path");
    let tickets: u64 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let dir = tempfile::tempdir_in(std::env::var_os("TMPDIR").unwrap_or_else(|| "/tmp".into())).unwrap();
    let pg = sync::pg::is_url(&base);
    let mut desks = Vec::new();
    let mut target = |name: &str| -> String {
        if pg {
            let desk = format!("bench_{name}_{}", std::process::id());
            desks.push(desk.clone());
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}desk={desk}")
        } else {
            let p = PathBuf::from(format!("{base}.{name}"));
            let _ = std::fs::remove_file(&p);
            p.display().to_string()
        }
    };
    let main_target = target("main");
    let clients_target = target("clients");
    let now = chrono::Utc::now().timestamp_millis();

    let t = Instant::now();
    let opts = tix::demo::DemoOptions { tickets, seed: 42, now_ms: now };
    let built = tix::demo::build(&dir.path().join("a.db"), &opts, |_, _| {}).unwrap();
    eprintln!("demo store: {} tickets, {} ops in {:.1} s", built.tickets, built.ops, t.elapsed().as_secs_f64());
    let mut a = Store::open(&dir.path().join("a.db"), OpenMode::Existing).unwrap();
    let ops = a.op_count().unwrap();

    let t = Instant::now();
    let r = sync::init(&mut a, Path::new(&main_target)).unwrap();
    println!(
        "sync init (push {ops} ops): {:.1} s, longest write transaction {:.0} ms",
        t.elapsed().as_secs_f64(),
        r.max_lock_ms
    );

    let mut runs: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            let r = sync::sync_now(&mut a).unwrap();
            assert_eq!(r.pushed + r.pulled, 0);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    runs.sort_by(|x, y| x.partial_cmp(y).unwrap());
    println!(
        "no-op sync against {ops} ops: median {:.1} ms (max {:.1} ms)",
        runs[runs.len() / 2],
        runs[runs.len() - 1]
    );

    let ids: Vec<TicketId> = a
        .queue(&tix::store::TicketQuery { active: None, limit: 1000, ..Default::default() })
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    a.commit("bench", notes(&ids, 10_000)).unwrap();
    let t = Instant::now();
    let r = sync::sync_now(&mut a).unwrap();
    assert_eq!(r.pushed, 10_000);
    println!("push 10,000 ops: {:.2} s, longest write transaction {:.0} ms", t.elapsed().as_secs_f64(), r.max_lock_ms);

    // Pull everything into a fresh replica, in a process of its own.
    let child_db = dir.path().join("fresh.db");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["pull-child", &main_target, &child_db.display().to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    print!("{}", String::from_utf8_lossy(&out.stdout));

    clients(&clients_target, dir.path(), 20, 1_000);

    if pg {
        let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        for d in desks {
            c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{d}\" CASCADE")).unwrap();
        }
    } else {
        for t in [&main_target, &clients_target] {
            let _ = std::fs::remove_file(t);
            let _ = std::fs::remove_file(format!("{t}.numbers"));
        }
    }
}

fn notes(ids: &[TicketId], n: usize) -> Vec<Change> {
    (0..n)
        .map(|i| {
            let e = EntryRecord {
                kind: EntryKind::Note,
                body: format!("bench note {i}"),
                author: None,
                minutes: None,
                origin: None,
            };
            Change::entry(ids[i % ids.len()], e)
        })
        .collect()
}

/// `sync join` of a fresh store: its time and this process's peak resident memory.
fn pull_child(target: &str, db: &Path) {
    let mut s = Store::open(db, OpenMode::Create).unwrap();
    let t = Instant::now();
    let r = sync::join(&mut s, Path::new(target), |_| true).unwrap();
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|st| {
            st.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.split_whitespace().nth(1).unwrap().to_string())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .unwrap_or(0);
    println!(
        "pull {} ops into a fresh replica: {:.1} s, peak resident {} MB",
        r.pulled,
        t.elapsed().as_secs_f64(),
        hwm / 1024
    );
}

/// `n` clients each pushing `ops` ops in ten rounds of writing and syncing, all at once;
/// then everyone syncs until converged.
fn clients(target: &str, dir: &Path, n: usize, ops: usize) {
    let mut first = Store::open(&dir.join("c0.db"), OpenMode::Create).unwrap();
    sync::init(&mut first, Path::new(target)).unwrap();
    drop(first);
    for i in 1..n {
        let mut s = Store::open(&dir.join(format!("c{i}.db")), OpenMode::Create).unwrap();
        sync::join(&mut s, Path::new(target), |_| true).unwrap();
    }
    let started = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let db = dir.join(format!("c{i}.db"));
            std::thread::spawn(move || {
                let mut s = Store::open(&db, OpenMode::Existing).unwrap();
                let mut slowest = Duration::ZERO;
                let per = ops / 10;
                for round in 0..10 {
                    let id = TicketId::new_random();
                    let mut changes = vec![plan::new_ticket(
                        id,
                        NewTicket::titled(format!("c{i} r{round}")),
                        &PriorityMatrix::default(),
                    )];
                    changes.extend(notes(&[id], per - 1));
                    s.commit("bench", changes).unwrap();
                    let t = Instant::now();
                    sync::sync_now(&mut s).unwrap();
                    slowest = slowest.max(t.elapsed());
                }
                (s, slowest)
            })
        })
        .collect();
    let mut stores = Vec::new();
    let mut slowest = Duration::ZERO;
    for h in handles {
        let (s, d) = h.join().unwrap();
        slowest = slowest.max(d);
        stores.push(s);
    }
    let wall = started.elapsed();
    for _ in 0..2 {
        for s in stores.iter_mut() {
            sync::sync_now(s).unwrap();
        }
    }
    let heads = |s: &Store| {
        let mut h = s.replica_heads().unwrap();
        h.sort();
        h
    };
    let converged = stores.iter().all(|s| heads(s) == heads(&stores[0]));
    let total: u64 = heads(&stores[0]).iter().map(|(_, c)| c).sum();
    println!(
        "{n} clients pushing {ops} ops each while pulling: {:.1} s, slowest sync {:.2} s, converged: {converged} ({total} ops everywhere)",
        wall.as_secs_f64(),
        slowest.as_secs_f64()
    );
    let _ = Arc::new(());
}
