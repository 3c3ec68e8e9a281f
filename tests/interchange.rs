//! Tickets between desks, end to end: exports that carry the conversation, imports that read
//! it back with the lifecycle times, real-world ticket and asset files, and e-mail that
//! does not fit the happy path. The real binary on real store files.

use serde_json::Value;

mod common;
use common::Tix;

impl Tix {
    /// One message on stdin, the report as JSON (whatever the exit code).
    fn mail(&self, msg: &str) -> Value {
        let o = self.run_stdin(&["--json", "ingest", "email", "-"], msg.as_bytes());
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
    }
}

fn fixture(p: &str) -> String {
    format!("{}/tests/fixtures/{p}", env!("CARGO_MANIFEST_DIR"))
}

/// The export without the ids (a store gives its own): what a round trip must keep.
fn without_ids(export: &str) -> Value {
    let mut v: Value = serde_json::from_str(export).unwrap();
    for t in v.as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("id");
    }
    v
}

// ------------------------------------------------------- exports and imports

/// A desk with a conversation: notes with time booked, replies, a reply by mail from the
/// requester, a closed ticket and an open one.
fn desk_with_a_conversation() -> Tix {
    let a = Tix::new();
    a.ok(&["ticket", "new", "--title", "Printer jam", "--requester", "Jane Doe <jane@example.com>"]);
    a.ok(&["ticket", "note", "1", "--body", "Checked the tray,\nroller worn", "--time", "15m"]);
    a.ok(&["ticket", "reply", "1", "--body", "=Fixed; please try"]);
    let r = a.mail(
        "From: Jane Doe <jane@example.com>\nTo: desk@example.com\nSubject: Re: [#1] Printer jam\n\
         Message-ID: <r1@example.com>\n\nWorks now, thanks\n",
    );
    assert_eq!(r["updated"], 1, "{r}");
    a.ok(&["ticket", "update", "1", "--status", "resolved"]);
    a.ok(&["ticket", "update", "1", "--status", "closed"]);
    a.ok(&["ticket", "new", "--title", "VPN down", "--requester", "Bob <bob@example.com>", "--assignee", "dana"]);
    a.ok(&["ticket", "reply", "2", "--body", "Looking into it", "--time", "5m"]);
    a.ok(&["ticket", "new", "--title", "Nothing said yet"]);
    a
}

