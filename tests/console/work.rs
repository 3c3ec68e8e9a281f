//! Quitting with a draft asks, help follows the focus, the ticket pane scrolls to its
//! ends and to a new entry, marking does not move, `--ascii` draws only ASCII.

use super::*;

#[test]
fn every_quit_with_a_draft_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    // Nothing unsaved: q quits at once.
    keys(&mut a, "q");
    assert!(a.model.quit);
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    // A draft parked behind a `??` KB search: q in the KB pane asks, n keeps working.
    keys(&mut a, "n half <space> written ? ? <esc>");
    assert!(a.model.parked.is_some() && a.model.focus == defaults::PaneId::Kb);
    keys(&mut a, "q");
    assert!(!a.model.quit, "q with a parked draft asks first");
    let q = a.model.confirm.as_ref().unwrap().question.clone();
    assert_eq!(q, "quit with a note on #2 unsaved? It is kept as a draft for next time. y/n");
    assert!(screen(&a).contains("quit with a note on #2 unsaved?"));
    keys(&mut a, "n");
    assert!(!a.model.quit && a.model.parked.is_some(), "the draft is still there");
    // ctrl-c in the editor and :q ask too.
    keys(&mut a, "1"); // leaving the KB pane brings the draft back
    assert_eq!(a.model.editor.as_ref().unwrap().text, "half written");
    keys(&mut a, "<ctrl-c>");
    assert!(a.model.confirm.is_some() && !a.model.quit);
    keys(&mut a, "<esc>");
    keys(&mut a, "<ctrl-s>");
    assert!(a.model.editor.is_none(), "saved");
    keys(&mut a, "c T o n e r");
    keys(&mut a, "<ctrl-c>");
    assert!(a.model.confirm.as_ref().unwrap().question.starts_with("quit with a new ticket unsaved?"));
    keys(&mut a, "y");
    assert!(a.model.quit, "y quits");
}

#[test]
fn help_shows_the_pane_in_focus_after_a_ticket_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    keys(&mut a, "?");
    let s = screen(&a);
    assert!(s.contains("write an internal note"), "the ticket pane's keys:\n{s}");
    assert!(!s.contains("next queue view"), "not the queue's:\n{s}");
}

#[test]
fn the_ticket_pane_scrolls_to_its_ends_and_shows_a_new_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 12, false);
    open_ticket(&mut a, 2);
    for i in 0..4 {
        keys(&mut a, &format!("n note <space> {i} <enter> second <space> line <enter> third <space> line <ctrl-s>"));
    }
    assert!(a.model.detail.scroll > 0, "the new note is scrolled into view");
    assert!(screen(&a).contains("note 3"), "{}", screen(&a));
    keys(&mut a, "g g");
    assert_eq!(a.model.detail.scroll, 0);
    assert!(!screen(&a).contains("note 3"));
    keys(&mut a, "G");
    let end = a.model.detail.scroll;
    assert!(end > 0 && screen(&a).contains("note 3"));
    keys(&mut a, "<home>");
    assert_eq!(a.model.detail.scroll, 0);
    keys(&mut a, "<end>");
    assert_eq!(a.model.detail.scroll, end);
}

#[test]
fn ascii_mode_draws_only_ascii_glyphs() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, true);
    keys(&mut a, "] ]");
    assert!(screen(&a).contains("^]0;pwned^^[31m"), "hostile text inert, in ASCII:\n{}", screen(&a));
    open_ticket(&mut a, 1);
    keys(&mut a, "s p e n d <enter>");
    for s in [screen(&a), {
        keys(&mut a, "1");
        screen(&a)
    }] {
        // Stored text may be in any script; what tix draws itself is ASCII.
        let own: Vec<char> =
            s.chars().filter(|c| !c.is_ascii() && !c.is_alphabetic()).filter(|c| unicode_width_is_one(*c)).collect();
        assert!(own.is_empty(), "non-ASCII glyphs {own:?} in:\n{s}");
        assert!(!s.contains('·') && !s.contains('→') && !s.contains('…'), "{s}");
    }
}

fn unicode_width_is_one(c: char) -> bool {
    // Wide (CJK) characters of stored text are content, not glyphs.
    !('\u{1100}'..='\u{ffff}').contains(&c) || matches!(c, '·' | '→' | '…' | '×' | '─' | '│' | '┊')
}

