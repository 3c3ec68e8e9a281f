//! Drawing the whole console from the model: pure, the same model draws the same
//! screen (no store, no clock).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::domain::text;
use crate::tui::defaults::PaneId;

use crate::tui::model::*;

/// Draw the whole console from the model. Pure: the same model draws the same screen.
pub fn render(m: &Model, f: &mut Frame) {
    let area = f.area();
    if area.width < 20 || area.height < 5 {
        f.render_widget(Paragraph::new("tix: window too small"), area);
        return;
    }
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    render_head(m, f, head);
    let buf = f.buffer_mut();
    match (&m.editor, &m.form) {
        (Some(e), _) => e.render(body, buf, &m.theme),
        (None, Some(form)) => form.render(body, buf, &m.theme),
        (None, None) if m.split() => {
            let left = body.width / 2;
            let [q, sep, d] =
                Layout::horizontal([Constraint::Length(left), Constraint::Length(1), Constraint::Min(1)]).areas(body);
            m.queue.render(q, buf, m.now_ms, &m.theme);
            let bar = if m.theme.glyphs == text::Glyphs::Ascii { "|" } else { "│" };
            for y in sep.top()..sep.bottom() {
                buf.set_string(sep.x, y, bar, m.theme.dim);
            }
            m.detail.render(d, buf, m.now_ms, &m.theme);
        }
        (None, None) => match m.focus {
            PaneId::Detail => m.detail.render(body, buf, m.now_ms, &m.theme),
            PaneId::Kb => m.kb.render(body, buf, &m.theme),
            PaneId::Assets => m.assets.render(body, buf, m.now_ms, &m.theme),
            PaneId::Dashboard => m.dashboard.render(body, buf, &m.theme),
            _ => m.queue.render(body, buf, m.now_ms, &m.theme),
        },
    }
    if let Some(p) = &m.picker {
        p.render(body, f.buffer_mut(), &m.theme);
    }
    // A message too long for the status line gets a band of its own above it: the who
    // and the when of a conflict are never cut.
    let band = message_band(m, foot.width);
    if let Some((lines, style)) = &band {
        let h = (lines.len() as u16).min(body.height);
        let r = Rect { x: body.x, y: body.bottom() - h, width: body.width, height: h };
        f.render_widget(Clear, r);
        let text: Vec<Line> =
            lines.iter().take(h as usize).map(|l| Line::from(Span::styled(l.clone(), *style))).collect();
        f.render_widget(Paragraph::new(text), r);
    }
    render_status(m, f, foot, band.is_some());
    if m.show_help {
        render_help(m, f, body);
    }
    if m.theme.glyphs == text::Glyphs::Ascii {
        ascii_only(f.buffer_mut());
    }
}

/// `--ascii`: every glyph the console draws itself becomes ASCII (separators, arrows,
/// ellipses, box lines), whatever widget drew it. Stored text was already made inert by
/// the sanitiser; its letters stay as they are.
fn ascii_only(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let ascii = match cell.symbol() {
            "·" | "•" => "-",
            "→" | "⇒" | "›" | "»" => ">",
            "←" | "‹" | "«" => "<",
            "↑" => "^",
            "↓" => "v",
            "…" => ".",
            "×" => "x",
            "—" | "–" | "─" | "━" => "-",
            "│" | "┃" => "|",
            "┊" | "┆" => ":",
            "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" => "+",
            "“" | "”" => "\"",
            "‘" | "’" => "'",
            "✓" | "✔" => "v",
            "▲" => "^",
            // The sanitiser's placeholders for controls and format characters.
            "⟨" => "<",
            "⟩" => ">",
            c if c.chars().next().is_some_and(|c| ('\u{2400}'..='\u{2426}').contains(&c)) => "^",
            "▼" => "v",
            "█" | "▒" | "░" => "#",
            _ => continue,
        };
        cell.set_symbol(ascii);
    }
}