#[test]
fn exports_carry_the_conversation_and_an_import_reads_it_back() {
    let a = desk_with_a_conversation();
    let json = a.ok(&["export", "tickets", "--format", "json", "--entries"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    let e = &v[0]["entries"];
    assert_eq!(e.as_array().map(Vec::len), Some(3), "{v}");
    assert_eq!((e[0]["kind"].as_str(), e[0]["minutes"].as_u64()), (Some("note"), Some(15)));
    assert_eq!(e[0]["body"], "Checked the tray,\nroller worn");
    assert_eq!((e[0]["actor"].as_str(), e[0]["author"].as_str()), (Some("dana"), None));
    assert_eq!((e[2]["kind"].as_str(), e[2]["author_email"].as_str()), (Some("reply"), Some("jane@example.com")));
    assert!(e[0]["at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(v[2]["entries"], serde_json::json!([]));
    // Without --entries: the count, as before.
    let plain: Value = serde_json::from_str(&a.ok(&["export", "tickets", "--format", "json"])).unwrap();
    assert_eq!(plain[0]["entries"], 3);

    // JSON into a fresh store: the same tickets, conversation and lifecycle times.
    let b = Tix::new();
    let f = b.path("a.json");
    std::fs::write(&f, &json).unwrap();
    let r = b.json(&["import", "tickets", f.to_str().unwrap()]);
    assert_eq!(r["created"], 3, "{r}");
    let back = b.ok(&["export", "tickets", "--format", "json", "--entries"]);
    assert_eq!(without_ids(&back), without_ids(&json));
    b.verify();

    // JSONL, the same.
    let lines = a.ok(&["export", "tickets", "--format", "jsonl", "--entries"]);
    assert_eq!(lines.lines().count(), 3);
    let c = Tix::new();
    let f = c.path("a.jsonl");
    std::fs::write(&f, &lines).unwrap();
    c.ok(&["import", "tickets", f.to_str().unwrap()]);
    assert_eq!(without_ids(&c.ok(&["export", "tickets", "--format", "json", "--entries"])), without_ids(&json));

    // CSV with its companion entries file, formulas guarded and read back.
    let ef = a.path("entries.csv");
    let csv = a.ok(&["export", "tickets", "--format", "csv", "--entries", ef.to_str().unwrap()]);
    let entries = std::fs::read_to_string(&ef).unwrap();
    assert!(entries.starts_with("ticket,number,at,kind,actor,author,author_email,minutes,body\n"), "{entries}");
    assert_eq!(entries.lines().filter(|l| l.contains(",reply,")).count(), 3, "{entries}");
    assert!(entries.contains(",'=Fixed; please try"), "{entries}");
    let d = Tix::new();
    let (tf, ef2) = (d.path("t.csv"), d.path("e.csv"));
    std::fs::write(&tf, &csv).unwrap();
    std::fs::write(&ef2, &entries).unwrap();
    let r = d.json(&["import", "tickets", tf.to_str().unwrap(), "--entries", ef2.to_str().unwrap()]);
    assert_eq!(r["created"], 3, "{r}");
    assert_eq!(without_ids(&d.ok(&["export", "tickets", "--format", "json", "--entries"])), without_ids(&json));
    d.verify();

    // A CSV export needs a file for the entries; JSON takes none.
    let (_, err) = a.fails(&["export", "tickets", "--format", "csv", "--entries"], 2);
    assert!(err.contains("--entries FILE"), "{err}");
    let (_, err) = a.fails(&["export", "tickets", "--format", "json", "--entries", "x.csv"], 2);
    assert!(err.contains("inline"), "{err}");
    // An entry whose ticket is not in the file is a row error.
    std::fs::write(&ef2, format!("{entries}nobody,9,2024-01-01T00:00:00Z,note,dana,,,,lost\n")).unwrap();
    let e = Tix::new();
    let (_, err) = e.fails(&["import", "tickets", tf.to_str().unwrap(), "--entries", ef2.to_str().unwrap()], 1);
    assert!(err.contains("e.csv:7: the entry's ticket 'nobody' is not among the imported rows"), "{err}");
}

#[test]
fn an_import_keeps_the_files_lifecycle_times() {
    let t = Tix::new();
    let f = t.path("old.csv");
    std::fs::write(
        &f,
        "id,title,status,requester,assignee,assignee_email,created,first_response,resolved,closed,updated\n\
         A-1,Mail quota,closed,Ann <ann@example.com>,Lee Agent,lee@example.com,2024-03-05T08:30:00Z,\
         2024-03-05T09:00:00Z,2024-03-06T10:00:00Z,2024-03-08T10:00:00Z,2024-03-08T10:00:00Z\n\
         A-2,Slow laptop,open,Bo <bo@example.com>,,,2024-03-07T08:00:00Z,2024-03-07T08:20:00Z,,,\n\
         A-3,New badge,pending,Bo <bo@example.com>,,,2024-03-07T09:00:00Z,,,,2024-03-07T10:00:00Z\n",
    )
    .unwrap();
    let r = t.json(&["import", "tickets", f.to_str().unwrap()]);
    assert_eq!(r["created"], 3, "{r}");
    let one = t.json(&["ticket", "show", "1"]);
    assert_eq!(one["status"], "closed");
    assert_eq!(one["created_at"], 1_709_627_400_000i64);
    assert_eq!(one["first_response_at"], 1_709_629_200_000i64, "{one}");
    assert_eq!(one["resolved_at"], 1_709_719_200_000i64);
    assert_eq!(one["closed_at"], 1_709_892_000_000i64);
    assert_eq!(one["updated_at"], 1_709_892_000_000i64);
    let out: Value = serde_json::from_str(&t.ok(&["export", "tickets", "--format", "json"])).unwrap();
    assert_eq!(
        (out[0]["assignee_name"].as_str(), out[0]["assignee_email"].as_str()),
        (Some("Lee Agent"), Some("lee@example.com"))
    );
    assert_eq!(one["channel"], "import");
    let two = t.json(&["ticket", "show", "2"]);
    assert_eq!(two["first_response_at"], 1_709_799_600_000i64, "{two}");
    // The first response the file dates but does not hold is on the timeline, said so.
    let shown = t.ok(&["ticket", "show", "2"]);
    assert!(shown.contains("from the imported file, which does not hold its text"), "{shown}");
    // Waiting since the file's last update, not since it was opened.
    let three = t.json(&["ticket", "show", "3"]);
    assert_eq!((three["status"].as_str(), three["updated_at"].as_i64()), (Some("pending"), Some(1_709_805_600_000)));
    let pending = three["timeline"].as_array().unwrap().iter().find(|i| i["to"] == "pending").unwrap().clone();
    assert_eq!(pending["at"], 1_709_805_600_000i64, "{three}");
    t.verify();
}

#[test]
fn real_incident_files_repeated_rows_an_empty_title_channel_and_dates() {
    let t = Tix::new();
    let f = fixture("tickets/incidents.csv");
    // All or nothing: only the row without a title is a problem, named by its line.
    let (_, err) = t.fails(&["import", "tickets", &f], 1);
    assert!(err.contains("1 row(s) rejected") && err.contains("incidents.csv:5: the title is empty"), "{err}");
    assert!(!err.contains("duplicate"), "{err}");
    let r = t.json(&["import", "tickets", &f, "--skip-bad"]);
    assert_eq!(r["created"], 3, "{r}");
    let w = r["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 2, "{r}");
    assert_eq!(w[0], format!("{f}:4: the same row as {f}:3 (the file has no id column): imported once"));
    assert!(w[1].as_str().unwrap().starts_with(&format!("{f}:6: the same row as {f}:3")), "{r}");
    let one = t.json(&["ticket", "show", "1"]);
    assert_eq!(one["channel"], "import", "the file does not say; tix does not guess portal");
    assert_eq!(one["created_at"], 1_456_708_560_000i64, "dated by the file's Opened column (day first)");
    assert_eq!(one["group"], "Service Desk");
    assert_eq!(t.json(&["ticket", "show", "3"])["created_at"], 1_457_101_800_000i64, "03/04/2016 is month first");
    // Again: nothing new; and --channel names the channel of a file that does not.
    let again = t.json(&["import", "tickets", &f, "--skip-bad"]);
    assert_eq!((again["created"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(3)));
    let u = Tix::new();
    u.json(&["import", "tickets", &f, "--skip-bad", "--channel", "phone", "--source", "sn"]);
    assert_eq!(u.json(&["ticket", "show", "1"])["channel"], "phone");
    let (_, err) = u.fails(&["import", "tickets", &f, "--channel", "pigeon"], 2);
    assert!(err.contains("--channel"), "{err}");
}

#[test]
fn snipe_it_broken_sample_imports_with_skip_bad_and_map() {
    let t = Tix::new();
    let f = fixture("assets/snipeit-bad-sample.csv");
    let (_, err) = t.fails(&["asset", "import", &f], 1);
    assert!(err.contains("'Category' appears twice (columns 6 and 13)"), "{err}");
    let r = t.json(&["asset", "import", &f, "--skip-bad"]);
    assert_eq!(r["created"], 4, "{r}");
    let w = r["warnings"].as_array().unwrap();
    assert!(w[0].as_str().unwrap().contains("column 6 is used"), "{r}");
    assert!(w[1].as_str().unwrap().contains("snipeit-bad-sample.csv:4: column 'Location': not valid UTF-8"), "{r}");
    let a = t.json(&["asset", "show", "666189117-3"]);
    assert_eq!(a["asset"]["location"], "Saint-\u{cc}\u{e4}tienne", "{a}");
    // --map names a column the default names do not know.
    let g = t.path("g.csv");
    std::fs::write(&g, "Asset No,Kind,Where\nA-1,laptop,Room 4\n").unwrap();
    let (_, err) = t.fails(&["asset", "import", g.to_str().unwrap()], 1);
    assert!(err.contains("no asset tag column"), "{err}");
    let r = t.json(&[
        "asset",
        "import",
        g.to_str().unwrap(),
        "--map",
        "Asset No=tag",
        "--map",
        "kind=category",
        "--map",
        "Where=location",
    ]);
    assert_eq!(r["created"], 1, "{r}");
    let a = t.json(&["asset", "show", "A-1"]);
    assert_eq!(
        (a["asset"]["category"].as_str(), a["asset"]["location"].as_str()),
        (Some("laptop"), Some("Room 4")),
        "{a}"
    );
    let (_, err) = t.fails(&["asset", "import", g.to_str().unwrap(), "--map", "Asset No=owner"], 2);
    assert!(err.contains("unknown field 'owner'"), "{err}");
}

// ------------------------------------------------------------------ e-mail

#[test]
fn mail_without_a_sender_is_taken_in_under_unknown_sender_unless_refused() {
    let t = Tix::new();
    let msg = "To: desk@example.com\nSubject: Scanner offline\nMessage-ID: <ns1@example.com>\n\nThe scanner on floor 2 is offline.\n";
    let r = t.mail(msg);
    assert_eq!((r["created"].as_u64(), r["rejected"].as_u64()), (Some(1), Some(0)), "{r}");
    assert_eq!(r["items"][0]["no_sender"], true);
    let s = t.json(&["ticket", "show", "1"]);
    assert_eq!(s["requester"]["name"], "Unknown sender", "{s}");
    let shown = t.ok(&["ticket", "show", "1"]);
    assert!(shown.contains("cannot be answered by e-mail"), "{shown}");
    // A second one goes to the same "Unknown sender".
    t.mail(&msg.replace("ns1@", "ns2@"));
    assert_eq!(t.json(&["ticket", "show", "2"])["requester"]["id"], s["requester"]["id"]);
    t.verify();

    let strict = Tix::with_config("[intake]\nrefuse_unknown_sender = true\n");
    let o = strict.run_stdin(&["--json", "ingest", "email", "-"], msg.as_bytes());
    assert_eq!(o.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(r["items"][0]["why"].as_str().unwrap().contains("no sender address"), "{r}");
}

#[test]
fn mail_is_dated_by_its_date_header_within_receipt_and_now() {
    let t = Tix::new();
    let r = t.mail(
        "Received: from mx.example.com by desk.example.com; Tue, 5 Mar 2024 09:00:05 +0000\n\
         From: Ann <ann@example.com>\nDate: Tue, 5 Mar 2024 10:00:00 +0100\nSubject: Old one\n\
         Message-ID: <d1@example.com>\n\nFrom the archive.\n",
    );
    assert_eq!(r["created"], 1, "{r}");
    // 09:00:00Z by its Date, not before 09:00:05Z when the mailbox received it.
    assert_eq!(t.json(&["ticket", "show", "1"])["created_at"], 1_709_629_205_000i64);
    t.mail("From: Ann <ann@example.com>\nDate: Tue, 5 Mar 2024 08:30:00 +0000\nSubject: No Received\nMessage-ID: <d2@example.com>\n\nx\n");
    assert_eq!(t.json(&["ticket", "show", "2"])["created_at"], 1_709_627_400_000i64);
    // A Date in the future is now.
    t.mail("From: Ann <ann@example.com>\nDate: Fri, 1 Jan 2100 00:00:00 +0000\nSubject: Future\nMessage-ID: <d3@example.com>\n\nx\n");
    let created = t.json(&["ticket", "show", "3"])["created_at"].as_i64().unwrap();
    assert!(created < 4_102_444_800_000 && created > 1_709_627_400_000, "{created}");
}

#[test]
fn a_subject_tag_from_someone_not_on_the_ticket_is_a_linked_ticket() {
    let t = Tix::new();
    t.mail("From: Jane Doe <jane@example.com>\nSubject: Printer jam\nMessage-ID: <t1@example.com>\n\nJammed.\n");
    // Someone else writes [#1]: a ticket of their own, linked to #1.
    let r = t.mail(
        "From: Eve <eve@example.com>\nSubject: Re: [#1] Printer jam\nMessage-ID: <t2@example.com>\n\nMine too.\n",
    );
    assert_eq!((r["created"].as_u64(), r["updated"].as_u64()), (Some(1), Some(0)), "{r}");
    assert_eq!(r["items"][0]["related"], 1, "{r}");
    let two = t.json(&["ticket", "show", "2"]);
    assert_eq!(two["requester"]["name"], "Eve");
    assert_eq!(two["related"][0]["number"], 1, "{two}");
    assert_eq!(t.json(&["ticket", "show", "1"])["entry_count"], 0, "nothing from Eve on #1");
    // The requester, and anyone who already wrote on #1, reply on it.
    let r = t.mail("From: Jane Doe <jane@example.com>\nSubject: Re: [#1] Printer jam\nMessage-ID: <t3@example.com>\n\nStill jammed.\n");
    assert_eq!(r["updated"], 1, "{r}");
    t.ok(&["person", "add", "lee", "--role", "agent"]);
    t.ok(&["ticket", "reply", "1", "--body", "On my way", "--as", "lee"]);
    // Configured the other way: a stranger's [#N] is a reply on N.
    let u = Tix::with_config("[intake]\ntag_from_stranger = \"reply\"\n");
    u.mail("From: Jane Doe <jane@example.com>\nSubject: Printer jam\nMessage-ID: <t1@example.com>\n\nJammed.\n");
    let r = u.mail(
        "From: Eve <eve@example.com>\nSubject: Re: [#1] Printer jam\nMessage-ID: <t2@example.com>\n\nMine too.\n",
    );
    assert_eq!(r["updated"], 1, "{r}");
    t.verify();
}

#[test]
fn a_backfill_of_old_mail_is_not_cut_as_a_loop() {
    let t = Tix::with_config("[intake]\nmax_per_sender_per_hour = 3\n");
    let msg = |i: usize, date: &str| {
        format!("From: Ann <ann@example.com>\n{date}Subject: Request {i}\nMessage-ID: <b{i}@example.com>\n\nx\n")
    };
    // A store in use (its clock is now), then six messages from one sender dated a day
    // apart: a mailbox's history, all taken in.
    t.ok(&["ticket", "new", "--title", "Already here"]);
    let dir = t.path("backfill");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = vec![];
    for i in 0..6 {
        let f = dir.join(format!("{i}.eml"));
        std::fs::write(&f, msg(i, &format!("Date: {} Mar 2024 08:00:00 +0000\n", i + 1))).unwrap();
        files.push(f.to_str().unwrap().to_string());
    }
    let mut args = vec!["ingest", "email"];
    args.extend(files.iter().map(String::as_str));
    let r = t.json(&args);
    assert_eq!((r["created"].as_u64(), r["skipped"]["loops"].as_u64()), (Some(6), Some(0)), "{r}");
    // Six in the same hour of 2024 are still a loop after three.
    let mut files = vec![];
    for i in 10..16 {
        let f = dir.join(format!("{i}.eml"));
        std::fs::write(&f, msg(i, &format!("Date: 9 Mar 2024 08:{i}:00 +0000\n"))).unwrap();
        files.push(f.to_str().unwrap().to_string());
    }
    let mut args = vec!["ingest", "email"];
    args.extend(files.iter().map(String::as_str));
    let r = t.json(&args);
    assert_eq!((r["created"].as_u64(), r["skipped"]["loops"].as_u64()), (Some(3), Some(3)), "{r}");
    // Mail of today (no Date) is counted against the hour it comes in, as before.
    let mut n = 0;
    for i in 20..25 {
        let r = t.mail(&msg(i, ""));
        n += r["skipped"]["loops"].as_u64().unwrap();
    }
    assert_eq!(n, 2);
}
