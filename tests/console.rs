//! The console without a terminal: key scripts drive the app; screens are snapshots.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tix::domain::clock::ManualClock;
use tix::domain::ids::{PersonId, TicketId};
use tix::domain::op::Change;
use tix::domain::person::{PersonRecord, Role};
use tix::domain::plan::{self, NewTicket};
use tix::domain::ticket::{Level, PriorityMatrix};
use tix::domain::time::{DAY, HOUR};
use tix::store::{OpenMode, Store};
use tix::tui::key::script;
use tix::tui::{App, Options, defaults};

const NOW: i64 = 1_795_000_000_000; // fixed "now": snapshots never depend on the clock

/// The console as Dana, a lead (the harness drives lead-only acts: bulk edits, merges,
/// views for everyone).
fn app(dir: &std::path::Path, tickets: usize, width: u16, height: u16, ascii: bool) -> App {
    app_as(dir, tickets, width, height, ascii, Role::Lead)
}

/// The console as Dana, with `role`.
fn app_as(dir: &std::path::Path, tickets: usize, width: u16, height: u16, ascii: bool, role: Role) -> App {
    let clock = ManualClock::new(NOW - 30 * DAY);
    let mut s = Store::open_with_clock(&dir.join("c.db"), OpenMode::Create, Arc::new(clock.clone())).unwrap();
    let dana = PersonId::from_bytes([1; 16]);
    let jane = PersonId::from_bytes([2; 16]);
    s.commit(
        "admin",
        vec![
            Change::new_person(dana, PersonRecord { role, ..PersonRecord::agent("Dana Whitfield", "dana") }),
            Change::new_person(jane, PersonRecord::requester("Jane Doe", Some("jane@example.com".into()))),
        ],
    )
    .unwrap();
    let titles = [
        "Printer jam on floor 3",
        "VPN drops every 10 minutes",
        "Invoice \u{1b}]0;pwned\u{7}\u{1b}[31mred \u{202e}fdp.exe",
        "新しいノートPCが起動しない",
        "Outlook keeps asking for the password",
    ];
    for i in 0..tickets {
        clock.advance(3 * HOUR);
        let mut t = NewTicket::titled(titles[i % titles.len()]);
        t.requester = Some(jane);
        t.urgency = Level::try_from((i % 3 + 1) as u8).unwrap();
        t.impact = Level::try_from(((i / 3) % 3 + 1) as u8).unwrap();
        if i % 4 == 0 {
            t.assignee = Some(dana);
        }
        s.commit(
            "dana",
            vec![plan::new_ticket(TicketId::from_bytes([i as u8 + 10; 16]), t, &PriorityMatrix::default())],
        )
        .unwrap();
    }
    let o = Options {
        drafts: None,
        agent: "dana".into(),
        me: Some(dana),
        now_ms: NOW,
        width,
        height,
        color: false,
        ascii,
        views: None,
        mouse: false,
        sync_interval: 0,
        rules: std::sync::Arc::new(tix::config::Config {
            checklists: vec![tix::domain::checklist::ChecklistTemplate {
                name: "Leaver".into(),
                items: vec!["!Disable the account".into(), "Collect the laptop".into()],
            }],
            macros: test_macros(),
            canned: vec![tix::domain::macros::Canned {
                name: "Greeting".into(),
                text: "Hello, thank you for contacting the service desk.".into(),
            }],
            ..Default::default()
        }),
    };
    App::new(s, defaults::keymap(), o)
}

fn test_macros() -> Vec<tix::domain::macros::Macro> {
    vec![toml::from_str(
        "name = \"Password reset done\"\nreply = \"Your password was reset.\"\nstatus = \"resolved\"\ncategory = \"access\"\n",
    )
    .unwrap()]
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.model.width, app.model.height)).unwrap();
    t.draw(|f| tix::tui::view::render(&app.model, f)).unwrap();
    t.backend().to_string()
}

fn keys(app: &mut App, s: &str) {
    for k in script(s).unwrap() {
        app.press(k);
    }
}

#[test]
fn queue_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 12, 80, 24, false);
    keys(&mut a, "]"); // Unassigned
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn queue_at_160x48_shows_requesters() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 12, 160, 48, false);
    keys(&mut a, "] ]"); // All open
    insta::assert_snapshot!(screen(&a));
}

#[test]
fn help_is_generated_from_the_keymap_in_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 3, 80, 24, true);
    keys(&mut a, "?");
    let s = screen(&a);
    assert!(s.contains("g g, home") && s.contains("leave the console"), "{s}");
    assert!(!s.contains('┌'), "ASCII borders only:\n{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn hostile_titles_never_reach_the_screen_raw() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    keys(&mut a, "] ]");
    let s = screen(&a);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}') && !s.contains('\u{202e}'), "{s:?}");
    assert!(s.contains("␛]0;pwned"), "shown inert:\n{s}");
}

#[test]
fn keys_move_the_selection_and_switch_views() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 40, 80, 24, false);
    keys(&mut a, "] ]");
    assert_eq!(a.model.queue.views[a.model.queue.view].name, "All open");
    assert_eq!(a.model.queue.total, 40);
    keys(&mut a, "j j j");
    assert_eq!(a.model.queue.selected, 3);
    keys(&mut a, "G");
    assert_eq!(a.model.queue.selected, 39);
    assert!(a.model.queue.top > 0, "scrolled so the selection is visible");
    keys(&mut a, "g g");
    assert_eq!((a.model.queue.selected, a.model.queue.top), (0, 0));
    keys(&mut a, "g j"); // an unfinished sequence does nothing
    assert_eq!(a.model.queue.selected, 0);
    keys(&mut a, "<pgdn>");
    assert_eq!(a.model.queue.selected, 21, "one page is the rows that fit");
    keys(&mut a, "[ [");
    assert_eq!(a.model.queue.views[a.model.queue.view].name, "My open");
    assert_eq!(a.model.queue.total, 10, "every fourth ticket is Dana's");
    keys(&mut a, "q");
    assert!(a.model.quit);
}

#[test]
fn tiny_and_resized_windows_do_not_break() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 30, 80, 24, false);
    for (w, h) in [(10, 3), (20, 5), (1, 1), (200, 60), (80, 24)] {
        a.dispatch(tix::tui::action::Action::Resize { width: w, height: h });
        let s = screen(&a);
        assert!(s.lines().count() == h as usize);
    }
    keys(&mut a, "G");
    assert_eq!(a.model.queue.selected, 7, "the last of Dana's 8 open tickets");
}

fn add_history(dir: &std::path::Path) {
    // A second connection, as another technician's process would have.
    let clock = ManualClock::new(NOW - 2 * DAY);
    let mut s = Store::open_with_clock(&dir.join("c.db"), OpenMode::Existing, Arc::new(clock.clone())).unwrap();
    let t = s.ticket_by_number(tix::domain::TicketNumber(3)).unwrap();
    use tix::domain::op::EntryRecord;
    use tix::domain::ticket::EntryKind;
    s.commit(
        "dana",
        vec![Change::entry(
            t.id,
            EntryRecord {
                kind: EntryKind::Note,
                body: "Checked the mail headers: spoofed sender.\nBlocked the domain.".into(),
                author: None,
                minutes: Some(15),
                origin: None,
            },
        )],
    )
    .unwrap();
    clock.advance(HOUR);
    s.commit(
        "dana",
        vec![Change::entry(
            t.id,
            EntryRecord {
                kind: EntryKind::Reply,
                body: "Thanks for reporting this \u{1b}[2J phishing mail.".into(),
                author: None,
                minutes: None,
                origin: None,
            },
        )],
    )
    .unwrap();
}

