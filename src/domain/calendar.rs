//! Business calendars: when the service desk is open, in the calendar's own time zone.
//!
//! A calendar is a time zone, zero or more working spans per weekday and a set of
//! holidays (whole days off, as dates in the calendar's zone). Business time is the
//! set of real instants whose *wall-clock* time in the zone falls inside a working
//! span of a day that is not a holiday. From that one definition follow the DST rules:
//!
//! - spring forward: wall-clock times in the gap never happen, so a span that covers
//!   the gap is shorter that day (`01:00-04:00` in Berlin on the last Sunday of March
//!   is 2 real hours); a span wholly inside the gap is empty;
//! - fall back: wall-clock times in the repeated hour happen twice, and both count
//!   (`01:00-04:00` on the last Sunday of October is 4 real hours; `01:00-01:30` in
//!   New York on the first Sunday of November is two half hours, one in EDT and one
//!   in EST);
//! - a 24/7 calendar therefore counts real elapsed time, whatever the clocks do.
//!
//! Offsets are looked up at the edges of each day (and weekly over long stretches),
//! which assumes a zone never changes its UTC offset twice within about two days: true
//! of the tz database in practice.
//!
//! All functions are pure and work day by day (a couple of time-zone lookups per
//! calendar day), never minute by minute, so durations of weeks cost a few hundred
//! lookups. Instants are UTC milliseconds, as everywhere in tix.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

use super::time::{DAY, HOUR, MINUTE};

/// Minutes in a day; a span may end at `24:00`.
pub const DAY_MINUTES: u16 = 24 * 60;

/// How far [`add_business`] looks ahead before it gives up (about 100 years); a
/// deadline further away than that is "never" (`i64::MAX`).
const MAX_DAYS: u32 = 36_600;

/// Weekday names as written in config, Monday first (the index used by [`Calendar::hours`]).
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A calendar cannot be built as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("'{0}' is not HH:MM-HH:MM (such as 08:00-17:00)")]
    BadSpan(String),
    #[error(
        "'{0}' ends before it starts (a span cannot cross midnight: write 22:00-24:00 on one day and 00:00-06:00 on the next)"
    )]
    Backwards(String),
    #[error("spans {0} and {1} overlap")]
    Overlap(String, String),
    #[error("calendar '{0}' has no working hours on any day, so no business time would ever elapse")]
    NoHours(String),
    #[error("unknown time zone '{0}' (use an IANA name such as Europe/Berlin or America/New_York)")]
    UnknownZone(String),
    #[error("a business day of {0} ms is not between 1 minute and 24 hours")]
    BadDayLength(i64),
}

/// Working hours within one day: `[start, end)` in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u16,
    pub end: u16,
}

impl Span {
    /// A span from minutes after midnight; `end` may be 1440 (`24:00`).
    pub fn new(start: u16, end: u16) -> Option<Span> {
        (start < end && end <= DAY_MINUTES).then_some(Span { start, end })
    }

    /// The whole day, `00:00-24:00`.
    pub const ALL_DAY: Span = Span { start: 0, end: DAY_MINUTES };

    /// Parse `08:00-17:00` (also `8:00-17:00` and `00:00-24:00`).
    pub fn parse(s: &str) -> Result<Span, CalendarError> {
        let bad = || CalendarError::BadSpan(s.trim().to_string());
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let (a, b) = (hhmm(a.trim()).ok_or_else(bad)?, hhmm(b.trim()).ok_or_else(bad)?);
        Span::new(a, b).ok_or_else(|| if a >= b { CalendarError::Backwards(s.trim().to_string()) } else { bad() })
    }

    pub fn minutes(self) -> i64 {
        i64::from(self.end - self.start)
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.start / 60, self.start % 60, self.end / 60, self.end % 60)
    }
}

/// `HH:MM` → minutes after midnight; `24:00` allowed.
fn hhmm(s: &str) -> Option<u16> {
    super::duration::time_of_day(s, true).ok()
}

