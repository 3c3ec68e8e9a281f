//! The note/reply editor: multi-line text in the pane. An internal note is saved with
//! ctrl-s; a public reply first goes to a review screen (send / edit / cancel), because
//! the requester will read it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::theme::Theme;
use crate::domain::text::{self, Lines};
use crate::domain::ticket::{EntryKind, Ticket};

#[derive(Debug, Clone, PartialEq)]
pub struct EditorState {
    pub kind: EntryKind,
    /// The ticket as it was when writing began.
    pub ticket: Box<Ticket>,
    pub text: String,
    /// Reviewing a public reply before it is sent.
    pub review: bool,
    /// Esc was pressed once on a non-empty draft: a second Esc discards it.
    pub confirm_discard: bool,
    /// Time spent, booked with the entry (ctrl-t).
    pub minutes: Option<u32>,
}

impl EditorState {
    pub fn new(kind: EntryKind, ticket: Ticket) -> Self {
        EditorState {
            kind,
            ticket: Box::new(ticket),
            text: String::new(),
            review: false,
            confirm_discard: false,
            minutes: None,
        }
    }

    pub fn title(&self) -> String {
        let what = match (self.kind, self.review) {
            (EntryKind::Note, _) => "INTERNAL NOTE",
            (EntryKind::Reply, false) => "PUBLIC REPLY",
            (EntryKind::Reply, true) => "REVIEW PUBLIC REPLY",
        };
        let time =
            self.minutes.map(|m| format!(" · {} booked", crate::domain::time::minutes_text(m))).unwrap_or_default();
        format!("{what} on {}{time}", self.ticket.number)
    }

    pub fn hints(&self) -> &'static str {
        match (self.kind, self.review) {
            (_, true) => "s send  e edit  c cancel ",
            (EntryKind::Note, false) => "ctrl-s save  ctrl-t time  esc discard ",
            (EntryKind::Reply, false) => "ctrl-s review  ctrl-t time  esc discard ",
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let inner_w = area.width.saturating_sub(2).max(1) as usize;
        let mut lines: Vec<Line> = Vec::new();
        if self.review {
            let to = self
                .ticket
                .requester
                .as_ref()
                .map(|p| text::clean(&p.name).into_owned())
                .unwrap_or_else(|| "the requester".into());
            lines.push(Line::from(Span::styled(
                format!("This reply will be visible to {to}:"),
                Style::default().add_modifier(Modifier::BOLD),
            )));
            lines.push(Line::from(""));
        }
        let body = text::sanitize(&self.text, Lines::Multi, theme.glyphs);
        for l in text::wrap(&body, inner_w) {
            lines.push(Line::from(l));
        }
        if !self.review {
            // The cursor sits at the end of the text.
            match lines.last_mut() {
                Some(last) if text::width(&last.to_string()) < inner_w => {
                    last.push_span(Span::styled(" ", theme.selected))
                }
                _ => lines.push(Line::from(Span::styled(" ", theme.selected))),
            }
        }
        if self.confirm_discard {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled("Esc again discards this draft.", theme.error)));
        }
        // Keep the end of a long draft in view.
        let height = area.height.saturating_sub(2) as usize;
        let skip = lines.len().saturating_sub(height);
        let block =
            Block::default().borders(Borders::ALL).border_set(theme.border()).title(format!(" {} ", self.title()));
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).block(block).render(area, buf);
    }
}
