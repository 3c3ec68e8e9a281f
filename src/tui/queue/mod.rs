//! The ticket queue pane: views, a window of rows loaded page by page, the selection.

pub(crate) mod update;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table, Widget};

pub use crate::app::views::{SORTS, View, default_views, sort_by_name};

use super::effect::Effect;
use super::theme::Theme;
use crate::domain::TicketNumber;
use crate::domain::filter::FilterSpec;
use crate::domain::ids::{PersonId, TicketId};
use crate::domain::text;
use crate::domain::time;
use crate::store::{Sort, TicketQuery, TicketRow};

/// How many rows are fetched at a time around the selection.
pub const WINDOW: u32 = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct QueueState {
    pub views: Vec<View>,
    pub view: usize,
    /// Loaded rows: `rows[i]` is result row `offset + i`.
    pub rows: Vec<TicketRow>,
    pub offset: u64,
    pub total: u64,
    /// False when `total` is a lower bound (text searches stop counting at a cap).
    pub exact: bool,
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
    /// The order chosen with `S`, over the view's own.
    pub sort: Option<Sort>,
    /// Matched characters of each loaded row's title (for the filter's words).
    pub marks: Vec<Vec<usize>>,
    /// Tickets marked for a bulk action (`v`, `V`), in marking order.
    pub marked: Vec<(TicketId, TicketNumber)>,
    /// Where the last `v` was: `V` marks from there to the selection.
    pub anchor: Option<u64>,
    /// "showing results for …" when the store corrected a typed word.
    pub notice: Option<String>,
}

impl QueueState {
    pub fn new(views: Vec<View>, me: Option<PersonId>) -> Self {
        QueueState {
            views,
            view: 0,
            rows: vec![],
            offset: 0,
            total: 0,
            exact: true,
            selected: 0,
            top: 0,
            loading: true,
            filter: String::new(),
            spec: FilterSpec::default(),
            generation: 0,
            me,
            sort: None,
            marks: vec![],
            marked: vec![],
            anchor: None,
            notice: None,
        }
    }

    /// The query for a window starting at `offset`: the view narrowed by the filter. A
    /// named assignee is resolved by the effect (it needs the store).
    pub fn query(&self, offset: u64) -> (TicketQuery, Option<String>) {
        let (mut q, mut named) = self.views[self.view].query(self.me);
        q.limit = WINDOW;
        q.offset = offset;
        if let Some(sort) = self.sort {
            q.sort = sort;
        }
        if let Some(n) = apply_typed(&mut q, &self.spec, self.me) {
            named = Some(n);
        }
        (q, named)
    }

    /// Store a loaded window, with the filter's matches marked in the titles.
    pub fn set_rows(&mut self, offset: u64, rows: Vec<TicketRow>, (total, exact): (u64, bool), notice: Option<String>) {
        self.notice = notice;
        self.marks = rows.iter().map(|r| title_marks(&r.title, &self.spec.words)).collect();
        self.rows = rows;
        self.offset = offset;
        self.total = total;
        self.exact = exact;
    }

    /// The filter changed: narrow the rows already loaded at once (fuzzy, in memory: the
    /// next frame needs no query), and ask the store for the real answer, unless the
    /// words are too short to search for (then the narrowed rows are the answer).
    pub fn narrow(&mut self) -> Option<Effect> {
        use fuzzy_matcher::FuzzyMatcher;
        let m = fuzzy_matcher::skim::SkimMatcherV2::default().ignore_case();
        let words = &self.spec.words;
        let keep: Vec<bool> = self
            .rows
            .iter()
            .map(|r| {
                let hay = format!(
                    "{} {} {} {}",
                    r.number,
                    r.title,
                    r.requester.as_deref().unwrap_or(""),
                    r.assignee.as_deref().unwrap_or("")
                );
                words.iter().all(|w| m.fuzzy_match(&hay, w.trim_end_matches('*')).is_some())
            })
            .collect();
        let mut k = keep.iter();
        self.rows.retain(|_| *k.next().unwrap_or(&false));
        self.marks = self.rows.iter().map(|r| title_marks(&r.title, &self.spec.words)).collect();
        self.generation += 1;
        self.offset = 0;
        self.selected = 0;
        self.top = 0;
        self.total = self.rows.len() as u64;
        self.exact = false;
        let (q, _) = self.query(0);
        if !self.spec.words.is_empty() && q.text.is_none() {
            self.loading = false;
            return None;
        }
        Some(self.load(0))
    }

