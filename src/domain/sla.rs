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
//! of its elapsed business time (pauses excluded), as if that policy had applied from the
//! start. Raising the priority can therefore breach a ticket at once, and the breach
//! instant reported is when the elapsed time passed the new target, which may be before
//! the change. Lowering it can lift a breach that has not been met yet. A target that was
//! already met keeps the verdict of the targets in force when it was met.
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
    /// or the policy was edited). The `policy` passed to [`compute`] is the one in force
    /// at creation.
    PolicyChanged { at: i64, targets: SlaTargets },
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

/// The business time accrued over `runs`, and the earliest instant at which it reached
/// `target` (if it did).
fn accrued(cal: &Calendar, runs: &[(i64, i64)], target: i64) -> (i64, Option<i64>) {
    let mut total = 0;
    let mut breach = None;
    for &(a, b) in runs {
        let biz = business_between(cal, a, b);
        if breach.is_none() && biz > 0 && total + biz >= target {
            breach = Some(add_business(cal, a, target - total));
        }
        total += biz;
    }
    (total, breach)
}

/// Whether an interval met at `met_at` with `target` was late.
fn was_late(cal: &Calendar, runs: &[(i64, i64)], target: i64, met_at: i64) -> bool {
    accrued(cal, runs, target).1.is_some_and(|b| b < met_at)
}

