//! Sending frames to the terminal with as few bytes as a slow link deserves.
//!
//! Frames are drawn off-screen (ratatui's `TestBackend`), then compared with a shadow of
//! what the terminal shows. When a band of full-width rows moved up or down by one row
//! (the queue scrolled), the terminal is told to scroll just that band (a scroll region:
//! DECSTBM + SU/SD, a dozen bytes) and the shadow is shifted the same way, so the diff
//! that follows only rewrites the row that came into view instead of every visible row.

use std::io::{self, Write};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::backend::{Backend, TestBackend};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect};

/// A band must be at least this tall to be worth a scroll region.
const MIN_BAND: u16 = 3;

pub struct Screen<W: Write> {
    out: CrosstermBackend<W>,
    /// What the terminal shows now (after the last present).
    shadow: Buffer,
    /// Off-screen renderer.
    offscreen: Terminal<TestBackend>,
    cursor: Option<Position>,
    /// Scroll regions on (off in tests that compare against plain diffs).
    pub scroll_regions: bool,
}

impl<W: Write> Screen<W> {
    pub fn new(out: W, width: u16, height: u16) -> io::Result<Self> {
        let offscreen = Terminal::new(TestBackend::new(width, height)).map_err(io::Error::other)?;
        let mut s = Screen {
            out: CrosstermBackend::new(out),
            shadow: Buffer::empty(Rect::new(0, 0, width, height)),
            offscreen,
            cursor: None,
            scroll_regions: true,
        };
        s.clear()?;
        Ok(s)
    }

    /// Forget what the terminal shows (after a resize or an external program): the next
    /// frame is drawn in full.
    pub fn clear(&mut self) -> io::Result<()> {
        write!(self.out, "\x1b[0m\x1b[2J")?;
        self.shadow.reset();
        self.cursor = None;
        self.out.hide_cursor()?;
        Backend::flush(&mut self.out)
    }

    pub fn resize(&mut self, width: u16, height: u16) -> io::Result<()> {
        self.offscreen.backend_mut().resize(width, height);
        self.offscreen.resize(Rect::new(0, 0, width, height)).map_err(io::Error::other)?;
        self.shadow = Buffer::empty(Rect::new(0, 0, width, height));
        self.clear()
    }

    pub fn size(&self) -> (u16, u16) {
        (self.shadow.area.width, self.shadow.area.height)
    }

    /// Draw a frame and send the difference.
    pub fn draw(&mut self, render: impl FnOnce(&mut ratatui::Frame)) -> io::Result<()> {
        self.offscreen.draw(render).map_err(io::Error::other)?;
        let b = self.offscreen.backend();
        let cursor = b.cursor_visible().then(|| b.cursor_position());
        let next = b.buffer().clone();
        self.present(&next, cursor)
    }

    /// Send what changed between the shadow and `next`.
    pub fn present(&mut self, next: &Buffer, cursor: Option<Position>) -> io::Result<()> {
        if next.area != self.shadow.area {
            self.shadow = Buffer::empty(next.area);
            write!(self.out, "\x1b[0m\x1b[2J")?;
        }
        if self.scroll_regions
            && let Some((top, bottom, up)) = find_scroll(&self.shadow, next)
        {
            // Reset attributes first: the row scrolled in is filled with the current background.
            write!(self.out, "\x1b[0m\x1b[{};{}r\x1b[1{}\x1b[r", top + 1, bottom + 1, if up { 'S' } else { 'T' })?;
            shift(&mut self.shadow, top, bottom, up);
        }
        let updates = self.shadow.diff(next);
        if !updates.is_empty() {
            self.out.draw(updates.into_iter())?;
        }
        match cursor {
            Some(p) if self.cursor != Some(p) => {
                self.out.set_cursor_position(p)?;
                if self.cursor.is_none() {
                    self.out.show_cursor()?;
                }
            }
            None if self.cursor.is_some() => self.out.hide_cursor()?,
            _ => {}
        }
        self.cursor = cursor;
        self.shadow = next.clone();
        Backend::flush(&mut self.out)
    }

    pub fn writer(&mut self) -> &mut W {
        self.out.writer_mut()
    }
}

fn row(b: &Buffer, y: u16) -> &[Cell] {
    let w = b.area.width as usize;
    &b.content[y as usize * w..(y as usize + 1) * w]
}

