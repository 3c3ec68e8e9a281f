//! The ticket detail pane: header fields, description, timeline, links. Scrollable.

pub(crate) mod update;

pub use super::payload::TicketView;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::theme::Theme;
use crate::domain::asset::warranty_state;
use crate::domain::text::{self, Lines};
use crate::domain::ticket::EntryKind;
use crate::domain::time;
use crate::store::TimelineEvent;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetailState {
    pub view: Option<Box<TicketView>>,
    pub scroll: u16,
    pub loading: bool,
    /// Scroll to the end when the ticket next arrives (a note or reply was just added).
    pub follow: bool,
    /// A text attachment being read in the pane: (name, text).
    pub attachment: Option<(String, String)>,
}

impl DetailState {
    pub fn title(&self) -> String {
        match &self.view {
            Some(v) => format!("{} {}", v.ticket.number, text::clean(&v.ticket.title)),
            None => "loading…".into(),
        }
    }

    /// The pane's text as lines for a given width (wrapped, sanitised).
    pub fn lines(&self, width: u16, now_ms: i64, theme: &Theme) -> Vec<Line<'static>> {
        if let Some((name, body)) = &self.attachment {
            // Attachment text is hostile like any mail: through the sanitiser.
            let mut out = vec![Line::from(Span::styled(
                format!("Attachment {} (esc closes)", text::clean(name)),
                Style::default().add_modifier(Modifier::BOLD),
            ))];
            out.push(Line::from(""));
            for l in wrap(body, width.max(10) as usize) {
                out.push(Line::from(l));
            }
            return out;
        }
        let Some(v) = &self.view else { return vec![Line::from("loading…")] };
        let t = &v.ticket;
        let w = width.max(10) as usize;
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let mut out: Vec<Line<'static>> = Vec::new();
        let person = |p: &Option<crate::domain::ticket::PersonRef>| {
            p.as_ref().map(|p| text::clean(&p.name).into_owned()).unwrap_or_else(|| "-".into())
        };
        let field = |k: &str, v: String| Line::from(vec![Span::styled(format!("{k:<10}"), bold), Span::raw(v)]);
        out.push(Line::from(vec![
            Span::styled(format!("{} ", t.priority.label()), theme.priority(t.priority)),
            Span::styled(t.status.as_str().to_uppercase(), bold),
            Span::raw(format!(" · {} · via {}", t.kind, t.channel)),
        ]));
        out.push(field("requester", person(&t.requester)));
        out.push(field("assignee", person(&t.assignee)));
        out.push(field("group", t.group.as_deref().map(|g| text::clean(g).into_owned()).unwrap_or_else(|| "-".into())));
        out.push(field(
            "priority",
            format!(
                "{} (urgency {} × impact {}{})",
                t.priority.label(),
                t.urgency,
                t.impact,
                if t.priority_override { ", set by hand" } else { "" }
            ),
        ));
        out.push(field(
            "opened",
            format!("{} ago · updated {} ago", time::age(t.created_at, now_ms), time::age(t.updated_at, now_ms)),
        ));
        if let Some((policy, summary, worst)) = &v.sla {
            let late = matches!(
                worst,
                Some(crate::domain::sla::SlaState::Breached | crate::domain::sla::SlaState::AtRisk { .. })
            );
            out.push(Line::from(vec![
                Span::styled(format!("{:<10}", "SLA"), bold),
                Span::styled(
                    format!("{summary} ({})", text::clean(policy)),
                    if late { theme.error } else { Style::default() },
                ),
            ]));
        } else if t.status.is_open() && (t.response_due.is_some() || t.resolution_due.is_some()) {
            let mut parts = Vec::new();
            if let Some(d) = t.response_due.filter(|_| t.first_response_at.is_none()) {
                parts.push(format!("first response {}", due_words(d, now_ms)));
            }
            if let Some(d) = t.resolution_due {
                parts.push(format!("resolution {}", due_words(d, now_ms)));
            }
            if !parts.is_empty() {
                let late = parts.iter().any(|p| p.contains("OVERDUE"));
                out.push(Line::from(vec![
                    Span::styled(format!("{:<10}", "SLA"), bold),
                    Span::styled(parts.join(" · "), if late { theme.error } else { Style::default() }),
                ]));
            }
        }
        if v.minutes > 0 {
            out.push(field("time", format!("{} booked", time::minutes_text(v.minutes as u32))));
        }
        if !t.tags.is_empty() {
            out.push(field("tags", text::clean(&t.tags.join(", ")).into_owned()));
        }
        if !t.description.is_empty() {
            out.push(Line::from(""));
            for l in wrap(&t.description, w) {
                out.push(Line::from(l));
            }
        }
        if let Some(c) = t.checklist.as_deref().and_then(|s| crate::domain::checklist::Checklist::from_json(s).ok()) {
            out.push(Line::from(""));
            let (done, all) = c.progress();
            out.push(Line::from(Span::styled(
                format!("Checklist: {} ({done} of {all} done; x ticks an item)", text::clean(&c.name)),
                bold,
            )));
            for (i, it) in c.items.iter().enumerate() {
                let mark = if it.done { "[x]" } else { "[ ]" };
                let req = if it.required && !it.done { " (required)" } else { "" };
                let l = format!("  {:>2}. {mark} {}{req}", i + 1, text::clean(&it.text));
                out.push(Line::from(Span::styled(l, if it.done { theme.dim } else { Style::default() })));
            }
        }
        if !v.assets.is_empty() {
            out.push(Line::from(""));
            out.push(Line::from(Span::styled("Assets", bold)));
            let today = time::iso_date(now_ms);
            for a in &v.assets {
                let r = &a.record;
                out.push(Line::from(format!(
                    "  {} {} {} · warranty: {}",
                    text::clean(&r.tag),
                    text::clean(r.hostname.as_deref().unwrap_or("")),
                    text::clean(r.model.as_deref().unwrap_or("")),
                    warranty_state(r.warranty_end.as_deref(), &today)
                )));
            }
        }
        if !v.attachments.is_empty() {
            out.push(Line::from(""));
            out.push(Line::from(Span::styled("Attachments (enter opens)", bold)));
            for (i, a) in v.attachments.iter().enumerate() {
                let kept = if a.stored { "" } else { ", content not kept" };
                out.push(Line::from(format!(
                    "  {}. {} ({}, {}{kept})",
                    i + 1,
                    text::clean(&a.name),
                    text::clean(&a.content_type),
                    size_words(a.size)
                )));
            }
        }
        if !v.articles.is_empty() {
            out.push(Line::from(""));
            out.push(Line::from(Span::styled("KB", bold)));
            for (_, title) in &v.articles {
                out.push(Line::from(format!("  {}", text::clean(title))));
            }
        }
        if !v.related.is_empty() {
            out.push(Line::from(""));
            // Roll-ups: how far the children of a parent, the incidents of a problem, are.
            let mut heading = "Related".to_string();
            for (rel, word) in [("child", "children"), ("incident", "incidents"), ("duplicated-by", "duplicates")] {
                let all: Vec<_> = v.related.iter().filter(|(r, _)| r == rel).collect();
                if !all.is_empty() {
                    let done = all.iter().filter(|(_, t)| !t.status.is_open()).count();
                    heading.push_str(&format!(" · {word}: {done} of {} done", all.len()));
                }
            }
            out.push(Line::from(Span::styled(heading, bold)));
            for (rel, r) in &v.related {
                out.push(Line::from(format!("  {rel} {} {} ({})", r.number, text::clean(&r.title), r.status)));
            }
        }
        if !v.others.is_empty() {
            out.push(Line::from(""));
            out.push(Line::from(Span::styled("Requester's other open tickets", bold)));
            for r in &v.others {
                out.push(Line::from(format!("  {} {} ({})", r.number, text::clean(&r.title), r.status)));
            }
        }
        out.push(Line::from(""));
        out.push(Line::from(Span::styled("Timeline", bold)));
        for item in &v.timeline {
            let ago = match item.from {
                Some(n) => format!("{} ago · from {n}", time::age(item.at, now_ms)),
                None => format!("{} ago", time::age(item.at, now_ms)),
            };
            let who = text::clean(&item.actor).into_owned();
            match &item.event {
                TimelineEvent::Created { .. } => {
                    out.push(Line::from(Span::styled(format!("  {ago} · {who} created the ticket"), theme.dim)));
                }
                TimelineEvent::Entry { kind, body, author, minutes, requester, mail } => {
                    // Told apart by words, not colour alone.
                    let label = match (kind, requester) {
                        (_, true) => "REQUESTER",
                        (EntryKind::Note, _) => "INTERNAL NOTE",
                        (EntryKind::Reply, _) => "PUBLIC REPLY",
                    };
                    let by = author.as_deref().map(|a| text::clean(a).into_owned()).unwrap_or(who);
                    let mut spent = minutes.map(|m| format!(" · {m} min")).unwrap_or_default();
                    if let Some(m) = mail {
                        spent.push_str(&format!(" · mail {}", text::clean(m)));
                    }
                    out.push(Line::from(vec![
                        Span::raw("  "),
                        Span::styled(
                            label,
                            if *kind == EntryKind::Note { bold } else { bold.add_modifier(Modifier::UNDERLINED) },
                        ),
                        Span::raw(format!(" · {by} · {ago}{spent}")),
                    ]));
                    let marker = if *kind == EntryKind::Note { "  ┊ " } else { "  │ " };
                    let marker = if theme.glyphs == text::Glyphs::Ascii {
                        if *kind == EntryKind::Note { "  : " } else { "  | " }
                    } else {
                        marker
                    };
                    for l in wrap(body, w.saturating_sub(4)) {
                        out.push(Line::from(format!("{marker}{l}")));
                    }
                }
                TimelineEvent::Changed { field, from, to } => out.push(Line::from(Span::styled(
                    format!(
                        "  {ago} · {who} changed {field}: {} → {}",
                        text::clean(from.as_deref().unwrap_or("-")),
                        text::clean(to.as_deref().unwrap_or("-"))
                    ),
                    theme.dim,
                ))),
                TimelineEvent::Linked { target, removed } => out.push(Line::from(Span::styled(
                    format!("  {ago} · {who} {} {}", if *removed { "unlinked" } else { "linked" }, text::clean(target)),
                    theme.dim,
                ))),
            }
        }
        out
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, now_ms: i64, theme: &Theme) {
        let lines = self.lines(area.width, now_ms, theme);
        let max = (lines.len() as u16).saturating_sub(area.height);
        Paragraph::new(lines).scroll((self.scroll.min(max), 0)).render(area, buf);
    }

    /// Scroll by `delta` lines, staying within the text.
    pub fn scroll_by(&mut self, delta: i32, width: u16, height: u16, now_ms: i64, theme: &Theme) {
        let total = self.lines(width, now_ms, theme).len() as i32;
        let max = (total - height as i32).max(0);
        self.scroll = (self.scroll as i32 + delta).clamp(0, max) as u16;
    }
}

/// "due in 4h" or "OVERDUE by 2d" (a word, not only a colour).
/// "1.4 KB", "312 bytes".
fn size_words(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} bytes"),
        n if n < 1024 * 1024 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
    }
}

fn due_words(due: i64, now: i64) -> String {
    if due >= now { format!("due in {}", time::age(now, due)) } else { format!("OVERDUE by {}", time::age(due, now)) }
}

/// Untrusted multi-line text, sanitised and wrapped.
fn wrap(s: &str, w: usize) -> Vec<String> {
    text::wrap(&text::sanitize(s, Lines::Multi, text::Glyphs::Unicode), w.max(2))
}
