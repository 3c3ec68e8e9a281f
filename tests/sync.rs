//! Sync on real SQLite files: local stores and one shared store file in a temp dir,
//! through the library API and through the real binary.
//!
//! The suite run against every remote (convergence, crashes, concurrent syncers) is in
//! `tests/sync_suite.rs`. The benchmark: `cargo test --release --test sync -- --ignored
//! bench_sync --nocapture`.

use std::path::Path;

use tix::domain::ids::{ReplicaId, TicketId, TicketNumber};
use tix::domain::op::{Change, EntryRecord, Hlc, LinkTarget, NumberRecord, Op, Payload, RawOp};
use tix::domain::ticket::{EntryKind, TicketField, TicketRel};
use tix::store::{OpenMode, Store};
use tix::sync::{self, SyncError};

mod sync_common;
use sync_common::*;

fn sql(path: &Path, q: &str) {
    rusqlite::Connection::open(path).unwrap().execute_batch(q).unwrap();
}

// ------------------------------------------------------------------ convergence

#[test]
fn offline_work_then_sync_converges_with_unique_final_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (_shared, mut rs) = network(dir.path(), &["a", "b"]);
    // Offline on both sides: new tickets get provisional numbers.
    let ta = rs[0].ticket("Printer jam");
    let tb = rs[1].ticket("VPN drops");
    let tb2 = rs[1].ticket("Monitor flickers");
    assert!(rs[0].number(ta).is_provisional(), "{}", rs[0].number(ta));
    assert_eq!(rs[1].number(tb).to_string(), "#~1");
    rs[0].note(ta, "toner replaced");
    rs[1].set("lee", tb, TicketField::Group, "network");
    rs[0].sync();
    rs[1].sync();
    rs[0].sync();
    assert_converged(&rs);
    let na = numbers(&rs[0].store);
    assert_eq!(na.len(), 3);
    assert!(na.values().all(|n| !n.is_provisional()));
    assert_eq!(numbers(&rs[1].store), na);
    assert_eq!(rs[1].store.ticket(tb).unwrap().group.as_deref(), Some("network"));
    assert_eq!(rs[1].store.ticket(ta).unwrap().entry_count, 1);
    // More work and syncs never change a final number.
    let tc = rs[1].ticket("Keyboard");
    rs[0].set("dana", tb2, TicketField::Title, "Monitor flickers (2nd floor)");
    for r in rs.iter_mut() {
        r.sync();
    }
    rs[0].sync();
    let after = numbers(&rs[0].store);
    for (t, n) in &na {
        assert_eq!(after[t], *n, "a final number changed");
    }
    assert!(!after[&tc].is_provisional());
    assert_converged(&rs);
    // The ticket can be found by its final number.
    let n = rs[0].number(tc);
    assert_eq!(rs[1].store.ticket_by_number(n).unwrap().id, tc);
}

#[test]
fn concurrent_edits_of_one_field_last_writer_wins_and_the_loser_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut rs) = network(dir.path(), &["a", "b"]);
    let t = rs[0].ticket("Laptop will not boot");
    rs[0].sync();
    rs[1].sync();
    // Concurrent: a writes first (earlier clock), b later: b wins everywhere.
    rs[0].set("dana", t, TicketField::Group, "desktop");
    rs[1].clock.advance(5_000);
    rs[1].set("lee", t, TicketField::Group, "hardware");
    rs[0].sync();
    rs[1].sync();
    let rep = rs[0].sync();
    assert_eq!(rep.new_notices, 1);
    for r in &rs {
        assert_eq!(r.store.ticket(t).unwrap().group.as_deref(), Some("hardware"));
    }
    assert_converged(&rs);
    let na = sync::notices(&rs[0].store).unwrap();
    assert_eq!(na.len(), 1, "{na:?}");
    assert_eq!(na[0].field, "group");
    assert_eq!(na[0].by, "lee");
    assert!(na[0].message.contains("your change to group on #1 was superseded by lee"), "{}", na[0].message);
    assert!(sync::notices(&rs[1].store).unwrap().is_empty(), "the winner gets no notice");
    // A change made after seeing the other one is not a supersede.
    rs[0].set("dana", t, TicketField::Group, "desktop");
    rs[0].sync();
    rs[1].sync();
    assert!(sync::notices(&rs[1].store).unwrap().is_empty());
    // Acknowledged notices are gone.
    assert_eq!(sync::ack_notices(&mut rs[0].store, None).unwrap(), 1);
    assert!(sync::notices(&rs[0].store).unwrap().is_empty());
}

