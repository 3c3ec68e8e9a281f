//! Keys of the ticket pane.

use crate::domain::ticket::EntryKind;
use crate::tui::action::{Action, Command};
use crate::tui::defaults::PaneId;
use crate::tui::editor::EditorState;
use crate::tui::effect::Effect;
use crate::tui::picker::{PickField, PickItem, PickTarget, PickValue, PickerState};

use crate::tui::model::*;
use crate::tui::picker::update::open_macros;

/// What the open ticket links to, to open: related tickets, assets, KB articles, the
/// requester's other open tickets.
fn linked_items(m: &Model) -> Vec<PickItem> {
    use crate::domain::text::clean;
    let Some(v) = &m.detail.view else { return vec![] };
    let mut items = Vec::new();
    for (rel, r) in &v.related {
        items.push(PickItem {
            label: format!("{rel} {} {} ({})", r.number, clean(&r.title), r.status),
            value: PickValue::OpenTicket(r.id),
        });
    }
    for a in &v.assets {
        let r = &a.record;
        items.push(PickItem {
            label: format!("asset {} {}", clean(&r.tag), clean(r.hostname.as_deref().unwrap_or(""))),
            value: PickValue::OpenAsset(r.tag.clone()),
        });
    }
    for (_, title) in &v.articles {
        items.push(PickItem { label: format!("KB {}", clean(title)), value: PickValue::OpenArticle(title.clone()) });
    }
    for (i, a) in v.attachments.iter().enumerate() {
        let how = if a.stored { "" } else { ", content not kept" };
        items.push(PickItem {
            label: format!("attachment {} ({}, {} bytes{how})", clean(&a.name), clean(&a.content_type), a.size),
            value: PickValue::OpenAttachment(i + 1),
        });
    }
    for r in &v.others {
        items.push(PickItem {
            label: format!("requester's {} {} ({})", r.number, clean(&r.title), r.status),
            value: PickValue::OpenTicket(r.id),
        });
    }
    items
}

/// The detail pane's own commands; `None` passes the action on to the queue's handling.
pub(crate) fn update_detail(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let Action::Command(c) = action else { return None };
    let (w, h) = m.detail_size();
    let now = m.now_ms;
    let page = h.max(1) as i32;
    let picker = |m: &mut Model, field: PickField| -> Vec<Effect> {
        let Some(t) = m.open_ticket().cloned() else { return vec![] };
        let p = PickerState::new(field, t);
        let load = p.loading;
        m.picker = Some(p);
        if load { vec![Effect::LoadPickItems(field)] } else { vec![] }
    };
    match c {
        Command::ScrollDown => m.detail.scroll_by(1, w, h, now, &m.theme),
        Command::ScrollUp => m.detail.scroll_by(-1, w, h, now, &m.theme),
        Command::PageDown => m.detail.scroll_by(page, w, h, now, &m.theme),
        Command::PageUp => m.detail.scroll_by(-page, w, h, now, &m.theme),
        Command::SelectFirst => m.detail.scroll = 0,
        Command::SelectLast => m.detail.scroll_by(i32::MAX / 2, w, h, now, &m.theme),
        // Esc closes an attachment being read, then goes back to the queue.
        Command::Back if m.detail.attachment.is_some() => {
            m.detail.attachment = None;
            m.detail.scroll = 0;
            m.status = None;
        }
        Command::Back => m.focus = PaneId::Queue,
        Command::AddNote | Command::AddReply => {
            let kind = if *c == Command::AddNote { EntryKind::Note } else { EntryKind::Reply };
            if let Some(t) = m.open_ticket().cloned() {
                m.editor = Some(EditorState::new(kind, t));
            }
        }
        Command::NoteInEditor => {
            let t = m.open_ticket().cloned()?;
            return Some(vec![Effect::ExternalEditor {
                kind: EntryKind::Note,
                ticket: Box::new(t),
                text: String::new(),
            }]);
        }
        Command::TakeTicket => {
            let seen = m.open_ticket().map(|t| Box::new(t.clone()));
            return Some(seen.map(|t| vec![Effect::Take { id: t.id, seen: Some(t) }]).unwrap_or_default());
        }
        Command::SetStatus => return Some(picker(m, PickField::Status)),
        Command::SetPriority => return Some(picker(m, PickField::Priority)),
        Command::SetAssignee => return Some(picker(m, PickField::Assignee)),
        Command::SetGroup => return Some(picker(m, PickField::Group)),
        Command::SetCategory => return Some(picker(m, PickField::Category)),
        Command::ApplyMacro => {
            let t = m.open_ticket().cloned()?;
            open_macros(m, PickTarget::One(Box::new(t)));
        }
        Command::LinkTicket => {
            // First the relation, then the number.
            let t = m.open_ticket().cloned()?;
            let items = crate::tui::effect::LINK_RELATIONS
                .iter()
                .map(|(label, rel, rev)| PickItem { label: label.to_string(), value: PickValue::Relation(*rel, *rev) })
                .collect();
            m.picker = Some(PickerState::with_items(PickField::Relation, PickTarget::One(Box::new(t)), items));
        }
        Command::OpenLinked => {
            let t = m.open_ticket().cloned()?;
            let items = linked_items(m);
            if items.is_empty() {
                m.complain(format!(
                    "{} links to nothing to open (L links a ticket; l in the KB and asset panes)",
                    t.number
                ));
            } else {
                m.picker = Some(PickerState::with_items(PickField::Open, PickTarget::One(Box::new(t)), items));
            }
        }
        Command::MergeInto => {
            if m.open_ticket().is_some() {
                m.input = Some(Input { kind: InputKind::MergeInto, text: String::new() });
            }
        }
        Command::Watch => {
            if m.open_ticket().is_some() {
                m.input = Some(Input { kind: InputKind::Watch, text: String::new() });
            }
        }
        Command::TickItem => match m.open_ticket() {
            Some(t) if t.checklist.is_some() => {
                m.input = Some(Input { kind: InputKind::TickItem, text: String::new() })
            }
            Some(_) => m.complain("no checklist on this ticket: K attaches one"),
            None => {}
        },
        Command::AttachChecklist => {
            let t = m.open_ticket().cloned()?;
            // The config's templates, then the steps of the KB articles linked to the ticket.
            let mut items: Vec<PickItem> = m
                .rules
                .checklists
                .iter()
                .map(|c| PickItem { label: c.name.clone(), value: PickValue::Checklist(c.checklist().to_json()) })
                .collect();
            if let Some(v) = &m.detail.view {
                for (_, title, body) in &v.article_steps {
                    if let Some(c) = crate::domain::checklist::Checklist::from_steps(title, body) {
                        items
                            .push(PickItem { label: format!("KB: {title}"), value: PickValue::Checklist(c.to_json()) });
                    }
                }
            }
            if items.is_empty() {
                m.complain(
                    "no checklists: define [[checklists]] in the config, or link a KB article with numbered steps",
                );
            } else {
                m.picker = Some(PickerState::with_items(PickField::Checklist, PickTarget::One(Box::new(t)), items));
            }
        }
        Command::CopyRef => {
            let n = m.open_ticket()?.number;
            return Some(vec![Effect::Copy(n.to_string())]);
        }
        Command::Refresh => {
            let id = m.open_ticket().map(|t| t.id)?;
            return Some(vec![Effect::LoadTicket(id)]);
        }
        _ => return None,
    }
    Some(vec![])
}
