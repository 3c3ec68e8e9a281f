//! The store on real SQLite files: write path, conflicts, migrations, plans, search, rebuild.

use std::path::Path;

use tix::domain::asset::AssetRecord;
use tix::domain::ids::{ArticleId, AssetId, PersonId, TicketId, TicketNumber};
use tix::domain::kb::ArticleRecord;
use tix::domain::op::{Change, LinkTarget, Payload};
use tix::domain::person::PersonRecord;
use tix::domain::plan::{self, NewTicket, TicketEdit};
use tix::domain::ticket::{EntryKind, PriorityMatrix, Status, TicketField};
use tix::store::{AssigneeFilter, OpenMode, Sort, Store, StoreError, TicketQuery, schema};

fn store(dir: &Path) -> Store {
    Store::open(&dir.join("tix.db"), OpenMode::Create).unwrap()
}

fn agent(s: &mut Store, name: &str) -> PersonId {
    let id = PersonId::new_random();
    s.commit("admin", vec![Change::new_person(id, PersonRecord::agent(name, name.to_lowercase()))]).unwrap();
    id
}

fn ticket(s: &mut Store, title: &str) -> TicketId {
    let id = TicketId::new_random();
    s.commit("dana", vec![plan::new_ticket(id, NewTicket::titled(title), &PriorityMatrix::default())]).unwrap();
    id
}

#[test]
fn numbers_count_up_and_every_write_is_an_op() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let a = ticket(&mut s, "First");
    let b = ticket(&mut s, "Second");
    assert_eq!(s.ticket(a).unwrap().number, TicketNumber(1));
    assert_eq!(s.ticket(b).unwrap().number, TicketNumber(2));
    assert_eq!(s.op_count().unwrap(), 2);
    let ops = s.ticket_ops(a).unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].actor, "dana");
    assert!(matches!(ops[0].payload, Payload::TicketNew(_)));
}

#[test]
fn a_batch_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let t = ticket(&mut s, "Printer jam");
    let before = s.op_count().unwrap();
    // Second change is invalid (new → closed): the first must not land either.
    let r = s.commit(
        "dana",
        vec![
            Change::set_ticket(t, TicketField::Title, Some("Printer jam on floor 3".into())),
            Change::set_ticket(t, TicketField::Status, Some("closed".into())),
        ],
    );
    let err = r.unwrap_err().to_string();
    assert!(err.contains("new to closed"), "{err}");
    assert_eq!(s.op_count().unwrap(), before);
    assert_eq!(s.ticket(t).unwrap().title, "Printer jam");
}

#[test]
fn status_times_follow_resolution_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let t = ticket(&mut s, "VPN");
    let seen = s.ticket(t).unwrap();
    s.commit(
        "dana",
        plan::edit(
            &seen,
            TicketEdit { status: Some(Status::Resolved), ..Default::default() },
            &PriorityMatrix::default(),
        ),
    )
    .unwrap();
    let r = s.ticket(t).unwrap();
    assert_eq!(r.status, Status::Resolved);
    assert!(r.resolved_at.is_some());
    // Reopen without the flag is refused; with it, allowed.
    let e = s.commit(
        "dana",
        plan::edit(&r, TicketEdit { status: Some(Status::Open), ..Default::default() }, &PriorityMatrix::default()),
    );
    assert!(e.unwrap_err().to_string().contains("reopen"));
    s.commit(
        "dana",
        plan::edit(
            &r,
            TicketEdit { status: Some(Status::Open), reopen: true, ..Default::default() },
            &PriorityMatrix::default(),
        ),
    )
    .unwrap();
    let o = s.ticket(t).unwrap();
    assert_eq!(o.status, Status::Open);
    assert_eq!(o.resolved_at, None);
}

