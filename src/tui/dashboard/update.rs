//! Keys of the dashboard: scrolling, a recount, back.

use crate::tui::action::{Action, Command};
use crate::tui::defaults::PaneId;
use crate::tui::effect::Effect;

use crate::tui::model::*;

pub(crate) fn update_dashboard(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let area = ratatui::layout::Rect { x: 0, y: 0, width: m.width, height: m.height.saturating_sub(2) };
    let page = area.height.saturating_sub(3).max(1) as i32;
    let scroll = |m: &mut Model, d: i32| {
        m.dashboard.scroll_by(d, area, &m.theme);
        Some(vec![])
    };
    match action {
        Action::Command(Command::Refresh) => Some(vec![m.dashboard.load(m.now_ms)]),
        Action::Command(Command::Back) => Some(m.focus_pane(PaneId::Queue)),
        Action::Command(Command::ScrollDown) => scroll(m, 1),
        Action::Command(Command::ScrollUp) => scroll(m, -1),
        Action::Command(Command::PageDown) => scroll(m, page),
        Action::Command(Command::PageUp) => scroll(m, -page),
        Action::Command(Command::SelectFirst) => scroll(m, -i32::MAX / 2),
        Action::Command(Command::SelectLast) => scroll(m, i32::MAX / 2),
        _ => None,
    }
}
