//! The console's state: focus, mode, the panes' states, the status line. `update`
//! (in `update/`) changes it; `view` draws it.

use super::assets::AssetState;
use super::defaults::PaneId;
use super::detail::DetailState;
use super::drafts::{Drafts, EntryDraft, FormDraft};
use super::editor::EditorState;
use super::effect::Effect;
use super::form::FormState;
use super::kb::KbState;
use super::picker::PickerState;
use super::queue::QueueState;
use super::theme::Theme;
use crate::domain::ids::TicketId;
use crate::domain::ticket::Ticket;

/// A question before an irreversible action: `y` runs the effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub question: String,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub queue: QueueState,
    pub show_help: bool,
    /// The last message, and whether it is an error.
    pub status: Option<(String, bool)>,
    /// "Now" for ages and countdowns; render never reads a clock.
    pub now_ms: i64,
    pub width: u16,
    pub height: u16,
    pub agent: String,
    pub store_name: String,
    /// Sync state for the status line ("synced 14:02", "offline"), once sync is set up.
    pub sync: Option<String>,
    pub quit: bool,
    /// (keys, what they do), from the live keymap.
    pub help: Vec<(String, String)>,
    pub theme: Theme,
    pub focus: PaneId,
    pub detail: DetailState,
    pub kb: KbState,
    pub dashboard: super::dashboard::DashState,
    pub assets: AssetState,
    /// An open `/` or `:` prompt.
    pub input: Option<Input>,
    /// A note or reply being written.
    pub editor: Option<EditorState>,
    pub form: Option<FormState>,
    pub picker: Option<PickerState>,
    pub confirm: Option<Confirm>,
    /// The configured rules: priority matrix, checklists, macros, canned texts,
    /// recurring tickets (shared with the desk core, never copied field by field).
    pub rules: std::sync::Arc<crate::config::Config>,
    /// A ticket asked for with enter / `:N` / create: focus moves to it when it arrives.
    pub open_on_load: bool,
    /// A draft set aside while `??` searches the KB for an excerpt.
    pub parked: Option<EditorState>,
    /// Open tickets at risk / breached, when SLAs are configured (status line).
    pub sla_counts: Option<crate::store::SlaCounts>,
    /// Triage mode: walking the new unassigned tickets one by one.
    pub triage: Option<Triage>,
    /// Drafts an earlier console left, offered back at the start (until answered).
    pub offer: Option<Drafts>,
    /// The relation chosen after `L`, for the number typed next.
    pub link_rel: Option<(crate::domain::ticket::TicketRel, bool)>,
    /// A restored note or reply, waiting for its ticket to load.
    pub restoring: Option<EntryDraft>,
    /// Outbound mail (queued, failed), when the console sends mail (status line).
    pub mail: Option<(u64, u64)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triage {
    /// Tickets already shown (decided or skipped).
    pub seen: Vec<TicketId>,
    /// How many were changed.
    pub decided: usize,
    /// The tickets changed (each counted once, however many decisions).
    pub decided_on: Vec<TicketId>,
    /// The next ticket is to be opened when the queue answers.
    pub want_next: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
    Kb,
    Assets,
    /// The number of a ticket to link to the open one.
    LinkTicket,
    /// Time spent, for the draft in the editor.
    Time,
    /// The number of the ticket to merge the open one into.
    MergeInto,
    /// An address to add as a watcher of the open ticket (`-address` removes it).
    Watch,
    /// The number of a checklist item to tick.
    TickItem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
}

/// The panes Tab cycles through, in order (also their 1–4 keys).
pub const PANES: [PaneId; 5] = [PaneId::Queue, PaneId::Detail, PaneId::Kb, PaneId::Assets, PaneId::Dashboard];

impl Model {
    /// Which bindings apply now.
    pub fn context(&self) -> PaneId {
        if self.confirm.is_some() {
            return PaneId::Confirm;
        }
        if self.picker.is_some() {
            return PaneId::Picker;
        }
        // A prompt opened over the editor (ctrl-t: time spent) takes the keys.
        if self.input.is_some() {
            return PaneId::Prompt;
        }
        match &self.editor {
            Some(e) if e.review => return PaneId::Review,
            Some(_) => return PaneId::Editor,
            None => {}
        }
        if self.form.is_some() {
            PaneId::Form
        } else if self.picker.is_some() {
            PaneId::Picker
        } else if self.input.is_some() {
            PaneId::Prompt
        } else if self.triage.is_some() && self.focus == PaneId::Detail {
            PaneId::Triage
        } else {
            self.focus
        }
    }

    /// Unsaved work, in words ("a note on #42"): quitting asks first when there is some.
    pub fn unsaved(&self) -> Vec<String> {
        let mut out = Vec::new();
        for e in [&self.editor, &self.parked].into_iter().flatten() {
            if !e.text.trim().is_empty() {
                let what = match e.kind {
                    crate::domain::ticket::EntryKind::Note => "note",
                    crate::domain::ticket::EntryKind::Reply => "reply",
                };
                out.push(format!("a {what} on {}", e.ticket.number));
            }
        }
        if let Some(f) = &self.form
            && (!f.title.trim().is_empty() || !f.description.trim().is_empty())
        {
            out.push("a new ticket".into());
        }
        if out.is_empty()
            && let Some(r) = &self.restoring
        {
            out.push(format!("a {} on {}", r.kind, r.number));
        }
        out
    }

