//! Pick-lists: keys, and what a picked value does.

use crate::domain::text;
use crate::domain::ticket::Status;
use crate::tui::action::{Action, Command};
use crate::tui::defaults::PaneId;
use crate::tui::effect::Effect;
use crate::tui::picker::{PickField, PickItem, PickTarget, PickValue, PickerState};

use crate::tui::model::*;

/// Keys in a pick-list.
pub(crate) fn update_picker(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let p = m.picker.as_mut()?;
    match action {
        Action::Insert(c) => p.type_char(*c),
        Action::Command(Command::DeleteBack) => p.delete_back(),
        Action::Command(Command::SelectNext) => p.select(1),
        Action::Command(Command::SelectPrev) => p.select(-1),
        Action::Command(Command::CancelInput) => m.picker = None,
        Action::Command(Command::SubmitInput) => {
            let Some(v) = p.chosen() else {
                m.complain("nothing chosen");
                return Some(vec![]);
            };
            let p = m.picker.take().expect("picker is open");
            return Some(picked(m, p, v));
        }
        Action::Command(_) => {}
        _ => return None,
    }
    Some(vec![])
}

/// A choice was made in a pick-list: run it, or ask first where it cannot be undone or
/// reaches more than the open ticket.
pub(crate) fn picked(m: &mut Model, p: PickerState, v: PickValue) -> Vec<Effect> {
    let what = p.what();
    match (p.target.clone(), v.clone()) {
        (_, PickValue::OpenTicket(id)) => {
            m.detail.loading = true;
            m.open_on_load = true;
            vec![Effect::LoadTicket(id)]
        }
        (_, PickValue::OpenAsset(tag)) => {
            m.focus = PaneId::Assets;
            m.status = None;
            m.assets.search(&tag)
        }
        (PickTarget::One(t), PickValue::OpenAttachment(index)) => {
            vec![Effect::OpenAttachment { ticket: t.id, index, opener: m.rules.console.opener.clone() }]
        }
        (_, PickValue::OpenAttachment(_)) => vec![],
        (_, PickValue::OpenArticle(title)) => {
            m.focus = PaneId::Kb;
            m.status = None;
            m.kb.search(&title)
        }
        (_, PickValue::Relation(rel, reverse)) => {
            m.link_rel = Some((rel, reverse));
            m.input = Some(Input { kind: InputKind::LinkTicket, text: String::new() });
            vec![]
        }
        (PickTarget::Draft, PickValue::Canned(i)) => {
            if let (Some(e), Some(c)) = (m.editor.as_mut(), m.rules.canned.get(i)) {
                e.insert_str(&c.text);
            }
            vec![]
        }
        (PickTarget::Draft, _) => vec![],
        (PickTarget::One(seen), PickValue::Macro(i)) => {
            let Some(mac) = m.rules.macros.get(i).cloned() else { return vec![] };
            m.confirm = Some(Confirm {
                question: format!("apply \"{}\" to {what}: {}? y/n", mac.name, mac.describe()),
                effect: Effect::ApplyMacro { seen, m: Box::new(mac) },
            });
            vec![]
        }
        (PickTarget::Many(tickets), PickValue::Macro(i)) => {
            let Some(mac) = m.rules.macros.get(i).cloned() else { return vec![] };
            m.confirm = Some(Confirm {
                question: format!("apply \"{}\" to {what}: {}? y/n", mac.name, mac.describe()),
                effect: Effect::Bulk { tickets, edit: None, m: Some(Box::new(mac)) },
            });
            vec![]
        }
        (PickTarget::Many(tickets), v) => {
            let e = p.edit(v);
            let many = tickets.len() > 1;
            let effect = Effect::Bulk { tickets, edit: Some(e), m: None };
            if many || matches!(p.field, PickField::Status) {
                m.confirm = Some(Confirm { question: format!("set {} on {what}? y/n", p.choice_words()), effect });
                vec![]
            } else {
                vec![effect]
            }
        }
        (PickTarget::One(seen), PickValue::Checklist(json)) => {
            match crate::domain::checklist::Checklist::from_json(&json) {
                Ok(c) => {
                    let old =
                        seen.checklist.as_deref().and_then(|o| crate::domain::checklist::Checklist::from_json(o).ok());
                    let effect = Effect::Change { changes: vec![crate::domain::checklist::attach(&seen, &c)], seen };
                    match old {
                        // A second checklist replaces the first: only when the technician says so.
                        Some(old) => {
                            let (d, all) = old.progress();
                            let question = format!(
                                "replace the checklist \"{}\" ({d} of {all} done) by \"{}\"? y/n",
                                text::clean(&old.name),
                                text::clean(&c.name)
                            );
                            m.confirm = Some(Confirm { question, effect });
                            vec![]
                        }
                        None => vec![effect],
                    }
                }
                Err(e) => {
                    m.complain(e.to_string());
                    vec![]
                }
            }
        }
        (PickTarget::One(seen), v) => {
            let effect = Effect::Edit { seen: seen.clone(), edit: p.edit(v.clone()) };
            let open = crate::domain::checklist::open_required(&seen);
            if v == PickValue::Status(Status::Resolved) && open > 0 {
                m.confirm = Some(Confirm {
                    question: format!(
                        "{open} required checklist item(s) are not done; resolve {} anyway? y/n",
                        seen.number
                    ),
                    effect,
                });
                return vec![];
            }
            // Closing is final: ask first.
            if v == PickValue::Status(Status::Closed) {
                m.confirm = Some(Confirm {
                    question: format!("close {}? A closed ticket can only come back by reopening. y/n", seen.number),
                    effect,
                });
                return vec![];
            }
            vec![effect]
        }
    }
}

/// The macro pick-list, or why there is none.
pub(crate) fn open_macros(m: &mut Model, target: PickTarget) {
    if m.rules.macros.is_empty() {
        m.complain("no macros: define [[macros]] in the config file (see assets/config.toml)");
        return;
    }
    let items = m
        .rules
        .macros
        .iter()
        .enumerate()
        .map(|(i, mac)| PickItem { label: format!("{} — {}", mac.name, mac.describe()), value: PickValue::Macro(i) })
        .collect();
    m.picker = Some(PickerState::with_items(PickField::Macro, target, items));
}
