//! The `/` and `:` prompts: filters, commands, ticket numbers.

use crate::domain::TicketNumber;
use crate::domain::text;
use crate::tui::action::{Action, Command};
use crate::tui::defaults::PaneId;
use crate::tui::effect::Effect;
use crate::tui::form::FormState;

use crate::tui::model::*;

/// Keys typed into a prompt; `None` passes other actions on.
pub(crate) fn update_prompt(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let input = m.input.as_mut()?;
    let kind = input.kind;
    match action {
        // Pane keys leave a search box and switch panes (the text stays as the query).
        Action::Command(
            Command::NextPane
            | Command::PrevPane
            | Command::FocusQueue
            | Command::FocusDetail
            | Command::FocusKb
            | Command::FocusAssets
            | Command::FocusDashboard,
        ) if matches!(kind, InputKind::Kb | InputKind::Assets | InputKind::Filter) => {
            m.input = None;
            return None;
        }
        Action::Insert(c) => input.text.push(*c),
        Action::Command(Command::DeleteBack) => {
            input.text.pop();
        }
        Action::Command(Command::CancelInput) => {
            m.input = None;
            if kind == InputKind::Filter && !m.queue.filter.is_empty() {
                m.queue.filter.clear();
                m.queue.spec = Default::default();
                return Some(vec![m.queue.restart()]);
            }
            return Some(vec![]);
        }
        Action::Command(Command::SubmitInput) => {
            let text = m.input.take().map(|i| i.text).unwrap_or_default();
            return Some(match kind {
                InputKind::Filter | InputKind::Kb | InputKind::Assets => vec![],
                InputKind::Command => run_command(m, text.trim()),
                InputKind::LinkTicket => link_number(m, text.trim()),
                InputKind::MergeInto => merge_into(m, text.trim()),
                InputKind::Watch => watch(m, text.trim()),
                InputKind::TickItem => tick_item(m, text.trim()),
                InputKind::Time => {
                    match (crate::domain::duration::parse_minutes(text.trim()), m.editor.as_mut()) {
                        (_, None) => {}
                        (None, Some(e)) if text.trim().is_empty() => e.minutes = None,
                        (None, Some(_)) => {
                            m.complain(format!("'{}' is not a time (30m, 1h, 1h15)", text::clean(&text)))
                        }
                        (Some(n), Some(e)) => e.minutes = Some(n),
                    }
                    vec![]
                }
            });
        }
        Action::Command(_) => return Some(vec![]),
        _ => return None,
    }
    let text = m.input.as_ref().map(|i| i.text.clone()).unwrap_or_default();
    Some(match kind {
        // The filter narrows as you type.
        InputKind::Filter => match crate::domain::filter::parse(&text) {
            Ok(spec) => {
                m.status = None;
                m.queue.filter = text;
                m.queue.spec = spec;
                m.focus = PaneId::Queue;
                m.queue.narrow().into_iter().collect()
            }
            Err(e) => {
                m.complain(format!("filter {e}"));
                vec![]
            }
        },
        InputKind::Kb => m.kb.search(&text),
        InputKind::Assets => m.assets.search(&text),
        InputKind::Command
        | InputKind::LinkTicket
        | InputKind::Time
        | InputKind::MergeInto
        | InputKind::TickItem
        | InputKind::Watch => {
            vec![]
        }
    })
}

/// `x` then a number: tick that checklist item off, or back on.
pub(crate) fn tick_item(m: &mut Model, text: &str) -> Vec<Effect> {
    let Some(seen) = m.open_ticket().cloned() else { return vec![] };
    let Some(c) = seen.checklist.as_deref().and_then(|s| crate::domain::checklist::Checklist::from_json(s).ok()) else {
        return vec![];
    };
    let n: usize = match text.trim_start_matches('#').parse() {
        Ok(n) => n,
        Err(_) => {
            m.complain(format!("'{}' is not an item number", text::clean(text)));
            return vec![];
        }
    };
    let done = !c.items.get(n.wrapping_sub(1)).is_some_and(|i| i.done);
    match crate::domain::checklist::mark(&seen, n, done) {
        Ok(change) => vec![Effect::Change { seen: Box::new(seen), changes: vec![change] }],
        Err(e) => {
            m.complain(e.to_string());
            vec![]
        }
    }
}

