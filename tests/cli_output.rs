//! What the real binary writes on its way out: a reader that closed the pipe early is not
//! a failure (issue 12, item 8), and every error, usage errors included, reaches the
//! terminal sanitised (item 10).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Cli {
    dir: PathBuf,
}

impl Cli {
    fn new(dir: &Path) -> Cli {
        Cli { dir: dir.to_path_buf() }
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tix"));
        c.arg("--db").arg(self.dir.join("t.db")).args(["--as", "dana"]).args(args);
        c.env("TIX_CONFIG", self.dir.join("none.toml")).env_remove("TIX_DB").current_dir(&self.dir);
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "tix {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }
    /// Run with stdout a pipe whose reader is already gone: every write fails with EPIPE.
    fn with_closed_pipe(&self, args: &[&str]) -> Output {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let child = self.cmd(args).stdin(Stdio::null()).stdout(writer).stderr(Stdio::piped()).spawn().unwrap();
        child.wait_with_output().unwrap()
    }
}

#[cfg(unix)]
#[test]
fn a_closed_output_pipe_after_a_successful_write_is_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let t = Cli::new(dir.path());
    t.ok(&["init"]);
    // The store's first admin, added explicitly (the first write would otherwise say on
    // stderr that it made dana admin).
    t.ok(&["person", "add", "dana", "--role", "admin"]);
    // The ticket is committed, then printing it fails: exit 0, nothing on stderr, so a
    // script that retries on failure does not make a duplicate.
    for args in [
        &["--json", "ticket", "new", "--title", "Printer jam"][..],
        &["ticket", "new", "--title", "VPN drops"],
        &["--json", "ticket", "note", "1", "--body", "toner"],
    ] {
        let o = t.with_closed_pipe(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "tix {args:?}: {err}");
        assert!(err.is_empty(), "tix {args:?} printed: {err}");
    }
    let list = t.ok(&["--json", "ticket", "list", "--all"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let titles: Vec<&str> = v["tickets"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 2, "each ticket once: {titles:?}");
    assert!(t.ok(&["ticket", "show", "1"]).contains("toner"));
    // Reads cut short too, whatever writes them (JSON, CSV, text, completions, man page).
    for args in [
        &["--json", "ticket", "list", "--all"][..],
        &["ticket", "list", "--csv"],
        &["ticket", "list"],
        &["export", "tickets", "--format", "csv"],
        &["completions", "bash"],
        &["man"],
    ] {
        let o = t.with_closed_pipe(args);
        assert_eq!(o.status.code(), Some(0), "tix {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stderr.is_empty(), "tix {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    // A real failure still fails.
    assert_eq!(t.with_closed_pipe(&["ticket", "show", "99"]).status.code(), Some(3));
}

/// Characters that must never reach a terminal from an argument or a message.
const HOSTILE: &[char] = &['\u{1b}', '\u{9b}', '\u{9d}', '\r', '\u{7}', '\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}'];

fn assert_inert(what: &str, bytes: &[u8]) {
    let s = String::from_utf8_lossy(bytes);
    for c in HOSTILE {
        assert!(!s.contains(*c), "{what}: U+{:04X} passed through: {s:?}", *c as u32);
    }
}

#[test]
fn usage_errors_and_every_other_error_go_through_the_sanitiser() {
    let dir = tempfile::tempdir().unwrap();
    let t = Cli::new(dir.path());
    t.ok(&["init"]);
    let evil = "x\u{1b}]0;pwned\u{7}\u{9b}31m\u{9d}0;t\u{9c}\r\u{202e}dlrow\u{2066}\u{200b}\u{feff}y";
    // clap's usage errors quote the argument as given.
    for args in [
        vec!["ticket", evil],
        vec!["ticket", "show", evil],
        vec![evil],
        vec!["ticket", "list", "--sort", evil],
        vec!["--json", "ticket", evil],
    ] {
        let o = t.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_inert(&format!("usage error for {args:?}"), &o.stderr);
        assert!(!o.stderr.is_empty());
    }
    // Errors of the commands themselves, human and JSON.
    for args in [
        vec!["ticket", "new", "--title", "ok", "--assignee", evil],
        vec!["sync", "join", "--yes", evil],
        vec!["--json", "sync", "join", "--yes", evil],
        vec!["kb", "show", evil],
    ] {
        let o = t.run(&args);
        assert_ne!(o.status.code(), Some(0), "{args:?}");
        assert_inert(&format!("error for {args:?}"), &o.stderr);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_tix"))
        .args(["--db", &format!("{}/{evil}.db", dir.path().display()), "ticket", "list"])
        .env("TIX_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_inert("a store path", &o.stderr);
    // --help stays as written (our own text).
    assert!(t.ok(&["--help"]).contains("Usage: tix"));
}

/// On a terminal too: nothing in an error may set the title or move the cursor.
#[cfg(unix)]
#[test]
fn a_usage_error_on_a_terminal_cannot_change_the_title() {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let dir = tempfile::tempdir().unwrap();
    let pty = native_pty_system().openpty(PtySize { rows: 24, cols: 100, pixel_width: 0, pixel_height: 0 }).unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tix"));
    cmd.args(["--db", dir.path().join("t.db").to_str().unwrap(), "ticket", "\u{1b}]0;pwned\u{7}\u{1b}[2J"]);
    cmd.env("TERM", "xterm-256color");
    cmd.env("TIX_CONFIG", dir.path().join("none.toml"));
    cmd.env_remove("NO_COLOR");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let status = child.wait().unwrap();
    let mut raw = Vec::new();
    drop(pty.master);
    let _ = reader.read_to_end(&mut raw);
    assert_eq!(status.exit_code(), 2);
    let s = String::from_utf8_lossy(&raw);
    assert!(s.contains("unrecognized subcommand"), "{s:?}");
    assert!(!s.contains("\u{1b}]"), "an OSC reached the terminal: {s:?}");
    assert!(!s.contains("\u{1b}[2J"), "a screen clear reached the terminal: {s:?}");
    assert!(!s.contains('\u{7}'), "{s:?}");
}