#[test]
fn a_stale_change_from_another_process_is_refused_naming_who_and_when() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tix.db");
    let mut one = Store::open(&path, OpenMode::Create).unwrap();
    let dana = agent(&mut one, "Dana");
    let t = ticket(&mut one, "Laptop will not boot");
    // Second technician, second connection on the same file.
    let mut two = Store::open(&path, OpenMode::Existing).unwrap();
    let lee = agent(&mut two, "Lee");
    let seen_by_one = one.ticket(t).unwrap();
    let seen_by_two = two.ticket(t).unwrap();
    one.commit("dana", plan::take(&seen_by_one, dana, &PriorityMatrix::default())).unwrap();
    let err = two.commit("lee", plan::take(&seen_by_two, lee, &PriorityMatrix::default())).unwrap_err();
    match &err {
        StoreError::Conflict(c) => {
            assert_eq!(c.by, "dana");
            assert_eq!(c.field, "assignee");
            assert_eq!(c.now, "Dana");
        }
        e => panic!("expected a conflict, got {e}"),
    }
    assert!(err.to_string().contains("dana"));
    assert_eq!(two.ticket(t).unwrap().assignee.unwrap().name, "Dana");
    // A change to another field, prepared against the same stale view, merges fine.
    two.commit(
        "lee",
        plan::edit(
            &seen_by_two,
            TicketEdit { group: Some(Some("network".into())), ..Default::default() },
            &PriorityMatrix::default(),
        ),
    )
    .unwrap();
    let t2 = one.ticket(t).unwrap();
    assert_eq!(t2.group.as_deref(), Some("network"));
    assert_eq!(t2.assignee.unwrap().name, "Dana");
    // Both processes wrote through the same replica: counters never collide.
    assert_eq!(one.op_count().unwrap(), 6);
}

#[test]
fn a_store_from_a_newer_tix_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tix.db");
    drop(Store::open(&path, OpenMode::Create).unwrap());
    let c = rusqlite::Connection::open(&path).unwrap();
    c.pragma_update(None, "user_version", schema::current_version() + 1).unwrap();
    drop(c);
    let err = Store::open(&path, OpenMode::Existing).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }));
    assert!(err.to_string().contains("newer tix"), "{err}");
}

#[test]
fn every_older_schema_upgrades_to_the_current_one() {
    for k in 0..schema::MIGRATIONS.len() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let c = rusqlite::Connection::open(&path).unwrap();
        for (i, m) in schema::MIGRATIONS[..k].iter().enumerate() {
            c.execute_batch(m).unwrap();
            c.pragma_update(None, "user_version", (i + 1) as i64).unwrap();
        }
        drop(c);
        if k > 0 {
            // Old stores were made by the binary: seed the identity rows as it would.
            let c = rusqlite::Connection::open(&path).unwrap();
            c.pragma_update(None, "application_id", schema::APPLICATION_ID).unwrap();
            c.execute_batch(
                "INSERT INTO replicas(idx, id) VALUES (1, randomblob(16));
                 INSERT INTO meta VALUES ('store_id','x'),('replica','1'),('counter','0'),('hlc','0');",
            )
            .unwrap();
        }
        // Schema 0 is an empty file: not a store, except to `tix init` (Create).
        let mode = if k == 0 {
            assert!(matches!(Store::open(&path, OpenMode::Existing), Err(StoreError::EmptyFile(_))));
            OpenMode::Create
        } else {
            OpenMode::Existing
        };
        let mut s = Store::open(&path, mode).unwrap();
        assert_eq!(s.schema_version().unwrap(), schema::current_version());
        let t = ticket(&mut s, "after upgrade");
        assert_eq!(s.ticket(t).unwrap().title, "after upgrade");
    }
}

#[test]
fn bad_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database, just some text long enough to look like a header....").unwrap();
    let e = Store::open(&junk, OpenMode::Existing).unwrap_err();
    assert!(matches!(e, StoreError::NotAStore(_)), "{e}");
    let e = Store::open(&dir.path().join("nope/tix.db"), OpenMode::Create).unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
    let e = Store::open(&dir.path().join("missing.db"), OpenMode::Existing).unwrap_err();
    assert!(matches!(e, StoreError::Missing(_)), "{e}");
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE x(y)").unwrap();
    let e = Store::open(&other, OpenMode::Existing).unwrap_err();
    assert!(matches!(e, StoreError::ForeignDatabase(_)), "{e}");
}