/// The largest band of rows that moved by one row: (top, bottom, up), rows inclusive.
/// `up`: content moved up (next[y] == prev[y + 1]); the band is top..=bottom, where
/// the bottom row is the one scrolled in.
fn find_scroll(prev: &Buffer, next: &Buffer) -> Option<(u16, u16, bool)> {
    let h = next.area.height;
    if h < MIN_BAND + 1 || prev.area != next.area {
        return None;
    }
    let mut best: Option<(u16, u16, bool)> = None;
    let mut consider = |start: u16, len: u16, up: bool| {
        if len >= MIN_BAND && best.is_none_or(|(t, b, _)| b - t < len) {
            best = Some(if up { (start, start + len, up) } else { (start - 1, start + len - 1, up) });
        }
    };
    for up in [true, false] {
        let mut run_start = 0;
        let mut run = 0u16;
        let range = if up { 0..h - 1 } else { 1..h };
        for y in range {
            let src = if up { y + 1 } else { y - 1 };
            let moved = row(next, y) == row(prev, src) && row(next, y) != row(prev, y);
            if moved {
                if run == 0 {
                    run_start = y;
                }
                run += 1;
            } else {
                consider(run_start, run, up);
                run = 0;
            }
        }
        consider(run_start, run, up);
    }
    best
}

/// Do to the shadow what the terminal did: rows top..=bottom move by one, the row that
/// comes in is blank.
fn shift(b: &mut Buffer, top: u16, bottom: u16, up: bool) {
    let w = b.area.width as usize;
    let (t, bt) = (top as usize, bottom as usize);
    let band = &mut b.content[t * w..(bt + 1) * w];
    if up {
        band.rotate_left(w);
        band[(bt - t) * w..].fill(Cell::default());
    } else {
        band.rotate_right(w);
        band[..w].fill(Cell::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Line;
    use ratatui::widgets::{Paragraph, Widget};

    fn frame(lines: &[String], w: u16, h: u16) -> Buffer {
        let mut b = Buffer::empty(Rect::new(0, 0, w, h));
        let text: Vec<Line> = lines.iter().map(|l| Line::from(l.clone())).collect();
        Paragraph::new(text).render(b.area, &mut b);
        b
    }

    fn screen_text(p: &vt100::Parser) -> Vec<String> {
        p.screen().rows(0, p.screen().size().1.get()).collect()
    }

    /// A list scrolled one row at a time, with a fixed header and footer: what the
    /// terminal ends up showing is exactly the frame, and a scroll costs far fewer bytes
    /// than redrawing the rows.
    #[test]
    fn scroll_regions_keep_the_screen_exact_and_send_less() {
        let (w, h) = (60u16, 20u16);
        let view = |top: usize| -> Vec<String> {
            let mut v = vec!["HEADER".to_string()];
            v.extend((top..top + h as usize - 2).map(|i| format!("row {i:>4} {}", "x".repeat(i % 40))));
            v.push(format!("footer {top}"));
            v
        };
        let mut cost = vec![];
        for regions in [true, false] {
            let mut s = Screen::new(Vec::new(), w, h).unwrap();
            s.scroll_regions = regions;
            let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
            let mut parser = vt100::Parser::new(nz(h), nz(w), 0);
            let mut sizes = vec![];
            for top in [0, 1, 2, 3, 2, 1, 5, 6, 7, 6] {
                let want = frame(&view(top), w, h);
                let before = s.writer().len();
                s.present(&want, None).unwrap();
                sizes.push(s.writer().len() - before);
                parser.process(&s.writer()[before..]);
                let shown = screen_text(&parser);
                for (y, line) in view(top).iter().enumerate() {
                    assert_eq!(shown[y].trim_end(), line.trim_end(), "regions={regions} top={top} row {y}");
                }
            }
            cost.push(sizes[1..6].iter().sum::<usize>());
        }
        // One-row scrolls cost about a row with regions, every changed row without.
        assert!(cost[0] * 2 < cost[1], "{cost:?}");
    }

    #[test]
    fn a_band_that_moved_is_found_and_other_changes_are_not_scrolls() {
        let (w, h) = (10u16, 8u16);
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = frame(&lines(&["h", "a", "b", "c", "d", "e", "f", "z"]), w, h);
        let up = frame(&lines(&["h", "b", "c", "d", "e", "f", "g", "z"]), w, h);
        assert_eq!(find_scroll(&a, &up), Some((1, 6, true)));
        let down = frame(&lines(&["h", "0", "a", "b", "c", "d", "e", "z"]), w, h);
        assert_eq!(find_scroll(&a, &down), Some((1, 6, false)));
        let other = frame(&lines(&["h", "a", "b", "X", "d", "e", "f", "z"]), w, h);
        assert_eq!(find_scroll(&a, &other), None);
        assert_eq!(find_scroll(&a, &a), None);
    }
}
