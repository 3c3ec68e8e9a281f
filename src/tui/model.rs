//! The console's state, the pure `update`, and the pure `render`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::action::{Action, Command};
use super::assets::AssetState;
use super::defaults::PaneId;
use super::detail::DetailState;
use super::editor::EditorState;
use super::form::FormState;
use super::kb::KbState;
use super::picker::{PickField, PickItem, PickTarget, PickValue, PickerState};
use super::queue::QueueState;
use super::theme::Theme;
use crate::domain::TicketNumber;
use crate::domain::ids::{ArticleId, AssetId, TicketId};
use crate::domain::macros::Macro;
use crate::domain::op::LinkTarget;
use crate::domain::plan::{NewTicket, TicketEdit};
use crate::domain::text;
use crate::domain::ticket::{EntryKind, Status, Ticket, TicketRel};
use crate::store::TicketQuery;

/// Work for the driver: it runs these against the store (or, for the last two, the
/// terminal) and feeds back the results.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadQueue {
        generation: u64,
        query: TicketQuery,
        /// `assignee:NAME` from the filter, to resolve against the store.
        assignee_name: Option<String>,
    },
    /// `:42`
    OpenNumber(TicketNumber),
    /// Save a note or send a reply; `seen` is the ticket as it was when writing began.
    AddEntry {
        seen: Box<Ticket>,
        kind: EntryKind,
        body: String,
        minutes: Option<u32>,
    },
    LoadTicket(TicketId),
    /// Assign to me; `seen` is the ticket as shown (the lost-update guard), if it was.
    Take {
        id: TicketId,
        seen: Option<Box<Ticket>>,
    },
    /// Change fields of the ticket as it was seen (pick-lists).
    Edit {
        seen: Box<Ticket>,
        edit: TicketEdit,
    },
    /// Link something to the ticket.
    Link {
        seen: Box<Ticket>,
        target: LinkTarget,
        /// What it is, for the message ("KB “VPN drops”").
        what: String,
    },
    /// Changes to the ticket as it was seen (checklists), written as they are.
    Change {
        seen: Box<Ticket>,
        changes: Vec<crate::domain::op::Change>,
    },
    /// Save a view in the store (`:save view NAME`).
    SaveView(crate::domain::op::ViewRecord),
    /// Merge the ticket into another, given by number.
    Merge {
        seen: Box<Ticket>,
        into: TicketNumber,
    },
    /// Link another ticket, given by number.
    LinkNumber {
        seen: Box<Ticket>,
        number: TicketNumber,
    },
    CreateTicket(Box<NewTicket>),
    /// A macro on the open ticket as it was seen.
    ApplyMacro {
        seen: Box<Ticket>,
        m: Box<Macro>,
    },
    /// An edit or a macro on several tickets, each read as it is now and written on its
    /// own (one refusal does not undo the others; the report says which).
    Bulk {
        tickets: Vec<(TicketId, TicketNumber)>,
        edit: Option<TicketEdit>,
        m: Option<Box<Macro>>,
    },
    SearchKb {
        generation: u64,
        text: String,
    },
    LoadArticle(ArticleId),
    FindAssets {
        generation: u64,
        text: String,
    },
    LoadAssetTickets(AssetId),
    FindPeople {
        generation: u64,
        text: String,
    },
    LoadPickItems(PickField),
    /// The dashboard's figures for [from, to).
    LoadReport {
        from: i64,
        to: i64,
    },
    /// Sync with the shared store now (in the background).
    SyncNow,
    /// Make the recurring tickets that are due (at start).
    RunSchedules,
    /// Bring the SLA clocks of changed tickets up to date (start, each minute, after
    /// writes); `full` checks every open ticket (at start: a sync may have brought old
    /// changes).
    RefreshSla {
        full: bool,
    },
    /// Terminal: put text on the clipboard through OSC 52 (works over SSH).
    Copy(String),
    /// Terminal: hand a draft to $VISUAL / $EDITOR and take it back.
    ExternalEditor {
        kind: EntryKind,
        ticket: Box<Ticket>,
        text: String,
    },
}