#[test]
fn equal_clocks_are_broken_by_replica_uuid_not_by_arrival() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut rs) = network(dir.path(), &["a", "b"]);
    let t = rs[0].ticket("Same millisecond");
    rs[0].sync();
    rs[1].sync();
    // Both clocks at exactly the same time and HLC state: the HLCs tie.
    let now = T0 + 1_000_000;
    rs[0].clock.set(now);
    rs[1].clock.set(now);
    rs[0].store.commit("dana", vec![Change::set_ticket(t, TicketField::Category, Some("a".into()))]).unwrap();
    rs[1].store.commit("lee", vec![Change::set_ticket(t, TicketField::Category, Some("b".into()))]).unwrap();
    let ha = rs[0].store.ticket_ops(t).unwrap().last().unwrap().hlc;
    let hb = rs[1].store.ticket_ops(t).unwrap().last().unwrap().hlc;
    assert_eq!(ha, hb, "the test needs tied HLCs");
    let winner = if rs[0].store.replica() > rs[1].store.replica() { "a" } else { "b" };
    sync::sync_now(&mut rs[1].store).unwrap();
    sync::sync_now(&mut rs[0].store).unwrap();
    sync::sync_now(&mut rs[1].store).unwrap();
    for r in &rs {
        assert_eq!(r.store.ticket(t).unwrap().category.as_deref(), Some(winner));
    }
    assert_converged(&rs);
}

#[test]
fn concurrent_edits_of_different_fields_and_notes_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut rs) = network(dir.path(), &["a", "b", "c"]);
    let t = rs[0].ticket("Outlook crashes");
    for r in rs.iter_mut() {
        r.sync();
    }
    rs[0].set("dana", t, TicketField::Group, "apps");
    rs[1].set("lee", t, TicketField::Category, "email");
    rs[2].set("kim", t, TicketField::Title, "Outlook crashes on start");
    rs[0].note(t, "from a");
    rs[1].note(t, "from b");
    rs[2].note(t, "from c");
    // Different routes: c syncs first, a last, then everyone again.
    for i in [2, 1, 0, 2, 1, 0] {
        rs[i].sync();
    }
    for r in &rs {
        let tk = r.store.ticket(t).unwrap();
        assert_eq!(tk.group.as_deref(), Some("apps"));
        assert_eq!(tk.category.as_deref(), Some("email"));
        assert_eq!(tk.title, "Outlook crashes on start");
        assert_eq!(tk.entry_count, 3);
        for who in ["from a", "from b", "from c"] {
            let hits = r
                .store
                .queue(&tix::store::TicketQuery {
                    active: None,
                    text: Some(who.split(' ').next_back().unwrap().into()),
                    limit: 10,
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(hits.len(), 1, "note '{who}' is searchable everywhere");
        }
    }
    assert!(rs.iter().all(|r| sync::notices(&r.store).unwrap().is_empty()), "no field was contested");
    assert_converged(&rs);
}

#[test]
fn links_and_soft_deletes_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut rs) = network(dir.path(), &["a", "b"]);
    let t1 = rs[0].ticket("one");
    let t2 = rs[0].ticket("two");
    rs[0].sync();
    rs[1].sync();
    let link = LinkTarget::Ticket { id: t2, rel: TicketRel::Related };
    rs[0].store.commit("dana", vec![Change::link(t1, link, false)]).unwrap();
    rs[1].clock.advance(1_000);
    rs[1].store.commit("lee", vec![Change::link(t1, link, false)]).unwrap();
    rs[1].clock.advance(1_000);
    rs[1].store.commit("lee", vec![Change::link(t1, link, true)]).unwrap();
    rs[1].set("lee", t2, TicketField::Deleted, "true");
    rs[0].sync();
    rs[1].sync();
    rs[0].sync();
    for r in &rs {
        assert!(r.store.related_tickets(t1).unwrap().is_empty(), "the later unlink wins");
        assert!(r.store.ticket(t2).is_err(), "deleted (soft)");
    }
    assert_converged(&rs);
}

#[test]
fn a_shared_file_restored_from_an_old_copy_heals_by_relay() {
    let dir = tempfile::tempdir().unwrap();
    let (shared, mut rs) = network(dir.path(), &["a", "b", "c"]);
    rs[0].ticket("before the backup");
    rs[0].sync();
    let backup = dir.path().join("backup.db");
    std::fs::copy(&shared, &backup).unwrap();
    let t = rs[1].ticket("after the backup, from b");
    rs[1].note(t, "b's note");
    rs[1].sync();
    rs[0].sync();
    let b_number = rs[1].number(t);
    // The share is restored from the old copy; b is away. a's sync relays b's ops.
    std::fs::copy(&backup, &shared).unwrap();
    rs[0].sync();
    // c has never seen b's ticket: it gets it from the restored file, via a.
    rs[2].sync();
    let tc = rs[2].store.ticket(t).unwrap();
    assert_eq!(tc.number, b_number, "the number b was shown stays");
    assert_eq!(tc.entry_count, 1);
    rs[1].sync();
    assert_converged(&rs);
    numbers(&rs[2].store);
}