#[test]
fn queue_pages_are_index_range_scans() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let me = PersonId::new_random();
    let cases = [
        TicketQuery { active: Some(true), limit: 50, ..Default::default() },
        TicketQuery { active: Some(true), sort: Sort::Updated, limit: 50, ..Default::default() },
        TicketQuery { active: Some(true), assignee: Some(AssigneeFilter::Person(me)), limit: 50, ..Default::default() },
        TicketQuery { active: Some(true), assignee: Some(AssigneeFilter::Unassigned), limit: 50, ..Default::default() },
        TicketQuery { active: Some(true), group: Some("network".into()), limit: 50, ..Default::default() },
        TicketQuery { statuses: vec![Status::Pending], limit: 50, ..Default::default() },
        TicketQuery { active: Some(true), sort: Sort::Newest, limit: 50, ..Default::default() },
        TicketQuery { active: Some(true), sort: Sort::Oldest, limit: 50, ..Default::default() },
        TicketQuery {
            active: Some(true),
            priorities: vec![tix::domain::ticket::Priority::P1],
            limit: 50,
            ..Default::default()
        },
    ];
    for q in cases {
        let plan = s.explain(&q).unwrap();
        assert!(plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"), "{q:?}\n{plan}");
        assert!(!plan.contains("SCAN t\n") && !plan.ends_with("SCAN t"), "full scan for {q:?}\n{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "sort for {q:?}\n{plan}");
    }
}

#[test]
fn full_text_finds_tickets_by_title_description_and_notes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let a = ticket(&mut s, "Printer jam on floor 3");
    let b = ticket(&mut s, "VPN drops");
    let seen = s.ticket(b).unwrap();
    s.commit("dana", plan::entry(&seen, EntryKind::Note, "Replaced the fuser; jammed paper removed".into(), None))
        .unwrap();
    let q = |t: &str| TicketQuery { text: Some(t.into()), limit: 10, ..Default::default() };
    let hits: Vec<_> = s.queue(&q("jam")).unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(hits, vec![b, a], "newest first, stemming matches 'jammed'");
    assert_eq!(s.count(&q("fuser")).unwrap(), 1);
    // The last word is also a prefix (3 letters or more); a quoted word is whole.
    assert_eq!(s.count(&q("fus")).unwrap(), 1);
    assert_eq!(s.count(&q("\"fus\"")).unwrap(), 0);
    assert_eq!(s.count(&q("fu")).unwrap(), 0);
    assert_eq!(s.count(&q("toner")).unwrap(), 0);
    // Renaming keeps the index in step.
    s.commit("dana", vec![Change::set_ticket(a, TicketField::Title, Some("Toner empty".into()))]).unwrap();
    assert_eq!(s.count(&q("toner")).unwrap(), 1);
    assert_eq!(s.queue(&q("jam")).unwrap().len(), 1);
    // Text combines with filters.
    let mut f = q("jammed");
    f.statuses = vec![Status::Resolved];
    assert_eq!(s.count(&f).unwrap(), 0);
}

#[test]
fn kb_search_weights_titles_and_marks_matches() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let art = |t: &str, b: &str| ArticleRecord {
        title: t.into(),
        body: b.into(),
        tags: vec![],
        category: None,
        internal: false,
        source: None,
    };
    s.commit(
        "kb",
        vec![
            Change::new_article(
                ArticleId::new_random(),
                art("Outlook profile repair", "When the mailbox will not open, printers are irrelevant."),
            ),
            Change::new_article(
                ArticleId::new_random(),
                art("Clearing a printer jam", "Open tray 2 and remove the paper."),
            ),
        ],
    )
    .unwrap();
    let hits = s.kb_search("printer", 10).unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].title, "Clearing a printer jam");
    let body_hit = &hits[1];
    assert!(
        body_hit.snippet.iter().any(|seg| seg.hit && seg.text.to_lowercase().starts_with("printer")),
        "{body_hit:?}"
    );
}

#[test]
fn links_and_asset_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let t = ticket(&mut s, "Docking station no display");
    let asset = AssetId::new_random();
    let mut rec = AssetRecord::new("BER-LT-0042");
    rec.hostname = Some("ber-lt-0042".into());
    s.commit("dana", vec![Change::new_asset(asset, rec)]).unwrap();
    s.commit("dana", vec![Change::link(t, LinkTarget::Asset { id: asset }, false)]).unwrap();
    // Linking twice is no change.
    assert!(s.commit("dana", vec![Change::link(t, LinkTarget::Asset { id: asset }, false)]).unwrap().is_empty());
    assert_eq!(s.ticket_assets(t).unwrap()[0].record.tag, "BER-LT-0042");
    assert_eq!(s.asset_tickets(asset, 10).unwrap()[0].id, t);
    s.commit("dana", vec![Change::link(t, LinkTarget::Asset { id: asset }, true)]).unwrap();
    assert!(s.ticket_assets(t).unwrap().is_empty());
    // A duplicate tag is refused.
    let e =
        s.commit("dana", vec![Change::new_asset(AssetId::new_random(), AssetRecord::new("ber-lt-0042"))]).unwrap_err();
    assert!(e.to_string().contains("already in use"), "{e}");
}

