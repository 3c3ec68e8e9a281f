//! Keys of the asset pane.

use crate::domain::op::LinkTarget;
use crate::domain::text;
use crate::tui::action::{Action, Command};
use crate::tui::defaults::PaneId;
use crate::tui::effect::Effect;

use crate::tui::model::*;
use crate::tui::update::common::*;

pub(crate) fn update_assets(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let Action::Command(c) = action else { return None };
    Some(match c {
        Command::SelectNext => m.assets.select(1),
        Command::SelectPrev => m.assets.select(-1),
        Command::PageDown => m.assets.select(m.height as i64 / 2),
        Command::PageUp => m.assets.select(-(m.height as i64 / 2)),
        Command::StartSearch => {
            m.input = Some(Input { kind: InputKind::Assets, text: m.assets.query.clone() });
            vec![]
        }
        Command::Back => m.focus_pane(PaneId::Queue),
        Command::LinkToTicket => {
            let Some(a) = m.assets.current().map(|a| (a.id, a.record.tag.clone())) else { return Some(vec![]) };
            let Some(seen) = with_open_ticket(m) else { return Some(vec![]) };
            vec![Effect::Link {
                seen,
                target: LinkTarget::Asset { id: a.0 },
                what: format!("asset {}", text::clean(&a.1)),
            }]
        }
        _ => return None,
    })
}
