//! The single sanitising boundary for untrusted text (ticket titles, bodies
//! from customer email, error messages) and the display-width helpers that
//! work on its output. Pure: no IO, only `std` and `unicode-width`.
//!
//! Nothing a terminal might interpret is passed through: it is shown as a
//! visible placeholder or, for pure presentation hints, dropped.
//!
//! | input                                  | `Glyphs::Unicode` | `Glyphs::Ascii`       |
//! |----------------------------------------|-------------------|-----------------------|
//! | C0 control (incl. ESC), DEL            | `␀`…`␟` `␛` `␡`   | `^@`…`^_` `^[` `^?`   |
//! | C1 control, format char (Cf), bidi     | `⟨U+202E⟩`        | `<U+202E>`            |
//! | combining mark with no base            | `◌` + mark        | ` ` + mark            |
//! | truncation marker                      | `…`               | `~`                   |
//!
//! * Escape sequences (CSI, OSC incl. 52 and title, DCS, APC, PM, SOS) are
//!   inert because their introducers are: `"\x1b[31m"` shows as `"␛[31m"`.
//!   No ESC, BEL or C1 byte reaches the terminal, so nothing starts or ends.
//! * C1 and format chars get a `⟨U+XXXX⟩` tag, not U+FFFD, so a technician
//!   sees *what* was hidden (an RLO making `cv\u{202E}fdp.exe` look like
//!   `cvexe.pdf`, tag chars smuggling text). All placeholder glyphs are narrow
//!   and not East-Asian-ambiguous: a tag is 8 cells (9–10 if astral) on every
//!   terminal. "Format" is general category Cf (bidi controls and marks,
//!   ZWSP/ZWNJ, word joiner, BOM, soft hyphen, U+180E, tags, interlinear
//!   annotation...) plus unassigned default-ignorables. Private-use,
//!   unassigned and U+FFFC are left alone.
//! * Emoji: terminals disagree on ZWJ sequences, variation selectors and skin
//!   tones, but agree on single code points. Variation selectors are dropped
//!   (they only pick a glyph style); a ZWJ or skin-tone modifier right after
//!   an emoji is dropped, so `👩\u{200D}💻` shows as `👩💻`, 4 cells for both
//!   unicode-width and every terminal. Any other ZWJ is tagged. Getting the
//!   "is emoji" guess wrong is cosmetic, never unsafe.
//! * Combining marks stay, but one at the start of a line or right after a
//!   placeholder would paint over the previous cell (a border, another
//!   column), so it gets its own base: U+25CC `◌`, or a space in ASCII.
//! * `Lines::Single`: `\r\n`, `\r`, `\n`, U+2028/U+2029 and `\t` each become
//!   one space. `Lines::Multi`: every line break becomes `\n`; tabs expand to
//!   the next multiple of 4 columns.
//! * `Glyphs::Ascii` only changes *our* glyphs; the user's text is kept.
//!
//! After sanitising, [`width`] (the sum of per-char widths) is what terminals
//! draw. One caveat: `…` is East-Asian-ambiguous, so a terminal set to
//! "ambiguous = wide" draws it 2 cells; `--ascii` avoids that.

use std::borrow::Cow;
use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    Single,
    Multi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyphs {
    Unicode,
    Ascii,
}

const TAB_STOP: usize = 4;