#[test]
fn the_merge_is_the_same_whatever_the_order_of_arrival() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut rs) = network(dir.path(), &["a", "b"]);
    let t = rs[0].ticket("order");
    rs[0].sync();
    rs[1].sync();
    for i in 0..5 {
        rs[0].set("dana", t, TicketField::Status, if i % 2 == 0 { "open" } else { "pending" });
        rs[1].note(t, &format!("b {i}"));
        rs[1].set("lee", t, TicketField::Title, &format!("title {i}"));
    }
    rs[0].sync();
    rs[1].sync();
    rs[0].sync();
    let ops = all_raw_ops(&rs[0].store);
    // Reverse order, one op per batch: every op arrives before the ones it follows.
    let fresh = tempfile::tempdir().unwrap();
    let mut f = Store::open(&fresh.path().join("f.db"), OpenMode::Create).unwrap();
    for op in ops.iter().rev() {
        f.ingest_raw(vec![op.clone()]).unwrap();
    }
    assert!(f.diff_state(&rs[0].store).unwrap().is_empty(), "{:?}", f.diff_state(&rs[0].store));
    assert_converged(&rs);
}

// ------------------------------------------------------------------ ticket numbers

#[test]
fn joining_with_tickets_numbered_elsewhere_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (shared, _rs) = {
        let (s, mut rs) = network(dir.path(), &["a"]);
        rs[0].ticket("shared #1");
        rs[0].sync();
        (s, rs)
    };
    let mut lone = replica(dir.path(), "lone");
    lone.ticket("my own #1");
    let e = sync::join(&mut lone.store, &shared, |_| true).unwrap_err();
    assert!(matches!(e, SyncError::Refused(_)), "{e}");
    assert!(e.to_string().contains("same numbers would name different tickets"), "{e}");
    assert!(sync::status(&lone.store).unwrap().path.is_none(), "not joined");
    // A store with no tickets of its own joins (after being asked).
    let mut fresh = replica(dir.path(), "fresh");
    let mut asked = None;
    sync::join(&mut fresh.store, &shared, |id| {
        asked = Some(id.to_string());
        true
    })
    .unwrap();
    assert!(asked.is_some(), "joining a store id never seen asks first");
    assert_eq!(numbers(&fresh.store).len(), 1);
    // Declining leaves the store alone.
    let mut shy = replica(dir.path(), "shy");
    assert!(matches!(sync::join(&mut shy.store, &shared, |_| false), Err(SyncError::Refused(_))));
    assert!(!sync::status(&shy.store).unwrap().joined);
}

#[test]
fn init_from_a_store_with_tickets_continues_its_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = replica(dir.path(), "a");
    a.ticket("one");
    a.ticket("two");
    let shared = dir.path().join("shared.db");
    let r = sync::init(&mut a.store, &shared).unwrap();
    assert_eq!((r.pushed, r.numbered), (2, 0), "both ops pushed; their final numbers kept");
    let mut b = replica(dir.path(), "b");
    sync::join(&mut b.store, &shared, |_| true).unwrap();
    let t = b.ticket("three");
    b.sync();
    assert_eq!(b.number(t), TicketNumber(3));
    a.sync();
    assert_eq!(a.number(t), TicketNumber(3));
}

/// Two final numbers for one ticket (only after a shared file went back in time): the
/// first issued wins in every store, whatever order the ops arrive in.
#[test]
fn the_first_final_number_of_a_ticket_wins_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut rs) = network(dir.path(), &["a"]);
    let t = rs[0].ticket("numbered twice");
    assert!(rs[0].number(t).is_provisional());
    let new_op = all_raw_ops(&rs[0].store).into_iter().find(|o| o.entity == t.0).unwrap();
    let number = |replica: u8, ms: i64, n: u64| {
        RawOp::from_op(&Op {
            replica: ReplicaId::from_bytes([replica; 16]),
            counter: 1,
            hlc: Hlc::from_parts(ms, 0),
            actor: "tix-sync".into(),
            entity: t.0,
            payload: Payload::TicketNumber(NumberRecord { number: TicketNumber(n) }),
        })
    };
    let (first, second) = (number(9, T0 + 100_000, 7), number(1, T0 + 200_000, 8));
    let orders = [
        vec![new_op.clone(), first.clone(), second.clone()],
        vec![new_op.clone(), second.clone(), first.clone()],
        vec![second.clone(), first.clone(), new_op.clone()],
    ];
    for (i, order) in orders.into_iter().enumerate() {
        let mut f = Store::open(&dir.path().join(format!("f{i}.db")), OpenMode::Create).unwrap();
        for op in order {
            f.ingest_raw(vec![op]).unwrap();
        }
        assert_eq!(f.ticket(t).unwrap().number, TicketNumber(7), "order {i}");
    }
}

