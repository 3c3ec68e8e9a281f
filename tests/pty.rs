//! The real binary on a pseudo-terminal, read through a VT100 parser: what a technician
//! in an SSH session would see, and what the terminal itself would be told to do.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// Terminal requests that must never come from ticket text.
#[derive(Default)]
struct Watch {
    titles: Vec<Vec<u8>>,
    clipboard: Vec<Vec<u8>>,
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Watch>>);

impl vt100::Callbacks for Shared {
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.0.lock().unwrap().titles.push(title.to_vec());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _ty: &[u8], data: &[u8]) {
        self.0.lock().unwrap().clipboard.push(data.to_vec());
    }
}

struct Term {
    parser: Arc<Mutex<vt100::Parser<Shared>>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    watch: Shared,
}

impl Term {
    fn spawn(db: &Path, dir: &Path) -> Term {
        Term::spawn_with(db, dir, &[])
    }

    fn spawn_with(db: &Path, dir: &Path, env: &[(&str, &str)]) -> Term {
        let pty = native_pty_system().openpty(PtySize { rows: 24, cols: 80, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tix"));
        cmd.args(["--db", db.to_str().unwrap(), "--as", "dana"]);
        cmd.env("TERM", "xterm-256color");
        cmd.env("TIX_CONFIG", dir.join("none.toml"));
        // Drafts go to the data directory: the test's own.
        cmd.env("XDG_DATA_HOME", dir.join("data"));
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let watch = Shared::default();
        let parser = Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(
            NonZeroU16::new(24).unwrap(),
            NonZeroU16::new(80).unwrap(),
            0,
            watch.clone(),
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().unwrap();
        // Keep the master open for the life of the test.
        std::mem::forget(pty.master);
        Term { parser, raw, writer, child, watch }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {text:?}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(80));
    }
}

fn tix(db: &Path, dir: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_tix"))
        .arg("--db")
        .arg(db)
        .args(["--as", "dana"])
        .args(args)
        .env("TIX_CONFIG", dir.join("none.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn a_technician_opens_a_ticket_takes_it_and_quits_and_hostile_text_stays_inert() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pty.db");
    tix(&db, dir.path(), &["init"]);
    tix(
        &db,
        dir.path(),
        &["ticket", "new", "--title", "VPN drops every 10 minutes", "--urgency", "1", "--impact", "1"],
    );
    tix(
        &db,
        dir.path(),
        &[
            "ticket",
            "new",
            "--title",
            "Invoice \u{1b}]0;pwned\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[41m",
            "--body",
            "\u{1b}[2J\u{1b}]0;title\u{7}clear screen attempt",
        ],
    );

    let mut t = Term::spawn(&db, dir.path());
    t.wait_for("My open");
    t.send("]"); // Unassigned
    let s = t.wait_for("Unassigned · 1 of 2");
    assert!(s.contains("VPN drops"), "{s}");
    assert!(s.contains("␛]0;pwned"), "hostile title shown inert:\n{s}");
    t.send("j\r");
    let s = t.wait_for("Timeline");
    assert!(s.contains("clear screen attempt") && s.contains("␛[2J"), "{s}");
    t.send("t");
    t.wait_for("is yours");
    // Back to the queue, filter, open the match, write an internal note, save it.
    t.send("\x1b");
    t.wait_for("Unassigned · 1 of 1");
    t.send("/drops");
    t.wait_for("/drops · 1 of 1");
    t.send("\r\r");
    t.wait_for("VPN drops every 10 minutes");
    t.send("nChecked the tunnel logs");
    t.wait_for("Checked the tunnel logs");
    t.send("\x13"); // ctrl-s
    t.wait_for("internal note added to #1");
    t.send("q");
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "tix did not quit");
        std::thread::sleep(Duration::from_millis(30));
    }
    std::thread::sleep(Duration::from_millis(100));

    // The terminal is handed back as it was found.
    {
        let p = t.parser.lock().unwrap();
        assert!(!p.screen().alternate_screen(), "left the alternate screen");
        assert!(!p.screen().hide_cursor(), "cursor visible again");
    }
    // Ticket text never turned into terminal requests.
    let w = t.watch.0.lock().unwrap();
    assert!(w.titles.iter().all(|x| !String::from_utf8_lossy(x).contains("pwned")), "title changed: {:?}", w.titles);
    assert!(w.clipboard.is_empty(), "clipboard written: {:?}", w.clipboard);
    let raw = t.raw.lock().unwrap();
    assert!(!raw.windows(4).any(|x| x == b"\x1b]52"), "an OSC 52 sequence reached the terminal");
    assert!(!raw.windows(6).any(|x| x == b"\x1b]0;pw"), "an OSC 0 sequence reached the terminal");

    // The take and the note went through the store.
    let shown = tix(&db, dir.path(), &["--json", "ticket", "show", "2"]);
    assert!(shown.contains("\"name\": \"dana\""), "{shown}");
    let shown = tix(&db, dir.path(), &["--json", "ticket", "show", "1"]);
    assert!(shown.contains("Checked the tunnel logs"), "{shown}");
}

/// `y` puts the ticket number on the clipboard through OSC 52; `e` hands a note to
/// $EDITOR (here a script standing in for vim), and the console takes the screen back
/// and saves the note from the editor.
#[test]
fn copy_goes_through_osc52_and_the_external_editor_hands_the_screen_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pty.db");
    tix(&db, dir.path(), &["init"]);
    tix(&db, dir.path(), &["ticket", "new", "--title", "Docking station dead", "--urgency", "1"]);
    let editor = dir.path().join("fake-editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nprintf 'Swapped the dock.\\nWorks now.\\n' >> \"$1\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut t = Term::spawn_with(&db, dir.path(), &[("VISUAL", editor.to_str().unwrap())]);
    t.wait_for("My open");
    t.send("]");
    t.wait_for("Unassigned · 1 of 1");
    t.send("y");
    t.wait_for("copied #1");
    assert_eq!(t.watch.0.lock().unwrap().clipboard, vec![b"IzE=".to_vec()], "base64 of #1");
    t.send("\r");
    t.wait_for("Timeline");
    t.send("e");
    // Back from the editor: the draft is in the pane, the console redrawn in full.
    let s = t.wait_for("Swapped the dock.");
    assert!(s.contains("INTERNAL NOTE on #1") && s.contains("Works now."), "{s}");
    assert!(t.parser.lock().unwrap().screen().alternate_screen(), "back on the console's screen");
    t.send("\x13"); // ctrl-s
    t.wait_for("internal note added to #1");
    t.send("q");
    let deadline = Instant::now() + Duration::from_secs(10);
    while t.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "tix did not quit");
        std::thread::sleep(Duration::from_millis(30));
    }
    let shown = tix(&db, dir.path(), &["--json", "ticket", "show", "1"]);
    assert!(shown.contains("Swapped the dock.\\nWorks now."), "{shown}");
}