#[test]
fn ticket_detail_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    add_history(dir.path());
    keys(&mut a, "] ]"); // All open, newest data
    // Select #3 (the hostile one) and open it.
    let pos = a.model.queue.rows.iter().position(|r| r.number.0 == 3).unwrap();
    for _ in 0..pos {
        keys(&mut a, "j");
    }
    keys(&mut a, "<enter>");
    assert_eq!(a.model.focus, tix::tui::defaults::PaneId::Detail, "status: {:?}", a.model.status);
    let s = screen(&a);
    assert!(s.contains("INTERNAL NOTE") && s.contains("PUBLIC REPLY"), "{s}");
    assert!(!s.contains('\u{1b}'), "{s:?}");
    insta::assert_snapshot!(s);
    // Scrolling stays within the text; esc goes back to the same row.
    keys(&mut a, "j j j j j j j j j j j j j j j j j j j j j j j j j j j j j j");
    let scrolled = a.model.detail.scroll;
    keys(&mut a, "j");
    assert_eq!(a.model.detail.scroll, scrolled, "no scrolling past the end");
    keys(&mut a, "<esc>");
    assert_eq!(a.model.queue.selected_row().unwrap().number.0, 3);
}

#[test]
fn take_writes_through_the_store_and_a_conflict_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    keys(&mut a, "]"); // Unassigned
    let first = a.model.queue.selected_row().unwrap().number;
    keys(&mut a, "t");
    assert_eq!(a.model.status.as_ref().unwrap().0, format!("{first} is yours"));
    assert!(a.model.queue.rows.iter().all(|r| r.number != first), "taken tickets leave Unassigned");

    // Open the next unassigned ticket; meanwhile Lee assigns it in another process.
    keys(&mut a, "<enter>");
    let id = a.model.detail.view.as_ref().unwrap().ticket.id;
    let mut other = Store::open(&dir.path().join("c.db"), OpenMode::Existing).unwrap();
    let lee = PersonId::from_bytes([3; 16]);
    other.commit("lee", vec![Change::new_person(lee, PersonRecord::agent("Lee Park", "lee"))]).unwrap();
    let seen = other.ticket(id).unwrap();
    other.commit("lee", plan::take(&seen, lee, &PriorityMatrix::default())).unwrap();
    keys(&mut a, "t");
    let (msg, error) = a.model.status.clone().unwrap();
    assert!(error && msg.contains("conflict") && msg.contains("lee"), "{msg}");
    let shown = &a.model.detail.view.as_ref().unwrap().ticket;
    assert_eq!(shown.assignee.as_ref().unwrap().name, "Lee Park", "the ticket reloaded");
}

#[test]
fn the_worker_answers_effects_in_order_while_keys_stay_responsive() {
    let dir = tempfile::tempdir().unwrap();
    let inline = app(dir.path(), 30, 80, 24, false);
    let store = Store::open(&dir.path().join("c.db"), OpenMode::Existing).unwrap();
    let o = Options {
        drafts: None,
        agent: "dana".into(),
        me: inline.model.queue.rows.first().map(|_| PersonId::from_bytes([1; 16])),
        now_ms: NOW,
        width: 80,
        height: 24,
        color: false,
        ascii: false,
        views: None,
        mouse: false,
        sync_interval: 0,
        rules: std::sync::Arc::new(tix::config::Config {
            checklists: vec![tix::domain::checklist::ChecklistTemplate {
                name: "Leaver".into(),
                items: vec!["!Disable the account".into(), "Collect the laptop".into()],
            }],
            ..Default::default()
        }),
    };
    let (mut a, results) = App::with_worker(store, defaults::keymap(), o);
    assert_eq!(a.pending(), 1, "the first page is being loaded");
    // Keys are handled at once, whatever the worker is doing.
    keys(&mut a, "] ]");
    assert_eq!(a.model.queue.views[a.model.queue.view].name, "All open");
    while a.pending() > 0 {
        let r = results.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        a.receive(r);
    }
    // Answers for the views left behind were ignored; the current one is shown.
    assert_eq!(a.model.queue.total, 30);
    assert!(!a.model.queue.loading);
}

#[test]
fn the_quick_filter_narrows_as_you_type_and_errors_point_at_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 20, 80, 24, false);
    keys(&mut a, "] ]"); // All open: 20
    assert_eq!(a.model.queue.total, 20);
    keys(&mut a, "/ x");
    // One letter is too short to search the store with: the loaded rows narrow in memory
    // (fuzzy over number, title, requester, assignee: only the "…fdp.exe" titles hold
    // an x), and the title says so.
    assert_eq!(a.model.queue.total, 4);
    assert!(a.model.queue.rows.iter().all(|r| r.title.contains(".exe")));
    assert!(screen(&a).contains("4 shown · 2+ letters search all"), "{}", screen(&a));
    keys(&mut a, "<backspace> prin");
    assert_eq!(a.model.queue.total, 4, "prefix while typing: 'prin' finds the printer tickets");
    assert!(a.model.queue.exact);
    assert!(!a.model.queue.marks[0].is_empty(), "the match is marked in the title");
    keys(&mut a, "ter <enter>");
    assert!(a.model.input.is_none());
    assert_eq!(a.model.queue.filter, "printer");
    assert!(a.model.queue.rows.iter().all(|r| r.title.contains("Printer")));
    // The spec's own script: filter, move, open.
    keys(&mut a, "j <enter>");
    assert!(a.model.detail.view.as_ref().unwrap().ticket.title.contains("Printer"));
    keys(&mut a, "<esc>");
    // field:value tokens become indexed filters.
    keys(&mut a, "/");
    for _ in 0.."printer".len() {
        keys(&mut a, "<backspace>");
    }
    keys(&mut a, "prio:1 <space> assignee:me <enter>");
    assert!(a.model.queue.total > 0);
    let got: Vec<_> = a.model.queue.rows.iter().map(|r| (r.priority.label(), r.assignee.clone())).collect();
    assert!(
        a.model
            .queue
            .rows
            .iter()
            .all(|r| r.priority.label() == "P1" && r.assignee.as_deref() == Some("Dana Whitfield")),
        "{:?} {:?} {got:?}",
        a.model.queue.filter,
        a.model.queue.spec
    );
    // A bad token: the error names it, the last good results stay.
    keys(&mut a, "/ <space> status:s");
    let before = (a.model.queue.total, a.model.queue.generation);
    keys(&mut a, "olved");
    let (msg, err) = a.model.status.clone().unwrap();
    assert!(err && msg.contains("status:solved"), "{msg}");
    assert_eq!((a.model.queue.total, a.model.queue.generation), before, "no query while the token is wrong");
    let s = screen(&a);
    assert!(s.contains("/prio:1 assignee:me status:solved"), "the prompt shows what was typed:\n{s}");
    // Esc leaves the prompt and clears the filter.
    keys(&mut a, "<esc>");
    assert_eq!((a.model.queue.filter.as_str(), a.model.queue.total), ("", 20));
    // q typed in a prompt is text, not quit.
    keys(&mut a, "/ q");
    assert!(!a.model.quit);
    keys(&mut a, "<esc>");
}