// ------------------------------------------------------------------ faults

fn expect_fatal(r: &mut Replica, needle: &str) -> String {
    let e = sync::sync_now(&mut r.store).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, SyncError::Fatal(_)), "expected a fatal error, got {msg}");
    assert!(msg.contains(needle), "'{needle}' not in: {msg}");
    assert!(msg.contains("tix sync rebuild"), "{msg}");
    let st = sync::status(&r.store).unwrap();
    assert!(st.needs_rebuild && !st.offline, "{st:?}");
    msg
}

#[test]
fn a_missing_shared_file_is_offline_and_never_created() {
    let dir = tempfile::tempdir().unwrap();
    let (shared, mut rs) = network(dir.path(), &["a"]);
    std::fs::rename(&shared, dir.path().join("elsewhere.db")).unwrap();
    rs[0].ticket("offline work");
    let e = sync::sync_now(&mut rs[0].store).unwrap_err();
    assert!(matches!(e, SyncError::Offline(_)), "{e}");
    assert!(e.to_string().contains("is the share mounted"), "{e}");
    assert!(!shared.exists(), "a missing shared file is never created");
    let st = sync::status(&rs[0].store).unwrap();
    assert!(st.offline && st.last_error.is_some());
    assert_eq!(st.unsynced, 1);
    // Local work continues; once the share is back, it syncs.
    rs[0].ticket("more offline work");
    std::fs::rename(dir.path().join("elsewhere.db"), &shared).unwrap();
    assert_eq!(rs[0].sync().pushed, 2);
    let st = sync::status(&rs[0].store).unwrap();
    assert!(!st.offline && st.last_error.is_none() && st.unsynced == 0, "{st:?}");
    // A missing directory (unmounted share) is offline too.
    let mut b = replica(dir.path(), "b");
    let e = sync::join(&mut b.store, &dir.path().join("no-such-mount/shared.db"), |_| true).unwrap_err();
    assert!(matches!(e, SyncError::Offline(_)), "{e}");
}

#[test]
fn a_shared_file_in_wal_mode_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (shared, mut rs) = network(dir.path(), &["a"]);
    let c = rusqlite::Connection::open(&shared).unwrap();
    let m: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
    assert_eq!(m, "wal");
    drop(c);
    expect_fatal(&mut rs[0], "WAL mode");
}

#[test]
fn truncated_and_garbage_shared_files_stop_syncing() {
    let dir = tempfile::tempdir().unwrap();
    let (shared, mut rs) = network(dir.path(), &["a"]);
    for i in 0..50 {
        let t = rs[0].ticket(&format!("ticket {i} {}", "x".repeat(200)));
        rs[0].note(t, &"padding ".repeat(50));
    }
    rs[0].sync();
    let good = std::fs::read(&shared).unwrap();
    assert!(good.len() > 8 * 4096);
    // Cut mid-page.
    std::fs::write(&shared, &good[..good.len() - 1500]).unwrap();
    expect_fatal(&mut rs[0], "truncated");
    // Cut on a page boundary, well short of what the header says.
    std::fs::write(&shared, &good[..4 * 4096]).unwrap();
    expect_fatal(&mut rs[0], "truncated");
    // Not a database at all.
    std::fs::write(&shared, "garbage ".repeat(1000)).unwrap();
    expect_fatal(&mut rs[0], "damaged");
    // Restored: syncing works again.
    std::fs::write(&shared, &good).unwrap();
    rs[0].sync();
    assert!(!sync::status(&rs[0].store).unwrap().needs_rebuild);
}

