//! Holidays from an iCalendar (`.ics`) file: the all-day events of its `VEVENT`s.
//!
//! The small subset of RFC 5545 that holiday calendars use, read by hand:
//! content lines with CRLF or LF endings, unfolded (a line starting with a space or tab
//! continues the previous one); `DTSTART;VALUE=DATE:20261225` (or a bare 8-digit date);
//! optional `DTEND` (exclusive) or `DURATION` (`P1D`, `P2W`) for multi-day events, one
//! day without either; `SUMMARY` as the holiday's name; `STATUS:CANCELLED` events are
//! skipped. Other components (`VTIMEZONE`, `VTODO`, an event's `VALARM`) and other
//! properties are ignored. Timed events and recurrence rules (`RRULE`) are refused with
//! the line they are on, rather than guessed at: a holiday is a whole date.

use std::path::Path;

use chrono::NaiveDate;

/// One holiday date. A multi-day event gives one per day, with the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsHoliday {
    pub date: NaiveDate,
    pub name: String,
    /// The line of the event's `BEGIN:VEVENT`.
    pub line: usize,
}

/// The file is not a calendar this reader understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct IcsError {
    pub line: usize,
    pub message: String,
}

/// Longest event accepted, in days (a holiday longer than a year is a mistake).
pub const MAX_EVENT_DAYS: i64 = 366;

/// Read and parse a file; the error names the path.
pub fn read_file(path: &Path) -> Result<Vec<IcsHoliday>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// The holidays in an iCalendar text, sorted by date (then by line).
pub fn parse(bytes: &[u8]) -> Result<Vec<IcsHoliday>, IcsError> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut out = Vec::new();
    // Open components: (name, line of BEGIN).
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut event: Option<Event> = None;
    let mut seen_calendar = false;
    for (line, content) in unfold(text) {
        let prop = parse_line(&content).ok_or_else(|| IcsError {
            line,
            message: format!("expected NAME:VALUE, found \"{}\"", preview(&content)),
        })?;
        let name = prop.name.to_ascii_uppercase();
        if stack.is_empty() && !(name == "BEGIN" && prop.value.eq_ignore_ascii_case("VCALENDAR")) {
            return Err(IcsError { line, message: "not an iCalendar file (expected BEGIN:VCALENDAR)".into() });
        }
        match name.as_str() {
            "BEGIN" => {
                let comp = prop.value.trim().to_ascii_uppercase();
                if comp == "VEVENT" && stack.len() == 1 {
                    event = Some(Event { line, ..Event::default() });
                }
                seen_calendar = true;
                stack.push((comp, line));
            }
            "END" => {
                let comp = prop.value.trim().to_ascii_uppercase();
                match stack.pop() {
                    Some((open, _)) if open == comp => {}
                    Some((open, at)) => {
                        return Err(IcsError {
                            line,
                            message: format!("END:{comp} but BEGIN:{open} on line {at} is still open"),
                        });
                    }
                    None => return Err(IcsError { line, message: format!("END:{comp} without BEGIN") }),
                }
                if comp == "VEVENT"
                    && stack.len() == 1
                    && let Some(ev) = event.take()
                {
                    ev.finish(&mut out)?;
                }
            }
            _ => {
                // Only the event's own properties, not those of an alarm inside it.
                if let Some(ev) = event.as_mut()
                    && stack.len() == 2
                {
                    ev.set(&name, prop, line)?;
                }
            }
        }
    }
    if let Some((comp, at)) = stack.pop() {
        return Err(IcsError { line: at, message: format!("BEGIN:{comp} is never closed") });
    }
    if !seen_calendar {
        return Err(IcsError { line: 1, message: "empty file (expected BEGIN:VCALENDAR)".into() });
    }
    out.sort_by_key(|h| (h.date, h.line));
    Ok(out)
}

/// A `VEVENT` being read.
#[derive(Debug, Default)]
struct Event {
    line: usize,
    start: Option<(NaiveDate, usize)>,
    end: Option<(NaiveDate, usize)>,
    days: Option<(i64, usize)>,
    summary: String,
    cancelled: bool,
}