#[test]
fn verify_rebuilds_the_same_state_and_spots_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let dana = agent(&mut s, "Dana");
    let t = ticket(&mut s, "Outlook will not start");
    let seen = s.ticket(t).unwrap();
    s.commit("dana", plan::take(&seen, dana, &PriorityMatrix::default())).unwrap();
    let seen = s.ticket(t).unwrap();
    s.commit("dana", plan::entry(&seen, EntryKind::Reply, "Rebuilt your profile".into(), Some(20))).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let report = s.verify(scratch.path()).unwrap();
    assert!(report.ok(), "{report:?}");
    assert!(report.rows.iter().any(|(t, n)| t == "tickets" && *n == 1));
    // Change the materialized table behind the op log's back.
    let c = rusqlite::Connection::open(s.path()).unwrap();
    c.execute("UPDATE tickets SET title = 'tampered'", []).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let report = s.verify(scratch.path()).unwrap();
    assert!(!report.ok());
    assert!(report.mismatches[0].contains("title"), "{:?}", report.mismatches);
    // Flip a byte in an op: its checksum catches it.
    c.execute("UPDATE ops SET payload = replace(payload, 'Rebuilt', 'Rebuilx')", []).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let e = s.verify(scratch.path()).unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
}

#[test]
fn full_text_counts_can_stop_at_a_cap() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    for i in 0..7 {
        ticket(&mut s, &format!("Printer {i} offline"));
    }
    let q = TicketQuery { text: Some("printer".into()), limit: 50, ..Default::default() };
    assert_eq!(s.count_upto(&q, 5).unwrap(), (5, false));
    assert_eq!(s.count_upto(&q, 100).unwrap(), (7, true));
    // Pages past the first chunk boundary keep newest-first order without gaps.
    let page = s.queue(&TicketQuery { offset: 2, limit: 3, sort: Sort::Newest, ..q.clone() }).unwrap();
    let numbers: Vec<u64> = page.iter().map(|r| r.number.0).collect();
    assert_eq!(numbers, vec![5, 4, 3]);
}

/// A store written by the first release of the schema (tests/fixtures/stores/v1.db,
/// made with `tix` at schema v1): it must open, upgrade and still equal its op log.
#[test]
fn a_real_v1_store_opens_upgrades_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/stores/v1.db"), &path).unwrap();
    let mut s = Store::open(&path, OpenMode::Existing).unwrap();
    assert_eq!(s.schema_version().unwrap(), schema::current_version());
    let t = s.ticket_by_number(TicketNumber(1)).unwrap();
    assert_eq!(t.title, "Printer jam on floor 3");
    assert_eq!(t.assignee.as_ref().unwrap().name, "dana");
    assert_eq!(s.ticket_assets(t.id).unwrap()[0].record.tag, "BER-LT-00042");
    assert_eq!(s.kb_search("printer", 5).unwrap()[0].title, "Clearing a printer jam");
    let scratch = tempfile::tempdir().unwrap();
    assert!(s.verify(scratch.path()).unwrap().ok());
    // And it keeps working: numbers continue, the HLC never goes back.
    let before = s.last_hlc().unwrap();
    let id = ticket(&mut s, "after the upgrade");
    assert_eq!(s.ticket(id).unwrap().number, TicketNumber(2));
    assert!(s.last_hlc().unwrap() > before);
}

