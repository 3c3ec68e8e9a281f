//! Recurring tickets: templates with schedules ("daily 09:00", "weekdays 08:30",
//! "weekly mon 09:00", "monthly 1 09:00", or a cron line "0 9 1 * *"), in a time zone.
//! Each occurrence has a key (`schedule:NAME:YYYY-MM-DDTHH:MM`), so creating them is
//! idempotent: a re-run, or two technicians' consoles starting, make each ticket once.

use chrono::{DateTime, Datelike, Duration, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;

use super::duration::DurationError;
use super::plan::NewTicket;
use super::ticket::{Level, TicketType};
use super::{RuleError, RuleProblem};

/// How far back a missed occurrence is still made (the console or cron was not running).
pub const CATCH_UP_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecurringConfig {
    pub name: String,
    /// "daily 09:00", "weekdays 08:30", "weekly mon 09:00", "monthly 1 09:00" (a day past
    /// the month's end means its last day) or a cron line "m h dom mon dow".
    pub schedule: String,
    /// IANA time zone of the schedule (default UTC).
    #[serde(default)]
    pub tz: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<TicketType>,
    #[serde(default)]
    pub urgency: Option<u8>,
    #[serde(default)]
    pub impact: Option<u8>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Who the ticket is for: a person's login, e-mail or name (as `tix person` knows them).
    #[serde(default)]
    pub requester: Option<String>,
    /// Who works it: an agent's login, e-mail or name (the ticket is then open).
    #[serde(default)]
    pub assignee: Option<String>,
}

/// A checked template.
#[derive(Debug, Clone, PartialEq)]
pub struct Recurring {
    pub config: RecurringConfig,
    pub cron: Cron,
    pub tz: Tz,
}

/// A cron line: the allowed values of each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<u32>,
    hours: Vec<u32>,
    days: Vec<u32>,
    months: Vec<u32>,
    /// 0 = Sunday.
    weekdays: Vec<u32>,
    /// Both day fields restricted: either matches (as cron does).
    day_or: bool,
    /// "monthly 31": the last day of shorter months too.
    last_day: Option<u32>,
}

