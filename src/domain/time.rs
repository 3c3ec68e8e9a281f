//! Time helpers: stored as UTC milliseconds, shown local; dates as ISO strings.

use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};

pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// `2026-11-22 14:02` in the local time zone.
pub fn local(ms: i64) -> String {
    match Local.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => format!("@{ms}"),
    }
}

/// RFC 3339 UTC, for JSON output.
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// ISO date of a timestamp, UTC.
pub fn iso_date(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// Compact age such as `5m`, `3h`, `12d`, `8w`.
pub fn age(ms: i64, now: i64) -> String {
    let d = (now - ms).max(0);
    if d < HOUR {
        format!("{}m", d / MINUTE)
    } else if d < DAY {
        format!("{}h", d / HOUR)
    } else if d < 60 * DAY {
        format!("{}d", d / DAY)
    } else {
        format!("{}w", d / (7 * DAY))
    }
}

/// Minutes as people read them: "45m", "1h 15m", "2h".
pub fn minutes_text(m: u32) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

/// Time left until `due`: "4h", "2d"; negative (overdue) as "-3h".
pub fn until(due: i64, now: i64) -> String {
    if due >= now { age(now, due) } else { format!("-{}", age(due, now)) }
}

/// Parse a date as people and spreadsheets write it: `2024-03-05`, `2024/03/05`,
/// `3/5/24` and `3/5/2024` (US month/day/year, as Snipe-IT and Excel export),
/// `05.03.2024` (day.month.year), optionally followed by a time, which is dropped.
/// `Ok(None)` for MySQL's zero date; a two-digit year is 20xx.
pub(crate) fn parse_day(s: &str) -> Result<Option<NaiveDate>, ()> {
    let s = s.trim();
    let date = match s.find([' ', 'T']) {
        None => s,
        Some(i) => {
            let time = s[i + 1..].trim();
            let is_time = time.contains(':') && time.chars().all(|c| c.is_ascii_digit() || c == ':' || c == '.');
            if !is_time {
                return Err(());
            }
            &s[..i]
        }
    };
    if date == "0000-00-00" {
        return Ok(None);
    }
    let sep = date.chars().find(|c| !c.is_ascii_digit()).ok_or(())?;
    let parts: Vec<&str> = date.split(sep).collect();
    let [a, b, c] = parts[..] else { return Err(()) };
    if [a, b, c].iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(());
    }
    let (y, m, d) = match sep {
        '-' if a.len() == 4 => (a, b, c),
        '/' if a.len() == 4 => (a, b, c),
        '/' => (c, a, b),
        '.' => (c, b, a),
        _ => return Err(()),
    };
    ymd(y, m, d).map(Some).ok_or(())
}

/// Build a date from digit strings: year of 4 digits (or 2, meaning 20xx), month and day of 1–2.
pub(crate) fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    if !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    let year: i32 = match y.len() {
        4 => y.parse().ok()?,
        2 => 2000 + y.parse::<i32>().ok()?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)
}

/// [`parse_day`] as an ISO date string; `None` when empty or unreadable.
pub fn parse_date(s: &str) -> Option<String> {
    parse_day(s).ok().flatten().map(|d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {

    #[test]
    fn time_left_reads_as_age_and_overdue_gets_a_minus() {
        assert_eq!(until(5 * HOUR, HOUR), "4h");
        assert_eq!(until(HOUR, 3 * DAY + HOUR), "-3d");
        assert_eq!(until(0, 0), "0m");
    }

    use super::*;

    #[test]
    fn dates_in_the_usual_spellings() {
        assert_eq!(parse_date("2024-03-05").as_deref(), Some("2024-03-05"));
        assert_eq!(parse_date("1/23/23").as_deref(), Some("2023-01-23"));
        assert_eq!(parse_date("10/27/2028").as_deref(), Some("2028-10-27"));
        assert_eq!(parse_date("05.03.2024").as_deref(), Some("2024-03-05"));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("13/45/22"), None);
    }

    #[test]
    fn ages() {
        assert_eq!(age(0, 5 * MINUTE), "5m");
        assert_eq!(age(0, 3 * HOUR), "3h");
        assert_eq!(age(0, 12 * DAY), "12d");
        assert_eq!(age(0, 70 * DAY), "10w");
    }
}
