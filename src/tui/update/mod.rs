//! The console's pure `update`: an action in, the model changed, effects out. Each
//! pane's keys are handled in its own `update.rs` beside its state and view
//! (`tui/queue/update.rs`, `tui/detail/update.rs`, …); the modes that are no pane
//! (prompts, triage) here; results from the worker here too.

pub(crate) mod common;
mod prompt;
mod triage;

use crate::tui::assets::update::update_assets;
use crate::tui::dashboard::update::update_dashboard;
use crate::tui::detail::update::update_detail;
use crate::tui::editor::update::update_editor;
use crate::tui::form::update::update_form;
use crate::tui::kb::update::update_kb;
use crate::tui::picker::update::update_picker;
use crate::tui::queue::update::update_queue;
use prompt::update_prompt;
use triage::{triage_next, update_triage};

use crate::tui::action::{Action, Command};
use crate::tui::defaults::PaneId;
use crate::tui::editor::EditorState;
use crate::tui::effect::Effect;
use crate::tui::form::FormState;

use crate::tui::model::*;
use crate::tui::update::common::*;

/// Apply one action. Pure: no IO, no clock; returns the effects to run.
pub fn update(m: &mut Model, action: Action) -> Vec<Effect> {
    if let Some(effects) = results(m, &action) {
        return effects;
    }
    if m.confirm.is_some() {
        return match action {
            Action::Command(Command::Confirm) => match m.confirm.take() {
                Some(Confirm { effect: Effect::Quit, .. }) => {
                    m.quit = true;
                    vec![]
                }
                Some(Confirm { effect: Effect::RestoreDrafts, .. }) => m.restore_drafts(),
                Some(c) => vec![c.effect],
                None => vec![],
            },
            Action::Command(Command::Deny | Command::CancelInput) => {
                if m.confirm.take().is_some_and(|c| c.effect == Effect::RestoreDrafts) {
                    m.offer = None;
                    m.say("the drafts from last time were discarded");
                } else {
                    m.say("cancelled");
                }
                vec![]
            }
            _ => vec![],
        };
    }
    // Quitting works from everywhere (ctrl-c in a prompt or editor too), and asks
    // first when a draft would be lost.
    if action == Action::Command(Command::Quit) {
        return m.quit_or_ask();
    }
    if m.picker.is_some()
        && let Some(effects) = update_picker(m, &action)
    {
        return effects;
    }
    if m.input.is_some()
        && m.editor.is_some()
        && let Some(effects) = update_prompt(m, &action)
    {
        return effects;
    }
    if m.editor.is_some()
        && let Some(effects) = update_editor(m, &action)
    {
        return effects;
    }
    if m.form.is_some()
        && let Some(effects) = update_form(m, &action)
    {
        return effects;
    }
    if m.input.is_some()
        && let Some(effects) = update_prompt(m, &action)
    {
        return effects;
    }
    if let Action::Command(c) = &action {
        if m.show_help && *c != Command::Quit && *c != Command::ToggleHelp {
            m.show_help = false;
        }
        match c {
            Command::NextPane => {
                let i = PANES.iter().position(|p| *p == m.focus).unwrap_or(0);
                return m.focus_pane(PANES[(i + 1) % PANES.len()]);
            }
            Command::PrevPane => {
                let i = PANES.iter().position(|p| *p == m.focus).unwrap_or(0);
                return m.focus_pane(PANES[(i + PANES.len() - 1) % PANES.len()]);
            }
            Command::FocusQueue => return m.focus_pane(PaneId::Queue),
            Command::FocusDetail => return m.focus_pane(PaneId::Detail),
            Command::FocusKb => return m.focus_pane(PaneId::Kb),
            Command::FocusAssets => return m.focus_pane(PaneId::Assets),
            Command::FocusDashboard => return m.focus_pane(PaneId::Dashboard),
            Command::NewTicket => {
                m.form = Some(FormState::new(m.rules.matrix));
                return vec![];
            }
            Command::SyncNow => {
                return m.sync_now();
            }
            Command::ToggleHelp => {
                m.show_help = !m.show_help;
                return vec![];
            }
            _ => {}
        }
    }
    if m.context() == PaneId::Triage
        && let Some(effects) = update_triage(m, &action)
    {
        return effects;
    }
    let handled = match m.focus {
        PaneId::Detail => update_detail(m, &action),
        PaneId::Kb => update_kb(m, &action),
        PaneId::Assets => update_assets(m, &action),
        PaneId::Dashboard => update_dashboard(m, &action),
        _ => None,
    };
    if let Some(effects) = handled {
        return effects;
    }
    update_queue(m, action)
}

