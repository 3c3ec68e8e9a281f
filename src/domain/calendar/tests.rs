//! Calendars worked by hand: business time across weekends, holidays and DST.

use super::*;
use chrono::{NaiveDateTime, Utc};
use proptest::prelude::*;

/// `"2026-03-27 16:00"` in the calendar's zone → UTC ms (must exist and be unambiguous).
pub(crate) fn at(cal: &Calendar, s: &str) -> i64 {
    let n = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    cal.tz()
        .from_local_datetime(&n)
        .single()
        .unwrap_or_else(|| panic!("{s} is not a single local time"))
        .timestamp_millis()
}

/// `"2026-03-29 01:00"` as UTC → ms.
pub(crate) fn utc(s: &str) -> i64 {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap().and_utc().timestamp_millis()
}

/// An instant shown in the calendar's zone with its abbreviation: `2026-03-30 09:00 CEST`.
pub(crate) fn show(cal: &Calendar, ms: i64) -> String {
    Utc.timestamp_millis_opt(ms).unwrap().with_timezone(&cal.tz()).format("%Y-%m-%d %H:%M %Z").to_string()
}

pub(crate) fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn week(spec: [&str; 7]) -> [Vec<Span>; 7] {
    spec.map(|s| parse_day_hours(s).unwrap())
}

/// Berlin office: mon-fri 08:00-12:00 and 13:00-17:00 (8h days), Christmas Eve and
/// Day (Thu 24 + Fri 25 Dec 2026), New Year's Eve and Day (Thu 31 Dec, Fri 1 Jan 2027).
pub(crate) fn berlin_office() -> Calendar {
    let d = "08:00-12:00,13:00-17:00";
    Calendar::new("office", Calendar::parse_tz("Europe/Berlin").unwrap(), week([d, d, d, d, d, "", ""]))
        .unwrap()
        .with_holidays([
            (day("2026-12-24"), "Heiligabend"),
            (day("2026-12-25"), "1. Weihnachtstag"),
            (day("2026-12-31"), "Silvester"),
            (day("2027-01-01"), "Neujahr"),
        ])
}

/// New York office: mon-fri 09:00-17:00 (8h days); Thanksgiving Thu 26 Nov 2026.
pub(crate) fn ny_office() -> Calendar {
    let d = "09:00-17:00";
    Calendar::new("ny", Calendar::parse_tz("America/New_York").unwrap(), week([d, d, d, d, d, "", ""]))
        .unwrap()
        .with_holidays([(day("2026-11-26"), "Thanksgiving")])
}

#[test]
fn spans_parse_merge_and_refuse_nonsense() {
    assert_eq!(parse_day_hours("08:00-12:00, 13:00-17:00").unwrap().len(), 2);
    // Touching spans merge; order does not matter.
    assert_eq!(parse_day_hours("12:00-17:00,08:00-12:00").unwrap(), vec![Span::new(480, 1020).unwrap()]);
    assert_eq!(parse_day_hours("00:00-24:00").unwrap(), vec![Span::ALL_DAY]);
    assert_eq!(parse_day_hours("8:00-9:30").unwrap(), vec![Span::new(480, 570).unwrap()]);
    assert_eq!(parse_day_hours("").unwrap(), vec![]);
    assert_eq!(parse_day_hours("closed").unwrap(), vec![]);
    assert!(matches!(parse_day_hours("8-17"), Err(CalendarError::BadSpan(s)) if s == "8-17"));
    assert!(matches!(parse_day_hours("08:00-24:30"), Err(CalendarError::BadSpan(_))));
    assert!(matches!(parse_day_hours("08:60-09:00"), Err(CalendarError::BadSpan(_))));
    assert!(matches!(parse_day_hours("22:00-06:00"), Err(CalendarError::Backwards(_))));
    assert!(matches!(parse_day_hours("09:00-09:00"), Err(CalendarError::Backwards(_))));
    let e = parse_day_hours("08:00-12:00,11:00-13:00").unwrap_err();
    assert_eq!(e.to_string(), "spans 08:00-12:00 and 11:00-13:00 overlap");
    assert_eq!(Span::parse("08:05-17:00").unwrap().to_string(), "08:05-17:00");
}