/// Neutralise untrusted text for display. Returns `Cow::Borrowed` when nothing
/// needed changing (the common case: must be cheap, no allocation).
#[must_use]
pub fn sanitize(s: &str, lines: Lines, glyphs: Glyphs) -> Cow<'_, str> {
    let mut out = Out { src: s, ..Out::default() };
    let mut after_cr = false;
    for (i, c) in s.char_indices() {
        let cr = std::mem::replace(&mut after_cr, c == '\r');
        match c {
            '\n' if cr => out.skip(i), // second half of "\r\n"
            '\n' if lines == Lines::Multi => out.keep(c),
            '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\t' if lines == Lines::Single => {
                out.put(i, " ");
            }
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.put(i, "\n"),
            '\t' => out.put(i, &" ".repeat(TAB_STOP - out.col % TAB_STOP)),
            '\0'..='\x1f' | '\x7f' => out.put(i, &control_glyph(c, glyphs)),
            _ if is_selector(c) => out.skip(i),
            '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}' if out.last.is_some_and(is_pictographic) => {
                out.skip(i);
            }
            '\u{80}'..='\u{9f}' | '\u{200D}' => out.put(i, &tag(c, glyphs)),
            _ if is_format(c) => out.put(i, &tag(c, glyphs)),
            _ if !out.base_ok && char_width(c) == 0 => {
                out.put(i, pick(glyphs, "\u{25CC}", " "));
                out.keep(c);
            }
            _ => out.keep(c),
        }
    }
    match out.buf {
        Some(buf) => Cow::Owned(buf),
        None => Cow::Borrowed(s),
    }
}

/// Shorthand: single line, unicode glyphs.
#[must_use]
pub fn clean(s: &str) -> Cow<'_, str> {
    sanitize(s, Lines::Single, Glyphs::Unicode)
}

/// Output under construction. Stays borrowed (`buf == None`) until the first
/// char that is not kept verbatim; `src[..i]` is then the output so far.
#[derive(Default)]
struct Out<'a> {
    src: &'a str,
    buf: Option<String>,
    /// Last char of the output so far.
    last: Option<char>,
    /// Cells since the last `\n` of the output (for tab stops).
    col: usize,
    /// Whether a zero-width char here would attach to user text we emitted.
    base_ok: bool,
}

impl Out<'_> {
    fn diverge(&mut self, i: usize) -> &mut String {
        let src = self.src;
        self.buf.get_or_insert_with(|| src[..i].to_owned())
    }

    fn keep(&mut self, c: char) {
        if let Some(buf) = &mut self.buf {
            buf.push(c);
        }
        self.advance(c);
        self.base_ok = c != '\n';
    }

    fn skip(&mut self, i: usize) {
        self.diverge(i);
    }

    /// Emit our own text instead of the input char at byte `i`.
    fn put(&mut self, i: usize, text: &str) {
        self.diverge(i).push_str(text);
        text.chars().for_each(|c| self.advance(c));
        self.base_ok = false;
    }

    fn advance(&mut self, c: char) {
        self.last = Some(c);
        self.col = if c == '\n' { 0 } else { self.col + char_width(c) };
    }
}

fn pick(glyphs: Glyphs, unicode: &'static str, ascii: &'static str) -> &'static str {
    [unicode, ascii][glyphs as usize]
}

fn control_glyph(c: char, glyphs: Glyphs) -> String {
    match (glyphs, c) {
        (Glyphs::Unicode, '\x7f') => "\u{2421}".into(),
        (Glyphs::Unicode, _) => char::from_u32(0x2400 + c as u32).unwrap_or('?').into(),
        (Glyphs::Ascii, _) => format!("^{}", ((c as u8) ^ 0x40) as char),
    }
}

fn tag(c: char, glyphs: Glyphs) -> String {
    match glyphs {
        Glyphs::Unicode => format!("\u{27E8}U+{:04X}\u{27E9}", c as u32),
        Glyphs::Ascii => format!("<U+{:04X}>", c as u32),
    }
}

/// Variation selectors (standard, ideographic, Mongolian): presentation
/// hints only, and the main source of terminal width disagreement.
fn is_selector(c: char) -> bool {
    matches!(c,
        '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{180B}'..='\u{180D}' | '\u{180F}')
}