/// Results of effects and screen events, whatever has the focus.
pub(crate) fn results(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    Some(match action {
        Action::TicketLoaded(v) => {
            // A ticket being opened takes the focus only once it is here: no "loading"
            // frame in between (on a slow link that frame costs a whole screen).
            if m.open_on_load {
                m.open_on_load = false;
                m.focus = PaneId::Detail;
                m.detail.scroll = 0;
            }
            if m.detail.view.as_ref().is_none_or(|old| old.ticket.id != v.ticket.id) {
                m.detail.attachment = None;
            }
            m.detail.view = Some(v.clone());
            m.detail.loading = false;
            if m.restoring.as_ref().is_some_and(|r| r.ticket == v.ticket.id) {
                let r = m.restoring.take().expect("restoring");
                let mut e = EditorState::new(r.kind(), v.ticket.clone());
                e.set_text(r.text);
                e.minutes = r.minutes;
                m.editor = Some(e);
                m.say("draft restored");
            }
            // A note or reply just added shows at the end of the timeline.
            if std::mem::take(&mut m.detail.follow) {
                let (w, h) = m.detail_size();
                m.detail.scroll_by(i32::MAX / 2, w, h, m.now_ms, &m.theme);
            }
            vec![]
        }
        Action::Changed { message, ticket } => {
            m.say(message.clone());
            if let Some(t) = m.triage.as_mut()
                && m.detail.view.as_ref().is_some_and(|v| v.ticket.id == *ticket)
                && !t.decided_on.contains(ticket)
            {
                // A decision on the ticket in triage: it stays open for the next
                // decision until the technician moves on (n / enter).
                t.decided += 1;
                t.decided_on.push(*ticket);
            }
            after_change(m, *ticket)
        }
        Action::FailedOn { message, ticket } => {
            m.complain(message.clone());
            after_change(m, *ticket)
        }
        Action::Created { message, ticket } => {
            m.say(message.clone());
            m.detail.loading = true;
            m.open_on_load = true;
            let mut out = vec![Effect::LoadTicket(*ticket)];
            m.queue.loading = true;
            out.push(m.queue.load(m.queue.offset));
            out
        }
        Action::Message(msg) => {
            m.say(msg.clone());
            vec![]
        }
        Action::AttachmentText { name, text } => {
            m.detail.attachment = Some((name.clone(), text.clone()));
            m.detail.scroll = 0;
            m.focus = PaneId::Detail;
            m.say("esc closes the attachment");
            vec![]
        }
        Action::ReportLoaded(r) => {
            m.dashboard.report = Some(r.clone());
            m.dashboard.loading = false;
            vec![]
        }
        Action::BulkDone { message, error } => {
            m.status = Some((message.clone(), *error));
            m.queue.marked.clear();
            m.queue.anchor = None;
            m.queue.loading = true;
            let mut out = vec![m.queue.load(m.queue.offset)];
            if let Some(t) = m.open_ticket() {
                out.push(Effect::LoadTicket(t.id));
            }
            out
        }
        Action::Resize { width, height } => {
            m.width = *width;
            m.height = *height;
            let page = m.page();
            let sel = m.queue.selected as i64;
            match m.queue.select(sel, page) {
                Some(offset) if !m.queue.loading => vec![m.queue.load(offset)],
                _ => vec![],
            }
        }
        Action::Tick { now_ms } => {
            m.now_ms = *now_ms;
            // Clocks move: the cache is refreshed (cheap when nothing changed).
            if m.sla_counts.is_some() { vec![Effect::RefreshSla { full: false }] } else { vec![] }
        }
        Action::SlaRefreshed { computed, counts, escalated } => {
            m.sla_counts = *counts;
            if !escalated.is_empty() {
                m.complain(format!("escalated {}", escalated.join(", ")));
            }
            // New clocks change what the queue shows: reload it.
            if *computed > 0 {
                m.queue.loading = true;
                vec![m.queue.load(m.queue.offset)]
            } else {
                vec![]
            }
        }
        Action::ReplyChecked(found) => {
            // Only the reply still under review takes the answer.
            if let Some(e) = m.editor.as_mut().filter(|e| e.review) {
                e.quotes = found.clone();
            }
            vec![]
        }
        Action::MailStatus { queued, failed, sent, problem } => {
            m.mail = Some((*queued, *failed));
            if let Some(p) = problem {
                m.complain(format!("mail: {p}"));
            }
            // Replies' mail states changed: the open ticket's timeline shows them.
            match m.open_ticket() {
                Some(t) if *sent > 0 => vec![Effect::LoadTicket(t.id)],
                _ => vec![],
            }
        }
        Action::Synced { state, pulled, notices, error } => {
            m.sync = state.clone();
            if let Some(e) = error {
                m.complain(e.clone());
            }
            if let Some(first) = notices.first() {
                let more = if notices.len() > 1 {
                    format!(" (+{} more: tix sync notices)", notices.len() - 1)
                } else {
                    String::new()
                };
                m.complain(format!("{first}{more}"));
            }
            if *pulled == 0 {
                return Some(vec![]);
            }
            // Other technicians' work came in: what is on screen reloads.
            m.queue.loading = true;
            let mut out = vec![m.queue.load(m.queue.offset)];
            if let Some(t) = m.open_ticket() {
                out.push(Effect::LoadTicket(t.id));
            }
            out
        }
        Action::QueueLoaded { generation, offset, rows, total, exact, notice } => {
            let page = m.page();
            let q = &mut m.queue;
            if *generation != q.generation {
                return Some(vec![]); // a late answer for a view or filter we left
            }
            q.loading = false;
            q.set_rows(*offset, rows.clone(), (*total, *exact), notice.clone());
            if m.triage.as_ref().is_some_and(|t| t.want_next) {
                return Some(triage_next(m));
            }
            let q = &mut m.queue;
            let sel = q.selected as i64;
            // The queue may have shrunk meanwhile; keep the selection on a real row.
            match q.select(sel, page) {
                Some(o) if o != *offset => vec![q.load(o)],
                _ => vec![],
            }
        }
        Action::KbLoaded { generation, hits } => m.kb.loaded(*generation, hits.clone()),
        Action::ArticleLoaded(a) => {
            m.kb.preview = Some(a.clone());
            vec![]
        }
        Action::AssetsLoaded { generation, hits } => m.assets.loaded(*generation, hits.clone()),
        Action::AssetTickets { id, rows } => {
            m.assets.detail = Some((*id, rows.clone()));
            vec![]
        }
        Action::PeopleLoaded { generation, found } => {
            if let Some(f) = m.form.as_mut() {
                f.people_loaded(*generation, found.clone());
            }
            vec![]
        }
        Action::PickItems { field, items } => {
            if let Some(p) = m.picker.as_mut().filter(|p| p.field == *field) {
                p.set_items(items.clone());
            }
            vec![]
        }
        Action::EditorReturned { kind, ticket, text } => {
            match text {
                Ok(t) => match m.editor.as_mut() {
                    Some(e) if e.ticket.id == ticket.id => {
                        e.set_text(t.clone());
                        e.confirm_discard = false;
                    }
                    _ => {
                        let mut e = EditorState::new(*kind, (**ticket).clone());
                        e.set_text(t.clone());
                        m.editor = Some(e);
                    }
                },
                Err(msg) => m.complain(msg.clone()),
            }
            vec![]
        }
        Action::Failed(msg) => {
            m.queue.loading = false;
            m.open_on_load = false;
            m.detail.loading = false;
            m.complain(msg.clone());
            vec![]
        }
        Action::Skipped => vec![],
        Action::Click { x, y } => {
            // A click on a queue row selects it (the queue is on the left when split).
            let queue_width = if m.split() { m.width / 2 } else { m.width };
            let on_queue = m.context() == PaneId::Queue || (m.split() && m.context() == PaneId::Detail);
            if on_queue && *x < queue_width && *y >= 2 && *y < m.height.saturating_sub(1) {
                m.focus = PaneId::Queue;
                let page = m.page();
                let to = m.queue.top as i64 + (*y - 2) as i64;
                if (to as u64) < m.queue.total {
                    return Some(match m.queue.select(to, page) {
                        Some(offset) if !m.queue.loading => vec![m.queue.load(offset)],
                        _ => vec![],
                    });
                }
            }
            vec![]
        }
        Action::Command(_) | Action::Insert(_) => return None,
    })
}
