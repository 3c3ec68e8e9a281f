//! Keys of the note / reply editor.

use crate::domain::ticket::EntryKind;
use crate::tui::action::{Action, Command};
use crate::tui::defaults::PaneId;
use crate::tui::editor::Move;
use crate::tui::effect::Effect;
use crate::tui::picker::{PickField, PickItem, PickTarget, PickValue, PickerState};

use crate::tui::model::*;

/// The editor's cursor keys.
fn cursor_move(c: Command) -> Option<Move> {
    Some(match c {
        Command::CursorLeft => Move::Left,
        Command::CursorRight => Move::Right,
        Command::WordLeft => Move::WordLeft,
        Command::WordRight => Move::WordRight,
        Command::LineStart => Move::LineStart,
        Command::LineEnd => Move::LineEnd,
        Command::CursorUp => Move::Up,
        Command::CursorDown => Move::Down,
        _ => return None,
    })
}

/// Keys in the note/reply editor and its review; `None` passes other actions on.
pub(crate) fn update_editor(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let e = m.editor.as_mut()?;
    match action {
        Action::Insert(c) if !e.review => {
            e.insert(*c);
            e.confirm_discard = false;
            let canned = e.take_before("::");
            let kb = !canned && e.take_before("??");
            if canned {
                // Canned texts.
                if m.rules.canned.is_empty() {
                    m.complain("no canned texts: define [[canned]] in the config file");
                } else {
                    let items = m
                        .rules
                        .canned
                        .iter()
                        .enumerate()
                        .map(|(i, c)| PickItem { label: c.name.clone(), value: PickValue::Canned(i) })
                        .collect();
                    m.picker = Some(PickerState::with_items(PickField::Canned, PickTarget::Draft, items));
                }
            } else if kb {
                // A KB excerpt: the draft waits while the KB pane searches.
                m.parked = m.editor.take();
                m.focus = PaneId::Kb;
                m.input = Some(Input { kind: InputKind::Kb, text: m.kb.query.clone() });
                m.say("KB: search, then i inserts the excerpt into your draft (esc returns to it)");
            }
        }
        Action::Command(Command::DeleteBack) if !e.review => {
            e.delete_back();
            e.confirm_discard = false;
        }
        Action::Command(Command::DeleteForward) if !e.review => {
            e.delete_forward();
            e.confirm_discard = false;
        }
        Action::Command(c) if !e.review && cursor_move(*c).is_some() => {
            e.move_cursor(cursor_move(*c).expect("a move"));
        }
        Action::Command(Command::CancelInput) => {
            if e.text.trim().is_empty() || e.confirm_discard || e.review {
                m.editor = None;
                m.say("draft discarded");
            } else {
                e.confirm_discard = true;
            }
        }
        Action::Command(Command::EditDraft) => e.review = false,
        Action::Command(Command::BookTime) if !e.review => {
            let text = e.minutes.map(|m| m.to_string()).unwrap_or_default();
            m.input = Some(Input { kind: InputKind::Time, text });
        }
        Action::Command(Command::ExternalEditor) if !e.review => {
            return Some(vec![Effect::ExternalEditor { kind: e.kind, ticket: e.ticket.clone(), text: e.text.clone() }]);
        }
        Action::Command(Command::SubmitInput) => {
            if e.text.trim().is_empty() {
                m.complain("nothing to save: the draft is empty");
            } else if e.kind == EntryKind::Reply && !e.review {
                e.review = true;
                e.quotes = None;
                return Some(vec![Effect::CheckReply { ticket: e.ticket.id, body: e.text.clone() }]);
            } else {
                let e = m.editor.take().expect("editor is open");
                m.detail.follow = true;
                return Some(vec![Effect::AddEntry { seen: e.ticket, kind: e.kind, body: e.text, minutes: e.minutes }]);
            }
        }
        Action::Command(_) | Action::Insert(_) => {}
        _ => return None,
    }
    Some(vec![])
}
