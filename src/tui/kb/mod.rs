//! The KB search pane: a query box with live full-text results (title and a snippet with
//! the matches marked), a preview of the selected article, and keys to link the article
//! to the open ticket or start a reply with its excerpt.

pub(crate) mod update;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::effect::Effect;
use super::theme::Theme;
use super::widgets;
use crate::domain::kb::Article;
use crate::domain::text::{self, Lines};
use crate::store::{ArticleHit, KbResults};

/// How many results a search shows.
pub const RESULTS: u32 = 50;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct KbState {
    pub query: String,
    /// Bumped with every query: late answers for older ones are dropped.
    pub generation: u64,
    pub hits: Vec<ArticleHit>,
    pub selected: usize,
    pub preview: Option<Box<Article>>,
    pub scroll: u16,
    pub loading: bool,
    /// "showing results for …" when the store corrected a typed word.
    pub notice: Option<String>,
}

impl KbState {
    /// The query changed: search again (an empty query clears the results).
    pub fn search(&mut self, query: &str) -> Vec<Effect> {
        self.query = query.to_string();
        self.generation += 1;
        self.selected = 0;
        self.scroll = 0;
        if query.trim().is_empty() {
            self.hits.clear();
            self.preview = None;
            self.loading = false;
            return vec![];
        }
        self.loading = true;
        vec![Effect::SearchKb { generation: self.generation, text: query.to_string() }]
    }

    /// Results arrived (the store matches the last word as a prefix: live search).
    pub fn loaded(&mut self, generation: u64, found: KbResults) -> Vec<Effect> {
        if generation != self.generation {
            return vec![];
        }
        self.loading = false;
        self.hits = found.hits;
        self.notice = found.notice;
        self.selected = 0;
        self.preview = None;
        self.preview_effect()
    }

    pub fn select(&mut self, delta: i64) -> Vec<Effect> {
        let Some(to) = widgets::step(self.selected, self.hits.len(), delta) else { return vec![] };
        self.selected = to;
        self.scroll = 0;
        self.preview_effect()
    }

    fn preview_effect(&self) -> Vec<Effect> {
        self.hits.get(self.selected).map(|h| vec![Effect::LoadArticle(h.id)]).unwrap_or_default()
    }

    /// The article shown in the preview, if it is the selected one.
    pub fn current(&self) -> Option<&Article> {
        let id = self.hits.get(self.selected)?.id;
        self.preview.as_deref().filter(|a| a.id == id)
    }

    /// The excerpt a reply starts with: the first paragraph of the body (without the
    /// title heading), at most ~600 characters, and where it comes from.
    pub fn excerpt(a: &Article) -> String {
        let body: String = a.record.body.lines().skip_while(|l| l.starts_with("# ") || l.trim().is_empty()).fold(
            String::new(),
            |mut acc, l| {
                if acc.len() < 600 {
                    acc.push_str(l);
                    acc.push('\n');
                }
                acc
            },
        );
        let para = body.split("\n\n").next().unwrap_or("").trim();
        let para: String = para.chars().take(600).collect();
        format!("{para}\n\n(From the knowledge base: \"{}\")\n", a.record.title)
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let g = theme.glyphs;
        let (list, preview) = widgets::list_and_preview(area, 50);
        let mut title = widgets::search_title("KB", "/ to search", &self.query, self.loading, self.hits.len());
        if let Some(n) = self.notice.as_ref().filter(|_| !self.loading) {
            title = format!("{}· {n} ", title.trim_end_matches(' ').to_string() + " ");
        }
        let block =
            Block::default().borders(Borders::ALL).border_set(theme.border()).title(text::truncate(&title, 70, g));
        let inner = block.inner(list);
        block.render(list, buf);
        let w = inner.width as usize;
        let mut lines: Vec<Line> = Vec::new();
        // Two lines per hit; keep the selection in view.
        let per = 2usize;
        let fits = (inner.height as usize / per).max(1);
        let first = self.selected.saturating_sub(fits - 1);
        for (i, h) in self.hits.iter().enumerate().skip(first).take(fits) {
            let sel = i == self.selected;
            let mark = if sel { "> " } else { "  " };
            let style = if sel { theme.selected } else { Style::default().add_modifier(Modifier::BOLD) };
            lines.push(Line::from(vec![
                Span::styled(mark, style),
                Span::styled(text::fit(&text::clean(&h.title), w.saturating_sub(2), g), style),
            ]));
            let mut snip = widgets::snippet(&h.snippet, w.saturating_sub(2), theme.dim, g);
            snip.spans.insert(0, Span::raw("  "));
            lines.push(snip);
        }
        if self.hits.is_empty() && !self.loading && !self.query.is_empty() {
            lines.push(Line::from("  No article matches. Try fewer or other words; word* matches a prefix."));
        }
        Paragraph::new(lines).render(inner, buf);

        let block = Block::default().borders(Borders::ALL).border_set(theme.border()).title(" preview ");
        let inner = block.inner(preview);
        block.render(preview, buf);
        let lines: Vec<Line> = match self.current() {
            Some(a) => {
                let mut out = vec![Line::from(Span::styled(
                    text::truncate(&text::clean(&a.record.title), inner.width as usize, g).into_owned(),
                    Style::default().add_modifier(Modifier::BOLD),
                ))];
                if a.record.internal {
                    out.push(Line::from(Span::styled("INTERNAL: for technicians only", theme.error)));
                }
                // The body's own "# Title" heading repeats the title shown above.
                let body = a.record.body.trim_start();
                let body = match body.split_once('\n') {
                    Some((first, rest)) if first.starts_with("# ") => rest.trim_start_matches('\n'),
                    _ => body,
                };
                let body = text::sanitize(body, Lines::Multi, g);
                out.extend(text::wrap(&body, inner.width.max(2) as usize).into_iter().map(Line::from));
                out
            }
            None if self.hits.is_empty() => vec![],
            None => vec![Line::from("loading…")],
        };
        Paragraph::new(lines).scroll((self.scroll, 0)).render(inner, buf);
    }
}
