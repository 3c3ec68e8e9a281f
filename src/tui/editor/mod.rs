//! The note/reply editor: multi-line text in the pane. An internal note is saved with
//! ctrl-s; a public reply first goes to a review screen (send / edit / cancel), because
//! the requester will read it.

pub(crate) mod update;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::theme::Theme;
use crate::domain::text::{self, Lines};
use crate::domain::ticket::{EntryKind, Ticket};

/// Stands for the cursor while the text is wrapped (a private-use character).
const CURSOR: char = '\u{e000}';

#[derive(Debug, Clone, PartialEq)]
pub struct EditorState {
    pub kind: EntryKind,
    /// The ticket as it was when writing began.
    pub ticket: Box<Ticket>,
    pub text: String,
    /// Reviewing a public reply before it is sent.
    pub review: bool,
    /// Under review: the internal note or KB article the reply quotes, named.
    pub quotes: Option<String>,
    /// Esc was pressed once on a non-empty draft: a second Esc discards it.
    pub confirm_discard: bool,
    /// Time spent, booked with the entry (ctrl-t).
    pub minutes: Option<u32>,
    /// Where typing goes: a byte index into `text`, always on a char boundary.
    pub cursor: usize,
}

/// Cursor movements in the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Left,
    Right,
    WordLeft,
    WordRight,
    LineStart,
    LineEnd,
    Up,
    Down,
}

impl EditorState {
    pub fn new(kind: EntryKind, ticket: Ticket) -> Self {
        EditorState {
            kind,
            ticket: Box::new(ticket),
            text: String::new(),
            review: false,
            quotes: None,
            confirm_discard: false,
            minutes: None,
            cursor: 0,
        }
    }

    /// Replace the whole text; the cursor goes to its end.
    pub fn set_text(&mut self, text: String) {
        self.cursor = text.len();
        self.text = text;
    }

    /// Insert text at the cursor (a KB excerpt, a canned text); the cursor follows.
    pub fn insert_str(&mut self, more: &str) {
        let at = self.cursor.min(self.text.len());
        self.text.insert_str(at, more);
        self.cursor = at + more.len();
    }

    /// A typed character, at the cursor.
    pub fn insert(&mut self, c: char) {
        let at = self.cursor.min(self.text.len());
        self.text.insert(at, c);
        self.cursor = at + c.len_utf8();
    }

    /// The text before the cursor ends with `s` (`::`, `??`): remove those.
    pub fn take_before(&mut self, s: &str) -> bool {
        if self.text[..self.cursor].ends_with(s) {
            let from = self.cursor - s.len();
            self.text.replace_range(from..self.cursor, "");
            self.cursor = from;
            true
        } else {
            false
        }
    }

    pub fn delete_back(&mut self) {
        if let Some(c) = self.text[..self.cursor].chars().next_back() {
            self.cursor -= c.len_utf8();
            self.text.remove(self.cursor);
        }
    }

    pub fn delete_forward(&mut self) {
        if self.cursor < self.text.len() {
            self.text.remove(self.cursor);
        }
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0)
    }

    fn line_end(&self, at: usize) -> usize {
        self.text[at..].find('\n').map(|i| at + i).unwrap_or(self.text.len())
    }

    /// Move the cursor (up and down keep the column, counted in characters).
    pub fn move_cursor(&mut self, m: Move) {
        let t = &self.text;
        let at = self.cursor.min(t.len());
        self.cursor = match m {
            Move::Left => t[..at].chars().next_back().map(|c| at - c.len_utf8()).unwrap_or(0),
            Move::Right => t[at..].chars().next().map(|c| at + c.len_utf8()).unwrap_or(at),
            Move::WordLeft => {
                let before = t[..at].trim_end_matches(|c: char| !c.is_alphanumeric());
                before
                    .rfind(|c: char| !c.is_alphanumeric())
                    .map(|i| i + before[i..].chars().next().map(char::len_utf8).unwrap_or(1))
                    .unwrap_or(0)
            }
            Move::WordRight => {
                let rest = &t[at..];
                let word = rest.find(|c: char| !c.is_alphanumeric()).unwrap_or(rest.len());
                let gap = rest[word..].find(char::is_alphanumeric).unwrap_or(rest.len() - word);
                at + word + gap
            }
            Move::LineStart => self.line_start(at),
            Move::LineEnd => self.line_end(at),
            Move::Up | Move::Down => {
                let start = self.line_start(at);
                let col = t[start..at].chars().count();
                let target = if m == Move::Up {
                    if start == 0 {
                        return;
                    }
                    self.line_start(start - 1)
                } else {
                    let end = self.line_end(at);
                    if end == t.len() {
                        return;
                    }
                    end + 1
                };
                let end = self.line_end(target);
                t[target..end].char_indices().nth(col).map(|(i, _)| target + i).unwrap_or(end)
            }
        };
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
            if let Some(src) = &self.quotes {
                let warn = format!("It quotes {}, which the requester must not see (e edits).", text::clean(src));
                for l in text::wrap(&warn, inner_w) {
                    lines.push(Line::from(Span::styled(l, theme.error)));
                }
            }
            lines.push(Line::from(""));
        }
        let at = self.cursor.min(self.text.len());
        let before = text::sanitize(&self.text[..at], Lines::Multi, theme.glyphs);
        let after = text::sanitize(&self.text[at..], Lines::Multi, theme.glyphs);
        let mut cursor_line = None;
        if self.review {
            for l in text::wrap(&format!("{before}{after}"), inner_w) {
                lines.push(Line::from(l));
            }
        } else {
            // The cursor is a marker wrapped with the text, then drawn over the character
            // it stands on (or a space at the end of a line).
            for l in text::wrap(&format!("{before}{CURSOR}{after}"), inner_w) {
                match l.split_once(CURSOR) {
                    Some((head, tail)) => {
                        let mut rest = tail.chars();
                        let on = rest.next().map(String::from).unwrap_or_else(|| " ".into());
                        cursor_line = Some(lines.len());
                        lines.push(Line::from(vec![
                            Span::raw(head.to_string()),
                            Span::styled(on, theme.selected),
                            Span::raw(rest.as_str().to_string()),
                        ]));
                    }
                    None => lines.push(Line::from(l)),
                }
            }
        }
        if self.confirm_discard {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled("Esc again discards this draft.", theme.error)));
        }
        // Keep the cursor (else the end of a long draft) in view.
        let height = area.height.saturating_sub(2) as usize;
        let skip = match cursor_line {
            Some(c) if c + 1 < lines.len().saturating_sub(height) + height => {
                (c + 1).saturating_sub(height).min(lines.len().saturating_sub(height))
            }
            _ => lines.len().saturating_sub(height),
        };
        let block =
            Block::default().borders(Borders::ALL).border_set(theme.border()).title(format!(" {} ", self.title()));
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).block(block).render(area, buf);
    }
}