#[test]
fn a_calendar_without_hours_is_refused_and_day_length_is_the_longest_day() {
    let tz = Calendar::parse_tz("Europe/Berlin").unwrap();
    let e = Calendar::new("never", tz, Default::default()).unwrap_err();
    assert!(e.to_string().contains("would ever elapse"), "{e}");
    assert!(Calendar::parse_tz("Mars/Olympus").is_err());
    assert_eq!(berlin_office().day_ms(), 8 * HOUR);
    assert_eq!(Calendar::always("x", tz).day_ms(), 24 * HOUR);
    // mon-thu 9h, fri 4h: the longest day.
    let c = Calendar::new(
        "x",
        tz,
        week(["08:00-17:00", "08:00-17:00", "08:00-17:00", "08:00-17:00", "08:00-12:00", "", ""]),
    )
    .unwrap();
    assert_eq!(c.day_ms(), 9 * HOUR);
    assert_eq!(c.clone().with_day_length(8 * HOUR).unwrap().day_ms(), 8 * HOUR);
    assert!(c.with_day_length(25 * HOUR).is_err());
}

/// `(start, duration, expected due)`, all in the Berlin office calendar, worked by hand.
#[test]
fn berlin_office_deadlines() {
    let cal = berlin_office();
    let cases: &[(&str, i64, &str)] = &[
        // Inside hours, same morning: 09:00 + 2h = 11:00.
        ("2026-03-10 09:00", 2 * HOUR, "2026-03-10 11:00 CET"),
        // Across lunch: 11:00 + 2h = 1h till 12:00, lunch, 1h from 13:00 → 14:00.
        ("2026-03-10 11:00", 2 * HOUR, "2026-03-10 14:00 CET"),
        // Exactly the rest of the day ends at closing time, not next morning.
        ("2026-03-10 15:00", 2 * HOUR, "2026-03-10 17:00 CET"),
        // Past closing: 16:00 + 2h = 1h Tue, 1h Wed from 08:00 → Wed 09:00.
        ("2026-03-10 16:00", 2 * HOUR, "2026-03-11 09:00 CET"),
        // Starting before opening: 06:30 counts from 08:00 → 08:00 + 3h = 11:00.
        ("2026-03-10 06:30", 3 * HOUR, "2026-03-10 11:00 CET"),
        // Starting at lunch: 12:20 counts from 13:00 → 14:30.
        ("2026-03-10 12:20", 90 * MINUTE, "2026-03-10 14:30 CET"),
        // Starting at night after closing: 23:59 Tue → Wed 08:00 + 30m.
        ("2026-03-10 23:59", 30 * MINUTE, "2026-03-11 08:30 CET"),
        // Starting on a Saturday: counts from Monday 08:00.
        ("2026-03-14 10:00", 4 * HOUR, "2026-03-16 12:00 CET"),
        // Friday 16:00 + 2h over the weekend → Monday 09:00.
        ("2026-03-13 16:00", 2 * HOUR, "2026-03-16 09:00 CET"),
        // Three business days (24h) from Tuesday 10:00: 6h Tue, 8h Wed, 8h Thu,
        // 2h Fri → Fri 10:00.
        ("2026-03-10 10:00", 24 * HOUR, "2026-03-13 10:00 CET"),
        // Two weeks (10 business days = 80h) from Mon 08:00 → Fri of the next week 17:00.
        ("2026-03-02 08:00", 80 * HOUR, "2026-03-13 17:00 CET"),
        // DST: Berlin springs forward Sun 29 Mar 2026. Fri 16:00 CET + 2h = 1h Fri,
        // 1h Mon from 08:00 CEST → Mon 09:00 CEST (07:00 UTC, not 08:00 UTC).
        ("2026-03-27 16:00", 2 * HOUR, "2026-03-30 09:00 CEST"),
        // DST: falls back Sun 25 Oct 2026. Fri 23 Oct 16:30 CEST + 1h → Mon 08:30 CET.
        ("2026-10-23 16:30", HOUR, "2026-10-26 08:30 CET"),
        // Christmas: Wed 23 Dec 16:00 + 2h: 1h Wed; Thu 24 + Fri 25 holidays, weekend
        // → Mon 28 Dec 09:00.
        ("2026-12-23 16:00", 2 * HOUR, "2026-12-28 09:00 CET"),
        // Starting on a holiday (Thu 24 Dec) → counts from Mon 28 Dec 08:00.
        ("2026-12-24 10:00", 4 * HOUR, "2026-12-28 12:00 CET"),
        // Holidays next to a weekend and the year end: Wed 30 Dec 15:00 + 1d (8h):
        // 2h Wed, Thu 31 + Fri 1 Jan off, weekend → Mon 4 Jan 2027 from 08:00, 6h → 15:00.
        ("2026-12-30 15:00", 8 * HOUR, "2027-01-04 15:00 CET"),
    ];
    for (start, dur, want) in cases {
        let s = at(&cal, start);
        let due = add_business(&cal, s, *dur);
        assert_eq!(show(&cal, due), *want, "{start} + {}m", dur / MINUTE);
        assert_eq!(business_between(&cal, s, due), *dur, "{start} .. {want}");
    }
}

