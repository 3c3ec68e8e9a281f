//! The SLA rules, worked by hand in the Berlin and New York calendars.

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
    let ev =
        [created, InternalNote { at: at(&cal, "2026-03-10 10:00") }, PublicReply { at: at(&cal, "2026-03-10 10:30") }];
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
    p3.targets =
        SlaTargets { first_response: Some(8 * HOUR), next_update: None, resolution: Some(40 * HOUR), warn_before: 0 };
    let p1 = SlaTargets {
        first_response: Some(HOUR),
        next_update: Some(2 * HOUR),
        resolution: Some(4 * HOUR),
        warn_before: 30 * MINUTE,
    };
    let created = Created { at: at(&cal, "2026-03-09 09:00") };
    // Raised to P1 at Mon 14:00, no reply yet. At 14:30: 3h + 1h30m = 4h30m elapsed.
    // First response (1h) was passed at 10:00; resolution (4h) at 14:00.
    let ev = [created, PolicyChanged { at: at(&cal, "2026-03-09 14:00"), targets: p1, calendar: 0 }];
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
        PolicyChanged { at: at(&cal, "2026-03-09 14:00"), targets: p1, calendar: 0 },
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
        PolicyChanged { at: at(&cal, "2026-03-09 14:00"), targets: p1, calendar: 0 },
        PolicyChanged { at: at(&cal, "2026-03-09 14:15"), targets: p3.targets, calendar: 0 },
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

/// Issue 16: a ticket that moves to a policy in another calendar is measured in the new
/// calendar from the moment of the change (its time so far stays in the old one).
#[test]
fn a_policy_change_measures_in_the_new_calendar_from_the_change() {
    let office = berlin_office();
    let always = Calendar::always("24/7", office.tz());
    // P3 in office hours: first response 8h, resolution 40h.
    let mut p3 = p2();
    p3.targets =
        SlaTargets { first_response: Some(8 * HOUR), next_update: None, resolution: Some(40 * HOUR), warn_before: 0 };
    // P1 around the clock: first response 30m, resolution 4h.
    let p1 =
        SlaTargets { first_response: Some(30 * MINUTE), next_update: None, resolution: Some(4 * HOUR), warn_before: 0 };
    let cals = [&office, &always];

    // Thu 3 Dec 16:51 CET (15:51Z) created as P3, raised to P1 in the same minute: due
    // 17:21 CET, as a P1 created then, not Fri 08:21 in office hours.
    let created = Created { at: at(&office, "2026-12-03 16:51") };
    let ev = [created, PolicyChanged { at: at(&office, "2026-12-03 16:51"), targets: p1, calendar: 1 }];
    let c = compute_on(&p3, &cals, &ev, at(&office, "2026-12-03 16:52"));
    assert_eq!(sum(&always, c.first_response), (SlaState::Ok, Some("2026-12-03 17:21 CET".into()), "29m left".into()));
    let mut direct = p3.clone();
    direct.targets = p1;
    assert_eq!(c, compute(&direct, &always, &[created], at(&office, "2026-12-03 16:52")));

    // Created 16:30, raised at 17:30 after closing: 30m of office time so far, then
    // 30m around the clock → 18:00 CET (first response 1h here).
    let p1h = SlaTargets { first_response: Some(HOUR), ..p1 };
    let ev = [
        Created { at: at(&office, "2026-12-03 16:30") },
        PolicyChanged { at: at(&office, "2026-12-03 17:30"), targets: p1h, calendar: 1 },
    ];
    let c = compute_on(&p3, &cals, &ev, at(&office, "2026-12-03 17:40"));
    assert_eq!(sum(&always, c.first_response), (SlaState::Ok, Some("2026-12-03 18:00 CET".into()), "20m left".into()));
    assert_eq!(c.first_response.unwrap().elapsed_ms, 40 * MINUTE);

    // Lowered from 24×7 to office hours across the autumn clock change and a holiday.
    // Created Sat 24 Oct 22:00 CEST as P1 (24/7), lowered to P3 Sun 25 Oct 04:00 CET:
    // 7 real hours (the wall clock says 6: 03:00 CEST came twice). Office time from then:
    // Sunday closed, Monday 26 Oct a holiday here. First response 8h: 1h left → Tue 27
    // Oct 09:00 CET. Resolution 40h: 33h left → Tue-Fri 32h, Mon 2 Nov 08:00 + 1h.
    let mut office = berlin_office();
    office.add_holiday(crate::domain::calendar::tests::day("2026-10-26"), "Betriebsausflug");
    let cals = [&always, &office];
    let mut p1_policy = p3.clone();
    p1_policy.targets = p1;
    let ev = [
        Created { at: at(&always, "2026-10-24 22:00") },
        PolicyChanged { at: at(&office, "2026-10-25 04:00"), targets: p3.targets, calendar: 1 },
    ];
    let c = compute_on(&p1_policy, &cals, &ev, at(&office, "2026-10-26 12:00"));
    assert_eq!(c.first_response.unwrap().elapsed_ms, 7 * HOUR);
    assert_eq!(sum(&office, c.first_response), (SlaState::Ok, Some("2026-10-27 09:00 CET".into()), "1h left".into()));
    assert_eq!(sum(&office, c.resolution), (SlaState::Ok, Some("2026-11-02 09:00 CET".into()), "4d 1h left".into()));
    // Raised again Tue 27 Oct 08:30: 7h + 30m of office time, past P1's 4h resolution,
    // reached around the clock at Sun 25 Oct 02:00 CEST (the first one), long before.
    let mut ev = ev.to_vec();
    ev.push(PolicyChanged { at: at(&office, "2026-10-27 08:30"), targets: p1, calendar: 0 });
    let c = compute_on(&p1_policy, &cals, &ev, at(&office, "2026-10-27 09:00"));
    let r = c.resolution.unwrap();
    assert_eq!((r.state, r.elapsed_ms), (SlaState::Breached, 7 * HOUR + HOUR));
    assert_eq!(show(&always, r.due.unwrap()), "2026-10-25 02:00 CEST");
}