#[test]
fn the_command_line_opens_numbers_and_views() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 10, 80, 24, false);
    keys(&mut a, ": 7 <enter>");
    assert_eq!(a.model.detail.view.as_ref().unwrap().ticket.number.0, 7);
    keys(&mut a, ": view <space> unass <enter>");
    assert_eq!(a.model.queue.views[a.model.queue.view].name, "Unassigned");
    keys(&mut a, ": 999 <enter>");
    assert!(a.model.status.as_ref().unwrap().0.contains("#999 not found"));
    keys(&mut a, ": frob <enter>");
    assert!(a.model.status.as_ref().unwrap().0.contains("unknown command"));
    keys(&mut a, ": q <enter>");
    assert!(a.model.quit);
}

fn open_ticket(a: &mut App, n: u64) {
    keys(a, &format!(": {n} <enter>"));
    assert_eq!(a.model.detail.view.as_ref().unwrap().ticket.number.0, n);
}

#[test]
fn notes_are_written_in_the_pane_and_saved_through_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    keys(&mut a, "n Called <space> the <space> user. <enter> Reboot <space> fixed <space> it.");
    assert_eq!(a.model.editor.as_ref().unwrap().text, "Called the user.\nReboot fixed it.");
    keys(&mut a, "<backspace> !");
    keys(&mut a, "<ctrl-s>");
    assert!(a.model.editor.is_none());
    assert_eq!(a.model.status.as_ref().unwrap().0, "internal note added to #2");
    let v = a.model.detail.view.as_ref().unwrap();
    assert_eq!(v.ticket.entry_count, 1, "the ticket reloaded with the note");
    let s = screen(&a);
    assert!(s.contains("INTERNAL NOTE") && s.contains("Reboot fixed it!"), "{s}");
}

#[test]
fn a_public_reply_is_reviewed_before_it_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    assert_eq!(a.model.detail.view.as_ref().unwrap().ticket.status.as_str(), "new");
    keys(&mut a, "r Hello <space> Jane");
    keys(&mut a, "<ctrl-s>");
    let e = a.model.editor.as_ref().unwrap();
    assert!(e.review, "ctrl-s on a reply opens the review");
    insta::assert_snapshot!(screen(&a));
    keys(&mut a, "e , <space> on <space> my <space> way");
    keys(&mut a, "<ctrl-s> s");
    assert!(a.model.editor.is_none());
    assert_eq!(a.model.status.as_ref().unwrap().0, "public reply sent on #2");
    let t = &a.model.detail.view.as_ref().unwrap().ticket;
    assert_eq!(t.status.as_str(), "open", "a public reply opens a new ticket");
    assert!(t.first_response_at.is_some());
}

#[test]
fn discarding_a_draft_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 1);
    keys(&mut a, "n important <space> findings <esc>");
    assert!(a.model.editor.as_ref().unwrap().confirm_discard, "first esc only warns");
    assert!(screen(&a).contains("Esc again discards"));
    keys(&mut a, "s");
    assert!(!a.model.editor.as_ref().unwrap().confirm_discard, "typing on keeps the draft");
    keys(&mut a, "<esc> <esc>");
    assert!(a.model.editor.is_none());
    assert_eq!(a.model.detail.view.as_ref().unwrap().ticket.entry_count, 0, "nothing was written");
    // q inside the editor is text.
    keys(&mut a, "n q");
    assert!(!a.model.quit);
    assert_eq!(a.model.editor.as_ref().unwrap().text, "q");
}

/// A few KB articles and assets, written by another connection.
fn add_kb_and_assets(dir: &std::path::Path) {
    use tix::domain::asset::AssetRecord;
    use tix::domain::ids::{ArticleId, AssetId};
    use tix::domain::kb::ArticleRecord;
    let clock = ManualClock::new(NOW - DAY);
    let mut s = Store::open_with_clock(&dir.join("c.db"), OpenMode::Existing, Arc::new(clock)).unwrap();
    let article = |n: u8, title: &str, body: &str| {
        Change::new_article(
            ArticleId::from_bytes([n; 16]),
            ArticleRecord {
                title: title.into(),
                body: format!("# {title}\n\n{body}"),
                tags: vec![],
                category: None,
                internal: false,
                source: None,
            },
        )
    };
    let asset = |n: u8, tag: &str, host: &str, model: &str| {
        let mut r = AssetRecord::new(tag);
        r.hostname = Some(host.into());
        r.model = Some(model.into());
        r.serial = Some(format!("SN{n:04}"));
        r.holder = Some(PersonId::from_bytes([2; 16]));
        r.warranty_end = Some("2030-01-01".into());
        Change::new_asset(AssetId::from_bytes([n; 16]), r)
    };
    s.commit(
        "admin",
        vec![
            article(
                101,
                "Clear a printer jam",
                "Open tray 2, remove the sheet, close the tray.\n\nThen print a test page.",
            ),
            article(
                102,
                "Reset the VPN client",
                "Quit the VPN client and start it again. If the VPN drops again, renew the certificate.",
            ),
            article(103, "Outlook password prompts", "Remove the stored credentials \u{1b}[31m from the vault."),
            asset(201, "LT-0042", "lt-dana", "ThinkPad T14"),
            asset(202, "LT-0043", "lt-jane", "Latitude 7440"),
            asset(203, "PR-0007", "pr-floor3", "LaserJet M507"),
        ],
    )
    .unwrap();
}

fn ticket_in_store(dir: &std::path::Path, n: u64) -> (Store, tix::domain::ticket::Ticket) {
    let s = Store::open(&dir.join("c.db"), OpenMode::Existing).unwrap();
    let t = s.ticket_by_number(tix::domain::TicketNumber(n)).unwrap();
    (s, t)
}

#[test]
fn tab_and_digits_switch_panes_and_kb_search_runs_as_you_type() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    add_kb_and_assets(dir.path());
    keys(&mut a, "<tab>");
    assert_eq!(a.model.focus, defaults::PaneId::Detail);
    assert!(a.model.status.as_ref().unwrap().0.contains("no ticket open"));
    keys(&mut a, "3");
    assert_eq!(a.model.focus, defaults::PaneId::Kb);
    assert!(a.model.input.is_none(), "pane keys stay pane keys: the search box opens with /");
    // Digits and Tab switch panes; they are not typed into a search.
    keys(&mut a, "4");
    assert_eq!(a.model.focus, defaults::PaneId::Assets);
    assert!(a.model.input.is_none() && a.model.assets.query.is_empty());
    keys(&mut a, "3 / v p");
    assert!(a.model.input.is_some());
    assert!(a.model.kb.hits.is_empty(), "no whole-word match yet");
    keys(&mut a, "n");
    assert_eq!(a.model.kb.hits.len(), 1, "{:?}", a.model.kb.hits);
    assert_eq!(a.model.kb.hits[0].title, "Reset the VPN client");
    keys(&mut a, "<enter>");
    assert!(a.model.input.is_none());
    assert_eq!(a.model.kb.current().unwrap().record.title, "Reset the VPN client", "the preview loaded");
    insta::assert_snapshot!("kb_80x24", screen(&a));
    // Linking needs an open ticket.
    keys(&mut a, "l");
    assert!(a.model.status.as_ref().unwrap().1, "an error without an open ticket");
    keys(&mut a, "1");
    open_ticket(&mut a, 2);
    keys(&mut a, "3 l");
    assert_eq!(a.model.status.as_ref().unwrap().0, "linked KB \"Reset the VPN client\" to #2");
    let (s, t) = ticket_in_store(dir.path(), 2);
    assert_eq!(s.ticket_articles(t.id).unwrap().len(), 1);
    // The excerpt starts a reply, which still goes through the review.
    keys(&mut a, "i");
    let e = a.model.editor.as_ref().unwrap();
    assert!(e.text.starts_with("Quit the VPN client") && e.text.contains("(From the knowledge base"), "{}", e.text);
    keys(&mut a, "<ctrl-s>");
    assert!(a.model.editor.as_ref().unwrap().review);
}

