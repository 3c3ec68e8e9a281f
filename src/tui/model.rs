//! The console's state, the pure `update`, and the pure `render`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::action::{Action, Command};
use super::defaults::PaneId;
use super::detail::DetailState;
use super::editor::EditorState;
use super::queue::QueueState;
use super::theme::Theme;
use crate::domain::ids::TicketId;
use crate::domain::text;
use crate::domain::ticket::EntryKind;
use crate::store::TicketQuery;

/// Work for the driver: it runs these against the store and feeds back the results.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadQueue {
        generation: u64,
        query: TicketQuery,
        /// `assignee:NAME` from the filter, to resolve against the store.
        assignee_name: Option<String>,
    },
    /// `:42`
    OpenNumber(crate::domain::TicketNumber),
    /// Save a note or send a reply; `seen` is the ticket as it was when writing began.
    AddEntry {
        seen: Box<crate::domain::ticket::Ticket>,
        kind: EntryKind,
        body: String,
    },
    LoadTicket(TicketId),
    /// Assign to me; `seen` is the ticket as shown (the lost-update guard), if it was.
    Take {
        id: TicketId,
        seen: Option<Box<crate::domain::ticket::Ticket>>,
    },
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
    pub quit: bool,
    /// (keys, what they do), from the live keymap.
    pub help: Vec<(String, String)>,
    pub theme: Theme,
    pub focus: PaneId,
    pub detail: DetailState,
    /// An open `/` or `:` prompt.
    pub input: Option<Input>,
    /// A note or reply being written.
    pub editor: Option<EditorState>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
}

impl Model {
    /// Which bindings apply now.
    pub fn context(&self) -> PaneId {
        match (&self.editor, &self.input) {
            (Some(e), _) if e.review => PaneId::Review,
            (Some(_), _) => PaneId::Editor,
            (None, Some(_)) => PaneId::Prompt,
            (None, None) => self.focus,
        }
    }

    /// Rows of the queue table that fit on screen.
    pub fn page(&self) -> u16 {
        self.height.saturating_sub(3).max(1)
    }

    /// The effects to run when the console opens.
    pub fn start(&mut self) -> Vec<Effect> {
        self.queue.loading = true;
        vec![self.queue.load(0)]
    }
}

/// Apply one action. Pure: no IO, no clock; returns the effects to run.
pub fn update(m: &mut Model, action: Action) -> Vec<Effect> {
    if m.editor.is_some()
        && let Some(effects) = update_editor(m, &action)
    {
        return effects;
    }
    if m.input.is_some()
        && let Some(effects) = update_prompt(m, &action)
    {
        return effects;
    }
    if m.focus == PaneId::Detail
        && let Some(effects) = update_detail(m, &action)
    {
        return effects;
    }
    let q = &mut m.queue;
    let page = m.height.saturating_sub(3).max(1);
    let reload = |q: &mut QueueState, offset: u64| {
        q.loading = true;
        vec![q.load(offset)]
    };
    let moved = |q: &mut QueueState, to: i64| match q.select(to, page) {
        Some(offset) if !q.loading => reload(q, offset),
        _ => vec![],
    };
    match action {
        Action::Command(c) => {
            if m.show_help && c != Command::Quit && c != Command::ToggleHelp {
                m.show_help = false;
            }
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
                Command::StartFilter => {
                    m.input = Some(Input { kind: InputKind::Filter, text: q.filter.clone() });
                    vec![]
                }
                Command::StartCommand => {
                    m.input = Some(Input { kind: InputKind::Command, text: String::new() });
                    vec![]
                }
                // Esc in the queue clears a filter.
                Command::CancelInput if !q.filter.is_empty() => {
                    q.filter.clear();
                    q.spec = Default::default();
                    vec![q.restart()]
                }
                Command::SubmitInput | Command::CancelInput | Command::DeleteBack => vec![],
                Command::Refresh => {
                    let offset = q.offset;
                    reload(q, offset)
                }
                Command::OpenTicket => match q.selected_row() {
                    Some(r) => {
                        let id = r.id;
                        m.focus = PaneId::Detail;
                        m.detail = DetailState { view: None, scroll: 0, loading: true };
                        vec![Effect::LoadTicket(id)]
                    }
                    None => vec![],
                },
                Command::TakeTicket => match q.selected_row() {
                    Some(r) => vec![Effect::Take { id: r.id, seen: None }],
                    None => vec![],
                },
                Command::Back
                | Command::ScrollDown
                | Command::ScrollUp
                | Command::AddNote
                | Command::AddReply
                | Command::EditDraft => vec![],
                Command::ToggleHelp => {
                    m.show_help = !m.show_help;
                    vec![]
                }
                Command::Quit => {
                    m.quit = true;
                    vec![]
                }
            }
        }
        Action::TicketLoaded(v) => {
            m.detail.view = Some(v);
            m.detail.loading = false;
            vec![]
        }
        Action::Changed { message, ticket } => {
            m.status = Some((message, false));
            after_change(m, ticket)
        }
        Action::FailedOn { message, ticket } => {
            m.status = Some((message, true));
            after_change(m, ticket)
        }
        Action::Resize { width, height } => {
            m.width = width;
            m.height = height;
            let sel = q.selected as i64;
            moved(q, sel)
        }
        Action::Tick { now_ms } => {
            m.now_ms = now_ms;
            vec![]
        }
        Action::QueueLoaded { generation, offset, rows, total } => {
            if generation != q.generation {
                return vec![]; // a late answer for a view or filter we left
            }
            q.loading = false;
            q.rows = rows;
            q.offset = offset;
            q.total = total;
            let sel = q.selected as i64;
            // The queue may have shrunk meanwhile; keep the selection on a real row.
            match q.select(sel, page) {
                Some(o) if o != offset => reload(q, o),
                _ => vec![],
            }
        }
        // Typed text outside a prompt has nowhere to go.
        Action::Insert(_) => vec![],
        Action::Failed(msg) => {
            q.loading = false;
            m.status = Some((msg, true));
            vec![]
        }
    }
}

