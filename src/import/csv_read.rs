//! Reading CSV files the way every tix importer does (assets, tickets): encodings, line
//! ends, delimiters, physical line numbers and whole-file errors. No store access.

use csv::{ByteRecord, ReaderBuilder};

/// Longest accepted value, in bytes; a longer one is a row error.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// A problem with one row (or the header), with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RowError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

/// Byte offsets where each physical line starts (CRLF, LF and lone CR all end a line).
pub(crate) struct Lines {
    pub(crate) starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &[u8]) -> Lines {
        let mut starts = vec![0];
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'\r' if text.get(i + 1) == Some(&b'\n') => {
                    i += 2;
                    starts.push(i);
                }
                b'\r' | b'\n' => {
                    i += 1;
                    starts.push(i);
                }
                _ => i += 1,
            }
        }
        Lines { starts }
    }

    /// 1-based line of the byte at `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> u64 {
        self.starts.partition_point(|&s| s <= offset) as u64
    }
}

pub(crate) fn is_eol(b: u8) -> bool {
    b == b'\r' || b == b'\n'
}

/// Excel's optional first line `sep=;`: returns where the data starts and the delimiter it names.
pub(crate) fn excel_sep_line(text: &[u8]) -> (usize, Option<u8>) {
    match text {
        [s, e, p, b'=', d, rest @ ..]
            if [*s, *e, *p].eq_ignore_ascii_case(b"sep")
                && !is_eol(*d)
                && *d != b'"'
                && d.is_ascii()
                && rest.first().is_none_or(|&b| is_eol(b)) =>
        {
            let skip = match rest {
                [b'\r', b'\n', ..] => 2,
                [] => 0,
                _ => 1,
            };
            (5 + skip, Some(*d))
        }
        _ => (0, None),
    }
}

