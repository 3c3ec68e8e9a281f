//! Sync with a PostgreSQL desk: the commands end to end, the faults (server down, a
//! connection cut in the middle of a push, damaged ops, a newer schema, missing
//! grants) and the identity the server enforces (a forged actor, a read-only role).
//! Each test makes its own desk schema and roles and drops them. Runs only with
//! `TIX_TEST_PG` set (`.ci/run` sets it); without it, each test returns at once.

mod sync_common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use sync_common::*;
use tix::domain::ids::TicketId;
use tix::domain::plan::{self, NewTicket};
use tix::domain::ticket::{PriorityMatrix, TicketField};
use tix::sync::{self, SyncError};

fn new_ticket(r: &mut Replica, actor: &str, title: &str) -> TicketId {
    let id = TicketId::new_random();
    r.clock.advance(10);
    r.store.commit(actor, vec![plan::new_ticket(id, NewTicket::titled(title), &PriorityMatrix::default())]).unwrap();
    id
}

#[test]
fn a_desk_on_postgres_end_to_end() {
    let Some(remote) = Remote::pg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let t = Cli { dir: dir.path().to_path_buf() };
    t.ok("a.db", &["init"]);
    t.ok("b.db", &["init"]);
    assert_eq!(t.ok("a.db", &["ticket", "new", "--title", "Printer jam"]).trim(), "#1");
    let out = t.ok("a.db", &["sync", "init", &remote.target]);
    assert!(out.contains("created the shared store with postgres://"), "{out}");
    let err = t.fails("b.db", &["sync", "init", &remote.target], 1);
    assert!(err.contains("exists already") && err.trim().lines().count() == 1, "{err}");
    t.ok("b.db", &["sync", "join", "--yes", &remote.target]);
    assert_eq!(t.json("b.db", &["ticket", "new", "--title", "From b"])["number"], "~1");
    let rep = t.json("b.db", &["sync"]);
    assert_eq!((rep["pushed"].as_u64(), rep["numbered"].as_u64()), (Some(1), Some(1)), "{rep}");
    assert!(t.ok("b.db", &["ticket", "show", "2"]).starts_with("#2 From b"));
    t.ok("a.db", &["sync"]);
    assert_eq!(t.tickets("a.db"), t.tickets("b.db"));
    // Who this store is on the server, and its role there.
    let st = t.json("a.db", &["sync", "status"]);
    assert_eq!(st["server_identity"]["pg_role"], "postgres");
    assert_eq!(st["server_identity"]["agent"], "dana");
    assert_eq!(st["server_identity"]["role"], "admin");
    assert!(t.ok("a.db", &["sync", "status"]).contains("server role   postgres acting as dana (admin)"));
    // A healthy desk is not rebuilt; a damaged one is moved aside and made again.
    let err = t.fails("a.db", &["sync", "rebuild"], 1);
    assert!(err.contains("is healthy"), "{err}");
    remote.sql(&format!("DELETE FROM \"{}\".ops WHERE counter = 1 AND kind = 'ticket.new'", remote.desk()));
    let out = t.ok("a.db", &["sync", "rebuild"]);
    assert!(out.contains("rebuilt the shared store") && out.contains("_bad_"), "{out}");
    t.ok("b.db", &["sync"]);
    t.ok("a.db", &["sync"]);
    assert_eq!(t.tickets("a.db"), t.tickets("b.db"));
    assert!(t.ok("b.db", &["store", "verify"]).contains("OK"));
}

#[test]
fn a_server_that_cannot_be_reached_is_offline_and_local_work_continues() {
    let Some(remote) = Remote::pg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut rs = network_on(&remote, dir.path(), &["a"]);
    let id = rs[0].store.store_id().unwrap();
    rs[0].store.set_joined(&id, "postgres://postgres@127.0.0.1:1/test?desk=nowhere").unwrap();
    rs[0].ticket("while the server is down");
    match sync::sync_now(&mut rs[0].store) {
        Err(SyncError::Offline(m)) => assert!(m.contains("cannot reach the server"), "{m}"),
        other => panic!("expected offline, got {other:?}"),
    }
    let st = sync::status(&rs[0].store).unwrap();
    assert!(st.offline && st.unsynced == 1, "{st:?}");
    rs[0].store.set_joined(&id, &remote.target).unwrap();
    assert_eq!(rs[0].sync().pushed, 1);
}