/// One day's hours as written in config: `08:00-12:00,13:00-17:00`; empty or `closed`
/// is no hours. Spans are sorted; touching spans are merged; overlapping ones are an error.
pub fn parse_day_hours(s: &str) -> Result<Vec<Span>, CalendarError> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    let spans = t.split(',').map(Span::parse).collect::<Result<Vec<_>, _>>()?;
    normalize_spans(spans)
}

/// Sort, merge touching spans, refuse overlaps.
pub fn normalize_spans(mut spans: Vec<Span>) -> Result<Vec<Span>, CalendarError> {
    spans.sort();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start < last.end => return Err(CalendarError::Overlap(last.to_string(), s.to_string())),
            Some(last) if s.start == last.end => last.end = s.end,
            _ => out.push(s),
        }
    }
    Ok(out)
}

/// A business calendar. Build with [`Calendar::new`] (or [`Calendar::always`] for 24/7).
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    name: String,
    tz: Tz,
    /// Working spans per weekday, Monday first; sorted, disjoint, not touching.
    week: [Vec<Span>; 7],
    /// Whole days off, with a name (may be empty).
    holidays: BTreeMap<NaiveDate, String>,
    /// The length of "1d" in business durations, in ms.
    day_ms: i64,
    /// Business ms in a week without holidays or offset changes, and per weekday.
    week_ms: i64,
    weekday_ms: [i64; 7],
}

impl Calendar {
    /// A calendar with the given weekly hours (Monday first). Spans are normalised
    /// (sorted, touching ones merged). A week without any hours is an error: no
    /// business time would ever elapse and every deadline would be "never".
    ///
    /// The business day ("1d" in durations) defaults to the longest day of the week:
    /// mon-fri 08:00-17:00 → 9h, mon-fri 08:00-12:00,13:00-17:00 → 8h, 24/7 → 24h.
    pub fn new(name: impl Into<String>, tz: Tz, week: [Vec<Span>; 7]) -> Result<Calendar, CalendarError> {
        let name = name.into();
        let mut norm: [Vec<Span>; 7] = Default::default();
        for (i, spans) in week.into_iter().enumerate() {
            norm[i] = normalize_spans(spans)?;
        }
        let day_minutes = norm.iter().map(|d| d.iter().map(|s| s.minutes()).sum::<i64>()).max().unwrap_or(0);
        if day_minutes == 0 {
            return Err(CalendarError::NoHours(name));
        }
        let weekday_ms: [i64; 7] = std::array::from_fn(|i| norm[i].iter().map(|s| s.minutes()).sum::<i64>() * MINUTE);
        let week_ms = weekday_ms.iter().sum();
        Ok(Calendar {
            name,
            tz,
            week: norm,
            holidays: BTreeMap::new(),
            day_ms: day_minutes * MINUTE,
            week_ms,
            weekday_ms,
        })
    }

    /// Open around the clock, every day (holidays can still be added).
    pub fn always(name: impl Into<String>, tz: Tz) -> Calendar {
        Calendar::new(name, tz, std::array::from_fn(|_| vec![Span::ALL_DAY])).expect("24/7 has hours")
    }

    /// Parse an IANA zone name such as `Europe/Berlin`.
    pub fn parse_tz(s: &str) -> Result<Tz, CalendarError> {
        s.trim().parse::<Tz>().map_err(|_| CalendarError::UnknownZone(s.trim().to_string()))
    }

    /// Set the length of "1d" explicitly (between 1 minute and 24 hours).
    pub fn with_day_length(mut self, ms: i64) -> Result<Calendar, CalendarError> {
        if !(MINUTE..=DAY).contains(&ms) {
            return Err(CalendarError::BadDayLength(ms));
        }
        self.day_ms = ms;
        Ok(self)
    }

