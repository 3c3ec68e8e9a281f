//! Small drawing helpers shared by the panes.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::domain::text::{self, Glyphs};
use crate::store::Segment;

/// A search pane's list and preview: side by side from 100 columns, else stacked.
/// `list` is the list's share in percent.
pub fn list_and_preview(area: Rect, list: u16) -> (Rect, Rect) {
    let c = [Constraint::Percentage(list), Constraint::Percentage(100 - list)];
    let [l, p] = if area.width >= 100 { Layout::horizontal(c).areas(area) } else { Layout::vertical(c).areas(area) };
    (l, p)
}

/// " KB: vpn · 3 found ", or the hint while nothing was asked.
pub fn search_title(label: &str, hint: &str, query: &str, loading: bool, found: usize) -> String {
    if query.is_empty() {
        format!(" {label}: {hint} ")
    } else if loading {
        format!(" {label}: {} · searching… ", text::clean(query))
    } else {
        format!(" {label}: {} · {found} found ", text::clean(query))
    }
}

/// Move a selection by `delta` within `len` items; `None` when it stays put.
pub fn step(selected: usize, len: usize, delta: i64) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let to = (selected as i64 + delta).clamp(0, len as i64 - 1) as usize;
    (to != selected).then_some(to)
}

/// The style of matched characters: underlined and bold, legible without colour.
pub fn hit_style() -> Style {
    Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

/// Untrusted single-line text fitted to `w` cells, with the characters at `marks`
/// (char indices into the *cleaned* text, as computed by the caller) highlighted.
pub fn marked(raw: &str, marks: &[usize], w: usize, base: Style, glyphs: Glyphs) -> Vec<Span<'static>> {
    let cleaned = text::clean(raw);
    let shown = text::fit(&cleaned, w, glyphs);
    if marks.is_empty() {
        return vec![Span::styled(shown, base)];
    }
    // `fit` keeps a prefix of the cleaned text: marks index into that prefix.
    let keep = text::truncate(&cleaned, w, glyphs).chars().count();
    let cut = text::width(&cleaned) > w;
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    for (i, c) in shown.chars().enumerate() {
        let hit = i < keep && !(cut && i + 1 == keep) && marks.binary_search(&i).is_ok();
        if hit != run_hit && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), if run_hit { base.patch(hit_style()) } else { base }));
        }
        run_hit = hit;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_hit { base.patch(hit_style()) } else { base }));
    }
    spans
}

/// A search snippet (matched and unmatched pieces) as one line of at most `w` cells.
pub fn snippet(segments: &[Segment], w: usize, base: Style, glyphs: Glyphs) -> Line<'static> {
    let mut spans = Vec::new();
    let mut left = w;
    for s in segments {
        if left == 0 {
            break;
        }
        let piece = text::clean(&s.text).replace('\n', " ");
        let t = text::truncate(&piece, left, glyphs).into_owned();
        left = left.saturating_sub(text::width(&t));
        spans.push(Span::styled(t, if s.hit { base.patch(hit_style()) } else { base }));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_fall_on_the_matched_characters_and_survive_truncation() {
        let spans = marked("printer jam", &[0, 1, 2], 20, Style::default(), Glyphs::Unicode);
        assert_eq!(spans[0].content, "pri");
        assert_eq!(spans[0].style, hit_style());
        assert_eq!(spans[1].content.trim_end(), "nter jam");
        // A mark past the cut is not drawn on the ellipsis.
        let spans = marked("abcdefghij", &[9], 5, Style::default(), Glyphs::Unicode);
        assert!(spans.iter().all(|s| s.style != hit_style()), "{spans:?}");
        // Hostile text is cleaned before marks apply.
        let spans = marked("a\u{1b}]0;x\u{7}b", &[], 30, Style::default(), Glyphs::Unicode);
        assert!(!spans.iter().any(|s| s.content.contains('\u{1b}')));
    }
}
