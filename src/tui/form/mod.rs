//! The new-ticket form: title (required), requester picked by fuzzy search, urgency and
//! impact with the priority they give, and a description.

pub(crate) mod update;

pub use super::payload::Candidate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::effect::Effect;
use super::theme::Theme;
use super::widgets;
use crate::domain::plan::NewTicket;
use crate::domain::text;
use crate::domain::ticket::{Channel, Level, PriorityMatrix};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FormField {
    Title,
    Requester,
    Channel,
    Urgency,
    Impact,
    Description,
}

const FIELDS: [FormField; 6] = [
    FormField::Title,
    FormField::Requester,
    FormField::Channel,
    FormField::Urgency,
    FormField::Impact,
    FormField::Description,
];

const CHANNELS: [Channel; 5] = [Channel::Phone, Channel::Email, Channel::WalkIn, Channel::Chat, Channel::Portal];

#[derive(Debug, Clone, PartialEq)]
pub struct FormState {
    pub field: FormField,
    pub title: String,
    pub requester_query: String,
    pub candidates: Vec<Candidate>,
    pub candidate: usize,
    pub requester: Option<Candidate>,
    pub channel: usize,
    pub urgency: Level,
    pub impact: Level,
    pub description: String,
    pub generation: u64,
    pub error: Option<String>,
    pub confirm_discard: bool,
    pub matrix: PriorityMatrix,
}

impl FormState {
    pub fn new(matrix: PriorityMatrix) -> Self {
        FormState {
            field: FormField::Title,
            title: String::new(),
            requester_query: String::new(),
            candidates: vec![],
            candidate: 0,
            requester: None,
            channel: 0,
            urgency: Level::MEDIUM,
            impact: Level::MEDIUM,
            description: String::new(),
            generation: 0,
            error: None,
            confirm_discard: false,
            matrix,
        }
    }

    pub fn is_blank(&self) -> bool {
        self.title.trim().is_empty() && self.requester.is_none() && self.description.trim().is_empty()
    }

    pub fn move_field(&mut self, delta: i64) {
        let i = FIELDS.iter().position(|f| *f == self.field).unwrap_or(0) as i64;
        self.field = FIELDS[(i + delta).rem_euclid(FIELDS.len() as i64) as usize];
    }

    /// Up/down: candidates in the requester field, fields elsewhere.
    pub fn up_down(&mut self, delta: i64) {
        if self.field == FormField::Requester && !self.candidates.is_empty() {
            self.candidate = (self.candidate as i64 + delta).clamp(0, self.candidates.len() as i64 - 1) as usize;
        } else {
            self.move_field(delta);
        }
    }

    /// Left/right and +/-: levels and channel.
    pub fn adjust(&mut self, delta: i64) {
        let step = |l: Level| Level::try_from((l.get() as i64 - delta).clamp(1, 3) as u8).unwrap_or(l);
        match self.field {
            FormField::Urgency => self.urgency = step(self.urgency),
            FormField::Impact => self.impact = step(self.impact),
            FormField::Channel => {
                self.channel = (self.channel as i64 + delta).rem_euclid(CHANNELS.len() as i64) as usize;
            }
            _ => {}
        }
    }

    pub fn type_char(&mut self, c: char) -> Vec<Effect> {
        self.error = None;
        self.confirm_discard = false;
        match self.field {
            FormField::Title if c != '\n' => self.title.push(c),
            FormField::Description => self.description.push(c),
            FormField::Requester if c != '\n' => {
                self.requester_query.push(c);
                return self.find();
            }
            FormField::Urgency | FormField::Impact => {
                if let Some(l) = c.to_digit(10).and_then(|d| Level::try_from(d as u8).ok()) {
                    if self.field == FormField::Urgency { self.urgency = l } else { self.impact = l }
                }
            }
            _ => {}
        }
        vec![]
    }

    pub fn delete_back(&mut self) -> Vec<Effect> {
        match self.field {
            FormField::Title => {
                self.title.pop();
            }
            FormField::Description => {
                self.description.pop();
            }
            FormField::Requester => {
                if self.requester.take().is_none() {
                    self.requester_query.pop();
                }
                return self.find();
            }
            _ => {}
        }
        vec![]
    }

    fn find(&mut self) -> Vec<Effect> {
        self.generation += 1;
        self.candidate = 0;
        if self.requester_query.trim().is_empty() {
            self.candidates.clear();
            return vec![];
        }
        vec![Effect::FindPeople { generation: self.generation, text: self.requester_query.trim().to_string() }]
    }

    pub fn people_loaded(&mut self, generation: u64, found: Vec<Candidate>) {
        if generation == self.generation {
            self.candidates = found;
            self.candidate = 0;
        }
    }

    /// Enter: take the highlighted requester, or go to the next field.
    pub fn enter(&mut self) {
        if self.field == FormField::Requester
            && let Some(c) = self.candidates.get(self.candidate)
        {
            self.requester = Some(c.clone());
            self.requester_query = c.label.clone();
            self.candidates.clear();
        }
        self.move_field(1);
    }

