//! The desk's numbers: backlog by status, priority and group; created vs resolved per
//! day; backlog age; SLA compliance; median response and resolution times; per-agent
//! load. Aggregates in SQLite, a handful of rows out: nothing is loaded whole.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store};
use crate::domain::time::DAY;

/// Counts under a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub label: String,
    pub count: u64,
}

/// One day of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    /// YYYY-MM-DD (UTC).
    pub day: String,
    pub created: u64,
    pub resolved: u64,
    /// Minutes booked on notes and replies that day.
    pub minutes: u64,
}

/// Time booked in the period by one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentTime {
    pub agent: String,
    pub minutes: u64,
}

/// An agent's share of the work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentLoad {
    pub agent: String,
    /// Open tickets assigned now.
    pub open: u64,
    /// Tickets assigned to them that were resolved in the period.
    pub resolved: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The period, [from, to) in ms; "created" and "resolved" figures are within it.
    pub from: i64,
    pub to: i64,
    /// The backlog now.
    pub open: u64,
    pub by_status: Vec<Count>,
    pub by_priority: Vec<Count>,
    pub by_group: Vec<Count>,
    /// The backlog by age: < 1 day, 1–3 days, 3–7 days, 7–30 days, older.
    pub age: Vec<Count>,
    pub days: Vec<Day>,
    pub created: u64,
    pub resolved: u64,
    /// Tickets resolved in the period that had a resolution due time, and how many of
    /// those were resolved by it (`None` when no ticket had one).
    pub sla_measured: u64,
    pub sla_met: u64,
    pub sla_compliance: Option<f64>,
    /// Medians over tickets created in the period, in minutes.
    pub median_first_response_min: Option<f64>,
    pub median_resolution_min: Option<f64>,
    pub agents: Vec<AgentLoad>,
    /// Time booked in the period, per agent (most first), and in all.
    pub time: Vec<AgentTime>,
    pub time_total_min: u64,
    /// Requesters' ratings (answers to resolution notices) given in the period.
    pub satisfaction: super::Satisfaction,
}

