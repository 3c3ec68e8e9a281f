//! Keys of the queue pane.

use crate::tui::action::{Action, Command};
use crate::tui::effect::Effect;
use crate::tui::picker::{PickField, PickTarget, PickerState};
use crate::tui::queue::QueueState;

use crate::tui::model::*;
use crate::tui::picker::update::open_macros;

pub(crate) fn update_queue(m: &mut Model, action: Action) -> Vec<Effect> {
    let page = m.page();
    let q = &mut m.queue;
    let moved = |q: &mut QueueState, to: i64| match q.select(to, page) {
        Some(offset) if !q.loading => vec![q.load(offset)],
        _ => vec![],
    };
    let Action::Command(c) = action else { return vec![] };
    match c {
        Command::SelectNext => moved(q, q.selected as i64 + 1),
        Command::SelectPrev => moved(q, q.selected as i64 - 1),
        Command::SelectFirst => moved(q, 0),
        Command::SelectLast => moved(q, q.total as i64 - 1),
        Command::PageDown => moved(q, q.selected as i64 + page as i64),
        Command::PageUp => moved(q, q.selected as i64 - page as i64),
        Command::NextView | Command::PrevView => {
            let n = q.views.len();
            q.view = if c == Command::NextView { (q.view + 1) % n } else { (q.view + n - 1) % n };
            m.status = None;
            vec![q.restart()]
        }
        Command::CycleSort => {
            let e = q.cycle_sort();
            let msg = format!("sorted by {}", q.sort_name());
            m.say(msg);
            vec![e]
        }
        Command::StartFilter => {
            m.input = Some(Input { kind: InputKind::Filter, text: q.filter.clone() });
            vec![]
        }
        Command::StartCommand => {
            m.input = Some(Input { kind: InputKind::Command, text: String::new() });
            vec![]
        }
        // Esc in the queue clears the marks, then a filter.
        Command::CancelInput if !q.marked.is_empty() => {
            q.marked.clear();
            q.anchor = None;
            vec![]
        }
        Command::CancelInput if !q.filter.is_empty() => {
            q.filter.clear();
            q.spec = Default::default();
            vec![q.restart()]
        }
        Command::Refresh => {
            q.loading = true;
            vec![q.load(q.offset)]
        }
        Command::OpenTicket => match q.selected_row() {
            Some(r) => {
                let id = r.id;
                m.detail.loading = true;
                m.open_on_load = true;
                vec![Effect::LoadTicket(id)]
            }
            None => vec![],
        },
        Command::TakeTicket => match q.selected_row() {
            Some(r) => vec![Effect::Take { id: r.id, seen: None }],
            None => vec![],
        },
        Command::CopyRef => match q.selected_row() {
            Some(r) => vec![Effect::Copy(r.number.to_string())],
            None => vec![],
        },
        Command::Triage => {
            // The new, unassigned tickets, oldest first.
            q.filter = "status:new assignee:none".into();
            q.spec = crate::domain::filter::parse(&q.filter).unwrap_or_default();
            q.sort = Some(crate::store::Sort::Oldest);
            let e = q.restart();
            m.triage = Some(Triage { want_next: true, ..Default::default() });
            m.say("triage: u urgency · i impact · o group · t take · m macro · r reply · n/enter next · esc stop");
            vec![e]
        }
        Command::ToggleMark => {
            // Marking does not move: `v j v` marks two neighbouring rows.
            q.toggle_mark();
            vec![]
        }
        Command::MarkRange => {
            q.mark_range();
            vec![]
        }
        Command::ApplyMacro => {
            let t = q.targets();
            if !t.is_empty() {
                open_macros(m, PickTarget::Many(t));
            }
            vec![]
        }
        Command::SetStatus | Command::SetPriority | Command::SetAssignee | Command::SetGroup | Command::SetCategory => {
            let field = match c {
                Command::SetStatus => PickField::Status,
                Command::SetPriority => PickField::Priority,
                Command::SetAssignee => PickField::Assignee,
                Command::SetGroup => PickField::Group,
                _ => PickField::Category,
            };
            let t = q.targets();
            if t.is_empty() {
                return vec![];
            }
            let p = PickerState::for_target(field, PickTarget::Many(t));
            let load = p.loading;
            m.picker = Some(p);
            if load { vec![Effect::LoadPickItems(field)] } else { vec![] }
        }
        _ => vec![],
    }
}