    /// The ticket to create, or what is missing.
    pub fn submit(&mut self) -> Result<NewTicket, String> {
        if self.title.trim().is_empty() {
            self.field = FormField::Title;
            return Err("a title is required".into());
        }
        if self.requester.is_none() && !self.requester_query.trim().is_empty() {
            self.field = FormField::Requester;
            return Err("pick the requester from the list (up/down, enter), or clear the field".into());
        }
        let mut t = NewTicket::titled(self.title.trim());
        t.description = self.description.trim_end().to_string();
        t.requester = self.requester.as_ref().map(|c| c.id);
        t.urgency = self.urgency;
        t.impact = self.impact;
        t.channel = CHANNELS[self.channel];
        Ok(t)
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let g = theme.glyphs;
        let block = Block::default().borders(Borders::ALL).border_set(theme.border()).title(" new ticket ");
        let inner = block.inner(area);
        block.render(area, buf);
        let w = inner.width as usize;
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let label = |f: FormField, name: &str| {
            let focus = f == self.field;
            Span::styled(format!("{}{name:<12}", if focus { "> " } else { "  " }), if focus { bold } else { theme.dim })
        };
        let value_w = w.saturating_sub(15);
        let input = |f: FormField, s: &str| {
            let shown = text::truncate(&text::clean(s), value_w.saturating_sub(1), g).into_owned();
            let mut spans = vec![Span::raw(shown)];
            if f == self.field {
                spans.push(Span::styled(" ", theme.selected));
            }
            spans
        };
        let mut lines = Vec::new();
        let mut row = vec![label(FormField::Title, "title *")];
        row.extend(input(FormField::Title, &self.title));
        lines.push(Line::from(row));
        let mut row = vec![label(FormField::Requester, "requester")];
        match &self.requester {
            Some(c) => row.push(Span::styled(text::truncate(&text::clean(&c.label), value_w, g).into_owned(), bold)),
            None => row.extend(input(FormField::Requester, &self.requester_query)),
        }
        lines.push(Line::from(row));
        if self.field == FormField::Requester && self.requester.is_none() {
            for (i, c) in self.candidates.iter().enumerate().take(6) {
                let base = if i == self.candidate { theme.selected } else { Style::default() };
                let mut spans = vec![Span::raw(" ".repeat(14))];
                spans.extend(widgets::marked(&c.label, &c.marks, value_w, base, g));
                lines.push(Line::from(spans));
            }
        }
        let level = |l: Level| {
            let word = match l.get() {
                1 => "high",
                2 => "medium",
                _ => "low",
            };
            format!("{} {word}  (left/right or 1-3)", l.get())
        };
        lines.push(Line::from(vec![
            label(FormField::Channel, "channel"),
            Span::raw(format!("{}  (left/right)", CHANNELS[self.channel])),
        ]));
        lines.push(Line::from(vec![label(FormField::Urgency, "urgency"), Span::raw(level(self.urgency))]));
        lines.push(Line::from(vec![label(FormField::Impact, "impact"), Span::raw(level(self.impact))]));
        let p = self.matrix.priority(self.urgency, self.impact);
        lines.push(Line::from(vec![
            Span::styled(format!("  {:<12}", "priority"), theme.dim),
            Span::styled(p.label(), theme.priority(p)),
            Span::raw(format!(" = urgency {} × impact {}", self.urgency.get(), self.impact.get())),
        ]));
        lines.push(Line::from(vec![label(FormField::Description, "description")]));
        let desc = text::sanitize(&self.description, text::Lines::Multi, g);
        let mut desc_lines = text::wrap(&desc, w.saturating_sub(4).max(2));
        if self.field == FormField::Description && desc_lines.is_empty() {
            desc_lines.push(String::new());
        }
        let last = desc_lines.len().saturating_sub(1);
        for (i, l) in desc_lines.into_iter().enumerate() {
            let mut spans = vec![Span::raw("    "), Span::raw(l)];
            if i == last && self.field == FormField::Description {
                spans.push(Span::styled(" ", theme.selected));
            }
            lines.push(Line::from(spans));
        }
        if let Some(e) = &self.error {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(text::clean(e).into_owned(), theme.error)));
        }
        if self.confirm_discard {
            lines.push(Line::from(Span::styled("Esc again discards this ticket.", theme.error)));
        }
        // Keep the focused end in view on short screens.
        let skip = lines.len().saturating_sub(inner.height as usize);
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).render(inner, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::PersonId;

    #[test]
    fn the_form_refuses_a_missing_title_and_computes_priority_from_the_matrix() {
        let mut f = FormState::new(PriorityMatrix::default());
        assert_eq!(f.submit().unwrap_err(), "a title is required");
        for c in "VPN down".chars() {
            f.type_char(c);
        }
        f.move_field(2); // channel
        f.adjust(1);
        f.move_field(1); // urgency
        f.type_char('1');
        f.move_field(1);
        f.adjust(1); // impact 2 → 1
        let t = f.submit().unwrap();
        assert_eq!(t.title, "VPN down");
        assert_eq!((t.urgency.get(), t.impact.get()), (1, 1));
        assert_eq!(t.channel, Channel::Email);
        assert_eq!(f.matrix.priority(t.urgency, t.impact).get(), 1);
    }

    #[test]
    fn a_typed_requester_must_be_picked_from_the_list() {
        let mut f = FormState::new(PriorityMatrix::default());
        f.title = "x".into();
        f.field = FormField::Requester;
        let fx = f.type_char('a');
        assert!(matches!(fx.as_slice(), [Effect::FindPeople { generation: 1, .. }]));
        assert!(f.submit().is_err());
        f.field = FormField::Requester;
        let id = PersonId::new_random();
        f.people_loaded(0, vec![]); // stale answer: ignored
        f.people_loaded(1, vec![Candidate { id, label: "Ann <a@x>".into(), marks: vec![0] }]);
        f.enter();
        assert_eq!(f.field, FormField::Channel);
        assert_eq!(f.submit().unwrap().requester, Some(id));
    }
}
