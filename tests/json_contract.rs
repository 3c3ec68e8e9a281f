//! The `--json` contract: the shape of every verb's JSON output, pinned by insta
//! snapshots, so a renamed Rust field cannot silently break a script. Field names are
//! stable; new fields may be added (and then show up here as a snapshot change to
//! review). Values that differ from run to run (ids, times, temp paths) are replaced by
//! placeholders; everything else, text included, is compared as printed.
//!
//! Also pinned: the human output of `tix ticket show`, the one report people read most.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const CONFIG: &str = r#"
[agent]
name = "dana"

[[sla.calendars]]
name = "office"
tz = "UTC"
hours.mon-fri = "08:00-17:00"

[[sla.policies]]
name = "Standard"
calendar = "office"
first_response = "4h"
resolution = "3d"

[[checklists]]
name = "Leaver"
items = ["!Disable the account", "Collect the laptop"]

[[recurring]]
name = "Backup test"
schedule = "monthly 1 09:00"
title = "Monthly restore test"

[[macros]]
name = "Password reset"
reply = "Your password was reset."
status = "resolved"

[mail]
from = "IT Desk <desk@example.org>"
command = "cat > /dev/null"
"#;

struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new() -> Desk {
        let d = Desk { dir: tempfile::tempdir().unwrap() };
        std::fs::write(d.path().join("config.toml"), CONFIG).unwrap();
        d
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn db(&self) -> PathBuf {
        self.path().join("tix.db")
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
        use std::io::Write;
        let mut c = Command::new(env!("CARGO_BIN_EXE_tix"));
        c.arg("--db").arg(self.db()).arg("--as").arg("dana").args(args);
        c.env("TIX_CONFIG", self.path().join("config.toml")).env("TZ", "UTC").env_remove("TIX_DB");
        c.current_dir(self.path()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            let mut input = input;
            input.write_all(s.as_bytes()).unwrap();
        }
        let o = child.wait_with_output().unwrap();
        (o.status.code().unwrap_or(-1), String::from_utf8(o.stdout).unwrap(), String::from_utf8(o.stderr).unwrap())
    }

    /// `tix --json ARGS`: the output, parsed and with its volatile values replaced.
    fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let (code, out, err) = self.run(&a, None);
        assert_eq!(code, 0, "tix {a:?}: {err}");
        self.stable(serde_json::from_str(&out).unwrap_or_else(|e| panic!("tix {a:?} printed no JSON ({e}): {out}")))
    }

    /// `tix --json ARGS` printing JSON Lines: each line parsed.
    fn json_lines(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let (code, out, err) = self.run(&a, None);
        assert_eq!(code, 0, "tix {a:?}: {err}");
        Value::Array(out.lines().map(|l| self.stable(serde_json::from_str(l).unwrap())).collect())
    }

    /// A failing `tix --json ARGS`: its exit code and the JSON error on stderr.
    fn json_error(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let (code, _, err) = self.run(&a, None);
        assert_ne!(code, 0, "tix {a:?} should fail");
        let v: Value = serde_json::from_str(err.lines().last().unwrap_or_default())
            .unwrap_or_else(|e| panic!("tix {a:?}: stderr is not JSON ({e}): {err}"));
        assert_eq!(v["code"], code, "the JSON error carries the exit code");
        self.stable(v)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args, None);
        assert_eq!(code, 0, "tix {args:?}: {err}");
        out
    }

    fn stable(&self, v: Value) -> Value {
        let dir = self.path().to_string_lossy().into_owned();
        stable(v, &dir)
    }
}

/// Ids, times and temp paths → placeholders; the rest untouched.
fn stable(v: Value, dir: &str) -> Value {
    match v {
        Value::String(s) => Value::String(stable_str(&s, dir)),
        Value::Number(n) if n.as_i64().is_some_and(|i| i >= 1_000_000_000_000) => Value::String("<ms>".into()),
        // Scores and ratios: their value is not part of the contract, their place is.
        Value::Number(n) if n.is_f64() => Value::String("<float>".into()),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| stable(x, dir)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, x)| match (k.as_str(), x) {
                    // A hash of the op, ids and times included.
                    ("checksum", Value::String(_)) => (k, Value::String("<checksum>".into())),
                    // SLA time left in words: it depends on the hour the test runs.
                    ("summary" | "remaining", Value::String(_)) => (k, Value::String("<time left>".into())),
                    (_, x) => (k, stable(x, dir)),
                })
                .collect(),
        ),
        other => other,
    }
}

