//! Durations and times of day as people write them: one grammar for every place tix
//! reads one — time booked on a note (`--time 1h15`), SLA targets in the config (`4h`,
//! `2d` in business days), filter ages (`updated:>-2h`), schedules and working hours
//! (`08:00`), and the ISO 8601 `DURATION` of an iCalendar event (`P1D`).
//!
//! A duration is one or more `<number><unit>` parts, the largest unit first, with or
//! without spaces between them: `w` (week), `d` (day), `h` (hour), `m` (minute);
//! `1d 4h`, `1h30m`, `2w`. Letters may be upper or lower case. What a day is belongs to
//! the place that reads it ([`Days`]): 24 hours for ages and time booked, the
//! calendar's business day for SLA targets (a business day stays a business day there,
//! and a week of business time is not guessed at). Time booked adds two conveniences
//! that stay unambiguous there: a bare number is minutes (`45`) and minutes may follow
//! hours without their unit (`1h15`).

use super::time::{DAY, HOUR, MINUTE};

/// What `d` (and `w`) mean where a duration is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    /// A day is 24 hours and a week 7 days (ages, time booked).
    Calendar,
    /// A day is a business day of this many milliseconds; weeks are refused.
    Business(i64),
    /// Only hours and minutes (the length of a business day itself).
    Refused,
}

/// Where a duration is read: what a day is, and whether time booking's shorthands hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grammar {
    pub days: Days,
    /// `45` is 45 minutes and `1h15` is 75 minutes.
    pub booking: bool,
}

impl Grammar {
    /// Time booked on a note or reply.
    pub const BOOKING: Grammar = Grammar { days: Days::Calendar, booking: true };
    /// Ages such as the `-2h` of `updated:>-2h`.
    pub const AGE: Grammar = Grammar { days: Days::Calendar, booking: false };

    /// SLA targets, in the business days of a calendar whose day is `day_ms` long.
    pub fn business(day_ms: i64) -> Grammar {
        Grammar { days: Days::Business(day_ms), booking: false }
    }

    /// Hours and minutes only.
    pub const HOURS: Grammar = Grammar { days: Days::Refused, booking: false };
}

/// Why a duration or a time of day could not be read. Each names the text it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("\"{0}\" is not a duration (such as 30m, 4h, 1h30m, 2d)")]
    Malformed(String),
    #[error("\"{0}\" needs a unit (such as {0}m or {0}h)")]
    NoUnit(String),
    #[error("\"{0}\": give hours and minutes here (such as 8h)")]
    DaysRefused(String),
    #[error("\"{0}\": give business days here (such as 5d), not weeks")]
    WeeksRefused(String),
    #[error("\"{0}\" is longer than tix can count")]
    TooLong(String),
    #[error("\"{0}\" is not an ISO 8601 duration (such as P1D, P2W or PT4H)")]
    NotIso(String),
    #[error("'{0}' is not a time of day (HH:MM, such as 08:30)")]
    NotTimeOfDay(String),
    #[error("\"{0}\" books no time")]
    Zero(String),
}

/// Read a duration in milliseconds under `grammar`. `0m` is zero; negative and
/// fractional durations are refused (a filter's `-2h` strips its sign first).
pub fn parse(s: &str, grammar: Grammar) -> Result<i64, DurationError> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    let malformed = || DurationError::Malformed(s.to_string());
    if t.is_empty() {
        return Err(malformed());
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        if grammar.booking {
            let n: i64 = t.parse().map_err(|_| DurationError::TooLong(s.to_string()))?;
            return n.checked_mul(MINUTE).ok_or_else(|| DurationError::TooLong(s.to_string()));
        }
        return Err(DurationError::NoUnit(s.to_string()));
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut last_rank = 0; // w = 4, d = 3, h = 2, m = 1: each part smaller than the one before
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let (rank, unit) = match (c, grammar.days) {
            ('w', Days::Calendar) => (4, 7 * DAY),
            ('w', Days::Business(_)) => return Err(DurationError::WeeksRefused(s.to_string())),
            ('d', Days::Calendar) => (3, DAY),
            ('d', Days::Business(day_ms)) => (3, day_ms),
            ('w' | 'd', Days::Refused) => return Err(DurationError::DaysRefused(s.to_string())),
            ('h', _) => (2, HOUR),
            ('m', _) => (1, MINUTE),
            _ => return Err(malformed()),
        };
        if num.is_empty() || (last_rank != 0 && rank >= last_rank) {
            return Err(malformed());
        }
        total = add(total, &num, unit).ok_or_else(|| DurationError::TooLong(s.to_string()))?;
        num.clear();
        last_rank = rank;
    }
    if !num.is_empty() {
        // "1h15": minutes after hours, in time booking only.
        if !(grammar.booking && last_rank == 2) {
            return Err(malformed());
        }
        total = add(total, &num, MINUTE).ok_or_else(|| DurationError::TooLong(s.to_string()))?;
    }
    Ok(total)
}