#[test]
fn new_york_deadlines_across_dst_and_thanksgiving() {
    let cal = ny_office();
    let cases: &[(&str, i64, &str)] = &[
        // Springs forward Sun 8 Mar 2026: Fri 6 Mar 16:00 EST + 3h → 1h Fri, Mon 9 Mar
        // 09:00 EDT + 2h = 11:00 EDT (15:00 UTC; the naive UTC sum would say 16:00 UTC).
        ("2026-03-06 16:00", 3 * HOUR, "2026-03-09 11:00 EDT"),
        // Falls back Sun 1 Nov 2026: Fri 30 Oct 15:00 EDT + 4h → 2h Fri, Mon 2 Nov 11:00 EST.
        ("2026-10-30 15:00", 4 * HOUR, "2026-11-02 11:00 EST"),
        // Thanksgiving Thu 26 Nov: Wed 25 Nov 16:00 + 2h → 1h Wed, Fri 27 Nov 10:00.
        ("2026-11-25 16:00", 2 * HOUR, "2026-11-27 10:00 EST"),
    ];
    for (start, dur, want) in cases {
        let s = at(&cal, start);
        let due = add_business(&cal, s, *dur);
        assert_eq!(show(&cal, due), *want, "{start}");
        assert_eq!(business_between(&cal, s, due), *dur);
    }
    assert_eq!(at(&cal, "2026-03-09 11:00"), utc("2026-03-09 15:00"));
}

#[test]
fn round_the_clock_counts_real_time_through_dst() {
    let berlin = Calendar::always("24/7", Calendar::parse_tz("Europe/Berlin").unwrap());
    // Sat 28 Mar 12:00 CET (11:00Z) + 24h of business time = 24 real hours
    // → Sun 29 Mar 11:00Z = 13:00 CEST (the wall clock says 25h later).
    let s = at(&berlin, "2026-03-28 12:00");
    assert_eq!(show(&berlin, add_business(&berlin, s, 24 * HOUR)), "2026-03-29 13:00 CEST");
    // The short day is 23h long, the long day 25h.
    assert_eq!(business_between(&berlin, at(&berlin, "2026-03-29 00:00"), at(&berlin, "2026-03-30 00:00")), 23 * HOUR);
    assert_eq!(business_between(&berlin, at(&berlin, "2026-10-25 00:00"), at(&berlin, "2026-10-26 00:00")), 25 * HOUR);
    // A week across the change: 7 × 24h − 1h.
    assert_eq!(business_between(&berlin, at(&berlin, "2026-03-25 00:00"), at(&berlin, "2026-04-01 00:00")), 167 * HOUR);
    // A holiday in a 24/7 calendar removes exactly that local day.
    let h = berlin.clone().with_holidays([(day("2026-03-29"), "")]);
    // Sat 28 Mar 23:00 CET + 2h: 1h to midnight, Sunday off, Monday 00:00 CEST + 1h.
    assert_eq!(show(&h, add_business(&h, at(&h, "2026-03-28 23:00"), 2 * HOUR)), "2026-03-30 01:00 CEST");
    assert!(is_open(&berlin, utc("2026-03-29 01:30")));
}

