//! SLA policies and clocks, computed from a ticket's history. Pure: the caller passes
//! the events, the calendar and "now".
//!
//! # The rules
//!
//! Three targets, each a business duration in the policy's calendar (any may be absent):
//!
//! - **first response**: from creation to the first *public* reply. Internal notes do not
//!   count. Resolving a ticket that never had a reply also fulfils it (the resolution
//!   notice is the response), at the moment of resolving.
//! - **next update**: after the first response, every public reply must be followed by
//!   another within this time. Each public reply starts a new interval; a reopen starts
//!   one too; resolving ends the current one. Intervals that ended late are counted in
//!   [`SlaClock::late_updates`]; the clock shows the current interval.
//! - **resolution**: from creation to resolved (or closed). It **accumulates across
//!   reopenings** (the ITIL-common choice): a reopen restarts the clock where it stopped,
//!   it does not start from zero, and the time the ticket spent resolved does not count.
//!
//! **Pauses**: while the ticket is `pending` or `on-hold` no target accrues business
//! time, so every deadline moves out by the paused business time. Resolved and closed
//! stop the clocks.
//!
//! **Policy changes** ([`SlaEvent::PolicyChanged`], e.g. after the priority was raised):
//! a target that is still open is measured against the targets in force *now*, over all
//! of its elapsed business time (pauses excluded), as if that policy's targets had applied
//! from the start. Each stretch of that time is measured in the calendar in force *then*:
//! before the change in the old policy's calendar, from the change on in the new one's
//! (a P3 in office hours raised to a 24×7 P1 at 18:00 keeps its office-hours time so far
//! and runs around the clock from 18:00). Raising the priority can therefore breach a
//! ticket at once, and the breach instant reported is when the elapsed time passed the
//! new target, which may be before the change. Lowering it can lift a breach that has
//! not been met yet. A target that was already met keeps the verdict of the targets in
//! force when it was met.
//!
//! **Deadline instants**: a due instant is the *earliest* instant at which the elapsed
//! business time reaches the target (a target that uses up Friday's last hour is due
//! Friday 17:00, not Monday 08:00). A reply at exactly the due instant is on time; a
//! reply after it is late, even if no business time passed in between (Saturday).

use super::calendar::{Calendar, add_business, business_between};
use super::ticket::{Priority, Status, TicketType};
use super::time::{HOUR, MINUTE};

/// The three targets of a policy, in business milliseconds, and when to warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlaTargets {
    pub first_response: Option<i64>,
    pub next_update: Option<i64>,
    pub resolution: Option<i64>,
    /// A running target is at risk when this much business time or less is left
    /// (0: never at risk, only breached).
    pub warn_before: i64,
}

/// When a policy applies; every condition that is set must hold, an unset one matches
/// anything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlaConditions {
    /// Any of these priorities (empty: any).
    pub priorities: Vec<Priority>,
    /// Any of these ticket types (empty: any).
    pub types: Vec<TicketType>,
    /// The ticket's category is this one or below it (`hardware` matches
    /// `hardware/printer`); case-insensitive.
    pub category: Option<String>,
    /// The requester is (true) or is not (false) a VIP.
    pub vip: Option<bool>,
    /// The ticket's group, case-insensitive.
    pub group: Option<String>,
}

/// A named SLA policy from config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicy {
    pub name: String,
    pub conditions: SlaConditions,
    pub targets: SlaTargets,
    /// The name of the business calendar its durations are measured in.
    pub calendar: String,
}

/// What a policy is matched against: the ticket as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaFacts<'a> {
    pub priority: Priority,
    pub kind: TicketType,
    pub category: Option<&'a str>,
    pub vip: bool,
    pub group: Option<&'a str>,
}

impl SlaConditions {
    pub fn matches(&self, f: &SlaFacts<'_>) -> bool {
        let category_ok = match (&self.category, f.category) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(want), Some(have)) => {
                let (want, have) = (want.trim().to_lowercase(), have.trim().to_lowercase());
                have == want || have.strip_prefix(&want).is_some_and(|rest| rest.starts_with('/'))
            }
        };
        let group_ok = match (&self.group, f.group) {
            (None, _) => true,
            (Some(want), Some(have)) => want.trim().eq_ignore_ascii_case(have.trim()),
            (Some(_), None) => false,
        };
        (self.priorities.is_empty() || self.priorities.contains(&f.priority))
            && (self.types.is_empty() || self.types.contains(&f.kind))
            && category_ok
            && self.vip.is_none_or(|v| v == f.vip)
            && group_ok
    }
}