/// General category Cf (Unicode 16) plus unassigned default-ignorable code
/// points, which a future terminal font may treat as format chars.
pub fn is_format(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{600}'..='\u{605}' | '\u{61C}' | '\u{6DD}' | '\u{70F}' | '\u{890}'..='\u{891}'
        | '\u{8E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF0}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Approximation of `Extended_Pictographic` (plus skin-tone modifiers and
/// regional indicators): chars after which a ZWJ or modifier is dropped.
fn is_pictographic(c: char) -> bool {
    matches!(c,
        '\u{A9}' | '\u{AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21AA}' | '\u{2300}'..='\u{23FF}' | '\u{24C2}' | '\u{25A0}'..='\u{27BF}'
        | '\u{2B00}'..='\u{2BFF}' | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{1F000}'..='\u{1FAFF}')
}

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

fn line_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Display width in terminal cells of already-sanitised text (the widest
/// line, for multi-line text).
#[must_use]
pub fn width(s: &str) -> usize {
    s.split('\n').map(line_width).max().unwrap_or(0)
}

/// Truncate already-sanitised single-line text to at most `max` cells, ending
/// with "…" (or "~" in Ascii) when cut; never splits a wide char or leaves a
/// combining mark orphaned; pads nothing.
#[must_use]
pub fn truncate(s: &str, max: usize, glyphs: Glyphs) -> Cow<'_, str> {
    if line_width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let budget = max - 1; // both markers are one cell wide
    let (mut used, mut end) = (0, 0);
    for (i, c) in s.char_indices() {
        let w = char_width(c);
        if w > 0 && used + w > budget {
            break; // zero-width chars after this one belong to it: cut too
        }
        used += w;
        end = i + c.len_utf8();
    }
    Cow::Owned([&s[..end], pick(glyphs, "…", "~")].concat())
}

/// Pad or truncate to exactly `w` cells (left-aligned), for table columns.
#[must_use]
pub fn fit(s: &str, w: usize, glyphs: Glyphs) -> String {
    let t = truncate(s, w, glyphs);
    let pad = w - line_width(&t);
    format!("{t}{:pad$}", "")
}

/// Wrap already-sanitised multi-line text to `w` cells per line, breaking at
/// spaces where possible, hard-breaking long words, never splitting a wide
/// char. A char wider than `w` (only possible for `w < 2`) gets its own line.
#[must_use]
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in s.split('\n') {
        wrap_line(para, w.max(1), &mut out);
    }
    out
}

fn wrap_line(s: &str, w: usize, out: &mut Vec<String>) {
    let mut line = String::new();
    let mut lw = 0; // width of `line`
    let mut brk: Option<(usize, usize)> = None; // last breakable space: (byte index, width before)
    let mut wrapped = false; // swallow spaces at the start of continuation lines
    let mut has_text = false; // spaces before any text are indentation, not breaks
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let cw = char_width(c);
        // A space carrying a combining mark is text, not a break opportunity.
        let space = c == ' ' && chars.peek().is_none_or(|&n| char_width(n) > 0);
        if space && wrapped && line.is_empty() {
            continue;
        }
        if space && has_text {
            if lw + 1 > w {
                out.push(std::mem::take(&mut line).trim_end_matches(' ').to_owned());
                (lw, brk, wrapped, has_text) = (0, None, true, false);
                continue;
            }
            brk = Some((line.len(), lw));
        } else if cw > 0 && lw + cw > w && !line.is_empty() {
            // Break at the last space if there is one, else hard-break here.
            let rest = if let Some((at, before)) = brk.take() {
                lw -= before + 1;
                let rest = line.split_off(at + 1);
                line.truncate(line.trim_end_matches(' ').len());
                rest
            } else {
                lw = 0;
                String::new()
            };
            out.push(std::mem::replace(&mut line, rest));
            wrapped = true;
            if lw + cw > w {
                out.push(std::mem::take(&mut line));
                lw = 0;
            }
            has_text = !line.is_empty();
        }
        line.push(c);
        lw += cw;
        has_text |= c != ' ';
    }
    out.push(line);
}

/// Group digits for display: 1204 → "1,204".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ------------------------------------------------------------ search terms