fn stable_str(s: &str, dir: &str) -> String {
    if let Some(rest) = s.strip_prefix(dir) {
        return format!("<dir>{rest}");
    }
    // An outbound Message-ID: tix.<replica>.<counter>@<domain>.
    if let Some(rest) = s.strip_prefix("tix.")
        && rest.len() > 33
        && rest.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit)
        && rest.as_bytes()[32] == b'.'
    {
        return format!("tix.<replica>.{}", &rest[33..]);
    }
    let b = s.as_bytes();
    let hex = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_hexdigit);
    if b.len() == 36 && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-') && hex(0..8) && hex(24..36) {
        return "<uuid>".into();
    }
    let digits = |r: std::ops::Range<usize>| b.len() >= r.end && b[r].iter().all(u8::is_ascii_digit);
    if digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-') && digits(8..10) {
        return if b.len() == 10 { "<date>".into() } else { "<time>".into() };
    }
    scrub_times(s)
}

/// `2026-12-03 16:53` and `2026-12-03T16:53…Z` inside human text → `<time>`.
fn scrub_times(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let d = |j: usize| chars.get(i + j).is_some_and(|c| c.is_ascii_digit());
        let is = |j: usize, c: char| chars.get(i + j) == Some(&c);
        if (0..4).all(d) && is(4, '-') && d(5) && d(6) && is(7, '-') && d(8) && d(9) {
            let mut j = 10;
            if (is(10, ' ') || is(10, 'T')) && d(11) && d(12) && is(13, ':') && d(14) && d(15) {
                j = 16;
                while chars.get(i + j).is_some_and(|c| c.is_ascii_digit() || *c == ':' || *c == 'Z') {
                    j += 1;
                }
            }
            out.push_str(if j == 10 { "<date>" } else { "<time>" });
            i += j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn snap(name: &str, v: &Value) {
    insta::assert_snapshot!(name, serde_json::to_string_pretty(v).unwrap());
}

#[test]
fn every_verb_keeps_its_json_shape() {
    let d = Desk::new();
    snap("init", &d.json(&["init"]));

    snap("person_add", &d.json(&["person", "add", "Jane Doe", "--email", "jane@example.com"]));
    snap(
        "ticket_new",
        &d.json(&[
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
            "--channel",
            "phone",
        ]),
    );
    d.ok(&["ticket", "new", "--title", "VPN drops every hour", "--requester", "Jane Doe"]);
    d.ok(&["ticket", "new", "--title", "Duplicate: printer jam", "--requester", "Jane Doe"]);
    snap("ticket_note", &d.json(&["ticket", "note", "1", "--body", "Fuser worn, kit ordered", "--time", "20m"]));
    snap("ticket_reply", &d.json(&["ticket", "reply", "1", "--body", "A technician is on the way."]));
    snap("ticket_update", &d.json(&["ticket", "update", "2", "--status", "pending", "--group", "network"]));
    snap("ticket_assign", &d.json(&["ticket", "assign", "2", "dana"]));
    snap("ticket_take", &d.json(&["ticket", "take", "1"]));
    snap("ticket_watch", &d.json(&["ticket", "watch", "1", "--add", "lead@example.org"]));
    snap("mail_outbox", &d.json(&["mail", "outbox"]));
    snap("mail_send", &d.json(&["mail", "send"]));
    snap("mail_test", &d.json(&["mail", "test", "it@example.org"]));
    snap("error_mail_retry_sent", &d.json_error(&["mail", "retry", "nosuch@example.org"]));

    snap("asset_add", &d.json(&["asset", "add", "BER-LT-00042", "--hostname", "ber-lt-42", "--serial", "SN42"]));
    std::fs::write(d.path().join("assets.csv"), "Asset Tag,Serial,Model\nLON-LT-00043,SN43,ThinkPad T14\n").unwrap();
    snap("asset_import", &d.json(&["asset", "import", "assets.csv"]));
    snap("asset_show", &d.json(&["asset", "show", "BER-LT-00042"]));
    snap("asset_find", &d.json(&["asset", "find", "LON-LT"]));

    std::fs::create_dir(d.path().join("kb")).unwrap();
    std::fs::write(
        d.path().join("kb/printer.md"),
        "# Clearing a printer jam\n\n1. Open tray 2.\n2. Remove the paper.\n3. Close the tray.\n",
    )
    .unwrap();
    snap("kb_import", &d.json(&["kb", "import", "kb"]));
    snap("kb_add", &d.json(&["kb", "add", "--title", "VPN troubleshooting", "--body", "Restart the VPN client."]));
    snap("kb_search", &d.json(&["kb", "search", "printer"]));
    snap("kb_show", &d.json(&["kb", "show", "Clearing a printer jam"]));

    snap("ticket_link_asset", &d.json(&["ticket", "link", "1", "--asset", "BER-LT-00042"]));
    snap("ticket_link_kb", &d.json(&["ticket", "link", "1", "--kb", "Clearing a printer jam"]));
    snap("ticket_checklist", &d.json(&["ticket", "checklist", "1", "--attach", "Leaver"]));
    snap("ticket_merge", &d.json(&["ticket", "merge", "3", "--into", "1"]));
    snap("ticket_show", &d.json(&["ticket", "show", "1"]));
    snap("ticket_list", &d.json(&["ticket", "list", "--all"]));
    snap("ticket_history", &d.json(&["ticket", "history", "2"]));
    snap("ticket_update_resolve", &d.json(&["ticket", "update", "2", "--status", "resolved"]));
    snap("ticket_reopen", &d.json(&["ticket", "reopen", "2"]));

    snap("person_list", &d.json(&["person", "list"]));
    snap("view_list", &d.json(&["view", "list"]));
    snap("view_save", &d.json(&["view", "save", "Network", "--filter", "group:network", "--sort", "updated"]));
    snap("view_run", &d.json(&["view", "run", "Network"]));
    snap("view_delete", &d.json(&["view", "delete", "Network"]));
    snap("sla_status", &d.json(&["sla", "status"]));
    snap("sla_show", &d.json(&["sla", "show", "1"]));
    snap("sla_escalate", &d.json(&["sla", "escalate"]));
    snap("schedule_list", &d.json(&["schedule", "list"]));
    snap("report", &d.json(&["report"]));
    snap("store_info", &d.json(&["store", "info"]));
    snap("store_verify", &d.json(&["store", "verify"]));

    snap("export_tickets_json", &d.json(&["export", "tickets", "--format", "json"]));
    snap("export_history", &d.json_lines(&["export", "history"]));

    let shared = d.path().join("shared.db");
    snap("sync_init", &d.json(&["sync", "init", shared.to_str().unwrap()]));
    snap("sync_now", &d.json(&["sync"]));
    snap("sync_status", &d.json(&["sync", "status"]));
    snap("sync_notices", &d.json(&["sync", "notices"]));

    // Agents and roles (an admin's acts: dana became the store's admin on its first write).
    snap("person_add_agent", &d.json(&["person", "add", "Lee Park", "--login", "lee", "--role", "agent"]));
    snap("person_role", &d.json(&["person", "role", "lee", "lead"]));
    d.json(&["person", "role", "Lee Park", "agent"]);
    snap("error_refused", &d.json_error(&["ticket", "merge", "2", "--into", "1", "--as", "lee"]));
    snap("error_unknown_agent", &d.json_error(&["ticket", "list", "--as", "Nobody Atall"]));

    // Attachments that came with an e-mail.
    std::fs::write(
        d.path().join("att.eml"),
        "From: Jane Doe <jane@example.com>\r\nSubject: Log attached\r\nMessage-ID: <att@example.com>\r\n\
         Date: Fri, 20 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the log.\r\n\
         --b\r\nContent-Type: text/plain; name=\"printer.log\"\r\n\
         Content-Disposition: attachment; filename=\"printer.log\"\r\n\r\nError 13.B2\r\n--b--\r\n",
    )
    .unwrap();
    let ingested = d.json(&["ingest", "email", d.path().join("att.eml").to_str().unwrap()]);
    let n = ingested["items"][0]["number"].to_string().trim_matches('"').trim_start_matches('#').to_string();
    snap("attachment_list", &d.json(&["attachment", "list", &n]));
    let to = d.path().join("saved.log");
    snap("attachment_save", &d.json(&["attachment", "save", &n, "1", to.to_str().unwrap()]));

    snap("error_not_found", &d.json_error(&["ticket", "show", "999"]));
    snap("error_usage", &d.json_error(&["ticket", "list", "-q", "colour:red"]));
    snap("error_conflict", &d.json_error(&["ticket", "update", "1", "--status", "new"]));
}

#[test]
fn ticket_show_reads_the_same_for_people() {
    // No SLA here: its countdowns depend on the hour the test runs.
    let d = Desk::new();
    std::fs::write(d.path().join("config.toml"), "[agent]\nname = \"dana\"\n").unwrap();
    d.ok(&["init"]);
    d.ok(&[
        "ticket",
        "new",
        "--title",
        "Outlook asks for the password again and again",
        "--requester",
        "Jane Doe <jane@example.com>",
        "--urgency",
        "2",
        "--impact",
        "2",
        "--body",
        "Since this morning, every few minutes.",
    ]);
    d.ok(&["ticket", "take", "1"]);
    d.ok(&["ticket", "note", "1", "--body", "Credential manager holds a stale token.", "--time", "15m"]);
    d.ok(&["ticket", "reply", "1", "--body", "Please sign out and in again; I cleared the stale token."]);
    let out = d.ok(&["ticket", "show", "1"]);
    insta::assert_snapshot!("ticket_show_human", scrub_ages(&scrub_times(&out)));
}

/// Relative times in human output (`3m ago`, `due in 3h 59m`, `4h left`) → `<age>`.
fn scrub_ages(s: &str) -> String {
    let mut out = Vec::new();
    for word in s.split(' ') {
        let t = word.trim_end_matches([',', ')', '·']);
        let units = t.trim_start_matches(|c: char| c.is_ascii_digit());
        let is_age = !t.is_empty()
            && t.starts_with(|c: char| c.is_ascii_digit())
            && ["s", "m", "h", "d", "w"].contains(&units)
            && !word.contains(':');
        out.push(if is_age { word.replacen(t, "<age>", 1) } else { word.to_string() });
    }
    out.join(" ")
}

#[test]
fn the_placeholders_only_touch_volatile_values() {
    let v = serde_json::json!({
        "id": "01a23cd3-a027-7571-bc52-5247376b54c9",
        "at": 1796316831783_i64,
        "when": "2026-12-03T16:53:51Z",
        "day": "2026-12-03",
        "path": "/tmp/x/tix.db",
        "count": 12,
        "score": -1.9e-6,
        "title": "Printer 2026-12-03 16:53 jam",
        "word": "deadbeef-not-a-uuid",
    });
    let s = stable(v, "/tmp/x");
    assert_eq!(s["id"], "<uuid>");
    assert_eq!(s["at"], "<ms>");
    assert_eq!(s["when"], "<time>");
    assert_eq!(s["day"], "<date>");
    assert_eq!(s["path"], "<dir>/tix.db");
    assert_eq!(s["count"], 12);
    assert_eq!(s["score"], "<float>");
    assert_eq!(s["title"], "Printer <time> jam");
    assert_eq!(s["word"], "deadbeef-not-a-uuid");
    assert_eq!(scrub_ages("opened 3m ago, 4h left (due 09:00)"), "opened <age> ago, <age> left (due 09:00)");
}