/// Keys in the note/reply editor and its review; `None` passes other actions on.
fn update_editor(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let e = m.editor.as_mut()?;
    match action {
        Action::Insert(c) if !e.review => {
            e.text.push(*c);
            e.confirm_discard = false;
        }
        Action::Command(Command::DeleteBack) if !e.review => {
            e.text.pop();
            e.confirm_discard = false;
        }
        Action::Command(Command::CancelInput) => {
            if e.text.trim().is_empty() || e.confirm_discard || e.review {
                m.editor = None;
                m.status = Some(("draft discarded".into(), false));
            } else {
                e.confirm_discard = true;
            }
        }
        Action::Command(Command::EditDraft) => e.review = false,
        Action::Command(Command::SubmitInput) => {
            if e.text.trim().is_empty() {
                m.status = Some(("nothing to save: the draft is empty".into(), true));
            } else if e.kind == EntryKind::Reply && !e.review {
                e.review = true;
            } else {
                let e = m.editor.take().expect("editor is open");
                return Some(vec![Effect::AddEntry { seen: e.ticket, kind: e.kind, body: e.text }]);
            }
        }
        Action::Command(_) | Action::Insert(_) => {}
        _ => return None,
    }
    Some(vec![])
}

/// Keys typed into the `/` or `:` prompt; `None` passes other actions on.
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
                InputKind::Filter => vec![],
                InputKind::Command => run_command(m, text.trim()),
            });
        }
        Action::Command(_) => return Some(vec![]),
        _ => return None,
    }
    // The filter narrows as you type.
    if kind == InputKind::Filter {
        let text = m.input.as_ref().map(|i| i.text.clone()).unwrap_or_default();
        match crate::domain::filter::parse(&text) {
            Ok(spec) => {
                m.status = None;
                m.queue.filter = text;
                m.queue.spec = spec;
                m.focus = PaneId::Queue;
                return Some(vec![m.queue.restart()]);
            }
            Err(e) => m.status = Some((format!("filter {e}"), true)),
        }
    }
    Some(vec![])
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
                    m.status = Some((format!("no view '{rest}' (views: {names})"), true));
                    vec![]
                }
            }
        }
        n => match n.parse::<crate::domain::TicketNumber>() {
            Ok(number) => {
                m.focus = PaneId::Detail;
                m.detail = DetailState { view: None, scroll: 0, loading: true };
                vec![Effect::OpenNumber(number)]
            }
            Err(_) => {
                m.status = Some((format!("unknown command ':{text}' (try :42, :view unassigned, :q)"), true));
                vec![]
            }
        },
    }
}