    /// What is unsaved now, as kept on disk (an offer not yet answered counts too).
    pub fn drafts(&self) -> Drafts {
        let mut d = self.offer.clone().unwrap_or_default();
        let entry = [&self.editor, &self.parked].into_iter().flatten().find(|e| !e.text.trim().is_empty());
        if let Some(e) = entry {
            d.entry = Some(EntryDraft {
                ticket: e.ticket.id,
                number: e.ticket.number,
                kind: EntryDraft::kind_name(e.kind).into(),
                text: e.text.clone(),
                minutes: e.minutes,
            });
        } else if let Some(r) = &self.restoring {
            d.entry = Some(r.clone());
        }
        if let Some(f) = self.form.as_ref().filter(|f| !f.title.trim().is_empty() || !f.description.trim().is_empty()) {
            d.form = Some(FormDraft { title: f.title.clone(), description: f.description.clone() });
        }
        d
    }

    /// Offer drafts left by an earlier console.
    pub fn offer_drafts(&mut self, d: Drafts) {
        if d.is_empty() {
            return;
        }
        self.confirm = Some(Confirm {
            question: format!("restore {} left unsaved last time? y/n", d.describe()),
            effect: Effect::RestoreDrafts,
        });
        self.offer = Some(d);
    }

    /// `y` to the offer: the form opens as it was; a note or reply opens on its ticket
    /// once that has loaded.
    pub(crate) fn restore_drafts(&mut self) -> Vec<Effect> {
        let Some(d) = self.offer.take() else { return vec![] };
        if let Some(f) = d.form {
            let mut form = super::form::FormState::new(self.rules.matrix);
            form.title = f.title;
            form.description = f.description;
            self.form = Some(form);
        }
        match d.entry {
            Some(e) => {
                let id = e.ticket;
                self.restoring = Some(e);
                self.detail.loading = true;
                self.open_on_load = true;
                self.say("restoring your draft");
                vec![Effect::LoadTicket(id)]
            }
            None => vec![],
        }
    }

    /// Quit, or ask first when a draft would be lost.
    pub(crate) fn quit_or_ask(&mut self) -> Vec<Effect> {
        let unsaved = self.unsaved();
        if unsaved.is_empty() {
            self.quit = true;
        } else {
            self.confirm = Some(Confirm {
                question: format!(
                    "quit with {} unsaved? It is kept as a draft for next time. y/n",
                    unsaved.join(" and ")
                ),
                effect: Effect::Quit,
            });
        }
        vec![]
    }

    /// Width and height of the ticket pane.
    pub fn detail_size(&self) -> (u16, u16) {
        let w = if self.split() { self.width - self.width / 2 - 1 } else { self.width };
        (w, self.height.saturating_sub(2))
    }

    /// Rows of the queue table that fit on screen.
    pub fn page(&self) -> u16 {
        self.height.saturating_sub(3).max(1)
    }

    /// The effects to run when the console opens.
    pub fn start(&mut self) -> Vec<Effect> {
        self.queue.loading = true;
        let mut out = if !self.rules.recurring.is_empty() { vec![Effect::RunSchedules] } else { vec![] };
        if self.sla_counts.is_some() {
            out.push(Effect::RefreshSla { full: true });
        }
        out.push(self.queue.load(0));
        out
    }

    /// The ticket open in the detail pane.
    pub fn open_ticket(&self) -> Option<&Ticket> {
        self.detail.view.as_ref().map(|v| &v.ticket)
    }

    /// Queue and ticket side by side: wide enough, and a ticket is open.
    pub fn split(&self) -> bool {
        self.width >= 100 && self.detail.view.is_some() && matches!(self.focus, PaneId::Queue | PaneId::Detail)
    }

    pub(crate) fn say(&mut self, msg: impl Into<String>) {
        self.status = Some((msg.into(), false));
    }

    pub(crate) fn complain(&mut self, msg: impl Into<String>) {
        self.status = Some((msg.into(), true));
    }

    /// Sync now, when the store syncs (the key and `:sync`).
    pub(crate) fn sync_now(&mut self) -> Vec<Effect> {
        if self.sync.is_none() {
            self.complain("this store does not sync: tix sync init PATH or tix sync join PATH");
            return vec![];
        }
        self.sync = Some("syncing…".into());
        vec![Effect::SyncNow]
    }

    /// Switch to a pane (a draft parked by `??` comes back when leaving the KB pane).
    pub(crate) fn focus_pane(&mut self, pane: PaneId) -> Vec<Effect> {
        self.focus = pane;
        self.status = None;
        // Leaving the KB pane returns to a draft set aside by `??`.
        if pane != PaneId::Kb && self.parked.is_some() {
            self.editor = self.parked.take();
        }
        // The KB and asset panes do not open their search box by themselves: pane keys
        // (1-5, Tab) keep switching panes; `/` starts typing (the hints say so).
        match pane {
            PaneId::Detail if self.detail.view.is_none() => {
                self.say("no ticket open: enter on a queue row or :NUMBER opens one");
            }
            // The figures are counted afresh each time the pane is shown.
            PaneId::Dashboard => return vec![self.dashboard.load(self.now_ms)],
            _ => {}
        }
        vec![]
    }
}
