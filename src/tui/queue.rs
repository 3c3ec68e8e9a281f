//! The ticket queue pane: views, a window of rows loaded page by page, the selection.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::model::Effect;
use super::theme::Theme;
use crate::domain::filter::{FilterSpec, Who};
use crate::domain::ids::PersonId;
use crate::domain::text;
use crate::domain::ticket::{Priority, Status};
use crate::domain::time;
use crate::store::{AssigneeFilter, Sort, TicketQuery, TicketRow};

/// How many rows are fetched at a time around the selection.
pub const WINDOW: u32 = 200;

/// A named queue.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub name: String,
    pub query: TicketQuery,
}

/// The built-in views. `me` is the acting agent, when known.
pub fn default_views(me: Option<PersonId>) -> Vec<View> {
    let v = |name: &str, query: TicketQuery| View { name: name.to_string(), query };
    let mine = match me {
        Some(p) => AssigneeFilter::Person(p),
        None => AssigneeFilter::Person(PersonId(uuid::Uuid::nil())),
    };
    vec![
        v("My open", TicketQuery { active: Some(true), assignee: Some(mine), ..Default::default() }),
        v(
            "Unassigned",
            TicketQuery { active: Some(true), assignee: Some(AssigneeFilter::Unassigned), ..Default::default() },
        ),
        v("All open", TicketQuery { active: Some(true), ..Default::default() }),
        v("Pending", TicketQuery { statuses: vec![Status::Pending, Status::OnHold], ..Default::default() }),
        v(
            "Recently resolved",
            TicketQuery { statuses: vec![Status::Resolved, Status::Closed], sort: Sort::Updated, ..Default::default() },
        ),
    ]
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueState {
    pub views: Vec<View>,
    pub view: usize,
    /// Loaded rows: `rows[i]` is result row `offset + i`.
    pub rows: Vec<TicketRow>,
    pub offset: u64,
    pub total: u64,
    /// Absolute index of the selected row.
    pub selected: u64,
    /// First absolute row shown on screen.
    pub top: u64,
    pub loading: bool,
    /// The quick filter as typed, and as understood.
    pub filter: String,
    pub spec: FilterSpec,
    /// Bumped whenever the view or the filter changes: answers for older ones are dropped.
    pub generation: u64,
    pub me: Option<PersonId>,
}

impl QueueState {
    pub fn new(views: Vec<View>, me: Option<PersonId>) -> Self {
        QueueState {
            views,
            view: 0,
            rows: vec![],
            offset: 0,
            total: 0,
            selected: 0,
            top: 0,
            loading: true,
            filter: String::new(),
            spec: FilterSpec::default(),
            generation: 0,
            me,
        }
    }

    /// The query for a window starting at `offset`: the view narrowed by the filter. A
    /// named assignee is resolved by the effect (it needs the store).
    pub fn query(&self, offset: u64) -> (TicketQuery, Option<String>) {
        let mut q = TicketQuery { limit: WINDOW, offset, ..self.views[self.view].query.clone() };
        let s = &self.spec;
        if !s.statuses.is_empty() {
            q.statuses = s.statuses.clone();
            q.active = None;
        }
        if !s.priorities.is_empty() {
            q.priorities = s.priorities.clone();
        }
        if s.group.is_some() {
            q.group = s.group.clone();
        }
        let mut named = None;
        match &s.assignee {
            Some(Who::Me) => q.assignee = Some(AssigneeFilter::Person(self.me.unwrap_or(PersonId(uuid::Uuid::nil())))),
            Some(Who::Nobody) => q.assignee = Some(AssigneeFilter::Unassigned),
            Some(Who::Named(n)) => named = Some(n.clone()),
            None => {}
        }
        if !s.words.is_empty() {
            // As you type, the last word matches as a prefix.
            q.text = Some(format!("{}*", s.words.join(" ")));
        }
        (q, named)
    }

    /// Ask for the window at `offset`.
    pub fn load(&mut self, offset: u64) -> Effect {
        self.loading = true;
        let (query, assignee_name) = self.query(offset);
        Effect::LoadQueue { generation: self.generation, query, assignee_name }
    }

    /// The view or filter changed: start again from the top.
    pub fn restart(&mut self) -> Effect {
        self.generation += 1;
        self.rows.clear();
        self.offset = 0;
        self.selected = 0;
        self.top = 0;
        self.total = 0;
        self.load(0)
    }

    pub fn selected_row(&self) -> Option<&TicketRow> {
        self.selected.checked_sub(self.offset).and_then(|i| self.rows.get(i as usize))
    }

    /// Move the selection to `to` (clamped); returns the window offset to load if the
    /// new selection lies outside the loaded rows.
    pub fn select(&mut self, to: i64, page: u16) -> Option<u64> {
        let last = self.total.saturating_sub(1) as i64;
        self.selected = to.clamp(0, last.max(0)) as u64;
        let page = page.max(1) as u64;
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + page {
            self.top = self.selected + 1 - page;
        }
        let loaded = self.offset..self.offset + self.rows.len() as u64;
        let wanted = self.top..(self.top + page).min(self.total);
        if self.total > 0 && (!loaded.contains(&wanted.start) || wanted.end > loaded.end) {
            // Centre the window on what is shown.
            Some(self.top.saturating_sub(WINDOW as u64 / 4))
        } else {
            None
        }
    }

    /// Rows to draw: those from `top` that are loaded.
    fn visible(&self, height: usize) -> impl Iterator<Item = (u64, &TicketRow)> {
        let start = self.top.saturating_sub(self.offset) as usize;
        self.rows.iter().enumerate().skip(start).take(height).map(move |(i, r)| (self.offset + i as u64, r))
    }

    pub fn title(&self) -> String {
        let view = &self.views[self.view].name;
        let view = if self.filter.is_empty() { view.clone() } else { format!("{view} /{}", text::clean(&self.filter)) };
        if self.loading && self.rows.is_empty() {
            format!("{view} · loading…")
        } else if self.total == 0 {
            format!("{view} · no tickets")
        } else {
            format!("{view} · {} of {}", self.selected + 1, text::thousands(self.total))
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, now_ms: i64, theme: &Theme) {
        let wide = area.width >= 100;
        let mut widths = vec![
            Constraint::Length(7),
            Constraint::Length(3),
            Constraint::Length(8),
            Constraint::Length(4),
            Constraint::Length(if wide { 16 } else { 12 }),
        ];
        let mut header = vec!["NUMBER", "PRI", "STATUS", "AGE", "ASSIGNEE"];
        if wide {
            widths.push(Constraint::Length(18));
            header.push("REQUESTER");
        }
        widths.push(Constraint::Min(10));
        header.push("TITLE");
        let fixed: u16 = widths.iter().map(|c| if let Constraint::Length(n) = c { n + 1 } else { 0 }).sum();
        let title_w = area.width.saturating_sub(fixed) as usize;
        let height = area.height.saturating_sub(1) as usize;
        let rows = self.visible(height).map(|(i, r)| {
            let g = theme.glyphs;
            let mut cells = vec![
                Cell::from(r.number.to_string()),
                Cell::from(r.priority.label()).style(theme.priority(r.priority)),
                Cell::from(r.status.as_str()),
                Cell::from(time::age(r.created_at, now_ms)),
                Cell::from(text::fit(
                    &text::clean(r.assignee.as_deref().unwrap_or("-")),
                    if wide { 16 } else { 12 },
                    g,
                )),
            ];
            if wide {
                cells.push(Cell::from(text::fit(&text::clean(r.requester.as_deref().unwrap_or("-")), 18, g)));
            }
            cells.push(Cell::from(text::fit(&text::clean(&r.title), title_w, g)));
            let row = Row::new(cells);
            if i == self.selected { row.style(theme.selected) } else { row }
        });
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(Style::default().add_modifier(Modifier::BOLD)))
            .column_spacing(1);
        Widget::render(table, area, buf);
        if self.total == 0 && !self.loading && area.height > 2 {
            let msg = Line::from("  Nothing here. [ and ] switch views; q quits.");
            buf.set_line(area.x, area.y + 2, &msg, area.width);
        }
    }
}

/// For the mono theme: priorities stay legible by weight, not colour.
pub fn is_urgent(p: Priority) -> bool {
    p <= Priority::P2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(total: u64) -> QueueState {
        let mut q = QueueState::new(default_views(None), None);
        q.total = total;
        q.loading = false;
        q
    }

    #[test]
    fn moving_past_the_loaded_window_asks_for_the_next_one() {
        let mut q = state(1_000);
        q.rows = vec![]; // nothing loaded yet
        assert!(q.select(0, 20).is_some());
        q.offset = 0;
        q.rows = (0..WINDOW).map(|_| fake_row()).collect();
        assert_eq!(q.select(10, 20), None);
        assert_eq!(q.top, 0);
        assert_eq!(q.select(30, 20), None);
        assert_eq!(q.top, 11, "the selection stays on screen");
        let want = q.select(250, 20).expect("row 250 is not loaded");
        assert!(want <= 231 && want + WINDOW as u64 > 250, "{want}");
        assert!(q.select(5_000, 20).is_some());
        assert_eq!(q.selected, 999, "clamped to the last row");
    }

    fn fake_row() -> TicketRow {
        TicketRow {
            number: crate::domain::TicketNumber(1),
            id: crate::domain::TicketId::from_bytes([1; 16]),
            priority: Priority::P3,
            status: Status::Open,
            title: "x".into(),
            requester: None,
            assignee: None,
            group: None,
            created_at: 0,
            updated_at: 0,
            resolution_due: None,
        }
    }
}