    /// Add a holiday (a whole day off in the calendar's zone). A date given twice keeps
    /// the first non-empty name.
    pub fn add_holiday(&mut self, date: NaiveDate, name: impl Into<String>) {
        let name = name.into();
        let e = self.holidays.entry(date).or_default();
        if e.is_empty() {
            *e = name;
        }
    }

    /// [`Calendar::add_holiday`], chained.
    pub fn with_holidays<I, S>(mut self, days: I) -> Calendar
    where
        I: IntoIterator<Item = (NaiveDate, S)>,
        S: Into<String>,
    {
        for (d, n) in days {
            self.add_holiday(d, n);
        }
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn tz(&self) -> Tz {
        self.tz
    }
    /// The length of one business day ("1d"), in ms.
    pub fn day_ms(&self) -> i64 {
        self.day_ms
    }
    /// Working spans of a weekday, 0 = Monday.
    pub fn hours(&self, weekday: usize) -> &[Span] {
        &self.week[weekday % 7]
    }
    pub fn holidays(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.holidays.iter().map(|(d, n)| (*d, n.as_str()))
    }
    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains_key(&date)
    }

    /// UTC offset in ms at a real instant.
    fn offset(&self, real_ms: i64) -> i64 {
        match chrono::DateTime::from_timestamp_millis(real_ms) {
            Some(t) => i64::from(self.tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()) * 1000,
            None => 0,
        }
    }

    /// The local date of a real instant.
    pub fn local_date(&self, ms: i64) -> NaiveDate {
        date_of_local(ms.saturating_add(self.offset(ms)))
    }

    /// Whether the 7 local days from `d` are a plain week: no holiday and no UTC offset
    /// change, so their business time is `week_ms`. Lets long spans go a week at a time.
    fn plain_week(&self, d: NaiveDate) -> bool {
        let Some(end) = d.checked_add_days(chrono::Days::new(7)) else { return false };
        if self.holidays.range(d..end).next().is_some() {
            return false;
        }
        let l0 = local_ms_of(d);
        let o = self.offset(l0 - 16 * HOUR);
        o == self.offset(l0 + 7 * DAY / 2) && o == self.offset(l0 + 7 * DAY + 16 * HOUR)
    }

