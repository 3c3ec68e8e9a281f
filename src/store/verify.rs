//! `tix store verify`: rebuild the materialized state from the op log alone into a
//! scratch store and compare it, row by row, with this one.

use std::path::Path;

use rusqlite::types::Value;
use serde::Serialize;

use super::{OpenMode, Result, Store, StoreError};

/// What verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub ops: u64,
    /// Rows compared per table.
    pub rows: Vec<(String, u64)>,
    /// Human-readable differences (at most a few per table).
    pub mismatches: Vec<String>,
    pub integrity: String,
    /// The store and side files that group or others may read or write (the data
    /// itself is fine; fix with `tix store secure`).
    pub permissions: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.mismatches.is_empty() && self.integrity == "ok"
    }
}

/// (table name, query). Each query returns the key columns first (`keys` of them),
/// uses identities rather than local rowids, and orders by the key.
const TABLES: &[(&str, usize, &str)] = &[
    ("people", 1, "SELECT id, name, email, login, department, site, phone, vip, role, groups, updated_at FROM people ORDER BY id"),
    (
        "tickets",
        1,
        "SELECT id, number, title, description, requester, assignee, grp, status, type, category, tags, channel,
                urgency, impact, priority, priority_override, created_at, updated_at, first_response_at, resolved_at,
                closed_at, response_due, resolution_due, entry_count, deleted, checklist FROM tickets ORDER BY id",
    ),
    (
        "links",
        4,
        "SELECT t.id, l.target_kind, l.target, l.rel, l.hlc, l.removed FROM links l JOIN tickets t ON t.rowid = l.ticket
         ORDER BY t.id, l.target_kind, l.target, l.rel",
    ),
    (
        "assets",
        1,
        "SELECT id, tag, hostname, serial, model, manufacturer, category, status, holder, location, ip, mac,
                purchase_date, warranty_end, notes, updated_at, deleted FROM assets ORDER BY id",
    ),
    ("articles", 1, "SELECT id, title, body, tags, category, internal, source, updated_at, deleted FROM articles ORDER BY id"),
    ("origins", 2, "SELECT key, ticket, hlc, sender FROM origins ORDER BY key, ticket"),
    (
        "attachments",
        3,
        "SELECT ticket, origin, seq, name, content_type, size, hash, stored FROM attachments ORDER BY ticket, origin, seq",
    ),
    ("attachment_content", 1, "SELECT hash, content FROM attachment_content ORDER BY hash"),
    ("views", 1, "SELECT id, name, filter, sort, deleted, hlc FROM views ORDER BY id"),
    (
        "outbox",
        1,
        "SELECT message_id, ticket, replica, kind, record, queued_at, hlc, state, state_hlc, attempts, next_at, detail,
                done_at FROM outbox ORDER BY message_id",
    ),
    ("watchers", 2, "SELECT ticket, address, hlc, removed FROM watchers ORDER BY ticket, address"),
    ("ratings", 1, "SELECT ticket, score, comment, answers, at, hlc FROM ratings ORDER BY ticket"),
    ("time_spent", 3, "SELECT ticket, hlc, actor, at, minutes FROM time_spent ORDER BY ticket, hlc, actor"),
];

const MAX_REPORTED: usize = 5;

impl Store {
    /// Rebuild from the op log into a scratch store in `scratch_dir` and compare.
    pub fn verify(&self, scratch_dir: &Path) -> Result<VerifyReport> {
        self.verify_into(&scratch_dir.join("tix-verify.db"))
    }

    /// Rebuild from the op log into a new scratch store at `scratch_path` (private, like
    /// every store) and compare.
    pub fn verify_into(&self, scratch_path: &Path) -> Result<VerifyReport> {
        let mut scratch = Store::open_with_clock(scratch_path, OpenMode::Create, self.clock().clone())?;
        // A scratch store is thrown away (or kept to inspect) and made again after a
        // crash: no fsync, a larger cache.
        scratch
            .conn
            .execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;")
            .map_err(|e| scratch.classify(e))?;
        let mut report = VerifyReport::default();
        let mut batch = Vec::with_capacity(50_000);
        self.for_each_op(|op| {
            report.ops += 1;
            batch.push(op);
            if batch.len() == batch.capacity() {
                scratch.ingest(&batch)?;
                batch.clear();
            }
            Ok(())
        })?;
        scratch.ingest(&batch)?;
        for (table, keys, sql) in TABLES {
            let n = compare(self, &scratch, sql, *keys, table, &mut report.mismatches)?;
            report.rows.push((table.to_string(), n));
        }
        report.integrity =
            self.conn().query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)).map_err(|e| self.classify(e))?;
        self.conn()
            .execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)", [])
            .map_err(|_| StoreError::Corrupt("the KB full-text index is out of step with the articles".into()))
            .or_else(|e| {
                report.mismatches.push(e.to_string());
                Ok::<_, StoreError>(0)
            })?;
        report.permissions = crate::fsmode::store_exposure(self.path())
            .iter()
            .map(|e| format!("{} is {} (mode {:04o}): run `tix store secure`", e.path.display(), e.what(), e.mode))
            .collect();
        Ok(report)
    }
}