/// The first policy, in order, whose conditions all hold.
pub fn match_policy<'p>(policies: &'p [SlaPolicy], facts: &SlaFacts<'_>) -> Option<&'p SlaPolicy> {
    policies.iter().find(|p| p.conditions.matches(facts))
}

/// What happened to a ticket, as far as its SLA is concerned. Timestamps are UTC ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaEvent {
    /// The ticket was created (its clocks start; status `new`).
    Created { at: i64 },
    /// `pending`/`on-hold` pause, `resolved`/`closed` stop, `new`/`open` run; from a
    /// stopped status to a running one is a reopen.
    StatusChanged { at: i64, from: Status, to: Status },
    /// A reply the requester sees: the first one is the first response; each one
    /// starts a new next-update interval.
    PublicReply { at: i64 },
    /// Not seen by the requester: no effect on any clock.
    InternalNote { at: i64 },
    /// From `at` on these targets are in force (the ticket now matches another policy,
    /// or the policy was edited), and business time is measured in `calendar`: an index
    /// into the calendars passed to [`compute_on`] (0 is the calendar of the policy in
    /// force at creation; [`compute`] has only that one). The `policy` passed to
    /// [`compute`] is the one in force at creation.
    PolicyChanged { at: i64, targets: SlaTargets, calendar: usize },
}

impl SlaEvent {
    pub fn at(&self) -> i64 {
        match *self {
            SlaEvent::Created { at }
            | SlaEvent::StatusChanged { at, .. }
            | SlaEvent::PublicReply { at }
            | SlaEvent::InternalNote { at }
            | SlaEvent::PolicyChanged { at, .. } => at,
        }
    }
}

/// Where one target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaState {
    /// Running, more than the warning threshold left.
    Ok,
    /// Running, `warn_before` or less left.
    AtRisk { warn_before: i64 },
    /// The due instant has passed (met late, or not met yet).
    Breached,
    /// Met on time.
    Met,
    /// Not accruing (pending / on-hold), not breached.
    Paused,
}

/// Which target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlaTargetKind {
    FirstResponse,
    NextUpdate,
    Resolution,
}

impl SlaTargetKind {
    pub fn label(self) -> &'static str {
        match self {
            SlaTargetKind::FirstResponse => "first response",
            SlaTargetKind::NextUpdate => "next update",
            SlaTargetKind::Resolution => "resolution",
        }
    }
}

/// One target's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetClock {
    /// The target in force (business ms).
    pub target_ms: i64,
    /// Business time accrued so far (up to `met_at` if met, else up to now).
    pub elapsed_ms: i64,
    /// The deadline: projected while running, the breach instant once breached;
    /// `None` when met on time or paused without a breach (the deadline moves).
    pub due: Option<i64>,
    /// When the target was met (reply / resolution), if it was.
    pub met_at: Option<i64>,
    /// `target - elapsed`, business ms: negative when breached (business time since the
    /// breach while still open; how late when met late), frozen while paused.
    pub remaining_ms: i64,
    pub state: SlaState,
    /// When a running target turns (or turned) at risk: `warn_before` business time
    /// before `due`. `None` without a warning threshold, or when not running.
    pub warn_at: Option<i64>,
    /// The warning threshold in force (business ms; 0: none).
    pub warn_before: i64,
    /// How far past its due instant a breached target is, in real time: until it was
    /// met (met late), else until now. `None` unless breached. What "met 38m late" and
    /// "breached 3d 2h ago" say, the same measure as the queue's `-3d`.
    pub late_ms: Option<i64>,
}

impl TargetClock {
    /// Still to be met (running, paused or breached and open): what the queue sorts by.
    pub fn is_open(&self) -> bool {
        self.met_at.is_none()
    }