/// The report's figures on a history worked out by hand (a manual clock, whole days).
#[test]
fn the_report_counts_the_backlog_the_period_and_the_medians() {
    use std::sync::Arc;
    use tix::domain::clock::ManualClock;
    use tix::domain::time::{DAY, HOUR, MINUTE};
    let dir = tempfile::tempdir().unwrap();
    let day0 = 20_000 * DAY; // 2024-10-04, midnight UTC
    let clock = ManualClock::new(day0 + 9 * HOUR);
    let mut s = Store::open_with_clock(&dir.path().join("r.db"), OpenMode::Create, Arc::new(clock.clone())).unwrap();
    let dana = agent(&mut s, "Dana");
    let m = PriorityMatrix::default();
    let mk = |s: &mut Store, title: &str, group: &str| {
        let id = TicketId::new_random();
        let mut t = NewTicket::titled(title);
        t.group = Some(group.into());
        s.commit("x", vec![plan::new_ticket(id, t, &m)]).unwrap();
        id
    };
    // Day 0, 09:00: A and B. A answered at 09:30 and resolved at 11:00 (by Dana).
    let a = mk(&mut s, "A", "network");
    let b = mk(&mut s, "B", "network");
    clock.advance(30 * MINUTE);
    let t = s.ticket(a).unwrap();
    s.commit("dana", plan::take(&t, dana, &m)).unwrap();
    let t = s.ticket(a).unwrap();
    s.commit("dana", plan::entry(&t, EntryKind::Reply, "on it".into(), None)).unwrap();
    clock.advance(90 * MINUTE);
    let t = s.ticket(a).unwrap();
    s.commit("dana", plan::edit(&t, TicketEdit { status: Some(Status::Resolved), ..Default::default() }, &m)).unwrap();
    // Day 1, 09:00: C (desk); B answered at 10:00 (an hour after it came in a day ago).
    clock.set(day0 + DAY + 9 * HOUR);
    let c = mk(&mut s, "C", "desk");
    clock.set(day0 + DAY + 10 * HOUR);
    let t = s.ticket(b).unwrap();
    s.commit("dana", plan::entry(&t, EntryKind::Reply, "looking".into(), None)).unwrap();
    let t = s.ticket(c).unwrap();
    s.commit("dana", plan::take(&t, dana, &m)).unwrap();
    // Day 3, noon: the report for days 0..2 (day 2 empty).
    clock.set(day0 + 3 * DAY + 12 * HOUR);
    let r = s.report(day0, day0 + 3 * DAY).unwrap();
    assert_eq!(r.open, 2, "B and C");
    let get = |v: &[tix::store::Count], l: &str| v.iter().find(|c| c.label == l).map(|c| c.count);
    assert_eq!(get(&r.by_status, "open"), Some(2), "B opened by its reply, C taken");
    assert_eq!(get(&r.by_group, "network"), Some(1));
    assert_eq!(get(&r.by_group, "desk"), Some(1));
    assert_eq!(get(&r.age, "1-3 days"), Some(1), "C: 2 days 3 hours");
    assert_eq!(get(&r.age, "3-7 days"), Some(1), "B: 3 days 3 hours");
    let per_day: Vec<(u64, u64)> = r.days.iter().map(|d| (d.created, d.resolved)).collect();
    assert_eq!(per_day, vec![(2, 1), (1, 0), (0, 0)]);
    assert_eq!((r.created, r.resolved), (3, 1));
    // First responses: A after 30 min, B after 25 h → the upper median of two is 25 h.
    assert_eq!(r.median_first_response_min, Some(25.0 * 60.0));
    assert_eq!(r.median_resolution_min, Some(120.0), "A: 2 hours");
    assert_eq!(r.sla_compliance, None, "no targets in this history");
    let d = r.agents.iter().find(|x| x.agent == "Dana").unwrap();
    assert_eq!((d.open, d.resolved), (1, 1));
}