#[test]
fn flipped_bytes_in_an_op_fail_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let (shared, mut rs) = network(dir.path(), &["a", "b"]);
    let t = rs[0].ticket("Flip target");
    rs[0].note(t, "UNIQUEMARKER in a note");
    rs[0].sync();
    // Flip bytes inside the stored payload, in the file itself.
    let mut bytes = std::fs::read(&shared).unwrap();
    let at = bytes.windows(12).position(|w| w == b"UNIQUEMARKER").expect("marker in the file");
    bytes[at] ^= 0x20; // 'U' -> 'u': still valid UTF-8 and JSON, only the checksum notices
    std::fs::write(&shared, &bytes).unwrap();
    let msg = expect_fatal(&mut rs[1], "fails its checksum");
    assert!(msg.contains("ticket.entry"), "{msg}");
    assert!(rs[1].store.ticket(t).is_err(), "nothing of a damaged pull is folded");
    // Rebuild from a good op log (a's) puts the file right; b syncs again.
    let (_, aside) = sync::rebuild(&mut rs[0].store, false).unwrap();
    let aside = aside.expect("the bad file is kept");
    assert!(aside.to_string_lossy().contains("shared.db.bad-"), "{}", aside.display());
    assert_eq!(std::fs::read(&aside).unwrap(), bytes, "kept as it was");
    rs[1].sync();
    assert_eq!(rs[1].store.ticket(t).unwrap().entry_count, 1);
    assert_converged(&rs);
}

#[test]
fn a_counter_gap_stops_syncing() {
    let dir = tempfile::tempdir().unwrap();
    let (shared, mut rs) = network(dir.path(), &["a", "b"]);
    for i in 0..5 {
        rs[0].ticket(&format!("t{i}"));
    }
    rs[0].sync();
    let a = rs[0].store.replica();
    sql(
        &shared,
        &format!(
            "DELETE FROM ops WHERE counter = 3 AND replica = (SELECT idx FROM replicas WHERE hex(uuid) = '{}')",
            a.0.simple().to_string().to_uppercase()
        ),
    );
    let msg = expect_fatal(&mut rs[1], "counter gap");
    assert!(msg.contains(&a.to_string()), "{msg}");
    assert!(rs[1].store.ticket_count().unwrap() == 0, "nothing folded");
}

#[test]
fn a_newer_shared_format_and_a_different_store_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (shared, mut rs) = network(dir.path(), &["a"]);
    sql(&shared, "UPDATE meta SET value = '99' WHERE key = 'format'");
    let e = sync::sync_now(&mut rs[0].store).unwrap_err();
    assert!(matches!(e, SyncError::TooNew { found: 99, known: 2, .. }), "{e}");
    assert!(e.to_string().contains("format 99") && e.to_string().contains("up to 2"), "{e}");
    sql(&shared, "UPDATE meta SET value = '1' WHERE key = 'format'");
    sql(&shared, "UPDATE meta SET value = '00000000-0000-4000-8000-000000000000' WHERE key = 'store_id'");
    let e = sync::sync_now(&mut rs[0].store).unwrap_err();
    assert!(matches!(e, SyncError::WrongStore { .. }), "{e}");
    // A foreign SQLite file.
    let other = dir.path().join("other.db");
    sql(&other, "CREATE TABLE x(y); INSERT INTO x VALUES (1);");
    let mut b = replica(dir.path(), "b");
    let e = sync::join(&mut b.store, &other, |_| true).unwrap_err();
    assert!(e.to_string().contains("not a tix shared store"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_read_only_shared_file_is_offline() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (shared, mut rs) = network(dir.path(), &["a"]);
    rs[0].ticket("local");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o444)).unwrap();
    if std::fs::OpenOptions::new().write(true).open(&shared).is_ok() {
        eprintln!("running as root: a 0444 file stays writable; skipping the read-only assertion");
        return;
    }
    let e = sync::sync_now(&mut rs[0].store).unwrap_err();
    assert!(matches!(e, SyncError::Offline(_)), "{e}");
    assert!(e.to_string().contains("read-only"), "{e}");
    assert!(sync::status(&rs[0].store).unwrap().offline);
    // No permission at all.
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o000)).unwrap();
    let e = sync::sync_now(&mut rs[0].store).unwrap_err();
    assert!(matches!(e, SyncError::Offline(_)), "{e}");
    assert!(e.to_string().to_lowercase().contains("permission"), "{e}");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(rs[0].sync().pushed, 1, "back online");
}

