//! Intake and interchange end to end: e-mail to tickets, maildirs, ticket files in and out,
//! the op log out and into another store. The real binary on real store files, plus
//! property tests that feed every importer random and mutated input.
//!
//! Long fuzz runs: `cargo test --release --test intake -- --ignored --nocapture`.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;

mod common;
use common::Tix;

impl Tix {
    fn ingest(&self, files: &[&str]) -> Value {
        let paths: Vec<String> = files.iter().map(|f| mail(f)).collect();
        let mut args = vec!["--json", "ingest", "email"];
        args.extend(paths.iter().map(String::as_str));
        let o = self.run(&args);
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
    }

    fn ticket_count(&self) -> u64 {
        self.json(&["store", "info"])["tickets"].as_u64().unwrap()
    }
}

fn mail(name: &str) -> String {
    format!("{}/tests/fixtures/email/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(mail(name)).unwrap()
}

// ------------------------------------------------------------------ e-mail

#[test]
fn a_request_by_mail_its_replies_and_what_is_not_a_request() {
    // A [#N] tag from someone not on N adds to N here (the default makes a linked ticket of
    // its own: tests/interchange.rs).
    let t = Tix::with_config("[intake]\ntag_from_stranger = \"reply\"\n");
    let r = t.ingest(&["new-request.eml"]);
    assert_eq!((r["created"].as_u64(), r["items"][0]["number"].as_u64()), (Some(1), Some(1)));
    let s = t.json(&["ticket", "show", "1"]);
    assert_eq!(s["title"], "Drucker im 3. Stock stört", "encoded word decoded");
    assert_eq!(s["channel"], "email");
    assert_eq!(s["requester"]["name"], "Doe, Jane");
    assert!(s["description"].as_str().unwrap().contains("Grüße, Jane"), "quoted-printable decoded: {s}");

    // The same message again: recognised by Message-ID, nothing new.
    let r = t.ingest(&["new-request.eml"]);
    assert_eq!((r["duplicates"].as_u64(), r["created"].as_u64()), (Some(1), Some(0)));
    assert_eq!(t.ticket_count(), 1);

    // A reply by In-Reply-To, from the same person (address matched case-insensitively).
    let r = t.ingest(&["reply-in-reply-to.eml"]);
    assert_eq!((r["updated"].as_u64(), r["items"][0]["action"].as_str()), (Some(1), Some("replied")));
    let s = t.json(&["ticket", "show", "1"]);
    let entry = &s["timeline"].as_array().unwrap().iter().find(|i| i["event"] == "entry").unwrap().clone();
    assert_eq!((entry["kind"].as_str(), entry["author"].as_str()), (Some("reply"), Some("Doe, Jane")));
    assert_eq!(
        t.json(&["person", "list", "--role", "requester"]).as_array().map(|a| a.len()),
        Some(1),
        "no second Jane"
    );
    assert!(s["first_response_at"].is_null(), "the requester's own reply is not a first response");

    // Resolved, then a reply by subject tag from someone else: reopened.
    t.ok(&["ticket", "update", "1", "--status", "resolved"]);
    let r = t.ingest(&["reply-tag.eml"]);
    assert_eq!((r["updated"].as_u64(), r["reopened"].as_u64()), (Some(1), Some(1)));
    let s = t.json(&["ticket", "show", "1"]);
    assert_eq!(s["status"], "open");
    let last = s["timeline"].as_array().unwrap().iter().rev().find(|i| i["event"] == "entry").unwrap().clone();
    assert_eq!(last["author"], "Bob Builder");

    // Auto-replies, bulk mail, bounces and loops: counted, never tickets or replies.
    let r = t.ingest(&["auto-reply.eml", "out-of-office.eml", "bulk.eml", "bounce-dsn.eml", "loop.eml"]);
    assert_eq!(r["skipped"], serde_json::json!({ "auto_replies": 3, "bounces": 1, "loops": 1 }));
    assert_eq!((r["created"].as_u64(), r["updated"].as_u64()), (Some(0), Some(0)));
    assert_eq!(t.ticket_count(), 1);
    assert_eq!(t.json(&["ticket", "show", "1"])["entry_count"], 2, "the auto-reply tagged [#1] added nothing");
    t.verify();
}

#[test]
fn hostile_text_is_stored_as_sent_and_shown_inert() {
    let t = Tix::new();
    t.ingest(&["escapes.eml"]);
    let s = t.json(&["ticket", "show", "1"]);
    assert_eq!(s["title"], "Urgent \u{1b}]0;pwned\u{7} \u{1b}[2J reset \u{202e}cod.exe");
    assert_eq!(s["requester"]["name"], "Mallory \u{1b}]52;c;cm0gLXJmIH4=\u{7}");
    assert!(s["description"].as_str().unwrap().contains("\u{1b}[31mred"));
    let human = t.ok(&["ticket", "show", "1"]);
    assert!(!human.contains('\u{1b}') && !human.contains('\u{7}') && !human.contains('\u{202e}'), "{human:?}");
    assert!(human.contains("␛]0;pwned␇") && human.contains("⟨U+202E⟩") && human.contains("␛]52;c;"), "{human}");
    let report = t.ok(&["ingest", "email", &mail("escapes.eml")]);
    assert!(!report.contains('\u{1b}'), "{report:?}");
}

#[test]
fn mime_oddities_are_read() {
    let t = Tix::new();
    let files = [
        "nested-multipart.eml",
        "html-only.eml",
        "unknown-charset.eml",
        "cr-only.eml",
        "duplicate-headers.eml",
        "non-utf8.eml",
        "malformed-mime.eml",
        "no-message-id.eml",
        "corpus/eudora-plain.eml",
        "corpus/outlook-attachment.eml",
        "corpus/rfc2046-multipart.eml",
    ];
    let r = t.ingest(&files);
    assert_eq!(r["created"].as_u64(), Some(files.len() as u64), "{r}");
    let show = |n: usize| t.json(&["ticket", "show", &n.to_string()]);

    let nested = show(1);
    assert_eq!(
        nested["description"], "The screen flickers when the lid is at 90°.",
        "latin-1 QP text part wins over HTML"
    );
    let att: Vec<(String, String, bool)> = nested["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().into(),
                a["content_type"].as_str().unwrap().into(),
                a["stored"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        att,
        [
            ("screen.jpg".into(), "image/jpeg".into(), true),
            ("Known issue KB-17.eml".into(), "message/rfc822".into(), true)
        ]
    );
    let html = show(2)["description"].as_str().unwrap().to_string();
    assert!(html.contains("The VPN drops every 10") && html.contains("Since Monday."), "{html}");
    assert!(!html.contains('<') && !html.contains("alert(1)"), "HTML becomes readable text: {html}");
    assert_eq!(show(3)["description"], "Café au lait ÿþ ok", "unknown charset: 8-bit read as Windows-1252");
    assert_eq!(show(4)["description"], "Line one.\nLine two.", "lone CR line ends");
    let dup = show(5);
    assert_eq!((dup["title"].as_str(), dup["requester"]["name"].as_str()), (Some("First subject"), Some("First")));
    let latin = show(6);
    assert_eq!(latin["title"], "Problème d'imprimante");
    assert_eq!(latin["requester"]["name"], "René");
    assert_eq!(show(7)["description"], "See the file.", "malformed MIME keeps what can be read");
    assert_eq!(show(10)["attachments"][0]["name"], "redball.png");
    assert_eq!(show(10)["attachments"][0]["size"], 1453);

    // A message without Message-ID gets a stable one: a re-run is still a duplicate.
    let again = t.ingest(&["no-message-id.eml", "corpus/eudora-plain.eml"]);
    assert_eq!(again["duplicates"].as_u64(), Some(2), "{again}");
    // Messages without any sender go in under "Unknown sender" (see tests/interchange.rs).
    let r = t.ingest(&["corpus/dovecot-thirdparty-001.eml", "corpus/dovecot-malformed-001.eml"]);
    assert_eq!((r["created"].as_u64(), r["rejected"].as_u64()), (Some(2), Some(0)), "{r}");
    assert_eq!(r["items"][0]["no_sender"], true, "{r}");
    t.verify();
}

#[test]
fn size_caps_are_configurable_and_clear() {
    let t = Tix::with_config("[intake]\nmax_message_bytes = 2000\nmax_field_bytes = 40\nmax_attachment_bytes = 10\n");
    // Attachments over the cap: listed, content not kept.
    t.ingest(&["nested-multipart.eml"]);
    let a = &t.json(&["ticket", "show", "1"])["attachments"];
    assert_eq!((a[0]["size"].as_u64(), a[0]["stored"].as_bool()), (Some(51), Some(false)));
    let human = t.ok(&["ticket", "show", "1"]);
    assert!(human.contains("screen.jpg (image/jpeg, 51 bytes, content not kept"), "{human}");
    // A huge message and a huge subject: refused, naming the size and the setting.
    let huge = t.path("huge.eml");
    std::fs::write(&huge, format!("From: a@x.org\nSubject: big\n\n{}\n", "x".repeat(5000))).unwrap();
    let long = t.path("long.eml");
    std::fs::write(&long, format!("From: a@x.org\nSubject: {}\n\nbody\n", "s".repeat(41))).unwrap();
    let (out, err) = t.fails(&["ingest", "email", huge.to_str().unwrap(), long.to_str().unwrap()], 1);
    assert!(out.contains("the message is 5029 bytes, over the limit of 2000 ([intake] max_message_bytes)"), "{out}");
    assert!(out.contains("message 2") && out.contains("the subject is 41 bytes"), "{out}");
    assert!(err.contains("2 message(s) rejected"), "{err}");
    // From stdin too, without reading past the cap.
    let o = t.run_stdin(&["ingest", "email", "-"], &[b'x'; 10_000]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("max_message_bytes"));
    assert_eq!(t.ticket_count(), 1);
}

#[test]
fn a_desk_address_and_a_flood_from_one_sender_are_loops() {
    let t = Tix::with_config("[intake]\naddress = \"Desk@Example.com\"\nmax_per_sender_per_hour = 3\n");
    let own = t.path("own.eml");
    std::fs::write(&own, "From: desk@example.com\nSubject: Re: your ticket\nMessage-ID: <own@x>\n\nack\n").unwrap();
    let r = t.json(&["ingest", "email", own.to_str().unwrap()]);
    assert_eq!(r["skipped"]["loops"], 1);
    let mut files = vec![];
    for i in 0..5 {
        let f = t.path(&format!("flood{i}.eml"));
        std::fs::write(&f, format!("From: bot@example.org\nSubject: alert {i}\nMessage-ID: <flood{i}@x>\n\nx\n"))
            .unwrap();
        files.push(f.to_str().unwrap().to_string());
    }
    let mut args = vec!["ingest", "email"];
    args.extend(files.iter().map(String::as_str));
    let r = t.json(&args[..2].iter().chain(&args[2..4]).copied().collect::<Vec<_>>());
    assert_eq!(r["created"], 2);
    // The store remembers: the next run counts the earlier messages within the hour.
    let r = t.json(&args[..2].iter().chain(&args[4..]).copied().collect::<Vec<_>>());
    assert_eq!((r["created"].as_u64(), r["skipped"]["loops"].as_u64()), (Some(1), Some(2)), "{r}");
}

fn maildir(t: &Tix, names: &[(&str, &str)]) -> PathBuf {
    let md = t.path("Maildir");
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(md.join(d)).unwrap();
    }
    for (file, fixture) in names {
        std::fs::copy(mail(fixture), md.join("new").join(file)).unwrap();
    }
    md
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn a_maildir_moves_what_it_stored_and_a_crash_creates_no_duplicates() {
    let t = Tix::new();
    let md = maildir(
        &t,
        &[
            ("1000.a.host", "new-request.eml"),
            ("1001.b.host", "reply-in-reply-to.eml"),
            ("1002.c.host", "bounce-dsn.eml"),
            ("1003.d.host", "empty.eml"),
            (".hidden", "new-request.eml"),
        ],
    );
    let (out, err) = t.fails(&["--json", "ingest", "maildir", md.to_str().unwrap()], 1);
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (r["created"].as_u64(), r["updated"].as_u64(), r["skipped"]["bounces"].as_u64(), r["rejected"].as_u64()),
        (Some(1), Some(1), Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(r["items"][3]["source"], "new/1003.d.host");
    assert!(err.contains("1 message(s) rejected"), "{err}");
    assert_eq!(listing(&md.join("new")), [".hidden", "1003.d.host"], "the rejected message stays in new/");
    assert_eq!(listing(&md.join("cur")), ["1000.a.host:2,S", "1001.b.host:2,S", "1002.c.host:2,S"]);

    // A crash after the commit but before the move: the message is back in new/.
    std::fs::copy(md.join("cur/1000.a.host:2,S"), md.join("new/1000.a.host")).unwrap();
    std::fs::remove_file(md.join("new/1003.d.host")).unwrap();
    let r = t.json(&["ingest", "maildir", md.to_str().unwrap()]);
    assert_eq!((r["duplicates"].as_u64(), r["created"].as_u64()), (Some(1), Some(0)));
    assert_eq!(listing(&md.join("new")), [".hidden"]);
    assert_eq!(t.ticket_count(), 1);
    let r = t.json(&["ingest", "maildir", md.to_str().unwrap()]);
    assert_eq!(r["messages"], 0);
    let (_, err) = t.fails(&["ingest", "maildir", t.path("nope").to_str().unwrap()], 3);
    assert!(err.contains("not a maildir"), "{err}");
    t.verify();
}

// ------------------------------------------------------------------ ticket files

const DESK_CSV: &str = "\u{feff}Ticket ID,Subject,Description,Status,Priority,Requester,Requester Email,Assigned To,Category,Team,Created,Source,Colour\r\n\
ZD-1,Printer jam,\"Floor 3,\r\nagain\",Open,High,Jane Doe,jane@example.com,Lee Agent,Hardware,desk,2024-03-05 08:30,Phone,red\r\n\
ZD-2,VPN drops,,Solved,3,Bob,bob@example.com,,Network,,2024-03-06,email,blue\r\n\
ZD-3,Old one,,Closed,P4,Jane Doe,jane@example.com,,,,2023-12-01T10:00:00Z,web,green\r\n\
ZD-4,=HYPERLINK(\"http://evil\"),x,New,Low,Eve,eve@example.com,,,,,portal,\r\n";

#[test]
fn tickets_from_another_desk_once_and_only_once() {
    let t = Tix::new();
    let f = t.path("desk.csv");
    std::fs::write(&f, DESK_CSV).unwrap();
    let r = t.json(&["import", "tickets", f.to_str().unwrap()]);
    assert_eq!((r["created"].as_u64(), r["unchanged"].as_u64()), (Some(4), Some(0)), "{r}");
    assert_eq!(r["ignored_columns"], serde_json::json!(["Colour"]));
    // Numbered in the order the tickets were created (ZD-3 is the oldest; ZD-4 has no date).
    let one = t.json(&["ticket", "show", "2"]);
    assert_eq!((one["status"].as_str(), one["priority"].as_u64()), (Some("open"), Some(2)));
    assert_eq!(one["description"], "Floor 3,\nagain");
    assert_eq!(
        (one["requester"]["name"].as_str(), one["assignee"]["name"].as_str()),
        (Some("Jane Doe"), Some("Lee Agent"))
    );
    assert_eq!(
        (one["group"].as_str(), one["category"].as_str(), one["channel"].as_str()),
        (Some("desk"), Some("Hardware"), Some("phone"))
    );
    assert_eq!(one["created_at"], 1_709_627_400_000i64);
    let two = t.json(&["ticket", "show", "3"]);
    assert_eq!(two["status"], "resolved");
    assert!(two["resolved_at"].is_i64());
    assert_eq!(t.json(&["ticket", "show", "1"])["status"], "closed");
    assert_eq!(t.json(&["ticket", "show", "1"])["requester"]["name"], "Jane Doe", "one Jane for two rows");

    let again = t.json(&["import", "tickets", f.to_str().unwrap()]);
    assert_eq!((again["created"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(4)));
    assert_eq!(t.ticket_count(), 4);
    t.verify();
}

#[test]
fn a_bad_ticket_file_changes_nothing_unless_skip_bad() {
    let t = Tix::new();
    let f = t.path("bad.csv");
    std::fs::write(&f, "title,status,priority\nGood one,open,P1\nFrozen,frozen,P2\nLate,open,someday\n").unwrap();
    let (_, err) = t.fails(&["import", "tickets", f.to_str().unwrap()], 1);
    assert!(err.contains("2 row(s) rejected; nothing was imported"), "{err}");
    assert!(
        err.contains("bad.csv:3: unknown status 'frozen'") && err.contains("bad.csv:4: unknown priority 'someday'"),
        "{err}"
    );
    assert_eq!(t.ticket_count(), 0);
    let r = t.json(&["import", "tickets", f.to_str().unwrap(), "--skip-bad"]);
    assert_eq!((r["created"].as_u64(), r["rejected"].as_array().map(|a| a.len())), (Some(1), Some(2)));
    assert_eq!(t.ticket_count(), 1);
    // Usage errors: a field that does not exist, a format that cannot be told.
    let (_, err) = t.fails(&["import", "tickets", f.to_str().unwrap(), "--map", "x=headline"], 2);
    assert!(err.contains("unknown field 'headline'"), "{err}");
    let odd = t.path("tickets.dat");
    std::fs::write(&odd, "x").unwrap();
    let (_, err) = t.fails(&["import", "tickets", odd.to_str().unwrap()], 2);
    assert!(err.contains("--format"), "{err}");
    let (_, err) = t.fails(&["import", "tickets", f.to_str().unwrap(), "--format", "json"], 1);
    assert!(err.contains("bad.csv:1:"), "{err}");
}

#[test]
fn json_and_jsonl_with_a_column_map() {
    let t = Tix::new();
    let j = t.path("t.json");
    std::fs::write(&j, r#"[{"key": 7, "headline": "Mouse broken", "customer": {"name": "Ann", "email": "ann@x.org"}, "labels": ["hw", "desk"]}]"#).unwrap();
    let r = t.json(&["import", "tickets", j.to_str().unwrap(), "--map", "headline=title", "--source", "legacy"]);
    assert_eq!(r["created"], 1, "{r}");
    let s = t.json(&["ticket", "show", "1"]);
    assert_eq!((s["title"].as_str(), s["requester"]["name"].as_str()), (Some("Mouse broken"), Some("Ann")));
    assert_eq!(s["tags"], serde_json::json!(["desk", "hw"]));
    let l = t.path("t.jsonl");
    std::fs::write(&l, "{\"title\": \"A\"}\nnot json\n{\"title\": \"B\", \"status\": \"pending\"}\n").unwrap();
    let (_, err) = t.fails(&["import", "tickets", l.to_str().unwrap()], 1);
    assert!(err.contains("t.jsonl:2: not valid JSON"), "{err}");
    let r = t.json(&["import", "tickets", l.to_str().unwrap(), "--skip-bad"]);
    assert_eq!(r["created"], 2);
    assert_eq!(t.json(&["ticket", "show", "3"])["status"], "pending");
}

// ------------------------------------------------------------------ exports

fn export(t: &Tix, what: &str, format: &str) -> String {
    t.ok(&["export", what, "--format", format])
}

#[test]
fn exports_have_stable_columns_guard_formulas_and_read_back() {
    let t = Tix::new();
    let f = t.path("desk.csv");
    std::fs::write(&f, DESK_CSV).unwrap();
    t.ok(&["import", "tickets", f.to_str().unwrap()]);
    t.ingest(&["escapes.eml"]);
    t.ok(&["asset", "add", "=CMD-01", "--hostname=+pc", "--holder", "Jane Doe <jane@example.com>"]);
    t.ok(&["kb", "add", "--title", "@reset VPN", "--body=-steps"]);

    let csv = export(&t, "tickets", "csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "number,id,title,description,status,type,priority,urgency,impact,category,group,tags,channel,requester_name,\
         requester_email,assignee_name,assignee_email,created,updated,first_response,resolved,closed,entries"
    );
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(&rows[3][2], "'=HYPERLINK(\"http://evil\")", "formula guarded");
    assert_eq!(&rows[4][2], "Urgent \u{1b}]0;pwned\u{7} \u{1b}[2J reset \u{202e}cod.exe", "data as stored");
    assert_eq!(&rows[0][4], "closed", "the oldest imported ticket is #1");

    let json: Value = serde_json::from_str(&export(&t, "tickets", "json")).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 5);
    assert_eq!(json[3]["title"], "=HYPERLINK(\"http://evil\")", "JSON carries text exactly");
    let keys: Vec<&str> = json[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 23);
    let jsonl = export(&t, "tickets", "jsonl");
    assert_eq!(jsonl.lines().count(), 5);
    assert!(jsonl.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()));

    let assets = export(&t, "assets", "csv");
    assert!(
        assets.starts_with("tag,hostname,serial,model,manufacturer,category,status,assigned_to,email,"),
        "{assets}"
    );
    assert!(assets.contains("'=CMD-01,'+pc,") && assets.contains("Jane Doe,jane@example.com"), "{assets}");
    let kb = export(&t, "kb", "csv");
    assert!(kb.contains("'@reset VPN,'-steps"), "{kb}");

    // Read back: our CSV into a fresh store gives the same tickets, formulas unguarded.
    let u = Tix::new();
    let back = u.path("back.csv");
    std::fs::write(&back, &csv).unwrap();
    let r = u.json(&["import", "tickets", back.to_str().unwrap()]);
    assert_eq!(r["created"], 5, "{r}");
    let again: Value = serde_json::from_str(&export(&u, "tickets", "json")).unwrap();
    for (a, b) in json.as_array().unwrap().iter().zip(again.as_array().unwrap()) {
        for k in ["title", "description", "status", "priority", "urgency", "impact", "category", "group", "channel"] {
            assert_eq!(a[k], b[k], "{k}");
        }
        assert_eq!(a["requester_email"], b["requester_email"]);
    }
    // And our asset CSV into `tix asset import`.
    let ab = u.path("assets.csv");
    std::fs::write(&ab, &assets).unwrap();
    let r = u.json(&["asset", "import", ab.to_str().unwrap()]);
    assert_eq!(r["created"], 1, "{r}");
}

#[test]
fn history_rebuilds_an_identical_store_elsewhere() {
    let a = Tix::new();
    a.ingest(&["new-request.eml", "reply-in-reply-to.eml", "nested-multipart.eml", "escapes.eml"]);
    let f = a.path("desk.csv");
    std::fs::write(&f, DESK_CSV).unwrap();
    a.ok(&["import", "tickets", f.to_str().unwrap()]);
    a.ok(&["ticket", "update", "1", "--status", "resolved"]);
    a.ok(&["ticket", "link", "2", "--ticket", "1"]);
    let history = a.ok(&["export", "history"]);
    let lines: Vec<&str> = history.lines().collect();
    let header: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(header["tix_history"], 1);
    assert_eq!(header["ops"].as_u64(), Some(lines.len() as u64 - 1));
    let hist_file = a.path("history.jsonl");
    std::fs::write(&hist_file, &history).unwrap();

    let b = Tix::new();
    let r = b.json(&["import", "history", hist_file.to_str().unwrap()]);
    assert_eq!(r["added"].as_u64(), Some(lines.len() as u64 - 1));
    b.verify();
    for what in ["tickets", "assets", "kb"] {
        assert_eq!(export(&a, what, "csv"), export(&b, what, "csv"), "{what}");
    }
    assert_eq!(a.json(&["ticket", "show", "3"])["attachments"], b.json(&["ticket", "show", "3"])["attachments"]);
    assert_eq!(
        export(&a, "history", "jsonl").lines().skip(1).collect::<Vec<_>>(),
        export(&b, "history", "jsonl").lines().skip(1).collect::<Vec<_>>()
    );
    // Again: nothing added.
    let r = b.json(&["import", "history", hist_file.to_str().unwrap()]);
    assert_eq!((r["added"].as_u64(), r["already_present"].as_u64()), (Some(0), Some(lines.len() as u64 - 1)));
    // The rebuilt store goes on: mail finds the imported tickets (Bob is not on #1, so his
    // [#1] is a ticket of its own, linked to it).
    let r = b.ingest(&["reply-tag.eml"]);
    assert_eq!(r["items"][0]["related"], 1, "{r}");

    // A changed line is refused, and nothing is imported.
    let c = Tix::new();
    let tampered = a.path("tampered.jsonl");
    std::fs::write(&tampered, history.replacen("Printer jam", "Printer jam!", 1)).unwrap();
    let (_, err) = c.fails(&["import", "history", tampered.to_str().unwrap()], 1);
    assert!(err.contains("fails its checksum") && err.contains("nothing was imported"), "{err}");
    let cut = a.path("cut.jsonl");
    std::fs::write(&cut, lines[..lines.len() - 2].join("\n")).unwrap();
    let (_, err) = c.fails(&["import", "history", cut.to_str().unwrap()], 1);
    assert!(err.contains("cut short"), "{err}");
    assert_eq!(c.ticket_count(), 0);
}

#[test]
fn an_old_store_migrates_and_gains_the_intake_tables() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    std::fs::copy(format!("{}/tests/fixtures/stores/v1.db", env!("CARGO_MANIFEST_DIR")), &db).unwrap();
    let s = tix::store::Store::open(&db, tix::store::OpenMode::Existing).unwrap();
    assert_eq!(s.schema_version().unwrap(), tix::store::schema::current_version());
    assert!(!s.origin_known("mail:x").unwrap());
    assert!(s.verify(dir.path()).unwrap().ok());
}

// ------------------------------------------------------------------ fuzzing

const EMAIL_FIXTURES: &[&str] = &[
    "new-request.eml",
    "nested-multipart.eml",
    "malformed-mime.eml",
    "bounce-dsn.eml",
    "escapes.eml",
    "non-utf8.eml",
    "corpus/outlook-attachment.eml",
    "corpus/rfc2046-multipart.eml",
    "corpus/dovecot-malformed-003.eml",
];

fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(b"\r\n\t :;=?\"<>[]#-/,{}".to_vec()),
        1 => prop::sample::select(vec![0x00, 0x1b, 0x80, 0xC3, 0xE9, 0xFE, 0xFF]),
        1 => any::<u8>(),
    ]
}

