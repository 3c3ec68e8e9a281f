//! Local data stays private on a shared host: file modes of everything tix creates,
//! whatever the umask; the warning on a store others can read and its fix; an empty
//! file and a read-only store. The real binary, run with a umask of its own (the
//! test process's umask is left alone: it is shared by every test thread).
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const UMASKS: [&str; 2] = ["022", "000"];

/// A scratch home: `XDG_DATA_HOME` and the config point inside it.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home { dir: tempfile::tempdir().unwrap() }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn data_dir(&self) -> PathBuf {
        self.path("xdg/tix")
    }
    /// `tix ARGS` with `umask UMASK` (through `sh`, which then execs tix).
    fn cmd(&self, umask: &str, args: &[&str]) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(format!("umask {umask}; exec \"$0\" \"$@\"")).arg(env!("CARGO_BIN_EXE_tix")).args(args);
        c.env("XDG_DATA_HOME", self.path("xdg"))
            .env("HOME", self.dir.path())
            .env("TIX_CONFIG", self.path("no-config.toml"))
            .env_remove("TIX_DB")
            .env_remove("XDG_CONFIG_HOME")
            .stdin(Stdio::null());
        c
    }
    fn run(&self, umask: &str, args: &[&str]) -> Output {
        self.cmd(umask, args).output().unwrap()
    }
    fn ok(&self, umask: &str, args: &[&str]) -> Output {
        let o = self.run(umask, args);
        assert!(o.status.success(), "tix {args:?} (umask {umask}): {}", String::from_utf8_lossy(&o.stderr));
        o
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

fn chmod(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

fn side(db: &Path, ext: &str) -> PathBuf {
    PathBuf::from(format!("{}{ext}", db.display()))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every side file that exists has the store's private mode.
fn assert_side_files_private(db: &Path) {
    for ext in ["-wal", "-shm", "-journal"] {
        let p = side(db, ext);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
}

#[test]
fn init_and_demo_make_a_private_data_directory_and_stores_whatever_the_umask() {
    for umask in UMASKS {
        let h = Home::new();
        let o = h.ok(umask, &["init"]);
        let db = h.data_dir().join("tix.db");
        assert!(String::from_utf8_lossy(&o.stdout).contains("created"));
        assert_eq!(mode(&h.data_dir()), 0o700, "data directory, umask {umask}");
        assert_eq!(mode(&db), 0o600, "store, umask {umask}");
        assert_side_files_private(&db);
        assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));

        let h = Home::new();
        let o = h.ok(umask, &["demo", "--tickets", "30", "--now", "2026-11-20", "--no-tui"]);
        let demo = h.data_dir().join("demo.db");
        assert_eq!(mode(&h.data_dir()), 0o700, "data directory, umask {umask}");
        assert_eq!(mode(&demo), 0o600, "demo store, umask {umask}");
        assert_side_files_private(&demo);
        assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    }
}

#[test]
fn a_store_after_writes_keeps_its_wal_and_shm_private_whatever_the_umask() {
    use std::io::Write;
    for umask in UMASKS {
        let h = Home::new();
        let db = h.path("tix.db");
        h.ok(umask, &["--db", db.to_str().unwrap(), "init"]);
        // `ingest email -` opens the store (SQLite creates -wal and -shm), then waits for
        // the message on stdin.
        let mut child = h
            .cmd(umask, &["--db", db.to_str().unwrap(), "--json", "ingest", "email", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let wal = side(&db, "-wal");
        let shm = side(&db, "-shm");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !(wal.exists() && shm.exists()) {
            assert!(std::time::Instant::now() < deadline, "tix never opened the store");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // A reader of our own keeps the WAL in place after tix exits.
        let reader = rusqlite::Connection::open(&db).unwrap();
        let _: i64 = reader.query_row("SELECT count(*) FROM ops", [], |r| r.get(0)).unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(
                b"From: Jane <jane@example.com>\r\nSubject: Printer jam\r\nMessage-ID: <a@b>\r\n\r\nIt jams.\r\n",
            )
            .unwrap();
        drop(stdin);
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(std::fs::metadata(&wal).unwrap().len() > 0, "the write is in the WAL");
        assert_eq!((mode(&db), mode(&wal), mode(&shm)), (0o600, 0o600, 0o600), "umask {umask}");
        drop(reader);
    }
}

#[test]
fn an_export_to_a_path_is_private_and_replaces_the_file_whole() {
    for umask in UMASKS {
        let h = Home::new();
        let db = h.path("tix.db");
        let db = db.to_str().unwrap();
        h.ok(umask, &["--db", db, "init"]);
        h.ok(umask, &["--db", db, "ticket", "new", "--title", "Printer jam"]);
        let out = h.path("tickets.csv");
        std::fs::write(&out, "old").unwrap();
        chmod(&out, 0o644);
        h.ok(umask, &["--db", db, "export", "tickets", "--output", out.to_str().unwrap()]);
        assert_eq!(mode(&out), 0o600, "umask {umask}");
        assert!(std::fs::read_to_string(&out).unwrap().contains("Printer jam"));
        let hist = h.path("history.jsonl");
        h.ok(umask, &["--db", db, "export", "history", "-o", hist.to_str().unwrap()]);
        assert_eq!(mode(&hist), 0o600, "umask {umask}");
        assert!(std::fs::read_to_string(&hist).unwrap().starts_with("{\"tix_history\""));
        // A refused export leaves the file as it was.
        let o = h.run(umask, &["--db", db, "export", "history", "--format", "csv", "-o", hist.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        assert!(std::fs::read_to_string(&hist).unwrap().starts_with("{\"tix_history\""));
        let names: Vec<_> = std::fs::read_dir(h.dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(!names.iter().any(|n| n.to_string_lossy().ends_with(".tmp")), "no temporary file left: {names:?}");
    }
}

#[test]
fn verify_rebuilds_into_a_private_scratch_store_and_reports_modes() {
    for umask in UMASKS {
        let h = Home::new();
        let db = h.path("tix.db");
        let dbs = db.to_str().unwrap();
        h.ok(umask, &["--db", dbs, "init"]);
        h.ok(umask, &["--db", dbs, "ticket", "new", "--title", "Printer jam"]);
        let rebuilt = h.path("rebuilt.db");
        let o = h.ok(umask, &["--db", dbs, "--json", "store", "verify", "--rebuilt-to", rebuilt.to_str().unwrap()]);
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["integrity"], "ok");
        assert_eq!(v["permissions"], serde_json::json!([]));
        assert_eq!(mode(&rebuilt), 0o600, "umask {umask}");
        assert_side_files_private(&rebuilt);
        // The rebuilt store holds the ticket.
        let o = h.ok(umask, &["--db", rebuilt.to_str().unwrap(), "--json", "ticket", "list"]);
        assert!(String::from_utf8_lossy(&o.stdout).contains("Printer jam"));
        // Never over an existing file.
        let o = h.run(umask, &["--db", dbs, "store", "verify", "--rebuilt-to", rebuilt.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    }
}

#[test]
fn a_store_others_can_read_is_reported_once_and_secured() {
    let h = Home::new();
    h.ok("022", &["init"]);
    let dir = h.data_dir();
    let db = dir.join("tix.db");
    // As an older tix left them.
    chmod(&dir, 0o755);
    chmod(&db, 0o644);
    let o = h.ok("022", &["ticket", "list"]);
    let e = stderr(&o);
    assert_eq!(e.matches("warning").count(), 1, "once: {e}");
    assert!(e.contains("is readable by other users (mode 0644)"), "{e}");
    assert!(e.contains("tix store secure") && e.contains(&format!("chmod 600 {}", db.display())), "{e}");
    // With --json the warning is JSON too.
    let o = h.ok("022", &["--json", "ticket", "list"]);
    let w: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert!(w["warning"].as_str().unwrap().contains("mode 0644"), "{w}");
    // verify reports it, without failing.
    let o = h.ok("022", &["store", "verify"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("PERMISSIONS") && out.contains("mode 0644"), "{out}");
    // The fix.
    let o = h.ok("022", &["--json", "store", "secure"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let changed: Vec<(String, String)> = v["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["from"].as_str().unwrap().into(), c["to"].as_str().unwrap().into()))
        .collect();
    assert!(changed.contains(&("0755".into(), "0700".into())), "{v}");
    assert!(changed.contains(&("0644".into(), "0600".into())), "{v}");
    assert_eq!((mode(&dir), mode(&db)), (0o700, 0o600));
    let o = h.ok("022", &["ticket", "list"]);
    assert_eq!(stderr(&o), "", "no warning once secured");
    let o = h.ok("022", &["store", "secure"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("private already"));
    // A store outside the data directory: the file is fixed, its directory only named.
    let other = h.path("elsewhere");
    std::fs::create_dir(&other).unwrap();
    chmod(&other, 0o755);
    let odb = other.join("x.db");
    h.ok("000", &["--db", odb.to_str().unwrap(), "init"]);
    chmod(&odb, 0o664);
    let o = h.ok("022", &["--db", odb.to_str().unwrap(), "store", "secure"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("0664 → 0600") && out.contains("left alone"), "{out}");
    assert_eq!((mode(&odb), mode(&other)), (0o600, 0o755));
}

#[test]
fn a_config_file_others_can_change_is_warned_about() {
    let h = Home::new();
    let db = h.path("tix.db");
    h.ok("022", &["--db", db.to_str().unwrap(), "init"]);
    let config = h.path("config.toml");
    std::fs::write(&config, "").unwrap();
    let list = |m: u32| {
        chmod(&config, m);
        let o = h
            .cmd("022", &["--db", db.to_str().unwrap(), "ticket", "list"])
            .env("TIX_CONFIG", &config)
            .output()
            .unwrap();
        assert!(o.status.success());
        stderr(&o)
    };
    let e = list(0o666);
    assert!(e.contains("config file") && e.contains("writable by other users (mode 0666)"), "{e}");
    assert!(e.contains("chmod go-w"), "{e}");
    assert!(list(0o620).contains("mode 0620"), "group-writable too");
    assert_eq!(list(0o644), "");
}

#[test]
fn a_shared_store_is_for_the_group_never_for_others() {
    for (umask, want) in [("000", 0o660), ("022", 0o640), ("007", 0o660)] {
        let h = Home::new();
        let db = h.path("tix.db");
        let dbs = db.to_str().unwrap();
        h.ok(umask, &["--db", dbs, "init"]);
        h.ok(umask, &["--db", dbs, "ticket", "new", "--title", "Printer jam"]);
        let shared = h.path("shared.db");
        h.ok(umask, &["--db", dbs, "sync", "init", shared.to_str().unwrap()]);
        assert_eq!(mode(&shared), want, "sync init, umask {umask}");
        // The numbers journal beside it is the group's too.
        assert_eq!(mode(&h.path("shared.db.numbers")), want, "numbers journal, umask {umask}");
        // A healthy shared file is rebuilt only when forced.
        h.ok(umask, &["--db", dbs, "sync", "rebuild", "--force"]);
        assert_eq!(mode(&shared), want, "sync rebuild, umask {umask}");
        assert_eq!(mode(&db), 0o600, "the local store stays private");
    }
}

#[test]
fn an_empty_file_is_not_a_store_until_init() {
    let h = Home::new();
    let db = h.path("empty.db");
    std::fs::write(&db, "").unwrap();
    chmod(&db, 0o644);
    let dbs = db.to_str().unwrap();
    for args in [&["ticket", "list"][..], &["ticket", "new", "--title", "x"], &["store", "info"]] {
        let mut a = vec!["--db", dbs];
        a.extend_from_slice(args);
        let o = h.run("022", &a);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let e = stderr(&o);
        assert!(e.contains("empty file (0 bytes)") && e.contains("tix init"), "{e}");
        assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "{args:?} left the file alone");
    }
    assert!(!side(&db, "-wal").exists());
    // A missing file is refused the same way it always was.
    let o = h.run("022", &["--db", h.path("missing.db").to_str().unwrap(), "ticket", "list"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no tix store"), "{}", stderr(&o));
    // `tix init` may start a store in the empty file, and makes it private.
    let o = h.ok("022", &["--db", dbs, "init"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("created"));
    assert_eq!(mode(&db), 0o600);
    h.ok("022", &["--db", dbs, "ticket", "new", "--title", "x"]);
    let o = h.ok("022", &["--db", dbs, "init"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("already exists"));
}

#[test]
fn a_store_that_cannot_be_written_still_reads_and_refuses_writes_clearly() {
    let h = Home::new();
    let dir = h.path("desk");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("tix.db");
    let dbs = db.to_str().unwrap();
    h.ok("022", &["--db", dbs, "init"]);
    h.ok("022", &["--db", dbs, "ticket", "new", "--title", "Printer jam"]);
    let entries = || {
        let o = h.ok("022", &["--db", dbs, "--json", "ticket", "show", "1"]);
        serde_json::from_slice::<Value>(&o.stdout).unwrap()["entry_count"].clone()
    };
    // The file read-only (root ignores permission bits: tix goes by them itself), then
    // the directory (the WAL cannot be created).
    for (what, path, m, restore) in [("file", &db, 0o444, 0o600), ("directory", &dir, 0o555, 0o755)] {
        chmod(path, m);
        let o = h.ok("022", &["--db", dbs, "--json", "ticket", "list"]);
        let rows: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(rows.to_string().contains("Printer jam"), "{what}: {rows}");
        let o = h.ok("022", &["--db", dbs, "store", "info"]);
        assert!(String::from_utf8_lossy(&o.stdout).contains("tickets  1"), "{what}");
        let o = h.run("022", &["--db", dbs, "ticket", "note", "1", "--body", "hello"]);
        assert_eq!(o.status.code(), Some(1), "{what}");
        let e = stderr(&o);
        assert!(e.contains("opened read-only because") && e.contains("nothing was written"), "{what}: {e}");
        assert!(e.contains(&format!("{m:04o}")), "names the mode: {e}");
        let o = h.run("022", &["--db", dbs, "--json", "ticket", "new", "--title", "y"]);
        assert_eq!(o.status.code(), Some(1), "{what}");
        chmod(path, restore);
        assert_eq!(entries(), 0, "{what}: nothing was written");
    }
    // Writable again: writes work (side files a read-only open left behind are fixed).
    h.ok("022", &["--db", dbs, "ticket", "note", "1", "--body", "hello"]);
    assert_eq!(entries(), 1);
    assert_side_files_private(&db);
}

#[test]
fn the_console_names_a_store_others_can_read_or_one_opened_read_only() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use tix::store::{OpenMode, Store};
    use tix::tui::{App, Options, defaults};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    drop(Store::open(&db, OpenMode::Create).unwrap());
    let o = Options {
        drafts: None,
        agent: "dana".into(),
        me: None,
        now_ms: 1_795_000_000_000,
        width: 100,
        height: 24,
        color: false,
        ascii: false,
        views: None,
        mouse: false,
        sync_interval: 0,
        rules: Default::default(),
    };
    let status = |m: u32| {
        chmod(&db, m);
        let app = App::new(Store::open(&db, OpenMode::Existing).unwrap(), defaults::keymap(), o.clone());
        let mut t = Terminal::new(TestBackend::new(100, 24)).unwrap();
        t.draw(|f| tix::tui::view::render(&app.model, f)).unwrap();
        (app.model.status.map(|s| s.0), t.backend().to_string())
    };
    assert_eq!(status(0o600).0, None);
    let (s, screen) = status(0o644);
    assert!(s.unwrap().contains("readable by other users (mode 0644): run tix store secure"));
    assert!(screen.contains("run tix store secure"), "{screen}");
    let (s, _) = status(0o400);
    assert!(s.unwrap().contains("read-only: the file is not writable (mode 0400)"));
    chmod(&db, 0o600);
}

/// The same as another user than root, where the kernel's permission checks apply: a
/// store in a directory this user may not write (SQLite cannot create the WAL there),
/// and a store file this user may not write. Needs root and `setpriv` to switch to
/// `nobody`; says so and stops elsewhere.
#[test]
fn a_store_another_user_may_only_read_still_reads_for_them() {
    let h = Home::new();
    let as_nobody = |args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_tix")])
            .args(args)
            .env("TIX_CONFIG", h.path("no-config.toml"))
            .env_remove("TIX_DB")
            .stdin(Stdio::null())
            .output()
    };
    chmod(h.dir.path(), 0o755);
    if !as_nobody(&["--version"]).is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: cannot run tix as nobody here (needs root, setpriv and a readable binary)");
        return;
    }
    let db = h.path("tix.db");
    let dbs = db.to_str().unwrap();
    h.ok("022", &["--db", dbs, "init"]);
    h.ok("022", &["--db", dbs, "ticket", "new", "--title", "Printer jam"]);
    for (owner, want) in [(65534, "may not create files in its directory"), (0, "you may not write the file")] {
        std::os::unix::fs::chown(&db, Some(owner), None).unwrap();
        chmod(&db, if owner == 0 { 0o644 } else { 0o600 });
        let o = as_nobody(&["--db", dbs, "--json", "ticket", "list"]).unwrap();
        assert!(o.status.success(), "{want}: {}", stderr(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains("Printer jam"));
        let o = as_nobody(&["--db", dbs, "ticket", "note", "1", "--body", "hello"]).unwrap();
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains(want) && stderr(&o).contains("nothing was written"), "{}", stderr(&o));
        assert!(!side(&db, "-wal").exists(), "nobody could create the WAL");
    }
    std::os::unix::fs::chown(&db, Some(0), None).unwrap();
    chmod(&db, 0o600);
    let o = h.ok("022", &["--db", dbs, "--json", "ticket", "show", "1"]);
    assert_eq!(serde_json::from_slice::<Value>(&o.stdout).unwrap()["entry_count"], 0);
}

/// A full disk: the store is on a small tmpfs filled to the last block (in a mount
/// namespace of its own). Needs `unshare -m` and `mount` (root); says so and stops
/// elsewhere.
#[test]
fn a_store_on_a_full_disk_still_reads() {
    let h = Home::new();
    let db = h.path("tix.db");
    let dbs = db.to_str().unwrap();
    h.ok("022", &["--db", dbs, "init"]);
    h.ok("022", &["--db", dbs, "ticket", "new", "--title", "Printer jam"]);
    let mnt = h.path("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let script = r#"
        mount -t tmpfs -o size=1m tmpfs "$1" || exit 99
        cp "$2" "$1/tix.db" || exit 98
        dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null
        "$3" --db "$1/tix.db" --json ticket list > "$1/../list.out" 2> "$1/../list.err"; echo "list $?"
        "$3" --db "$1/tix.db" ticket note 1 --body hello 2> "$1/../note.err"; echo "note $?"
    "#;
    let o = Command::new("unshare")
        .args(["-m", "sh", "-c", script, "sh"])
        .arg(&mnt)
        .arg(&db)
        .arg(env!("CARGO_BIN_EXE_tix"))
        .env("TIX_CONFIG", h.path("no-config.toml"))
        .env_remove("TIX_DB")
        .output();
    let Some(o) = o.ok().filter(|o| o.status.success()) else {
        eprintln!("skipped: cannot mount a small file system here (needs root and unshare)");
        return;
    };
    let out = String::from_utf8_lossy(&o.stdout);
    let read = |f: &str| std::fs::read_to_string(h.path(f)).unwrap();
    assert!(out.contains("list 0"), "{out}: {}", read("list.err"));
    assert!(read("list.out").contains("Printer jam"));
    assert!(out.contains("note 1"), "{out}");
    let e = read("note.err");
    assert!(e.contains("opened read-only because it could not be opened for writing"), "{e}");
    assert!(e.contains("nothing was written"), "{e}");
}

#[test]
fn an_old_store_that_cannot_be_written_says_it_needs_an_upgrade() {
    use tix::store::{OpenMode, Store, StoreError, schema};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(schema::MIGRATIONS[0]).unwrap();
    c.pragma_update(None, "user_version", 1).unwrap();
    c.pragma_update(None, "application_id", schema::APPLICATION_ID).unwrap();
    c.execute_batch(
        "INSERT INTO replicas(idx, id) VALUES (1, randomblob(16));
         INSERT INTO meta VALUES ('store_id','x'),('replica','1'),('counter','0'),('hlc','0');",
    )
    .unwrap();
    drop(c);
    chmod(&path, 0o400);
    let e = Store::open(&path, OpenMode::Existing).unwrap_err();
    assert!(matches!(e, StoreError::OpenedReadOnly { .. }), "{e}");
    assert!(e.to_string().contains("needs upgrading to store format"), "{e}");
    assert_eq!(
        rusqlite::Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
            .unwrap(),
        1
    );
    chmod(&path, 0o600);
    assert!(Store::open(&path, OpenMode::Existing).is_ok(), "upgrades once writable");
}
