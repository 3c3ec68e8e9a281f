//! The dashboard pane: the backlog by status, priority and group, created vs resolved
//! per day, backlog age, SLA compliance, median times and per-agent load, for the last
//! 30 days. Computed by the store on the worker thread; drawn from the model.

pub(crate) mod update;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::effect::Effect;
use super::theme::Theme;
use crate::domain::text::{self, Glyphs};
use crate::domain::time::DAY;
use crate::store::Report;

/// Days the dashboard looks back.
pub const PERIOD_DAYS: i64 = 30;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashState {
    pub report: Option<Box<Report>>,
    pub loading: bool,
    /// Lines scrolled (j/k, PgUp/PgDn, g g/G).
    pub scroll: u16,
}

impl DashState {
    /// Ask for the report ending with today (`now_ms`).
    pub fn load(&mut self, now_ms: i64) -> Effect {
        self.loading = true;
        let to = (now_ms.div_euclid(DAY) + 1) * DAY;
        Effect::LoadReport { from: to - PERIOD_DAYS * DAY, to }
    }

    /// Scroll by `delta` lines within the figures drawn in `area` (j/k, PgUp/PgDn).
    pub fn scroll_by(&mut self, delta: i32, area: Rect, theme: &Theme) {
        let max = self.max_scroll(area, theme);
        self.scroll = (self.scroll as i32 + delta).clamp(0, max as i32) as u16;
    }

    fn max_scroll(&self, area: Rect, theme: &Theme) -> u16 {
        let Some(r) = &self.report else { return 0 };
        let inner_h = area.height.saturating_sub(2) as usize;
        let n = if area.width >= 100 {
            let w = (area.width / 2).saturating_sub(2) as usize;
            backlog_lines(r, w, theme).len().max(period_lines(r, w, theme).len())
        } else {
            let w = area.width.saturating_sub(2) as usize;
            backlog_lines(r, w, theme).len() + 2 + period_lines(r, w, theme).len()
        };
        n.saturating_sub(inner_h) as u16
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let Some(r) = &self.report else {
            Paragraph::new(if self.loading { "counting…" } else { "" }).render(area, buf);
            return;
        };
        let block = |t: &str| Block::default().borders(Borders::ALL).border_set(theme.border()).title(format!(" {t} "));
        let scroll = self.scroll.min(self.max_scroll(area, theme));
        let more = |shown: u16, total: usize| if (shown as usize) < total { " (j/k scroll)" } else { "" };
        if area.width >= 100 {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
            // Left: the backlog; right: the period.
            let b = block(&format!("backlog: {} open", text::thousands(r.open)));
            let inner = b.inner(left);
            b.render(left, buf);
            let lines = backlog_lines(r, inner.width as usize, theme);
            Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
            let b = block(&format!("last {PERIOD_DAYS} days"));
            let inner = b.inner(right);
            b.render(right, buf);
            Paragraph::new(period_lines(r, inner.width as usize, theme)).scroll((scroll, 0)).render(inner, buf);
        } else {
            // Narrow: one column that scrolls, so every figure can be reached at 80×24.
            let inner_h = area.height.saturating_sub(2);
            let w = area.width.saturating_sub(2) as usize;
            let mut lines = backlog_lines(r, w, theme);
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!("last {PERIOD_DAYS} days"),
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            )));
            lines.extend(period_lines(r, w, theme));
            let total = lines.len();
            let b = block(&format!("backlog: {} open{}", text::thousands(r.open), more(inner_h + scroll, total)));
            let inner = b.inner(area);
            b.render(area, buf);
            Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
        }
    }
}

/// The backlog: by priority, status, age and group.
fn backlog_lines(r: &Report, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = Vec::new();
    for (title, counts) in
        [("priority", &r.by_priority), ("status", &r.by_status), ("age", &r.age), ("group", &r.by_group)]
    {
        lines.push(Line::from(Span::styled(title.to_string(), bold)));
        let max = counts.iter().map(|c| c.count).max().unwrap_or(1).max(1);
        for c in counts.iter() {
            lines.push(bar_line(&c.label, c.count, max, w, theme.glyphs, theme));
        }
    }
    lines
}