#[test]
fn spans_in_the_dst_gap_and_the_repeated_hour() {
    let tz = Calendar::parse_tz("Europe/Berlin").unwrap();
    // Sundays 01:00-04:00 only.
    let cal = Calendar::new("night", tz, week(["", "", "", "", "", "", "01:00-04:00"])).unwrap();
    // Spring forward, Sun 29 Mar: 01:00-02:00 CET = 00:00-01:00Z, 02:00-03:00 does not
    // exist, 03:00-04:00 CEST = 01:00-02:00Z → 2h, one continuous UTC interval.
    assert_eq!(business_between(&cal, utc("2026-03-28 00:00"), utc("2026-03-30 00:00")), 2 * HOUR);
    assert_eq!(add_business(&cal, utc("2026-03-28 00:00"), 90 * MINUTE), utc("2026-03-29 01:30"));
    // Fall back, Sun 25 Oct: 01:00-02:00 CEST = 23:00-00:00Z, 02:00-03:00 CEST =
    // 00:00-01:00Z, 02:00-03:00 CET = 01:00-02:00Z, 03:00-04:00 CET = 02:00-03:00Z → 4h.
    assert_eq!(business_between(&cal, utc("2026-10-24 00:00"), utc("2026-10-26 00:00")), 4 * HOUR);
    assert_eq!(add_business(&cal, utc("2026-10-24 00:00"), 4 * HOUR), utc("2026-10-25 03:00"));
    // A span wholly inside the gap is empty that day but not on other Sundays.
    let gap = Calendar::new("gap", tz, week(["", "", "", "", "", "", "02:15-02:45"])).unwrap();
    assert_eq!(business_between(&gap, utc("2026-03-28 00:00"), utc("2026-03-30 00:00")), 0);
    assert_eq!(business_between(&gap, utc("2026-03-21 00:00"), utc("2026-03-23 00:00")), 30 * MINUTE);
    // Starting in the gap week: the first 30m after Sat 28 Mar come on Sun 5 Apr
    // 02:15-02:45 CEST = 00:15-00:45Z.
    assert_eq!(add_business(&gap, utc("2026-03-28 00:00"), 30 * MINUTE), utc("2026-04-05 00:45"));

    // New York, Sun 1 Nov 2026, span 01:00-01:30: 01:00-01:30 EDT = 05:00-05:30Z and
    // again 01:00-01:30 EST = 06:00-06:30Z. Two intervals, 1h in all.
    let ny = Calendar::new(
        "x",
        Calendar::parse_tz("America/New_York").unwrap(),
        week(["", "", "", "", "", "", "01:00-01:30"]),
    )
    .unwrap();
    assert_eq!(business_between(&ny, utc("2026-10-31 00:00"), utc("2026-11-02 00:00")), HOUR);
    assert!(is_open(&ny, utc("2026-11-01 05:10")));
    assert!(!is_open(&ny, utc("2026-11-01 05:45"))); // 01:45 EDT
    assert!(is_open(&ny, utc("2026-11-01 06:10"))); // 01:10 EST
    // 45m: the first half hour, then 15m of the second pass → 06:15Z.
    assert_eq!(add_business(&ny, utc("2026-10-31 00:00"), 45 * MINUTE), utc("2026-11-01 06:15"));
    // Backwards from the end: 45m before 06:30Z is 05:15Z.
    assert_eq!(add_business(&ny, utc("2026-11-01 06:30"), -45 * MINUTE), utc("2026-11-01 05:15"));
}

#[test]
fn is_open_follows_the_wall_clock() {
    let cal = berlin_office();
    assert!(is_open(&cal, at(&cal, "2026-03-10 08:00")));
    assert!(!is_open(&cal, at(&cal, "2026-03-10 07:59")));
    assert!(!is_open(&cal, at(&cal, "2026-03-10 12:30")));
    assert!(!is_open(&cal, at(&cal, "2026-03-10 17:00")));
    assert!(is_open(&cal, at(&cal, "2026-03-10 16:59")));
    assert!(!is_open(&cal, at(&cal, "2026-03-14 10:00"))); // Saturday
    assert!(!is_open(&cal, at(&cal, "2026-12-24 10:00"))); // holiday
    // Monday after spring-forward: 08:00 CEST = 06:00Z.
    assert!(is_open(&cal, utc("2026-03-30 06:00")));
    assert!(!is_open(&cal, utc("2026-03-30 06:59") - 60 * MINUTE));
}

