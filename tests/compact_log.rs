//! The compact op log: payloads compressed with dictionaries trained on the store's own
//! payloads, the upgrade of an older log (interrupted by a kill, then resumed), and the
//! counts that `store info` reads instead of scanning.

mod common;

use common::Tix;
use rusqlite::Connection;
use tix::demo::{DemoOptions, build};
use tix::store::{OpenMode, Store};

const NOW: i64 = 1_764_000_000_000;

fn demo(path: &std::path::Path, tickets: u64) {
    build(path, &DemoOptions { tickets, seed: 7, now_ms: NOW }, |_, _| {}).unwrap();
}

/// (text payloads, compressed payloads) in the op log.
fn payload_kinds(path: &std::path::Path) -> (i64, i64) {
    let c = Connection::open(path).unwrap();
    c.query_row(
        "SELECT count(*) FILTER (WHERE typeof(payload) = 'text'), count(*) FILTER (WHERE typeof(payload) = 'blob') FROM ops",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// Turn a current store with a text-only log back into a store of format 9 (before the
/// compact log and the counters).
fn make_format_9(path: &std::path::Path) {
    let c = Connection::open(path).unwrap();
    let blobs: i64 = c.query_row("SELECT count(*) FROM ops WHERE typeof(payload) = 'blob'", [], |r| r.get(0)).unwrap();
    assert_eq!(blobs, 0, "the store to turn back must keep its payloads as text");
    let triggers: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'counts_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in triggers {
        c.execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
    }
    c.execute_batch(
        "DROP TABLE counts; DROP TABLE op_dicts; DELETE FROM meta WHERE key LIKE 'oplog_%';
         -- what later migrations add (11: outbound mail; 12: KB words)
         DROP TABLE IF EXISTS outbox; DROP TABLE IF EXISTS watchers; DROP TABLE IF EXISTS ratings;
         DROP INDEX IF EXISTS origins_ticket_hlc; DROP TABLE IF EXISTS kb_words;
         PRAGMA user_version = 9;",
    )
    .unwrap();
}

#[test]
fn a_grown_store_compresses_new_ops_and_reads_them_back_unchanged() {
    let mut t = Tix::new();
    t.db = t.path("demo.db");
    demo(&t.db, 1_500);
    // The log passed 10,000 ops: a dictionary was trained on it; what is written next is compressed.
    for i in 0..30 {
        t.ok(&["ticket", "note", &(i + 1).to_string(), "--body", "Replaced the toner and ran a test page: all good."]);
    }
    let (_, blobs) = payload_kinds(&t.db);
    assert!(blobs >= 30, "notes written after the dictionary are compressed ({blobs})");
    // Read back exactly: the timeline, the history export, and a rebuild from the log.
    assert!(t.ok(&["ticket", "show", "30"]).contains("Replaced the toner"));
    let history = t.ok(&["export", "history"]);
    assert_eq!(history.matches("Replaced the toner").count(), 30);
    t.verify();
    // Another store takes the history in and holds the same ops, checksums included.
    let other = Tix::new();
    let file = other.path("history.jsonl");
    std::fs::write(&file, &history).unwrap();
    other.ok(&["import", "history", file.to_str().unwrap()]);
    let body = |h: &str| h.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(body(&other.ok(&["export", "history"])), body(&history));
    // A flipped byte in a compressed payload is damage, named as such.
    let c = Connection::open(&t.db).unwrap();
    c.execute(
        "UPDATE ops SET payload = CAST(substr(payload, 1, length(payload) - 1) || x'00' AS BLOB)
         WHERE typeof(payload) = 'blob' AND kind = 'ticket.entry'",
        [],
    )
    .unwrap();
    let (_, err) = t.fails(&["store", "verify"], 1);
    assert!(err.contains("damaged") || err.contains("checksum"), "{err}");
}

#[test]
fn an_older_log_is_compressed_on_open_and_a_kill_midway_resumes() {
    let mut t = Tix::new();
    t.db = t.path("demo.db");
    demo(&t.db, 1_000);
    let before = t.ok(&["export", "history"]);
    let info_before = t.json(&["store", "info"]);
    make_format_9(&t.db);
    // A kill in the middle of the upgrade (after the first committed batch).
    let o = t.cmd(&["store", "info"]).env("TIX_TEST_STOP_COMPACT_AFTER", "5000").output().unwrap();
    assert_eq!(o.status.code(), Some(137), "{}", String::from_utf8_lossy(&o.stderr));
    let (text, blobs) = payload_kinds(&t.db);
    assert!(blobs >= 4_000 && text >= 1_000, "half done: {text} text, {blobs} compressed");
    // The next open finishes it.
    let info = t.json(&["store", "info"]);
    assert_eq!(info["ops"], info_before["ops"]);
    assert_eq!(info["tickets"], info_before["tickets"]);
    assert_eq!(info["by_status"], info_before["by_status"]);
    let (text, blobs) = payload_kinds(&t.db);
    assert!(blobs > 8 * text, "finished: {text} text, {blobs} compressed");
    let c = Connection::open(&t.db).unwrap();
    let left: i64 = c.query_row("SELECT count(*) FROM meta WHERE key = 'oplog_compact'", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0);
    // Nothing changed but the bytes: the same ops, the same state.
    assert_eq!(t.ok(&["export", "history"]), before);
    t.verify();
}

#[test]
fn store_info_counts_are_kept_through_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db");
    demo(&path, 300);
    let t = Tix::new();
    std::fs::copy(&path, &t.db).unwrap();
    for (title, status) in [("Counted", "resolved"), ("Waiting", "pending")] {
        let made = t.json(&["ticket", "new", "--title", title, "--requester", "Ann Example <ann@example.com>"]);
        let n = made["number"].to_string();
        t.ok(&["ticket", "take", &n]);
        t.ok(&["ticket", "update", &n, "--status", status]);
    }
    let info = t.json(&["store", "info"]);
    let c = Connection::open(&t.db).unwrap();
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(info["ops"], count("SELECT count(*) FROM ops"));
    assert_eq!(info["tickets"], count("SELECT count(*) FROM tickets WHERE deleted = 0"));
    assert_eq!(info["people"], count("SELECT count(*) FROM people"));
    assert_eq!(info["assets"], count("SELECT count(*) FROM assets WHERE deleted = 0"));
    assert_eq!(info["articles"], count("SELECT count(*) FROM articles WHERE deleted = 0"));
    for pair in info["by_status"].as_array().unwrap() {
        let status = pair[0].as_str().unwrap();
        let n = count(&format!("SELECT count(*) FROM tickets WHERE deleted = 0 AND status = '{status}'"));
        assert_eq!(pair[1], n, "{status}");
    }
    // A view that asks only for statuses is answered from the counters, and agrees.
    let s = Store::open(&t.db, OpenMode::Existing).unwrap();
    let q = tix::store::TicketQuery { active: Some(true), limit: 10, ..Default::default() };
    assert_eq!(s.count(&q).unwrap() as i64, count("SELECT count(*) FROM tickets WHERE active = 1"));
}
