//! SLA clocks kept with the store: computed from each ticket's op history and the SLA
//! configuration (policies and business calendars), cached in the `sla` table for the
//! open tickets so that a queue can be classified, filtered and sorted by time to
//! breach with plain comparisons. The cache is derived data, like a search index: it
//! is recomputed when a ticket or the configuration changes, never folded from ops.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{Result, Store};
use crate::domain::ids::TicketId;
use crate::domain::op::Payload;
use crate::domain::sla::{self, SlaClock, SlaEvent, SlaFacts, SlaPolicy, SlaState};
use crate::domain::sla_config::SlaSetup;
use crate::domain::ticket::{EntryKind, Priority, Status, TicketField, TicketType};

/// What identifies a ticket's state for its SLA: when any of it changes, the clock is
/// computed again.
const VERSION: &str = "t.updated_at || ':' || t.entry_count || ':' || t.status || ':' || t.priority || ':' || \
                       t.type || ':' || coalesce(t.category, '') || ':' || coalesce(t.grp, '')";

/// What chooses a ticket's policy: priority, type, category, group, VIP requester.
type Facts = (Priority, TicketType, Option<String>, Option<String>, bool);

/// The policy a ticket started under, its SLA events and the names of the calendars
/// they measure in.
type History = (SlaPolicy, Vec<SlaEvent>, Vec<String>);

/// A ticket's live SLA: the policy, its clock, and the calendar's business-day length
/// (for "3d left").
#[derive(Debug, Clone, PartialEq)]
pub struct TicketSla {
    pub policy: String,
    pub clock: SlaClock,
    pub day_ms: i64,
}

/// How the open tickets stand, from the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaCounts {
    pub at_risk: u64,
    pub breached: u64,
}

fn state_name(s: SlaState) -> &'static str {
    match s {
        SlaState::Ok => "ok",
        SlaState::AtRisk { .. } => "at-risk",
        SlaState::Breached => "breached",
        SlaState::Met => "met",
        SlaState::Paused => "paused",
    }
}

impl Store {
    /// The policy a ticket starts under, its SLA events and the names of the calendars
    /// they measure in (the first policy's first; [`SlaEvent::PolicyChanged`] indexes
    /// them), from its op history. The policy's name is the one in force now.
    fn sla_history(&self, setup: &SlaSetup, id: TicketId) -> Result<Option<History>> {
        let ops = self.entity_ops(id.0)?;
        let mut events = Vec::new();
        let mut facts: Option<Facts> = None;
        let mut status = Status::New;
        let mut first: Option<SlaPolicy> = None;
        let mut current: Option<String> = None;
        let mut calendars: Vec<String> = Vec::new();
        let matched = |f: &Facts| {
            let facts =
                SlaFacts { priority: f.0, kind: f.1, category: f.2.as_deref(), group: f.3.as_deref(), vip: f.4 };
            sla::match_policy(&setup.policies, &facts).cloned()
        };
        for op in ops {
            let at = op.hlc.millis();
            match &op.payload {
                Payload::TicketNew(r) => {
                    let vip = match r.requester {
                        Some(p) => self.person(p).map(|p| p.record.vip).unwrap_or(false),
                        None => false,
                    };
                    let f = (r.priority, r.kind, r.category.clone(), r.group.clone(), vip);
                    let Some(p) = matched(&f) else { return Ok(None) };
                    current = Some(p.name.clone());
                    calendars = vec![p.calendar.clone()];
                    first = Some(p);
                    facts = Some(f);
                    status = r.status;
                    events.push(SlaEvent::Created { at });
                    if r.status != Status::New {
                        events.push(SlaEvent::StatusChanged { at, from: Status::New, to: r.status });
                    }
                }
                Payload::TicketSet(s) => {
                    let Some(f) = facts.as_mut() else { continue };
                    let to = s.to.clone();
                    match s.field {
                        TicketField::Status => {
                            if let Some(to) = to.and_then(|v| v.parse::<Status>().ok())
                                && to != status
                            {
                                events.push(SlaEvent::StatusChanged { at, from: status, to });
                                status = to;
                            }
                            continue;
                        }
                        TicketField::Priority => {
                            if let Some(p) = to.and_then(|v| v.parse::<Priority>().ok()) {
                                f.0 = p;
                            }
                        }
                        TicketField::Type => {
                            if let Some(k) = to.and_then(|v| v.parse::<TicketType>().ok()) {
                                f.1 = k;
                            }
                        }
                        TicketField::Category => f.2 = to,
                        TicketField::Group => f.3 = to,
                        _ => continue,
                    }
                    // A field that chooses the policy changed: new targets from now on.
                    if let Some(p) = matched(f)
                        && current.as_deref() != Some(p.name.as_str())
                    {
                        current = Some(p.name.clone());
                        let calendar = match calendars.iter().position(|c| *c == p.calendar) {
                            Some(i) => i,
                            None => {
                                calendars.push(p.calendar.clone());
                                calendars.len() - 1
                            }
                        };
                        events.push(SlaEvent::PolicyChanged { at, targets: p.targets, calendar });
                    }
                }
                Payload::TicketEntry(e) => events.push(match e.kind {
                    EntryKind::Reply => SlaEvent::PublicReply { at },
                    EntryKind::Note => SlaEvent::InternalNote { at },
                }),
                _ => {}
            }
        }
        let Some(mut p) = first else { return Ok(None) };
        // The name shown is the policy in force now.
        if let Some(name) = current {
            p.name = name;
        }
        Ok(Some((p, events, calendars)))
    }

