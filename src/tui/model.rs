//! The console's state, the pure `update`, and the pure `render`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::action::{Action, Command};
use super::defaults::PaneId;
use super::detail::DetailState;
use super::queue::QueueState;
use super::theme::Theme;
use crate::domain::ids::TicketId;
use crate::domain::text;
use crate::store::TicketQuery;

/// Work for the driver: it runs these against the store and feeds back the results.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadQueue {
        view: usize,
        query: TicketQuery,
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
}

impl Model {
    /// Rows of the queue table that fit on screen.
    pub fn page(&self) -> u16 {
        self.height.saturating_sub(3).max(1)
    }

    /// The effects to run when the console opens.
    pub fn start(&mut self) -> Vec<Effect> {
        self.queue.loading = true;
        vec![Effect::LoadQueue { view: self.queue.view, query: self.queue.query(0) }]
    }
}

/// Apply one action. Pure: no IO, no clock; returns the effects to run.
pub fn update(m: &mut Model, action: Action) -> Vec<Effect> {
    if m.focus == PaneId::Detail
        && let Some(effects) = update_detail(m, &action)
    {
        return effects;
    }
    let q = &mut m.queue;
    let page = m.height.saturating_sub(3).max(1);
    let reload = |q: &mut QueueState, offset: u64| {
        q.loading = true;
        vec![Effect::LoadQueue { view: q.view, query: q.query(offset) }]
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
                    q.rows.clear();
                    q.offset = 0;
                    q.selected = 0;
                    q.top = 0;
                    q.total = 0;
                    m.status = None;
                    reload(q, 0)
                }
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
                Command::Back | Command::ScrollDown | Command::ScrollUp => vec![],
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
        Action::QueueLoaded { view, offset, rows, total } => {
            if view != q.view {
                return vec![]; // a late answer for a view we left
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
        Action::Failed(msg) => {
            q.loading = false;
            m.status = Some((msg, true));
            vec![]
        }
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
    let mut out = vec![Effect::LoadQueue { view: q.view, query: q.query(q.offset) }];
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
        PaneId::Queue => format!(" tix · {}", m.queue.title()),
        PaneId::Detail => format!(" tix · {}", m.detail.title()),
    };
    let title = text::fit(&title, area.width as usize, m.theme.glyphs);
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(title, Style::default().add_modifier(Modifier::BOLD)))),
        head,
    );
    match m.focus {
        PaneId::Queue => m.queue.render(body, f.buffer_mut(), m.now_ms, &m.theme),
        PaneId::Detail => m.detail.render(body, f.buffer_mut(), m.now_ms, &m.theme),
    }
    render_status(m, f, foot);
    if m.show_help {
        render_help(m, f, body);
    }
}

fn render_status(m: &Model, f: &mut Frame, area: Rect) {
    let g = m.theme.glyphs;
    let left = format!(" {} · {}", text::clean(&m.agent), text::clean(&m.store_name));
    let hints = match m.focus {
        PaneId::Queue => "? help  enter open  t take  [ ] views  q quit ",
        PaneId::Detail => "? help  esc back  t take  q quit ",
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
