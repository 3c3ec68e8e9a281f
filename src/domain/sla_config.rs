//! The `[[sla.calendars]]` and `[[sla.policies]]` config sections: serde types as
//! written in TOML, and [`SlaSection::validate`], which turns them into
//! [`Calendar`]s and [`SlaPolicy`]s with errors that name the key
//! (`sla.calendars[0].hours.mon: "8-17" is not HH:MM-HH:MM`).
//!
//! # Business durations
//!
//! `30m`, `4h`, `1h30m`, `2d`, `1d 4h`: days, hours and minutes, largest first, each at
//! most once. A **day is one business day of the policy's calendar**, not 24 hours: by
//! default the calendar's longest working day (mon-fri 08:00-17:00 → 9h; mon-fri
//! 08:00-12:00,13:00-17:00 → 8h; 24/7 → 24h), or the calendar's `day_length`. So "3d"
//! from Tuesday 10:00 in an office calendar is Friday 10:00, and the console's
//! "3d 4h left" counts the same business days. A bare number is an error (minutes or
//! hours?).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Deserialize;

use super::calendar::{Calendar, Span, WEEKDAYS, parse_day_hours};
use super::duration::{self, DurationError, Grammar};
use super::sla::{SlaConditions, SlaPolicy, SlaTargets};
use super::ticket::{Priority, TicketType};
use super::time::DAY;

/// The name of the built-in round-the-clock calendar (UTC, no holidays) that a policy
/// without `calendar` uses.
pub const ALWAYS: &str = "24/7";

/// A comment block documenting the sections, ready for `assets/config.toml`. The test
/// `the_documented_example_validates` uncomments it and validates it.
pub const CONFIG_EXAMPLE: &str = r#"# SLA: business calendars and policies. Each policy's targets are business time in
# its calendar. Durations: 30m, 4h, 1h30m, 2d, "1d 4h" (largest unit first). A day
# ("d") is one BUSINESS day of the policy's calendar, not 24 hours: the calendar's
# longest working day (mon-fri 08:00-17:00 → 9h; 08:00-12:00,13:00-17:00 → 8h;
# 24/7 → 24h) unless `day_length` says otherwise. "3d" from Tuesday 10:00 is
# Friday 10:00.
#
# The clocks pause while a ticket is pending or on-hold (deadlines move out by the
# paused business time) and stop when it is resolved or closed. A reopened ticket's
# resolution clock carries on where it stopped (time spent resolved not counted).
# Internal notes are not responses; each public reply starts a new next-update
# interval. When a ticket starts matching another policy (its priority changed, say),
# the new targets apply to the business time already elapsed (measured in the old
# policy's calendar until the change, in the new one's from then on); targets already
# met keep their verdict.
#
# [[sla.calendars]]
# name = "office"
# tz = "Europe/Berlin"              # IANA zone: hours are wall-clock hours there (DST-aware)
# # Working hours per day: mon tue wed thu fri sat sun, or mon-fri, sat-sun, daily.
# # Several spans: "08:00-12:00,13:00-17:00". A day not listed is closed.
# # A span cannot cross midnight: "22:00-24:00" on one day and "00:00-06:00" on the next.
# hours = { mon-fri = "08:00-12:00,13:00-17:00" }
# # Whole days off, as dates in the calendar's zone; optionally named.
# holidays = ["2026-12-24", { date = "2026-12-25", name = "Christmas Day" }]
# # More holidays from an iCalendar file (all-day events), relative to this file.
# # holidays_ics = "holidays-de.ics"
# # day_length = "8h"               # what "1d" means for this calendar
#
# [[sla.calendars]]
# name = "round the clock"
# tz = "America/New_York"
# hours = { daily = "00:00-24:00" }
#
# # Policies: the first whose conditions all hold applies. Conditions (all optional):
# # priority = [1, 2] (P1..P4), type = "incident" or ["incident", "request"],
# # category = "hardware" (also matches hardware/printer), vip = true, group = "network".
# # Targets (each optional): first_response, next_update, resolution; warn_before marks
# # a ticket at risk that long before a breach. A policy without `calendar` runs 24/7.
# [[sla.policies]]
# name = "Critical"
# priority = [1]
# calendar = "round the clock"
# first_response = "30m"
# next_update = "2h"
# resolution = "4h"
# warn_before = "30m"
#
# [[sla.policies]]
# name = "VIP"
# vip = true
# calendar = "office"
# first_response = "1h"
# resolution = "1d"
#
# [[sla.policies]]
# name = "Standard"
# calendar = "office"
# first_response = "4h"
# next_update = "1d"
# resolution = "3d"
# warn_before = "1h"
"#;

