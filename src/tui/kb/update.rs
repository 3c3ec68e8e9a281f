//! Keys of the KB pane.

use crate::domain::op::LinkTarget;
use crate::domain::text;
use crate::domain::ticket::EntryKind;
use crate::tui::action::{Action, Command};
use crate::tui::defaults::PaneId;
use crate::tui::editor::EditorState;
use crate::tui::effect::Effect;
use crate::tui::kb::KbState;

use crate::tui::model::*;
use crate::tui::update::common::*;

pub(crate) fn update_kb(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let Action::Command(c) = action else { return None };
    Some(match c {
        Command::SelectNext => m.kb.select(1),
        Command::SelectPrev => m.kb.select(-1),
        Command::PageDown => {
            m.kb.scroll = m.kb.scroll.saturating_add(m.height / 2);
            vec![]
        }
        Command::PageUp => {
            m.kb.scroll = m.kb.scroll.saturating_sub(m.height / 2);
            vec![]
        }
        Command::StartSearch => {
            m.input = Some(Input { kind: InputKind::Kb, text: m.kb.query.clone() });
            vec![]
        }
        Command::Back => m.focus_pane(PaneId::Queue),
        Command::LinkToTicket => {
            let Some(a) = m.kb.current().map(|a| (a.id, a.record.title.clone())) else { return Some(vec![]) };
            let Some(seen) = with_open_ticket(m) else { return Some(vec![]) };
            vec![Effect::Link {
                seen,
                target: LinkTarget::Article { id: a.0 },
                what: format!("KB \"{}\"", text::clean(&a.1)),
            }]
        }
        Command::InsertExcerpt if m.parked.is_some() => {
            let Some(excerpt) = m.kb.current().map(KbState::excerpt) else { return Some(vec![]) };
            let mut e = m.parked.take().expect("parked");
            e.insert_str(&excerpt);
            m.editor = Some(e);
            m.focus = PaneId::Detail;
            m.status = None;
            vec![]
        }
        Command::InsertExcerpt => {
            let Some(excerpt) = m.kb.current().map(KbState::excerpt) else { return Some(vec![]) };
            let Some(seen) = with_open_ticket(m) else { return Some(vec![]) };
            let mut e = EditorState::new(EntryKind::Reply, *seen);
            e.set_text(excerpt);
            m.editor = Some(e);
            m.focus = PaneId::Detail;
            vec![]
        }
        _ => return None,
    })
}