/// Time booked on a note or reply, in whole minutes (more than zero).
pub fn booked_minutes(s: &str) -> Result<u32, DurationError> {
    let ms = parse(s.trim(), Grammar::BOOKING)?;
    let minutes = u32::try_from(ms / MINUTE).map_err(|_| DurationError::TooLong(s.to_string()))?;
    if minutes == 0 {
        return Err(DurationError::Zero(s.to_string()));
    }
    Ok(minutes)
}

/// Time booked, in minutes: `30m`, `1h`, `1h15`, `1h15m`, `90`, `2d` (a day is 24h
/// here), in this grammar; `None` when it is not a duration or is
/// zero.
pub fn parse_minutes(s: &str) -> Option<u32> {
    booked_minutes(s).ok()
}
fn add(total: i64, num: &str, unit: i64) -> Option<i64> {
    let n: i64 = num.parse().ok()?;
    n.checked_mul(unit).and_then(|v| total.checked_add(v))
}

/// A duration of the ISO 8601 / RFC 5545 form (`P1D`, `+P2W`, `P1DT4H30M`, `PT15M`):
/// its whole days and the milliseconds of its time part. Years and months (whose
/// length varies) and negative durations are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Iso {
    pub days: i64,
    pub time_ms: i64,
}

/// Read an ISO 8601 duration.
pub fn parse_iso(s: &str) -> Result<Iso, DurationError> {
    let bad = || DurationError::NotIso(s.to_string());
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let t = t.strip_prefix('P').ok_or_else(bad)?;
    let (date, time) = match t.split_once('T') {
        Some((_, "")) => return Err(bad()),
        Some((d, t)) => (d, t),
        None => (t, ""),
    };
    if date.is_empty() && time.is_empty() {
        return Err(bad());
    }
    let mut iso = Iso { days: 0, time_ms: 0 };
    for (n, unit) in parts(date).ok_or_else(bad)? {
        let days = match unit {
            'W' => n.checked_mul(7),
            'D' => Some(n),
            _ => None,
        };
        iso.days = days.and_then(|d| iso.days.checked_add(d)).ok_or_else(bad)?;
    }
    for (n, unit) in parts(time).ok_or_else(bad)? {
        let ms = match unit {
            'H' => n.checked_mul(HOUR),
            'M' => n.checked_mul(MINUTE),
            'S' => n.checked_mul(1000),
            _ => None,
        };
        iso.time_ms = ms.and_then(|v| iso.time_ms.checked_add(v)).ok_or_else(bad)?;
    }
    Ok(iso)
}

/// `12D` → `[(12, 'D')]`; `None` for a number without a unit or a unit without a number.
fn parts(s: &str) -> Option<Vec<(i64, char)>> {
    let mut out = Vec::new();
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            if num.is_empty() {
                return None;
            }
            out.push((num.parse().ok()?, c));
            num.clear();
        }
    }
    num.is_empty().then_some(out)
}

