//! The outbox, watchers and ratings: folded from `mail.queue`, `mail.state`,
//! `ticket.watch` and `ticket.rating` ops (all on the ticket's entity), and read back in
//! pages through their indexes.
//!
//! A queued message is also indexed as an origin of its ticket (`mail:<Message-ID>`), so
//! that the requester's answer, which names it in In-Reply-To, threads onto the ticket
//! through the same look-up as any other mail, and a copy of it that comes back in is
//! recognised as already known.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use uuid::Uuid;

use super::{Result, Store};
use crate::domain::ids::{ReplicaId, TicketId, TicketNumber};
use crate::domain::mail::{self, MailKind, MailState, OutboundRecord};
use crate::domain::op::{Op, Payload};
use crate::domain::ticket::EntryKind;

/// Fold one mail, watch or rating op. Order-independent per message (last state by HLC).
pub(super) fn fold(c: &Connection, op: &Op) -> rusqlite::Result<usize> {
    let t = op.hlc.millis();
    let hlc = op.hlc.0 as i64;
    match &op.payload {
        Payload::MailQueue(r) => {
            let id = mail::message_id(op.replica, op.counter, &r.domain);
            let record = serde_json::to_string(r).expect("records serialize");
            c.prepare_cached(
                "INSERT INTO origins(key, ticket, hlc, sender) VALUES (?1, ?2, ?3, NULL)
                 ON CONFLICT(key, ticket) DO UPDATE SET hlc = MIN(hlc, excluded.hlc)",
            )?
            .execute(params![format!("mail:{id}"), op.entity, hlc])?;
            c.prepare_cached(
                "INSERT INTO outbox(message_id, ticket, replica, kind, record, queued_at, hlc, state, state_hlc, next_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?7, ?6) ON CONFLICT(message_id) DO NOTHING",
            )?
            .execute(params![id, op.entity, op.replica.0, r.kind.as_str(), record, t, hlc])
        }
        Payload::MailState(s) => c
            .prepare_cached(
                "UPDATE outbox SET state = ?2, state_hlc = ?3, attempts = ?4, next_at = coalesce(?5, next_at),
                   detail = ?6, done_at = CASE WHEN ?2 IN ('sent', 'failed') THEN ?7 ELSE NULL END
                 WHERE message_id = ?1 AND state_hlc <= ?3",
            )?
            .execute(params![s.message_id, s.state.as_str(), hlc, s.attempts, s.next_at, s.detail, t]),
        Payload::TicketWatch(w) => c
            .prepare_cached(
                "INSERT INTO watchers(ticket, address, hlc, removed) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(ticket, address) DO UPDATE SET removed = excluded.removed, hlc = excluded.hlc
                   WHERE excluded.hlc >= watchers.hlc",
            )?
            .execute(params![op.entity, w.address.trim(), hlc, w.removed]),
        Payload::TicketRating(r) => c
            .prepare_cached(
                "INSERT INTO ratings(ticket, score, comment, answers, at, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(ticket) DO UPDATE SET score = excluded.score, comment = excluded.comment,
                   answers = excluded.answers, at = excluded.at, hlc = excluded.hlc WHERE excluded.hlc >= ratings.hlc",
            )?
            .execute(params![op.entity, r.score, r.comment, r.answers, t, hlc]),
        _ => Ok(0),
    }
}

/// Drop a ticket's folded mail rows before it is folded again from the log.
pub(super) fn forget(c: &Connection, ticket: Uuid) -> rusqlite::Result<()> {
    for sql in [
        "DELETE FROM outbox WHERE ticket = ?1",
        "DELETE FROM watchers WHERE ticket = ?1",
        "DELETE FROM ratings WHERE ticket = ?1",
    ] {
        c.prepare_cached(sql)?.execute([ticket])?;
    }
    Ok(())
}

