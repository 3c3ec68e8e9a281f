//! Pick-lists for status, priority, assignee, group and category: a short list, narrowed
//! by fuzzy matching as you type, over the open ticket.

pub(crate) mod update;

pub use super::payload::{PickField, PickItem, PickValue};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::theme::Theme;
use super::widgets;
use crate::domain::TicketNumber;
use crate::domain::ids::TicketId;
use crate::domain::plan::TicketEdit;
use crate::domain::text;
use crate::domain::ticket::{Priority, Status, Ticket};

/// What a pick applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum PickTarget {
    /// The open ticket, as it was shown (the lost-update guard).
    One(Box<Ticket>),
    /// Marked queue rows (or the selected one): each is read as it is when applied.
    Many(Vec<(TicketId, TicketNumber)>),
    /// The draft in the editor.
    Draft,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PickerState {
    pub field: PickField,
    pub target: PickTarget,
    pub items: Vec<PickItem>,
    pub filter: String,
    /// Items shown: (index into `items`, matched chars of the label).
    pub shown: Vec<(usize, Vec<usize>)>,
    pub selected: usize,
    pub loading: bool,
}

impl PickerState {
    /// A pick-list for `field` on the open ticket; lists that need the store start
    /// empty and loading (the caller asks for the items).
    pub fn new(field: PickField, ticket: Ticket) -> Self {
        Self::for_target(field, PickTarget::One(Box::new(ticket)))
    }

    /// A pick-list with its items given (macros, canned texts), for any target.
    pub fn with_items(field: PickField, target: PickTarget, items: Vec<PickItem>) -> Self {
        let mut p = Self::for_target(field, target);
        p.set_items(items);
        p
    }

    pub fn for_target(field: PickField, target: PickTarget) -> Self {
        let current = match &target {
            PickTarget::One(t) => Some(t.status),
            _ => None,
        };
        let items = match field {
            // For one ticket: the moves its status allows; for many, every status (each
            // ticket's own move is checked when it is applied).
            PickField::Status => {
                [Status::New, Status::Open, Status::Pending, Status::OnHold, Status::Resolved, Status::Closed]
                    .into_iter()
                    .filter(|s| current.is_none_or(|c| *s != c && c.check_transition(*s, true).is_ok()))
                    .map(|s| PickItem {
                        label: match current {
                            Some(c) if !c.is_open() && s.is_open() => format!("{s} (reopen)"),
                            _ => s.to_string(),
                        },
                        value: PickValue::Status(s),
                    })
                    .collect()
            }
            PickField::Priority => {
                let mut v: Vec<PickItem> = (1..=4u8)
                    .filter_map(|p| Priority::try_from(p).ok())
                    .map(|p| PickItem { label: p.label().to_string(), value: PickValue::Priority(Some(p)) })
                    .collect();
                v.push(PickItem { label: "from urgency × impact".into(), value: PickValue::Priority(None) });
                v
            }
            PickField::Urgency | PickField::Impact => [(1u8, "1 high"), (2, "2 medium"), (3, "3 low")]
                .into_iter()
                .filter_map(|(n, l)| {
                    crate::domain::ticket::Level::try_from(n)
                        .ok()
                        .map(|v| PickItem { label: l.to_string(), value: PickValue::Level(v) })
                })
                .collect(),
            _ => vec![],
        };
        let loading = items.is_empty()
            && !matches!(
                field,
                PickField::Macro | PickField::Canned | PickField::Checklist | PickField::Open | PickField::Relation
            );
        let mut p = PickerState { field, target, items, filter: String::new(), shown: vec![], selected: 0, loading };
        p.refilter();
        p
    }

    pub fn set_items(&mut self, items: Vec<PickItem>) {
        self.items = items;
        self.loading = false;
        self.refilter();
    }

    pub fn type_char(&mut self, c: char) {
        self.filter.push(c);
        self.refilter();
    }

    pub fn delete_back(&mut self) {
        self.filter.pop();
        self.refilter();
    }

    pub fn select(&mut self, delta: i64) {
        if let Some(to) = widgets::step(self.selected, self.shown.len(), delta) {
            self.selected = to;
        }
    }

    /// Narrow the list by fuzzy match on the label, best first (stable for ties).
    fn refilter(&mut self) {
        let m = SkimMatcherV2::default().ignore_case();
        let f = self.filter.trim();
        let mut scored: Vec<(i64, usize, Vec<usize>)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                if f.is_empty() {
                    return Some((0, i, vec![]));
                }
                m.fuzzy_indices(&text::clean(&it.label), f).map(|(s, idx)| (s, i, idx))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.shown = scored.into_iter().map(|(_, i, idx)| (i, idx)).collect();
        self.selected = 0;
    }