#[test]
fn a_clock_hours_off_is_reported_and_the_merge_stays_correct() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut rs) = network(dir.path(), &["a", "b"]);
    let t = rs[0].ticket("clocks");
    rs[0].sync();
    rs[1].sync();
    rs[1].clock.advance(3 * 3_600_000); // b's clock runs 3 hours ahead
    rs[1].set("lee", t, TicketField::Group, "future");
    rs[1].sync();
    rs[0].set("dana", t, TicketField::Category, "present");
    let rep = rs[0].sync();
    assert!(rep.warnings.iter().any(|w| w.contains("ahead of this machine's clock")), "{:?}", rep.warnings);
    assert!(sync::status(&rs[0].store).unwrap().warnings.iter().any(|w| w.contains("clock")));
    rs[1].sync();
    // a's later edit still gets an HLC after b's (the HLC never goes back).
    rs[0].set("dana", t, TicketField::Group, "now");
    rs[0].sync();
    rs[1].sync();
    assert_eq!(rs[1].store.ticket(t).unwrap().group.as_deref(), Some("now"));
    assert_converged(&rs);
}

// ------------------------------------------------------------------ the binary

#[test]
fn the_sync_commands_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let t = Cli { dir: dir.path().to_path_buf() };
    t.ok("a.db", &["init"]);
    t.ok("b.db", &["init"]);
    assert_eq!(t.ok("a.db", &["ticket", "new", "--title", "Printer jam"]).trim(), "#1");
    let out = t.ok("a.db", &["sync", "init", "shared.db"]);
    assert!(out.contains("created the shared store"), "{out}");
    // init never replaces a file.
    let before = std::fs::read(dir.path().join("shared.db")).unwrap();
    let err = t.fails("b.db", &["sync", "init", "shared.db"], 1);
    assert!(err.contains("exists already"), "{err}");
    assert_eq!(std::fs::read(dir.path().join("shared.db")).unwrap(), before);
    assert!(
        !std::fs::read_dir(dir.path()).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp-")),
        "no temporary file left behind"
    );
    // Joining a store never seen asks; without a terminal, --yes is needed.
    let err = t.fails("b.db", &["sync", "join", "shared.db"], 2);
    assert!(err.contains("--yes"), "{err}");
    t.ok("b.db", &["sync", "join", "--yes", "shared.db"]);
    // Provisional numbers: shown with ~, accepted by show, final after a sync.
    let created = t.json("b.db", &["ticket", "new", "--title", "From b"]);
    assert_eq!(created["number"], "~1");
    assert!(t.ok("b.db", &["ticket", "show", "~1"]).starts_with("#~1 From b"));
    let rep = t.json("b.db", &["sync"]);
    assert_eq!(rep["pushed"], 1);
    assert_eq!(rep["numbered"], 1);
    assert!(t.ok("b.db", &["ticket", "show", "2"]).starts_with("#2 From b"));
    // The provisional number keeps naming the ticket (scripts that kept it go on working).
    assert!(t.ok("b.db", &["ticket", "show", "~1"]).starts_with("#2 From b"));
    // Status, human and JSON.
    let st = t.json("b.db", &["sync", "status"]);
    assert_eq!(st["joined"], true);
    assert_eq!(st["unsynced"], 0);
    assert_eq!(st["offline"], false);
    assert!(st["path"].as_str().unwrap().ends_with("shared.db"));
    assert!(st["last_sync"].is_string());
    assert!(st["notices"].as_array().unwrap().is_empty());
    // Offline: exit 1, one clear line, local work continues, status says so.
    std::fs::rename(dir.path().join("shared.db"), dir.path().join("away.db")).unwrap();
    t.ok("b.db", &["ticket", "note", "2", "--body", "while offline"]);
    let err = t.fails("b.db", &["sync"], 1);
    assert!(err.starts_with("tix: offline: no shared store at") && err.trim().lines().count() == 1, "{err}");
    let st = t.json("b.db", &["sync", "status"]);
    assert_eq!(st["offline"], true);
    assert_eq!(st["unsynced"], 1, "the note (dana, a.db's first-run admin, came with the join)");
    assert!(st["last_error"].as_str().unwrap().contains("offline"));
    assert!(t.ok("b.db", &["sync", "status"]).contains("offline"));
    std::fs::rename(dir.path().join("away.db"), dir.path().join("shared.db")).unwrap();
    t.ok("b.db", &["sync"]);
    t.ok("a.db", &["sync"]);
    // Both stores verify after syncing.
    assert!(t.ok("a.db", &["store", "verify"]).contains("OK"));
    assert!(t.ok("b.db", &["store", "verify"]).contains("OK"));
    let list = t.ok("a.db", &["ticket", "list", "--csv"]);
    assert!(list.contains("\n2,") && list.contains("\n1,"), "{list}");
    // A damaged file: exit 1, a pointer to rebuild; rebuild keeps the bad one aside.
    std::fs::write(dir.path().join("shared.db"), "not a database ".repeat(100)).unwrap();
    let err = t.fails("a.db", &["sync"], 1);
    assert!(err.contains("tix sync rebuild"), "{err}");
    let out = t.ok("a.db", &["sync", "rebuild"]);
    assert!(out.contains("kept as") && out.contains("shared.db.bad-"), "{out}");
    t.ok("b.db", &["sync"]);
    assert!(t.ok("b.db", &["store", "verify"]).contains("OK"));
}

