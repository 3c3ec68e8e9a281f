//! The command line end to end: the real binary on real store files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

struct Tix {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Tix {
    fn new() -> Tix {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("tix.db");
        let t = Tix { _dir: dir, db };
        t.ok(&["init"]);
        t
    }

    fn dir(&self) -> &Path {
        self._dir.path()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tix"));
        c.arg("--db").arg(&self.db).arg("--as").arg("dana").args(args);
        c.env("TIX_CONFIG", self.dir().join("no-config.toml")).env_remove("TIX_DB");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }

    fn run_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child =
            self.cmd(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "tix {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    fn fails(&self, args: &[&str], code: i32) -> String {
        let o = self.run(args);
        assert_eq!(o.status.code(), Some(code), "tix {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stderr).unwrap()
    }
}

fn fixture(p: &str) -> String {
    format!("{}/tests/fixtures/{p}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_ticket_from_intake_to_close() {
    let t = Tix::new();
    let n = t.ok(&[
        "ticket",
        "new",
        "--title",
        "Printer jam on floor 3",
        "--requester",
        "Jane Doe <jane@example.com>",
        "--urgency",
        "1",
        "--impact",
        "2",
    ]);
    assert_eq!(n.trim(), "#1");
    let shown = t.json(&["ticket", "show", "1"]);
    assert_eq!(shown["status"], "new");
    assert_eq!(shown["priority"], 2, "urgency 1 × impact 2 is P2");
    assert_eq!(shown["requester"]["name"], "Jane Doe");

    t.ok(&["ticket", "take", "1"]);
    let shown = t.json(&["ticket", "show", "#1"]);
    assert_eq!(shown["assignee"]["name"], "dana");
    assert_eq!(shown["status"], "open", "taking a new ticket opens it");

    let note =
        t.run_stdin(&["ticket", "note", "1", "--body", "-", "--time", "20m"], "Fuser looks worn.\nOrdered a kit.");
    assert!(note.status.success());
    t.ok(&["ticket", "reply", "1", "--body", "A technician is on the way."]);
    t.ok(&["ticket", "update", "1", "--status", "resolved"]);
    t.ok(&["ticket", "update", "1", "--status", "closed"]);

    let shown = t.json(&["ticket", "show", "1"]);
    assert_eq!(shown["status"], "closed");
    assert!(shown["first_response_at"].is_i64(), "the public reply is the first response");
    let timeline = shown["timeline"].as_array().unwrap();
    let kinds: Vec<&str> = timeline.iter().filter_map(|i| i["kind"].as_str()).collect();
    assert_eq!(kinds, ["note", "reply"]);
    assert_eq!(timeline.iter().find(|i| i["kind"] == "note").unwrap()["minutes"], 20);

    // People read internal and public entries told apart by words.
    let human = t.ok(&["ticket", "show", "1"]);
    assert!(human.contains("INTERNAL NOTE") && human.contains("PUBLIC REPLY"), "{human}");
    assert!(human.contains("status: resolved → closed"), "{human}");

    // The audit trail names who changed what, from what to what.
    let history = t.json(&["ticket", "history", "1"]);
    let status_changes: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "ticket.set" && o["payload"]["field"] == "status")
        .map(|o| (o["payload"]["from"].as_str().unwrap().to_string(), o["payload"]["to"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        status_changes,
        [("new".into(), "open".into()), ("open".into(), "resolved".into()), ("resolved".into(), "closed".into())]
    );
    assert!(history.as_array().unwrap().iter().all(|o| o["actor"] == "dana"));

    // Closed is final unless reopened on purpose.
    let err = t.fails(&["ticket", "update", "1", "--status", "open"], 1);
    assert!(err.contains("reopen"), "{err}");
    t.ok(&["ticket", "reopen", "1"]);
    assert_eq!(t.json(&["ticket", "show", "1"])["status"], "open");

    assert!(t.ok(&["store", "verify"]).contains("OK"));
}

#[test]
fn lists_filter_and_count() {
    let t = Tix::new();
    for (title, u) in [("VPN drops", "1"), ("Mouse broken", "3"), ("Outlook crashes", "2")] {
        t.ok(&["ticket", "new", "--title", title, "--urgency", u, "--impact", u]);
    }
    t.ok(&["ticket", "take", "2"]);
    let all = t.json(&["ticket", "list"]);
    assert_eq!(all["total"], 3);
    let titles: Vec<&str> = all["tickets"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["VPN drops", "Outlook crashes", "Mouse broken"], "best priority first");
    assert_eq!(t.json(&["ticket", "list", "--assignee", "me"])["total"], 1);
    assert_eq!(t.json(&["ticket", "list", "--assignee", "none"])["total"], 2);
    assert_eq!(t.json(&["ticket", "list", "--priority", "P1"])["total"], 1);
    assert_eq!(t.json(&["ticket", "list", "--text", "outlook"])["total"], 1);
    let page = t.json(&["ticket", "list", "--limit", "1"]);
    assert_eq!((page["total"].as_i64(), page["tickets"].as_array().unwrap().len()), (Some(3), 1));
    let csv = t.ok(&["ticket", "list", "--csv"]);
    assert!(csv.starts_with("number,priority,status,title"), "{csv}");
    assert_eq!(csv.lines().count(), 4);
    let human = t.ok(&["ticket", "list"]);
    assert!(human.trim_end().ends_with("3 of 3"), "{human}");
}

#[test]
fn exit_codes_and_errors_are_precise() {
    let t = Tix::new();
    let e = t.fails(&["ticket", "show", "99"], 3);
    assert!(e.contains("ticket #99 not found"), "{e}");
    t.fails(&["ticket", "show", "abc"], 2);
    t.fails(&["ticket", "frobnicate"], 2);
    t.ok(&["ticket", "new", "--title", "x"]);
    let e = t.fails(&["ticket", "update", "1", "--status", "closed"], 1);
    assert!(e.contains("new to closed"), "{e}");
    let e = t.fails(&["ticket", "assign", "1", "nobody-such"], 3);
    assert!(e.contains("nobody-such"), "{e}");
    let e = t.fails(&["ticket", "note", "1", "--body", "x", "--time", "soon"], 2);
    assert!(e.contains("--time"), "{e}");
    let e = t.fails(&["ticket", "update", "1"], 2);
    assert!(e.contains("nothing to change"), "{e}");
    // JSON errors for scripts.
    let o = t.run(&["--json", "ticket", "show", "42"]);
    let v: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(v["code"], 3);
}

#[test]
fn bad_store_paths_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let run = |db: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tix"))
            .arg("--db")
            .arg(db)
            .args(args)
            .env("TIX_CONFIG", dir.path().join("none"))
            .output()
            .unwrap()
    };
    let o = run(&dir.path().join("missing/dir/tix.db"), &["init"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
    let o = run(&dir.path().join("nothing.db"), &["ticket", "list"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("tix init"), "{}", String::from_utf8_lossy(&o.stderr));
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let o = run(&junk, &["ticket", "list"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a tix store"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&junk).unwrap(), vec![b'x'; 4096], "a foreign file is left untouched");
}

#[test]
fn hostile_text_is_inert_for_people_and_exact_for_scripts() {
    let t = Tix::new();
    let title = "Invoice \u{1b}]0;pwned\u{7}\u{1b}[31mred \u{202e}fdp.exe";
    t.ok(&["ticket", "new", "--title", title, "--body", "\u{1b}]52;c;ZXZpbA==\u{7}clipboard"]);
    for args in [&["ticket", "list"][..], &["ticket", "show", "1"][..]] {
        let out = t.ok(args);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{202e}'), "{args:?}: {out:?}");
        assert!(out.contains("Invoice"), "{out}");
    }
    // JSON carries the text exactly as stored (escaped by JSON itself).
    assert_eq!(t.json(&["ticket", "show", "1"])["title"], title);
}

#[test]
fn kb_import_creates_then_updates_and_never_duplicates() {
    let t = Tix::new();
    let dir = t.dir().join("kb");
    std::fs::create_dir_all(dir.join("network")).unwrap();
    for f in ["printer-jam.md", "network/vpn.md", "no-heading.md"] {
        std::fs::copy(fixture(&format!("kb/{f}")), dir.join(f)).unwrap();
    }
    let d = dir.to_str().unwrap();
    let r = t.json(&["kb", "import", d]);
    assert_eq!((r["created"].as_i64(), r["updated"].as_i64()), (Some(3), Some(0)));
    let r = t.json(&["kb", "import", d]);
    assert_eq!((r["created"].as_i64(), r["unchanged"].as_i64()), (Some(0), Some(3)));
    std::fs::write(dir.join("network/vpn.md"), "# VPN will not connect\nNew advice: reinstall the client.").unwrap();
    let r = t.json(&["kb", "import", d]);
    assert_eq!((r["created"].as_i64(), r["updated"].as_i64()), (Some(0), Some(1)));
    let hits = t.json(&["kb", "search", "reinstall"]);
    assert_eq!(hits[0]["title"], "VPN will not connect");
    let hits = t.json(&["kb", "search", "jammed"]);
    assert_eq!(hits[0]["title"], "Clearing a printer jam", "porter stemming");
    assert_eq!(t.json(&["kb", "show", "no-heading.md"])["title"], "no-heading");

    // One unreadable file: nothing is imported, and the file is named.
    std::fs::write(dir.join("broken.md"), b"# Broken\n\xff\xfe\n").unwrap();
    std::fs::write(dir.join("new.md"), "# Fresh page\ntext").unwrap();
    let e = t.fails(&["kb", "import", d], 1);
    assert!(e.contains("broken.md") && e.contains("line 2") && e.contains("nothing was imported"), "{e}");
    assert_eq!(t.json(&["kb", "search", "fresh"]).as_array().unwrap().len(), 0);
    let r = t.json(&["kb", "import", d, "--skip-bad"]);
    assert_eq!(r["created"], 1);
    assert_eq!(r["rejected"].as_array().unwrap().len(), 1);
}

#[test]
fn asset_import_is_all_or_nothing_and_idempotent() {
    let t = Tix::new();
    let good = fixture("assets/snipeit-like.csv");
    let r = t.json(&["asset", "import", &good]);
    let created = r["created"].as_i64().unwrap();
    assert!(created > 0, "{r}");
    let r = t.json(&["asset", "import", &good]);
    assert_eq!((r["created"].as_i64(), r["unchanged"].as_i64()), (Some(0), Some(created)));

    for (file, what) in [
        ("assets/ragged.csv", "field"),
        ("assets/duplicate-headers.csv", "appears twice"),
        ("assets/unterminated-quote.csv", "quote"),
    ] {
        let before = t.json(&["asset", "find", ""]).as_array().unwrap().len();
        let e = t.fails(&["asset", "import", &fixture(file)], 1);
        assert!(e.contains(what), "{file}: {e}");
        assert!(e.contains(".csv:"), "{file}: the place is named: {e}");
        let after = t.json(&["asset", "find", ""]).as_array().unwrap().len();
        assert_eq!(before, after, "{file}: nothing half-written");
    }
    // With --skip-bad, the good rows of a file with bad ones land.
    let r = t.json(&["asset", "import", &fixture("assets/ragged.csv"), "--skip-bad"]);
    assert!(r["created"].as_i64().unwrap() > 0 && !r["rejected"].as_array().unwrap().is_empty(), "{r}");
    // Text that is not UTF-8 is read as Windows-1252, with a warning naming the line.
    let r = t.json(&["asset", "import", &fixture("assets/invalid-utf8.csv")]);
    assert!(r["warnings"][0].as_str().unwrap().contains("invalid-utf8.csv:3: column 'Notes'"), "{r}");
}

#[test]
fn links_show_up_on_both_sides() {
    let t = Tix::new();
    t.ok(&[
        "asset",
        "add",
        "BER-LT-00042",
        "--hostname",
        "ber-lt-00042",
        "--model",
        "ThinkPad T14",
        "--warranty-end",
        "2020-01-31",
    ]);
    t.ok(&["ticket", "new", "--title", "Laptop fan loud"]);
    t.ok(&["ticket", "new", "--title", "Same fan, again"]);
    t.ok(&["ticket", "link", "1", "--asset", "ber-lt-00042"]);
    t.ok(&["ticket", "link", "2", "--ticket", "1", "--rel", "duplicate-of"]);
    let one = t.json(&["ticket", "show", "1"]);
    assert_eq!(one["assets"][0]["tag"], "BER-LT-00042");
    assert_eq!(one["related"][0]["rel"], "duplicated-by");
    let human = t.ok(&["ticket", "show", "1"]);
    assert!(human.contains("expired"), "warranty state is shown: {human}");
    let asset = t.json(&["asset", "show", "BER-LT-00042"]);
    assert_eq!(asset["tickets"][0]["number"], 1);
    let e = t.fails(&["ticket", "link", "1", "--asset", "NOPE"], 3);
    assert!(e.contains("NOPE"), "{e}");
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    let t = Tix::new();
    assert!(t.ok(&["completions", "bash"]).contains("ticket"));
    assert!(t.ok(&["completions", "fish"]).contains("complete -c tix"));
    assert!(t.ok(&["man"]).contains(".TH tix"));
}

#[test]
fn demo_builds_a_realistic_verifiable_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_tix"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("TIX_CONFIG", dir.path().join("none"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    // "Now" pinned: two builds a minute apart would otherwise date (and so identify)
    // their tickets differently.
    let built = run(&["--json", "demo", "--tickets", "1500", "--seed", "7", "--now", "2026-11-20", "--no-tui"]);
    let s = &built["summary"];
    assert_eq!(s["tickets"], 1500);
    let open = s["open"].as_f64().unwrap() / 1500.0;
    assert!((0.04..0.25).contains(&open), "about 10% open, got {open}");
    assert!(s["assets"].as_i64().unwrap() > 100 && s["articles"].as_i64().unwrap() >= 20, "{s}");
    let info = run(&["--json", "store", "info"]);
    let statuses: Vec<(String, i64)> = info["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().into(), p[1].as_i64().unwrap()))
        .collect();
    assert!(statuses.iter().all(|(_, n)| *n > 0), "every status is represented: {statuses:?}");
    let v = run(&["--json", "store", "verify"]);
    assert_eq!(v["integrity"], "ok");
    assert!(v["mismatches"].as_array().unwrap().is_empty());
    // Deterministic: the same seed gives the same tickets (ids and text).
    let first = run(&["--json", "ticket", "show", "17"]);
    run(&["--json", "demo", "--tickets", "1500", "--seed", "7", "--now", "2026-11-20", "--no-tui"]);
    let again = run(&["--json", "ticket", "show", "17"]);
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["title"], again["title"]);
    // A store that is not demo data is never replaced.
    let real = dir.path().join("real.db");
    Command::new(env!("CARGO_BIN_EXE_tix")).arg("--db").arg(&real).arg("init").output().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_tix")).arg("--db").arg(&real).args(["demo", "--no-tui"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a demo store"));
}

#[test]
fn a_read_only_store_is_refused_clearly() {
    let t = Tix::new();
    t.ok(&["ticket", "new", "--title", "x"]);
    // Root ignores permission bits; the immutable flag stops even root. Where the
    // sandbox does not allow it, say so and stop.
    let set = Command::new("chattr").arg("+i").arg(&t.db).output();
    if !set.map(|o| o.status.success()).unwrap_or(false) {
        eprintln!("skipped: chattr +i is not permitted here");
        return;
    }
    let e = t.fails(&["ticket", "note", "1", "--body", "hello"], 1);
    Command::new("chattr").arg("-i").arg(&t.db).status().unwrap();
    assert!(e.contains("read-only"), "{e}");
    assert_eq!(t.json(&["ticket", "show", "1"])["entry_count"], 0, "nothing was written");
}

#[test]
fn the_query_language_filters_lists_and_views_headless() {
    let t = Tix::new();
    let new = |args: &[&str]| {
        let mut a = vec!["ticket", "new"];
        a.extend_from_slice(args);
        t.ok(&a);
    };
    new(&["--title", "Printer jam on floor 3", "--category", "hardware", "--tags", "vip,floor3", "--channel", "email"]);
    new(&[
        "--title",
        "Jam session room booking",
        "--category",
        "facilities",
        "--type",
        "request",
        "--requester",
        "Jane Doe <jane@example.com>",
    ]);
    new(&[
        "--title",
        "VPN drops",
        "--body",
        "the printer jam was unrelated",
        "--category",
        "network",
        "--channel",
        "email",
    ]);
    let numbers = |q: &str| -> Vec<u64> {
        let v = t.json(&["ticket", "list", "--all", "-q", q]);
        let mut n: Vec<u64> = v["tickets"].as_array().unwrap().iter().map(|r| r["number"].as_u64().unwrap()).collect();
        n.sort();
        n
    };
    assert_eq!(numbers("category:hardware"), vec![1]);
    assert_eq!(numbers("!category:hardware"), vec![2, 3]);
    assert_eq!(numbers("tag:vip"), vec![1]);
    assert_eq!(numbers("tag:vip,nope"), Vec::<u64>::new(), "all tags must be there");
    assert_eq!(numbers("channel:email"), vec![1, 3]);
    assert_eq!(numbers("type:request"), vec![2]);
    assert_eq!(numbers("requester:jane"), vec![2]);
    assert_eq!(numbers("jam"), vec![1, 2, 3], "words: full text, description included");
    assert_eq!(numbers("\"printer jam\""), vec![1, 3], "a phrase: words together, in order");
    assert_eq!(numbers("\"jam printer\""), Vec::<u64>::new());
    assert_eq!(numbers("jam !category:network,facilities"), vec![1]);
    assert_eq!(numbers("created:>-1h updated:>-1h"), vec![1, 2, 3]);
    assert_eq!(numbers("created:<-1h"), Vec::<u64>::new());
    assert_eq!(numbers("created:<2000-01-01"), Vec::<u64>::new());
    assert_eq!(numbers("sla:breached"), Vec::<u64>::new());
    t.ok(&["ticket", "update", "3", "--status", "resolved"]);
    assert_eq!(numbers("!status:resolved,closed"), vec![1, 2]);
    // Errors name the token; usage errors exit 2.
    let e = t.fails(&["ticket", "list", "-q", "jam colour:red"], 2);
    assert!(e.contains("'colour:red'") && e.contains("unknown field"), "{e}");
    let e = t.fails(&["ticket", "list", "-q", "\"unclosed"], 2);
    assert!(e.contains("not closed"), "{e}");

    // Views from the config file run headless with the same rows as in the console.
    std::fs::write(
        t.dir().join("no-config.toml"),
        "[[views]]\nname = \"Email backlog\"\nfilter = \"channel:email\"\nsort = \"newest\"\n\n[[views]]\nname = \"Hardware\"\nfilter = \"category:hardware\"\n",
    )
    .unwrap();
    let list = t.json(&["view", "list"]);
    assert_eq!(list[5]["name"], "Email backlog", "after the five built-in views: {list}");
    assert_eq!(list[5]["sort"], "newest");
    let v = t.json(&["view", "run", "email"]);
    let got: Vec<u64> = v["tickets"].as_array().unwrap().iter().map(|r| r["number"].as_u64().unwrap()).collect();
    assert_eq!(got, vec![1], "open only, newest first (#3 is resolved)");
    let e = t.fails(&["view", "run", "nothing"], 3);
    assert!(e.contains("My open, Unassigned, All open, Pending, Recently resolved, Email backlog, Hardware"), "{e}");
    let bad = "[[views]]\nname = \"Bad\"\nfilter = \"prio:9\"\n";
    std::fs::write(t.dir().join("no-config.toml"), bad).unwrap();
    let e = t.fails(&["view", "list"], 1);
    assert!(e.contains("no-config.toml:2") && e.contains("prio:9"), "{e}");
}

#[test]
fn the_report_as_json_csv_and_text() {
    let t = Tix::new();
    t.ok(&["ticket", "new", "--title", "One", "--group", "=HYPERLINK(\"x\")"]);
    t.ok(&["ticket", "new", "--title", "Two", "--group", "network"]);
    t.ok(&["ticket", "update", "2", "--status", "resolved"]);
    let r = t.json(&["report"]);
    assert_eq!(r["open"], 1);
    assert_eq!((r["created"].as_u64(), r["resolved"].as_u64()), (Some(2), Some(1)));
    assert_eq!(r["days"].as_array().unwrap().len(), 30);
    let csv = t.ok(&["report", "--csv"]);
    assert!(csv.starts_with("section,label,value\n"), "{csv}");
    assert!(csv.contains("group,\"'=HYPERLINK"), "formula-looking labels are neutralised: {csv}");
    let text = t.ok(&["report", "--from", "2020-01-01", "--to", "2020-01-03"]);
    assert!(text.contains("2020-01-01 to 2020-01-03: 0 created, 0 resolved"), "{text}");
    assert!(t.fails(&["report", "--from", "2026-13-01"], 2).contains("--from"));
    assert!(t.fails(&["report", "--from", "2026-02-01", "--to", "2026-01-01"], 2).contains("on or before"));
}

#[test]
fn sla_clocks_from_the_config_show_filter_and_sort() {
    let t = Tix::new();
    std::fs::write(
        t.dir().join("no-config.toml"),
        "[[sla.policies]]\nname = \"Critical\"\npriority = [1]\nfirst_response = \"30m\"\nresolution = \"4h\"\nwarn_before = \"4h\"\n\n\
         [[sla.policies]]\nname = \"Standard\"\nfirst_response = \"1d\"\nresolution = \"5d\"\n",
    )
    .unwrap();
    t.ok(&["ticket", "new", "--title", "Mail down", "--urgency", "1", "--impact", "1"]); // P1
    t.ok(&["ticket", "new", "--title", "New mouse", "--urgency", "3", "--impact", "3"]); // P4
    let show = t.json(&["ticket", "show", "1"]);
    assert_eq!(show["sla"]["policy"], "Critical");
    let summary = show["sla"]["summary"].as_str().unwrap();
    // A 4 h warning on a 4 h target: at risk from the start.
    assert!(summary.contains("first response") && summary.contains("(AT RISK)"), "{summary}");
    assert_eq!(t.json(&["ticket", "show", "2"])["sla"]["policy"], "Standard");
    let st = t.json(&["sla", "status"]);
    assert_eq!((st["at_risk"].as_u64(), st["breached"].as_u64()), (Some(1), Some(0)));
    let numbers = |args: &[&str]| -> Vec<u64> {
        let mut a = vec!["ticket", "list"];
        a.extend_from_slice(args);
        t.json(&a)["tickets"].as_array().unwrap().iter().map(|r| r["number"].as_u64().unwrap()).collect()
    };
    assert_eq!(numbers(&["-q", "sla:at-risk"]), vec![1]);
    assert_eq!(numbers(&["-q", "sla:breached"]), Vec::<u64>::new());
    assert_eq!(numbers(&["--sort", "due"]), vec![1, 2], "soonest due first");
    // A reply meets the first response; a bad SLA config names its key and line.
    t.ok(&["ticket", "reply", "1", "--body", "On it"]);
    let summary = t.json(&["ticket", "show", "1"])["sla"]["summary"].as_str().unwrap().to_string();
    assert!(summary.starts_with("first response met"), "{summary}");
    assert!(t.ok(&["sla", "show", "1"]).contains("policy Critical"));
    std::fs::write(t.dir().join("no-config.toml"), "[[sla.policies]]\nname = \"X\"\nresolution = \"soon\"\n").unwrap();
    let e = t.fails(&["ticket", "list"], 1);
    assert!(e.contains("no-config.toml:3") && e.contains("sla.policies[0].resolution"), "{e}");
}

#[test]
fn routing_rules_fill_in_group_category_and_tags_on_create() {
    let t = Tix::new();
    std::fs::write(
        t.dir().join("no-config.toml"),
        "[[routing]]\nname = \"Network\"\nkeywords = [\"vpn\", \"wifi\"]\ngroup = \"network\"\ntags = [\"net\"]\n\n\
         [[routing]]\nname = \"Mail\"\nchannel = \"email\"\nset_category = \"inbox\"\n",
    )
    .unwrap();
    t.ok(&["ticket", "new", "--title", "VPN drops", "--channel", "phone"]);
    t.ok(&["ticket", "new", "--title", "WiFi slow", "--group", "desk"]);
    t.ok(&["ticket", "new", "--title", "Question", "--channel", "email"]);
    let show = |n: &str| t.json(&["ticket", "show", n]);
    let one = show("1");
    assert_eq!((one["group"].as_str(), one["tags"][0].as_str()), (Some("network"), Some("net")));
    assert_eq!(show("2")["group"], "desk", "a group given by hand stays");
    assert_eq!(show("3")["category"], "inbox");
    std::fs::write(t.dir().join("no-config.toml"), "[[routing]]\nname = \"Empty\"\ngroup = \"x\"\n").unwrap();
    let e = t.fails(&["ticket", "list"], 1);
    assert!(e.contains("no-config.toml:2") && e.contains("no condition"), "{e}");
}

#[test]
fn recurring_tickets_are_made_once_per_occurrence() {
    let t = Tix::new();
    std::fs::write(
        t.dir().join("no-config.toml"),
        "[[recurring]]\nname = \"Every minute\"\nschedule = \"* * * * *\"\ntitle = \"Check the backup\"\ngroup = \"infra\"\n\n\
         [[recurring]]\nname = \"Never yet\"\nschedule = \"0 0 29 2 *\"\ntitle = \"Leap day\"\n",
    )
    .unwrap();
    let out = t.json(&["schedule", "run"]);
    assert_eq!(out[0]["created"], 1, "{out}");
    assert!(out[0]["key"].as_str().unwrap().starts_with("schedule:Every minute:"));
    assert!(out[1]["key"].is_null(), "no 29 February in the last week: nothing due");
    // Run again (same minute, or the next: each occurrence once; at most one new).
    let again = t.json(&["schedule", "run"]);
    let made = t.json(&["ticket", "list"])["tickets"].as_array().unwrap().len();
    assert!(made <= 2 && (again[0]["created"].is_null() || made == 2), "{again} {made}");
    assert_eq!(t.json(&["ticket", "show", "1"])["group"], "infra");
    assert!(t.ok(&["schedule", "list"]).contains("Every minute"));
    std::fs::write(
        t.dir().join("no-config.toml"),
        "[[recurring]]\nname = \"Bad\"\nschedule = \"hourly\"\ntitle = \"x\"\n",
    )
    .unwrap();
    let e = t.fails(&["schedule", "run"], 1);
    assert!(e.contains("no-config.toml:2") && e.contains("use daily"), "{e}");
}

#[test]
fn resolving_a_master_or_a_problem_resolves_its_duplicates_and_incidents() {
    let t = Tix::new();
    for title in ["Mail down (master)", "Mail down again", "Cannot send mail", "Exchange database corrupt", "Unrelated"]
    {
        t.ok(&["ticket", "new", "--title", title]);
    }
    t.ok(&["ticket", "link", "2", "--ticket", "1", "--rel", "duplicate-of"]);
    t.ok(&["ticket", "link", "3", "--ticket", "4", "--rel", "problem"]);
    t.ok(&["ticket", "link", "5", "--ticket", "1", "--rel", "related"]);
    let show = t.json(&["ticket", "show", "4"]);
    assert_eq!(show["related"][0]["rel"], "incident");
    t.ok(&["ticket", "update", "1", "--status", "resolved"]);
    let two = t.json(&["ticket", "show", "2"]);
    assert_eq!(two["status"], "resolved", "the duplicate follows its master");
    assert!(two["timeline"].to_string().contains("Resolved with #1 (the ticket it duplicates)."), "{two}");
    assert_eq!(t.json(&["ticket", "show", "5"])["status"], "new", "a related ticket does not follow");
    t.ok(&["ticket", "update", "4", "--status", "resolved"]);
    assert_eq!(t.json(&["ticket", "show", "3"])["status"], "resolved", "the incident follows its problem");
}

#[test]
fn escalation_raises_reassigns_and_runs_its_hook_once() {
    let t = Tix::new();
    let hook_log = t.dir().join("hook.log");
    std::fs::write(
        t.dir().join("no-config.toml"),
        format!(
            "[[sla.policies]]\nname = \"All\"\nfirst_response = \"30d\"\nwarn_before = \"30d\"\n\n\
             [[escalation]]\nname = \"At risk\"\nwhen = \"at-risk\"\nraise_priority = true\nassign = \"lee\"\n\
             hook = \"echo $TIX_NUMBER $TIX_STATE >> {}\"\n",
            hook_log.display()
        ),
    )
    .unwrap();
    t.ok(&["person", "add", "Lee Park", "--login", "lee", "--role", "agent"]);
    t.ok(&["ticket", "new", "--title", "Printer", "--urgency", "3", "--impact", "3"]); // P4
    let out = t.json(&["sla", "escalate"]);
    assert_eq!(out[0]["number"], 1, "{out}");
    let show = t.json(&["ticket", "show", "1"]);
    assert_eq!(show["priority"], 3, "P4 raised one step");
    assert_eq!(show["assignee"]["name"], "Lee Park");
    assert!(show["timeline"].to_string().contains("Escalated by rule"), "{show}");
    assert_eq!(std::fs::read_to_string(&hook_log).unwrap().trim(), "#1 at-risk");
    // Once per ticket, rule and state.
    assert_eq!(t.json(&["sla", "escalate"]).as_array().unwrap().len(), 0);
    assert_eq!(std::fs::read_to_string(&hook_log).unwrap().lines().count(), 1);
}

#[test]
fn a_merged_ticket_is_resolved_and_its_history_shows_on_the_target() {
    let t = Tix::new();
    t.ok(&["ticket", "new", "--title", "Printer broken"]);
    t.ok(&["ticket", "new", "--title", "Printer on 3rd floor broken too"]);
    t.ok(&["ticket", "note", "2", "--body", "Same printer as #1"]);
    t.ok(&["ticket", "merge", "2", "--into", "1"]);
    let two = t.json(&["ticket", "show", "2"]);
    assert_eq!(two["status"], "resolved");
    let one = t.json(&["ticket", "show", "1"]);
    let tl = one["timeline"].as_array().unwrap();
    assert!(tl.iter().any(|i| i["merged_from"] == 2), "{one}");
    assert!(one["timeline"].to_string().contains("Same printer as #1"), "the source's notes show on the target");
    assert!(one["timeline"].to_string().contains("was merged into this ticket"));
    assert_eq!(one["related"][0]["rel"], "merged-from");
    assert!(t.fails(&["ticket", "merge", "1", "--into", "1"], 2).contains("itself"));
    let v = t.json(&["store", "verify"]);
    assert!(v["mismatches"].as_array().unwrap().is_empty());
}

#[test]
fn checklists_from_templates_and_kb_steps() {
    let t = Tix::new();
    std::fs::write(
        t.dir().join("no-config.toml"),
        "[[checklists]]\nname = \"Leaver\"\nitems = [\"!Disable account\", \"Collect laptop\"]\n",
    )
    .unwrap();
    t.ok(&["ticket", "new", "--title", "Leaver: Sam"]);
    t.ok(&["kb", "add", "--title", "Reset VPN", "--body", "Steps:\n\n1. Quit the client\n2. Delete the profile\n"]);
    let c = t.json(&["ticket", "checklist", "1", "--attach", "leaver"]);
    assert_eq!(c["items"][0]["required"], true);
    let text = t.ok(&["ticket", "checklist", "1", "--done", "2"]);
    assert!(text.contains("(1 of 2 done)") && text.contains("[x] Collect laptop"), "{text}");
    // Resolving with a required item open: done, with a warning.
    let o = t.run(&["ticket", "update", "1", "--status", "resolved"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 required checklist item(s) not done"));
    t.ok(&["ticket", "new", "--title", "VPN"]);
    let c = t.json(&["ticket", "checklist", "2", "--from-kb", "Reset VPN"]);
    assert_eq!(c["items"].as_array().unwrap().len(), 2);
    assert!(t.fails(&["ticket", "checklist", "2", "--done", "5"], 2).contains("items 1 to 2"));
    assert!(t.fails(&["ticket", "checklist", "2", "--attach", "nope"], 3).contains("Leaver"));
    assert!(t.json(&["store", "verify"])["mismatches"].as_array().unwrap().is_empty());
}

#[test]
fn views_saved_in_the_store_list_run_and_go_away() {
    let t = Tix::new();
    t.ok(&["ticket", "new", "--title", "P1 thing", "--urgency", "1", "--impact", "1"]);
    t.ok(&["ticket", "new", "--title", "P4 thing", "--urgency", "3", "--impact", "3"]);
    t.ok(&["view", "save", "Urgent", "--filter", "prio:1", "--sort", "due"]);
    let list = t.json(&["view", "list"]);
    assert!(list.as_array().unwrap().iter().any(|v| v["name"] == "Urgent" && v["filter"] == "prio:1"), "{list}");
    let rows = t.json(&["view", "run", "urgent"]);
    assert_eq!(rows["tickets"].as_array().unwrap().len(), 1);
    t.ok(&["view", "save", "urgent", "--filter", "prio:1,4"]); // same name, any case: replaced
    assert_eq!(t.json(&["view", "run", "urgent"])["tickets"].as_array().unwrap().len(), 2);
    assert!(t.fails(&["view", "save", "Bad", "--filter", "prio:9"], 2).contains("prio:9"));
    t.ok(&["view", "delete", "Urgent"]);
    assert!(t.fails(&["view", "run", "urgent"], 3).contains("no view"));
    assert!(t.json(&["store", "verify"])["mismatches"].as_array().unwrap().is_empty());
}

/// Issue 16: a ticket is merged once; the target's history shows "from #N" on the
/// command line too, and in JSON the merged entry's source and a change's old value
/// have keys of their own.
#[test]
fn a_ticket_is_merged_once_and_its_entries_are_marked_on_the_target() {
    let t = Tix::new();
    t.ok(&["ticket", "new", "--title", "Printer broken"]);
    t.ok(&["ticket", "new", "--title", "Printer on 3rd floor broken too"]);
    t.ok(&["ticket", "new", "--title", "Printer again"]);
    t.ok(&["ticket", "update", "2", "--priority", "1"]);
    t.ok(&["ticket", "merge", "2", "--into", "1"]);
    let e = t.fails(&["ticket", "merge", "2", "--into", "1"], 1);
    assert!(e.contains("#2 was already merged into #1"), "{e}");
    let e = t.fails(&["ticket", "merge", "2", "--into", "3"], 1);
    assert!(e.contains("#2 was already merged into #1"), "{e}");
    let e = t.fails(&["ticket", "merge", "3", "--into", "2"], 1);
    assert!(e.contains("merged into #1"), "{e}");
    let one = t.json(&["ticket", "show", "1"]);
    let text = one["timeline"].to_string();
    assert_eq!(text.matches("was merged into this ticket").count(), 1, "one merge note: {text}");
    let tl = one["timeline"].as_array().unwrap();
    // #2's priority change, shown on #1: where it came from and what it was, apart.
    let change = tl.iter().find(|i| i["event"] == "changed" && i["field"] == "priority").expect("the change");
    assert_eq!(change["merged_from"], 2, "{change}");
    assert_eq!(change["from"], "3", "the old value: {change}");
    assert_eq!(change["to"], "1");
    let human = t.ok(&["ticket", "show", "1"]);
    assert!(human.lines().any(|l| l.contains("(from #2)") && l.contains("changed priority")), "{human}");
    assert!(human.lines().any(|l| l.contains("(from #2)") && l.contains("created the ticket")), "{human}");
}

/// Issue 16: resolving a problem resolves its incidents and, through them, their
/// duplicates.
#[test]
fn resolving_a_problem_resolves_the_duplicates_of_its_incidents() {
    let t = Tix::new();
    for title in ["Exchange database corrupt", "Cannot send mail", "Mail stuck in outbox", "Outbox again"] {
        t.ok(&["ticket", "new", "--title", title]);
    }
    t.ok(&["ticket", "link", "2", "--ticket", "1", "--rel", "problem"]);
    t.ok(&["ticket", "link", "3", "--ticket", "2", "--rel", "duplicate-of"]);
    t.ok(&["ticket", "link", "4", "--ticket", "3", "--rel", "duplicate-of"]);
    t.ok(&["ticket", "update", "1", "--status", "resolved"]);
    for n in ["2", "3", "4"] {
        assert_eq!(t.json(&["ticket", "show", n])["status"], "resolved", "#{n} follows");
    }
    let three = t.json(&["ticket", "show", "3"])["timeline"].to_string();
    assert!(three.contains("Resolved with #2 (the ticket it duplicates)."), "{three}");
    assert!(t.json(&["store", "verify"])["mismatches"].as_array().unwrap().is_empty());
}

/// Issue 16: `schedule list` shows the next occurrence and the last (with its ticket);
/// a template names its requester and assignee.
#[test]
fn schedule_list_shows_next_and_last_and_templates_name_people() {
    let t = Tix::new();
    std::fs::write(
        t.dir().join("no-config.toml"),
        "[[recurring]]\nname = \"Every minute\"\nschedule = \"* * * * *\"\ntitle = \"Check the backup\"\n\
         requester = \"jane@example.com\"\nassignee = \"lee\"\n",
    )
    .unwrap();
    t.ok(&["person", "add", "Lee Park", "--login", "lee", "--role", "agent"]);
    let e = t.fails(&["schedule", "run"], 3);
    assert!(e.contains("recurring 'Every minute': requester 'jane@example.com'"), "{e}");
    t.ok(&["person", "add", "Jane Doe", "--email", "jane@example.com"]);
    t.ok(&["schedule", "run"]);
    let one = t.json(&["ticket", "show", "1"]);
    assert_eq!(one["requester"]["name"], "Jane Doe");
    assert_eq!(one["assignee"]["name"], "Lee Park");
    let list = t.json(&["schedule", "list"]);
    let (next, last) = (list[0]["next_due"].as_str().unwrap(), list[0]["last_due"].as_str().unwrap());
    assert!(next > last, "the next occurrence is after the last: {list}");
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(next > now.as_str(), "next {next} is in the future (now {now})");
    // The occurrence run made (this minute's, or the next if the minute turned since).
    assert!(list[0]["last_ticket"] == 1 || list[0]["last_ticket"].is_null(), "{list}");
    let human = t.ok(&["schedule", "list"]);
    assert!(human.contains("next ") && human.contains(" · last "), "{human}");
}

/// Issue 16: a second checklist is refused without --replace; the history reads in
/// words (checklists, people), and --json keeps the stored form.
#[test]
fn a_second_checklist_needs_replace_and_history_reads_in_words() {
    let t = Tix::new();
    std::fs::write(
        t.dir().join("no-config.toml"),
        "[[checklists]]\nname = \"Leaver\"\nitems = [\"!Disable account\", \"Collect laptop\"]\n\n\
         [[checklists]]\nname = \"Joiner\"\nitems = [\"Order laptop\"]\n",
    )
    .unwrap();
    t.ok(&["person", "add", "Lee Park", "--login", "lee", "--role", "agent"]);
    t.ok(&["ticket", "new", "--title", "Leaver: Sam"]);
    t.ok(&["ticket", "checklist", "1", "--attach", "leaver", "--done", "2"]);
    let e = t.fails(&["ticket", "checklist", "1", "--attach", "joiner"], 1);
    assert!(e.contains("#1 already has a checklist (\"Leaver\", 1 of 2 done)") && e.contains("--replace"), "{e}");
    assert_eq!(t.json(&["ticket", "checklist", "1"])["name"], "Leaver", "nothing written");
    let c = t.json(&["ticket", "checklist", "1", "--attach", "joiner", "--replace"]);
    assert_eq!(c["name"], "Joiner");
    t.ok(&["ticket", "assign", "1", "lee"]);
    let h = t.ok(&["ticket", "history", "1"]);
    assert!(h.contains("checklist attached \"Leaver\" (2 items)"), "{h}");
    assert!(h.contains("checklist \"Leaver\": item 2 done (Collect laptop) · 1 of 2 done"), "{h}");
    assert!(h.contains("checklist replaced \"Leaver\" by \"Joiner\" (1 item)"), "{h}");
    assert!(h.contains("assignee: - → Lee Park"), "{h}");
    assert!(!h.contains("\"items\"") && !h.contains("\"required\""), "no raw JSON: {h}");
    let raw = t.json(&["ticket", "history", "1"]);
    let set = raw.as_array().unwrap().iter().find(|o| o["payload"]["field"] == "assignee").unwrap();
    let lee_id = set["payload"]["to"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(lee_id).is_ok(), "--json keeps the stored id: {set}");
    assert!(!h.contains(lee_id), "no person ids for people: {h}");
    assert!(raw.to_string().contains("\\\"items\\\""), "--json keeps the checklist as stored");
}

/// Issue 16: config views add to the built-in ones; one named like a built-in view
/// replaces it.
#[test]
fn config_views_add_to_the_built_in_ones() {
    let t = Tix::new();
    std::fs::write(
        t.dir().join("no-config.toml"),
        "[[views]]\nname = \"Network\"\nfilter = \"group:network\"\n\n\
         [[views]]\nname = \"all open\"\nfilter = \"prio:1\"\nsort = \"newest\"\n",
    )
    .unwrap();
    t.ok(&["ticket", "new", "--title", "Switch down", "--group", "network", "--urgency", "1", "--impact", "1"]);
    t.ok(&["ticket", "new", "--title", "Mouse", "--urgency", "3", "--impact", "3"]);
    let list = t.json(&["view", "list"]);
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["My open", "Unassigned", "all open", "Pending", "Recently resolved", "Network"], "{list}");
    assert_eq!(list[2]["filter"], "prio:1", "the config's view stands where the built-in one was: {list}");
    assert_eq!(list[0]["filter"], "(built in)");
    let rows = |v: &str| t.json(&["view", "run", v])["tickets"].as_array().unwrap().len();
    assert_eq!(rows("unassigned"), 2, "a built-in view is still there");
    assert_eq!(rows("network"), 1);
    assert_eq!(rows("all open"), 1, "replaced: only P1");
    let human = t.ok(&["view", "list"]);
    assert!(human.lines().any(|l| l.starts_with("Unassigned") && l.contains("(built in)")), "{human}");
}

/// Issue 16: an error says its message once; `tix config path|default` exist (the
/// default config points at them) and work with a broken config file.
#[test]
fn errors_say_it_once_and_config_path_and_default_exist() {
    let t = Tix::new();
    t.ok(&["ticket", "new", "--title", "Printer"]);
    t.ok(&["ticket", "update", "1", "--status", "resolved"]);
    let e = t.fails(&["ticket", "update", "1", "--status", "open"], 1);
    assert_eq!(e.matches("cannot change status").count(), 1, "{e}");
    assert!(e.starts_with("tix: #1: cannot change status from resolved to open"), "{e}");
    let o = t.run(&["--json", "ticket", "update", "1", "--status", "open"]);
    let v: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(v["error"].as_str().unwrap().matches("cannot change status").count(), 1, "{v}");

    let cfg = t.dir().join("no-config.toml");
    let p = t.json(&["config", "path"]);
    assert_eq!((p["path"].as_str(), p["exists"].as_bool()), (cfg.to_str(), Some(false)));
    assert!(t.ok(&["config", "path"]).contains("not there"));
    let default = t.ok(&["config", "default"]);
    assert!(default.contains("`tix config path`") && default.contains("[[views]]"), "{default}");
    std::fs::write(&cfg, &default).unwrap();
    t.ok(&["ticket", "list"]); // the default, as a user's file, is a valid config
    assert_eq!(t.json(&["config", "path"])["exists"], true);
    std::fs::write(&cfg, "[agent]\nname = 42\n").unwrap();
    t.fails(&["ticket", "list"], 1);
    assert_eq!(t.ok(&["config", "path"]).trim(), cfg.to_str().unwrap(), "works with a broken config");
    assert_eq!(t.ok(&["config", "default"]), default);
}

/// The demo's first run shows the whole desk: its own config beside the store (read
/// for that store when $TIX_CONFIG is not set), SLA clocks and views working, an agent
/// with a load; and every demo ticket's texts are about one application.
#[test]
fn the_demo_brings_its_config_and_an_agent_with_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_tix"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env_remove("TIX_CONFIG")
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("cfg"))
            .env("USER", "nobody-here")
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let built = run(&["--json", "demo", "--tickets", "600", "--now", "2026-11-20", "--no-tui"]);
    assert_eq!(built["agent"], "dana", "{built}");
    let own = dir.path().join("demo.toml");
    assert_eq!(built["config"].as_str().unwrap(), own.to_str().unwrap());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&own).unwrap().permissions().mode() & 0o777, 0o600);
    // The store's own config applies: SLA clocks, views, the agent.
    let sla = run(&["--json", "sla", "status"]);
    let text = sla.to_string();
    assert!(text.contains("breached") || text.contains("at_risk"), "{text}");
    let views = run(&["--json", "view", "list"]).to_string();
    assert!(views.contains("SLA breached") && views.contains("Network P1-P2"), "{views}");
    let mine = run(&["--json", "ticket", "list", "--assignee", "me"]);
    assert!(mine["total"].as_u64().unwrap() > 0, "dana has open tickets: {mine}");
    // $TIX_CONFIG still wins.
    let o = Command::new(env!("CARGO_BIN_EXE_tix"))
        .arg("--db")
        .arg(&db)
        .args(["--json", "view", "list"])
        .env("TIX_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).contains("SLA breached"));

    // One application per ticket: no ticket names two of the demo's applications.
    let store = tix::store::Store::open(&db, tix::store::OpenMode::Existing).unwrap();
    let apps = ["Salesforce", "Workday", "Power BI", "Jira", "DocuSign", "AutoCAD"];
    for n in 1..=600u64 {
        let t = store.ticket_by_number(tix::domain::TicketNumber(n)).unwrap();
        let mut all = format!("{}\n{}", t.title, t.description);
        for item in store.timeline(t.id).unwrap() {
            if let tix::store::TimelineEvent::Entry { body, .. } = item.event {
                all.push('\n');
                all.push_str(&body);
            }
        }
        let named: Vec<_> = apps.iter().filter(|a| all.contains(*a)).collect();
        assert!(named.len() <= 1, "#{n} is about {named:?}:\n{all}");
    }
}