/// `[sla]`: calendars and policies, as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSection {
    #[serde(default)]
    pub calendars: Vec<CalendarConfig>,
    #[serde(default)]
    pub policies: Vec<PolicyConfig>,
}

/// `[[sla.calendars]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    pub name: String,
    pub tz: String,
    #[serde(default)]
    pub hours: HoursConfig,
    #[serde(default)]
    pub holidays: Vec<HolidayConfig>,
    /// An iCalendar file of holidays; read by the loader given to `validate`.
    pub holidays_ics: Option<String>,
    /// What "1d" means in this calendar (`8h`); default: its longest day.
    pub day_length: Option<String>,
}

/// `hours = { mon = "08:00-17:00", ... }`. A day not given is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursConfig {
    pub mon: Option<String>,
    pub tue: Option<String>,
    pub wed: Option<String>,
    pub thu: Option<String>,
    pub fri: Option<String>,
    pub sat: Option<String>,
    pub sun: Option<String>,
    #[serde(rename = "mon-fri")]
    pub mon_fri: Option<String>,
    #[serde(rename = "sat-sun")]
    pub sat_sun: Option<String>,
    pub daily: Option<String>,
}

/// A holiday: `"2026-12-25"`, a TOML date `2026-12-25`, or `{ date = "...", name = "..." }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum HolidayConfig {
    Text(String),
    Date(toml::value::Datetime),
    Named { date: String, name: String },
}

/// One or several values: `type = "incident"` or `type = ["incident", "request"]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(v) => v,
        }
    }
}

/// `[[sla.policies]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    pub name: String,
    /// A `[[sla.calendars]]` name; default: the built-in 24/7 calendar.
    pub calendar: Option<String>,
    pub priority: Option<OneOrMany<i64>>,
    #[serde(rename = "type")]
    pub kind: Option<OneOrMany<String>>,
    pub category: Option<String>,
    pub vip: Option<bool>,
    pub group: Option<String>,
    pub first_response: Option<String>,
    pub next_update: Option<String>,
    pub resolution: Option<String>,
    pub warn_before: Option<String>,
}

/// A value under `key` is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct SlaConfigError {
    /// The full key path, e.g. `sla.calendars[0].hours.mon`.
    pub key: String,
    pub message: String,
}

/// Validated SLA settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SlaSetup {
    /// The configured calendars, plus the built-in [`ALWAYS`] one when a policy uses it.
    pub calendars: Vec<Calendar>,
    /// In match order.
    pub policies: Vec<SlaPolicy>,
}

impl SlaSetup {
    pub fn calendar(&self, name: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.name() == name)
    }
}

/// Reads a holidays `.ics` file named in config: `(date, name)` pairs, or a message.
/// The config layer resolves the path (relative to the config file) and does the IO.
pub type IcsLoader<'a> = dyn FnMut(&str) -> Result<Vec<(NaiveDate, String)>, String> + 'a;