/// A time of day `HH:MM` (`8:30` or `08:30`) → minutes after midnight. `24:00` (the end
/// of a working day) only where `end_of_day` allows it.
pub fn time_of_day(s: &str, end_of_day: bool) -> Result<u16, DurationError> {
    let bad = || DurationError::NotTimeOfDay(s.to_string());
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if !(1..=2).contains(&h.len()) || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m < 60 && (h < 24 || (end_of_day && h == 24 && m == 0)) { Ok(h * 60 + m) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_grammar_where_a_day_means_what_the_place_says() {
        let sla = Grammar::business(8 * HOUR);
        assert_eq!(parse("2d", sla), Ok(16 * HOUR));
        assert_eq!(parse("2d", Grammar::AGE), Ok(48 * HOUR));
        assert_eq!(parse("2d", Grammar::BOOKING), Ok(48 * HOUR));
        assert_eq!(parse("1d 4h", sla), Ok(12 * HOUR));
        assert_eq!(parse("1W2D", Grammar::AGE), Ok(9 * DAY));
        assert_eq!(parse("2w", sla), Err(DurationError::WeeksRefused("2w".into())));
        assert_eq!(parse("1d", Grammar::HOURS), Err(DurationError::DaysRefused("1d".into())));
        assert_eq!(parse("8h", Grammar::HOURS), Ok(8 * HOUR));
    }

    #[test]
    fn booking_shorthands_only_where_time_is_booked() {
        assert_eq!(parse("45", Grammar::BOOKING), Ok(45 * MINUTE));
        assert_eq!(parse("1h15", Grammar::BOOKING), Ok(75 * MINUTE));
        assert_eq!(parse("1h 15m", Grammar::BOOKING), Ok(75 * MINUTE));
        assert_eq!(parse("45", Grammar::AGE), Err(DurationError::NoUnit("45".into())));
        assert_eq!(parse("1h15", Grammar::AGE), Err(DurationError::Malformed("1h15".into())));
        assert_eq!(parse("2m15", Grammar::BOOKING), Err(DurationError::Malformed("2m15".into())));
    }

    #[test]
    fn refusals_name_the_text() {
        for bad in ["", "h", "4x", "30m4h", "1h1h", "4 hours", "-4h", "1.5h"] {
            let e = parse(bad, Grammar::AGE).unwrap_err();
            assert!(e.to_string().contains(&format!("\"{bad}\"")), "{bad}: {e}");
        }
        assert!(matches!(parse("99999999999999999999d", Grammar::AGE), Err(DurationError::TooLong(_))));
        assert!(matches!(parse("9999999999999999w", Grammar::AGE), Err(DurationError::TooLong(_))));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_minutes("30m"), Some(30));
        assert_eq!(parse_minutes("1h15"), Some(75));
        assert_eq!(parse_minutes("1h15m"), Some(75));
        assert_eq!(parse_minutes("2h"), Some(120));
        assert_eq!(parse_minutes("45"), Some(45));
        assert_eq!(parse_minutes("1x"), None);
        assert_eq!(parse_minutes(""), None);
    }
    #[test]
    fn iso_durations() {
        assert_eq!(parse_iso("P1D"), Ok(Iso { days: 1, time_ms: 0 }));
        assert_eq!(parse_iso("+P2W"), Ok(Iso { days: 14, time_ms: 0 }));
        assert_eq!(parse_iso("P1DT0H0M0S"), Ok(Iso { days: 1, time_ms: 0 }));
        assert_eq!(parse_iso("PT1H30M"), Ok(Iso { days: 0, time_ms: 90 * MINUTE }));
        for bad in ["", "P", "PT", "1D", "P1Y", "P1M", "PD", "P1", "P1DT", "-P1D", "P99999999999999999999D"] {
            assert_eq!(parse_iso(bad), Err(DurationError::NotIso(bad.into())), "{bad}");
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day("8:30", false), Ok(510));
        assert_eq!(time_of_day("08:30", false), Ok(510));
        assert_eq!(time_of_day("24:00", true), Ok(1440));
        for bad in ["24:00", "8", "8:5", "123:00", "12:60", "ab:cd", ":30", "-1:00"] {
            assert_eq!(time_of_day(bad, false), Err(DurationError::NotTimeOfDay(bad.into())), "{bad}");
        }
        assert!(time_of_day("24:01", true).is_err());
    }
}