/// One outbound message as folded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outbound {
    /// The Message-ID, without angle brackets.
    pub id: String,
    #[serde(skip)]
    pub ticket_id: TicketId,
    pub ticket: TicketNumber,
    pub kind: MailKind,
    pub state: MailState,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub attempts: u32,
    pub queued_at: i64,
    /// When a queued or retrying message is (next) due.
    pub next_at: i64,
    /// Sent or failed at.
    pub done_at: Option<i64>,
    /// The server's answer, or why it failed or is retrying.
    pub detail: String,
    #[serde(skip)]
    pub replica: ReplicaId,
    #[serde(skip)]
    pub record: OutboundRecord,
}

const COLS: &str = "o.message_id, o.ticket, t.number, o.state, o.attempts, o.queued_at, o.next_at, o.done_at, o.detail, \
                    o.replica, o.record";

fn row(r: &Row<'_>) -> rusqlite::Result<Outbound> {
    let record: String = r.get(10)?;
    let record: OutboundRecord = serde_json::from_str(&record)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(10, rusqlite::types::Type::Text, Box::new(e)))?;
    let state: String = r.get(3)?;
    Ok(Outbound {
        id: r.get(0)?,
        ticket_id: TicketId(r.get(1)?),
        ticket: TicketNumber(r.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64),
        kind: record.kind,
        state: match state.as_str() {
            "sent" => MailState::Sent,
            "failed" => MailState::Failed,
            "retrying" => MailState::Retrying,
            "sending" => MailState::Sending,
            _ => MailState::Queued,
        },
        to: record.to.clone(),
        cc: record.cc.clone(),
        attempts: r.get(4)?,
        queued_at: r.get(5)?,
        next_at: r.get(6)?,
        done_at: r.get(7)?,
        detail: r.get(8)?,
        replica: ReplicaId(r.get(9)?),
        record,
    })
}

/// Counts of the messages not (yet) delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub queued: u64,
    pub retrying: u64,
    pub failed: u64,
}

/// Satisfaction over the resolution notices sent, overall and per agent, group and month.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Satisfaction {
    pub average: Option<f64>,
    pub answers: u64,
    /// Resolution notices sent (the answers' denominator).
    pub asked: u64,
    pub answer_rate: Option<f64>,
    pub by_agent: Vec<SatisfactionRow>,
    pub by_group: Vec<SatisfactionRow>,
    pub by_period: Vec<SatisfactionRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SatisfactionRow {
    pub key: String,
    pub average: f64,
    pub answers: u64,
}