impl SlaSection {
    /// Check everything and build the calendars and policies. `load_ics` reads a
    /// `holidays_ics` file (called only for calendars that name one).
    pub fn validate(&self, load_ics: &mut IcsLoader<'_>) -> Result<SlaSetup, SlaConfigError> {
        let mut calendars = Vec::new();
        let mut names = BTreeSet::new();
        for (i, c) in self.calendars.iter().enumerate() {
            let key = format!("sla.calendars[{i}]");
            let cal = validate_calendar(c, &key, load_ics)?;
            if !names.insert(cal.name().to_string()) {
                return Err(err(format!("{key}.name"), format!("calendar '{}' is defined twice", cal.name())));
            }
            calendars.push(cal);
        }
        let mut policies = Vec::new();
        let mut policy_names = BTreeSet::new();
        for (i, p) in self.policies.iter().enumerate() {
            let key = format!("sla.policies[{i}]");
            let name = p.name.trim();
            if name.is_empty() {
                return Err(err(format!("{key}.name"), "a policy needs a name".into()));
            }
            if !policy_names.insert(name.to_string()) {
                return Err(err(format!("{key}.name"), format!("policy '{name}' is defined twice")));
            }
            let cal_name = p.calendar.as_deref().map(str::trim).unwrap_or(ALWAYS);
            if !calendars.iter().any(|c: &Calendar| c.name() == cal_name) {
                if cal_name != ALWAYS {
                    let known: Vec<&str> = calendars.iter().map(|c| c.name()).chain([ALWAYS]).collect();
                    return Err(err(
                        format!("{key}.calendar"),
                        format!("unknown calendar '{cal_name}' (defined: {})", known.join(", ")),
                    ));
                }
                calendars.push(Calendar::always(ALWAYS, chrono_tz::UTC));
            }
            let day_ms = calendars.iter().find(|c| c.name() == cal_name).map(Calendar::day_ms).unwrap_or(DAY);
            policies.push(validate_policy(p, &key, name, cal_name, day_ms)?);
        }
        Ok(SlaSetup { calendars, policies })
    }
}

fn err(key: String, message: String) -> SlaConfigError {
    SlaConfigError { key, message }
}

fn validate_calendar(c: &CalendarConfig, key: &str, load_ics: &mut IcsLoader<'_>) -> Result<Calendar, SlaConfigError> {
    let name = c.name.trim();
    if name.is_empty() {
        return Err(err(format!("{key}.name"), "a calendar needs a name".into()));
    }
    let tz = Calendar::parse_tz(&c.tz).map_err(|e| err(format!("{key}.tz"), e.to_string()))?;
    // Expand the day groups, refusing a day given twice.
    let h = &c.hours;
    let groups: [(&str, &Option<String>, &[usize]); 10] = [
        ("daily", &h.daily, &[0, 1, 2, 3, 4, 5, 6]),
        ("mon-fri", &h.mon_fri, &[0, 1, 2, 3, 4]),
        ("sat-sun", &h.sat_sun, &[5, 6]),
        ("mon", &h.mon, &[0]),
        ("tue", &h.tue, &[1]),
        ("wed", &h.wed, &[2]),
        ("thu", &h.thu, &[3]),
        ("fri", &h.fri, &[4]),
        ("sat", &h.sat, &[5]),
        ("sun", &h.sun, &[6]),
    ];
    let mut week: [Vec<Span>; 7] = Default::default();
    let mut set_by: [Option<&str>; 7] = [None; 7];
    for (label, value, days) in groups {
        let Some(value) = value else { continue };
        let k = format!("{key}.hours.{label}");
        let spans = parse_day_hours(value).map_err(|e| err(k.clone(), hours_message(value, &e)))?;
        for &d in days {
            if let Some(other) = set_by[d] {
                return Err(err(k, format!("{} is already set by {other}", WEEKDAYS[d])));
            }
            set_by[d] = Some(label);
            week[d] = spans.clone();
        }
    }
    let mut cal = Calendar::new(name, tz, week).map_err(|e| err(format!("{key}.hours"), e.to_string()))?;
    if let Some(dl) = &c.day_length {
        let k = format!("{key}.day_length");
        let ms = parse_duration(dl, None).map_err(|m| err(k.clone(), m.to_string()))?;
        cal = cal.with_day_length(ms).map_err(|_| err(k, format!("\"{dl}\" is not between 1m and 24h")))?;
    }
    for (j, h) in c.holidays.iter().enumerate() {
        let k = format!("{key}.holidays[{j}]");
        let (text, hname) = match h {
            HolidayConfig::Text(t) => (t.clone(), String::new()),
            HolidayConfig::Date(d) => (d.to_string(), String::new()),
            HolidayConfig::Named { date, name } => (date.clone(), name.clone()),
        };
        let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| err(k, format!("\"{text}\" is not a date (YYYY-MM-DD)")))?;
        cal.add_holiday(date, hname);
    }
    if let Some(path) = &c.holidays_ics {
        let days = load_ics(path).map_err(|m| err(format!("{key}.holidays_ics"), m))?;
        for (d, n) in days {
            cal.add_holiday(d, n);
        }
    }
    Ok(cal)
}