/// `,` unless the first record has more `;` or tabs outside quotes.
pub(crate) fn sniff_delimiter(data: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in data {
        match b {
            b'"' => quoted = !quoted,
            b'\r' | b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let delims = [b',', b';', b'\t'];
    let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    delims[best]
}

/// Find a quoted field that is never closed, following the csv crate's rules (a quote opens a
/// quoted field only at the start of a field; `""` inside is a literal quote). Returns the offset
/// of the opening quote and the 0-based column it is in.
fn unterminated_quote(data: &[u8], delim: u8) -> Option<(usize, usize)> {
    #[derive(Clone, Copy)]
    enum S {
        FieldStart,
        Unquoted,
        Quoted(usize),
        QuoteInQuoted(usize),
    }
    let mut s = S::FieldStart;
    let mut col = 0;
    for (i, &b) in data.iter().enumerate() {
        s = match s {
            S::FieldStart if b == b'"' => S::Quoted(i),
            S::FieldStart | S::Unquoted | S::QuoteInQuoted(_) if b == delim => {
                col += 1;
                S::FieldStart
            }
            S::FieldStart | S::Unquoted | S::QuoteInQuoted(_) if is_eol(b) => {
                col = 0;
                S::FieldStart
            }
            S::FieldStart | S::Unquoted => S::Unquoted,
            S::Quoted(start) if b == b'"' => S::QuoteInQuoted(start),
            S::Quoted(start) => S::Quoted(start),
            S::QuoteInQuoted(start) if b == b'"' => S::Quoted(start),
            S::QuoteInQuoted(_) => S::Unquoted,
        };
    }
    match s {
        S::Quoted(start) => Some((start, col)),
        _ => None,
    }
}

/// What [`for_each_record`] found, in file order.
pub(crate) enum Event<'a> {
    /// The header record (the first non-blank one) and the file's delimiter.
    Header { rec: &'a ByteRecord, delim: u8 },
    /// A record with as many fields as the header, not all blank. `spans` describes a
    /// record that runs over several lines (empty otherwise), for messages.
    Row { rec: &'a ByteRecord, line: u64, spans: &'a str },
    /// A record with another number of fields than the header.
    Ragged { line: u64, message: String },
}

/// Read a CSV file the way every tix importer does: UTF-16 refused, a UTF-8 byte-order mark
/// and Excel's `sep=` line skipped, the delimiter sniffed from the header line, CRLF, LF or
/// lone-CR line ends, physical line numbers (a multi-line record at the line it starts), an
/// unterminated quote refused as a whole-file error at the line where it opens, blank records
/// skipped. `f` returning `Err` for the header makes the whole file fail at the header line.
pub(crate) fn for_each_record(
    bytes: &[u8],
    file: &str,
    mut f: impl FnMut(Event<'_>) -> Result<(), String>,
) -> Result<(), RowError> {
    let fail = |line: u64, message: String| RowError { file: file.to_string(), line, message };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(fail(1, "the file is UTF-16; save it as \"CSV UTF-8\" and import that".into()));
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let lines = Lines::new(text);
    let (start, sep) = excel_sep_line(text);
    let data = &text[start..];
    let delim = sep.unwrap_or_else(|| sniff_delimiter(data));
    // The csv crate reports where a record starts as a byte offset that may point at the end of
    // the previous line's terminator (and its line count ignores lone CRs), so count lines here.
    let record_line = |pos: u64| {
        let mut at = start + pos as usize;
        while at < text.len() && is_eol(text[at]) {
            at += 1;
        }
        (at, lines.line_of(at))
    };
    let last_line = |from: usize, to: usize| {
        let mut end = to.min(text.len());
        while end > from + 1 && is_eol(text[end - 1]) {
            end -= 1;
        }
        lines.line_of(end.saturating_sub(1).max(from))
    };

    let mut rdr = ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delim).from_reader(data);
    let mut rec = ByteRecord::new();
    let header_found = rdr.read_byte_record(&mut rec).map_err(|e| fail(1, format!("cannot read the file: {e}")))?;
    let (_, header_line) = record_line(rec.position().map_or(0, |p| p.byte()));
    let header_end = start + rdr.position().byte() as usize;

    if let Some((quote, col)) = unterminated_quote(data, delim) {
        let quote = start + quote;
        let line = lines.line_of(quote);
        let name = match rec.get(col) {
            Some(n) if quote >= header_end && !n.trim_ascii().is_empty() => {
                format!(" ('{}')", String::from_utf8_lossy(n.trim_ascii()))
            }
            _ => String::new(),
        };
        let end = last_line(quote, text.len());
        let rest = if end > line { format!("lines {line}–{end}") } else { format!("line {line}") };
        return Err(fail(
            line,
            format!(
                "unterminated quote in column {}{name}: the quoted value never ends, so the rest of the file ({rest}) \
                 would be read as one value; close the quote, and double any quote inside a value (\"\")",
                col + 1
            ),
        ));
    }
    if !header_found {
        return Ok(());
    }
    let expected = rec.len();
    f(Event::Header { rec: &rec, delim }).map_err(|m| fail(header_line, m))?;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = lines.line_of(start + rdr.position().byte() as usize);
                return Err(fail(line, format!("cannot read the file: {e}")));
            }
        }
        let (at, line) = record_line(rec.position().map_or(0, |p| p.byte()));
        if rec.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        let end_line = last_line(at, start + rdr.position().byte() as usize);
        let spans = if end_line > line {
            format!(" (the record runs over lines {line}–{end_line}; a stray quote may have joined them)")
        } else {
            String::new()
        };
        if rec.len() != expected {
            let message = format!("expected {expected} fields as in the header, found {}{spans}", rec.len());
            f(Event::Ragged { line, message }).map_err(|m| fail(line, m))?;
            continue;
        }
        f(Event::Row { rec: &rec, line, spans: &spans }).map_err(|m| fail(line, m))?;
    }
    Ok(())
}