    /// The filter has words too short to search the store with: what is shown is the
    /// loaded rows, narrowed.
    pub fn short_words(&self) -> bool {
        !self.spec.words.is_empty() && self.query(0).0.text.is_none()
    }

    /// The next sort order; the queue starts again from the top.
    pub fn cycle_sort(&mut self) -> Effect {
        let now = self.sort.unwrap_or(self.views[self.view].query.sort);
        let i = SORTS.iter().position(|(s, _)| *s == now).unwrap_or(0);
        self.sort = Some(SORTS[(i + 1) % SORTS.len()].0);
        self.restart()
    }

    pub fn sort_name(&self) -> &'static str {
        let now = self.sort.unwrap_or(self.views[self.view].query.sort);
        SORTS.iter().find(|(s, _)| *s == now).map(|(_, n)| *n).unwrap_or("priority")
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

    /// `v`: mark or unmark the selected row.
    pub fn toggle_mark(&mut self) {
        let Some(r) = self.selected_row() else { return };
        let key = (r.id, r.number);
        match self.marked.iter().position(|m| m.0 == key.0) {
            Some(i) => {
                self.marked.remove(i);
            }
            None => self.marked.push(key),
        }
        self.anchor = Some(self.selected);
    }

    /// `V`: mark every loaded row from the last `v` to the selection.
    pub fn mark_range(&mut self) {
        let from = self.anchor.unwrap_or(self.selected);
        let (a, b) = (from.min(self.selected), from.max(self.selected));
        for i in a..=b {
            if let Some(r) = i.checked_sub(self.offset).and_then(|k| self.rows.get(k as usize))
                && !self.marked.iter().any(|m| m.0 == r.id)
            {
                self.marked.push((r.id, r.number));
            }
        }
        self.anchor = Some(self.selected);
    }

    pub fn is_marked(&self, id: TicketId) -> bool {
        self.marked.iter().any(|m| m.0 == id)
    }

    /// What a bulk action applies to: the marked tickets, else the selected one.
    pub fn targets(&self) -> Vec<(TicketId, TicketNumber)> {
        if self.marked.is_empty() {
            self.selected_row().map(|r| vec![(r.id, r.number)]).unwrap_or_default()
        } else {
            self.marked.clone()
        }
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
        let mut view =
            if self.filter.is_empty() { view.clone() } else { format!("{view} /{}", text::clean(&self.filter)) };
        if self.sort.is_some() {
            view = format!("{view} · by {}", self.sort_name());
        }
        if self.short_words() && !self.loading {
            return format!("{view} · {} shown · 2+ letters search all", text::thousands(self.total));
        }
        if let Some(n) = self.notice.as_ref().filter(|_| !self.loading && !self.filter.is_empty()) {
            view = format!("{view} · {n}");
        }
        if self.loading && self.rows.is_empty() {
            format!("{view} · loading…")
        } else if self.total == 0 && !self.loading {
            format!("{view} · no tickets")
        } else if !self.marked.is_empty() {
            let more = if self.exact { "" } else { "+" };
            format!(
                "{view} · {} of {}{more} · {} marked",
                (self.selected + 1).min(self.total.max(1)),
                text::thousands(self.total),
                self.marked.len()
            )
        } else {
            let more = if self.exact { "" } else { "+" };
            let busy = if self.loading { " …" } else { "" };
            format!(
                "{view} · {} of {}{more}{busy}",
                (self.selected + 1).min(self.total.max(1)),
                text::thousands(self.total)
            )
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, now_ms: i64, theme: &Theme) {
        let wide = area.width >= 100;
        // Narrow (the queue beside an open ticket): the title keeps its room, the
        // assignee goes.
        let assignee = area.width >= 70;
        let mut widths = vec![
            Constraint::Length(7),
            Constraint::Length(3),
            Constraint::Length(8),
            Constraint::Length(4),
            Constraint::Length(4),
        ];
        let mut header = vec!["NUMBER", "PRI", "STATUS", "AGE", "DUE"];
        if assignee {
            widths.push(Constraint::Length(if wide { 16 } else { 12 }));
            header.push("ASSIGNEE");
        }
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
                // Marked rows carry a star before the number (not colour alone).
                Cell::from(if self.is_marked(r.id) { format!("*{}", r.number) } else { r.number.to_string() }),
                Cell::from(r.priority.label()).style(theme.priority(r.priority)),
                Cell::from(r.status.as_str()),
                Cell::from(time::age(r.created_at, now_ms)),
                // Resolution due (SLA), while work remains; overdue in the error style
                // (bold without colour) and with a minus sign.
                // (the SLA's most urgent target); at risk with a "!" (bold in mono).
                match r.resolution_due.filter(|_| r.status.is_open()) {
                    Some(due) if due < now_ms => Cell::from(time::until(due, now_ms)).style(theme.error),
                    Some(due) if r.due_warn.is_some_and(|w| w <= now_ms) => {
                        Cell::from(format!("{}!", time::until(due, now_ms))).style(theme.error)
                    }
                    Some(due) => Cell::from(time::until(due, now_ms)),
                    None => Cell::from("-"),
                },
            ];
            if assignee {
                cells.push(Cell::from(text::fit(
                    &text::clean(r.assignee.as_deref().unwrap_or("-")),
                    if wide { 16 } else { 12 },
                    g,
                )));
            }
            if wide {
                cells.push(Cell::from(text::fit(&text::clean(r.requester.as_deref().unwrap_or("-")), 18, g)));
            }
            let marks = self.marks.get((i - self.offset) as usize).map(|v| v.as_slice()).unwrap_or(&[]);
            cells.push(Cell::from(Line::from(super::widgets::marked(&r.title, marks, title_w, Style::default(), g))));
            Row::new(cells)
        });
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(Style::default().add_modifier(Modifier::BOLD)))
            .column_spacing(1);
        Widget::render(table, area, buf);
        // The selection: reverse video from the first column to the end of the row's text,
        // not over the trailing blanks (on a slow link a move then costs ~2 × 80 bytes, not
        // 2 × the window width).
        if self.total > 0 && self.selected >= self.top && ((self.selected - self.top) as usize) < height {
            let y = area.y + 1 + (self.selected - self.top) as u16;
            let end = (area.x..area.right())
                .rev()
                .find(|&x| buf.cell((x, y)).is_some_and(|c| c.symbol() != " "))
                .map(|x| x + 1)
                .unwrap_or(area.x);
            buf.set_style(Rect { x: area.x, y, width: end - area.x, height: 1 }, theme.selected);
        }
        if self.total == 0 && !self.loading && area.height > 2 {
            let msg = Line::from("  Nothing here. [ and ] switch views; q quits.");
            buf.set_line(area.x, area.y + 2, &msg, area.width);
        }
    }
}

