//! The asset lookup pane: fuzzy find by tag, hostname, serial, holder or model; the
//! asset's details and its ticket history; a key to link it to the open ticket.

pub(crate) mod update;

pub use super::payload::AssetHit;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::effect::Effect;
use super::theme::Theme;
use super::widgets;
use crate::domain::asset::{Asset, warranty_state};
use crate::domain::ids::AssetId;
use crate::domain::text;
use crate::domain::time;
use crate::store::TicketRow;

/// How many matches a search shows.
pub const RESULTS: usize = 50;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetState {
    pub query: String,
    pub generation: u64,
    pub hits: Vec<AssetHit>,
    pub selected: usize,
    /// The selected asset with its recent tickets, once loaded.
    pub detail: Option<(AssetId, Vec<TicketRow>)>,
    pub loading: bool,
}

impl AssetState {
    pub fn search(&mut self, query: &str) -> Vec<Effect> {
        self.query = query.to_string();
        self.generation += 1;
        self.selected = 0;
        self.detail = None;
        if query.trim().is_empty() {
            self.hits.clear();
            self.loading = false;
            return vec![];
        }
        self.loading = true;
        vec![Effect::FindAssets { generation: self.generation, text: query.to_string() }]
    }

    pub fn loaded(&mut self, generation: u64, hits: Vec<AssetHit>) -> Vec<Effect> {
        if generation != self.generation {
            return vec![];
        }
        self.loading = false;
        self.hits = hits;
        self.selected = 0;
        self.detail_effect()
    }

    pub fn select(&mut self, delta: i64) -> Vec<Effect> {
        let Some(to) = widgets::step(self.selected, self.hits.len(), delta) else { return vec![] };
        self.selected = to;
        self.detail_effect()
    }

    fn detail_effect(&self) -> Vec<Effect> {
        self.current().map(|a| vec![Effect::LoadAssetTickets(a.id)]).unwrap_or_default()
    }

    pub fn current(&self) -> Option<&Asset> {
        self.hits.get(self.selected).map(|h| &h.asset)
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, now_ms: i64, theme: &Theme) {
        let g = theme.glyphs;
        let (list, detail) = widgets::list_and_preview(area, 45);
        let title = widgets::search_title(
            "assets",
            "/ to find by tag, hostname, serial, model or holder",
            &self.query,
            self.loading,
            self.hits.len(),
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.border())
            .title(text::truncate(&title, list.width.saturating_sub(2) as usize, g).into_owned());
        let inner = block.inner(list);
        block.render(list, buf);
        let fits = (inner.height as usize).max(1);
        let first = self.selected.saturating_sub(fits - 1);
        let w = inner.width as usize;
        let mut lines: Vec<Line> = Vec::new();
        for (i, h) in self.hits.iter().enumerate().skip(first).take(fits) {
            let sel = i == self.selected;
            let base = if sel { theme.selected } else { Style::default() };
            let mut spans = vec![Span::styled(if sel { "> " } else { "  " }, base)];
            spans.extend(widgets::marked(&h.line, &h.marks, w.saturating_sub(2), base, g));
            lines.push(Line::from(spans));
        }
        if self.hits.is_empty() && !self.loading && !self.query.is_empty() {
            lines.push(Line::from("  No asset matches."));
        }
        Paragraph::new(lines).render(inner, buf);

        let block = Block::default().borders(Borders::ALL).border_set(theme.border()).title(" asset ");
        let inner = block.inner(detail);
        block.render(detail, buf);
        let Some(a) = self.current() else { return };
        let r = &a.record;
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let today = time::iso_date(now_ms);
        let warranty = format!(
            "{} ({})",
            r.warranty_end.as_deref().unwrap_or("-"),
            warranty_state(r.warranty_end.as_deref(), &today)
        );
        // Two fields a line: the ticket history stays in view on 80×24.
        let pair = |k1: &str, v1: Option<&str>, k2: &str, v2: Option<&str>| {
            Line::from(vec![
                Span::styled(format!("{k1:<9}"), bold),
                Span::raw(text::fit(&text::clean(v1.unwrap_or("-")), 22, g)),
                Span::styled(format!(" {k2:<9}"), bold),
                Span::raw(text::clean(v2.unwrap_or("-")).into_owned()),
            ])
        };
        let mut lines = vec![
            pair("tag", Some(&r.tag), "hostname", r.hostname.as_deref()),
            pair("serial", r.serial.as_deref(), "model", r.model.as_deref()),
            pair("status", Some(r.status.as_str()), "holder", a.holder_name.as_deref()),
            pair("location", r.location.as_deref(), "warranty", Some(&warranty)),
            Line::from(""),
            Line::from(Span::styled("Tickets", bold)),
        ];
        match &self.detail {
            Some((id, rows)) if *id == a.id => {
                if rows.is_empty() {
                    lines.push(Line::from("  none"));
                }
                for t in rows {
                    lines.push(Line::from(format!(
                        "  {} {:<8} {}",
                        t.number,
                        t.status.as_str(),
                        text::truncate(&text::clean(&t.title), (inner.width as usize).saturating_sub(20), g)
                    )));
                }
            }
            _ => lines.push(Line::from("  loading…")),
        }
        Paragraph::new(lines).render(inner, buf);
    }
}