    /// Business ms of the whole local days `d0..=d1`. Stretches of up to four weeks with
    /// a constant UTC offset (sampled weekly) are summed from the weekly pattern minus
    /// their holidays; others go day by day.
    fn whole_days(&self, d0: NaiveDate, d1: NaiveDate) -> i64 {
        let mut total = 0;
        let mut d = d0;
        let mut buf = Vec::new();
        while d <= d1 {
            let end = d.checked_add_days(chrono::Days::new(27)).map_or(d1, |e| e.min(d1));
            let (l0, l1) = (local_ms_of(d), local_ms_of(end) + DAY);
            let o = self.offset(l0 - 16 * HOUR);
            let mut t = l0 + 7 * DAY;
            let mut constant = o == self.offset(l1 + 16 * HOUR);
            while constant && t < l1 {
                constant = o == self.offset(t);
                t += 7 * DAY;
            }
            if constant {
                let n = (end - d).num_days() + 1;
                let w = d.weekday().num_days_from_monday() as usize;
                total += n / 7 * self.week_ms;
                total += (0..(n % 7) as usize).map(|i| self.weekday_ms[(w + i) % 7]).sum::<i64>();
                total -= self
                    .holidays
                    .range(d..=end)
                    .map(|(h, _)| self.weekday_ms[h.weekday().num_days_from_monday() as usize])
                    .sum::<i64>();
            } else {
                let mut x = d;
                while x <= end {
                    self.day_intervals(x, &mut buf);
                    total += buf.iter().map(|(lo, hi)| hi - lo).sum::<i64>();
                    match x.succ_opt() {
                        Some(n) => x = n,
                        None => break,
                    }
                }
            }
            match end.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        total
    }

    /// The working spans of a local date (empty on holidays).
    fn spans_on(&self, date: NaiveDate) -> &[Span] {
        if self.holidays.contains_key(&date) {
            return &[];
        }
        &self.week[date.weekday().num_days_from_monday() as usize]
    }

    /// Business time on a local date as real `[start, end)` intervals, sorted, into `out`
    /// (cleared first). See the module notes for the DST rules this implements.
    fn day_intervals(&self, date: NaiveDate, out: &mut Vec<(i64, i64)>) {
        out.clear();
        let spans = self.spans_on(date);
        if spans.is_empty() {
            return;
        }
        let l0 = local_ms_of(date);
        // Real instants whose local date is `date` lie within this window (offsets are
        // within ±16h, historic local mean times included).
        let (w0, w1) = (l0 - 16 * HOUR, l0 + DAY + 16 * HOUR);
        let (o0, o1) = (self.offset(w0), self.offset(w1));
        if o0 == o1 {
            // No offset change near this day: a plain translation.
            for s in spans {
                out.push((l0 + i64::from(s.start) * MINUTE - o0, l0 + i64::from(s.end) * MINUTE - o0));
            }
            return;
        }
        // Offset changes: cut the window into pieces of constant offset, and map each
        // span through each piece.
        let pieces = self.constant_offset_pieces(w0, w1);
        for s in spans {
            let (ls, le) = (l0 + i64::from(s.start) * MINUTE, l0 + i64::from(s.end) * MINUTE);
            for &(r0, r1, off) in &pieces {
                let (lo, hi) = (ls.max(r0 + off), le.min(r1 + off));
                if lo < hi {
                    out.push((lo - off, hi - off));
                }
            }
        }
        out.sort_unstable();
        // Merge touching intervals (a span split at a transition that is no gap).
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(out.len());
        for &(a, b) in out.iter() {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        *out = merged;
    }

    /// `[w0, w1)` cut into `(start, end, offset)` pieces of constant UTC offset. Samples
    /// every 2 hours and bisects each change down to the millisecond.
    fn constant_offset_pieces(&self, w0: i64, w1: i64) -> Vec<(i64, i64, i64)> {
        const STEP: i64 = 2 * HOUR;
        let mut pieces = Vec::with_capacity(3);
        let mut start = w0;
        let mut off = self.offset(w0);
        let mut t = w0;
        while t < w1 {
            let next = (t + STEP).min(w1);
            let o = self.offset(next);
            if o != off {
                // The change is in (t, next]: find the first millisecond with the new offset.
                let (mut lo, mut hi) = (t, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if self.offset(mid) == off { lo = mid } else { hi = mid }
                }
                pieces.push((start, hi, off));
                start = hi;
                off = self.offset(hi);
                // A second change within the same step is caught on the next pass.
                t = hi;
                continue;
            }
            t = next;
        }
        pieces.push((start, w1, off));
        pieces
    }
}

/// Milliseconds of local midnight of `date`, counted as if the zone were UTC.
fn local_ms_of(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE) * DAY
}

/// The date of a local millisecond count.
fn date_of_local(local_ms: i64) -> NaiveDate {
    let days = local_ms.div_euclid(DAY) + i64::from(UNIX_EPOCH_DAYS_FROM_CE);
    i32::try_from(days).ok().and_then(NaiveDate::from_num_days_from_ce_opt).unwrap_or(if days < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// `NaiveDate::from_ymd(1970, 1, 1).num_days_from_ce()`.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Whether the calendar is open at the instant `ms`.
pub fn is_open(cal: &Calendar, ms: i64) -> bool {
    let local = ms.saturating_add(cal.offset(ms));
    let date = date_of_local(local);
    let minute_ms = local.rem_euclid(DAY);
    cal.spans_on(date).iter().any(|s| i64::from(s.start) * MINUTE <= minute_ms && minute_ms < i64::from(s.end) * MINUTE)
}

/// Business milliseconds in `[a, b)`; 0 when `b <= a`.
pub fn business_between(cal: &Calendar, a: i64, b: i64) -> i64 {
    if b <= a {
        return 0;
    }
    let (first, last) = (cal.local_date(a), cal.local_date(b));
    let mut buf = Vec::new();
    // Day by day from `d0` to `d1`, clipped to [a, b).
    let mut clipped = |d0: NaiveDate, d1: NaiveDate| {
        let mut total = 0;
        let mut date = d0;
        while date <= d1 {
            cal.day_intervals(date, &mut buf);
            for &(lo, hi) in &buf {
                let (lo, hi) = (lo.max(a), hi.min(b));
                if lo < hi {
                    total += hi - lo;
                }
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        total
    };
    let before = first.pred_opt().unwrap_or(first);
    let after = last.succ_opt().unwrap_or(last);
    match (first.succ_opt(), last.pred_opt()) {
        // The days strictly between the dates of `a` and `b` lie wholly inside [a, b).
        (Some(m0), Some(m1)) if m0 <= m1 => clipped(before, first) + cal.whole_days(m0, m1) + clipped(last, after),
        _ => clipped(before, after),
    }
}

/// The instant at which `duration_ms` of business time has elapsed after `start_ms`:
/// the *earliest* such instant, so a deadline that uses up a day's last hour lands on
/// that day's closing time, not on the next opening. `duration_ms <= 0` walks backwards
/// (the *latest* instant `t` with `business_between(t, start) == -duration_ms`), which
/// gives the moment a target turns at-risk: `add_business(cal, due, -warn)`.
/// `duration_ms == 0` is `start_ms`. Further than ~100 years: `i64::MAX` / `i64::MIN`.
pub fn add_business(cal: &Calendar, start_ms: i64, duration_ms: i64) -> i64 {
    if duration_ms == 0 {
        return start_ms;
    }
    let mut buf = Vec::new();
    if duration_ms > 0 {
        let mut rem = duration_ms;
        let first = cal.local_date(start_ms);
        let mut date = first.pred_opt().unwrap_or(NaiveDate::MIN);
        let mut days = 0;
        while days < MAX_DAYS {
            // A whole plain week that does not use up the rest goes in one step.
            if date > first && rem > cal.week_ms && cal.plain_week(date) {
                rem -= cal.week_ms;
                date = date + chrono::Days::new(7);
                days += 7;
                continue;
            }
            days += 1;
            cal.day_intervals(date, &mut buf);
            for &(lo, hi) in &buf {
                let lo = lo.max(start_ms);
                if lo >= hi {
                    continue;
                }
                if hi - lo >= rem {
                    return lo + rem;
                }
                rem -= hi - lo;
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        i64::MAX
    } else {
        let mut rem = duration_ms.checked_neg().unwrap_or(i64::MAX);
        let first = cal.local_date(start_ms);
        let mut date = first.succ_opt().unwrap_or(NaiveDate::MAX);
        let mut days = 0;
        while days < MAX_DAYS {
            // Going back: the week ending with `date` (days date-6 ..= date).
            if let Some(wk) = date.checked_sub_days(chrono::Days::new(6))
                && date < first
                && rem > cal.week_ms
                && cal.plain_week(wk)
            {
                rem -= cal.week_ms;
                date = wk.pred_opt().unwrap_or(NaiveDate::MIN);
                days += 7;
                continue;
            }
            days += 1;
            cal.day_intervals(date, &mut buf);
            for &(lo, hi) in buf.iter().rev() {
                let hi = hi.min(start_ms);
                if lo >= hi {
                    continue;
                }
                if hi - lo >= rem {
                    return hi - rem;
                }
                rem -= hi - lo;
            }
            match date.pred_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        i64::MIN
    }
}

#[cfg(test)]
pub(crate) mod tests;