    /// The state at a later instant `t`, without touching the calendar: valid as long as
    /// nothing happened to the ticket since the clock was computed. A running target
    /// turns at-risk at `warn_at` and breached at `due`; met and paused ones stay as
    /// they are. This lets a store keep `due`/`warn_at` from the last change and
    /// classify a whole queue with two comparisons per ticket.
    pub fn state_at(&self, t: i64) -> SlaState {
        match (self.state, self.due) {
            (SlaState::Ok | SlaState::AtRisk { .. }, Some(due)) if t >= due => SlaState::Breached,
            (SlaState::Ok, _) if self.warn_at.is_some_and(|w| t >= w) => {
                SlaState::AtRisk { warn_before: self.warn_before }
            }
            (s, _) => s,
        }
    }
}

/// The SLA of one ticket at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlaClock {
    /// `None`: the policy has no such target (or there is no history).
    pub first_response: Option<TargetClock>,
    /// `None` also before the first response, and when resolved before any interval ran.
    pub next_update: Option<TargetClock>,
    pub resolution: Option<TargetClock>,
    /// Next-update intervals that ended (by a reply or by resolving) after their due
    /// instant; the current interval is not counted here.
    pub late_updates: u32,
}

impl SlaClock {
    pub fn targets(&self) -> impl Iterator<Item = (SlaTargetKind, &TargetClock)> {
        [
            (SlaTargetKind::FirstResponse, self.first_response.as_ref()),
            (SlaTargetKind::NextUpdate, self.next_update.as_ref()),
            (SlaTargetKind::Resolution, self.resolution.as_ref()),
        ]
        .into_iter()
        .filter_map(|(k, t)| t.map(|t| (k, t)))
    }

    /// The open target closest to (or furthest past) its breach: the queue's "time to
    /// breach" sort key (ascending). `None` when nothing is open.
    pub fn most_urgent(&self) -> Option<(SlaTargetKind, &TargetClock)> {
        self.targets().filter(|(_, t)| t.is_open()).min_by_key(|(_, t)| t.remaining_ms)
    }

    /// The worst state among open targets (breached > at risk > ok > paused), for
    /// marking rows; `None` when nothing is open.
    pub fn worst_open_state(&self) -> Option<SlaState> {
        let rank = |s: &SlaState| match s {
            SlaState::Breached => 4,
            SlaState::AtRisk { .. } => 3,
            SlaState::Ok => 2,
            SlaState::Paused => 1,
            SlaState::Met => 0,
        };
        self.targets().filter(|(_, t)| t.is_open()).map(|(_, t)| t.state).max_by_key(rank)
    }
}

/// How the ticket's status drives the clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Running,
    Paused,
    Stopped,
}

fn mode_of(s: Status) -> Mode {
    match s {
        Status::New | Status::Open => Mode::Running,
        Status::Pending | Status::OnHold => Mode::Paused,
        Status::Resolved | Status::Closed => Mode::Stopped,
    }
}

/// One target's accrual: the periods in which it ran, and whether it is met.
#[derive(Debug, Default)]
struct Track {
    armed: bool,
    runs: Vec<(i64, i64)>,
    since: Option<i64>,
    met_at: Option<i64>,
}

impl Track {
    fn armed() -> Track {
        Track { armed: true, ..Track::default() }
    }
    /// Start or stop accruing at `t`.
    fn set_running(&mut self, t: i64, running: bool) {
        let running = running && self.armed && self.met_at.is_none();
        match (self.since, running) {
            (None, true) => self.since = Some(t),
            (Some(s), false) => {
                if t > s {
                    self.runs.push((s, t));
                }
                self.since = None;
            }
            _ => {}
        }
    }
    fn meet(&mut self, t: i64) {
        self.set_running(t, false);
        self.met_at = Some(t);
    }
}

/// The calendars in force over time: `(from, calendar)`, in order, the first from the
/// beginning of time. Business time across a change is the sum of each stretch in its
/// own calendar.
struct Timeline<'c> {
    pieces: Vec<(i64, &'c Calendar)>,
}

