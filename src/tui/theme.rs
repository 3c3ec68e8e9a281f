//! Styles: the terminal's own 16 colours, or none at all (`NO_COLOR`, monochrome), where
//! priority and selection stay legible through weight and reverse video.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols;

use crate::domain::text::Glyphs;
use crate::domain::ticket::Priority;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub color: bool,
    pub glyphs: Glyphs,
    pub selected: Style,
    pub dim: Style,
    pub error: Style,
}

impl Theme {
    pub fn new(color: bool, ascii: bool) -> Theme {
        Theme {
            color,
            glyphs: if ascii { Glyphs::Ascii } else { Glyphs::Unicode },
            selected: Style::default().add_modifier(Modifier::REVERSED),
            dim: if color {
                Style::default().fg(Color::DarkGray)
            } else {
                Style::default().add_modifier(Modifier::DIM)
            },
            error: if color {
                Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
            } else {
                Style::default().add_modifier(Modifier::BOLD)
            },
        }
    }

    /// Box-drawing borders, or plain ASCII for `--ascii` terminals.
    pub fn border(&self) -> symbols::border::Set<'static> {
        match self.glyphs {
            Glyphs::Unicode => symbols::border::PLAIN,
            Glyphs::Ascii => symbols::border::Set {
                top_left: "+",
                top_right: "+",
                bottom_left: "+",
                bottom_right: "+",
                vertical_left: "|",
                vertical_right: "|",
                horizontal_top: "-",
                horizontal_bottom: "-",
            },
        }
    }

    pub fn priority(&self, p: Priority) -> Style {
        let s = if is_urgent(p) { Style::default().add_modifier(Modifier::BOLD) } else { Style::default() };
        match (self.color, p.get()) {
            (true, 1) => s.fg(Color::Red),
            (true, 2) => s.fg(Color::Yellow),
            _ => s,
        }
    }
}

/// For the mono theme: priorities stay legible by weight, not colour.
pub fn is_urgent(p: Priority) -> bool {
    p <= Priority::P2
}