impl Effect {
    /// Effects that need the terminal itself rather than the store.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Effect::Copy(_) | Effect::ExternalEditor { .. })
    }
}

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
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triage {
    /// Tickets already shown (decided or skipped).
    pub seen: Vec<TicketId>,
    /// How many were changed.
    pub decided: usize,
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

    fn say(&mut self, msg: impl Into<String>) {
        self.status = Some((msg.into(), false));
    }

    fn complain(&mut self, msg: impl Into<String>) {
        self.status = Some((msg.into(), true));
    }

    /// Switch to a pane; KB and asset panes open their search box when empty.
    fn focus_pane(&mut self, pane: PaneId) -> Vec<Effect> {
        self.focus = pane;
        self.status = None;
        // Leaving the KB pane returns to a draft set aside by `??`.
        if pane != PaneId::Kb && self.parked.is_some() {
            self.editor = self.parked.take();
        }
        match pane {
            PaneId::Kb if self.kb.query.is_empty() => {
                self.input = Some(Input { kind: InputKind::Kb, text: String::new() });
            }
            PaneId::Assets if self.assets.query.is_empty() => {
                self.input = Some(Input { kind: InputKind::Assets, text: String::new() });
            }
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

/// Apply one action. Pure: no IO, no clock; returns the effects to run.
pub fn update(m: &mut Model, action: Action) -> Vec<Effect> {
    if let Some(effects) = results(m, &action) {
        return effects;
    }
    if m.confirm.is_some() {
        return match action {
            Action::Command(Command::Confirm) => m.confirm.take().map(|c| vec![c.effect]).unwrap_or_default(),
            Action::Command(Command::Deny | Command::CancelInput) => {
                m.confirm = None;
                m.say("cancelled");
                vec![]
            }
            _ => vec![],
        };
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
                if m.sync.is_none() {
                    m.complain("this store does not sync: tix sync init PATH or tix sync join PATH");
                    return vec![];
                }
                m.sync = Some("syncing…".into());
                return vec![Effect::SyncNow];
            }
            Command::ToggleHelp => {
                m.show_help = !m.show_help;
                return vec![];
            }
            Command::Quit => {
                m.quit = true;
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
        PaneId::Dashboard => match action {
            Action::Command(Command::Refresh) => Some(vec![m.dashboard.load(m.now_ms)]),
            Action::Command(Command::Back) => Some(m.focus_pane(PaneId::Queue)),
            _ => None,
        },
        _ => None,
    };
    if let Some(effects) = handled {
        return effects;
    }
    update_queue(m, action)
}

/// Results of effects and screen events, whatever has the focus.
fn results(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    Some(match action {
        Action::TicketLoaded(v) => {
            // A ticket being opened takes the focus only once it is here: no "loading"
            // frame in between (on a slow link that frame costs a whole screen).
            if m.open_on_load {
                m.open_on_load = false;
                m.focus = PaneId::Detail;
                m.detail.scroll = 0;
            }
            m.detail.view = Some(v.clone());
            m.detail.loading = false;
            vec![]
        }
        Action::Changed { message, ticket } => {
            m.say(message.clone());
            if let Some(t) = m.triage.as_mut()
                && m.detail.view.as_ref().is_some_and(|v| v.ticket.id == *ticket)
            {
                // A decision on the ticket in triage: on to the next one.
                t.decided += 1;
                t.seen.push(*ticket);
                t.want_next = true;
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
                        e.text = t.clone();
                        e.confirm_discard = false;
                    }
                    _ => {
                        let mut e = EditorState::new(*kind, (**ticket).clone());
                        e.text = t.clone();
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

fn update_queue(m: &mut Model, action: Action) -> Vec<Effect> {
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
            m.say("triage: u urgency · i impact · o group · t take · m macro · r reply · n next · esc stop");
            vec![e]
        }
        Command::ToggleMark => {
            q.toggle_mark();
            // Mark and move on, as in mutt.
            moved(q, q.selected as i64 + 1)
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

/// Keys in triage: decisions on the open ticket; anything else goes to the ticket pane.
fn update_triage(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
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
fn triage_next(m: &mut Model) -> Vec<Effect> {
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

/// The macro pick-list, or why there is none.
fn open_macros(m: &mut Model, target: PickTarget) {
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

/// Keys in the note/reply editor and its review; `None` passes other actions on.
fn update_editor(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let e = m.editor.as_mut()?;
    match action {
        Action::Insert(c) if !e.review => {
            e.text.push(*c);
            e.confirm_discard = false;
            let canned = e.text.ends_with("::");
            let kb = e.text.ends_with("??");
            if canned || kb {
                e.text.truncate(e.text.len() - 2);
            }
            if canned {
                // Canned texts.
                if m.rules.canned.is_empty() {
                    m.complain("no canned texts: define [[canned]] in the config file");
                } else {
                    let items = m
                        .rules
                        .canned
                        .iter()
                        .enumerate()
                        .map(|(i, c)| PickItem { label: c.name.clone(), value: PickValue::Canned(i) })
                        .collect();
                    m.picker = Some(PickerState::with_items(PickField::Canned, PickTarget::Draft, items));
                }
            } else if kb {
                // A KB excerpt: the draft waits while the KB pane searches.
                m.parked = m.editor.take();
                m.focus = PaneId::Kb;
                m.input = Some(Input { kind: InputKind::Kb, text: m.kb.query.clone() });
                m.say("KB: search, then i inserts the excerpt into your draft (esc returns to it)");
            }
        }
        Action::Command(Command::DeleteBack) if !e.review => {
            e.text.pop();
            e.confirm_discard = false;
        }
        Action::Command(Command::CancelInput) => {
            if e.text.trim().is_empty() || e.confirm_discard || e.review {
                m.editor = None;
                m.say("draft discarded");
            } else {
                e.confirm_discard = true;
            }
        }
        Action::Command(Command::EditDraft) => e.review = false,
        Action::Command(Command::BookTime) if !e.review => {
            let text = e.minutes.map(|m| m.to_string()).unwrap_or_default();
            m.input = Some(Input { kind: InputKind::Time, text });
        }
        Action::Command(Command::ExternalEditor) if !e.review => {
            return Some(vec![Effect::ExternalEditor { kind: e.kind, ticket: e.ticket.clone(), text: e.text.clone() }]);
        }
        Action::Command(Command::SubmitInput) => {
            if e.text.trim().is_empty() {
                m.complain("nothing to save: the draft is empty");
            } else if e.kind == EntryKind::Reply && !e.review {
                e.review = true;
            } else {
                let e = m.editor.take().expect("editor is open");
                return Some(vec![Effect::AddEntry { seen: e.ticket, kind: e.kind, body: e.text, minutes: e.minutes }]);
            }
        }
        Action::Command(_) | Action::Insert(_) => {}
        _ => return None,
    }
    Some(vec![])
}

/// Keys in the new-ticket form.
fn update_form(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let f = m.form.as_mut()?;
    let out = match action {
        Action::Insert(c) => f.type_char(*c),
        Action::Command(c) => match c {
            Command::DeleteBack => f.delete_back(),
            Command::NextField => {
                f.enter();
                vec![]
            }
            Command::PrevField => {
                f.move_field(-1);
                vec![]
            }
            Command::SelectNext => {
                f.up_down(1);
                vec![]
            }
            Command::SelectPrev => {
                f.up_down(-1);
                vec![]
            }
            Command::Increase => {
                f.adjust(1);
                vec![]
            }
            Command::Decrease => {
                f.adjust(-1);
                vec![]
            }
            Command::CancelInput => {
                if f.is_blank() || f.confirm_discard {
                    m.form = None;
                    m.say("new ticket discarded");
                } else {
                    f.confirm_discard = true;
                }
                vec![]
            }
            Command::SubmitInput => match f.submit() {
                Ok(t) => {
                    m.form = None;
                    vec![Effect::CreateTicket(Box::new(t))]
                }
                Err(e) => {
                    f.error = Some(e);
                    vec![]
                }
            },
            _ => vec![],
        },
        _ => return None,
    };
    Some(out)
}

/// Keys in a pick-list.
fn update_picker(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
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
fn picked(m: &mut Model, p: PickerState, v: PickValue) -> Vec<Effect> {
    let what = p.what();
    match (p.target.clone(), v.clone()) {
        (PickTarget::Draft, PickValue::Canned(i)) => {
            if let (Some(e), Some(c)) = (m.editor.as_mut(), m.rules.canned.get(i)) {
                e.text.push_str(&c.text);
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

/// Keys typed into a prompt; `None` passes other actions on.
fn update_prompt(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let input = m.input.as_mut()?;
    let kind = input.kind;
    match action {
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
                InputKind::TickItem => tick_item(m, text.trim()),
                InputKind::Time => {
                    match (crate::domain::time::parse_minutes(text.trim()), m.editor.as_mut()) {
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
        InputKind::Command | InputKind::LinkTicket | InputKind::Time | InputKind::MergeInto | InputKind::TickItem => {
            vec![]
        }
    })
}

/// `x` then a number: tick that checklist item off, or back on.
fn tick_item(m: &mut Model, text: &str) -> Vec<Effect> {
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
fn merge_into(m: &mut Model, text: &str) -> Vec<Effect> {
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

/// A view's own filter in the query language: what its base query means (the built-in
/// views are queries, not text).
fn view_filter_text(v: &super::queue::View) -> String {
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

fn link_number(m: &mut Model, text: &str) -> Vec<Effect> {
    let Some(seen) = m.open_ticket().cloned() else { return vec![] };
    match text.parse::<TicketNumber>() {
        Ok(number) => vec![Effect::LinkNumber { seen: Box::new(seen), number }],
        Err(_) => {
            m.complain(format!("'{}' is not a ticket number (e.g. 42 or #42)", text::clean(text)));
            vec![]
        }
    }
}

/// `:42`, `:#42`, `:view NAME`, `:q`.
fn run_command(m: &mut Model, text: &str) -> Vec<Effect> {
    let (verb, rest) = text.split_once(' ').map(|(v, r)| (v, r.trim())).unwrap_or((text, ""));
    match verb {
        "" => vec![],
        "q" | "quit" => {
            m.quit = true;
            vec![]
        }
        "new" => {
            m.form = Some(FormState::new(m.rules.matrix));
            vec![]
        }
        "sync" => update(m, Action::Command(Command::SyncNow)),
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
            let sort = super::queue::SORTS
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

/// The detail pane's own commands; `None` passes the action on to the queue's handling.
fn update_detail(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let Action::Command(c) = action else { return None };
    let w = if m.split() { m.width - m.width / 2 - 1 } else { m.width };
    let (h, now) = (m.height.saturating_sub(2), m.now_ms);
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
            if m.open_ticket().is_some() {
                m.input = Some(Input { kind: InputKind::LinkTicket, text: String::new() });
            }
        }
        Command::MergeInto => {
            if m.open_ticket().is_some() {
                m.input = Some(Input { kind: InputKind::MergeInto, text: String::new() });
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

/// Needs the ticket open in the detail pane; says so when there is none.
fn with_open_ticket(m: &mut Model) -> Option<Box<Ticket>> {
    match m.open_ticket() {
        Some(t) => Some(Box::new(t.clone())),
        None => {
            m.complain("open a ticket first (queue: enter, or :NUMBER), then link from here");
            None
        }
    }
}

fn update_kb(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
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
            e.text.push_str(&excerpt);
            m.editor = Some(e);
            m.focus = PaneId::Detail;
            m.status = None;
            vec![]
        }
        Command::InsertExcerpt => {
            let Some(excerpt) = m.kb.current().map(KbState::excerpt) else { return Some(vec![]) };
            let Some(seen) = with_open_ticket(m) else { return Some(vec![]) };
            let mut e = EditorState::new(EntryKind::Reply, *seen);
            e.text = excerpt;
            m.editor = Some(e);
            m.focus = PaneId::Detail;
            vec![]
        }
        _ => return None,
    })
}

fn update_assets(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
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

/// After a write (or a refused one): reload the queue page and the open ticket.
fn after_change(m: &mut Model, ticket: TicketId) -> Vec<Effect> {
    let q = &mut m.queue;
    q.loading = true;
    let offset = q.offset;
    let mut out = if m.sla_counts.is_some() { vec![Effect::RefreshSla { full: false }] } else { vec![] };
    out.push(q.load(offset));
    // (In triage the next ticket opens instead.)
    let moving_on = m.triage.as_ref().is_some_and(|t| t.want_next);
    if !moving_on && m.detail.view.as_ref().is_some_and(|v| v.ticket.id == ticket) {
        out.push(Effect::LoadTicket(ticket));
    }
    if let PaneId::Assets = m.focus
        && let Some(a) = m.assets.current()
    {
        out.push(Effect::LoadAssetTickets(a.id));
    }
    out
}

/// The relation used when linking tickets from the console.
pub const LINK_REL: TicketRel = TicketRel::Related;

/// Draw the whole console from the model. Pure: the same model draws the same screen.
pub fn render(m: &Model, f: &mut Frame) {
    let area = f.area();
    if area.width < 20 || area.height < 5 {
        f.render_widget(Paragraph::new("tix: window too small"), area);
        return;
    }
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    render_head(m, f, head);
    let buf = f.buffer_mut();
    match (&m.editor, &m.form) {
        (Some(e), _) => e.render(body, buf, &m.theme),
        (None, Some(form)) => form.render(body, buf, &m.theme),
        (None, None) if m.split() => {
            let left = body.width / 2;
            let [q, sep, d] =
                Layout::horizontal([Constraint::Length(left), Constraint::Length(1), Constraint::Min(1)]).areas(body);
            m.queue.render(q, buf, m.now_ms, &m.theme);
            let bar = if m.theme.glyphs == text::Glyphs::Ascii { "|" } else { "│" };
            for y in sep.top()..sep.bottom() {
                buf.set_string(sep.x, y, bar, m.theme.dim);
            }
            m.detail.render(d, buf, m.now_ms, &m.theme);
        }
        (None, None) => match m.focus {
            PaneId::Detail => m.detail.render(body, buf, m.now_ms, &m.theme),
            PaneId::Kb => m.kb.render(body, buf, &m.theme),
            PaneId::Assets => m.assets.render(body, buf, m.now_ms, &m.theme),
            PaneId::Dashboard => m.dashboard.render(body, buf, &m.theme),
            _ => m.queue.render(body, buf, m.now_ms, &m.theme),
        },
    }
    if let Some(p) = &m.picker {
        p.render(body, f.buffer_mut(), &m.theme);
    }
    render_status(m, f, foot);
    if m.show_help {
        render_help(m, f, body);
    }
}

/// The top line: pane tabs (focused one bold and bracketed) and the pane's title.
fn render_head(m: &Model, f: &mut Frame, area: Rect) {
    let g = m.theme.glyphs;
    let names = [
        (PaneId::Queue, "1 queue"),
        (PaneId::Detail, "2 ticket"),
        (PaneId::Kb, "3 KB"),
        (PaneId::Assets, "4 assets"),
        (PaneId::Dashboard, "5 dashboard"),
    ];
    let mut spans = vec![Span::styled(" tix ", Style::default().add_modifier(Modifier::BOLD))];
    let mut used = 5;
    let narrow = area.width < 100;
    for (p, name) in names {
        let on = m.focus == p;
        // Below 100 columns only the focused pane is named; the others are their keys.
        let s = match (on, narrow) {
            (true, true) => format!(" [{name}]"),
            (true, false) => format!("[{name}]"),
            (false, true) => format!(" {}", &name[..1]),
            (false, false) => format!(" {name} "),
        };
        used += text::width(&s);
        spans.push(Span::styled(s, if on { Style::default().add_modifier(Modifier::BOLD) } else { m.theme.dim }));
    }
    let title = match (m.form.is_some(), m.focus) {
        (true, _) => "new ticket".to_string(),
        (false, PaneId::Detail) if m.triage.is_some() => {
            format!("TRIAGE ({} decided) {}", m.triage.as_ref().map(|t| t.decided).unwrap_or(0), m.detail.title())
        }
        (false, PaneId::Detail) => m.detail.title(),
        (false, PaneId::Kb) => "knowledge base".to_string(),
        (false, PaneId::Assets) => "asset lookup".to_string(),
        (false, PaneId::Dashboard) => "dashboard".to_string(),
        _ => m.queue.title(),
    };
    let room = (area.width as usize).saturating_sub(used + 3);
    if area.width < 60 {
        // Narrow: the title alone.
        spans.truncate(1);
        let room = (area.width as usize).saturating_sub(5);
        spans.push(Span::styled(text::fit(&title, room, g), Style::default().add_modifier(Modifier::BOLD)));
    } else {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(text::fit(&title, room, g), Style::default().add_modifier(Modifier::BOLD)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_status(m: &Model, f: &mut Frame, area: Rect) {
    let g = m.theme.glyphs;
    if let Some(c) = &m.confirm {
        let line =
            Line::from(Span::styled(text::fit(&text::clean(&c.question), area.width as usize, g), m.theme.error));
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some(input) = &m.input {
        let lead = match input.kind {
            InputKind::Filter => "/",
            InputKind::Command => ":",
            InputKind::Kb => "KB search: ",
            InputKind::Assets => "find asset: ",
            InputKind::LinkTicket => "link ticket #",
            InputKind::Time => "time spent (30m, 1h15): ",
            InputKind::MergeInto => "merge into #",
            InputKind::TickItem => "tick item #",
        };
        let typed = text::clean(&input.text);
        let err = m.status.as_ref().filter(|s| s.1).map(|s| format!("   {}", text::clean(&s.0))).unwrap_or_default();
        let shown = text::fit(&format!("{lead}{typed}"), (area.width as usize).saturating_sub(1), g);
        let cursor = (text::width(&format!("{lead}{typed}")) as u16).min(area.width.saturating_sub(1));
        let line = Line::from(vec![Span::raw(shown.trim_end().to_string()), Span::styled(err, m.theme.error)]);
        f.render_widget(Paragraph::new(line), area);
        f.set_cursor_position((area.x + cursor, area.y));
        return;
    }
    let sync = m.sync.as_ref().map(|s| format!(" · {}", text::clean(s))).unwrap_or_default();
    let sync = match m.sla_counts {
        Some(c) if c.breached > 0 || c.at_risk > 0 => {
            format!("{sync} · SLA {} breached, {} at risk", c.breached, c.at_risk)
        }
        _ => sync,
    };
    let left = format!(" {} · {}{sync}", text::clean(&m.agent), text::clean(&m.store_name));
    let hints = match (m.editor.as_ref().map(|e| e.hints()), m.context()) {
        (Some(h), _) => h,
        (None, PaneId::Form) => "tab next  ctrl-s create  esc discard ",
        (None, PaneId::Picker) => "type to narrow  enter choose  esc cancel ",
        (None, PaneId::Queue) => "? help  enter open  c new  / filter  tab panes  q quit ",
        (None, PaneId::Detail) => "? help  n note  r reply  s status  a assign  esc back ",
        (None, PaneId::Triage) => "u urgency i impact o group t take m macro n next esc stop ",
        (None, PaneId::Kb) => "/ search  l link  i reply with excerpt  esc back ",
        (None, PaneId::Assets) => "/ find  l link to ticket  esc back ",
        _ => "",
    };
    let (msg, style) = match &m.status {
        Some((s, true)) => (format!(" · {}", text::clean(s)), m.theme.error),
        Some((s, false)) => (format!(" · {}", text::clean(s)), Style::default()),
        None => (String::new(), Style::default()),
    };
    // A message (or an SLA warning) wins over the hints when room is short.
    let urgent = m.status.is_some() || m.sla_counts.is_some_and(|c| c.breached + c.at_risk > 0);
    let hints = if urgent && (area.width as usize) < text::width(&left) + text::width(&msg) + text::width(hints) {
        "? help "
    } else {
        hints
    };
    let room = (area.width as usize).saturating_sub(text::width(hints) + 1);
    let left_full = format!("{left}{msg}");
    let left_fit = text::fit(&left_full, room, g);
    let line = Line::from(vec![
        Span::styled(left_fit, if m.status.as_ref().is_some_and(|s| s.1) { style } else { m.theme.dim }),
        Span::raw(" "),
        Span::styled(hints, m.theme.dim),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

fn render_help(m: &Model, f: &mut Frame, area: Rect) {
    let g = m.theme.glyphs;
    // One column when it fits, else two (80×24 holds every pane's keys).
    let rows_free = area.height.saturating_sub(2).max(1) as usize;
    let cols = if m.help.len() <= rows_free { 1 } else { 2 };
    let w = if cols == 1 { area.width.min(64) } else { area.width };
    let per_col = m.help.len().div_ceil(cols);
    let h = (per_col as u16 + 2).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let col_w = (w.saturating_sub(2) as usize) / cols;
    let key_w = if cols == 1 { 14 } else { 10 };
    let cell = |(k, d): &(String, String)| -> Vec<Span<'static>> {
        let k = text::fit(&format!("{:>key_w$}", text::truncate(k, key_w, g)), key_w, g);
        let d = text::fit(d, col_w.saturating_sub(key_w + 2), g);
        vec![Span::styled(k, Style::default().add_modifier(Modifier::BOLD)), Span::raw("  "), Span::raw(d)]
    };
    let lines: Vec<Line> = (0..per_col)
        .map(|i| {
            let mut spans = Vec::new();
            for c in 0..cols {
                if let Some(item) = m.help.get(c * per_col + i) {
                    spans.extend(cell(item));
                }
            }
            Line::from(spans)
        })
        .collect();
    f.render_widget(Clear, r);
    let block = Block::default().borders(Borders::ALL).border_set(m.theme.border()).title(" keys (esc closes) ");
    f.render_widget(Paragraph::new(lines).block(block), r);
}