#[test]
fn kb_pane_at_160x48_shows_results_and_preview_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 160, 48, false);
    add_kb_and_assets(dir.path());
    keys(&mut a, "3 / p r i n t e r <enter>");
    let s = screen(&a);
    assert!(s.contains("Clear a printer jam") && s.contains("Open tray 2"), "{s}");
    insta::assert_snapshot!("kb_160x48", s);
}

#[test]
fn assets_are_found_fuzzily_and_linked_to_the_open_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    add_kb_and_assets(dir.path());
    open_ticket(&mut a, 1);
    keys(&mut a, "4 / l t 4 3 <enter>");
    // "lt43" is no substring of anything: found by fuzzy matching (LT-0043).
    assert_eq!(a.model.assets.hits[0].asset.record.tag, "LT-0043", "{:?}", a.model.assets.hits);
    assert!(!a.model.assets.hits[0].marks.is_empty());
    let s = screen(&a);
    assert!(s.contains("Latitude 7440") && s.contains("in warranty"), "{s}");
    insta::assert_snapshot!("assets_80x24", s);
    keys(&mut a, "l");
    assert_eq!(a.model.status.as_ref().unwrap().0, "linked asset LT-0043 to #1");
    let (s, t) = ticket_in_store(dir.path(), 1);
    assert_eq!(s.ticket_assets(t.id).unwrap()[0].record.tag, "LT-0043");
    // The asset's ticket history shows the ticket now.
    let (id, rows) = a.model.assets.detail.as_ref().unwrap();
    assert_eq!(*id, a.model.assets.hits[0].asset.id);
    assert_eq!(rows[0].number.0, 1);
}

#[test]
fn assets_pane_at_160x48() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 160, 48, false);
    add_kb_and_assets(dir.path());
    keys(&mut a, "4 / j a n e <enter>");
    let s = screen(&a);
    assert!(s.contains("LT-0042") && s.contains("Jane Doe"), "holders match too:\n{s}");
    insta::assert_snapshot!("assets_160x48", s);
}

#[test]
fn pick_lists_change_fields_through_the_store_and_closing_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    keys(&mut a, "s");
    insta::assert_snapshot!("picker_status_80x24", screen(&a));
    keys(&mut a, "r e s <enter>");
    assert_eq!(a.model.status.as_ref().unwrap().0, "#2: status → resolved");
    assert_eq!(ticket_in_store(dir.path(), 2).1.status.as_str(), "resolved");
    keys(&mut a, "s c l o <enter>");
    assert!(a.model.confirm.is_some(), "closing asks first");
    keys(&mut a, "n");
    assert_eq!(ticket_in_store(dir.path(), 2).1.status.as_str(), "resolved", "n keeps it resolved");
    keys(&mut a, "s c l o <enter> y");
    assert_eq!(ticket_in_store(dir.path(), 2).1.status.as_str(), "closed");
    // Priority by hand, then assignee and group from lists loaded from the store.
    open_ticket(&mut a, 3);
    keys(&mut a, "p P 1 <enter>");
    let t = ticket_in_store(dir.path(), 3).1;
    assert_eq!((t.priority.get(), t.priority_override), (1, true));
    keys(&mut a, "a d a n a <enter>");
    assert_eq!(ticket_in_store(dir.path(), 3).1.assignee.unwrap().name, "Dana Whitfield");
    keys(&mut a, "o n e t w o r k <enter>");
    assert_eq!(ticket_in_store(dir.path(), 3).1.group.as_deref(), Some("network"), "free text for groups");
    keys(&mut a, "C h a r d w a r e <enter>");
    assert_eq!(ticket_in_store(dir.path(), 3).1.category.as_deref(), Some("hardware"));
    keys(&mut a, "C <esc>");
    assert!(a.model.picker.is_none());
}

#[test]
fn a_conflicting_pick_is_refused_and_the_ticket_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    // Another technician resolves it meanwhile.
    let (mut s, t) = ticket_in_store(dir.path(), 2);
    s.commit(
        "sam",
        plan::edit(
            &t,
            plan::TicketEdit { status: Some(tix::domain::ticket::Status::Pending), ..Default::default() },
            &PriorityMatrix::default(),
        ),
    )
    .unwrap();
    keys(&mut a, "s o n - h <enter>");
    let (msg, err) = a.model.status.clone().unwrap();
    assert!(err && msg.contains("sam"), "{msg}");
    assert_eq!(a.model.detail.view.as_ref().unwrap().ticket.status.as_str(), "pending", "reloaded");
    assert_eq!(ticket_in_store(dir.path(), 2).1.status.as_str(), "pending");
}

#[test]
fn the_new_ticket_form_picks_a_requester_and_shows_the_priority() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 3, 80, 24, false);
    keys(&mut a, "c");
    assert!(a.model.form.is_some());
    keys(&mut a, "<ctrl-s>");
    assert_eq!(a.model.form.as_ref().unwrap().error.as_deref(), Some("a title is required"));
    keys(&mut a, "D o c k <space> d e a d <tab> j d o e");
    let f = a.model.form.as_ref().unwrap();
    assert_eq!(f.candidates[0].label, "Jane Doe <jane@example.com>", "fuzzy: 'jdoe'");
    keys(&mut a, "<enter> <right> <tab> 1 <tab> 1");
    let s = screen(&a);
    assert!(s.contains("P1 = urgency 1 × impact 1"), "{s}");
    insta::assert_snapshot!("form_80x24", s);
    keys(&mut a, "<tab> U S B - C <space> dock <ctrl-s>");
    assert!(a.model.form.is_none());
    assert_eq!(a.model.status.as_ref().unwrap().0, "#4 created");
    let t = &a.model.detail.view.as_ref().unwrap().ticket;
    assert_eq!(t.title, "Dock dead");
    assert_eq!(t.requester.as_ref().unwrap().name, "Jane Doe");
    assert_eq!(t.channel.as_str(), "email");
    assert_eq!(t.priority.get(), 1);
    assert_eq!(t.description, "USB-C dock");
}

