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
    let o = Options { agent: "dana".into(), me: Some(dana), now_ms: NOW, width, height, color: false, ascii };
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
