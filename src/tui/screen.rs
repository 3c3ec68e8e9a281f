//! Sending frames to the terminal with as few bytes as a slow link deserves.
//!
//! Frames are drawn off-screen (ratatui's `TestBackend`), then compared with a shadow of
//! what the terminal shows. When a band of full-width rows moved up or down by one row
//! (the queue scrolled), the terminal is told to scroll just that band (a scroll region:
//! DECSTBM + SU/SD, a dozen bytes) and the shadow is shifted the same way, so the diff
//! that follows only rewrites the row that came into view instead of every visible row.

use std::io::{self, Write};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier};

/// A band must be at least this tall to be worth a scroll region.
const MIN_BAND: u16 = 3;

pub struct Screen<W: Write> {
    out: W,
    /// The terminal's current colours and attributes (what the last SGR left).
    pen: Pen,
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
            out,
            pen: Pen::default(),
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
        write!(self.out, "\x1b[0m\x1b[2J\x1b[?25l")?;
        self.pen = Pen::default();
        self.shadow.reset();
        self.cursor = None;
        self.out.flush()
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
            self.pen = Pen::default();
        }
        if self.scroll_regions
            && let Some((top, bottom, up)) = find_scroll(&self.shadow, next)
        {
            // Reset attributes first: the row scrolled in is filled with the current background.
            write!(self.out, "\x1b[0m\x1b[{};{}r\x1b[1{}\x1b[r", top + 1, bottom + 1, if up { 'S' } else { 'T' })?;
            self.pen = Pen::default();
            shift(&mut self.shadow, top, bottom, up);
        }
        let updates = self.shadow.diff(next);
        let mut at: Option<(u16, u16)> = None;
        let mut bytes = Vec::with_capacity(updates.len() * 4);
        for (x, y, cell) in updates {
            // Move only when the cursor is not already there; a short hop right on the
            // same row is cheaper as CUF than as a full CUP.
            match at {
                Some((ax, ay)) if ay == y && ax == x => {}
                Some((ax, ay)) if ay == y && ax < x => write!(bytes, "\x1b[{}C", x - ax)?,
                _ => write!(bytes, "\x1b[{};{}H", y + 1, x + 1)?,
            }
            let pen = Pen::of(cell);
            self.pen.change_to(&pen, &mut bytes)?;
            self.pen = pen;
            let sym = cell.symbol();
            bytes.extend_from_slice(sym.as_bytes());
            let w = unicode_width::UnicodeWidthStr::width(sym).max(1) as u16;
            at = Some((x + w, y));
        }
        self.out.write_all(&bytes)?;
        match cursor {
            Some(p) if self.cursor != Some(p) || !bytes.is_empty() => {
                write!(self.out, "\x1b[{};{}H", p.y + 1, p.x + 1)?;
                if self.cursor.is_none() {
                    write!(self.out, "\x1b[?25h")?;
                }
            }
            None if self.cursor.is_some() => write!(self.out, "\x1b[?25l")?,
            _ => {}
        }
        self.cursor = cursor;
        self.shadow = next.clone();
        self.out.flush()
    }

    pub fn writer(&mut self) -> &mut W {
        &mut self.out
    }
}

/// Colours and attributes as the terminal holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    mods: Modifier,
}

impl Default for Pen {
    fn default() -> Self {
        Pen { fg: Color::Reset, bg: Color::Reset, mods: Modifier::empty() }
    }
}

impl Pen {
    fn of(cell: &Cell) -> Pen {
        Pen { fg: cell.fg, bg: cell.bg, mods: cell.modifier }
    }