#[test]
fn copy_sort_and_link_ticket_from_the_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    keys(&mut a, "] ] y");
    let first = a.model.queue.rows[0].number;
    assert_eq!(a.terminal, vec![tix::tui::effect::Effect::Copy(first.to_string())], "OSC 52 is the driver's job");
    keys(&mut a, "S");
    assert!(screen(&a).contains("by due"), "time to breach comes first after priority");
    keys(&mut a, "S");
    assert!(screen(&a).contains("by updated"));
    keys(&mut a, "S S");
    assert_eq!(a.model.queue.sort_name(), "oldest");
    assert_eq!(a.model.queue.rows[0].number.0, 1, "oldest first");
    open_ticket(&mut a, 1);
    keys(&mut a, "L <enter> 4 <enter>"); // the first relation: related
    assert_eq!(a.model.status.as_ref().unwrap().0, "linked #4 to #1 as related");
    assert!(screen(&a).contains("Related"));
    keys(&mut a, "L <enter> x <enter>");
    assert!(a.model.status.as_ref().unwrap().1);
    // e hands a note to $EDITOR: a terminal effect with the ticket.
    a.terminal.clear();
    keys(&mut a, "e");
    assert!(matches!(a.terminal.as_slice(), [tix::tui::effect::Effect::ExternalEditor { .. }]));
    // What the editor returns lands in the pane's editor for review / saving.
    let ticket = Box::new(a.model.detail.view.as_ref().unwrap().ticket.clone());
    a.dispatch(tix::tui::action::Action::EditorReturned {
        kind: tix::domain::ticket::EntryKind::Note,
        ticket,
        text: Ok("from vim\n".into()),
    });
    assert_eq!(a.model.editor.as_ref().unwrap().text, "from vim\n");
}

#[test]
fn queue_and_ticket_side_by_side_at_160x48() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 12, 160, 48, false);
    add_history(dir.path());
    keys(&mut a, "] ]");
    open_ticket(&mut a, 3);
    assert!(a.model.split());
    keys(&mut a, "<esc> j");
    let s = screen(&a);
    assert!(s.contains("NUMBER") && s.contains("INTERNAL NOTE"), "{s}");
    insta::assert_snapshot!("split_160x48", s);
}

#[test]
fn views_come_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let a = app(dir.path(), 1, 80, 24, false);
    drop(a);
    let s = Store::open(&dir.path().join("c.db"), OpenMode::Existing).unwrap();
    let views = vec![
        tix::tui::queue::View::from_filter("P1 only", "prio:1", None).unwrap(),
        tix::tui::queue::View::from_filter("Newest", "", tix::tui::queue::sort_by_name("newest")).unwrap(),
    ];
    let o = Options {
        drafts: None,
        agent: "dana".into(),
        me: None,
        now_ms: NOW,
        width: 80,
        height: 24,
        color: false,
        ascii: false,
        views: Some(views),
        mouse: false,
        sync_interval: 0,
        rules: std::sync::Arc::new(tix::config::Config {
            checklists: vec![tix::domain::checklist::ChecklistTemplate {
                name: "Leaver".into(),
                items: vec!["!Disable the account".into(), "Collect the laptop".into()],
            }],
            ..Default::default()
        }),
    };
    let mut a = App::new(s, defaults::keymap(), o);
    assert_eq!(a.model.queue.views[0].name, "P1 only");
    // Headless (`tix view run`) and console give the same rows, in the same order.
    let store = Store::open(&dir.path().join("c.db"), OpenMode::Existing).unwrap();
    keys(&mut a, "]");
    let view = &a.model.queue.views[1];
    let (mut q, _) = view.query(None);
    q.limit = 50;
    let headless: Vec<_> = store.queue(&q).unwrap().into_iter().map(|r| r.number).collect();
    let console: Vec<_> = a.model.queue.rows.iter().map(|r| r.number).collect();
    assert_eq!(headless, console);
    assert!(!console.is_empty());
    keys(&mut a, "[");
    assert!(screen(&a).contains("P1 only · 1 of 1"), "{}", screen(&a));
    assert!(tix::tui::queue::View::from_filter("bad", "prio:9", None).unwrap_err().contains("bad"));
}

#[test]
fn every_pane_and_overlay_survives_any_window_size() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 8, 80, 24, false);
    add_kb_and_assets(dir.path());
    add_history(dir.path());
    let sizes = [(1, 1), (19, 4), (20, 5), (21, 6), (33, 7), (60, 10), (99, 30), (100, 30), (250, 70), (80, 24)];
    let check = |a: &mut App, what: &str| {
        for (w, h) in sizes {
            a.dispatch(tix::tui::action::Action::Resize { width: w, height: h });
            let s = screen(a);
            assert_eq!(s.lines().count(), h as usize, "{what} at {w}x{h}");
        }
    };
    check(&mut a, "queue");
    open_ticket(&mut a, 3);
    check(&mut a, "ticket");
    keys(&mut a, "s");
    check(&mut a, "picker");
    keys(&mut a, "<esc> n some <space> text");
    check(&mut a, "editor");
    keys(&mut a, "<esc> <esc> 3 vpn <enter>");
    check(&mut a, "kb");
    keys(&mut a, "4 lt <enter>");
    check(&mut a, "assets");
    keys(&mut a, "?");
    check(&mut a, "help");
    keys(&mut a, "? c T");
    check(&mut a, "form");
    keys(&mut a, "<esc> <esc> 2 s c l o <enter>");
    check(&mut a, "confirm");
}

#[test]
fn a_click_selects_the_queue_row_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 12, 80, 24, false);
    keys(&mut a, "] ]");
    a.dispatch(tix::tui::action::Action::Click { x: 10, y: 5 });
    assert_eq!(a.model.queue.selected, 3, "row 3 under the header");
    a.dispatch(tix::tui::action::Action::Click { x: 10, y: 22 });
    assert_eq!(a.model.queue.selected, 3, "below the last ticket: nothing");
    a.dispatch(tix::tui::action::Action::Click { x: 10, y: 0 });
    assert_eq!(a.model.queue.selected, 3, "the title line is no row");
}