#[test]
fn drafts_are_on_disk_while_written_and_offered_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    keys(&mut a, "r Hello <space> Jane <ctrl-t> 1 5 m <enter>");
    // The console dies here (a panic, a kill): nothing more runs.
    drop(a);
    let kept = dir.path().join("c.db.drafts.json");
    assert!(std::fs::read_to_string(&kept).unwrap().contains("Hello Jane"));
    let mut a = app(dir.path(), 0, 80, 24, false);
    assert_eq!(
        a.model.confirm.as_ref().unwrap().question,
        "restore a reply on #2 (1 line) left unsaved last time? y/n"
    );
    keys(&mut a, "y");
    let e = a.model.editor.as_ref().unwrap();
    assert_eq!((e.text.as_str(), e.minutes, e.ticket.number.0), ("Hello Jane", Some(15), 2));
    assert_eq!(a.model.focus, defaults::PaneId::Detail);
    // n discards: the file goes.
    drop(a);
    let mut a = app(dir.path(), 0, 80, 24, false);
    keys(&mut a, "n");
    assert!(a.model.confirm.is_none() && a.model.editor.is_none());
    assert!(!kept.exists());
}

#[test]
fn the_editor_moves_its_cursor_by_char_word_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 3, 80, 24, false);
    open_ticket(&mut a, 1);
    keys(&mut a, "n Printer <space> jam <enter> tray <space> two");
    let text = |a: &App| a.model.editor.as_ref().unwrap().text.clone();
    // Word left twice, type: the insertion lands mid-text.
    keys(&mut a, "<ctrl-left> <ctrl-left> paper <space>");
    assert_eq!(text(&a), "Printer jam\npaper tray two");
    // Up keeps the column; home/end go to the line's ends; delete removes forward.
    keys(&mut a, "<up> <home> <delete> p");
    assert_eq!(text(&a), "printer jam\npaper tray two");
    keys(&mut a, "<end> !");
    assert_eq!(text(&a), "printer jam!\npaper tray two");
    keys(&mut a, "<down> <end> <left> <left> <left> <backspace>");
    assert_eq!(text(&a), "printer jam!\npaper traytwo");
    keys(&mut a, "<alt-right> .");
    assert_eq!(text(&a), "printer jam!\npaper traytwo.");
    // The cursor is drawn where typing goes.
    keys(&mut a, "<up> <home>");
    let s = screen(&a);
    assert!(s.contains("printer jam!") && s.contains("paper traytwo."), "{s}");
    keys(&mut a, "<ctrl-s>");
    let (st, t) = ticket_in_store(dir.path(), 1);
    let tl = st.timeline(t.id).unwrap();
    assert!(tl.iter().any(
        |i| matches!(&i.event, tix::store::TimelineEvent::Entry { body, .. } if body == "printer jam!\npaper traytwo.")
    ));
}

#[test]
fn a_long_status_message_wraps_above_the_status_line_instead_of_being_cut() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 3, 80, 24, false);
    let msg = "conflict on #2: status was changed by Marek Nowicki at 2026-11-20 14:02 while you were looking at it; the ticket reloaded";
    a.dispatch(tix::tui::action::Action::Failed(msg.into()));
    let s = screen(&a);
    assert!(s.contains("Marek Nowicki at 2026-11-20 14:02"), "who and when, whole:\n{s}");
    assert!(s.contains("the ticket reloaded"), "{s}");
    let last = s.lines().rev().take(4).collect::<Vec<_>>().join("\n");
    assert!(!last.contains('…'), "nothing cut:\n{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn links_are_chosen_by_relation_and_opened_from_the_ticket_pane() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    add_kb_and_assets(dir.path());
    open_ticket(&mut a, 2);
    // L: the relation first, then the number.
    keys(&mut a, "L");
    let s = screen(&a);
    assert!(s.contains("duplicate-of") && s.contains("child") && s.contains("problem"), "{s}");
    keys(&mut a, "c h i l d <enter> 3 <enter>");
    assert_eq!(a.model.status.as_ref().unwrap().0, "linked #3 to #2 as a child");
    let (st, t3) = ticket_in_store(dir.path(), 3);
    let rel = st.related_tickets(t3.id).unwrap();
    assert_eq!((rel[0].0.as_str(), rel[0].1.number.0), ("parent", 2), "#3's parent is #2: {rel:?}");
    keys(&mut a, "L d u p <enter> 4 <enter>");
    assert_eq!(a.model.status.as_ref().unwrap().0, "linked #4 to #2 as duplicate-of");
    // An asset and a KB article on the ticket too.
    keys(&mut a, "4 / l t 4 3 <enter> l 3 / v p n <enter> l 2");
    assert_eq!(a.model.focus, defaults::PaneId::Detail);
    keys(&mut a, "O");
    let s = screen(&a);
    assert!(s.contains("child #3") && s.contains("asset LT-0043") && s.contains("KB Reset the VPN client"), "{s}");
    insta::assert_snapshot!(s);
    // Enter opens the child ticket.
    keys(&mut a, "c h i l d <enter>");
    assert_eq!(a.model.open_ticket().unwrap().number.0, 3);
    // Back on #2: the asset opens in the asset pane, the article in the KB pane.
    open_ticket(&mut a, 2);
    keys(&mut a, "<enter> a s s e t <enter>");
    assert_eq!(a.model.focus, defaults::PaneId::Assets);
    assert_eq!(a.model.assets.current().unwrap().record.tag, "LT-0043");
    open_ticket(&mut a, 2);
    keys(&mut a, "<enter> K B <enter>");
    assert_eq!(a.model.focus, defaults::PaneId::Kb);
    assert_eq!(a.model.kb.current().unwrap().record.title, "Reset the VPN client");
    // The requester's other open tickets open too.
    open_ticket(&mut a, 2);
    keys(&mut a, "<enter> r e q u e s t e r ' s <space> # 5 <enter>");
    assert_eq!(a.model.open_ticket().unwrap().number.0, 5);
}