    /// The shortest SGR that turns `self` into `to`: attributes only ever added are
    /// added; dropping one resets and sets the rest (one reset is shorter than the
    /// per-attribute "off" codes and works everywhere).
    fn change_to(&self, to: &Pen, out: &mut Vec<u8>) -> io::Result<()> {
        if self == to {
            return Ok(());
        }
        let mut codes: Vec<String> = Vec::new();
        let from = if self.mods.difference(to.mods).is_empty() {
            *self
        } else {
            codes.push("0".into());
            Pen::default()
        };
        for (m, code) in [
            (Modifier::BOLD, "1"),
            (Modifier::DIM, "2"),
            (Modifier::ITALIC, "3"),
            (Modifier::UNDERLINED, "4"),
            (Modifier::SLOW_BLINK, "5"),
            (Modifier::RAPID_BLINK, "6"),
            (Modifier::REVERSED, "7"),
            (Modifier::HIDDEN, "8"),
            (Modifier::CROSSED_OUT, "9"),
        ] {
            if to.mods.contains(m) && !from.mods.contains(m) {
                codes.push(code.into());
            }
        }
        if to.fg != from.fg {
            codes.push(color_code(to.fg, true));
        }
        if to.bg != from.bg {
            codes.push(color_code(to.bg, false));
        }
        if !codes.is_empty() {
            write!(out, "\x1b[{}m", codes.join(";"))?;
        }
        Ok(())
    }
}

fn color_code(c: Color, fg: bool) -> String {
    let base = if fg { 30 } else { 40 };
    let named = |n: u8| (base + n).to_string();
    let bright = |n: u8| (base + 60 + n).to_string();
    match c {
        Color::Reset => (base + 9).to_string(),
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => bright(0),
        Color::LightRed => bright(1),
        Color::LightGreen => bright(2),
        Color::LightYellow => bright(3),
        Color::LightBlue => bright(4),
        Color::LightMagenta => bright(5),
        Color::LightCyan => bright(6),
        Color::White => bright(7),
        Color::Indexed(i) => format!("{};5;{i}", base + 8),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", base + 8),
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

    /// Styles survive the minimal SGR output: every cell's symbol, colour and attributes
    /// on the (emulated) terminal match the frame, frame after frame.
    #[test]
    fn colours_and_attributes_reach_the_terminal_exactly() {
        use ratatui::style::Style;
        use ratatui::text::Span;
        let (w, h) = (40u16, 12u16);
        let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let mut parser = vt100::Parser::new(nz(h), nz(w), 0);
        let mut s = Screen::new(Vec::new(), w, h).unwrap();
        for step in 0..12usize {
            let mut b = Buffer::empty(Rect::new(0, 0, w, h));
            b.set_span(0, 0, &Span::styled("HEADER 新しい", Style::new().bold()), w);
            for y in 1..h - 1 {
                let i = y as usize + step;
                let style = match (i + step) % 5 {
                    0 => Style::new().reversed(),
                    1 => Style::new().fg(Color::Red).bold(),
                    2 => Style::new().dim().underlined(),
                    3 => Style::new().fg(Color::Indexed(33)).bg(Color::DarkGray),
                    _ => Style::new(),
                };
                b.set_span(0, y, &Span::styled(format!("row {i} {}", "é".repeat(i % 7)), style), w);
            }
            b.set_span(0, h - 1, &Span::raw(format!("step {step}")), w);
            let before = s.writer().len();
            s.present(&b, None).unwrap();
            parser.process(&s.writer()[before..]);
            let scr = parser.screen();
            for y in 0..h {
                for x in 0..w {
                    let want = &b[(x, y)];
                    if want.symbol().is_empty() {
                        continue;
                    }
                    let got = scr.cell(y, x).unwrap();
                    let at = format!("step {step} ({x},{y})");
                    if got.is_wide_continuation() {
                        continue;
                    }
                    let shown = if got.contents().is_empty() { " " } else { got.contents() };
                    assert_eq!(shown, want.symbol(), "{at}");
                    assert_eq!(got.bold(), want.modifier.contains(Modifier::BOLD), "{at}");
                    assert_eq!(got.dim(), want.modifier.contains(Modifier::DIM), "{at}");
                    assert_eq!(got.inverse(), want.modifier.contains(Modifier::REVERSED), "{at}");
                    assert_eq!(got.underline(), want.modifier.contains(Modifier::UNDERLINED), "{at}");
                    let fg = match want.fg {
                        Color::Reset => vt100::Color::Default,
                        Color::Red => vt100::Color::Idx(1),
                        Color::Indexed(i) => vt100::Color::Idx(i),
                        _ => continue,
                    };
                    assert_eq!(got.fgcolor(), fg, "{at}");
                    let bg = if want.bg == Color::DarkGray { vt100::Color::Idx(8) } else { vt100::Color::Default };
                    assert_eq!(got.bgcolor(), bg, "{at}");
                }
            }
        }
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
