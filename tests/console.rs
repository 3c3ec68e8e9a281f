//! The console without a terminal: key scripts drive the app; screens are snapshots.

use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tix::domain::clock::ManualClock;
use tix::domain::ids::{PersonId, TicketId};
use tix::domain::op::Change;
use tix::domain::person::PersonRecord;
use tix::domain::plan::{self, NewTicket};
use tix::domain::ticket::{Level, PriorityMatrix};
use tix::domain::time::{DAY, HOUR};
use tix::store::{OpenMode, Store};
use tix::tui::key::script;
use tix::tui::{App, Options, defaults, model};

const NOW: i64 = 1_795_000_000_000; // fixed "now": snapshots never depend on the clock

fn app(dir: &std::path::Path, tickets: usize, width: u16, height: u16, ascii: bool) -> App {
    let clock = ManualClock::new(NOW - 30 * DAY);
    let mut s = Store::open_with_clock(&dir.join("c.db"), OpenMode::Create, Arc::new(clock.clone())).unwrap();
    let dana = PersonId::from_bytes([1; 16]);
    let jane = PersonId::from_bytes([2; 16]);
    s.commit(
        "admin",
        vec![
            Change::new_person(dana, PersonRecord::agent("Dana Whitfield", "dana")),
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
        agent: "dana".into(),
        me: Some(dana),
        now_ms: NOW,
        width,
        height,
        color: false,
        ascii,
        matrix: PriorityMatrix::default(),
    };
    App::new(s, defaults::keymap(), o)
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.model.width, app.model.height)).unwrap();
    t.draw(|f| model::render(&app.model, f)).unwrap();
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
        agent: "dana".into(),
        me: inline.model.queue.rows.first().map(|_| PersonId::from_bytes([1; 16])),
        now_ms: NOW,
        width: 80,
        height: 24,
        color: false,
        ascii: false,
        matrix: PriorityMatrix::default(),
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
    keys(&mut a, "/ prin");
    assert_eq!(a.model.queue.total, 4, "prefix while typing: 'prin' finds the printer tickets");
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
