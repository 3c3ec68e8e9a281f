//! Triage mode: the new unassigned tickets one by one.

use crate::tui::action::{Action, Command};
use crate::tui::defaults::PaneId;
use crate::tui::effect::Effect;
use crate::tui::picker::{PickField, PickerState};

use crate::tui::model::*;

/// Keys in triage: decisions on the open ticket; anything else goes to the ticket pane.
pub(crate) fn update_triage(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let Action::Command(c) = action else { return None };
    match c {
        Command::SetUrgency | Command::SetImpact => {
            let t = m.open_ticket().cloned()?;
            let field = if *c == Command::SetUrgency { PickField::Urgency } else { PickField::Impact };
            m.picker = Some(PickerState::new(field, t));
            Some(vec![])
        }
        Command::NextTicket => {
            let id = m.open_ticket().map(|t| t.id)?;
            let t = m.triage.as_mut()?;
            t.seen.push(id);
            Some(triage_next(m))
        }
        Command::Back => {
            let decided = m.triage.take().map(|t| t.decided).unwrap_or(0);
            m.focus = PaneId::Queue;
            m.queue.filter.clear();
            m.queue.spec = Default::default();
            m.queue.sort = None;
            m.say(format!("triage stopped: {decided} decided"));
            Some(vec![m.queue.restart()])
        }
        _ => None,
    }
}

/// Open the next ticket in triage that was not shown yet, or finish.
pub(crate) fn triage_next(m: &mut Model) -> Vec<Effect> {
    let Some(t) = m.triage.as_mut() else { return vec![] };
    t.want_next = false;
    let next = m.queue.rows.iter().find(|r| !t.seen.contains(&r.id)).map(|r| r.id);
    match next {
        Some(id) => {
            m.detail.loading = true;
            m.open_on_load = true;
            vec![Effect::LoadTicket(id)]
        }
        None => {
            let decided = t.decided;
            m.triage = None;
            m.focus = PaneId::Queue;
            m.say(format!("triage done: {decided} decided, nothing new and unassigned left"));
            vec![]
        }
    }
}