#[test]
fn the_console_syncs_on_a_key_shows_the_state_and_reports_a_lost_edit() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 3, 80, 24, false);
    assert_eq!(a.model.sync, None, "a store that does not sync shows no sync state");
    keys(&mut a, "<ctrl-y>");
    assert!(a.model.status.as_ref().unwrap().0.contains("does not sync"));
    drop(a);
    // The desk's shared store, made from this store; a colleague joins it.
    let shared = dir.path().join("shared.db");
    let mut mine = Store::open(&dir.path().join("c.db"), OpenMode::Existing).unwrap();
    tix::sync::init(&mut mine, &shared).unwrap();
    drop(mine);
    // Sam's clock runs a few minutes ahead of this machine's (the console writes with the
    // real clock), so Sam's later change is the later one.
    let sam_clock = ManualClock::new(chrono::Utc::now().timestamp_millis() + 5 * 60_000);
    let mut sam =
        Store::open_with_clock(&dir.path().join("sam.db"), OpenMode::Create, Arc::new(sam_clock.clone())).unwrap();
    tix::sync::join(&mut sam, &shared, |_| true).unwrap();
    let o = Options {
        drafts: None,
        agent: "dana".into(),
        me: Some(PersonId::from_bytes([1; 16])),
        now_ms: NOW,
        width: 80,
        height: 24,
        color: false,
        ascii: false,
        views: None,
        mouse: false,
        sync_interval: 0,
        rules: std::sync::Arc::new(tix::config::Config {
            checklists: vec![tix::domain::checklist::ChecklistTemplate {
                name: "Leaver".into(),
                items: vec!["!Disable the account".into(), "Collect the laptop".into()],
            }],
            ..Default::default()
        }),
    };
    let mut a = App::new(Store::open(&dir.path().join("c.db"), OpenMode::Existing).unwrap(), defaults::keymap(), o);
    assert!(a.model.sync.as_deref().unwrap().starts_with("synced "), "{:?}", a.model.sync);
    assert!(screen(&a).contains("synced "), "the status line shows it:\n{}", screen(&a));
    keys(&mut a, "] ]");
    assert_eq!(a.model.queue.total, 3);
    // Sam opens a ticket and sets a field of #2 while Dana changes the same field.
    let t2 = sam.ticket_by_number(tix::domain::TicketNumber(2)).unwrap();
    sam_clock.advance(60_000);
    sam.commit(
        "sam",
        vec![plan::new_ticket(TicketId::new_random(), NewTicket::titled("Sam's ticket"), &PriorityMatrix::default())],
    )
    .unwrap();
    open_ticket(&mut a, 2);
    keys(&mut a, "o d a n a s - g r o u p <enter>");
    sam_clock.advance(120_000);
    sam.commit(
        "sam",
        vec![Change::set_ticket(t2.id, tix::domain::ticket::TicketField::Group, Some("sams-group".into()))],
    )
    .unwrap();
    tix::sync::sync_now(&mut sam).unwrap();
    keys(&mut a, "<ctrl-y>");
    assert_eq!(a.model.queue.total, 4, "Sam's ticket came in and the queue reloaded");
    assert_eq!(
        a.model.detail.view.as_ref().unwrap().ticket.group.as_deref(),
        Some("sams-group"),
        "the open ticket reloaded"
    );
    let (msg, _) = a.model.status.clone().unwrap();
    assert!(msg.contains("your change to group on #2 was superseded by sam"), "{msg}");
    assert!(
        tix::sync::notices(&Store::open(&dir.path().join("c.db"), OpenMode::Existing).unwrap()).unwrap().is_empty(),
        "shown = acknowledged"
    );
    // The share goes away: offline, and work goes on.
    std::fs::rename(&shared, dir.path().join("moved.db")).unwrap();
    keys(&mut a, ": sync <enter>");
    assert!(a.model.sync.as_deref().unwrap().starts_with("offline"), "{:?}", a.model.sync);
    keys(&mut a, "n still <space> working <ctrl-s>");
    assert_eq!(a.model.status.as_ref().unwrap().0, "internal note added to #2");
    assert!(a.model.sync.as_deref().unwrap().starts_with("offline"));
}

#[test]
fn marked_tickets_take_a_bulk_edit_after_a_confirmation_that_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 8, 80, 24, false);
    keys(&mut a, "] ]"); // All open
    keys(&mut a, "v v");
    assert!(a.model.queue.marked.is_empty(), "v marks and v again unmarks: marking does not move");
    keys(&mut a, "v j v");
    assert_eq!(a.model.queue.marked.len(), 2, "v j v marks two neighbouring rows");
    let s = screen(&a);
    assert!(s.contains("2 marked") && s.matches('*').count() >= 2, "{s}");
    keys(&mut a, "j j V");
    assert_eq!(a.model.queue.marked.len(), 4, "V marks from the last mark to here");
    keys(&mut a, "s p e n d <enter>");
    let q = a.model.confirm.as_ref().unwrap().question.clone();
    assert!(q.contains("status → pending on 4 marked tickets"), "{q}");
    let marked: Vec<u64> = a.model.queue.marked.iter().map(|m| m.1.0).collect();
    keys(&mut a, "y");
    assert_eq!(a.model.status.as_ref().unwrap().0, "4 of 4 changed");
    assert!(a.model.queue.marked.is_empty(), "marks clear after the action");
    for n in &marked {
        assert_eq!(ticket_in_store(dir.path(), *n).1.status.as_str(), "pending", "#{n}");
    }
    // A move some tickets do not allow: those are refused and named, the rest done.
    keys(&mut a, "g g v j v s c l o <enter> y");
    let (msg, err) = a.model.status.clone().unwrap();
    assert!(
        err && msg.starts_with("0 of 2 changed; refused #") && msg.contains("resolved before it is closed"),
        "{msg}"
    );
    // Esc clears marks first.
    keys(&mut a, "v <esc>");
    assert!(a.model.queue.marked.is_empty());
}

#[test]
fn a_macro_applies_several_fields_and_a_reply_after_saying_what_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    keys(&mut a, "m");
    insta::assert_snapshot!("macro_picker_80x24", screen(&a));
    keys(&mut a, "<enter>");
    let q = a.model.confirm.as_ref().unwrap().question.clone();
    assert_eq!(
        q,
        "apply \"Password reset done\" to #2: public reply (24 chars), status → resolved, category → access? y/n"
    );
    keys(&mut a, "y");
    let (s, t) = ticket_in_store(dir.path(), 2);
    assert_eq!((t.status.as_str(), t.category.as_deref()), ("resolved", Some("access")));
    let tl = s.timeline(t.id).unwrap();
    assert!(tl.iter().any(
        |i| matches!(&i.event, tix::store::TimelineEvent::Entry { body, .. } if body == "Your password was reset.")
    ));
    // The same macro on marked queue rows.
    keys(&mut a, "<esc> ] ] v j v m <enter> y");
    assert_eq!(a.model.status.as_ref().unwrap().0, "2 of 2 changed");
}

#[test]
fn canned_texts_and_kb_excerpts_go_into_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 3, 80, 24, false);
    add_kb_and_assets(dir.path());
    open_ticket(&mut a, 1);
    keys(&mut a, "r H i <space> : :");
    assert!(a.model.picker.is_some(), ":: offers the canned texts");
    assert_eq!(a.model.editor.as_ref().unwrap().text, "Hi ");
    keys(&mut a, "<enter>");
    assert_eq!(a.model.editor.as_ref().unwrap().text, "Hi Hello, thank you for contacting the service desk.");
    keys(&mut a, "<enter> ? ?");
    assert!(a.model.editor.is_none() && a.model.parked.is_some(), "the draft waits");
    assert_eq!(a.model.focus, defaults::PaneId::Kb);
    keys(&mut a, "v p n <enter> i");
    let e = a.model.editor.as_ref().unwrap();
    assert_eq!(e.kind, tix::domain::ticket::EntryKind::Reply, "the same draft came back");
    assert!(e.text.starts_with("Hi Hello") && e.text.contains("Quit the VPN client"), "{}", e.text);
    // ?? then esc returns to the draft unchanged.
    keys(&mut a, "? ? <esc> <esc>");
    assert!(a.model.editor.is_some() && a.model.parked.is_none());
}

#[test]
fn the_dashboard_counts_the_desk_at_80x24_and_160x48() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 12, 80, 24, false);
    keys(&mut a, "5");
    let r = a.model.dashboard.report.as_ref().expect("counted on the worker (inline here)");
    assert_eq!(r.open, 12);
    // The period is the 30 days ending today (NOW is 11:06 UTC): it starts 29 days 11 h
    // ago, and the first four tickets (30 days ago + 3, 6, 9, 12 h) came in before it.
    assert_eq!(r.created, 8);
    let s = screen(&a);
    assert!(s.contains("backlog: 12 open") && s.contains("P1") && s.contains("(j/k scroll)"), "{s}");
    insta::assert_snapshot!("dashboard_80x24", s);
    // At 80×24 one column scrolls: age, groups, the period and every agent are reached.
    keys(&mut a, "G");
    let s = screen(&a);
    assert!(s.contains("Dana Whitfield") && s.contains("agents (open now / resolved)"), "{s}");
    insta::assert_snapshot!("dashboard_80x24_end", s);
    keys(&mut a, "g g");
    assert_eq!(a.model.dashboard.scroll, 0);
    keys(&mut a, "j j");
    assert_eq!(a.model.dashboard.scroll, 2);
    a.dispatch(tix::tui::action::Action::Resize { width: 160, height: 48 });
    insta::assert_snapshot!("dashboard_160x48", screen(&a));
}