/// (where, what to do, byte): one edit of a mutation.
type Edit = (prop::sample::Index, u8, u8);

/// Insert, replace, delete or duplicate bytes at random places.
fn mutate(mut data: Vec<u8>, edits: Vec<Edit>) -> Vec<u8> {
    for (at, op, byte) in edits {
        let i = at.index(data.len() + 1);
        match op % 4 {
            0 => data.insert(i, byte),
            1 if i < data.len() => data[i] = byte,
            2 if i < data.len() => {
                data.remove(i);
            }
            _ => {
                let chunk: Vec<u8> = data[i..].iter().take(60).copied().collect();
                data.splice(i..i, chunk);
            }
        }
    }
    data
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), interesting_byte()), 1..24)
}

fn check_email(bytes: &[u8]) {
    use tix::import::email::{Limits, parse};
    let limits = Limits { max_attachment_bytes: 64, ..Limits::default() };
    if let Ok(m) = parse(bytes, &limits) {
        assert!(!m.message_id.is_empty());
        if m.skip.is_none() {
            assert!(m.from_email.as_ref().is_none_or(|e| e.contains('@')));
            assert!(!m.subject.is_empty());
            assert!(m.attachments.iter().all(|a| a.content.is_none() || a.size <= 64));
        }
    }
}