/// The SLA cache follows the tickets: computed once, again only for what changed,
/// dropped for tickets that are done, all again when the configuration changes.
#[test]
fn sla_clocks_are_cached_and_refreshed_only_where_tickets_changed() {
    use std::sync::Arc;
    use tix::domain::clock::ManualClock;
    use tix::domain::sla_config::SlaSection;
    use tix::domain::time::{HOUR, MINUTE};
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_790_000_000_000);
    let mut s = Store::open_with_clock(&dir.path().join("s.db"), OpenMode::Create, Arc::new(clock.clone())).unwrap();
    let section: SlaSection = toml::from_str(
        "[[policies]]\nname = \"All\"\nfirst_response = \"1h\"\nresolution = \"8h\"\nwarn_before = \"30m\"\n",
    )
    .unwrap();
    let setup = section.validate(&mut |_: &str| Ok(vec![])).unwrap();
    let a = ticket(&mut s, "A");
    clock.advance(MINUTE);
    let b = ticket(&mut s, "B");
    assert_eq!(s.refresh_sla(&setup, "v1").unwrap(), 2);
    assert_eq!(s.refresh_sla(&setup, "v1").unwrap(), 0, "nothing changed");
    let c = s.sla_counts().unwrap();
    assert_eq!((c.at_risk, c.breached), (0, 0));
    // 40 minutes on: both first responses are at risk; an hour on, breached.
    clock.advance(40 * MINUTE);
    assert_eq!(s.sla_counts().unwrap().at_risk, 2, "classified from the cache, no recompute");
    clock.advance(HOUR);
    assert_eq!(s.sla_counts().unwrap().breached, 2);
    // A reply to A: only A is computed again (its first response is now met, late).
    let t = s.ticket(a).unwrap();
    s.commit("dana", plan::entry(&t, EntryKind::Reply, "here".into(), None)).unwrap();
    assert_eq!(s.refresh_sla(&setup, "v1").unwrap(), 1);
    let sla = s.ticket_sla(&setup, a).unwrap().unwrap();
    assert!(sla.clock.first_response.unwrap().met_at.is_some());
    // B resolved: it leaves the cache.
    let t = s.ticket(b).unwrap();
    s.commit(
        "dana",
        plan::edit(&t, TicketEdit { status: Some(Status::Resolved), ..Default::default() }, &PriorityMatrix::default()),
    )
    .unwrap();
    s.refresh_sla(&setup, "v1").unwrap();
    assert_eq!(s.refresh_sla_full(&setup, "v1").unwrap(), 0, "a full check agrees: all up to date");
    let c = s.sla_counts().unwrap();
    assert_eq!((c.breached, c.at_risk), (0, 0), "A's late first response is met; its 8 h resolution runs; B is done");
    // Another configuration: every open clock again.
    assert_eq!(s.refresh_sla(&setup, "v2").unwrap(), 1);
}

#[test]
fn each_recurring_occurrence_is_made_once() {
    use std::sync::Arc;
    use tix::domain::clock::ManualClock;
    use tix::domain::recurring::RecurringConfig;
    use tix::domain::time::{DAY, HOUR};
    let dir = tempfile::tempdir().unwrap();
    let day = 20_400 * DAY; // midnight UTC
    let clock = ManualClock::new(day + 10 * HOUR);
    let mut s = Store::open_with_clock(&dir.path().join("r.db"), OpenMode::Create, Arc::new(clock.clone())).unwrap();
    let r: RecurringConfig =
        toml::from_str("name = \"Daily check\"\nschedule = \"daily 09:00\"\ntitle = \"Check the backups\"\n").unwrap();
    let templates = vec![r.check().unwrap()];
    let run = |s: &mut Store| s.run_recurring("cron", &templates, &[], &PriorityMatrix::default()).unwrap();
    assert!(run(&mut s)[0].created.is_some(), "today's 09:00 is due at 10:00");
    assert_eq!(run(&mut s)[0].created, None, "a second run makes nothing");
    clock.advance(DAY);
    assert!(run(&mut s)[0].created.is_some(), "tomorrow's occurrence");
    assert_eq!(s.ticket_count().unwrap(), 2);
    // Three days away: only the latest missed occurrence is made, not one per day.
    clock.advance(3 * DAY);
    run(&mut s);
    assert_eq!(s.ticket_count().unwrap(), 3);
}