impl Store {
    /// The report for [from, to) (ms). Counts of the backlog are as of now.
    pub fn report(&self, from: i64, to: i64) -> Result<Report> {
        let c = self.conn();
        let err = |e| self.classify(e);
        // The backlog: one pass over the open tickets (the `active` index range).
        let now = self.now_ms();
        let mut by_status: Vec<Count> = Vec::new();
        let mut by_priority: Vec<Count> = Vec::new();
        let mut by_group: Vec<Count> = Vec::new();
        const AGES: [(&str, i64); 5] = [
            ("< 1 day", DAY),
            ("1-3 days", 3 * DAY),
            ("3-7 days", 7 * DAY),
            ("7-30 days", 30 * DAY),
            ("> 30 days", i64::MAX),
        ];
        let mut age: Vec<Count> = AGES.iter().map(|(l, _)| Count { label: l.to_string(), count: 0 }).collect();
        let bump = |v: &mut Vec<Count>, label: String| match v.iter_mut().find(|c| c.label == label) {
            Some(c) => c.count += 1,
            None => v.push(Count { label, count: 1 }),
        };
        {
            let mut st = c
                .prepare_cached("SELECT status, priority, grp, created_at FROM tickets WHERE active = 1")
                .map_err(err)?;
            let mut rows = st.query([]).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                bump(&mut by_status, r.get(0).map_err(err)?);
                bump(&mut by_priority, format!("P{}", r.get::<_, i64>(1).map_err(err)?));
                bump(&mut by_group, r.get::<_, Option<String>>(2).map_err(err)?.unwrap_or_else(|| "-".into()));
                let a = now - r.get::<_, i64>(3).map_err(err)?;
                if let Some(i) = AGES.iter().position(|(_, max)| a < *max) {
                    age[i].count += 1;
                }
            }
        }
        by_status.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
        by_priority.sort_by(|a, b| a.label.cmp(&b.label));
        by_group.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
        let open: u64 = by_priority.iter().map(|c| c.count).sum();
        // The period: one sequential pass over the tickets (creation times have no index
        // and the resolved ones need their assignee and due time): created and resolved
        // per day, response and resolution times for the medians, SLA compliance of the
        // resolved, and who resolved them.
        let first_day = from.div_euclid(DAY);
        let last_day = (to - 1).div_euclid(DAY);
        if last_day < first_day || last_day - first_day >= 3_660 {
            return Err(crate::domain::DomainError::Invalid(format!(
                "a report covers one day to ten years ({} days asked)",
                last_day - first_day + 1
            ))
            .into());
        }
        let mut days: Vec<Day> = (first_day..=last_day)
            .map(|d| Day { day: crate::domain::time::iso_date(d * DAY), created: 0, resolved: 0, minutes: 0 })
            .collect();
        let mut responses: Vec<i64> = Vec::new();
        let mut resolutions: Vec<i64> = Vec::new();
        let (mut sla_measured, mut sla_met) = (0u64, 0u64);
        let mut resolved_by: std::collections::HashMap<Option<Vec<u8>>, u64> = Default::default();
        {
            let mut st = c
                .prepare_cached(
                    "SELECT created_at, first_response_at, resolved_at, assignee, resolution_due FROM tickets
                     WHERE deleted = 0 AND ((created_at >= ?1 AND created_at < ?2) OR (resolved_at >= ?1 AND resolved_at < ?2))",
                )
                .map_err(err)?;
            let mut rows = st.query(params![from, to]).map_err(err)?;
            let in_period = |t: i64| t >= from && t < to;
            while let Some(r) = rows.next().map_err(err)? {
                let created: i64 = r.get(0).map_err(err)?;
                let resolved_at: Option<i64> = r.get(2).map_err(err)?;
                if in_period(created) {
                    days[(created.div_euclid(DAY) - first_day) as usize].created += 1;
                    if let Some(t) = r.get::<_, Option<i64>>(1).map_err(err)? {
                        responses.push(t - created);
                    }
                    if let Some(t) = resolved_at {
                        resolutions.push(t - created);
                    }
                }
                if let Some(t) = resolved_at.filter(|t| in_period(*t)) {
                    days[(t.div_euclid(DAY) - first_day) as usize].resolved += 1;
                    *resolved_by.entry(r.get::<_, Option<Vec<u8>>>(3).map_err(err)?).or_default() += 1;
                    if let Some(due) = r.get::<_, Option<i64>>(4).map_err(err)? {
                        sla_measured += 1;
                        if t <= due {
                            sla_met += 1;
                        }
                    }
                }
            }
        }
        let created = days.iter().map(|d| d.created).sum();
        let resolved = days.iter().map(|d| d.resolved).sum();
        let median = |v: &mut Vec<i64>| -> Option<f64> {
            if v.is_empty() {
                return None;
            }
            let mid = v.len() / 2;
            Some(*v.select_nth_unstable(mid).1 as f64 / 60_000.0)
        };
        let median_first_response_min = median(&mut responses);
        let median_resolution_min = median(&mut resolutions);
        // Per agent: open now (the assignee index, grouped by id) and resolved in the
        // period (from the pass above); names looked up for the few agents.
        let mut open_by: std::collections::HashMap<Option<Vec<u8>>, u64> = Default::default();
        {
            let mut st = c
                .prepare_cached("SELECT assignee, count(*) FROM tickets WHERE active = 1 GROUP BY assignee")
                .map_err(err)?;
            let mut rows = st.query([]).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                open_by.insert(r.get(0).map_err(err)?, r.get::<_, i64>(1).map_err(err)? as u64);
            }
        }
        let mut ids: Vec<&Option<Vec<u8>>> = open_by.keys().chain(resolved_by.keys()).collect();
        ids.sort();
        ids.dedup();
        let mut agents: Vec<AgentLoad> = Vec::new();
        for id in ids {
            let Some(bytes) = id else { continue }; // unassigned
            let name: Option<String> = c
                .prepare_cached("SELECT name FROM people WHERE id = ?1")
                .and_then(|mut s| s.query_row([bytes], |r| r.get(0)).optional())
                .map_err(err)?;
            agents.push(AgentLoad {
                agent: name.unwrap_or_else(|| "?".into()),
                open: open_by.get(id).copied().unwrap_or(0),
                resolved: resolved_by.get(id).copied().unwrap_or(0),
            });
        }
        // Time booked: the time_spent index by time.
        let mut time: Vec<AgentTime> = Vec::new();
        {
            let mut st = c
                .prepare_cached("SELECT actor, at, minutes FROM time_spent WHERE at >= ?1 AND at < ?2")
                .map_err(err)?;
            let mut rows = st.query(params![from, to]).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                let actor: String = r.get(0).map_err(err)?;
                let at: i64 = r.get(1).map_err(err)?;
                let m = r.get::<_, i64>(2).map_err(err)?.max(0) as u64;
                if let Some(d) = days.get_mut((at.div_euclid(DAY) - first_day) as usize) {
                    d.minutes += m;
                }
                match time.iter_mut().find(|t| t.agent == actor) {
                    Some(t) => t.minutes += m,
                    None => time.push(AgentTime { agent: actor, minutes: m }),
                }
            }
        }
        time.sort_by(|a, b| b.minutes.cmp(&a.minutes).then_with(|| a.agent.cmp(&b.agent)));
        let time_total_min = time.iter().map(|t| t.minutes).sum();
        agents.sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.agent.cmp(&b.agent)));
        Ok(Report {
            from,
            to,
            open,
            by_status,
            by_priority,
            by_group,
            age,
            days,
            created,
            resolved,
            sla_compliance: (sla_measured > 0).then(|| sla_met as f64 * 100.0 / sla_measured as f64),
            sla_measured,
            sla_met,
            median_first_response_min,
            median_resolution_min,
            agents,
            time,
            time_total_min,
            satisfaction: self.satisfaction(from, to)?,
        })
    }
}

impl Store {
    /// Minutes booked on a ticket in all.
    pub fn ticket_minutes(&self, id: crate::domain::ids::TicketId) -> Result<u64> {
        self.conn()
            .prepare_cached("SELECT coalesce(sum(minutes), 0) FROM time_spent WHERE ticket = ?1")
            .and_then(|mut s| s.query_row([id.0], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(|e| self.classify(e))
    }
}