#[test]
fn attachments_are_listed_on_the_ticket_and_text_is_read_through_the_sanitiser() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 2, 80, 24, false);
    let mail = "From: Jane Doe <jane@example.com>\r\nSubject: Printer log\r\nMessage-ID: <c1@example.com>\r\n\
                Date: Fri, 20 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
                Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nLog attached.\r\n\
                --b\r\nContent-Type: text/plain; name=\"printer.log\"\r\n\
                Content-Disposition: attachment; filename=\"printer.log\"\r\n\r\n\
                Error 13.B2 \u{1b}]0;pwned\u{7} at 09:14\r\n--b--\r\n";
    std::fs::write(dir.path().join("m.eml"), mail).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tix"))
        .arg("--db")
        .arg(dir.path().join("c.db"))
        .args(["--as", "dana", "ingest", "email"])
        .arg(dir.path().join("m.eml"))
        .env("TIX_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    open_ticket(&mut a, 3);
    let s = screen(&a);
    assert!(s.contains("Attachments (enter opens)") && s.contains("1. printer.log (text/plain, 31 bytes)"), "{s}");
    keys(&mut a, "<enter> a t t <enter>");
    let s = screen(&a);
    assert!(s.contains("Attachment printer.log") && s.contains("Error 13.B2 ␛]0;pwned␇ at 09:14"), "{s}");
    assert!(!s.contains('\u{1b}'), "{s:?}");
    keys(&mut a, "<esc>");
    assert!(a.model.detail.attachment.is_none() && a.model.focus == defaults::PaneId::Detail);
}

#[test]
fn a_reply_that_quotes_an_internal_note_is_flagged_in_its_review() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    let words = "the admin password for the printer is on the sticker";
    let typed = words.split(' ').collect::<Vec<_>>().join(" <space> ");
    keys(&mut a, &format!("n {typed} <ctrl-s>"));
    assert!(a.model.editor.is_none(), "the note is saved");
    // A reply that copies the note: the review names where the text comes from.
    keys(&mut a, &format!("r {typed} <ctrl-s>"));
    let e = a.model.editor.as_ref().unwrap();
    assert!(e.review);
    let src = e.quotes.clone().expect("the review knows the reply quotes the note");
    assert!(src.contains("internal note"), "{src}");
    let s = screen(&a);
    assert!(s.contains("It quotes an internal note by dana") && s.contains("must not see (e edits)"), "{s}");
    // Editing it away and reviewing again clears the flag.
    keys(&mut a, "e");
    for _ in 0..words.len() {
        keys(&mut a, "<backspace>");
    }
    keys(&mut a, "thanks <ctrl-s>");
    let e = a.model.editor.as_ref().unwrap();
    assert!(e.review && e.quotes.is_none(), "{:?}", e.quotes);
    assert!(!screen(&a).contains("It quotes"));
}

#[test]
fn w_adds_and_removes_a_watcher_of_the_open_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path(), 5, 80, 24, false);
    open_ticket(&mut a, 2);
    keys(&mut a, "W");
    assert!(screen(&a).contains("watcher (address; -address removes):"), "{}", screen(&a));
    keys(&mut a, "boss@example.org <enter>");
    assert_eq!(a.model.status.clone().unwrap(), ("#2: watched by boss@example.org".to_string(), false));
    let (s, t) = ticket_in_store(dir.path(), 2);
    assert_eq!(s.watchers(t.id).unwrap(), vec!["boss@example.org".to_string()]);
    // Not an address: said, nothing written.
    keys(&mut a, "W not-an-address <enter>");
    let (msg, error) = a.model.status.clone().unwrap();
    assert!(error && msg.contains("'not-an-address' is not an e-mail address"), "{msg}");
    let (s, t) = ticket_in_store(dir.path(), 2);
    assert_eq!(s.watchers(t.id).unwrap(), vec!["boss@example.org".to_string()], "nothing written");
    keys(&mut a, "W - boss@example.org <enter>");
    assert_eq!(a.model.status.clone().unwrap().0, "#2: no watchers");
    let (s, t) = ticket_in_store(dir.path(), 2);
    assert!(s.watchers(t.id).unwrap().is_empty());
}