    /// A ticket's SLA now, computed from its history (`None`: no policy applies).
    pub fn ticket_sla(&self, setup: &SlaSetup, id: TicketId) -> Result<Option<TicketSla>> {
        if setup.policies.is_empty() {
            return Ok(None);
        }
        let Some((policy, events, names)) = self.sla_history(setup, id)? else { return Ok(None) };
        // Each stretch of the history in the calendar of the policy in force then.
        let Some(cals) = names.iter().map(|n| setup.calendar(n)).collect::<Option<Vec<_>>>() else {
            return Ok(None);
        };
        let clock = sla::compute_on(&policy, &cals, &events, self.now_ms());
        // Business days ("3d left") of the policy in force now.
        let now_cal = setup.policies.iter().find(|p| p.name == policy.name).and_then(|p| setup.calendar(&p.calendar));
        let day_ms = now_cal.unwrap_or(cals[0]).day_ms();
        Ok(Some(TicketSla { policy: policy.name, clock, day_ms }))
    }

    /// Bring the cached clocks of the open tickets up to date: those changed since the
    /// last refresh (a range of the `(active, updated_at)` index: cheap when little
    /// changed), everything when the configuration changed (`fingerprint` differs).
    /// Returns how many clocks were computed.
    pub fn refresh_sla(&mut self, setup: &SlaSetup, fingerprint: &str) -> Result<usize> {
        self.refresh_sla_with(setup, fingerprint, false)
    }

    /// As [`Store::refresh_sla`], but checking every open ticket's state against its
    /// clock (what a sync that brought in old changes needs; `tix sla status` and the
    /// console's start do this).
    pub fn refresh_sla_full(&mut self, setup: &SlaSetup, fingerprint: &str) -> Result<usize> {
        self.refresh_sla_with(setup, fingerprint, true)
    }