#[test]
fn the_loser_of_a_concurrent_edit_is_told_by_tix_sync() {
    let dir = tempfile::tempdir().unwrap();
    let t = Cli { dir: dir.path().to_path_buf() };
    t.ok("a.db", &["init"]);
    t.ok("a.db", &["ticket", "new", "--title", "Contested"]);
    t.ok("a.db", &["person", "add", "lee", "--role", "agent"]);
    t.ok("a.db", &["sync", "init", "shared.db"]);
    t.ok("b.db", &["init"]);
    t.ok("b.db", &["sync", "join", "--yes", "shared.db"]);
    t.ok("a.db", &["ticket", "update", "1", "--group", "desk"]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    t.ok("b.db", &["--as", "lee", "ticket", "update", "1", "--group", "network"]);
    t.ok("a.db", &["sync"]);
    t.ok("b.db", &["sync"]);
    let out = t.ok("a.db", &["sync"]);
    assert!(out.contains("notice: your change to group on #1 was superseded by lee"), "{out}");
    // Printed once; listed until acknowledged.
    assert!(!t.ok("a.db", &["sync"]).contains("notice"));
    let st = t.json("a.db", &["sync", "status"]);
    assert_eq!(st["notices"].as_array().unwrap().len(), 1);
    assert_eq!(st["notices"][0]["field"], "group");
    t.ok("a.db", &["sync", "notices", "--ack"]);
    assert!(t.json("a.db", &["sync", "status"])["notices"].as_array().unwrap().is_empty());
}

// ------------------------------------------------------------------ benchmark

/// The sync benchmark (numbers in the README):
/// `cargo test --release --test sync -- --ignored bench_sync --nocapture`
/// (`TIX_BENCH_TICKETS`, default 110,000 demo tickets ≈ 1,000,000 ops).
#[test]
#[ignore]
fn bench_sync() {
    use std::time::Instant;
    let tickets: u64 = std::env::var("TIX_BENCH_TICKETS").ok().and_then(|v| v.parse().ok()).unwrap_or(110_000);
    let dir = tempfile::tempdir().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let build = |name: &str, tickets: u64| -> Store {
        let p = dir.path().join(name);
        let t = Instant::now();
        let s = tix::demo::build(&p, &tix::demo::DemoOptions { tickets, seed: 42, now_ms: now }, |_, _| {}).unwrap();
        eprintln!("demo {name}: {} tickets, {} ops in {:.1} s", s.tickets, s.ops, t.elapsed().as_secs_f64());
        Store::open(&p, OpenMode::Existing).unwrap()
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    // A shared store of about 1,000,000 ops.
    let mut a = build("a.db", tickets);
    let shared = dir.path().join("shared.db");
    let t = Instant::now();
    let r = sync::init(&mut a, &shared).unwrap();
    eprintln!(
        "sync init (push {} ops): {:.1} s, longest lock {:.0} ms; shared file {} MB",
        a.op_count().unwrap(),
        t.elapsed().as_secs_f64(),
        r.max_lock_ms,
        std::fs::metadata(&shared).unwrap().len() / 1_000_000
    );
    // No-op sync, as a whole (open, check, compare heads).
    let runs: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            let r = sync::sync_now(&mut a).unwrap();
            assert_eq!(r.pushed + r.pulled, 0);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    eprintln!("no-op sync against {} ops: median {:.1} ms", a.op_count().unwrap(), median(runs));
    // The integrity check every 50th sync makes (quick_check, and the unique indexes in full).
    {
        use tix::sync::Remote;
        let mut f = tix::sync::shared::SharedFile::open(&shared).unwrap();
        let t = Instant::now();
        f.check_integrity().unwrap();
        eprintln!(
            "integrity check of the shared file ({} MB): {:.2} s",
            std::fs::metadata(&shared).unwrap().len() / 1_000_000,
            t.elapsed().as_secs_f64()
        );
    }
    // Push 10,000 new local ops.
    let ids: Vec<TicketId> = a
        .queue(&tix::store::TicketQuery { active: None, limit: 1000, ..Default::default() })
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let changes: Vec<Change> = (0..10_000)
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
        .collect();
    a.commit("bench", changes).unwrap();
    let t = Instant::now();
    let r = sync::sync_now(&mut a).unwrap();
    assert_eq!(r.pushed, 10_000);
    eprintln!("push 10,000 ops: {:.2} s, longest lock {:.0} ms", t.elapsed().as_secs_f64(), r.max_lock_ms);
    // Pull about 100,000 ops into a fresh replica.
    let mut c = build("c.db", tickets / 10);
    let shared2 = dir.path().join("shared2.db");
    sync::init(&mut c, &shared2).unwrap();
    let mut d = Store::open(&dir.path().join("d.db"), OpenMode::Create).unwrap();
    let t = Instant::now();
    let r = sync::join(&mut d, &shared2, |_| true).unwrap();
    eprintln!("pull {} ops into a fresh replica: {:.2} s", r.pulled, t.elapsed().as_secs_f64());
    assert!(c.diff_state(&d).unwrap().is_empty());
    // And the whole 1,000,000 into a fresh replica.
    let mut e = Store::open(&dir.path().join("e.db"), OpenMode::Create).unwrap();
    let t = Instant::now();
    let r = sync::join(&mut e, &shared, |_| true).unwrap();
    eprintln!("pull {} ops into a fresh replica: {:.1} s", r.pulled, t.elapsed().as_secs_f64());
}

// ------------------------------------------------------------------ bounded pulls

/// A remote whose connection is cut after `reads` reads of ops.
struct CutAfter {
    inner: tix::sync::shared::SharedFile,
    reads: usize,
}

impl sync::Remote for CutAfter {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn store_id(&self) -> &str {
        self.inner.store_id()
    }
    fn state(&mut self, me: ReplicaId) -> Result<sync::RemoteState, SyncError> {
        self.inner.state(me)
    }
    fn checksums(&mut self, at: &[(ReplicaId, u64)]) -> Result<Vec<Option<Vec<u8>>>, SyncError> {
        self.inner.checksums(at)
    }
    fn read_ops(&mut self, replica: ReplicaId, after: u64, limit: usize) -> Result<Vec<RawOp>, SyncError> {
        if self.reads == 0 {
            return Err(SyncError::Offline("cut".into()));
        }
        self.reads -= 1;
        self.inner.read_ops(replica, after, limit)
    }
    fn number_owners(&mut self, c: &[(uuid::Uuid, u64)]) -> Result<Vec<sync::shared::NumberOwner>, SyncError> {
        self.inner.number_owners(c)
    }
    fn push(&mut self, ops: &[(RawOp, Op)], ctx: &sync::PushContext) -> Result<sync::shared::PushOutcome, SyncError> {
        self.inner.push(ops, ctx)
    }
    fn new_numbering_epoch(&mut self, at_least: u64, seen: u64, now: i64) -> Result<u64, SyncError> {
        self.inner.new_numbering_epoch(at_least, seen, now)
    }
    fn check_integrity(&mut self) -> Result<(), SyncError> {
        self.inner.check_integrity()
    }
}

/// A pull is folded in committed batches: cut in the middle, the store keeps a
/// contiguous prefix of what it pulled (and verifies), and the next sync completes it.
#[test]
fn a_pull_cut_in_the_middle_keeps_its_committed_batches_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let (shared, mut rs) = network(dir.path(), &["a"]);
    let t = rs[0].ticket("Busy");
    let notes: Vec<Change> = (0..6_000)
        .map(|i| {
            let e =
                EntryRecord { kind: EntryKind::Note, body: format!("n{i}"), author: None, minutes: None, origin: None };
            Change::entry(t, e)
        })
        .collect();
    rs[0].store.commit("tech", notes).unwrap();
    rs[0].sync();
    let mut b = replica(dir.path(), "b");
    let id = rs[0].store.store_id().unwrap();
    b.store.set_joined(&id, &shared.display().to_string()).unwrap();
    let mut cut = CutAfter { inner: tix::sync::shared::SharedFile::open(&shared).unwrap(), reads: 2 };
    assert!(matches!(sync::exchange(&mut b.store, &mut cut), Err(SyncError::Offline(_))));
    let a_replica = rs[0].store.replica();
    let held = b.store.replica_heads().unwrap().into_iter().find(|(r, _)| *r == a_replica).map(|(_, h)| h);
    assert!(held.is_some_and(|h| h > 0 && h < 6_002), "a committed prefix was kept: {held:?}");
    let scratch = tempfile::tempdir().unwrap();
    assert!(b.store.verify(scratch.path()).unwrap().ok());
    let r = b.sync();
    assert_eq!(r.pulled as u64 + held.unwrap(), rs[0].store.op_count().unwrap());
    rs.push(b);
    assert_converged(&rs);
}