impl Event {
    fn set(&mut self, name: &str, prop: Prop<'_>, line: usize) -> Result<(), IcsError> {
        let fail = |message: String| IcsError { line, message };
        match name {
            "DTSTART" => self.start = Some((date_value(name, &prop).map_err(fail)?, line)),
            "DTEND" => self.end = Some((date_value(name, &prop).map_err(fail)?, line)),
            "DURATION" => self.days = Some((duration_days(prop.value).map_err(fail)?, line)),
            "SUMMARY" => self.summary = unescape(prop.value),
            "STATUS" => self.cancelled = prop.value.trim().eq_ignore_ascii_case("CANCELLED"),
            "RRULE" | "RDATE" => {
                return Err(fail(format!(
                    "recurring events ({name}) are not supported: list each holiday's date as its own event"
                )));
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(self, out: &mut Vec<IcsHoliday>) -> Result<(), IcsError> {
        let Some((start, _)) = self.start else {
            return Err(IcsError { line: self.line, message: "event has no DTSTART".into() });
        };
        if self.cancelled {
            return Ok(());
        }
        let days = match (self.end, self.days) {
            (Some(_), Some((_, l))) => {
                return Err(IcsError { line: l, message: "an event has DTEND or DURATION, not both".into() });
            }
            (Some((end, l)), None) => {
                let d = (end - start).num_days();
                if d <= 0 {
                    return Err(IcsError { line: l, message: format!("DTEND {end} is not after DTSTART {start}") });
                }
                (d, l)
            }
            (None, Some(d)) => d,
            (None, None) => (1, self.line),
        };
        if days.0 > MAX_EVENT_DAYS {
            return Err(IcsError {
                line: days.1,
                message: format!(
                    "an event of {} days is longer than the {MAX_EVENT_DAYS} days a holiday may last",
                    days.0
                ),
            });
        }
        let mut d = start;
        for _ in 0..days.0 {
            out.push(IcsHoliday { date: d, name: self.summary.clone(), line: self.line });
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        Ok(())
    }
}

/// A content line: `NAME;PARAM=value;...:VALUE`.
#[derive(Debug)]
struct Prop<'a> {
    name: &'a str,
    params: Vec<(&'a str, &'a str)>,
    value: &'a str,
}

/// Split a content line; `None` when it has no name or no `:` outside quotes.
fn parse_line(s: &str) -> Option<Prop<'_>> {
    let name_end = s.find([';', ':'])?;
    let name = &s[..name_end];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = &s[name_end..];
    loop {
        if let Some(value) = rest.strip_prefix(':') {
            return Some(Prop { name, params, value });
        }
        // rest starts with ';': one parameter up to the next ';' or ':' outside quotes.
        let body = rest.strip_prefix(';')?;
        let mut in_quotes = false;
        let mut end = None;
        for (i, c) in body.char_indices() {
            match c {
                '"' => in_quotes = !in_quotes,
                ';' | ':' if !in_quotes => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end?;
        let param = &body[..end];
        let (k, v) = param.split_once('=').unwrap_or((param, ""));
        params.push((k, v.trim_matches('"')));
        rest = &body[end..];
    }
}

/// Physical lines joined per RFC 5545 folding, each with the line number it starts on.
/// Blank lines are skipped.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(cont) = l.strip_prefix([' ', '\t'])
            && let Some(last) = out.last_mut()
        {
            last.1.push_str(cont);
            continue;
        }
        if l.trim().is_empty() {
            continue;
        }
        out.push((i + 1, l.to_string()));
    }
    out
}

/// A `DATE` value (`20261225`). A date-time is refused: holidays are whole days.
fn date_value(name: &str, p: &Prop<'_>) -> Result<NaiveDate, String> {
    let value_type = p.params.iter().find(|(k, _)| k.eq_ignore_ascii_case("VALUE")).map(|(_, v)| *v);
    let v = p.value.trim();
    if value_type.is_some_and(|t| t.eq_ignore_ascii_case("DATE-TIME")) || v.contains('T') {
        return Err(format!(
            "{name} {} is a date and time; a holiday is a whole day ({name};VALUE=DATE:20261225)",
            preview(v)
        ));
    }
    if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{name} \"{}\" is not a date (YYYYMMDD)", preview(v)));
    }
    let (y, m, d) = (&v[..4], &v[4..6], &v[6..]);
    NaiveDate::from_ymd_opt(y.parse().unwrap_or(0), m.parse().unwrap_or(0), d.parse().unwrap_or(0))
        .ok_or_else(|| format!("{name} {v} is not a date"))
}