    /// The chosen value: the selected item, or the typed text for free-text fields.
    pub fn chosen(&self) -> Option<PickValue> {
        match self.shown.get(self.selected) {
            Some((i, _)) => Some(self.items[*i].value.clone()),
            None if self.field.free() && !self.filter.trim().is_empty() => {
                Some(PickValue::Text(Some(self.filter.trim().to_string())))
            }
            None => None,
        }
    }

    /// The edit the choice means.
    pub fn edit(&self, v: PickValue) -> TicketEdit {
        let mut e = TicketEdit::default();
        match (self.field, v) {
            (_, PickValue::Status(s)) => {
                e.reopen = match &self.target {
                    PickTarget::One(t) => !t.status.is_open() && s.is_open(),
                    _ => false,
                };
                e.status = Some(s);
            }
            (_, PickValue::Priority(p)) => e.priority = Some(p),
            (_, PickValue::Person(p)) => e.assignee = Some(p),
            (PickField::Category, PickValue::Text(t)) => e.category = Some(t),
            (_, PickValue::Text(t)) => e.group = Some(t),
            (PickField::Urgency, PickValue::Level(l)) => e.urgency = Some(l),
            (_, PickValue::Level(l)) => e.impact = Some(l),
            (
                _,
                PickValue::Macro(_)
                | PickValue::Canned(_)
                | PickValue::Checklist(_)
                | PickValue::OpenTicket(_)
                | PickValue::OpenAsset(_)
                | PickValue::OpenAttachment(_)
                | PickValue::OpenArticle(_)
                | PickValue::Relation(..),
            ) => {}
        }
        e
    }

    /// "status → resolved": the choice in words, for confirmations.
    pub fn choice_words(&self) -> String {
        let label = match self.shown.get(self.selected) {
            Some((i, _)) => self.items[*i].label.clone(),
            None => self.filter.trim().to_string(),
        };
        format!("{} → {}", self.field.name(), text::clean(&label))
    }

    /// "#42" or "12 marked tickets", for titles and confirmations.
    pub fn what(&self) -> String {
        match &self.target {
            PickTarget::One(t) => t.number.to_string(),
            PickTarget::Many(v) if v.len() == 1 => v[0].1.to_string(),
            PickTarget::Many(v) => format!("{} marked tickets", v.len()),
            PickTarget::Draft => "the draft".into(),
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let g = theme.glyphs;
        let w = area.width.clamp(20, 50);
        let h = (self.shown.len().max(1) as u16 + 4).min(area.height).max(5.min(area.height));
        let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
        Clear.render(r, buf);
        let title = match self.field {
            PickField::Macro | PickField::Canned => format!(" {} for {} ", self.field.name(), self.what()),
            PickField::Open => format!(" open from {} ", self.what()),
            PickField::Relation => format!(" link a ticket to {} as ", self.what()),
            _ => format!(" {} of {} ", self.field.name(), self.what()),
        };
        let block = Block::default().borders(Borders::ALL).border_set(theme.border()).title(title);
        let inner = block.inner(r);
        block.render(r, buf);
        let iw = inner.width as usize;
        let mut lines = vec![Line::from(vec![
            Span::styled("narrow: ", theme.dim),
            Span::raw(text::truncate(&text::clean(&self.filter), iw.saturating_sub(9), g).into_owned()),
            Span::styled(" ", theme.selected),
        ])];
        if self.loading {
            lines.push(Line::from("loading…"));
        } else if self.shown.is_empty() {
            lines.push(Line::from(if self.field.free() && !self.filter.trim().is_empty() {
                "enter: use what you typed"
            } else {
                "nothing matches"
            }));
        }
        let fits = inner.height.saturating_sub(1).max(1) as usize;
        let first = self.selected.saturating_sub(fits - 1);
        for (n, (i, marks)) in self.shown.iter().enumerate().skip(first).take(fits) {
            let base = if n == self.selected { theme.selected } else { Style::default() };
            let mut spans = vec![Span::styled(if n == self.selected { "> " } else { "  " }, base)];
            spans.extend(widgets::marked(&self.items[*i].label, marks, iw.saturating_sub(2), base, g));
            lines.push(Line::from(spans));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}