/// The connection is cut (`pg_terminate_backend`) while a push transaction has inserted
/// its ops and waits: nothing of the batch is visible, and the next sync completes it.
#[test]
fn a_connection_cut_in_the_middle_of_a_push_leaves_nothing_half_done() {
    let Some(remote) = Remote::pg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut rs = network_on(&remote, dir.path(), &["a", "b"]);
    for i in 0..300 {
        new_ticket(&mut rs[0], "tech", &format!("t{i}"));
    }
    let desk = remote.desk().to_string();
    let (_, base) = remote.pg.as_ref().unwrap();
    let mut holder = pg_admin(base);
    let mut hold = holder.transaction().unwrap();
    hold.batch_execute(&format!("LOCK TABLE \"{desk}\".numbers IN ACCESS EXCLUSIVE MODE")).unwrap();
    let mut a = rs.remove(0);
    let pusher = std::thread::spawn(move || {
        let r = sync::sync_now(&mut a.store);
        (a, r)
    });
    // Wait until the push is blocked inside its transaction, then cut it.
    let mut admin = pg_admin(base);
    let started = Instant::now();
    loop {
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tix' AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap()
            .get(0);
        if n > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the push never blocked");
        std::thread::sleep(Duration::from_millis(20));
    }
    admin
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tix' AND wait_event_type = 'Lock'",
        )
        .unwrap();
    hold.rollback().unwrap();
    let (mut a, r) = pusher.join().unwrap();
    assert!(matches!(r, Err(SyncError::Offline(_))), "{r:?}");
    let held: i64 =
        admin.query_one(&format!("SELECT count(*) FROM \"{desk}\".ops WHERE kind = 'ticket.new'"), &[]).unwrap().get(0);
    assert_eq!(held, 0, "no op of the cut batch is visible");
    let rep = a.sync();
    assert_eq!((rep.pushed, rep.numbered), (300, 300));
    rs.insert(0, a);
    rs[1].sync();
    assert_converged(&rs);
    assert_eq!(numbers(&rs[1].store).len(), 300);
}