#[test]
fn sla_clocks_show_in_the_queue_the_ticket_and_the_status_line() {
    let dir = tempfile::tempdir().unwrap();
    let a = app(dir.path(), 4, 80, 24, false);
    drop(a);
    // A 24/7 policy for everything: first response in 30 days, warned 30 days ahead
    // (so at risk at once), resolution in 60 days.
    let section: tix::domain::sla_config::SlaSection = toml::from_str(
        "[[policies]]\nname = \"Standard\"\nfirst_response = \"30d\"\nresolution = \"60d\"\nwarn_before = \"30d\"\n",
    )
    .unwrap();
    let setup = section.validate(&mut |_: &str| Ok(vec![])).unwrap();
    let o = Options {
        drafts: None,
        agent: "dana".into(),
        me: Some(PersonId::from_bytes([1; 16])),
        now_ms: NOW,
        width: 80,
        height: 24,
        color: false,
        ascii: false,
        views: None,
        mouse: false,
        sync_interval: 0,
        rules: std::sync::Arc::new(tix::config::Config {
            sla: std::sync::Arc::new(setup),
            sla_fingerprint: "test".into(),
            checklists: vec![tix::domain::checklist::ChecklistTemplate {
                name: "Leaver".into(),
                items: vec!["!Disable the account".into(), "Collect the laptop".into()],
            }],
            ..Default::default()
        }),
    };
    // The store's clock and the console's "now" agree, as they do outside tests.
    let clock = ManualClock::new(NOW);
    let s = Store::open_with_clock(&dir.path().join("c.db"), OpenMode::Existing, Arc::new(clock)).unwrap();
    let mut a = App::new(s, defaults::keymap(), o);
    let c = a.model.sla_counts.expect("clocks computed at start");
    assert_eq!(c.breached, 0, "{c:?}");
    assert_eq!(c.at_risk + c.breached, 4, "{c:?}");
    keys(&mut a, "] ]");
    let shown = screen(&a);
    assert!(shown.contains("SLA ") && shown.contains("at risk"), "status line:\n{shown}");
    assert!(a.model.queue.rows.iter().all(|r| r.resolution_due.is_some()), "every row has a due time");
    open_ticket(&mut a, 2);
    let v = a.model.detail.view.as_ref().unwrap();
    let (policy, summary, _) = v.sla.as_ref().unwrap();
    assert_eq!(policy, "Standard");
    assert!(summary.starts_with("first response"), "{summary}");
    assert!(screen(&a).contains("(Standard)"), "{}", screen(&a));
    // A reply meets the first response; the clock and the queue follow.
    keys(&mut a, "r o k <ctrl-s> s");
    let (_, summary, _) = a.model.detail.view.as_ref().unwrap().sla.clone().unwrap();
    assert!(summary.starts_with("first response met"), "{summary}");
}

#[test]
fn triage_walks_the_new_unassigned_tickets_one_decision_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 8, 80, 24, false);
    // Tickets 1 and 5 are Dana's (open); 2, 3, 4, 6, 7, 8 are new and unassigned.
    keys(&mut a, "T");
    assert_eq!(a.model.context(), defaults::PaneId::Triage);
    let first = a.model.open_ticket().unwrap().number.0;
    assert_eq!(first, 2, "oldest first");
    assert!(screen(&a).contains("TRIAGE (0 decided)"), "{}", screen(&a));
    insta::assert_snapshot!("triage_80x24", screen(&a));
    // u: urgency 1 → written; the ticket stays for the next decision (i: impact 1).
    keys(&mut a, "u <enter>");
    assert_eq!(ticket_in_store(dir.path(), 2).1.urgency.get(), 1);
    assert_eq!(a.model.open_ticket().unwrap().number.0, 2, "a decision stays on the ticket");
    keys(&mut a, "i <enter>");
    let t2 = ticket_in_store(dir.path(), 2).1;
    assert_eq!((t2.urgency.get(), t2.impact.get()), (1, 1));
    assert!(screen(&a).contains("TRIAGE (1 decided)"), "one ticket decided, however many decisions");
    // enter (or n) moves on; n skips; t takes.
    keys(&mut a, "<enter>");
    assert_eq!(a.model.open_ticket().unwrap().number.0, 3);
    keys(&mut a, "n");
    assert_eq!(a.model.open_ticket().unwrap().number.0, 4);
    keys(&mut a, "t");
    assert_eq!(ticket_in_store(dir.path(), 4).1.assignee.unwrap().name, "Dana Whitfield");
    assert_eq!(a.model.open_ticket().unwrap().number.0, 4);
    keys(&mut a, "n");
    assert_eq!(a.model.open_ticket().unwrap().number.0, 6);
    assert!(screen(&a).contains("TRIAGE (2 decided)"));
    // Esc stops; the queue is back to its view.
    keys(&mut a, "<esc>");
    assert!(a.model.triage.is_none());
    assert_eq!(a.model.focus, defaults::PaneId::Queue);
    assert_eq!(a.model.status.as_ref().unwrap().0, "triage stopped: 2 decided");
    // Walking to the end says so.
    keys(&mut a, "T n n n n n n");
    assert!(a.model.triage.is_none());
    assert!(a.model.status.as_ref().unwrap().0.starts_with("triage done"), "{:?}", a.model.status);
}

#[test]
fn time_is_booked_with_a_note_and_totals_show_on_the_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 3, 80, 24, false);
    open_ticket(&mut a, 2);
    keys(&mut a, "n R e b o o t e d <ctrl-t> 1 h 1 5 <enter>");
    assert_eq!(a.model.editor.as_ref().unwrap().minutes, Some(75));
    assert!(screen(&a).contains("1h 15m booked"), "{}", screen(&a));
    keys(&mut a, "<ctrl-t> s o o n <enter>");
    assert!(a.model.status.as_ref().unwrap().1, "a bad time is refused");
    assert_eq!(a.model.editor.as_ref().unwrap().minutes, Some(75), "and the booked time stays");
    keys(&mut a, "<ctrl-s>");
    assert_eq!(a.model.detail.view.as_ref().unwrap().minutes, 75);
    assert!(screen(&a).contains("time      1h 15m booked"), "{}", screen(&a));
    let (s, _) = ticket_in_store(dir.path(), 2);
    let r = s.report(NOW - 60 * DAY, NOW + DAY).unwrap();
    assert!(s.report(0, i64::MAX / 4).is_err(), "a period of millennia is refused, not allocated");
    assert_eq!(r.time_total_min, 75);
    assert_eq!(r.time[0].agent, "dana");
}