#[test]
fn between_and_backwards() {
    let cal = berlin_office();
    let (a, b) = (at(&cal, "2026-03-13 16:00"), at(&cal, "2026-03-16 09:00"));
    assert_eq!(business_between(&cal, a, b), 2 * HOUR);
    assert_eq!(business_between(&cal, b, a), 0);
    assert_eq!(business_between(&cal, a, a), 0);
    // Backwards: 30m before Mon 08:15 is Fri 16:45.
    assert_eq!(show(&cal, add_business(&cal, at(&cal, "2026-03-16 08:15"), -30 * MINUTE)), "2026-03-13 16:45 CET");
    // 1h before Mon 08:00 (= the end of Friday) lands at Fri 16:00.
    assert_eq!(show(&cal, add_business(&cal, at(&cal, "2026-03-16 08:00"), -HOUR)), "2026-03-13 16:00 CET");
    assert_eq!(add_business(&cal, a, 0), a);
    // A year of business time: ~250 days of 8h, computed day by day.
    let y = add_business(&cal, a, 250 * 8 * HOUR);
    assert_eq!(business_between(&cal, a, y), 250 * 8 * HOUR);
}

fn any_calendar() -> impl Strategy<Value = Calendar> {
    let zones =
        prop::sample::select(vec!["Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe", "Asia/Kolkata"]);
    let span = (0u16..1440, 1u16..720).prop_map(|(s, l)| Span { start: s, end: (s + l).min(DAY_MINUTES) });
    let dayspec = prop::collection::vec(span, 0..3);
    (zones, prop::array::uniform7(dayspec), prop::collection::vec(0i64..800, 0..20)).prop_filter_map(
        "needs hours",
        |(z, days, hol)| {
            // Drop overlapping spans rather than reject the whole case.
            let days = days.map(|mut v| {
                v.sort();
                let mut keep: Vec<Span> = Vec::new();
                for s in v {
                    if keep.last().is_none_or(|l| s.start > l.end) {
                        keep.push(s);
                    }
                }
                keep
            });
            let cal = Calendar::new("p", z.parse().unwrap(), days).ok()?;
            let base = day("2026-01-01");
            Some(cal.with_holidays(hol.into_iter().map(|d| (base + chrono::Days::new(d as u64), ""))))
        },
    )
}

/// The plain definition, one day at a time: the oracle for the week-at-a-time paths.
fn day_by_day(cal: &Calendar, a: i64, b: i64) -> i64 {
    let (mut d, last) = (cal.local_date(a).pred_opt().unwrap(), cal.local_date(b).succ_opt().unwrap());
    let (mut total, mut buf) = (0, Vec::new());
    while d <= last {
        cal.day_intervals(d, &mut buf);
        total += buf.iter().map(|&(lo, hi)| (hi.min(b) - lo.max(a)).max(0)).sum::<i64>();
        d = d.succ_opt().unwrap();
    }
    total
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn adding_then_measuring_gives_the_duration_back(
        cal in any_calendar(),
        start in utc("2026-01-01 00:00")..utc("2028-01-01 00:00"),
        dur in 1i64..(30 * DAY),
    ) {
        let due = add_business(&cal, start, dur);
        prop_assert!(due > start);
        prop_assert_eq!(business_between(&cal, start, due), dur);
        // The earliest such instant: the millisecond before it is business time.
        prop_assert!(is_open(&cal, due - 1), "{} not open", show(&cal, due - 1));
        // And backwards from the deadline gives an instant no earlier than the start
        // with the same business time in between.
        let back = add_business(&cal, due, -dur);
        prop_assert!(back >= start);
        prop_assert_eq!(business_between(&cal, back, due), dur);
        prop_assert!(is_open(&cal, back));
    }

    #[test]
    fn measuring_is_additive_monotonic_and_agrees_with_is_open(
        cal in any_calendar(),
        a in utc("2026-01-01 00:00")..utc("2028-01-01 00:00"),
        x in 0i64..(40 * DAY),
        y in 0i64..(40 * DAY),
        probe in 0i64..(40 * DAY),
    ) {
        let (b, c) = (a + x, a + x + y);
        prop_assert_eq!(business_between(&cal, a, c), day_by_day(&cal, a, c));
        let ab = business_between(&cal, a, b);
        let bc = business_between(&cal, b, c);
        prop_assert_eq!(ab + bc, business_between(&cal, a, c));
        prop_assert!(ab <= b - a);
        // A single millisecond is business time exactly when the calendar is open.
        let p = a + probe;
        let one = business_between(&cal, p, p + 1);
        prop_assert_eq!(one == 1, is_open(&cal, p));
        // Deadlines never move backwards when the duration grows.
        prop_assert!(add_business(&cal, a, x + 1) <= add_business(&cal, a, x + y + 1));
    }
}