#[test]
fn damaged_ops_a_counter_gap_and_a_newer_schema_stop_syncing() {
    let Some(remote) = Remote::pg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut rs = network_on(&remote, dir.path(), &["a"]);
    for i in 0..5 {
        new_ticket(&mut rs[0], "tech", &format!("t{i}"));
    }
    rs[0].sync();
    let d = remote.desk().to_string();
    let join = |name: &str| {
        let mut r = replica(dir.path(), name);
        sync::join(&mut r.store, &remote.path(), |_| true).map(|_| r)
    };
    remote.sql(&format!("UPDATE \"{d}\".ops SET payload = replace(payload, 't2', 'tX') WHERE kind = 'ticket.new'"));
    match join("b") {
        Err(SyncError::Fatal(m)) => assert!(m.contains("fails its checksum"), "{m}"),
        other => panic!("expected a checksum failure, got {:?}", other.err()),
    }
    remote.sql(&format!("UPDATE \"{d}\".ops SET payload = replace(payload, 'tX', 't2') WHERE kind = 'ticket.new'"));
    remote.sql(&format!("DELETE FROM \"{d}\".ops WHERE kind = 'ticket.new' AND counter = 3"));
    match join("c") {
        Err(SyncError::Fatal(m)) => assert!(m.contains("counter gap"), "{m}"),
        other => panic!("expected a counter gap, got {:?}", other.err()),
    }
    remote.sql(&format!("UPDATE \"{d}\".meta SET value = '99' WHERE key = 'schema_version'"));
    let err = sync::sync_now(&mut rs[0].store).unwrap_err();
    assert!(matches!(err, SyncError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("newer tix"), "{err}");
}

#[test]
fn missing_grants_are_one_clear_line() {
    let Some(remote) = Remote::pg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let _rs = network_on(&remote, dir.path(), &["a"]);
    let role = Role::new(&remote, false);
    remote.sql(&format!("REVOKE USAGE ON SCHEMA \"{}\" FROM {}", remote.desk(), role.name));
    let t = Cli { dir: dir.path().to_path_buf() };
    t.ok("x.db", &["init"]);
    let err = t.fails("x.db", &["sync", "join", "--yes", &remote.as_role(&role.name)], 1);
    assert!(err.contains(&role.name) && err.contains("permission denied for schema"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// The server, not the client, decides who may write what: a role pushes only changes
/// made as its own agent; a role without INSERT pulls and cannot push.
#[test]
fn the_server_refuses_a_forged_actor_and_a_read_only_push() {
    let Some(remote) = Remote::pg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut rs = network_on(&remote, dir.path(), &["a"]);
    rs[0].ticket("Shared");
    rs[0].sync();
    let lee = Role::new(&remote, true);
    let auditor = Role::new(&remote, false);
    let d = remote.desk().to_string();
    remote.sql(&format!(
        "INSERT INTO \"{d}\".agents VALUES ('{}', 'lee', 'agent'), ('{}', 'audit', 'readonly')",
        lee.name, auditor.name
    ));
    // Lee, as lee: fine; and the status says who lee is on the server.
    let mut b = replica(dir.path(), "b");
    sync::join(&mut b.store, std::path::Path::new(&remote.as_role(&lee.name)), |_| true).unwrap();
    let t = new_ticket(&mut b, "lee", "by lee");
    b.set("lee", t, TicketField::Group, "net");
    assert_eq!(b.sync().pushed, 2);
    let who = sync::status(&b.store).unwrap().server_identity.unwrap();
    assert_eq!(
        (who.pg_role.as_str(), who.agent.as_deref(), who.role.as_deref()),
        (lee.name.as_str(), Some("lee"), Some("agent"))
    );
    // Lee's store writing as dana (a modified client, or --as): refused by the server.
    b.set("dana", t, TicketField::Group, "forged");
    match sync::sync_now(&mut b.store) {
        Err(SyncError::Refused(m)) => {
            assert!(m.contains(&format!("role {} acts as \"lee\"", lee.name)) && m.contains("\"dana\""), "{m}")
        }
        other => panic!("expected the server to refuse, got {other:?}"),
    }
    let forged: i64 = pg_admin(&remote.pg.as_ref().unwrap().1)
        .query_one(&format!("SELECT count(*) FROM \"{d}\".ops WHERE actor = 'dana'"), &[])
        .unwrap()
        .get(0);
    assert_eq!(forged, 0, "nothing of the forged push is on the server");
    // The auditor pulls everything and cannot push.
    let mut c = replica(dir.path(), "c");
    sync::join(&mut c.store, std::path::Path::new(&remote.as_role(&auditor.name)), |_| true).unwrap();
    assert_eq!(numbers(&c.store).len(), 2);
    new_ticket(&mut c, "audit", "auditors cannot write");
    match sync::sync_now(&mut c.store) {
        Err(SyncError::Refused(m)) => assert!(m.contains("read-only role pulls but cannot push"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Even granted INSERT, a role mapped read-only is refused by the trigger.
    remote.sql(&format!("GRANT INSERT ON \"{d}\".ops, \"{d}\".numbers TO {n}; GRANT INSERT, UPDATE ON \"{d}\".heads, \"{d}\".meta TO {n}", n = auditor.name));
    match sync::sync_now(&mut c.store) {
        Err(SyncError::Refused(m)) => assert!(m.contains("is read-only on desk"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    drop(rs);
}

/// The password comes from `[sync] password_command` when neither `PGPASSWORD` nor
/// `~/.pgpass` has one; it is never written to the store or the config. A command
/// that fails is one clear line.
#[test]
fn the_password_command_is_asked_and_nothing_is_stored() {
    let Some(remote) = Remote::pg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let t = Cli { dir: dir.path().to_path_buf() };
    let config = dir.path().join("no-config.toml");
    let ran = dir.path().join("ran");
    let text = format!("[sync]\npassword_command = \"echo yes > {}; echo s3cret-pw\"\n", ran.display());
    std::fs::write(&config, &text).unwrap();
    let run = |args: &[&str]| {
        t.cmd("a.db", args)
            .env_remove("PGPASSWORD")
            .env("PGPASSFILE", dir.path().join("no-pgpass"))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    assert!(run(&["init"]).status.success());
    let o = run(&["sync", "init", &remote.target]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(ran.exists(), "the password command ran");
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let f = f.unwrap();
        if f.file_name().to_string_lossy().starts_with("a.db") {
            let stored = std::fs::read(f.path()).unwrap();
            assert!(!stored.windows(9).any(|w| w == b"s3cret-pw"), "the password is not in {:?}", f.file_name());
        }
    }
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    std::fs::write(&config, "[sync]\npassword_command = \"exit 3\"\n").unwrap();
    let o = run(&["sync"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("password_command `exit 3` failed") && err.trim().lines().count() == 1, "{err}");
}

/// A URL without `?desk=` means the config's `[sync] desk`, recorded with the URL.
#[test]
fn the_config_names_the_desk_a_url_leaves_out() {
    let Some(remote) = Remote::pg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let t = Cli { dir: dir.path().to_path_buf() };
    std::fs::write(dir.path().join("no-config.toml"), format!("[sync]\ndesk = \"{}\"\n", remote.desk())).unwrap();
    t.ok("a.db", &["init"]);
    let base = &remote.pg.as_ref().unwrap().1;
    t.ok("a.db", &["sync", "init", base]);
    let st = t.json("a.db", &["sync", "status"]);
    assert!(st["path"].as_str().unwrap().ends_with(&format!("desk={}", remote.desk())), "{st}");
    std::fs::remove_file(dir.path().join("no-config.toml")).unwrap();
    t.ok("a.db", &["sync"]);
}
