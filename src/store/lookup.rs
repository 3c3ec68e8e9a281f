//! Candidate lookups for the console's pickers: bounded queries, never a whole table.
//! Ranking (fuzzy scoring) happens in the caller; these only fetch candidates.

use rusqlite::params;
use uuid::Uuid;

use super::query::{ASSET_COLS, PERSON_COLS, asset_row, like_escape, person_row};
use super::{Result, Store};
use crate::domain::asset::Asset;
use crate::domain::person::{Person, Role};

impl Store {
    /// People whose name, e-mail or login contains the characters of `text` in order
    /// (`jdoe` finds "Jane Doe"): the candidates a fuzzy ranking chooses from. At most
    /// `limit`; names containing `text` as typed first.
    pub fn people_matching(&self, text: &str, role: Option<Role>, limit: u32) -> Result<Vec<Person>> {
        let t = text.trim();
        let sql = format!(
            "SELECT {PERSON_COLS} FROM people
             WHERE (name || ' ' || coalesce(email, '') || ' ' || coalesce(login, '')) LIKE ?1 ESCAPE '\\'
               AND (?3 IS NULL OR role = ?3)
             ORDER BY (name LIKE ?2 ESCAPE '\\') DESC, name COLLATE NOCASE LIMIT {limit}"
        );
        let any = format!("%{}%", like_escape(t));
        self.collect(&sql, params![subsequence(t), any, role.map(|r| r.as_str())], person_row)
    }

    /// Assets whose tag, hostname, serial, model or holder contain the characters of
    /// `text` in order (`lt43` finds LT-0043): candidates for fuzzy ranking. One pass in
    /// SQLite, at most `limit` rows come back.
    pub fn assets_matching(&self, text: &str, limit: u32) -> Result<Vec<Asset>> {
        let sql = format!(
            "SELECT {ASSET_COLS} FROM assets s LEFT JOIN people p ON p.id = s.holder
             WHERE s.deleted = 0 AND (s.tag || ' ' || coalesce(s.hostname, '') || ' ' || coalesce(s.serial, '') || ' '
               || coalesce(s.model, '') || ' ' || coalesce(p.name, '')) LIKE ?1 ESCAPE '\\'
             LIMIT {limit}"
        );
        self.collect(&sql, [subsequence(text.trim())], asset_row)
    }

    /// The agent groups: those agents belong to (agents are few; people are scanned by role).
    pub fn agent_groups(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT DISTINCT groups FROM people WHERE role <> 'requester' AND groups IS NOT NULL")
            .map_err(|e| self.classify(e))?;
        let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(|e| self.classify(e))?;
        let mut out: Vec<String> = Vec::new();
        for g in rows {
            for one in g.map_err(|e| self.classify(e))?.split(',') {
                let one = one.trim();
                if !one.is_empty() && !out.iter().any(|o| o == one) {
                    out.push(one.to_string());
                }
            }
        }
        out.sort_by_key(|s| s.to_lowercase());
        Ok(out)
    }

    /// Categories in use on the most recent `window` tickets (bounded: a range scan of
    /// the newest rows, not the whole table).
    pub fn recent_categories(&self, window: u32) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT DISTINCT category FROM (SELECT category FROM tickets ORDER BY rowid DESC LIMIT {window})
             WHERE category IS NOT NULL AND category != '' ORDER BY category COLLATE NOCASE"
        );
        self.collect(&sql, [], |r| r.get(0))
    }
}

/// A LIKE pattern matching `text`'s characters in order with anything between them.
pub(super) fn subsequence(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        p.push_str(&like_escape(&c.to_string()));
        p.push('%');
    }
    p
}

impl Store {
    /// The site of a person (for routing rules), if known.
    pub fn person_site(&self, id: crate::domain::ids::PersonId) -> Result<Option<String>> {
        Ok(self.person(id).ok().and_then(|p| p.record.site))
    }
}

impl Store {
    /// Views saved in the store (not deleted), by name.
    pub fn saved_views(&self) -> Result<Vec<crate::domain::op::ViewRecord>> {
        self.collect("SELECT name, filter, sort FROM views WHERE deleted = 0 ORDER BY name COLLATE NOCASE", [], |r| {
            Ok(crate::domain::op::ViewRecord { name: r.get(0)?, filter: r.get(1)?, sort: r.get(2)?, deleted: false })
        })
    }
}

impl Store {
    /// The ticket this store created as provisional `#~k`, whatever its number is now: a
    /// provisional number keeps naming its ticket after the shared store issued the
    /// final one (scripts that kept `~3` go on working). Looked up in the op log: the
    /// `ticket.new` ops of this store's replica (and of the replicas it wrote as before a
    /// `sync rejoin`, up to where they stopped being its own), from where it joined.
    pub fn provisional_ticket(&self, k: u64) -> Result<Option<crate::domain::ids::TicketId>> {
        use rusqlite::OptionalExtension;
        let mut ranges: Vec<(Uuid, i64, i64)> = vec![(self.replica().0, 0, i64::MAX)];
        for former in self.sync_value("former_replicas")?.unwrap_or_default().split_whitespace() {
            let Some((id, until)) = former.split_once(':') else { continue };
            if let (Ok(id), Ok(until)) = (Uuid::parse_str(id), until.parse::<i64>()) {
                ranges.push((id, 0, until));
            }
        }
        let from: i64 = self.sync_value("joined_counter")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        let tag = crate::domain::ids::TicketNumber::provisional(k).plain();
        for (replica, lo, hi) in ranges {
            let lo = if replica == self.replica().0 { from.max(lo) } else { lo };
            let found: Option<Uuid> = self
                .conn()
                .prepare_cached(
                    "SELECT o.entity FROM ops o JOIN replicas r ON r.idx = o.replica
                     WHERE r.id = ?1 AND o.counter > ?2 AND o.counter < ?3 AND o.kind = 'ticket.new'
                       AND json_extract(o.payload, '$.number') = ?4
                       AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = o.entity AND t.deleted = 0)
                     LIMIT 1",
                )
                .and_then(|mut s| s.query_row(params![replica, lo, hi, tag], |r| r.get(0)).optional())
                .map_err(|e| self.classify(e))?;
            if let Some(id) = found {
                return Ok(Some(crate::domain::ids::TicketId(id)));
            }
        }
        Ok(None)
    }
}