    fn refresh_sla_with(&mut self, setup: &SlaSetup, fingerprint: &str, full: bool) -> Result<usize> {
        if self.read_only().is_some() {
            return Ok(0); // a cache: a store opened read-only shows the clocks as last kept
        }
        let path = self.path.clone();
        let err = |e| super::classify(&path, e);
        let meta = |k: &str| -> Result<Option<String>> {
            self.conn().query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0)).optional().map_err(err)
        };
        let known = meta("sla_config")?;
        let watermark: Option<i64> = meta("sla_watermark")?.and_then(|v| v.parse().ok());
        let full = full || known.as_deref() != Some(fingerprint) || watermark.is_none();
        if known.as_deref() != Some(fingerprint) {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
            tx.execute("DELETE FROM sla", []).map_err(err)?;
            tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('sla_config', ?1)", [fingerprint])
                .map_err(err)?;
            tx.execute("DELETE FROM meta WHERE key = 'sla_watermark'", []).map_err(err)?;
            tx.commit().map_err(err)?;
        }
        if setup.policies.is_empty() {
            return Ok(0);
        }
        // Where to look: every open ticket, or those changed since the watermark (a
        // ticket closed since is dropped from the cache).
        let since = if full { i64::MIN } else { watermark.unwrap_or(i64::MIN) };
        if full {
            self.conn()
                .execute(
                    "DELETE FROM sla WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.rowid = sla.ticket AND t.active = 1)",
                    [],
                )
                .map_err(err)?;
        } else {
            self.conn()
                .execute(
                    "DELETE FROM sla WHERE ticket IN
                     (SELECT rowid FROM tickets WHERE active = 0 AND updated_at >= ?1)",
                    [since],
                )
                .map_err(err)?;
        }
        let (stale, newest): (Vec<(i64, TicketId, String)>, Option<i64>) = {
            let sql = format!(
                "SELECT t.rowid, t.id, {VERSION}, t.updated_at FROM tickets t LEFT JOIN sla s ON s.ticket = t.rowid
                 WHERE t.active = 1 AND t.updated_at >= ?1 AND (s.version IS NULL OR s.version != {VERSION})"
            );
            let mut st = self.conn().prepare_cached(&sql).map_err(err)?;
            let mut newest: Option<i64> = None;
            let mut out = Vec::new();
            let mut rows = st.query([since]).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                let updated: i64 = r.get(3).map_err(err)?;
                newest = Some(newest.map_or(updated, |n: i64| n.max(updated)));
                out.push((r.get(0).map_err(err)?, TicketId(r.get(1).map_err(err)?), r.get(2).map_err(err)?));
            }
            (out, newest)
        };
        for chunk in stale.chunks(2_000) {
            let mut rows = Vec::with_capacity(chunk.len());
            for (rowid, id, version) in chunk {
                rows.push((*rowid, version.clone(), self.ticket_sla(setup, *id)?));
            }
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
            {
                let mut ins = tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO sla(ticket, version, policy, next_kind, next_due, warn_at,
                         response_due, update_due, resolution_due, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    )
                    .map_err(err)?;
                for (rowid, version, t) in rows {
                    let Some(t) = t else {
                        // No policy applies: remember that, so it is not asked again.
                        ins.execute(params![
                            rowid,
                            version,
                            "",
                            None::<String>,
                            None::<i64>,
                            None::<i64>,
                            None::<i64>,
                            None::<i64>,
                            None::<i64>,
                            "none"
                        ])
                        .map_err(err)?;
                        continue;
                    };
                    let c = &t.clock;
                    let next = c.most_urgent();
                    let due = |x: Option<&sla::TargetClock>| x.filter(|x| x.is_open()).and_then(|x| x.due);
                    let state = c.worst_open_state().map(state_name).unwrap_or("met");
                    ins.execute(params![
                        rowid,
                        version,
                        t.policy,
                        next.map(|(k, _)| k.label()),
                        next.and_then(|(_, x)| x.due),
                        next.and_then(|(_, x)| x.warn_at),
                        due(c.first_response.as_ref()),
                        due(c.next_update.as_ref()),
                        due(c.resolution.as_ref()),
                        state,
                    ])
                    .map_err(err)?;
                }
            }
            tx.commit().map_err(err)?;
        }
        // Changes up to the newest seen are in; the next refresh starts there (a second's
        // overlap: changes in the same millisecond are not lost).
        let newest = match (full, newest) {
            (_, Some(n)) => Some(n),
            // A full pass that found nothing to do: the newest open ticket marks the spot.
            (true, None) => self
                .conn()
                .query_row("SELECT max(updated_at) FROM tickets WHERE active = 1", [], |r| r.get::<_, Option<i64>>(0))
                .map_err(err)?,
            (false, None) => None,
        };
        if let Some(n) = newest {
            let mark = n.saturating_sub(1_000).max(watermark.unwrap_or(i64::MIN));
            self.conn()
                .execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('sla_watermark', ?1)", [mark.to_string()])
                .map_err(err)?;
        }
        Ok(stale.len())
    }

    /// Open tickets at risk and breached now, from the cache.
    pub fn sla_counts(&self) -> Result<SlaCounts> {
        let now = self.now_ms();
        self.conn()
            .query_row(
                "SELECT count(*) FILTER (WHERE next_due <= ?1),
                        count(*) FILTER (WHERE next_due > ?1 AND warn_at <= ?1)
                 FROM sla WHERE next_due IS NOT NULL",
                [now],
                |r| Ok(SlaCounts { breached: r.get::<_, i64>(0)? as u64, at_risk: r.get::<_, i64>(1)? as u64 }),
            )
            .map_err(|e| self.classify(e))
    }

    /// SLA compliance over the tickets resolved in [from, to): (with a resolution
    /// target, met on time). Computed from each one's history.
    pub fn sla_compliance(&self, setup: &SlaSetup, from: i64, to: i64) -> Result<(u64, u64)> {
        if setup.policies.is_empty() {
            return Ok((0, 0));
        }
        let ids: Vec<TicketId> = self.collect(
            "SELECT id FROM tickets WHERE resolved_at >= ?1 AND resolved_at < ?2 AND deleted = 0",
            params![from, to],
            |r| Ok(TicketId(r.get(0)?)),
        )?;
        let (mut measured, mut met) = (0, 0);
        for id in ids {
            if let Some(t) = self.ticket_sla(setup, id)?
                && let Some(r) = t.clock.resolution
                && r.met_at.is_some()
            {
                measured += 1;
                if r.state == SlaState::Met {
                    met += 1;
                }
            }
        }
        Ok((measured, met))
    }
}