/// The period: created vs resolved per day, SLA compliance, medians, agents.
fn period_lines(r: &Report, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let g = theme.glyphs;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = Vec::new();
    let max = r.days.iter().map(|d| d.created.max(d.resolved)).max().unwrap_or(0).max(1);
    let spark_w = w.saturating_sub(10);
    let days = &r.days[r.days.len().saturating_sub(spark_w)..];
    let spark =
        |f: &dyn Fn(&crate::store::Day) -> u64| -> String { days.iter().map(|d| level(f(d), max, g)).collect() };
    lines.push(Line::from(vec![
        Span::styled("created  ", bold),
        Span::raw(spark(&|d| d.created)),
        Span::raw(format!(" {}", text::thousands(r.created))),
    ]));
    lines.push(Line::from(vec![
        Span::styled("resolved ", bold),
        Span::raw(spark(&|d| d.resolved)),
        Span::raw(format!(" {}", text::thousands(r.resolved))),
    ]));
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("SLA met  ", bold),
        Span::raw(match r.sla_compliance {
            Some(p) => format!("{p:.1}% of {}", text::thousands(r.sla_measured)),
            None => "no resolution targets yet".into(),
        }),
    ]));
    let span = |m: Option<f64>| m.map(minutes).unwrap_or_else(|| "-".into());
    lines.push(Line::from(vec![
        Span::styled("median   ", bold),
        Span::raw(format!(
            "response {} · resolution {}",
            span(r.median_first_response_min),
            span(r.median_resolution_min)
        )),
    ]));
    let sat = &r.satisfaction;
    lines.push(Line::from(vec![
        Span::styled("rating   ", bold),
        Span::raw(match sat.average {
            Some(a) => format!(
                "{a:.1} of 5 · {} answers · {:.0}% answered",
                sat.answers,
                sat.answer_rate.unwrap_or(0.0) * 100.0
            ),
            None => "no ratings yet".into(),
        }),
    ]));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("agents (open now / resolved)", bold)));
    let max = r.agents.iter().map(|a| a.open).max().unwrap_or(1).max(1);
    for a in &r.agents {
        let mut l = bar_line(&a.agent, a.open, max, w.saturating_sub(6), g, theme);
        l.spans.push(Span::raw(format!(" {:>5}", text::thousands(a.resolved))));
        lines.push(l);
    }
    lines
}

/// "label  ████▌    123": a bar of the count's share of `max`.
fn bar_line(label: &str, count: u64, max: u64, w: usize, g: Glyphs, theme: &Theme) -> Line<'static> {
    let label_w = 14.min(w / 3);
    let num = text::thousands(count);
    let bar_w = w.saturating_sub(label_w + num.len() + 3);
    let filled = ((count as f64 / max as f64) * bar_w as f64).round() as usize;
    let (full, empty) = match g {
        Glyphs::Unicode => ("█", " "),
        Glyphs::Ascii => ("#", " "),
    };
    Line::from(vec![
        Span::raw(format!(" {} ", text::fit(&text::clean(label), label_w, g))),
        Span::styled(full.repeat(filled), theme.dim),
        Span::raw(empty.repeat(bar_w - filled.min(bar_w))),
        Span::raw(format!(" {num}")),
    ])
}

/// One sparkline cell for `n` of `max`.
fn level(n: u64, max: u64, g: Glyphs) -> &'static str {
    const UNICODE: [&str; 8] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
    const ASCII: [&str; 8] = ["_", ".", "-", "-", "=", "=", "#", "#"];
    let i = ((n * 7) / max.max(1)) as usize;
    match g {
        Glyphs::Unicode => UNICODE[i.min(7)],
        Glyphs::Ascii => ASCII[i.min(7)],
    }
}

/// Minutes as "2h 28m" / "1d 4h".
fn minutes(min: f64) -> String {
    let m = min.round() as i64;
    match m {
        m if m < 60 => format!("{m}m"),
        m if m < 24 * 60 => format!("{}h {}m", m / 60, m % 60),
        m => format!("{}d {}h", m / (24 * 60), (m % (24 * 60)) / 60),
    }
}