impl Timeline<'_> {
    /// Where the piece `i` ends (`None`: it runs on for ever).
    fn end(&self, i: usize) -> Option<i64> {
        self.pieces.get(i + 1).map(|p| p.0)
    }

    /// Business milliseconds in `[a, b)`.
    fn between(&self, a: i64, b: i64) -> i64 {
        let mut total = 0;
        for (i, &(from, cal)) in self.pieces.iter().enumerate() {
            let (lo, hi) = (a.max(from), self.end(i).map_or(b, |e| b.min(e)));
            total += business_between(cal, lo, hi);
        }
        total
    }

    /// [`add_business`] across the pieces: the earliest instant at which `duration`
    /// business time has elapsed after `start` (walking backwards when negative, the
    /// latest instant `duration` before it).
    fn add(&self, mut start: i64, duration: i64) -> i64 {
        if duration == 0 {
            return start;
        }
        let mut rem = duration.saturating_abs();
        if duration > 0 {
            let mut i = self.pieces.iter().rposition(|p| p.0 <= start).unwrap_or(0);
            loop {
                let cal = self.pieces[i].1;
                let due = add_business(cal, start, rem);
                match self.end(i) {
                    Some(end) if due > end => {
                        rem -= business_between(cal, start, end);
                        start = end;
                        i += 1;
                    }
                    _ => return due,
                }
            }
        } else {
            let mut i = self.pieces.iter().rposition(|p| p.0 < start).unwrap_or(0);
            loop {
                let (from, cal) = self.pieces[i];
                let at = add_business(cal, start, -rem);
                if i == 0 || at >= from {
                    return at;
                }
                rem -= business_between(cal, from, start);
                start = from;
                i -= 1;
            }
        }
    }
}

/// The business time accrued over `runs`, and the earliest instant at which it reached
/// `target` (if it did).
fn accrued(cal: &Timeline<'_>, runs: &[(i64, i64)], target: i64) -> (i64, Option<i64>) {
    let mut total = 0;
    let mut breach = None;
    for &(a, b) in runs {
        let biz = cal.between(a, b);
        if breach.is_none() && biz > 0 && total + biz >= target {
            breach = Some(cal.add(a, target - total));
        }
        total += biz;
    }
    (total, breach)
}

/// Whether an interval met at `met_at` with `target` was late.
fn was_late(cal: &Timeline<'_>, runs: &[(i64, i64)], target: i64, met_at: i64) -> bool {
    accrued(cal, runs, target).1.is_some_and(|b| b < met_at)
}

fn evaluate(cal: &Timeline<'_>, track: &Track, target: i64, warn_before: i64, now: i64) -> TargetClock {
    let (elapsed, breach) = accrued(cal, &track.runs, target);
    let remaining = target - elapsed;
    let mut c = TargetClock {
        target_ms: target,
        elapsed_ms: elapsed,
        due: None,
        met_at: track.met_at,
        remaining_ms: remaining,
        state: SlaState::Ok,
        warn_at: None,
        warn_before,
        late_ms: None,
    };
    if let Some(met) = track.met_at {
        match breach {
            Some(b) if b < met => {
                c.state = SlaState::Breached;
                c.due = Some(b);
                c.late_ms = Some(met - b);
            }
            _ => c.state = SlaState::Met,
        }
    } else if let Some(b) = breach {
        c.state = SlaState::Breached;
        c.due = Some(b);
        c.late_ms = Some(now.saturating_sub(b).max(0));
    } else if track.since.is_some() {
        let due = cal.add(now, remaining);
        c.due = Some(due);
        if warn_before > 0 {
            c.warn_at = Some(cal.add(due, -warn_before));
            if remaining <= warn_before {
                c.state = SlaState::AtRisk { warn_before };
            }
        }
    } else {
        c.state = SlaState::Paused;
    }
    c
}

/// The SLA clock of a ticket at `now_ms`, from its history.
///
/// `policy` is the policy in force at creation (its targets apply until the first
/// [`SlaEvent::PolicyChanged`]); `calendar` is the one its durations are measured in
/// throughout (for policies in several calendars, see [`compute_on`]). Events may come in any order (they are sorted by time,
/// `Created` first among equals, otherwise stably); events after `now_ms` are ignored.
/// Without a `Created` event the clock starts at the earliest event.
pub fn compute(policy: &SlaPolicy, calendar: &Calendar, events: &[SlaEvent], now_ms: i64) -> SlaClock {
    compute_on(policy, &[calendar], events, now_ms)
}