/// The one text normaliser for search: the ticket index, the KB index, the query
/// parser and routing keywords all see text through it, so that `wifi`, `Wi-Fi`,
/// `wi fi` and `WiFi` meet. A term is lower case with diacritics folded. A compound
/// (`Wi-Fi`, `E[x]tract`, `WiFi`, `BER-LT-0042`, up to four parts joined by `-`, `_`,
/// `'`, brackets or a change of case) is indexed as its parts and then as one joined
/// term; two short words in a row (`wi fi`, `e mail`) are also indexed joined. A
/// query asks for the joined term only, which every spelling of it has.
#[must_use]
pub fn index_terms(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut push = |t: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
    };
    let mut prev_short: Option<String> = None;
    for g in groups(s) {
        for p in &g.parts {
            push(p);
        }
        if let Some(j) = g.joined() {
            push(&j);
        }
        if let (Some(a), Some(b)) = (prev_short.as_deref(), g.single())
            && let Some(j) = join_short(a, b)
        {
            push(&j);
        }
        prev_short = if g.spaced_after { None } else { g.single().map(str::to_string) };
    }
    out
}

/// The terms a query stands for: one per word, compounds and short pairs joined.
#[must_use]
pub fn query_terms(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev_short: Option<String> = None;
    for g in groups(s) {
        if let (Some(a), Some(b)) = (prev_short.as_deref(), g.single())
            && let Some(j) = join_short(a, b)
        {
            out.pop();
            out.push(j);
            prev_short = None;
            continue;
        }
        match g.joined() {
            Some(j) => out.push(j),
            None => out.extend(g.parts.iter().cloned()),
        }
        prev_short = if g.spaced_after { None } else { g.single().map(str::to_string) };
    }
    out
}

/// Lower case with diacritics folded (`Crème` → `creme`, `Straße` → `strasse`).
#[must_use]
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        for l in c.to_lowercase() {
            fold_char(l, &mut out);
        }
    }
    out
}

/// Base letters of U+0100..=U+017F (Latin Extended-A), in code point order.
const LATIN_EXT_A: &str = concat!(
    "aaaaaa",
    "cccccccc",
    "dddd",
    "eeeeeeeeee",
    "gggggggg",
    "hhhh",
    "iiiiiiiiii",
    "ii",
    "jj",
    "kkk",
    "llllllllll",
    "nnnnnnnnn",
    "oooooooo",
    "rrrrrr",
    "ssssssss",
    "tttttt",
    "uuuuuuuuuuuu",
    "ww",
    "yyy",
    "zzzzzz",
    "s"
);

fn fold_char(c: char, out: &mut String) {
    match c {
        'à'..='å' => out.push('a'),
        'æ' => out.push_str("ae"),
        'ç' => out.push('c'),
        'è'..='ë' => out.push('e'),
        'ì'..='ï' => out.push('i'),
        'ð' => out.push('d'),
        'ñ' => out.push('n'),
        'ò'..='ö' | 'ø' => out.push('o'),
        'ù'..='ü' => out.push('u'),
        'ý' | 'ÿ' => out.push('y'),
        'þ' => out.push_str("th"),
        'ß' => out.push_str("ss"),
        'œ' => out.push_str("oe"),
        'ё' => out.push('е'),
        '\u{100}'..='\u{17F}' => out.push(LATIN_EXT_A.as_bytes()[c as usize - 0x100] as char),
        '\u{300}'..='\u{36F}' => {} // combining marks of decomposed text
        _ => out.push(c),
    }
}

/// A run of word pieces joined by joiners (`-`, `_`, `'`, brackets) or a change of case.
struct Group {
    parts: Vec<String>,
    /// Followed by punctuation other than spaces (a short pair does not join across it).
    spaced_after: bool,
}

impl Group {
    fn joined(&self) -> Option<String> {
        (self.parts.len() >= 2 && self.parts.len() <= 4).then(|| self.parts.concat())
    }

    fn single(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [one] if one.chars().all(char::is_alphabetic) => Some(one),
            _ => None,
        }
    }
}

fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '_' | '\'' | '\u{2019}' | '[' | ']' | '(' | ')' | '\u{2010}' | '\u{2011}')
}

fn groups(s: &str) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    let mut piece = String::new();
    let mut prev: Option<char> = None; // previous char of the current piece
    let mut joiner_pending = false;
    let flush_piece = |piece: &mut String, parts: &mut Vec<String>| {
        if !piece.is_empty() {
            parts.push(fold(piece));
            piece.clear();
        }
    };
    let flush_group = |parts: &mut Vec<String>, out: &mut Vec<Group>, spaced: bool| {
        if !parts.is_empty() {
            out.push(Group { parts: std::mem::take(parts), spaced_after: spaced });
        }
    };
    for c in s.chars() {
        if c.is_alphanumeric() || ('\u{300}'..='\u{36F}').contains(&c) {
            if joiner_pending {
                joiner_pending = false;
                flush_piece(&mut piece, &mut parts);
            } else if c.is_uppercase() && prev.is_some_and(char::is_lowercase) {
                flush_piece(&mut piece, &mut parts); // camelCase: a new part
            }
            piece.push(c);
            prev = Some(c);
        } else if is_joiner(c) && !piece.is_empty() {
            joiner_pending = true;
            prev = None;
        } else {
            let spaced = !c.is_whitespace();
            flush_piece(&mut piece, &mut parts);
            flush_group(&mut parts, &mut out, spaced);
            if let Some(g) = out.last_mut().filter(|_| spaced) {
                g.spaced_after = true;
            }
            joiner_pending = false;
            prev = None;
        }
    }
    flush_piece(&mut piece, &mut parts);
    flush_group(&mut parts, &mut out, false);
    out
}

/// Words one edit away from `word` (a deletion, a transposition of neighbours, a
/// substitution or an insertion), for typo tolerance: the caller keeps those the index
/// knows. Letters come from a–z (0–9 too for a word with digits) and the word's own
/// characters. With `prefix`, the
/// word is still being typed: dropping its last letter is not a correction.
#[must_use]
pub fn one_edit_variants(word: &str, prefix: bool) -> Vec<String> {
    let w: Vec<char> = word.chars().collect();
    // Digits only for words that have some (`lt43`): a typo in a word rarely is one.
    let digits = if w.iter().any(char::is_ascii_digit) { '0'..='9' } else { '1'..='0' };
    let mut alphabet: Vec<char> = ('a'..='z').chain(digits).collect();
    alphabet.extend(w.iter().filter(|c| !c.is_ascii()));
    alphabet.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: Vec<char>| {
        let v: String = v.into_iter().collect();
        if v != word && !out.contains(&v) {
            out.push(v);
        }
    };
    for i in 0..w.len().saturating_sub(1) {
        let mut v = w.clone();
        v.swap(i, i + 1);
        push(v);
    }
    for i in 0..w.len() {
        if prefix && i + 1 == w.len() {
            continue;
        }
        let mut v = w.clone();
        v.remove(i);
        push(v);
    }
    for i in 0..w.len() {
        for &c in &alphabet {
            let mut v = w.clone();
            v[i] = c;
            push(v);
        }
    }
    for i in 0..=w.len() {
        for &c in &alphabet {
            let mut v = w.clone();
            v.insert(i, c);
            push(v);
        }
    }
    out
}