/// Issue 16: how late a target was met, and how long ago it breached, in real time
/// since the due instant (the queue's measure), never "breached … ago" for a met one.
#[test]
fn late_and_breached_targets_say_how_late_in_real_time() {
    let cal = berlin_office();
    // Created Mon 09:00: first response (4h) due 09-12, 13-14 → 14:00.
    let created = Created { at: at(&cal, "2026-03-09 09:00") };
    let reply = PublicReply { at: at(&cal, "2026-03-09 14:38") };
    let c = compute(&p2(), &cal, &[created, reply], at(&cal, "2026-03-09 15:00"));
    let fr = c.first_response.unwrap();
    assert_eq!(show(&cal, fr.due.unwrap()), "2026-03-09 14:00 CET");
    assert_eq!(describe_target(&fr, cal.day_ms()), "met 38m late");
    assert!(summary(&c, cal.day_ms()).starts_with("first response met 38m late · "), "{}", summary(&c, 8 * HOUR));
    // Answered on Saturday a deadline of Friday 17:00: no business time passed, but
    // 17 real hours did.
    let fri = Created { at: at(&cal, "2026-03-13 13:00") };
    let c =
        compute(&p2(), &cal, &[fri, PublicReply { at: at(&cal, "2026-03-14 10:00") }], at(&cal, "2026-03-14 11:00"));
    assert_eq!(describe_target(&c.first_response.unwrap(), cal.day_ms()), "met 17h late");
    // Unanswered: breached, counted in 24-hour days and, from 60 days, weeks (the
    // queue shows -12w for the same).
    let c = compute(&p2(), &cal, &[created], at(&cal, "2026-03-11 16:00"));
    assert_eq!(describe_target(&c.first_response.unwrap(), cal.day_ms()), "breached 2d 2h ago");
    assert!(summary(&c, cal.day_ms()).starts_with("first response breached 2d 2h ago (BREACHED)"));
    let c = compute(&p2(), &cal, &[created], at(&cal, "2026-06-05 14:00"));
    let fr = c.first_response.unwrap();
    assert_eq!(describe_target(&fr, cal.day_ms()), "breached 12w 3d ago");
    assert_eq!(crate::domain::time::until(fr.due.unwrap(), at(&cal, "2026-06-05 14:00")), "-12w");
    assert_eq!(describe_target(&c.resolution.unwrap(), cal.day_ms()).split(' ').next(), Some("breached"));
}