/// Issue 16: a P3 in office hours raised to a round-the-clock P1 is measured around the
/// clock from the raise, due when a P1 created at that minute would be.
#[test]
fn a_ticket_raised_to_another_calendar_is_due_as_on_that_calendar() {
    use std::sync::Arc;
    use tix::domain::clock::ManualClock;
    use tix::domain::sla_config::SlaSection;
    use tix::domain::ticket::Priority;
    use tix::domain::time::MINUTE;
    let dir = tempfile::tempdir().unwrap();
    // Thu 3 Dec 2026 15:51Z (16:51 in Berlin, 9 office minutes left that day).
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-12-03T15:51:00Z").unwrap().timestamp_millis();
    let clock = ManualClock::new(t0);
    let mut s = Store::open_with_clock(&dir.path().join("s.db"), OpenMode::Create, Arc::new(clock.clone())).unwrap();
    let section: SlaSection = toml::from_str(
        "[[calendars]]\nname = \"office\"\ntz = \"Europe/Berlin\"\nhours = { mon-fri = \"08:00-17:00\" }\n\n\
         [[policies]]\nname = \"Critical\"\npriority = [1]\nfirst_response = \"30m\"\nresolution = \"4h\"\n\n\
         [[policies]]\nname = \"Standard\"\ncalendar = \"office\"\nfirst_response = \"8h\"\nresolution = \"5d\"\n",
    )
    .unwrap();
    let setup = section.validate(&mut |_: &str| Ok(vec![])).unwrap();
    let slow = ticket(&mut s, "Laptop slow");
    let p1 = TicketId::new_random();
    let mut new = NewTicket::titled("Mail down");
    new.priority = Some(Priority::P1);
    s.commit("dana", vec![plan::new_ticket(p1, new, &PriorityMatrix::default())]).unwrap();
    assert_eq!(s.ticket_sla(&setup, slow).unwrap().unwrap().policy, "Standard");
    let t = s.ticket(slow).unwrap();
    let raise = TicketEdit { priority: Some(Some(Priority::P1)), ..Default::default() };
    s.commit("dana", plan::edit(&t, raise, &PriorityMatrix::default())).unwrap();
    clock.advance(MINUTE);
    let raised = s.ticket_sla(&setup, slow).unwrap().unwrap();
    let direct = s.ticket_sla(&setup, p1).unwrap().unwrap();
    assert_eq!(raised.policy, "Critical");
    let due = |x: &tix::store::TicketSla| x.clock.first_response.unwrap().due.unwrap();
    assert_eq!(due(&raised), t0 + 30 * MINUTE, "16:21Z, not Friday morning in office hours");
    assert_eq!(due(&raised), due(&direct));
    assert_eq!(raised.clock.resolution.unwrap().due, direct.clock.resolution.unwrap().due);
}

/// Issue 16: after a sync, "newest" and "oldest" follow when tickets were made, not when
/// they arrived, and an export lists them in the same order on every replica.
#[test]
fn order_after_a_sync_is_by_creation_and_the_same_everywhere() {
    use std::sync::Arc;
    use tix::domain::clock::ManualClock;
    use tix::domain::time::{HOUR, MINUTE};
    let dir = tempfile::tempdir().unwrap();
    let t0 = 1_790_000_000_000;
    let open = |name: &str| {
        let clock = ManualClock::new(t0);
        let s = Store::open_with_clock(&dir.path().join(name), OpenMode::Create, Arc::new(clock.clone())).unwrap();
        (s, clock)
    };
    let (mut a, a_clock) = open("a.db");
    let (mut b, b_clock) = open("b.db");
    let shared = dir.path().join("shared.db");
    tix::sync::init(&mut a, &shared).unwrap();
    tix::sync::join(&mut b, &shared, |_| true).unwrap();
    // b made a ticket in the morning and syncs it in the afternoon, after a made one.
    let old = ticket(&mut b, "Made this morning");
    a_clock.advance(5 * HOUR);
    let new = ticket(&mut a, "Made three minutes ago");
    a_clock.advance(3 * MINUTE);
    b_clock.advance(5 * HOUR + 3 * MINUTE);
    tix::sync::sync_now(&mut b).unwrap();
    tix::sync::sync_now(&mut a).unwrap();
    tix::sync::sync_now(&mut b).unwrap();
    for (name, s) in [("a", &a), ("b", &b)] {
        let ids = |sort| -> Vec<TicketId> {
            let q = TicketQuery { active: Some(true), sort, limit: 10, ..Default::default() };
            s.queue(&q).unwrap().into_iter().map(|r| r.id).collect()
        };
        assert_eq!(ids(Sort::Newest), vec![new, old], "newest on {name}");
        assert_eq!(ids(Sort::Oldest), vec![old, new], "oldest on {name}");
    }
    let exported = |s: &Store| {
        let mut out = Vec::new();
        s.export_tickets(|t| -> Result<(), StoreError> {
            out.push((t.number, t.id));
            Ok(())
        })
        .unwrap();
        out
    };
    let (ea, eb) = (exported(&a), exported(&b));
    assert_eq!(ea, eb, "the same rows in the same order on both replicas");
    assert!(ea.windows(2).all(|w| w[0].0 < w[1].0), "by number: {ea:?}");
}