/// Narrow a query by a filter being typed; returns an assignee name still to resolve.
/// The words go to the store as typed, as `ticket list -q` sends them: the store's one
/// text path matches the last word as a prefix, so both give the same tickets. Only a
/// filter of one-letter words is not sent (too broad to be quick); the loaded rows are
/// narrowed by it in memory meanwhile.
fn apply_typed(q: &mut TicketQuery, s: &FilterSpec, me: Option<PersonId>) -> Option<String> {
    let named = q.narrow(s, me);
    if s.words.iter().any(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).chars().count() >= 2) {
        let typed = s.words.join(" ");
        q.text = Some(match q.text.take() {
            Some(t) => format!("{t} {typed}"),
            None => typed,
        });
    }
    named
}

/// Which characters of a title the filter's words match (fuzzy, per word), as char
/// indices into the cleaned title. Computed when rows arrive, never while drawing.
pub fn title_marks(title: &str, words: &[String]) -> Vec<usize> {
    use fuzzy_matcher::FuzzyMatcher;
    if words.is_empty() {
        return vec![];
    }
    let m = fuzzy_matcher::skim::SkimMatcherV2::default().ignore_case();
    let cleaned = text::clean(title);
    let mut out: Vec<usize> = words
        .iter()
        .filter_map(|w| m.fuzzy_indices(&cleaned, w.trim_end_matches('*')).map(|(_, idx)| idx))
        .flatten()
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::{Priority, Status};

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

    #[test]
    fn the_title_says_when_a_typed_word_was_corrected_and_typed_words_go_to_the_store_as_typed() {
        let mut q = state(0);
        q.filter = "outlok".into();
        q.spec = crate::domain::filter::parse("outlok").unwrap();
        assert_eq!(q.query(0).0.text.as_deref(), Some("outlok"), "no `*`: the store decides, as for the CLI");
        q.set_rows(0, vec![fake_row()], (1, true), Some("showing results for outlook".into()));
        assert!(q.title().contains("showing results for outlook"), "{}", q.title());
        q.spec = crate::domain::filter::parse("x").unwrap();
        assert_eq!(q.query(0).0.text, None, "one letter narrows the loaded rows only");
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
            due_warn: None,
        }
    }
}