#[test]
fn merging_asks_first_then_opens_the_ticket_merged_into() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 4, 80, 24, false);
    add_history(dir.path()); // notes on #3
    open_ticket(&mut a, 3);
    keys(&mut a, "M 3 <enter>");
    assert!(a.model.status.as_ref().unwrap().0.contains("itself"));
    keys(&mut a, "M 2 <enter>");
    assert!(a.model.confirm.as_ref().unwrap().question.starts_with("merge #3 into #2?"));
    keys(&mut a, "y");
    assert_eq!(a.model.open_ticket().unwrap().number.0, 2, "the ticket merged into opens");
    let s = screen(&a);
    assert!(s.contains("from #3"), "the merged history shows, marked:\n{s}");
    assert_eq!(ticket_in_store(dir.path(), 3).1.status.as_str(), "resolved");
}

#[test]
fn checklists_attach_tick_and_warn_before_resolving() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 3, 80, 24, false);
    add_kb_and_assets(dir.path());
    open_ticket(&mut a, 2);
    // The linked KB article's numbered steps are offered too.
    keys(&mut a, "3 / printer <enter> l 2");
    keys(&mut a, "K");
    let labels: Vec<String> = a.model.picker.as_ref().unwrap().items.iter().map(|i| i.label.clone()).collect();
    assert_eq!(labels, vec!["Leaver".to_string()], "the printer article has no numbered steps");
    keys(&mut a, "<enter>");
    let s = screen(&a);
    assert!(s.contains("Checklist: Leaver (0 of 2 done") && s.contains("[ ] Disable the account (required)"), "{s}");
    insta::assert_snapshot!("checklist_80x24", s);
    // Resolving with a required item open asks first.
    keys(&mut a, "s r e s o l <enter>");
    assert!(a.model.confirm.as_ref().unwrap().question.starts_with("1 required checklist item(s) are not done"));
    keys(&mut a, "n x 1 <enter>");
    assert!(screen(&a).contains("[x] Disable the account"), "{}", screen(&a));
    keys(&mut a, "s r e s o l <enter>");
    assert!(a.model.confirm.is_none(), "nothing required is open: no question");
    assert_eq!(ticket_in_store(dir.path(), 2).1.status.as_str(), "resolved");
    keys(&mut a, "x 9 <enter>");
    assert!(a.model.status.as_ref().unwrap().0.contains("items 1 to 2"));
}

#[test]
fn save_view_keeps_the_filter_for_everyone_on_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 6, 80, 24, false);
    keys(&mut a, "] ] / prio:1 <enter> S : save <space> view <space> Hot <enter>");
    assert!(a.model.status.as_ref().unwrap().0.starts_with("view 'Hot' saved"), "{:?}", a.model.status);
    let (s, _) = ticket_in_store(dir.path(), 1);
    let saved = s.saved_views().unwrap();
    assert_eq!(
        (saved[0].name.as_str(), saved[0].filter.as_str(), saved[0].sort.as_deref()),
        ("Hot", "prio:1", Some("due"))
    );
}

/// Issue 16: "newest" and "oldest" in the queue follow when tickets were made, not when
/// they reached this store (a sync brings an old ticket in late, with a higher rowid).
#[test]
fn newest_and_oldest_follow_creation_not_arrival() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    // Another replica made a ticket two months ago; it arrives now.
    let other = ManualClock::new(NOW - 60 * DAY);
    let mut b = Store::open_with_clock(&dir.path().join("b.db"), OpenMode::Create, Arc::new(other)).unwrap();
    let old = TicketId::from_bytes([99; 16]);
    b.commit("lee", vec![plan::new_ticket(old, NewTicket::titled("Ancient request"), &PriorityMatrix::default())])
        .unwrap();
    Store::open(&dir.path().join("c.db"), OpenMode::Existing).unwrap().ingest(&b.ticket_ops(old).unwrap()).unwrap();
    keys(&mut a, "] ] <ctrl-r>"); // All open
    let mut turns = 0;
    while a.model.queue.sort_name() != "newest" && turns < 6 {
        keys(&mut a, "S");
        turns += 1;
    }
    assert_eq!(a.model.queue.sort_name(), "newest");
    let ids: Vec<TicketId> = a.model.queue.rows.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 6, "{ids:?}");
    assert_eq!(ids.last(), Some(&old), "the two-month-old ticket is the oldest, whenever it arrived");
    assert_eq!(ids[0], TicketId::from_bytes([14; 16]), "the last one made here is the newest");
    keys(&mut a, "S");
    assert_eq!(a.model.queue.sort_name(), "oldest");
    assert_eq!(a.model.queue.rows.first().map(|r| r.id), Some(old));
}

/// Issue 16: attaching a second checklist asks before it replaces the first.
#[test]
fn a_second_checklist_asks_before_replacing_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 3, 80, 24, false);
    open_ticket(&mut a, 2);
    keys(&mut a, "K <enter> x 1 <enter>");
    assert!(screen(&a).contains("[x] Disable the account"), "{}", screen(&a));
    keys(&mut a, "K <enter>");
    let q = a.model.confirm.as_ref().expect("a question").question.clone();
    assert_eq!(q, "replace the checklist \"Leaver\" (1 of 2 done) by \"Leaver\"? y/n");
    keys(&mut a, "n");
    let kept = ticket_in_store(dir.path(), 2).1.checklist.unwrap();
    assert!(kept.contains("\"done\":true"), "no: the ticked checklist stays: {kept}");
    keys(&mut a, "K <enter> y");
    let replaced = ticket_in_store(dir.path(), 2).1.checklist.unwrap();
    assert!(!replaced.contains("\"done\":true"), "yes: a fresh one: {replaced}");
    assert!(screen(&a).contains("Checklist: Leaver (0 of 2 done"), "{}", screen(&a));
}

#[test]
fn an_agent_is_refused_lead_acts_with_the_cores_words_and_keeps_working() {
    use tix::app::{Act, permissions};
    let dir = tempfile::tempdir().unwrap();
    let mut a = app_as(dir.path(), 6, 80, 24, false, Role::Agent);
    let refusal = |act| permissions::check("dana", Role::Agent, act, true).unwrap_err();
    // A bulk edit of marked tickets.
    keys(&mut a, "] ] v j v s p e n d <enter> y");
    assert_eq!(a.model.status.clone().unwrap(), (refusal(Act::Bulk), true));
    for n in 1..=6 {
        assert_ne!(ticket_in_store(dir.path(), n).1.status.as_str(), "pending", "#{n} unchanged");
    }
    // A view for everyone.
    keys(&mut a, "<esc> / prio:1 <enter> S : save <space> view <space> Hot <enter>");
    assert_eq!(a.model.status.clone().unwrap(), (refusal(Act::ShareView), true));
    assert!(ticket_in_store(dir.path(), 1).0.saved_views().unwrap().is_empty());
    // A merge.
    open_ticket(&mut a, 2);
    keys(&mut a, "M 3 <enter> y");
    assert_eq!(a.model.status.clone().unwrap(), (refusal(Act::Merge), true));
    assert_ne!(ticket_in_store(dir.path(), 2).1.status.as_str(), "resolved", "#2 not merged");
    // Everyday work goes on: a note on the same ticket.
    keys(&mut a, "n s t i l l <space> h e r e <ctrl-s>");
    let (s, t) = ticket_in_store(dir.path(), 2);
    assert!(
        s.timeline(t.id)
            .unwrap()
            .iter()
            .any(|i| matches!(&i.event, tix::store::TimelineEvent::Entry { body, .. } if body == "still here"))
    );
}

/// Work that is never lost, and keys that do what they say (issue 15).
#[path = "console/work.rs"]
mod work;