/// As [`compute`], for a ticket whose policies use several calendars: `calendars[0]` is
/// the calendar of `policy` (the one in force at creation), and each
/// [`SlaEvent::PolicyChanged`] names by index the calendar business time is measured in
/// from then on (an index out of range keeps the calendar in force). Empty `calendars`:
/// no clock.
pub fn compute_on(policy: &SlaPolicy, calendars: &[&Calendar], events: &[SlaEvent], now_ms: i64) -> SlaClock {
    let Some(&first_cal) = calendars.first() else { return SlaClock::default() };
    let mut evs: Vec<SlaEvent> = events.iter().copied().filter(|e| e.at() <= now_ms).collect();
    evs.sort_by_key(|e| (e.at(), !matches!(e, SlaEvent::Created { .. })));
    let Some(first) = evs.first() else { return SlaClock::default() };
    let start = first.at();
    let mut timeline = Timeline { pieces: vec![(i64::MIN, first_cal)] };
    for e in &evs {
        if let SlaEvent::PolicyChanged { at, calendar, .. } = *e
            && let Some(&cal) = calendars.get(calendar)
            && !std::ptr::eq(cal, timeline.pieces[timeline.pieces.len() - 1].1)
        {
            timeline.pieces.push((at, cal));
        }
    }
    let calendar = &timeline;

    let mut targets = policy.targets;
    let mut mode = Mode::Running;
    let mut fr = Track::armed();
    let mut res = Track::armed();
    let mut nu = Track::default();
    let mut responded = false;
    let mut late_updates = 0u32;
    fr.set_running(start, true);
    res.set_running(start, true);

    for e in &evs {
        let t = e.at();
        match *e {
            SlaEvent::Created { .. } | SlaEvent::InternalNote { .. } => {}
            SlaEvent::PolicyChanged { targets: new, .. } => targets = new,
            SlaEvent::PublicReply { .. } => {
                if fr.met_at.is_none() {
                    fr.meet(t);
                }
                if mode != Mode::Stopped {
                    if responded {
                        // Close the running interval and judge it.
                        nu.set_running(t, false);
                        if let Some(target) = targets.next_update
                            && was_late(calendar, &nu.runs, target, t)
                        {
                            late_updates += 1;
                        }
                    }
                    responded = true;
                    nu = Track::armed();
                    nu.set_running(t, mode == Mode::Running);
                }
            }
            SlaEvent::StatusChanged { to, .. } => {
                let new_mode = mode_of(to);
                if new_mode == mode {
                    continue;
                }
                match new_mode {
                    Mode::Stopped => {
                        if fr.met_at.is_none() {
                            fr.meet(t);
                        }
                        res.meet(t);
                        if nu.armed && nu.met_at.is_none() {
                            nu.meet(t);
                            if let Some(target) = targets.next_update
                                && was_late(calendar, &nu.runs, target, t)
                            {
                                late_updates += 1;
                            }
                        }
                    }
                    Mode::Running | Mode::Paused => {
                        if mode == Mode::Stopped {
                            // Reopen: resolution carries on from where it stopped; a new
                            // next-update interval starts if there was a first response.
                            res.met_at = None;
                            if responded {
                                nu = Track::armed();
                            }
                        }
                        let running = new_mode == Mode::Running;
                        fr.set_running(t, running);
                        res.set_running(t, running);
                        nu.set_running(t, running);
                    }
                }
                mode = new_mode;
            }
        }
    }
    // Close the open periods at `now`, remembering which were running.
    let close = |mut tr: Track| {
        let running = tr.since.is_some();
        tr.set_running(now_ms, false);
        if running {
            tr.since = Some(now_ms);
        }
        tr
    };
    let (fr, res, nu) = (close(fr), close(res), close(nu));
    let warn = targets.warn_before;
    // A met target is judged by the targets in force when it was met.
    let targets_at = |t: i64| {
        let mut tg = policy.targets;
        for e in &evs {
            match *e {
                SlaEvent::PolicyChanged { at, targets, .. } if at <= t => tg = targets,
                _ => {}
            }
        }
        tg
    };
    let clock = |track: &Track, pick: fn(&SlaTargets) -> Option<i64>| -> Option<TargetClock> {
        if !track.armed {
            return None;
        }
        let tg = match track.met_at {
            Some(m) => targets_at(m),
            None => targets,
        };
        let target = pick(&tg)?;
        Some(evaluate(calendar, track, target, if track.met_at.is_some() { tg.warn_before } else { warn }, now_ms))
    };
    SlaClock {
        first_response: clock(&fr, |t| t.first_response),
        next_update: clock(&nu, |t| t.next_update),
        resolution: clock(&res, |t| t.resolution),
        late_updates,
    }
}