impl Store {
    /// Compare this store's materialized state with another's, row by row (by identity,
    /// not local rowids). Empty when they are the same: what sync's convergence means.
    pub fn diff_state(&self, other: &Store) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for (table, keys, sql) in TABLES {
            compare(self, other, sql, *keys, table, &mut out)?;
        }
        Ok(out)
    }
}

/// Walk both result sets in key order, reporting rows missing on either side or different.
fn compare(live: &Store, rebuilt: &Store, sql: &str, keys: usize, table: &str, out: &mut Vec<String>) -> Result<u64> {
    let mut a_st = live.conn().prepare(sql).map_err(|e| live.classify(e))?;
    let mut b_st = rebuilt.conn().prepare(sql).map_err(|e| rebuilt.classify(e))?;
    let cols = a_st.column_count();
    let names: Vec<String> = a_st.column_names().map(|s| s.to_string()).collect();
    let mut a = a_st.query([]).map_err(|e| live.classify(e))?;
    let mut b = b_st.query([]).map_err(|e| rebuilt.classify(e))?;
    let read = |rows: &mut rusqlite::Rows<'_>, s: &Store| -> Result<Option<Vec<Value>>> {
        match rows.next().map_err(|e| s.classify(e))? {
            None => Ok(None),
            Some(r) => (0..cols)
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()
                .map(Some)
                .map_err(|e| s.classify(e)),
        }
    };
    let mut ra = read(&mut a, live)?;
    let mut rb = read(&mut b, rebuilt)?;
    let mut n = 0u64;
    let mut reported = 0;
    let mut note = |msg: String, out: &mut Vec<String>| {
        if reported < MAX_REPORTED {
            out.push(msg);
        }
        reported += 1;
    };
    loop {
        match (&ra, &rb) {
            (None, None) => break,
            (Some(x), Some(y)) => {
                let ord = key_cmp(&x[..keys], &y[..keys]);
                match ord {
                    std::cmp::Ordering::Equal => {
                        n += 1;
                        if let Some(i) = (0..cols).find(|&i| x[i] != y[i]) {
                            note(
                                format!(
                                    "{table} {}: {} is {} but the op log gives {}",
                                    show(&x[0]),
                                    names[i],
                                    show(&x[i]),
                                    show(&y[i])
                                ),
                                out,
                            );
                        }
                        ra = read(&mut a, live)?;
                        rb = read(&mut b, rebuilt)?;
                    }
                    std::cmp::Ordering::Less => {
                        note(format!("{table} {}: present but not in the op log", show(&x[0])), out);
                        ra = read(&mut a, live)?;
                    }
                    std::cmp::Ordering::Greater => {
                        note(format!("{table} {}: in the op log but missing", show(&y[0])), out);
                        rb = read(&mut b, rebuilt)?;
                    }
                }
            }
            (Some(x), None) => {
                note(format!("{table} {}: present but not in the op log", show(&x[0])), out);
                ra = read(&mut a, live)?;
            }
            (None, Some(y)) => {
                note(format!("{table} {}: in the op log but missing", show(&y[0])), out);
                rb = read(&mut b, rebuilt)?;
            }
        }
    }
    if reported > MAX_REPORTED {
        out.push(format!("{table}: {} more differences", reported - MAX_REPORTED));
    }
    Ok(n)
}

fn key_cmp(a: &[Value], b: &[Value]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (Value::Blob(p), Value::Blob(q)) => p.cmp(q),
            (Value::Text(p), Value::Text(q)) => p.cmp(q),
            (Value::Integer(p), Value::Integer(q)) => p.cmp(q),
            _ => format!("{x:?}").cmp(&format!("{y:?}")),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => format!("'{}'", crate::domain::text::clean(t)),
        Value::Blob(b) => {
            uuid::Uuid::from_slice(b).map(|u| u.to_string()).unwrap_or_else(|_| format!("{} bytes", b.len()))
        }
    }
}