/// `M` then a number: merging cannot be undone by a key, so it asks first.
pub(crate) fn merge_into(m: &mut Model, text: &str) -> Vec<Effect> {
    let Some(seen) = m.open_ticket().cloned() else { return vec![] };
    match text.parse::<TicketNumber>() {
        Ok(into) if into == seen.number => m.complain(format!("{into} cannot be merged into itself")),
        Ok(into) => {
            m.confirm = Some(Confirm {
                question: format!(
                    "merge {} into {into}? {} is resolved and its history shows on {into}. y/n",
                    seen.number, seen.number
                ),
                effect: Effect::Merge { seen: Box::new(seen), into },
            })
        }
        Err(_) => m.complain(format!("'{}' is not a ticket number (e.g. 42 or #42)", text::clean(text))),
    }
    vec![]
}

/// `W` then an address: add a watcher of the open ticket; `-address` removes one.
pub(crate) fn watch(m: &mut Model, text: &str) -> Vec<Effect> {
    let Some(seen) = m.open_ticket() else { return vec![] };
    let (address, remove) = match text.strip_prefix('-') {
        Some(a) => (a.trim(), true),
        None => (text, false),
    };
    if address.is_empty() {
        return vec![];
    }
    vec![Effect::Watch { ticket: seen.id, number: seen.number, address: address.to_string(), remove }]
}

/// A view's own filter in the query language: what its base query means (the built-in
/// views are queries, not text).
pub(crate) fn view_filter_text(v: &crate::tui::queue::View) -> String {
    use crate::store::AssigneeFilter;
    if !v.filter.trim().is_empty() {
        return v.filter.clone();
    }
    let mut parts: Vec<String> = Vec::new();
    let q = &v.query;
    if !q.statuses.is_empty() {
        parts.push(format!("status:{}", q.statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")));
    }
    match &q.assignee {
        Some(AssigneeFilter::Unassigned) => parts.push("assignee:none".into()),
        Some(AssigneeFilter::Person(_)) => parts.push("assignee:me".into()),
        None => {}
    }
    parts.join(" ")
}

pub(crate) fn link_number(m: &mut Model, text: &str) -> Vec<Effect> {
    let Some(seen) = m.open_ticket().cloned() else { return vec![] };
    let (rel, reverse) = m.link_rel.take().unwrap_or((crate::domain::ticket::TicketRel::Related, false));
    match text.parse::<TicketNumber>() {
        Ok(number) => vec![Effect::LinkNumber { seen: Box::new(seen), number, rel, reverse }],
        Err(_) => {
            m.complain(format!("'{}' is not a ticket number (e.g. 42 or #42)", text::clean(text)));
            vec![]
        }
    }
}

/// `:42`, `:#42`, `:view NAME`, `:q`.
pub(crate) fn run_command(m: &mut Model, text: &str) -> Vec<Effect> {
    let (verb, rest) = text.split_once(' ').map(|(v, r)| (v, r.trim())).unwrap_or((text, ""));
    match verb {
        "" => vec![],
        "q" | "quit" => m.quit_or_ask(),
        "new" => {
            m.form = Some(FormState::new(m.rules.matrix));
            vec![]
        }
        "sync" => m.sync_now(),
        "save" => {
            // `:save view NAME`: the current view narrowed by the filter, in its order.
            let name = rest.strip_prefix("view").map(str::trim).unwrap_or(rest).to_string();
            if name.is_empty() {
                m.complain("use :save view NAME");
                return vec![];
            }
            let q = &m.queue;
            let view = &q.views[q.view];
            let base = view_filter_text(view);
            let filter = [base.as_str(), q.filter.trim()]
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let sort = crate::tui::queue::SORTS
                .iter()
                .find(|(s, _)| *s == q.sort.unwrap_or(view.query.sort))
                .map(|(_, n)| n.to_string());
            vec![Effect::SaveView(crate::domain::op::ViewRecord { name, filter, sort, deleted: false })]
        }
        "view" | "v" => {
            let want = rest.to_lowercase();
            match m.queue.views.iter().position(|v| v.name.to_lowercase().starts_with(&want) && !want.is_empty()) {
                Some(i) => {
                    m.queue.view = i;
                    m.focus = PaneId::Queue;
                    m.status = None;
                    vec![m.queue.restart()]
                }
                None => {
                    let names = m.queue.views.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ");
                    m.complain(format!("no view '{}' (views: {})", text::clean(rest), text::clean(&names)));
                    vec![]
                }
            }
        }
        n => match n.parse::<TicketNumber>() {
            Ok(number) => {
                m.detail.loading = true;
                m.open_on_load = true;
                vec![Effect::OpenNumber(number)]
            }
            Err(_) => {
                m.complain(format!("unknown command ':{}' (try :42, :view unassigned, :new, :q)", text::clean(text)));
                vec![]
            }
        },
    }
}