/// The detail pane's own commands; `None` passes the action on to the common handling.
fn update_detail(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let Action::Command(c) = action else { return None };
    let (w, h, now) = (m.width, m.height.saturating_sub(2), m.now_ms);
    let page = h.max(1) as i32;
    match c {
        Command::ScrollDown => m.detail.scroll_by(1, w, h, now, &m.theme),
        Command::ScrollUp => m.detail.scroll_by(-1, w, h, now, &m.theme),
        Command::PageDown => m.detail.scroll_by(page, w, h, now, &m.theme),
        Command::PageUp => m.detail.scroll_by(-page, w, h, now, &m.theme),
        Command::Back => m.focus = PaneId::Queue,
        Command::AddNote | Command::AddReply => {
            let kind = if *c == Command::AddNote { EntryKind::Note } else { EntryKind::Reply };
            if let Some(v) = &m.detail.view {
                m.editor = Some(EditorState::new(kind, v.ticket.clone()));
            }
        }
        Command::TakeTicket => {
            let seen = m.detail.view.as_ref().map(|v| Box::new(v.ticket.clone()));
            return Some(seen.map(|t| vec![Effect::Take { id: t.id, seen: Some(t) }]).unwrap_or_default());
        }
        Command::Refresh => {
            let id = m.detail.view.as_ref().map(|v| v.ticket.id)?;
            return Some(vec![Effect::LoadTicket(id)]);
        }
        _ => return None,
    }
    Some(vec![])
}

/// After a write (or a refused one): reload the queue page and the open ticket.
fn after_change(m: &mut Model, ticket: TicketId) -> Vec<Effect> {
    let q = &mut m.queue;
    q.loading = true;
    let offset = q.offset;
    let mut out = vec![q.load(offset)];
    if m.focus == PaneId::Detail && m.detail.view.as_ref().is_some_and(|v| v.ticket.id == ticket) {
        out.push(Effect::LoadTicket(ticket));
    }
    out
}

/// Draw the whole console from the model. Pure: the same model draws the same screen.
pub fn render(m: &Model, f: &mut Frame) {
    let area = f.area();
    if area.width < 20 || area.height < 5 {
        f.render_widget(Paragraph::new("tix: window too small"), area);
        return;
    }
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let title = match m.focus {
        PaneId::Detail => format!(" tix · {}", m.detail.title()),
        _ => format!(" tix · {}", m.queue.title()),
    };
    let title = text::fit(&title, area.width as usize, m.theme.glyphs);
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(title, Style::default().add_modifier(Modifier::BOLD)))),
        head,
    );
    match (&m.editor, m.focus) {
        (Some(e), _) => e.render(body, f.buffer_mut(), &m.theme),
        (None, PaneId::Detail) => m.detail.render(body, f.buffer_mut(), m.now_ms, &m.theme),
        (None, _) => m.queue.render(body, f.buffer_mut(), m.now_ms, &m.theme),
    }
    render_status(m, f, foot);
    if m.show_help {
        render_help(m, f, body);
    }
}

fn render_status(m: &Model, f: &mut Frame, area: Rect) {
    let g = m.theme.glyphs;
    if let Some(input) = &m.input {
        let lead = match input.kind {
            InputKind::Filter => "/",
            InputKind::Command => ":",
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
    let left = format!(" {} · {}", text::clean(&m.agent), text::clean(&m.store_name));
    let hints = match m.editor.as_ref().map(|e| e.hints()) {
        Some(h) => h,
        None => match m.focus {
            PaneId::Queue => "? help  enter open  t take  [ ] views  q quit ",
            PaneId::Detail => "? help  esc back  t take  q quit ",
            PaneId::Prompt => "enter accept  esc cancel ",
            PaneId::Editor | PaneId::Review => "",
        },
    };
    let (msg, style) = match &m.status {
        Some((s, true)) => (format!(" · {}", text::clean(s)), m.theme.error),
        Some((s, false)) => (format!(" · {}", text::clean(s)), Style::default()),
        None => (String::new(), Style::default()),
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
    let w = area.width.min(60);
    let h = (m.help.len() as u16 + 2).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let lines: Vec<Line> = m
        .help
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(format!("{k:>12}  "), Style::default().add_modifier(Modifier::BOLD)),
                Span::raw(d.clone()),
            ])
        })
        .collect();
    f.render_widget(Clear, r);
    let block = Block::default().borders(Borders::ALL).border_set(m.theme.border()).title(" keys ");
    f.render_widget(Paragraph::new(lines).block(block), r);
}