/// The top line: pane tabs (focused one bold and bracketed) and the pane's title.
pub(crate) fn render_head(m: &Model, f: &mut Frame, area: Rect) {
    let g = m.theme.glyphs;
    let names = [
        (PaneId::Queue, "1 queue"),
        (PaneId::Detail, "2 ticket"),
        (PaneId::Kb, "3 KB"),
        (PaneId::Assets, "4 assets"),
        (PaneId::Dashboard, "5 dashboard"),
    ];
    let mut spans = vec![Span::styled(" tix ", Style::default().add_modifier(Modifier::BOLD))];
    let mut used = 5;
    let narrow = area.width < 100;
    for (p, name) in names {
        let on = m.focus == p;
        // Below 100 columns only the focused pane is named; the others are their keys.
        let s = match (on, narrow) {
            (true, true) => format!(" [{name}]"),
            (true, false) => format!("[{name}]"),
            (false, true) => format!(" {}", &name[..1]),
            (false, false) => format!(" {name} "),
        };
        used += text::width(&s);
        spans.push(Span::styled(s, if on { Style::default().add_modifier(Modifier::BOLD) } else { m.theme.dim }));
    }
    let title = match (m.form.is_some(), m.focus) {
        (true, _) => "new ticket".to_string(),
        (false, PaneId::Detail) if m.triage.is_some() => {
            format!("TRIAGE ({} decided) {}", m.triage.as_ref().map(|t| t.decided).unwrap_or(0), m.detail.title())
        }
        (false, PaneId::Detail) => m.detail.title(),
        (false, PaneId::Kb) => "knowledge base".to_string(),
        (false, PaneId::Assets) => "asset lookup".to_string(),
        (false, PaneId::Dashboard) => "dashboard".to_string(),
        _ => m.queue.title(),
    };
    let room = (area.width as usize).saturating_sub(used + 3);
    if area.width < 60 {
        // Narrow: the title alone.
        spans.truncate(1);
        let room = (area.width as usize).saturating_sub(5);
        spans.push(Span::styled(text::fit(&title, room, g), Style::default().add_modifier(Modifier::BOLD)));
    } else {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(text::fit(&title, room, g), Style::default().add_modifier(Modifier::BOLD)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The status message (or a question) wrapped to the screen's width, when it does not
/// fit on the status line beside the agent and store; at most 3 lines.
fn message_band(m: &Model, width: u16) -> Option<(Vec<String>, Style)> {
    let w = width as usize;
    let (text, style) = match (&m.confirm, &m.status) {
        (Some(c), _) => (text::clean(&c.question).into_owned(), m.theme.error),
        (None, Some((s, err))) if m.input.is_none() || *err => {
            (text::clean(s).into_owned(), if *err { m.theme.error } else { Style::default() })
        }
        _ => return None,
    };
    let room = if m.confirm.is_some() {
        w
    } else {
        w.saturating_sub(text::width(&status_left(m)) + 3 + text::width("? help "))
    };
    if text::width(&text) <= room {
        return None;
    }
    let mut lines = text::wrap(&format!(" {text}"), w.saturating_sub(1).max(1));
    if lines.len() > 3 {
        lines.truncate(3);
        lines[2] = text::fit(&lines[2], w.saturating_sub(1), m.theme.glyphs);
    }
    Some((lines, style))
}

/// The agent, the store, sync and SLA state: the status line's left part.
fn status_left(m: &Model) -> String {
    let sync = m.sync.as_ref().map(|s| format!(" · {}", text::clean(s))).unwrap_or_default();
    let sync = match m.sla_counts {
        Some(c) if c.breached > 0 || c.at_risk > 0 => {
            format!("{sync} · SLA {} breached, {} at risk", c.breached, c.at_risk)
        }
        _ => sync,
    };
    let sync = match m.mail {
        Some((q, f)) if q > 0 || f > 0 => format!("{sync} · mail {q} queued, {f} failed"),
        _ => sync,
    };
    format!(" {} · {}{sync}", text::clean(&m.agent), text::clean(&m.store_name))
}

pub(crate) fn render_status(m: &Model, f: &mut Frame, area: Rect, banded: bool) {
    let g = m.theme.glyphs;
    if let Some(c) = m.confirm.as_ref().filter(|_| !banded) {
        let line =
            Line::from(Span::styled(text::fit(&text::clean(&c.question), area.width as usize, g), m.theme.error));
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some(input) = &m.input {
        let lead = match input.kind {
            InputKind::Filter => "/",
            InputKind::Command => ":",
            InputKind::Kb => "KB search: ",
            InputKind::Assets => "find asset: ",
            InputKind::LinkTicket => "link ticket #",
            InputKind::Time => "time spent (30m, 1h15): ",
            InputKind::MergeInto => "merge into #",
            InputKind::Watch => "watcher (address; -address removes): ",
            InputKind::TickItem => "tick item #",
        };
        let typed = text::clean(&input.text);
        let err = m
            .status
            .as_ref()
            .filter(|s| s.1 && !banded)
            .map(|s| format!("   {}", text::clean(&s.0)))
            .unwrap_or_default();
        let shown = text::fit(&format!("{lead}{typed}"), (area.width as usize).saturating_sub(1), g);
        let cursor = (text::width(&format!("{lead}{typed}")) as u16).min(area.width.saturating_sub(1));
        let line = Line::from(vec![Span::raw(shown.trim_end().to_string()), Span::styled(err, m.theme.error)]);
        f.render_widget(Paragraph::new(line), area);
        f.set_cursor_position((area.x + cursor, area.y));
        return;
    }
    let left = status_left(m);
    let hints = match (m.editor.as_ref().map(|e| e.hints()), m.context()) {
        (Some(h), _) => h,
        (None, PaneId::Form) => "tab next  ctrl-s create  esc discard ",
        (None, PaneId::Picker) => "type to narrow  enter choose  esc cancel ",
        (None, PaneId::Queue) => "? help  enter open  c new  / filter  tab panes  q quit ",
        (None, PaneId::Detail) => "? help  n note  r reply  s status  a assign  esc back ",
        (None, PaneId::Triage) => "u urgency i impact o group t take m macro n/enter next esc stop ",
        (None, PaneId::Kb) => "/ search  l link  i reply with excerpt  esc back ",
        (None, PaneId::Assets) => "/ find  l link to ticket  esc back ",
        (None, PaneId::Dashboard) => "j/k pgup/pgdn scroll  ctrl-r recount  esc back ",
        _ => "",
    };
    let (msg, style) = match m.status.as_ref().filter(|_| !banded) {
        Some((s, true)) => (format!(" · {}", text::clean(s)), m.theme.error),
        Some((s, false)) => (format!(" · {}", text::clean(s)), Style::default()),
        None => (String::new(), Style::default()),
    };
    // A message (or an SLA warning) wins over the hints when room is short.
    let urgent = banded || m.status.is_some() || m.sla_counts.is_some_and(|c| c.breached + c.at_risk > 0);
    let hints = if urgent && (area.width as usize) < text::width(&left) + text::width(&msg) + text::width(hints) {
        "? help "
    } else {
        hints
    };
    let room = (area.width as usize).saturating_sub(text::width(hints) + 1);
    let left_full = format!("{left}{msg}");
    let left_fit = text::fit(&left_full, room, g);
    let line = Line::from(vec![
        Span::styled(left_fit, if m.status.as_ref().is_some_and(|s| s.1 && !banded) { style } else { m.theme.dim }),
        Span::raw(" "),
        Span::styled(hints, m.theme.dim),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

pub(crate) fn render_help(m: &Model, f: &mut Frame, area: Rect) {
    let g = m.theme.glyphs;
    // One column when it fits, else two (80×24 holds every pane's keys).
    let rows_free = area.height.saturating_sub(2).max(1) as usize;
    let cols = if m.help.len() <= rows_free { 1 } else { 2 };
    let w = if cols == 1 { area.width.min(64) } else { area.width };
    let per_col = m.help.len().div_ceil(cols);
    let h = (per_col as u16 + 2).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let col_w = (w.saturating_sub(2) as usize) / cols;
    let key_w = if cols == 1 { 14 } else { 10 };
    let cell = |(k, d): &(String, String)| -> Vec<Span<'static>> {
        let k = text::fit(&format!("{:>key_w$}", text::truncate(k, key_w, g)), key_w, g);
        let d = text::fit(d, col_w.saturating_sub(key_w + 2), g);
        vec![Span::styled(k, Style::default().add_modifier(Modifier::BOLD)), Span::raw("  "), Span::raw(d)]
    };
    let lines: Vec<Line> = (0..per_col)
        .map(|i| {
            let mut spans = Vec::new();
            for c in 0..cols {
                if let Some(item) = m.help.get(c * per_col + i) {
                    spans.extend(cell(item));
                }
            }
            Line::from(spans)
        })
        .collect();
    f.render_widget(Clear, r);
    let block = Block::default().borders(Borders::ALL).border_set(m.theme.border()).title(" keys (esc closes) ");
    f.render_widget(Paragraph::new(lines).block(block), r);
}