/// Remaining business time as people read it: `2h 10m left`, `3d 4h left`, `<1m left`,
/// `breached 35m ago`, `breached just now`. `day_ms` is the calendar's business day
/// ([`Calendar::day_ms`]), so `3d` means three business days. Minutes are dropped once
/// there are days; values are rounded down.
pub fn describe_remaining(ms: i64, day_ms: i64) -> String {
    if ms > 0 {
        if ms < MINUTE { "<1m left".to_string() } else { format!("{} left", units(ms, day_ms)) }
    } else {
        let late = ms.checked_neg().unwrap_or(i64::MAX);
        if late < MINUTE { "breached just now".to_string() } else { format!("breached {} ago", units(late, day_ms)) }
    }
}

fn units(ms: i64, day_ms: i64) -> String {
    let day_ms = day_ms.max(MINUTE);
    let (d, rest) = (ms / day_ms, ms % day_ms);
    let (h, m) = (rest / HOUR, rest % HOUR / MINUTE);
    match (d, h, m) {
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// Where one target stands, in words: `2h 10m left` (business time of the calendar,
/// what the target measures), `met`, `met 38m late`, `breached 3d 2h ago` (real time
/// past the due instant, as the queue's DUE column counts it), `paused, 2h left`.
pub fn describe_target(c: &TargetClock, day_ms: i64) -> String {
    match (c.state, c.met_at, c.late_ms) {
        (SlaState::Met, ..) => "met".to_string(),
        (SlaState::Paused, ..) => format!("paused, {}", describe_remaining(c.remaining_ms, day_ms)),
        (SlaState::Breached, Some(_), late) => match late.unwrap_or(0) {
            l if l < MINUTE => "met just late".to_string(),
            l => format!("met {} late", real_units(l)),
        },
        (SlaState::Breached, None, late) => match late.unwrap_or(0) {
            l if l < MINUTE => "breached just now".to_string(),
            l => format!("breached {} ago", real_units(l)),
        },
        _ => describe_remaining(c.remaining_ms, day_ms),
    }
}

/// Real elapsed time in the queue's units, one step finer: `38m`, `2h 5m`, `3d 4h`
/// (24-hour days), `12w 3d` from 60 days on.
fn real_units(ms: i64) -> String {
    use super::time::DAY;
    if ms >= 60 * DAY {
        let (w, d) = (ms / (7 * DAY), ms % (7 * DAY) / DAY);
        if d == 0 { format!("{w}w") } else { format!("{w}w {d}d") }
    } else {
        units(ms, DAY)
    }
}

/// A clock in one line of words: "first response met 38m late · resolution 2h 10m left
/// (AT RISK)". States are words, not colours.
pub fn summary(clock: &SlaClock, day_ms: i64) -> String {
    clock
        .targets()
        .map(|(kind, c)| {
            let words = describe_target(c, day_ms);
            match (c.state, c.met_at) {
                (SlaState::Paused, _) => {
                    format!("{} paused ({})", kind.label(), describe_remaining(c.remaining_ms, day_ms))
                }
                (SlaState::AtRisk { .. }, _) => format!("{} {words} (AT RISK)", kind.label()),
                (SlaState::Breached, None) => format!("{} {words} (BREACHED)", kind.label()),
                _ => format!("{} {words}", kind.label()),
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests;