impl Store {
    /// The outbox, oldest first, a page after the cursor `(hlc, message_id)`; `states`
    /// empty means every state.
    pub fn outbox_page(&self, after: Option<(i64, &str)>, limit: usize) -> Result<Vec<(i64, Outbound)>> {
        let (h, m) = after.unwrap_or((i64::MIN, ""));
        let mut st = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {COLS}, o.hlc FROM outbox o LEFT JOIN tickets t ON t.id = o.ticket
                 WHERE (o.hlc, o.message_id) > (?1, ?2) ORDER BY o.hlc, o.message_id LIMIT ?3"
            ))
            .map_err(|e| self.classify(e))?;
        let rows = st
            .query_map(params![h, m, limit as i64], |r| Ok((r.get::<_, i64>(11)?, row(r)?)))
            .map_err(|e| self.classify(e))?;
        rows.collect::<rusqlite::Result<_>>().map_err(|e| self.classify(e))
    }

    /// Messages this replica sends that are due at `now`, a page after `(next_at, id)`.
    pub fn outbox_due(&self, now: i64, after: Option<(i64, &str)>, limit: usize) -> Result<Vec<Outbound>> {
        let (n, m) = after.unwrap_or((i64::MIN, ""));
        let sql = format!(
            "SELECT {COLS} FROM outbox o INDEXED BY outbox_due LEFT JOIN tickets t ON t.id = o.ticket
             WHERE o.replica = ?1 AND o.state IN ('queued', 'retrying', 'sending') AND o.next_at <= ?2
               AND (o.next_at, o.message_id) > (?3, ?4)
             ORDER BY o.next_at, o.message_id LIMIT ?5"
        );
        self.collect(&sql, params![self.replica().0, now, n, m, limit as i64], row)
    }

    pub fn outbox_message(&self, id: &str) -> Result<Option<Outbound>> {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        self.conn()
            .prepare_cached(&format!(
                "SELECT {COLS} FROM outbox o LEFT JOIN tickets t ON t.id = o.ticket WHERE o.message_id = ?1"
            ))
            .and_then(|mut s| s.query_row([id], row).optional())
            .map_err(|e| self.classify(e))
    }

    /// A message's state for the timeline: "queued", "sent", "failed: reason".
    pub fn mail_state_words(&self, id: &str) -> Result<Option<String>> {
        Ok(self.outbox_message(id)?.map(|m| {
            if m.detail.is_empty() || m.state == MailState::Sent {
                m.state.as_str().to_string()
            } else {
                format!("{}: {}", m.state.as_str(), m.detail)
            }
        }))
    }

    /// A public reply's mail state onto the timeline: the last public reply before the
    /// `mail.queue` op (they are written in the same commit).
    pub(super) fn attach_mail_state(
        &self,
        out: &mut [super::TimelineItem],
        replica: ReplicaId,
        counter: u64,
        q: &OutboundRecord,
    ) -> Result<()> {
        if q.kind != MailKind::Reply {
            return Ok(());
        }
        let state = self.mail_state_words(&mail::message_id(replica, counter, &q.domain))?;
        let reply = out.iter_mut().rev().find_map(|i| match &mut i.event {
            super::TimelineEvent::Entry { kind: EntryKind::Reply, requester: false, mail, .. } => Some(mail),
            _ => None,
        });
        if let Some(mail) = reply {
            *mail = state;
        }
        Ok(())
    }

    /// A ticket's outbound messages, oldest first.
    pub fn ticket_outbox(&self, ticket: TicketId) -> Result<Vec<Outbound>> {
        let sql = format!(
            "SELECT {COLS} FROM outbox o LEFT JOIN tickets t ON t.id = o.ticket WHERE o.ticket = ?1 ORDER BY o.hlc"
        );
        self.collect(&sql, [ticket.0], row)
    }

    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        let n = |s: &str| -> Result<u64> {
            self.conn()
                .prepare_cached("SELECT count(*) FROM outbox WHERE state = ?1")
                .and_then(|mut st| st.query_row([s], |r| r.get::<_, i64>(0)))
                .map(|n| n as u64)
                .map_err(|e| self.classify(e))
        };
        Ok(OutboxCounts { queued: n("queued")? + n("sending")?, retrying: n("retrying")?, failed: n("failed")? })
    }

    /// The addresses watching a ticket.
    pub fn watchers(&self, ticket: TicketId) -> Result<Vec<String>> {
        self.collect(
            "SELECT address FROM watchers WHERE ticket = ?1 AND NOT removed ORDER BY address",
            [ticket.0],
            |r| r.get(0),
        )
    }

    /// The ticket's mail thread: the requester's latest message (In-Reply-To) and every
    /// message of the thread, oldest first (References), without angle brackets.
    pub fn mail_thread(&self, ticket: TicketId) -> Result<(Option<String>, Vec<String>)> {
        let last_in: Option<String> = self
            .conn()
            .prepare_cached(
                "SELECT substr(key, 6) FROM origins WHERE ticket = ?1 AND key LIKE 'mail:%' AND sender IS NOT NULL
                 ORDER BY hlc DESC, key DESC LIMIT 1",
            )
            .and_then(|mut s| s.query_row([ticket.0], |r| r.get(0)).optional())
            .map_err(|e| self.classify(e))?;
        // The first message and the 19 latest (RFC 5322 keeps the first in References).
        let ends = |order: &str, n: i64| -> Result<Vec<String>> {
            self.collect(
                &format!(
                    "SELECT substr(key, 6) FROM origins WHERE ticket = ?1 AND key LIKE 'mail:%'
                     ORDER BY hlc {order}, key {order} LIMIT ?2"
                ),
                params![ticket.0, n],
                |r| r.get(0),
            )
        };
        let mut refs = ends("ASC", 1)?;
        let mut latest = ends("DESC", 19)?;
        latest.reverse();
        let first = refs.first().cloned();
        refs.extend(latest.into_iter().filter(|k| Some(k) != first.as_ref()));
        Ok((last_in, refs))
    }

    /// The ticket of a message tix sent (by Message-ID).
    pub fn ticket_of_outbound(&self, id: &str) -> Result<Option<(TicketId, MailKind)>> {
        self.conn()
            .prepare_cached("SELECT ticket, kind FROM outbox WHERE message_id = ?1")
            .and_then(|mut s| {
                s.query_row([id], |r| {
                    Ok((TicketId(r.get(0)?), MailKind::parse(&r.get::<_, String>(1)?).unwrap_or(MailKind::Reply)))
                })
                .optional()
            })
            .map_err(|e| self.classify(e))
    }

    /// A ticket's satisfaction rating, if any: (score, comment).
    pub fn rating(&self, ticket: TicketId) -> Result<Option<(u8, String)>> {
        self.conn()
            .prepare_cached("SELECT score, comment FROM ratings WHERE ticket = ?1")
            .and_then(|mut s| s.query_row([ticket.0], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(|e| self.classify(e))
    }

    /// Satisfaction for ratings given in `[from, to)` (ms), through the `ratings_at` index.
    pub fn satisfaction(&self, from: i64, to: i64) -> Result<Satisfaction> {
        let group = |key: &str| -> Result<Vec<SatisfactionRow>> {
            self.collect(
                &format!(
                    "SELECT {key} AS k, avg(g.score), count(*) FROM ratings g JOIN tickets t ON t.id = g.ticket
                     LEFT JOIN people a ON a.id = t.assignee
                     WHERE g.at >= ?1 AND g.at < ?2 GROUP BY k ORDER BY k"
                ),
                params![from, to],
                |r| Ok(SatisfactionRow { key: r.get(0)?, average: r.get(1)?, answers: r.get::<_, i64>(2)? as u64 }),
            )
        };
        let (average, answers): (Option<f64>, i64) = self
            .conn()
            .prepare_cached("SELECT avg(score), count(*) FROM ratings WHERE at >= ?1 AND at < ?2")
            .and_then(|mut s| s.query_row(params![from, to], |r| Ok((r.get(0)?, r.get(1)?))))
            .map_err(|e| self.classify(e))?;
        let asked: i64 = self
            .conn()
            .prepare_cached(
                "SELECT count(*) FROM outbox INDEXED BY outbox_state
                 WHERE state = 'sent' AND kind = 'resolution' AND hlc >= ?1 AND hlc < ?2",
            )
            .and_then(|mut s| s.query_row(params![from.max(0) << 16, to.clamp(0, i64::MAX >> 16) << 16], |r| r.get(0)))
            .map_err(|e| self.classify(e))?;
        Ok(Satisfaction {
            average,
            answers: answers as u64,
            asked: asked as u64,
            answer_rate: (asked > 0).then(|| answers as f64 / asked as f64),
            by_agent: group("coalesce(a.name, '(unassigned)')")?,
            by_group: group("coalesce(t.grp, '(no group)')")?,
            by_period: group("strftime('%Y-%m', g.at / 1000, 'unixepoch')")?,
        })
    }

    /// Internal KB articles (title, body) whose text has `words` as a phrase (full-text index).
    pub fn internal_articles_with(&self, words: &[&str]) -> Result<Vec<(String, String)>> {
        let phrase: Vec<String> = words.iter().map(|w| format!("\"{}\"", w.replace('"', ""))).collect();
        if phrase.is_empty() {
            return Ok(vec![]);
        }
        self.collect(
            "SELECT a.title, a.body FROM articles_fts f JOIN articles a ON a.rowid = f.rowid
             WHERE articles_fts MATCH ?1 AND a.internal AND NOT a.deleted LIMIT 5",
            [format!("body : ({})", phrase.join(" + "))],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }
}