fn wait_exit(t: &mut Term) -> portable_pty::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(s) = t.child.try_wait().unwrap() {
            return s;
        }
        assert!(Instant::now() < deadline, "tix did not stop");
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// An SSH session drops while a note is half written: SIGHUP. The draft was kept on
/// disk (privately, beside the store, never in it); the next console offers it back,
/// and `y` reopens it on its ticket. SIGTERM restores the terminal too.
#[test]
fn a_draft_survives_sighup_and_sigterm_and_is_offered_on_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pty.db");
    tix(&db, dir.path(), &["init"]);
    tix(&db, dir.path(), &["ticket", "new", "--title", "Laptop will not dock", "--urgency", "1"]);
    let data = dir.path().join("data");
    let env = [("XDG_DATA_HOME", data.to_str().unwrap())];
    let mut t = Term::spawn_with(&db, dir.path(), &env);
    t.wait_for("My open");
    t.send(":1\r");
    t.wait_for("Timeline");
    t.send("nDock firmware 1.2 is the culprit\rupdating now");
    t.wait_for("updating now");
    let pid = t.child.process_id().unwrap() as i32;
    // SAFETY: a signal to the child this test spawned.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0);
    wait_exit(&mut t);
    let kept = std::fs::read_dir(data.join("tix"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("drafts-"))
        .expect("the draft is kept in the user's data directory");
    assert!(!dir.path().join("pty.db.drafts.json").exists(), "not beside the store");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o600, "private");
    let shown = tix(&db, dir.path(), &["--json", "ticket", "show", "1"]);
    assert!(!shown.contains("culprit"), "a draft is not written to the store: {shown}");

    // The next start offers it; y brings it back on its ticket.
    let mut t = Term::spawn_with(&db, dir.path(), &env);
    t.wait_for("restore a note on #1 (2 lines) left unsaved last time? y/n");
    t.send("y");
    let s = t.wait_for("updating now");
    assert!(s.contains("INTERNAL NOTE on #1") && s.contains("Dock firmware 1.2 is the culprit"), "{s}");
    // SIGTERM: the terminal is handed back and the draft kept again.
    t.send(" (done)");
    t.wait_for("(done)");
    let pid = t.child.process_id().unwrap() as i32;
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    wait_exit(&mut t);
    std::thread::sleep(Duration::from_millis(100));
    {
        let p = t.parser.lock().unwrap();
        assert!(!p.screen().alternate_screen(), "left the alternate screen");
        assert!(!p.screen().hide_cursor(), "cursor visible again");
        assert!(p.screen().contents().contains("kept as a draft"), "{}", p.screen().contents());
    }
    assert!(std::fs::read_to_string(&kept).unwrap().contains("updating now (done)"));
    // Saved now: the draft file goes away.
    let mut t = Term::spawn_with(&db, dir.path(), &env);
    t.wait_for("restore a note on #1");
    t.send("y");
    t.wait_for("(done)");
    t.send("\x13");
    t.wait_for("internal note added to #1");
    t.send("q");
    wait_exit(&mut t);
    assert!(!kept.exists(), "nothing left to keep");
    let shown = tix(&db, dir.path(), &["--json", "ticket", "show", "1"]);
    assert!(shown.contains("updating now (done)"), "{shown}");
}