/// Why a schedule cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error(
        "schedule '{0}': use daily HH:MM, weekdays HH:MM, weekly DAY HH:MM, monthly N HH:MM or a cron line (m h dom mon dow)"
    )]
    Form(String),
    #[error(transparent)]
    Time(#[from] DurationError),
    #[error("'{0}' is not a weekday (mon, tue, …)")]
    Weekday(String),
    #[error("'{0}' is not a day of the month")]
    DayOfMonth(String),
    #[error("day {0} of the month does not exist (1-31)")]
    NoSuchDay(u32),
    /// A cron field (`minute`, `hour`, …) and what is wrong with it.
    #[error("{what}: {message}")]
    Field { what: &'static str, message: String },
}

const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn field(s: &str, lo: u32, hi: u32, what: &'static str) -> Result<Vec<u32>, CronError> {
    let bad = |message: String| CronError::Field { what, message };
    let mut out = Vec::new();
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => (r, st.parse::<u32>().map_err(|_| bad(format!("step '{st}'")))?),
            None => (part, 1),
        };
        if step == 0 {
            return Err(bad("a step of 0".into()));
        }
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            let p = |x: &str| x.parse::<u32>().map_err(|_| bad(format!("'{x}' is not a number")));
            (p(a)?, p(b)?)
        } else {
            let v = range.parse::<u32>().map_err(|_| bad(format!("'{range}' is not a number")))?;
            (v, if part.contains('/') { hi } else { v })
        };
        if a < lo || b > hi || a > b {
            return Err(bad(format!("{range} is outside {lo}-{hi}")));
        }
        out.extend((a..=b).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn hh_mm(s: &str) -> Result<(u32, u32), CronError> {
    let t = super::duration::time_of_day(s, false)?;
    Ok((u32::from(t / 60), u32::from(t % 60)))
}

impl Cron {
    /// A schedule in words or a cron line.
    pub fn parse(s: &str) -> Result<Cron, CronError> {
        let words: Vec<&str> = s.split_whitespace().collect();
        let all = |lo: u32, hi: u32| (lo..=hi).collect::<Vec<_>>();
        let at = |t: &str| hh_mm(t).map(|(h, m)| (vec![m], vec![h]));
        let base = |minutes, hours| Cron {
            minutes,
            hours,
            days: all(1, 31),
            months: all(1, 12),
            weekdays: all(0, 6),
            day_or: false,
            last_day: None,
        };
        match words.as_slice() {
            ["daily", t] => {
                let (m, h) = at(t)?;
                Ok(base(m, h))
            }
            ["weekdays", t] => {
                let (m, h) = at(t)?;
                Ok(Cron { weekdays: vec![1, 2, 3, 4, 5], ..base(m, h) })
            }
            ["weekly", day, t] => {
                let (m, h) = at(t)?;
                let d = WEEKDAYS
                    .iter()
                    .position(|w| day.to_lowercase().starts_with(w))
                    .ok_or_else(|| CronError::Weekday(day.to_string()))?;
                Ok(Cron { weekdays: vec![d as u32], ..base(m, h) })
            }
            ["monthly", day, t] => {
                let (m, h) = at(t)?;
                let d: u32 = day.parse().map_err(|_| CronError::DayOfMonth(day.to_string()))?;
                if !(1..=31).contains(&d) {
                    return Err(CronError::NoSuchDay(d));
                }
                Ok(Cron { days: vec![d], last_day: (d > 28).then_some(d), ..base(m, h) })
            }
            [mi, ho, dom, mon, dow] => {
                let dow = dow.replace('7', "0");
                let days = field(dom, 1, 31, "day of month")?;
                let weekdays = field(&dow, 0, 6, "day of week")?;
                Ok(Cron {
                    minutes: field(mi, 0, 59, "minute")?,
                    hours: field(ho, 0, 23, "hour")?,
                    day_or: *dom != "*" && dow != "*",
                    days,
                    months: field(mon, 1, 12, "month")?,
                    weekdays,
                    last_day: None,
                })
            }
            _ => Err(CronError::Form(s.to_string())),
        }
    }

    fn day_matches(&self, d: &DateTime<Tz>) -> bool {
        let dom = d.day();
        let last = last_day_of_month(d);
        let dom_ok = self.days.contains(&dom) || self.last_day.is_some_and(|want| want > last && dom == last);
        let dow_ok = self.weekdays.contains(&d.weekday().num_days_from_sunday());
        let month_ok = self.months.contains(&d.month());
        month_ok && if self.day_or { dom_ok || dow_ok } else { dom_ok && dow_ok }
    }

    /// Whether the schedule can fall on a local date (looked at around noon).
    fn date_matches(&self, tz: &Tz, day: chrono::NaiveDate) -> bool {
        day.and_hms_opt(12, 0, 0)
            .and_then(|n| tz.from_local_datetime(&n).earliest())
            .is_some_and(|t| self.day_matches(&t))
    }

    /// The latest occurrence at or before `now_ms`, no further back than `days` days.
    pub fn latest(&self, tz: &Tz, now_ms: i64, days: i64) -> Option<i64> {
        let now = tz.timestamp_millis_opt(now_ms).single()?;
        for back in 0..=days {
            let day = now.date_naive() - Duration::days(back);
            if !self.date_matches(tz, day) {
                continue;
            }
            for &h in self.hours.iter().rev() {
                for &m in self.minutes.iter().rev() {
                    // A wall time that does not exist (spring forward) is skipped; a
                    // repeated one (fall back) counts once, at its first instant.
                    let Some(t) = tz.from_local_datetime(&day.and_hms_opt(h, m, 0)?).earliest() else { continue };
                    if t <= now && self.day_matches(&t) {
                        return Some(t.timestamp_millis());
                    }
                }
            }
        }
        None
    }
}

impl Cron {
    /// The first occurrence after `now_ms`, no further ahead than `days` days.
    pub fn next(&self, tz: &Tz, now_ms: i64, days: i64) -> Option<i64> {
        let now = tz.timestamp_millis_opt(now_ms).single()?;
        for ahead in 0..=days {
            let day = now.date_naive() + Duration::days(ahead);
            if !self.date_matches(tz, day) {
                continue;
            }
            for &h in &self.hours {
                for &m in &self.minutes {
                    // As in `latest`: a skipped wall time does not happen, a repeated one
                    // once, at its first instant.
                    let Some(t) = tz.from_local_datetime(&day.and_hms_opt(h, m, 0)?).earliest() else { continue };
                    if t > now && self.day_matches(&t) {
                        return Some(t.timestamp_millis());
                    }
                }
            }
        }
        None
    }
}

fn last_day_of_month(d: &DateTime<Tz>) -> u32 {
    let (y, m) = (d.year(), d.month());
    let first_next = if m == 12 {
        chrono::NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        chrono::NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    first_next.and_then(|n| n.pred_opt()).map(|l| l.day()).unwrap_or(28)
}

impl RecurringConfig {
    pub fn check(&self) -> Result<Recurring, RuleError> {
        let bad = |key, message: String| RuleError::bad_value("recurring", &self.name, key, message);
        let cron = Cron::parse(&self.schedule).map_err(|e| bad("schedule", e.to_string()))?;
        let tz: Tz = match &self.tz {
            Some(z) => z.parse().map_err(|_| bad("tz", format!("'{z}' is not an IANA time zone")))?,
            None => Tz::UTC,
        };
        for (what, v) in [("urgency", self.urgency), ("impact", self.impact)] {
            if let Some(v) = v {
                Level::try_from(v).map_err(|e| bad(what, e.to_string()))?;
            }
        }
        if self.title.trim().is_empty() {
            return Err(RuleError::new("recurring", &self.name, RuleProblem::Missing("a title")));
        }
        Ok(Recurring { config: self.clone(), cron, tz })
    }
}

impl Recurring {
    /// The occurrence due now (the latest in the catch-up window), with its key.
    pub fn due(&self, now_ms: i64) -> Option<(String, i64)> {
        let at = self.cron.latest(&self.tz, now_ms, CATCH_UP_DAYS)?;
        Some((self.key(at), at))
    }

    /// The next occurrence after `now_ms` (within four years and a day: a 29 February
    /// schedule has one).
    pub fn next(&self, now_ms: i64) -> Option<i64> {
        self.cron.next(&self.tz, now_ms, 4 * 366)
    }

    /// The latest occurrence at or before `now_ms` (within a year), made or not; its key
    /// says whether it was.
    pub fn last(&self, now_ms: i64) -> Option<(String, i64)> {
        let at = self.cron.latest(&self.tz, now_ms, 366)?;
        Some((self.key(at), at))
    }

    fn key(&self, at: i64) -> String {
        let local = self.tz.timestamp_millis_opt(at).single().map(|l| l.format("%Y-%m-%dT%H:%M").to_string());
        format!("schedule:{}:{}", self.config.name, local.unwrap_or_default())
    }

    /// The ticket an occurrence makes (people named by `requester`/`assignee` are found
    /// by the store).
    pub fn ticket(&self) -> NewTicket {
        let c = &self.config;
        let mut t = NewTicket::titled(c.title.clone());
        t.description = c.description.clone();
        t.group = c.group.clone();
        t.category = c.category.clone();
        t.kind = c.kind.unwrap_or(TicketType::Request);
        t.tags = c.tags.clone();
        if let Some(u) = c.urgency.and_then(|v| Level::try_from(v).ok()) {
            t.urgency = u;
        }
        if let Some(i) = c.impact.and_then(|v| Level::try_from(v).ok()) {
            t.impact = i;
        }
        t.channel = super::ticket::Channel::Portal;
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0).earliest().unwrap().timestamp_millis()
    }

    #[test]
    fn schedules_in_words_and_cron_find_their_latest_occurrence() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // Wednesday 2026-11-18 10:30 Berlin.
        let now = ms(berlin, 2026, 11, 18, 10, 30);
        let latest = |s: &str| Cron::parse(s).unwrap().latest(&berlin, now, 7);
        assert_eq!(latest("daily 09:00"), Some(ms(berlin, 2026, 11, 18, 9, 0)));
        assert_eq!(latest("daily 11:00"), Some(ms(berlin, 2026, 11, 17, 11, 0)), "not yet today: yesterday's");
        assert_eq!(latest("weekly mon 09:00"), Some(ms(berlin, 2026, 11, 16, 9, 0)));
        assert_eq!(latest("weekdays 08:30"), Some(ms(berlin, 2026, 11, 18, 8, 30)));
        assert_eq!(latest("monthly 1 09:00"), None, "Nov 1 is more than 7 days back");
        assert_eq!(latest("monthly 15 09:00"), Some(ms(berlin, 2026, 11, 15, 9, 0)));
        assert_eq!(latest("*/15 * * * *"), Some(ms(berlin, 2026, 11, 18, 10, 30)));
        assert_eq!(latest("0 9 * * 1-5"), Some(ms(berlin, 2026, 11, 18, 9, 0)));
        // Saturday morning: weekdays look back to Friday.
        let sat = ms(berlin, 2026, 11, 21, 10, 0);
        assert_eq!(
            Cron::parse("weekdays 08:30").unwrap().latest(&berlin, sat, 7),
            Some(ms(berlin, 2026, 11, 20, 8, 30))
        );
        // "monthly 31" in a 30-day month: its last day.
        let dec1 = ms(berlin, 2026, 12, 1, 8, 0);
        assert_eq!(
            Cron::parse("monthly 31 09:00").unwrap().latest(&berlin, dec1, 7),
            Some(ms(berlin, 2026, 11, 30, 9, 0))
        );
    }

    /// Issue 16: the next occurrence, for `schedule list`.
    #[test]
    fn the_next_occurrence_is_after_now() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // Wednesday 2026-11-18 10:30 Berlin.
        let now = ms(berlin, 2026, 11, 18, 10, 30);
        let next = |s: &str| Cron::parse(s).unwrap().next(&berlin, now, 4 * 366);
        assert_eq!(next("daily 09:00"), Some(ms(berlin, 2026, 11, 19, 9, 0)), "today's is past: tomorrow's");
        assert_eq!(next("daily 11:00"), Some(ms(berlin, 2026, 11, 18, 11, 0)));
        assert_eq!(next("weekly mon 09:00"), Some(ms(berlin, 2026, 11, 23, 9, 0)));
        assert_eq!(next("monthly 31 09:00"), Some(ms(berlin, 2026, 11, 30, 9, 0)), "a short month's last day");
        assert_eq!(next("*/15 * * * *"), Some(ms(berlin, 2026, 11, 18, 10, 45)), "strictly after now");
        assert_eq!(next("0 0 29 2 *"), Some(ms(berlin, 2028, 2, 29, 0, 0)), "the next leap day");
        // Across the spring-forward gap: 02:30 does not happen on 29 March 2026.
        let sat = ms(berlin, 2026, 3, 28, 12, 0);
        assert_eq!(Cron::parse("daily 02:30").unwrap().next(&berlin, sat, 7), Some(ms(berlin, 2026, 3, 30, 2, 30)));
        let r: RecurringConfig = toml::from_str(
            "name = \"Check\"\nschedule = \"weekly mon 09:00\"\ntz = \"Europe/Berlin\"\ntitle = \"x\"\nrequester = \"jane\"\n",
        )
        .unwrap();
        let r = r.check().unwrap();
        assert_eq!(r.last(now), Some(("schedule:Check:2026-11-16T09:00".into(), ms(berlin, 2026, 11, 16, 9, 0))));
        assert_eq!(r.next(now), Some(ms(berlin, 2026, 11, 23, 9, 0)));
        assert_eq!(r.config.requester.as_deref(), Some("jane"));
    }

    #[test]
    fn bad_schedules_say_what_is_wrong() {
        for (s, says) in [
            ("hourly", "use daily"),
            ("daily 25:00", "time of day"),
            ("weekly funday 09:00", "weekday"),
            ("monthly 32 09:00", "day 32"),
            ("61 * * * *", "minute"),
            ("* * * * 8", "day of week"),
            ("*/0 * * * *", "step of 0"),
        ] {
            let e = Cron::parse(s).unwrap_err().to_string();
            assert!(e.contains(says), "{s}: {e}");
        }
    }

    #[test]
    fn an_occurrence_has_a_stable_key() {
        let r: RecurringConfig =
            toml::from_str("name = \"Backup test\"\nschedule = \"monthly 1 09:00\"\ntitle = \"Restore test\"\n")
                .unwrap();
        let r = r.check().unwrap();
        let now = ms(Tz::UTC, 2026, 11, 3, 12, 0);
        let (key, at) = r.due(now).unwrap();
        assert_eq!(key, "schedule:Backup test:2026-11-01T09:00");
        assert_eq!(at, ms(Tz::UTC, 2026, 11, 1, 9, 0));
        assert_eq!(r.due(now + 3_600_000).unwrap().0, key, "the same occurrence an hour later");
        assert_eq!(r.ticket().title, "Restore test");
    }
}
