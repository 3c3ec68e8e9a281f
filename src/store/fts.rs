//! The ticket full-text index: one row per ticket for title and description (slot 0)
//! and one per timeline entry (slot n), rowid = ticket rowid << SLOT_BITS | slot.
//! Entries are append-only, so adding a note never rewrites the ticket's text.

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::domain::op::EntryRecord;
use crate::domain::text;

pub const SLOT_BITS: u32 = 12;
const MAX_SLOT: i64 = (1 << SLOT_BITS) - 1;

/// Rows wait in a per-connection TEMP table until [`flush`]: FTS5 writes a new index
/// segment for every statement that inserts into it, so one `INSERT … SELECT` per
/// transaction keeps the index in few, large segments. The stage is rolled back with
/// the transaction like any other table.
pub const STAGE_DDL: &str =
    "CREATE TEMP TABLE IF NOT EXISTS fts_stage(rowid INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL)";

pub fn insert(c: &Connection, ticket: i64, slot: i64, title: &str, body: &str) -> rusqlite::Result<()> {
    if slot > MAX_SLOT {
        return Ok(()); // entries past the 4,095th are not indexed
    }
    // Indexed as search sees words (`crate::domain::text::index_terms`).
    let (title, body) = (text::index_terms(title), text::index_terms(body));
    c.prepare_cached("INSERT OR REPLACE INTO temp.fts_stage(rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![(ticket << SLOT_BITS) | slot, title, body])
        .map(drop)
}

/// Move staged rows into the index (once per write transaction).
pub fn flush(c: &Connection) -> rusqlite::Result<()> {
    c.prepare_cached("INSERT INTO tickets_fts(rowid, title, body) SELECT rowid, title, body FROM temp.fts_stage")?
        .execute([])?;
    c.prepare_cached("DELETE FROM temp.fts_stage")?.execute([]).map(drop)
}

fn remove(c: &Connection, from: i64, to: i64) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM tickets_fts WHERE rowid BETWEEN ?1 AND ?2")?.execute([from, to])?;
    c.prepare_cached("DELETE FROM temp.fts_stage WHERE rowid BETWEEN ?1 AND ?2")?.execute([from, to]).map(drop)
}

/// Drop every full-text row of a ticket (before it is folded again).
pub fn remove_ticket(c: &Connection, ticket: i64) -> rusqlite::Result<()> {
    remove(c, ticket << SLOT_BITS, (ticket << SLOT_BITS) | MAX_SLOT)
}

/// Title or description changed: rewrite slot 0.
pub fn reindex_head(c: &Connection, ticket: i64) -> rusqlite::Result<()> {
    remove(c, ticket << SLOT_BITS, ticket << SLOT_BITS)?;
    let row: Option<(String, String, bool)> = c
        .prepare_cached("SELECT title, description, deleted FROM tickets WHERE rowid = ?1")?
        .query_row([ticket], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match row {
        Some((title, description, false)) => insert(c, ticket, 0, &title, &description),
        _ => Ok(()),
    }
}

/// Deleted or restored: drop every row of the ticket, and re-add them unless deleted.
pub fn reindex_all(c: &Connection, ticket: i64, id: Uuid) -> rusqlite::Result<()> {
    remove(c, ticket << SLOT_BITS, (ticket << SLOT_BITS) | MAX_SLOT)?;
    let row: Option<(String, String, bool)> = c
        .prepare_cached("SELECT title, description, deleted FROM tickets WHERE rowid = ?1")?
        .query_row([ticket], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((title, description, false)) = row else { return Ok(()) };
    insert(c, ticket, 0, &title, &description)?;
    let mut st = c.prepare_cached(
        "SELECT op_payload(payload) FROM ops WHERE entity = ?1 AND kind = 'ticket.entry' ORDER BY hlc",
    )?;
    let mut rows = st.query([id])?;
    let mut slot = 0;
    while let Some(r) = rows.next()? {
        if let Ok(e) = serde_json::from_str::<EntryRecord>(&r.get::<_, String>(0)?) {
            slot += 1;
            insert(c, ticket, slot, "", &e.body)?;
        }
    }
    Ok(())
}