/// `P1D`, `P2W`, `+P3D` (optionally with a zero time part, `P1DT0H0M0S`) → days, read
/// by [`crate::domain::duration::parse_iso`].
fn duration_days(v: &str) -> Result<i64, String> {
    let bad = || format!("DURATION \"{}\" is not whole days (such as P1D or P1W)", preview(v));
    match crate::domain::duration::parse_iso(v) {
        Ok(iso) if iso.time_ms == 0 && iso.days > 0 => Ok(iso.days),
        _ => Err(bad()),
    }
}

/// TEXT unescaping: `\\`, `\;`, `\,`, `\n` (a newline becomes a space in a name).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push(' '),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out.trim().to_string()
}

/// At most 40 characters of a value, for messages.
fn preview(s: &str) -> String {
    let p: String = s.chars().take(40).collect();
    if p.len() < s.len() { format!("{p}…") } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dates(v: &[IcsHoliday]) -> Vec<(String, &str)> {
        v.iter().map(|h| (h.date.to_string(), h.name.as_str())).collect()
    }

    const GERMANY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Holidays//DE\r\n\
BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Weihnachten\\, beide Feiertage\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nDTSTART:20261224T090000\r\nSUMMARY:alarm\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20261003\r\nSUMMARY:Tag der Deutschen\r\n  Einheit\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:3\r\nDTSTART:20260101\r\nDURATION:P1D\r\nSUMMARY:Neujahr\r\nEND:VEVENT\r\n\
BEGIN:VTODO\r\nDTSTART;VALUE=DATE:20260501\r\nEND:VTODO\r\n\
BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260601\r\nSTATUS:CANCELLED\r\nSUMMARY:Gestrichen\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn a_holiday_calendar_with_crlf_folding_and_other_components() {
        let h = parse(GERMANY.as_bytes()).unwrap();
        assert_eq!(
            dates(&h),
            [
                ("2026-01-01".into(), "Neujahr"),
                ("2026-10-03".into(), "Tag der Deutschen Einheit"),
                ("2026-12-25".into(), "Weihnachten, beide Feiertage"),
                ("2026-12-26".into(), "Weihnachten, beide Feiertage"),
            ]
        );
        assert_eq!(h[2].line, 10);
        // The same with LF endings and a byte-order mark, and a tab fold.
        let lf = format!("\u{feff}{}", GERMANY.replace("\r\n", "\n").replace("\n  Einheit", "\n\t Einheit"));
        assert_eq!(dates(&parse(lf.as_bytes()).unwrap()), dates(&h));
    }

    #[test]
    fn multi_day_events_and_durations() {
        let cal = |body: &str| format!("BEGIN:VCALENDAR\nBEGIN:VEVENT\n{body}\nEND:VEVENT\nEND:VCALENDAR\n");
        let h = parse(cal("DTSTART;VALUE=DATE:20261228\nDURATION:P1W\nSUMMARY:Betriebsferien").as_bytes()).unwrap();
        assert_eq!(h.len(), 7);
        assert_eq!((h[0].date, h[6].date), (d("2026-12-28"), d("2027-01-03")));
        let h = parse(cal("DTSTART;VALUE=DATE:20260228\nDTEND;VALUE=DATE:20260302").as_bytes()).unwrap();
        assert_eq!(h.iter().map(|h| h.date).collect::<Vec<_>>(), [d("2026-02-28"), d("2026-03-01")]);
        assert_eq!(h[0].name, "");
        assert_eq!(parse(cal("DTSTART;VALUE=DATE:20260228\nDURATION:+P2DT0H0M0S").as_bytes()).unwrap().len(), 2);
        // Quoted parameter values may hold ':' and ';'.
        let h =
            parse(cal("DTSTART;X-NOTE=\"a:b;c\";VALUE=DATE:20260704\nSUMMARY;LANGUAGE=en:Independence Day").as_bytes())
                .unwrap();
        assert_eq!(dates(&h), [("2026-07-04".into(), "Independence Day")]);
        assert_eq!(parse(b"BEGIN:VCALENDAR\nEND:VCALENDAR\n").unwrap(), []);
    }

    #[test]
    fn errors_carry_line_numbers() {
        let cal =
            |body: &str| format!("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\n{body}\nEND:VEVENT\nEND:VCALENDAR\n");
        let cases: &[(String, &str)] = &[
            (cal("DTSTART:20261225T100000Z"), "line 4: DTSTART 20261225T100000Z is a date and time"),
            (cal("DTSTART;VALUE=DATE:2026-12-25"), "line 4: DTSTART \"2026-12-25\" is not a date (YYYYMMDD)"),
            (cal("DTSTART;VALUE=DATE:20261332"), "line 4: DTSTART 20261332 is not a date"),
            (cal("SUMMARY:x"), "line 3: event has no DTSTART"),
            (
                cal("DTSTART;VALUE=DATE:20261225\nDTEND;VALUE=DATE:20261225"),
                "line 5: DTEND 2026-12-25 is not after DTSTART",
            ),
            (cal("DTSTART;VALUE=DATE:20261225\nDURATION:PT1H"), "line 5: DURATION \"PT1H\" is not whole days"),
            (cal("DTSTART;VALUE=DATE:20261225\nDURATION:P0D"), "line 5: DURATION \"P0D\" is not whole days"),
            (
                cal("DTSTART;VALUE=DATE:20261225\nDURATION:P1D\nDTEND;VALUE=DATE:20261226"),
                "line 5: an event has DTEND or DURATION, not both",
            ),
            (cal("DTSTART;VALUE=DATE:20260101\nDURATION:P400D"), "line 5: an event of 400 days is longer"),
            (
                cal("DTSTART;VALUE=DATE:20261225\nRRULE:FREQ=YEARLY"),
                "line 5: recurring events (RRULE) are not supported",
            ),
            (
                cal("DTSTART;VALUE=DATE:20261225\nthis is not a property"),
                "line 5: expected NAME:VALUE, found \"this is not a property\"",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nEND:VCALENDAR\n".into(),
                "line 4: END:VCALENDAR but BEGIN:VEVENT on line 2 is still open",
            ),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\n".into(),
                "line 2: BEGIN:VEVENT is never closed",
            ),
            ("BEGIN:VCALENDAR\nEND:VCALENDAR\nEND:VCALENDAR\n".into(), "line 3: not an iCalendar file"),
            ("hello: world\n".into(), "line 1: not an iCalendar file (expected BEGIN:VCALENDAR)"),
            ("\n\n".into(), "line 1: empty file"),
        ];
        for (text, want) in cases {
            let got = parse(text.as_bytes()).unwrap_err().to_string();
            assert!(got.starts_with(want), "\n got: {got}\nwant: {want}");
        }
        let e = read_file(Path::new("/nonexistent/holidays.ics")).unwrap_err();
        assert!(e.starts_with("/nonexistent/holidays.ics: "), "{e}");
    }

    #[test]
    fn a_file_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.ics");
        std::fs::write(&p, GERMANY).unwrap();
        assert_eq!(read_file(&p).unwrap().len(), 4);
        std::fs::write(&p, "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:x\nEND:VEVENT\nEND:VCALENDAR\n").unwrap();
        assert!(read_file(&p).unwrap_err().contains("h.ics: line 3: DTSTART"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(&bytes);
        }

        /// Garbage inside a valid frame, built from the pieces the parser looks at.
        #[test]
        fn near_misses_never_panic(parts in prop::collection::vec(prop::sample::select(vec![
            "BEGIN:VEVENT", "END:VEVENT", "BEGIN:VALARM", "END:VALARM", "DTSTART;VALUE=DATE:20261225",
            "DTSTART:2026", "DTEND;VALUE=DATE:20261231", "DTEND;VALUE=DATE:19000101", "DURATION:P9999999999999999W",
            "DURATION:P", "DURATION:+PT", "SUMMARY:a\\", " folded", "\t", "X;\"unterminated:", ";:", ":", "é:ü",
            "STATUS:CANCELLED", "DTSTART;VALUE=DATE-TIME:20260101", "DTSTART;VALUE=DATE:99991231",
        ]), 0..30)) {
            let text = format!("BEGIN:VCALENDAR\r\n{}\r\nEND:VCALENDAR\r\n", parts.join("\r\n"));
            if let Ok(h) = parse(text.as_bytes()) {
                prop_assert!(h.windows(2).all(|w| w[0].date <= w[1].date));
            }
        }
    }
}