fn hours_message(value: &str, e: &super::calendar::CalendarError) -> String {
    use super::calendar::CalendarError as E;
    match e {
        E::BadSpan(s) if s == value.trim() => format!("\"{s}\" is not HH:MM-HH:MM (such as 08:00-17:00)"),
        E::BadSpan(s) => format!("\"{value}\": \"{s}\" is not HH:MM-HH:MM (such as 08:00-17:00)"),
        other => format!("\"{value}\": {other}"),
    }
}

fn validate_policy(
    p: &PolicyConfig,
    key: &str,
    name: &str,
    calendar: &str,
    day_ms: i64,
) -> Result<SlaPolicy, SlaConfigError> {
    let mut conditions = SlaConditions::default();
    if let Some(ps) = &p.priority {
        for (j, v) in ps.clone().into_vec().into_iter().enumerate() {
            let pr = u8::try_from(v).ok().and_then(|v| Priority::try_from(v).ok()).ok_or_else(|| {
                let k = if matches!(ps, OneOrMany::Many(_)) {
                    format!("{key}.priority[{j}]")
                } else {
                    format!("{key}.priority")
                };
                err(k, format!("{v} is not a priority (1 to 4)"))
            })?;
            conditions.priorities.push(pr);
        }
    }
    if let Some(ts) = &p.kind {
        for t in ts.clone().into_vec() {
            conditions.types.push(t.parse::<TicketType>().map_err(|e| err(format!("{key}.type"), e.to_string()))?);
        }
    }
    let nonempty = |v: &Option<String>, k: &str| -> Result<Option<String>, SlaConfigError> {
        match v.as_deref().map(str::trim) {
            Some("") => Err(err(format!("{key}.{k}"), "is empty (leave the key out to match any)".into())),
            other => Ok(other.map(str::to_string)),
        }
    };
    conditions.category = nonempty(&p.category, "category")?;
    conditions.group = nonempty(&p.group, "group")?;
    conditions.vip = p.vip;
    let target = |v: &Option<String>, k: &str| -> Result<Option<i64>, SlaConfigError> {
        let Some(s) = v else { return Ok(None) };
        let ms = parse_duration(s, Some(day_ms)).map_err(|m| err(format!("{key}.{k}"), m.to_string()))?;
        if ms == 0 {
            return Err(err(
                format!("{key}.{k}"),
                "a target must be longer than 0 (leave the key out for none)".into(),
            ));
        }
        Ok(Some(ms))
    };
    let targets = SlaTargets {
        first_response: target(&p.first_response, "first_response")?,
        next_update: target(&p.next_update, "next_update")?,
        resolution: target(&p.resolution, "resolution")?,
        warn_before: match &p.warn_before {
            None => 0,
            Some(s) => parse_duration(s, Some(day_ms)).map_err(|m| err(format!("{key}.warn_before"), m.to_string()))?,
        },
    };
    Ok(SlaPolicy { name: name.to_string(), conditions, targets, calendar: calendar.to_string() })
}

