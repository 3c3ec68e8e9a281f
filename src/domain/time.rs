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

/// Parse a date as people and spreadsheets write it: `2024-03-05`, `2024/03/05`,
/// `3/5/24` and `3/5/2024` (US month/day/year, as Snipe-IT and Excel exports do),
/// `05.03.2024` (day.month.year). Returns the ISO form.
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    // A two-digit year is 20xx: chrono's %Y would read "23" as the year 23.
    let short_year = !s.contains('-') && s.rsplit(['/', '.']).next().is_some_and(|y| y.len() == 2);
    let formats: &[&str] =
        if short_year { &["%m/%d/%y", "%d.%m.%y"] } else { &["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d.%m.%Y"] };
    for f in formats {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(iso(d));
        }
    }
    // A timestamp with a time part: keep the date.
    DateTime::parse_from_rfc3339(s).ok().map(|t| iso(t.date_naive()))
}

/// Parse a duration in minutes: `30m`, `1h`, `1h15`, `1h15m`, `90`, `2d` (working days are not
/// assumed: a day is 24h here).
pub fn parse_minutes(s: &str) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() {
        return None;
    }
    if let Ok(m) = s.parse::<u32>() {
        return Some(m);
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut last_unit = ' ';
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total += match c {
            'd' => n * 24 * 60,
            'h' => n * 60,
            'm' => n,
            _ => return None,
        };
        last_unit = c;
    }
    if !num.is_empty() {
        // "1h15": trailing number after hours means minutes.
        if last_unit != 'h' {
            return None;
        }
        total += num.parse::<u64>().ok()?;
    }
    u32::try_from(total).ok().filter(|&m| m > 0)
}

#[cfg(test)]
mod tests {
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
    fn ages() {
        assert_eq!(age(0, 5 * MINUTE), "5m");
        assert_eq!(age(0, 3 * HOUR), "3h");
        assert_eq!(age(0, 12 * DAY), "12d");
        assert_eq!(age(0, 70 * DAY), "10w");
    }
}