/// Two short words in a row that are probably one (`wi fi`, `e mail`): joined.
fn join_short(a: &str, b: &str) -> Option<String> {
    let (la, lb) = (a.chars().count(), b.chars().count());
    let short = la.min(lb) <= 2 && la.max(lb) <= 4;
    (short && !super::stopwords::is_stop(a) && !super::stopwords::is_stop(b)).then(|| format!("{a}{b}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_width::UnicodeWidthStr;

    const U: Glyphs = Glyphs::Unicode;
    const A: Glyphs = Glyphs::Ascii;
    const S: Lines = Lines::Single;
    const M: Lines = Lines::Multi;

    #[rustfmt::skip]
    const CASES: &[(&str, Lines, Glyphs, &str)] = &[
        // Escape sequences become inert text.
        ("\x1b[31mred\x1b[0m", S, U, "␛[31mred␛[0m"),
        ("\x1b[2J", S, U, "␛[2J"),
        ("\x1b[2J", S, A, "^[[2J"),
        ("\x1b]52;c;SGVsbG8=\x07", S, U, "␛]52;c;SGVsbG8=␇"),
        ("\x1b]52;c;SGVsbG8=\x07", M, A, "^[]52;c;SGVsbG8=^G"),
        ("\x1b]0;pwned\x07", S, U, "␛]0;pwned␇"),
        ("\x1bP...\x1b\\", S, U, "␛P...␛\\"),
        ("\x1b_apc\x1b^pm\x1bXsos", S, U, "␛_apc␛^pm␛Xsos"),
        ("\u{9b}31m", S, U, "⟨U+009B⟩31m"),
        ("\u{9b}31m\u{9c}", S, A, "<U+009B>31m<U+009C>"),
        ("\0\x01\x1f\x7f", S, U, "␀␁␟␡"),
        ("\0\x01\x1f\x7f", S, A, "^@^A^_^?"),
        ("\x0b\x0c", M, U, "␋␌"),
        // Bidi and invisible format characters are tagged.
        ("abc\u{202E}fed", S, U, "abc⟨U+202E⟩fed"),
        ("abc\u{202E}fed", S, A, "abc<U+202E>fed"),
        ("a\u{200B}b", S, U, "a⟨U+200B⟩b"),
        ("\u{2066}\u{200F}\u{61C}", S, U, "⟨U+2066⟩⟨U+200F⟩⟨U+061C⟩"),
        ("\u{AD}\u{FEFF}\u{E0041}\u{FFF9}", S, U, "⟨U+00AD⟩⟨U+FEFF⟩⟨U+E0041⟩⟨U+FFF9⟩"),
        // Emoji sequences fall apart into single code points.
        ("👩\u{200D}💻", S, U, "👩💻"),
        ("🏳\u{FE0F}\u{200D}🌈", S, U, "🏳🌈"),
        ("❤\u{FE0F} ⌚\u{FE0E}", S, U, "❤ ⌚"),
        ("👍🏽 a🏽", S, U, "👍 a🏽"),
        ("a\u{200D}b", S, U, "a⟨U+200D⟩b"),
        // Combining marks stay, but never orphaned.
        ("\u{301}x", S, U, "◌\u{301}x"),
        ("\u{301}x", S, A, " \u{301}x"),
        ("\x01\u{301}", S, U, "␁◌\u{301}"),
        ("\u{FE0F}\u{301}", S, U, "◌\u{301}"),
        ("a\n\u{301}", M, U, "a\n◌\u{301}"),
        // Line breaks and tabs.
        ("a\r\nb\rc\nd\u{2028}e", M, U, "a\nb\nc\nd\ne"),
        ("\r\n\r\n", M, U, "\n\n"),
        ("a\r\nb\rc\nd\te", S, U, "a b c d e"),
        ("a\tb\n\tc\nabcd\te", M, U, "a   b\n    c\nabcd    e"),
        ("日\tx", M, A, "日  x"),
    ];

    #[test]
    fn spellings_of_one_word_meet() {
        let q = |s: &str| query_terms(s);
        for s in ["wifi", "Wi-Fi", "wi fi", "WiFi", "WIFI", "wi‑fi"] {
            assert_eq!(q(s), ["wifi"], "{s}");
            let idx = index_terms(&format!("my {s} drops"));
            assert!(idx.split(' ').any(|t| t == "wifi"), "{s}: {idx}");
        }
        assert_eq!(q("e-mail"), ["email"]);
        assert_eq!(q("Crème brûlée"), ["creme", "brulee"]);
        assert_eq!(q("Straße ĳssel Łódź"), ["strasse", "issel", "lodz"]);
        assert_eq!(index_terms("E[x]tract a file"), "e x tract extract a file");
        assert_eq!(index_terms("BER-LT-0042"), "ber lt 0042 berlt0042");
        assert_eq!(q("ber-lt-0042 printer"), ["berlt0042", "printer"]);
        // Paths and dotted names are not compounds; stop words never pair.
        assert_eq!(q("path/to file.tar"), ["path", "to", "file", "tar"]);
        assert_eq!(q("is it"), ["is", "it"]);
        assert_eq!(LATIN_EXT_A.len(), 128);
    }

    #[test]
    fn one_edit_variants_include_the_usual_typos() {
        let v = one_edit_variants("outlok", false);
        for want in ["outlook", "outloo", "otulok", "outlak"] {
            assert!(v.iter().any(|x| x == want), "{want}");
        }
        assert!(!v.iter().any(|x| x == "outlok"));
        assert!(!one_edit_variants("outlo", true).iter().any(|x| x == "outl"));
    }

    #[test]
    fn concrete_cases() {
        for &(input, lines, glyphs, want) in CASES {
            assert_eq!(sanitize(input, lines, glyphs), want, "{input:?} {lines:?} {glyphs:?}");
        }
    }

    #[test]
    fn plain_text_is_borrowed_and_widths_add_up() {
        for s in ["", "Printer on 3rd floor: jammed!", "Crème brûlée", "日本語 한국어", "e\u{301}"] {
            assert!(matches!(clean(s), Cow::Borrowed(b) if b == s), "{s:?}");
            assert!(matches!(sanitize(s, M, A), Cow::Borrowed(_)));
        }
        assert!(matches!(sanitize("a\nb", M, U), Cow::Borrowed(_)));
        assert_eq!((width("日本語"), width("e\u{301}"), width("ab\nabcd\n")), (6, 1, 4));
        assert_eq!(width(&clean("\u{202E}")), 8);
        for s in ["👩\u{200D}💻", "❤\u{FE0F}", "👍🏽", "🇺🇸", "1\u{FE0F}\u{20E3}"] {
            let s = clean(s);
            assert_eq!(width(&s), s.width(), "{s:?}");
        }
    }

    #[test]
    fn truncate_and_fit() {
        assert!(matches!(truncate("abc", 3, U), Cow::Borrowed("abc")));
        assert_eq!(truncate("abcdef", 4, U), "abc…");
        assert_eq!(truncate("abcdef", 4, A), "abc~");
        assert_eq!(truncate("日本語", 5, U), "日本…");
        assert_eq!(truncate("日本語", 4, U), "日…");
        assert_eq!(truncate("日本語", 1, U), "…");
        assert_eq!(truncate("日本語", 0, U), "");
        assert_eq!(truncate("e\u{301}e\u{301}e\u{301}", 2, U), "e\u{301}…");
        assert_eq!(fit("日本語", 4, U), "日… ");
        assert_eq!(fit("ab", 4, U), "ab  ");
        assert_eq!(fit("日本", 1, A), "~");
        assert_eq!(fit("日本", 0, U), "");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_hard_breaks_words() {
        assert_eq!(wrap("hello world foo", 11), ["hello world", "foo"]);
        assert_eq!(wrap("hello   world", 7), ["hello", "world"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("ab cdefgh", 4), ["ab", "cdef", "gh"]);
        assert_eq!(wrap("日本語", 3), ["日", "本", "語"]);
        assert_eq!(wrap("a\n\n  b", 5), ["a", "", "  b"]);
        assert_eq!(wrap("  ab cd", 5), ["  ab", "cd"]);
        assert_eq!(wrap("  abc", 3), ["  a", "bc"]);
        assert_eq!(wrap("ab \u{301}c", 2), ["ab", " \u{301}c"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("日", 1), ["日"]);
    }

    /// Strings biased towards everything hostile or width-sensitive.
    fn hostile() -> impl Strategy<Value = String> {
        let nasty: Vec<char> = "\x1b\x07\0\x7f\u{9b}\u{85}\r\n\t\u{202E}\u{2066}\u{200B}\u{200D}\u{FE0F}\
            \u{FE0E}\u{301}\u{20E3}\u{AD}\u{FEFF}\u{E0041}\u{2028}👩💻🏽❤🇺日é  a["
            .chars()
            .collect();
        let nasty = prop::sample::select(nasty);
        prop::collection::vec(prop_oneof![3 => nasty, 1 => any::<char>()], 0..40).prop_map(|v| v.into_iter().collect())
    }

    fn modes() -> impl Strategy<Value = (Lines, Glyphs)> {
        let lines = prop::sample::select(&[Lines::Single, Lines::Multi][..]);
        (lines, prop::sample::select(&[U, A][..]))
    }

    fn forbidden(c: char, lines: Lines) -> bool {
        (c.is_control() && !(c == '\n' && lines == Lines::Multi))
            || is_format(c)
            || is_selector(c)
            || matches!(c, '\u{2028}' | '\u{2029}')
    }

    #[test]
    fn every_code_point_is_neutralised_idempotently() {
        for c in '\0'..=char::MAX {
            for (lines, input) in [(S, format!("{c}\u{301}")), (M, format!("\u{1F600}{c}{c}x"))] {
                let once = sanitize(&input, lines, U);
                assert!(!once.chars().any(|c| forbidden(c, lines)), "{input:?}");
                assert_eq!(sanitize(&once, lines, U), once, "{input:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn output_is_neutralised(s in hostile(), (lines, glyphs) in modes()) {
            let out = sanitize(&s, lines, glyphs);
            prop_assert!(!out.chars().any(|c| forbidden(c, lines)), "{:?} -> {:?}", s, out);
            for line in out.split('\n') {
                prop_assert!(!line.starts_with(|c| char_width(c) == 0), "orphan: {:?}", out);
            }
            if glyphs == A {
                prop_assert!(out.chars().all(|c| c.is_ascii() || s.contains(c)));
            }
        }

        #[test]
        fn sanitize_is_idempotent(s in hostile(), (lines, glyphs) in modes()) {
            let once = sanitize(&s, lines, glyphs).into_owned();
            let twice = sanitize(&once, lines, glyphs);
            prop_assert!(matches!(twice, Cow::Borrowed(_)));
            prop_assert_eq!(twice.as_ref(), once.as_str());
        }

        #[test]
        fn printable_text_is_untouched(s in "[a-zA-Z0-9 .,;:!?'\"()@#/_éüßñÇØ日本語中文한국어-]*") {
            prop_assert!(matches!(clean(&s), Cow::Borrowed(_)));
        }

        #[test]
        fn truncate_and_fit_respect_width(s in hostile(), n in 0usize..12, (_, g) in modes()) {
            let s = sanitize(&s, Lines::Single, g);
            let t = truncate(&s, n, g);
            prop_assert!(width(&t) <= n);
            prop_assert!(!t.starts_with(|c| char_width(c) == 0));
            prop_assert_eq!(width(&fit(&s, n, g)), n);
        }

        #[test]
        fn wrapped_lines_fit(s in hostile(), w in 2usize..16) {
            let s = sanitize(&s, Lines::Multi, U);
            let lines = wrap(&s, w);
            prop_assert!(lines.len() > s.matches('\n').count());
            for line in &lines {
                prop_assert!(width(line) <= w, "{:?} at {} -> {:?}", s, w, lines);
                prop_assert!(!line.starts_with(|c| char_width(c) == 0), "{:?}", lines);
            }
            let squash = |x: &str| x.chars().filter(|&c| c != ' ' && c != '\n').collect::<String>();
            prop_assert_eq!(squash(&lines.concat()), squash(&s));
        }
    }
}