/// Parse a business duration: `30m`, `4h`, `1h30m`, `2d`, `1d 4h`. `day_ms` is the
/// length of a business day; `None` refuses days (for `day_length` itself). The grammar
/// is [`super::duration`]'s.
pub fn parse_duration(s: &str, day_ms: Option<i64>) -> Result<i64, DurationError> {
    let grammar = match day_ms {
        Some(d) => Grammar::business(d),
        None => Grammar::HOURS,
    };
    duration::parse(s, grammar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::tests::{at, show};
    use crate::domain::calendar::{add_business, is_open};
    use crate::domain::time::{HOUR, MINUTE};

    #[derive(Deserialize)]
    struct Doc {
        sla: SlaSection,
    }

    fn no_ics(_: &str) -> Result<Vec<(NaiveDate, String)>, String> {
        Err("no ics in this test".into())
    }

    fn setup(toml_text: &str) -> Result<SlaSetup, SlaConfigError> {
        let doc: Doc = toml::from_str(toml_text).unwrap_or_else(|e| panic!("{e}"));
        doc.sla.validate(&mut no_ics)
    }

    fn error(toml_text: &str) -> String {
        setup(toml_text).unwrap_err().to_string()
    }

    #[test]
    fn durations_in_business_days() {
        let day = Some(8 * HOUR);
        assert_eq!(parse_duration("30m", day), Ok(30 * MINUTE));
        assert_eq!(parse_duration("4h", day), Ok(4 * HOUR));
        assert_eq!(parse_duration("1h30m", day), Ok(90 * MINUTE));
        assert_eq!(parse_duration("1h 30m", day), Ok(90 * MINUTE));
        assert_eq!(parse_duration("2d", day), Ok(16 * HOUR));
        assert_eq!(parse_duration("1d4h", day), Ok(12 * HOUR));
        assert_eq!(parse_duration("3D", Some(24 * HOUR)), Ok(72 * HOUR));
        assert_eq!(parse_duration("0m", day), Ok(0));
        for bad in ["", "4", "h", "4x", "30m4h", "1h1h", "4 hours", "-4h", "1.5h", "99999999999999999999d"] {
            assert!(parse_duration(bad, day).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("90", day).unwrap_err().to_string(), "\"90\" needs a unit (such as 90m or 90h)");
        assert!(parse_duration("1d", None).unwrap_err().to_string().contains("hours and minutes"));
    }

    #[test]
    fn the_documented_example_validates() {
        // From the first table on, drop one level of `# `; prose stays a TOML comment.
        let text: String = CONFIG_EXAMPLE
            .lines()
            .skip_while(|l| !l.starts_with("# [["))
            .map(|l| l.strip_prefix("# ").unwrap_or(l.trim_start_matches('#')))
            .collect::<Vec<_>>()
            .join("\n");
        let s = setup(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(s.calendars.len(), 2);
        let office = s.calendar("office").unwrap();
        assert_eq!(office.day_ms(), 8 * HOUR);
        assert_eq!(office.holidays().map(|(_, n)| n.to_string()).collect::<Vec<_>>(), ["", "Christmas Day"]);
        assert!(!is_open(office, at(office, "2026-12-25 10:00")));
        assert!(is_open(office, at(office, "2026-12-23 10:00")));
        let names: Vec<&str> = s.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Critical", "VIP", "Standard"]);
        let std = &s.policies[2];
        // 1d = 8h (the office day), 3d = 24h.
        assert_eq!(std.targets.next_update, Some(8 * HOUR));
        assert_eq!(std.targets.resolution, Some(24 * HOUR));
        assert_eq!(std.targets.warn_before, HOUR);
        // In the 24/7 calendar a day is 24h.
        assert_eq!(s.policies[0].targets.resolution, Some(4 * HOUR));
        assert_eq!(s.calendar("round the clock").unwrap().day_ms(), 24 * HOUR);
        // "3d" from Tuesday 10:00 is Friday 10:00.
        let due = add_business(office, at(office, "2026-03-10 10:00"), std.targets.resolution.unwrap());
        assert_eq!(show(office, due), "2026-03-13 10:00 CET");
    }

    #[test]
    fn calendars_and_policies_from_toml() {
        let s = setup(
            r#"
[[sla.calendars]]
name = "support"
tz = "America/New_York"
hours = { mon-fri = "09:00-17:00", sat = "10:00-14:00" }
holidays = [2026-11-26, "2026-12-25"]
day_length = "8h"

[[sla.policies]]
name = "P1-P2 incidents"
priority = [1, 2]
type = "incident"
calendar = "support"
first_response = "1h30m"

[[sla.policies]]
name = "Requests"
type = ["request", "change"]
priority = 3
category = "access"
group = "service desk"
vip = false
resolution = "2d"

[[sla.policies]]
name = "Anything"
resolution = "2d"
"#,
        )
        .unwrap();
        let cal = s.calendar("support").unwrap();
        assert_eq!(cal.hours(5), [Span::new(600, 840).unwrap()]);
        assert_eq!(cal.hours(6), []);
        assert_eq!(cal.holidays().count(), 2);
        let p = &s.policies;
        assert_eq!(p[0].conditions.priorities, [Priority::P1, Priority::P2]);
        assert_eq!(p[0].conditions.types, [TicketType::Incident]);
        assert_eq!(p[0].targets.first_response, Some(90 * MINUTE));
        assert_eq!(p[1].conditions.types, [TicketType::Request, TicketType::Change]);
        assert_eq!(p[1].conditions.priorities, [Priority::P3]);
        assert_eq!(p[1].conditions.vip, Some(false));
        assert_eq!(p[1].targets.resolution, Some(48 * HOUR)); // 24/7: 2d = 48h
        assert_eq!(p[1].calendar, ALWAYS);
        // The built-in calendar is added once.
        assert_eq!(s.calendars.iter().filter(|c| c.name() == ALWAYS).count(), 1);
        assert_eq!(s.calendars.len(), 2);
    }

    #[test]
    fn errors_name_the_key() {
        let cal = |extra: &str| format!("[[sla.calendars]]\nname = \"c\"\ntz = \"Europe/Berlin\"\n{extra}\n");
        let cases: &[(String, &str)] = &[
            (
                cal("hours = { mon = \"8-17\" }"),
                "sla.calendars[0].hours.mon: \"8-17\" is not HH:MM-HH:MM (such as 08:00-17:00)",
            ),
            (
                cal("hours = { mon = \"08:00-12:00,1-2\" }"),
                "sla.calendars[0].hours.mon: \"08:00-12:00,1-2\": \"1-2\" is not HH:MM-HH:MM",
            ),
            (
                cal("hours = { tue = \"22:00-06:00\" }"),
                "sla.calendars[0].hours.tue: \"22:00-06:00\": '22:00-06:00' ends before it starts",
            ),
            (
                cal("hours = { wed = \"08:00-12:00,11:00-13:00\" }"),
                "sla.calendars[0].hours.wed: \"08:00-12:00,11:00-13:00\": spans 08:00-12:00 and 11:00-13:00 overlap",
            ),
            (
                cal("hours = { mon-fri = \"08:00-17:00\", fri = \"08:00-12:00\" }"),
                "sla.calendars[0].hours.fri: fri is already set by mon-fri",
            ),
            (cal("hours = { sat = \"closed\" }"), "sla.calendars[0].hours: calendar 'c' has no working hours"),
            (cal(""), "sla.calendars[0].hours: calendar 'c' has no working hours"),
            (
                cal("hours = { daily = \"00:00-24:00\" }\nholidays = [\"2026-13-01\"]"),
                "sla.calendars[0].holidays[0]: \"2026-13-01\" is not a date (YYYY-MM-DD)",
            ),
            (
                cal("hours = { daily = \"00:00-24:00\" }\nday_length = \"1d\""),
                "sla.calendars[0].day_length: \"1d\": give hours and minutes here",
            ),
            (
                cal("hours = { daily = \"00:00-24:00\" }\nday_length = \"25h\""),
                "sla.calendars[0].day_length: \"25h\" is not between 1m and 24h",
            ),
            (
                cal("hours = { daily = \"00:00-24:00\" }\nholidays_ics = \"x.ics\""),
                "sla.calendars[0].holidays_ics: no ics in this test",
            ),
            (
                "[[sla.calendars]]\nname = \"c\"\ntz = \"Europe/Berln\"\n".into(),
                "sla.calendars[0].tz: unknown time zone 'Europe/Berln'",
            ),
            (
                format!("{}{}", cal("hours = { daily = \"00:00-24:00\" }"), cal("hours = { daily = \"00:00-24:00\" }")),
                "sla.calendars[1].name: calendar 'c' is defined twice",
            ),
            (
                "[[sla.policies]]\nname = \"p\"\ncalendar = \"office\"\n".into(),
                "sla.policies[0].calendar: unknown calendar 'office' (defined: 24/7)",
            ),
            (
                "[[sla.policies]]\nname = \"p\"\npriority = [1, 5]\n".into(),
                "sla.policies[0].priority[1]: 5 is not a priority (1 to 4)",
            ),
            (
                "[[sla.policies]]\nname = \"p\"\npriority = 0\n".into(),
                "sla.policies[0].priority: 0 is not a priority (1 to 4)",
            ),
            (
                "[[sla.policies]]\nname = \"p\"\ntype = \"incidnet\"\n".into(),
                "sla.policies[0].type: unknown type 'incidnet'",
            ),
            (
                "[[sla.policies]]\nname = \"p\"\nfirst_response = \"4 hours\"\n".into(),
                "sla.policies[0].first_response: \"4 hours\" is not a duration",
            ),
            (
                "[[sla.policies]]\nname = \"p\"\nresolution = \"0h\"\n".into(),
                "sla.policies[0].resolution: a target must be longer than 0",
            ),
            (
                "[[sla.policies]]\nname = \"p\"\nwarn_before = \"soon\"\n".into(),
                "sla.policies[0].warn_before: \"soon\" is not a duration",
            ),
            ("[[sla.policies]]\nname = \" \"\n".into(), "sla.policies[0].name: a policy needs a name"),
            ("[[sla.policies]]\nname = \"p\"\ngroup = \"\"\n".into(), "sla.policies[0].group: is empty"),
            (
                "[[sla.policies]]\nname = \"p\"\n[[sla.policies]]\nname = \"p\"\n".into(),
                "sla.policies[1].name: policy 'p' is defined twice",
            ),
        ];
        for (text, want) in cases {
            let got = error(text);
            assert!(got.starts_with(want), "\n got: {got}\nwant: {want}\n{text}");
        }
        // Unknown keys are refused by serde (the config layer reports the line).
        let doc: Result<Doc, _> =
            toml::from_str("[[sla.calendars]]\nname = \"c\"\ntz = \"UTC\"\nhours = { monday = \"08:00-17:00\" }\n");
        assert!(doc.err().unwrap().to_string().contains("monday"));
    }

    #[test]
    fn an_ics_loader_adds_holidays() {
        let text = "[[sla.calendars]]\nname = \"c\"\ntz = \"UTC\"\nhours = { mon-fri = \"09:00-17:00\" }\nholidays_ics = \"de.ics\"\n";
        let doc: Doc = toml::from_str(text).unwrap();
        let mut asked = Vec::new();
        let s = doc
            .sla
            .validate(&mut |p: &str| {
                asked.push(p.to_string());
                Ok(vec![(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(), "Christmas".into())])
            })
            .unwrap();
        assert_eq!(asked, ["de.ics"]);
        assert!(s.calendars[0].is_holiday(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()));
    }
}
