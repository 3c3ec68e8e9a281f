//! Long upgrades of a store that run after its migrations, in committed batches that
//! resume where they stopped when interrupted (a kill, a power cut): compressing an op
//! log written before the compact format. Also when a store trains the op log's next
//! dictionary. Progress goes to stderr, only when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::ProgressBar;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params};

use super::oplog::{self, FIRST_DICT_AT, GROWTH};
use super::{Result, Store};

/// Rows per committed batch of the op log's compression.
const BATCH: usize = 5_000;

/// A progress bar on stderr when it is a terminal; nothing otherwise.
pub(super) struct Upgrade(ProgressBar);

impl Upgrade {
    pub fn new(what: &str, total: Option<u64>) -> Upgrade {
        Upgrade(crate::progress_bar::bar(std::io::stderr().is_terminal(), what, total, "{msg} {spinner} {elapsed}"))
    }

    pub fn set(&self, done: u64) {
        self.0.set_position(done);
    }
}

impl Drop for Upgrade {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

impl Store {
    /// The number of ops in the log (a maintained counter, not a scan).
    pub(super) fn log_ops(&self) -> Result<u64> {
        self.counter("ops")
    }

    /// A maintained count (table `counts`, kept by triggers).
    pub(super) fn counter(&self, name: &str) -> Result<u64> {
        self.conn
            .prepare_cached("SELECT n FROM counts WHERE name = ?1")
            .and_then(|mut s| s.query_row([name], |r| r.get::<_, i64>(0)).optional())
            .map(|n| n.unwrap_or(0).max(0) as u64)
            .map_err(|e| self.classify(e))
    }

    /// After a write: once the log has grown enough (10,000 ops, then each time 8× as
    /// many as when the last dictionary was trained), train a new dictionary on the
    /// newest payloads; ops written from then on are compressed with it.
    pub(super) fn maybe_train(&mut self) -> Result<()> {
        if self.read_only.is_some() {
            return Ok(());
        }
        let n = self.log_ops()?;
        let next: u64 = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'oplog_next_dict'")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, String>(0)).optional())
            .map_err(|e| self.classify(e))?
            .and_then(|v| v.parse().ok())
            .unwrap_or(FIRST_DICT_AT);
        if n < next {
            return Ok(());
        }
        self.train_dictionary(n)
    }

    /// Train a dictionary on the newest payloads now (when there is enough to learn from).
    fn train_dictionary(&mut self, n: u64) -> Result<()> {
        let _bar = if n >= 500_000 { Some(Upgrade::new("tix: training the op log's compression", None)) } else { None };
        let tx = self.conn.unchecked_transaction().map_err(|e| self.classify(e))?;
        oplog::train(&tx, &self.codec, n).map_err(|e| self.classify(e))?;
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('oplog_next_dict', ?1)",
            [(n.max(FIRST_DICT_AT) * GROWTH).to_string()],
        )
        .map_err(|e| self.classify(e))?;
        tx.commit().map_err(|e| self.classify(e))
    }

    /// Compress an op log written before the compact format (meta `oplog_compact`: the
    /// last (replica, counter) done), in committed batches; an interrupted run resumes
    /// at the next open. Ops stay readable throughout: a payload is read whichever way
    /// it is stored.
    pub(super) fn catch_up_oplog(&mut self) -> Result<()> {
        if self.read_only.is_some() || self.is_read_only() {
            return Ok(());
        }
        let cursor: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'oplog_compact'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.classify(e))?;
        let Some(cursor) = cursor else { return Ok(()) };
        let total = self.log_ops()?;
        if self.codec.newest_dict().is_none() {
            self.train_dictionary(total)?;
        }
        if self.codec.newest_dict().is_none() {
            // Too little to learn from: the log stays text until it grows.
            return self
                .conn
                .execute("DELETE FROM meta WHERE key = 'oplog_compact'", [])
                .map(drop)
                .map_err(|e| self.classify(e));
        }
        let (mut replica, mut counter) = cursor
            .split_once(':')
            .and_then(|(r, c)| Some((r.parse::<i64>().ok()?, c.parse::<i64>().ok()?)))
            .unwrap_or((0, 0));
        let mut done: u64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM ops WHERE replica < ?1 OR (replica = ?1 AND counter <= ?2)",
                [replica, counter],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| self.classify(e))? as u64;
        let bar = if total > BATCH as u64 {
            let b = Upgrade::new("tix: compressing the op log", Some(total));
            b.set(done);
            Some(b)
        } else {
            None
        };
        loop {
            let tx = self.conn.unchecked_transaction().map_err(|e| self.classify(e))?;
            let mut last = None;
            let mut n = 0usize;
            {
                let mut st = tx
                    .prepare_cached(
                        "SELECT replica, counter, payload FROM ops WHERE (replica, counter) > (?1, ?2)
                         ORDER BY replica, counter LIMIT ?3",
                    )
                    .map_err(|e| self.classify(e))?;
                let mut up = tx
                    .prepare_cached("UPDATE ops SET payload = ?3 WHERE replica = ?1 AND counter = ?2")
                    .map_err(|e| self.classify(e))?;
                let mut rows = st.query(params![replica, counter, BATCH as i64]).map_err(|e| self.classify(e))?;
                while let Some(r) = rows.next().map_err(|e| self.classify(e))? {
                    let (rep, ctr): (i64, i64) =
                        (r.get(0).map_err(|e| self.classify(e))?, r.get(1).map_err(|e| self.classify(e))?);
                    if let Ok(rusqlite::types::ValueRef::Text(t)) = r.get_ref(2)
                        && let Ok(json) = std::str::from_utf8(t)
                        && let v @ Value::Blob(_) = self.codec.encode(json)
                    {
                        up.execute(params![rep, ctr, v]).map_err(|e| self.classify(e))?;
                    }
                    last = Some((rep, ctr));
                    n += 1;
                }
            }
            let Some((rep, ctr)) = last else {
                tx.execute("DELETE FROM meta WHERE key = 'oplog_compact'", []).map_err(|e| self.classify(e))?;
                tx.commit().map_err(|e| self.classify(e))?;
                break;
            };
            tx.execute("UPDATE meta SET value = ?1 WHERE key = 'oplog_compact'", [format!("{rep}:{ctr}")])
                .map_err(|e| self.classify(e))?;
            tx.commit().map_err(|e| self.classify(e))?;
            (replica, counter) = (rep, ctr);
            done += n as u64;
            if let Some(b) = &bar {
                b.set(done);
            }
            #[cfg(debug_assertions)]
            if let Some(stop) = std::env::var("TIX_TEST_STOP_COMPACT_AFTER").ok().and_then(|v| v.parse::<u64>().ok())
                && done >= stop
            {
                // Tests: a kill in the middle of the upgrade.
                std::process::exit(137);
            }
        }
        Ok(())
    }
}