fn evaluate(cal: &Calendar, track: &Track, target: i64, warn_before: i64, now: i64) -> TargetClock {
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
    };
    if let Some(met) = track.met_at {
        match breach {
            Some(b) if b < met => {
                c.state = SlaState::Breached;
                c.due = Some(b);
            }
            _ => c.state = SlaState::Met,
        }
    } else if let Some(b) = breach {
        c.state = SlaState::Breached;
        c.due = Some(b);
    } else if track.since.is_some() {
        let due = add_business(cal, now, remaining);
        c.due = Some(due);
        if warn_before > 0 {
            c.warn_at = Some(add_business(cal, due, -warn_before));
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
/// (for a ticket whose policy changed, pass the current policy's calendar: the whole
/// history is measured in it). Events may come in any order (they are sorted by time,
/// `Created` first among equals, otherwise stably); events after `now_ms` are ignored.
/// Without a `Created` event the clock starts at the earliest event.
pub fn compute(policy: &SlaPolicy, calendar: &Calendar, events: &[SlaEvent], now_ms: i64) -> SlaClock {
    let mut evs: Vec<SlaEvent> = events.iter().copied().filter(|e| e.at() <= now_ms).collect();
    evs.sort_by_key(|e| (e.at(), !matches!(e, SlaEvent::Created { .. })));
    let Some(first) = evs.first() else { return SlaClock::default() };
    let start = first.at();

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
                SlaEvent::PolicyChanged { at, targets } if at <= t => tg = targets,
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

/// A clock in one line of words: "first response met · resolution 2h 10m left (AT RISK)".
/// States are words, not colours.
pub fn summary(clock: &SlaClock, day_ms: i64) -> String {
    clock
        .targets()
        .map(|(kind, c)| match c.state {
            SlaState::Met => format!("{} met", kind.label()),
            SlaState::Paused => format!("{} paused ({})", kind.label(), describe_remaining(c.remaining_ms, day_ms)),
            SlaState::AtRisk { .. } => {
                format!("{} {} (AT RISK)", kind.label(), describe_remaining(c.remaining_ms, day_ms))
            }
            SlaState::Breached => format!("{} {} (BREACHED)", kind.label(), describe_remaining(c.remaining_ms, day_ms)),
            SlaState::Ok => format!("{} {}", kind.label(), describe_remaining(c.remaining_ms, day_ms)),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Calendar;
    use crate::domain::calendar::tests::{at, berlin_office, show};
    use SlaEvent::*;
    use Status::*;

    /// P2 in the Berlin office (8h business days): first response 4h, next update 1d
    /// (8h), resolution 3d (24h), warn 30m before.
    fn p2() -> SlaPolicy {
        SlaPolicy {
            name: "P2".into(),
            conditions: SlaConditions::default(),
            targets: SlaTargets {
                first_response: Some(4 * HOUR),
                next_update: Some(8 * HOUR),
                resolution: Some(24 * HOUR),
                warn_before: 30 * MINUTE,
            },
            calendar: "office".into(),
        }
    }

    fn status(cal: &Calendar, when: &str, from: Status, to: Status) -> SlaEvent {
        StatusChanged { at: at(cal, when), from, to }
    }

    /// (state, due shown in Berlin, remaining) of a target, for compact assertions.
    fn sum(cal: &Calendar, t: Option<TargetClock>) -> (SlaState, Option<String>, String) {
        let t = t.expect("target present");
        (t.state, t.due.map(|d| show(cal, d)), describe_remaining(t.remaining_ms, cal.day_ms()))
    }

    #[test]
    fn a_fresh_ticket_runs_towards_its_deadlines() {
        let cal = berlin_office();
        let ev = [Created { at: at(&cal, "2026-03-10 09:00") }];
        // Tue 09:00 + 4h: 09-12 (3h), 13-14 (1h) → 14:00. Resolution 24h: Tue 7h, Wed 8h,
        // Thu 8h, Fri 1h → Fri 09:00. At 11:00, 2h of business time have passed.
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-10 11:00"));
        assert_eq!(sum(&cal, c.first_response), (SlaState::Ok, Some("2026-03-10 14:00 CET".into()), "2h left".into()));
        assert_eq!(c.next_update, None);
        assert_eq!(sum(&cal, c.resolution), (SlaState::Ok, Some("2026-03-13 09:00 CET".into()), "2d 6h left".into()));
        assert_eq!(show(&cal, c.first_response.unwrap().warn_at.unwrap()), "2026-03-10 13:30 CET");
        // At 13:45: 3h + 45m elapsed, 15m left ≤ 30m → at risk.
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-10 13:45"));
        let fr = c.first_response.unwrap();
        assert_eq!(fr.state, SlaState::AtRisk { warn_before: 30 * MINUTE });
        assert_eq!(describe_remaining(fr.remaining_ms, cal.day_ms()), "15m left");
        assert_eq!(c.most_urgent().unwrap().0, SlaTargetKind::FirstResponse);
        assert_eq!(c.worst_open_state(), Some(SlaState::AtRisk { warn_before: 30 * MINUTE }));
        // A clock computed at 11:00 tells the state later without the calendar, and
        // agrees with computing afresh.
        let early = compute(&p2(), &cal, &ev, at(&cal, "2026-03-10 11:00")).first_response.unwrap();
        for t in [
            "2026-03-10 11:30",
            "2026-03-10 13:29",
            "2026-03-10 13:30",
            "2026-03-10 13:59",
            "2026-03-10 14:00",
            "2026-03-11 09:00",
        ] {
            let fresh = compute(&p2(), &cal, &ev, at(&cal, t)).first_response.unwrap();
            assert_eq!(early.state_at(at(&cal, t)), fresh.state, "{t}");
        }
        assert_eq!(early.state_at(at(&cal, "2026-03-10 14:00")), SlaState::Breached);
        // Over lunch nothing moves: at 12:40 it is still 1h left, as at 12:00.
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-10 12:40"));
        assert_eq!(c.first_response.unwrap().remaining_ms, HOUR);
    }

    #[test]
    fn internal_notes_are_not_responses_and_replies_start_next_update() {
        let cal = berlin_office();
        let created = Created { at: at(&cal, "2026-03-10 09:00") };
        // Only a note at 10:30: at 13:30 the first response has 30m left (at risk).
        let ev = [created, InternalNote { at: at(&cal, "2026-03-10 10:30") }];
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-10 13:30"));
        assert_eq!(sum(&cal, c.first_response).0, SlaState::AtRisk { warn_before: 30 * MINUTE });
        assert_eq!(c.next_update, None);

        // A public reply at 10:30 meets it (1h30m elapsed of 4h). The next update is due
        // 8h after 10:30: Tue 10:30-12 (1h30m) + 13-17 (4h) = 5h30m, Wed 08:00 + 2h30m
        // → Wed 10:30. At Wed 11:00 that is 30m ago.
        let ev = [
            created,
            InternalNote { at: at(&cal, "2026-03-10 10:00") },
            PublicReply { at: at(&cal, "2026-03-10 10:30") },
        ];
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-11 11:00"));
        let fr = c.first_response.unwrap();
        assert_eq!(
            (fr.state, fr.met_at, fr.due, fr.remaining_ms),
            (SlaState::Met, Some(at(&cal, "2026-03-10 10:30")), None, 150 * MINUTE)
        );
        assert_eq!(
            sum(&cal, c.next_update),
            (SlaState::Breached, Some("2026-03-11 10:30 CET".into()), "breached 30m ago".into())
        );
        assert_eq!(c.late_updates, 0);
        assert_eq!(c.worst_open_state(), Some(SlaState::Breached));

        // The late reply at Wed 11:00 closes a late interval and starts a new one, due
        // 8h later: Wed 11-12 (1h) + 13-17 (4h), Thu 08:00 + 3h → Thu 11:00.
        let mut ev2 = ev.to_vec();
        ev2.push(PublicReply { at: at(&cal, "2026-03-11 11:00") });
        let c = compute(&p2(), &cal, &ev2, at(&cal, "2026-03-11 12:00"));
        assert_eq!(c.late_updates, 1);
        assert_eq!(sum(&cal, c.next_update), (SlaState::Ok, Some("2026-03-12 11:00 CET".into()), "7h left".into()));
    }

    #[test]
    fn pending_pauses_every_clock_and_moves_the_deadlines() {
        let cal = berlin_office();
        // Mon 9 Mar 09:00 created; pending at 11:00 (2h elapsed); open again Tue 14:00.
        let ev = [
            Created { at: at(&cal, "2026-03-09 09:00") },
            status(&cal, "2026-03-09 11:00", New, Pending),
            status(&cal, "2026-03-10 14:00", Pending, Open),
        ];
        // While pending (Tue 09:00): frozen, no deadline.
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-10 09:00"));
        assert_eq!(sum(&cal, c.first_response), (SlaState::Paused, None, "2h left".into()));
        assert_eq!(sum(&cal, c.resolution), (SlaState::Paused, None, "2d 6h left".into()));
        assert_eq!(c.most_urgent().unwrap().1.remaining_ms, 2 * HOUR);
        assert_eq!(c.worst_open_state(), Some(SlaState::Paused));
        // Resolution: 22h left from Tue 14:00: Tue 3h, Wed 8h, Thu 8h, Fri 08:00 + 3h →
        // Fri 11:00. (Unpaused it was Thu 09:00; the pause covered Mon 11-12, 13-17 and
        // Tue 08-12, 13-14 = 10h of business time, and Thu 09:00 + 10h = Fri 11:00.)
        // First response: 2h left from Tue 14:00 → Tue 16:00, so at Wed 10:00 it is
        // breached by Tue 16-17 (1h) + Wed 08-10 (2h) = 3h.
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-11 10:00"));
        assert_eq!(sum(&cal, c.resolution), (SlaState::Ok, Some("2026-03-13 11:00 CET".into()), "2d 1h left".into()));
        assert_eq!(
            sum(&cal, c.first_response),
            (SlaState::Breached, Some("2026-03-10 16:00 CET".into()), "breached 3h ago".into())
        );
        assert_eq!(c.first_response.unwrap().elapsed_ms, 7 * HOUR);
        // on-hold pauses the same way; a breach stays a breach while paused.
        let mut ev2 = ev.to_vec();
        ev2.push(status(&cal, "2026-03-11 10:00", Open, OnHold));
        let c = compute(&p2(), &cal, &ev2, at(&cal, "2026-03-12 10:00"));
        assert_eq!(sum(&cal, c.first_response).0, SlaState::Breached);
        assert_eq!(sum(&cal, c.resolution), (SlaState::Paused, None, "2d 1h left".into()));
    }

    #[test]
    fn resolution_accumulates_across_reopenings() {
        let cal = berlin_office();
        let base = [
            Created { at: at(&cal, "2026-03-09 09:00") },
            PublicReply { at: at(&cal, "2026-03-09 09:30") },
            // Resolved Mon 15:00: 09-12 + 13-15 = 5h of resolution time.
            status(&cal, "2026-03-09 15:00", Open, Resolved),
        ];
        let c = compute(&p2(), &cal, &base, at(&cal, "2026-03-10 12:00"));
        let r = c.resolution.unwrap();
        assert_eq!((r.state, r.met_at, r.remaining_ms), (SlaState::Met, Some(at(&cal, "2026-03-09 15:00")), 19 * HOUR));
        // The next-update interval from the 09:30 reply ended with the resolution, on time.
        assert_eq!(c.next_update.unwrap().state, SlaState::Met);
        assert_eq!(c.most_urgent(), None);
        assert_eq!(c.worst_open_state(), None);

        // Reopened Wed 11 Mar 10:00 (the resolved days do not count). At Wed 16:00:
        // 5h + Wed 10-12 (2h) + 13-16 (3h) = 10h, 14h left → Wed 16-17 (1h), Thu 8h,
        // Fri 08-12 (4h) + 13:00-14:00 (1h) → Fri 14:00.
        let mut ev = base.to_vec();
        ev.push(status(&cal, "2026-03-11 10:00", Resolved, Open));
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-11 16:00"));
        assert_eq!(sum(&cal, c.resolution), (SlaState::Ok, Some("2026-03-13 14:00 CET".into()), "1d 6h left".into()));
        assert_eq!(c.resolution.unwrap().met_at, None);
        // A new next-update interval from the reopen: Wed 10-12, 13-17 (6h), Thu 08:00 +
        // 2h → Thu 10:00; 3h left at Wed 16:00.
        assert_eq!(sum(&cal, c.next_update), (SlaState::Ok, Some("2026-03-12 10:00 CET".into()), "3h left".into()));
        // The first response stays met.
        assert_eq!(c.first_response.unwrap().state, SlaState::Met);

        // Resolved again Thu 09:00: 10h + Wed 16-17 + Thu 08-09 = 12h ≤ 24h → met.
        // Then closed: still met at the resolution instant.
        ev.push(status(&cal, "2026-03-12 09:00", Open, Resolved));
        ev.push(status(&cal, "2026-03-14 09:00", Resolved, Closed));
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-20 09:00"));
        let r = c.resolution.unwrap();
        assert_eq!((r.state, r.elapsed_ms, r.met_at), (SlaState::Met, 12 * HOUR, Some(at(&cal, "2026-03-12 09:00"))));

        // Reopened from closed and left open: 12h + Mon 16 Mar 08:00 onwards. 24h is
        // reached after 12 more hours: Mon 8h, Tue 08:00 + 4h → Tue 17 Mar 12:00.
        ev.push(status(&cal, "2026-03-16 08:00", Closed, Open));
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-17 14:00"));
        assert_eq!(
            sum(&cal, c.resolution),
            (SlaState::Breached, Some("2026-03-17 12:00 CET".into()), "breached 1h ago".into())
        );
    }

    #[test]
    fn a_policy_change_applies_to_the_elapsed_business_time() {
        let cal = berlin_office();
        // P3: first response 8h, resolution 5d (40h). P1: 1h and 4h.
        let mut p3 = p2();
        p3.targets = SlaTargets {
            first_response: Some(8 * HOUR),
            next_update: None,
            resolution: Some(40 * HOUR),
            warn_before: 0,
        };
        let p1 = SlaTargets {
            first_response: Some(HOUR),
            next_update: Some(2 * HOUR),
            resolution: Some(4 * HOUR),
            warn_before: 30 * MINUTE,
        };
        let created = Created { at: at(&cal, "2026-03-09 09:00") };
        // Raised to P1 at Mon 14:00, no reply yet. At 14:30: 3h + 1h30m = 4h30m elapsed.
        // First response (1h) was passed at 10:00; resolution (4h) at 14:00.
        let ev = [created, PolicyChanged { at: at(&cal, "2026-03-09 14:00"), targets: p1 }];
        let c = compute(&p3, &cal, &ev, at(&cal, "2026-03-09 14:30"));
        assert_eq!(
            sum(&cal, c.first_response),
            (SlaState::Breached, Some("2026-03-09 10:00 CET".into()), "breached 3h 30m ago".into())
        );
        assert_eq!(
            sum(&cal, c.resolution),
            (SlaState::Breached, Some("2026-03-09 14:00 CET".into()), "breached 30m ago".into())
        );
        // Just before the change, under P3, all was well.
        let c = compute(&p3, &cal, &ev, at(&cal, "2026-03-09 13:59"));
        assert_eq!(c.first_response.unwrap().state, SlaState::Ok);
        assert_eq!(c.first_response.unwrap().target_ms, 8 * HOUR);

        // Replied at 11:00 under P3 (2h of 8h): the change at 14:00 does not undo that.
        // The next-update target appears with P1: 2h from the 11:00 reply → 11-12 (1h),
        // 13:00 + 1h → 14:00, breached 30m ago at 14:30.
        let ev = [
            created,
            PublicReply { at: at(&cal, "2026-03-09 11:00") },
            PolicyChanged { at: at(&cal, "2026-03-09 14:00"), targets: p1 },
        ];
        let c = compute(&p3, &cal, &ev, at(&cal, "2026-03-09 14:30"));
        assert_eq!(c.first_response.unwrap().state, SlaState::Met);
        assert_eq!(c.first_response.unwrap().target_ms, 8 * HOUR);
        assert_eq!(
            sum(&cal, c.next_update),
            (SlaState::Breached, Some("2026-03-09 14:00 CET".into()), "breached 30m ago".into())
        );
        // Lowered back to P3 at 14:15: no next-update target any more; resolution 40h again.
        let ev = [
            created,
            PublicReply { at: at(&cal, "2026-03-09 11:00") },
            PolicyChanged { at: at(&cal, "2026-03-09 14:00"), targets: p1 },
            PolicyChanged { at: at(&cal, "2026-03-09 14:15"), targets: p3.targets },
        ];
        let c = compute(&p3, &cal, &ev, at(&cal, "2026-03-09 14:30"));
        assert_eq!(c.next_update, None);
        assert_eq!(c.resolution.unwrap().state, SlaState::Ok);
        assert_eq!(c.resolution.unwrap().remaining_ms, 40 * HOUR - 4 * HOUR - 30 * MINUTE);
    }

    #[test]
    fn tickets_created_outside_hours_start_at_the_next_opening() {
        let cal = berlin_office();
        let cases = [
            // Saturday → Monday 08:00 + 4h.
            ("2026-03-14 10:00", "2026-03-16 12:00 CET"),
            // Christmas Eve (holiday, Thursday), Christmas Day, weekend → Mon 28 Dec.
            ("2026-12-24 10:00", "2026-12-28 12:00 CET"),
            // Evening → next morning.
            ("2026-03-10 19:00", "2026-03-11 12:00 CET"),
            // Friday 15:00: 2h Friday, 2h Monday → across the spring-forward weekend
            // Mon 30 Mar 10:00 CEST.
            ("2026-03-27 15:00", "2026-03-30 10:00 CEST"),
        ];
        for (created, want) in cases {
            let c = compute(&p2(), &cal, &[Created { at: at(&cal, created) }], at(&cal, created));
            assert_eq!(sum(&cal, c.first_response).1.as_deref(), Some(want), "{created}");
            assert_eq!(c.first_response.unwrap().remaining_ms, 4 * HOUR);
        }
    }

    #[test]
    fn replies_on_the_dot_late_and_after_hours() {
        let cal = berlin_office();
        // Fri 13 Mar 15:00 + 4h: 2h Friday, Mon 08:00 + 2h → Mon 16 Mar 10:00.
        let created = Created { at: at(&cal, "2026-03-13 15:00") };
        let judge = |reply: &str| {
            let c = compute(&p2(), &cal, &[created, PublicReply { at: at(&cal, reply) }], at(&cal, "2026-03-20 09:00"));
            let fr = c.first_response.unwrap();
            (fr.state, fr.due.map(|d| show(&cal, d)), fr.remaining_ms)
        };
        assert_eq!(judge("2026-03-16 10:00"), (SlaState::Met, None, 0));
        assert_eq!(judge("2026-03-16 10:01"), (SlaState::Breached, Some("2026-03-16 10:00 CET".into()), -MINUTE));
        // Due at Friday's closing time, answered on Saturday: no business time passed,
        // but the deadline did.
        let created = Created { at: at(&cal, "2026-03-13 13:00") };
        let c = compute(
            &p2(),
            &cal,
            &[created, PublicReply { at: at(&cal, "2026-03-14 10:00") }],
            at(&cal, "2026-03-14 11:00"),
        );
        let fr = c.first_response.unwrap();
        assert_eq!((fr.state, fr.remaining_ms), (SlaState::Breached, 0));
        assert_eq!(show(&cal, fr.due.unwrap()), "2026-03-13 17:00 CET");
        // Unanswered, seen on Saturday: breached, 0 business minutes ago.
        let c = compute(&p2(), &cal, &[created], at(&cal, "2026-03-14 11:00"));
        assert_eq!(
            sum(&cal, c.first_response),
            (SlaState::Breached, Some("2026-03-13 17:00 CET".into()), "breached just now".into())
        );
    }

    #[test]
    fn resolving_without_a_reply_fulfils_the_first_response() {
        let cal = berlin_office();
        let ev = [Created { at: at(&cal, "2026-03-09 09:00") }, status(&cal, "2026-03-09 10:00", New, Resolved)];
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-03-10 09:00"));
        assert_eq!(c.first_response.unwrap().met_at, Some(at(&cal, "2026-03-09 10:00")));
        assert_eq!(c.first_response.unwrap().state, SlaState::Met);
        assert_eq!(c.next_update, None);
        assert_eq!(c.resolution.unwrap().state, SlaState::Met);
        // Nothing before creation, events after now ignored, order does not matter.
        assert_eq!(compute(&p2(), &cal, &[], 0), SlaClock::default());
        let later = compute(&p2(), &cal, &[ev[1], ev[0]], at(&cal, "2026-03-09 09:30"));
        assert_eq!(later.resolution.unwrap().state, SlaState::Ok);
        assert_eq!(later.resolution.unwrap().elapsed_ms, 30 * MINUTE);
    }

    #[test]
    fn around_the_clock_in_new_york_through_spring_forward() {
        let ny = Calendar::always("ny 24/7", Calendar::parse_tz("America/New_York").unwrap());
        let mut p1 = p2();
        p1.targets =
            SlaTargets { first_response: Some(HOUR), next_update: None, resolution: Some(8 * HOUR), warn_before: HOUR };
        // Sat 7 Mar 22:00 EST + 8 real hours = Sun 06:00 EST = 07:00 EDT (clocks jump
        // 02:00 → 03:00). Pending Sun 8 Mar 00:00 EST (2h elapsed) to 04:00 EDT (03:00
        // EST, 3 real hours later): due 07:00 + 3h = 10:00 EDT.
        let ev = [
            Created { at: at(&ny, "2026-03-07 22:00") },
            PublicReply { at: at(&ny, "2026-03-07 22:20") },
            StatusChanged { at: at(&ny, "2026-03-08 00:00"), from: Open, to: Pending },
            StatusChanged { at: at(&ny, "2026-03-08 04:00"), from: Pending, to: Open },
        ];
        let c = compute(&p1, &ny, &ev[..2], at(&ny, "2026-03-07 23:00"));
        assert_eq!(sum(&ny, c.resolution).1.as_deref(), Some("2026-03-08 07:00 EDT"));
        let c = compute(&p1, &ny, &ev, at(&ny, "2026-03-08 09:30"));
        assert_eq!(
            sum(&ny, c.resolution),
            (SlaState::AtRisk { warn_before: HOUR }, Some("2026-03-08 10:00 EDT".into()), "30m left".into())
        );
        assert_eq!(show(&ny, c.resolution.unwrap().warn_at.unwrap()), "2026-03-08 09:00 EDT");
    }

    #[test]
    fn new_york_office_pause_across_fall_back() {
        let cal = crate::domain::calendar::tests::ny_office();
        // Fri 30 Oct 15:00 EDT created, pending 16:00 (1h of 4h), open Mon 2 Nov 10:00 EST:
        // 3h left → Mon 13:00 EST.
        let ev = [
            Created { at: at(&cal, "2026-10-30 15:00") },
            StatusChanged { at: at(&cal, "2026-10-30 16:00"), from: New, to: Pending },
            StatusChanged { at: at(&cal, "2026-11-02 10:00"), from: Pending, to: Open },
        ];
        let c = compute(&p2(), &cal, &ev, at(&cal, "2026-11-02 10:00"));
        assert_eq!(sum(&cal, c.first_response), (SlaState::Ok, Some("2026-11-02 13:00 EST".into()), "3h left".into()));
    }

    #[test]
    fn policies_match_first_in_order() {
        let mk = |name: &str, conditions: SlaConditions| SlaPolicy {
            name: name.into(),
            conditions,
            targets: SlaTargets::default(),
            calendar: "office".into(),
        };
        let policies = [
            mk("vip", SlaConditions { vip: Some(true), ..Default::default() }),
            mk("p1", SlaConditions { priorities: vec![Priority::P1], ..Default::default() }),
            mk(
                "network",
                SlaConditions {
                    priorities: vec![Priority::P2, Priority::P3],
                    group: Some("Network".into()),
                    types: vec![TicketType::Incident],
                    ..Default::default()
                },
            ),
            mk("hardware", SlaConditions { category: Some("hardware".into()), ..Default::default() }),
            mk("default", SlaConditions::default()),
        ];
        let facts = SlaFacts {
            priority: Priority::P2,
            kind: TicketType::Incident,
            category: None,
            vip: false,
            group: Some("network"),
        };
        let name = |f: SlaFacts<'_>| match_policy(&policies, &f).map(|p| p.name.clone());
        assert_eq!(name(facts).as_deref(), Some("network"));
        assert_eq!(name(SlaFacts { vip: true, ..facts }).as_deref(), Some("vip"));
        assert_eq!(name(SlaFacts { priority: Priority::P1, ..facts }).as_deref(), Some("p1"));
        assert_eq!(name(SlaFacts { kind: TicketType::Request, ..facts }).as_deref(), Some("default"));
        assert_eq!(
            name(SlaFacts { group: None, category: Some("Hardware/Printer"), ..facts }).as_deref(),
            Some("hardware")
        );
        assert_eq!(name(SlaFacts { group: None, category: Some("hardwarex"), ..facts }).as_deref(), Some("default"));
        assert_eq!(match_policy(&policies[..1], &facts), None);
    }

    #[test]
    fn remaining_time_in_business_units() {
        let day = 8 * HOUR;
        assert_eq!(describe_remaining(2 * HOUR + 10 * MINUTE, day), "2h 10m left");
        assert_eq!(describe_remaining(-35 * MINUTE, day), "breached 35m ago");
        assert_eq!(describe_remaining(3 * day + 4 * HOUR + 5 * MINUTE, day), "3d 4h left");
        assert_eq!(describe_remaining(2 * day, day), "2d left");
        assert_eq!(describe_remaining(3 * HOUR, day), "3h left");
        assert_eq!(describe_remaining(HOUR - 1, day), "59m left");
        assert_eq!(describe_remaining(59_999, day), "<1m left");
        assert_eq!(describe_remaining(0, day), "breached just now");
        assert_eq!(describe_remaining(-59_999, day), "breached just now");
        assert_eq!(describe_remaining(-(day + 2 * HOUR), day), "breached 1d 2h ago");
        // 24/7: a day is 24h.
        assert_eq!(describe_remaining(30 * HOUR, 24 * HOUR), "1d 6h left");
        assert_eq!(describe_remaining(i64::MIN, day).split(' ').next(), Some("breached"));
    }
}