fn check_tickets(bytes: &[u8]) {
    use tix::import::tickets::{Format, Options, parse_tickets};
    for f in [Format::Csv, Format::Json, Format::Jsonl] {
        if let Ok(p) = parse_tickets(bytes, "f", f, &Options::default()) {
            assert!(p.rows.iter().all(|r| !r.title.trim().is_empty() && r.key.starts_with("import:")));
            assert!(p.errors.iter().all(|e| e.line >= 1));
        }
    }
}

fn ticket_seed() -> Vec<u8> {
    DESK_CSV.as_bytes().to_vec()
}

const JSON_SEED: &str = r#"[{"id": 1, "title": "A", "requester": {"name": "x", "email": "x@y"}, "tags": ["a"], "status": "open"},
{"id": 2, "subject": "B", "priority": "1 - Critical", "created": "2024-01-02T03:04:05Z"}]"#;

fn check_history(line: &str) {
    let _ = tix::import::history::parse_header(line);
    if let Ok(op) = tix::import::history::parse_op(line) {
        assert!(op.checksum_ok());
    }
}

fn history_seed() -> Vec<String> {
    let a = Tix::new();
    a.ingest(&["new-request.eml", "nested-multipart.eml"]);
    a.ok(&["export", "history"]).lines().map(String::from).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn email_random_bytes_never_panic(bytes in prop::collection::vec(interesting_byte(), 0..600)) {
        check_email(&bytes);
        let mut with_head = b"From: a@b.c\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n".to_vec();
        with_head.extend(bytes);
        check_email(&with_head);
    }

    #[test]
    fn email_mutated_fixtures_never_panic(which in 0..EMAIL_FIXTURES.len(), e in edits()) {
        check_email(&mutate(fixture_bytes(EMAIL_FIXTURES[which]), e));
    }

    #[test]
    fn ticket_files_random_and_mutated_never_panic(bytes in prop::collection::vec(interesting_byte(), 0..400), e in edits()) {
        check_tickets(&bytes);
        check_tickets(&mutate(ticket_seed(), e.clone()));
        check_tickets(&mutate(JSON_SEED.as_bytes().to_vec(), e));
    }

    #[test]
    fn history_lines_random_never_panic(s in "\\PC{0,200}") {
        check_history(&s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A maildir of mutated messages through the real store: the run never panics, the
    /// store verifies, and a second run adds nothing.
    #[test]
    fn maildir_of_mutated_messages_never_panics(msgs in prop::collection::vec((0..EMAIL_FIXTURES.len(), edits()), 1..6)) {
        maildir_round(&msgs);
    }
}

fn maildir_round(msgs: &[(usize, Vec<Edit>)]) {
    let t = Tix::new();
    let md = maildir(&t, &[]);
    for (i, (which, e)) in msgs.iter().enumerate() {
        std::fs::write(md.join("new").join(format!("{i}.m")), mutate(fixture_bytes(EMAIL_FIXTURES[*which]), e.clone()))
            .unwrap();
    }
    let o = t.run(&["--json", "ingest", "maildir", md.to_str().unwrap()]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let before = t.ticket_count();
    let o = t.run(&["--json", "ingest", "maildir", md.to_str().unwrap()]);
    let again: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(again["created"], 0, "{r} then {again}");
    assert_eq!(t.ticket_count(), before);
    t.verify();
}

#[test]
fn history_mutated_lines_never_panic() {
    let seed = history_seed();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(256));
    runner
        .run(&(0..seed.len(), edits()), |(i, e)| {
            let line = String::from_utf8_lossy(&mutate(seed[i].clone().into_bytes(), e)).into_owned();
            check_history(&line);
            Ok(())
        })
        .unwrap();
}

/// The long runs: `cargo test --release --test intake -- --ignored --nocapture`.
#[test]
#[ignore]
fn fuzz_long() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(50_000));
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..4000), |b| {
            check_email(&b);
            check_tickets(&b);
            Ok(())
        })
        .unwrap();
    runner
        .run(&(0..EMAIL_FIXTURES.len(), edits()), |(w, e)| {
            check_email(&mutate(fixture_bytes(EMAIL_FIXTURES[w]), e));
            Ok(())
        })
        .unwrap();
    runner
        .run(&edits(), |e| {
            check_tickets(&mutate(ticket_seed(), e.clone()));
            check_tickets(&mutate(JSON_SEED.as_bytes().to_vec(), e));
            Ok(())
        })
        .unwrap();
    let seed = history_seed();
    runner
        .run(&(0..seed.len(), edits()), |(i, e)| {
            check_history(&String::from_utf8_lossy(&mutate(seed[i].clone().into_bytes(), e)));
            Ok(())
        })
        .unwrap();
    let mut slow = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(500));
    slow.run(&prop::collection::vec((0..EMAIL_FIXTURES.len(), edits()), 1..12), |m| {
        maildir_round(&m);
        Ok(())
    })
    .unwrap();
}
