//! Text search: the one query path for ticket words (console filter, `ticket list
//! --text/-q`, saved views), typo tolerance, and the upkeep of the search indexes.
//! KB ranking is in `kb_search.rs`.
//!
//! Text goes through [`text::index_terms`] before it enters an index and through
//! [`text::query_terms`] when it is asked for, so every spelling of a compound meets.
//! A query's words must all match (stemmed); the last word also matches as a prefix
//! (3 letters or more, answered by the index's prefix index); stop words are dropped
//! when other words remain; a word of five letters or more that matches nothing is
//! replaced by the indexed word one edit away that most tickets have, and the caller
//! is told ("showing results for outlook").

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::query::{ROW_COLS, TicketQuery, TicketRow, ticket_row};
use super::{Result, Sort, Store};
use crate::domain::stopwords;
use crate::domain::text;

type QueryKey = (std::path::PathBuf, i64, u64, String);

thread_local! {
    /// The last text query resolved on this thread, by store, store version and text.
    static LAST_QUERY: std::cell::RefCell<Option<(QueryKey, TextQuery)>> = const { std::cell::RefCell::new(None) };
}

/// A word of this many letters or more that matches nothing is retried with typos fixed.
pub const TYPO_MIN: usize = 5;
/// The last word matches as a prefix from this many letters (the prefix index's sizes).
pub const PREFIX_MIN: usize = 3;

/// One word of a query, as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub prefix: bool,
    /// From a quoted phrase (never dropped as a stop word, never corrected).
    pub quoted: bool,
}

impl Term {
    fn fts(&self) -> String {
        format!("\"{}\"{}", self.text, if self.prefix { "*" } else { "" })
    }
}

/// What a typed text asks the index for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextQuery {
    pub terms: Vec<Term>,
    /// Words replaced by a near word the index has: (typed, used).
    pub corrected: Vec<(String, String)>,
}

impl TextQuery {
    /// The FTS5 expression: every term (AND).
    pub fn fts(&self) -> Option<String> {
        (!self.terms.is_empty()).then(|| self.terms.iter().map(Term::fts).collect::<Vec<_>>().join(" "))
    }

    /// "showing results for outlook", when a word was corrected.
    pub fn notice(&self) -> Option<String> {
        (!self.corrected.is_empty()).then(|| {
            let used: Vec<&str> = self.corrected.iter().map(|(_, u)| u.as_str()).collect();
            format!("showing results for {}", used.join(" "))
        })
    }
}

/// Parse typed text into terms: quoted phrases keep their words; other words are
/// normalised, stop words dropped (unless nothing else is left), and the last word
/// becomes a prefix (`last_prefix`, from [`PREFIX_MIN`] letters). Pure.
pub fn parse_terms(text: &str, last_prefix: bool) -> Vec<Term> {
    let mut terms: Vec<Term> = Vec::new();
    let mut rest = text;
    let mut ends_quoted = false;
    let free = |s: &str, terms: &mut Vec<Term>| {
        let s = s.replace('*', " ");
        terms.extend(text::query_terms(&s).into_iter().map(|t| Term { text: t, prefix: false, quoted: false }));
    };
    while let Some(open) = rest.find('"') {
        let Some(len) = rest[open + 1..].find('"') else { break };
        free(&rest[..open], &mut terms);
        let phrase = &rest[open + 1..open + 1 + len];
        terms.extend(text::query_terms(phrase).into_iter().map(|t| Term { text: t, prefix: false, quoted: true }));
        rest = &rest[open + 1 + len + 1..];
        ends_quoted = rest.trim().is_empty();
    }
    free(&rest.replace('"', " "), &mut terms);
    if terms.iter().any(|t| t.quoted || !stopwords::is_stop(&t.text)) {
        terms.retain(|t| t.quoted || !stopwords::is_stop(&t.text));
    }
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| seen.insert(t.text.clone()));
    if let Some(t) =
        terms.last_mut().filter(|t| last_prefix && !ends_quoted && !t.quoted && t.text.chars().count() >= PREFIX_MIN)
    {
        t.prefix = true;
    }
    terms
}

/// Fix typos in `terms` against an FTS5 table: a word of [`TYPO_MIN`] letters or more
/// that matches nothing becomes the variant one edit away that the most rows have.
pub(super) fn correct(c: &Connection, table: &str, terms: &mut [Term]) -> rusqlite::Result<Vec<(String, String)>> {
    let exists_sql = format!("SELECT rowid FROM {table} WHERE {table} MATCH ?1 LIMIT 1");
    let vocab_table = if table == "tickets_fts" { "tickets_vocab" } else { "kb_vocab" };
    // The KB keeps its words as written (`kb_words`): a near word is a plain look-up.
    let words = table == "kb_terms";
    let count_sql = format!("SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH ?1 LIMIT 1000)");
    let mut out = Vec::new();
    for t in terms.iter_mut() {
        // A last word past the prefix index's sizes that is already a whole indexed word
        // is asked for as that word: a long prefix merges every word it starts, which
        // costs far more than one word, and stemming finds its forms anyway.
        if t.prefix && t.text.chars().count() > 4 {
            let sql = if words {
                "SELECT 1 FROM kb_words WHERE word = ?1".to_string()
            } else {
                format!("SELECT 1 FROM {vocab_table} WHERE term = ?1")
            };
            let mut known = c.prepare_cached(&sql)?;
            if known.query_row([&t.text], |_| Ok(())).optional()?.is_some() {
                t.prefix = false;
                continue;
            }
        }
        if t.quoted || t.text.chars().count() < TYPO_MIN || !t.text.chars().all(char::is_alphanumeric) {
            continue;
        }
        let mut exists = c.prepare_cached(&exists_sql)?;
        if exists.query_row([t.fts()], |_| Ok(())).optional()?.is_some() {
            continue;
        }
        // The index's own words first (one look-up each, the most used wins); a word
        // whose stem differs from it is found by the slower probes below.
        let variants = text::one_edit_variants(&t.text, t.prefix);
        if words {
            if let Some(v) = near_word(c, &variants, t.prefix)? {
                out.push((std::mem::replace(&mut t.text, v.clone()), v));
            }
            continue;
        }
        let mut vocab = c.prepare_cached(&format!("SELECT doc FROM {vocab_table} WHERE term = ?1"))?;
        let mut best: Option<(i64, String)> = None;
        for v in &variants {
            if let Some(n) = vocab.query_row([v], |r| r.get::<_, i64>(0)).optional()?
                && best.as_ref().is_none_or(|(b, _)| n > *b)
            {
                best = Some((n, v.clone()));
            }
        }
        if let Some((_, v)) = best {
            // An indexed word: asked for whole (see above).
            out.push((std::mem::replace(&mut t.text, v.clone()), v));
            t.prefix = false;
            continue;
        }
        // Whole words first: a prefix is stemmed before it is looked up (`outloe*` is
        // `outlo*`), so a prefix variant may "match" without being a word.
        let mut found: Vec<Term> = Vec::new();
        for prefix in [false, true] {
            if !found.is_empty() || (prefix && !t.prefix) {
                break;
            }
            for v in &variants {
                let probe = Term { text: v.clone(), prefix, quoted: false };
                if exists.query_row([probe.fts()], |_| Ok(())).optional()?.is_some() {
                    found.push(probe);
                }
            }
        }
        let mut best: Option<(i64, String)> = None;
        let mut count = c.prepare_cached(&count_sql)?;
        for probe in found {
            let (n, v): (i64, String) = (count.query_row([probe.fts()], |r| r.get(0))?, probe.text);
            if best.as_ref().is_none_or(|(b, _)| n > *b) {
                best = Some((n, v));
            }
        }
        if let Some((_, v)) = best {
            out.push((std::mem::replace(&mut t.text, v.clone()), v));
        }
    }
    Ok(out)
}

/// The KB word one edit away that the most articles have (`kb_words`); for a prefix,
/// the variant that starts the most used word.
fn near_word(c: &Connection, variants: &[String], prefix: bool) -> rusqlite::Result<Option<String>> {
    let mut whole = c.prepare_cached("SELECT n FROM kb_words WHERE word = ?1")?;
    let mut starts = c.prepare_cached("SELECT max(n) FROM kb_words WHERE word >= ?1 AND word < ?1 || char(1114111)")?;
    let mut best: Option<(i64, &String)> = None;
    for v in variants {
        let n: Option<i64> = if prefix {
            starts.query_row([v], |r| r.get(0))?
        } else {
            whole.query_row([v], |r| r.get(0)).optional()?
        };
        if let Some(n) = n
            && best.is_none_or(|(b, _)| n > b)
        {
            best = Some((n, v));
        }
    }
    Ok(best.map(|(_, v)| v.clone()))
}

impl Store {
    /// What `text` asks the ticket index for, typos corrected (the same for every caller).
    /// The last answer is kept per thread until the store changes (a page, its count and
    /// its notice ask for the same text in a row).
    pub fn ticket_text_query(&self, text: &str) -> Result<TextQuery> {
        let version: i64 =
            self.conn().query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(|e| self.classify(e))?;
        let key = (self.path().to_path_buf(), version, self.conn().total_changes(), text.to_string());
        if let Some(q) = LAST_QUERY.with(|l| l.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, q)| q.clone())) {
            return Ok(q);
        }
        let mut terms = parse_terms(text, true);
        let corrected = correct(self.conn(), "tickets_fts", &mut terms).map_err(|e| self.classify(e))?;
        let q = TextQuery { terms, corrected };
        LAST_QUERY.with(|l| *l.borrow_mut() = Some((key, q.clone())));
        Ok(q)
    }

    /// "showing results for …" for a query's text, when a word of it was corrected.
    pub fn text_notice(&self, q: &TicketQuery) -> Result<Option<String>> {
        match q.text.as_deref() {
            Some(t) => Ok(self.ticket_text_query(t)?.notice()),
            None => Ok(None),
        }
    }

    /// A page of tickets matching the query's text, in the query's sort.
    pub(super) fn text_queue(&self, q: &TicketQuery, text: &str) -> Result<Vec<TicketRow>> {
        let Some(m) = self.ticket_text_query(text)?.fts() else { return Ok(vec![]) };
        if q.sort == Sort::Newest {
            // Newest first is the index's own order: stream, and stop at the page's end.
            let mut rows = Vec::new();
            let want = q.offset + q.limit.max(1) as u64;
            let mut seen = 0u64;
            self.text_matches(q, &m, |row| {
                seen += 1;
                if seen > q.offset {
                    rows.push(row);
                }
                seen < want
            })?;
            return Ok(rows);
        }
        // The matches are gathered once; the tickets are walked in the sort's own index
        // order (`+ 0` keeps SQLite from looking each match up and sorting them all).
        let mut args = Vec::new();
        let w = self.where_clause(q, &mut args);
        args.push(Value::Text(m));
        let sql = format!(
            "SELECT {ROW_COLS} FROM tickets t
             LEFT JOIN people r ON r.id = t.requester LEFT JOIN people a ON a.id = t.assignee
             WHERE t.rowid + 0 IN (SELECT rowid >> {bits} FROM tickets_fts WHERE tickets_fts MATCH ?{n}) AND {w}
             ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            bits = super::fts::SLOT_BITS,
            n = args.len(),
            order = Self::order_clause(q.sort),
            limit = q.limit.max(1),
            offset = q.offset
        );
        let mut st = self.conn().prepare_cached(&sql).map_err(|e| self.classify(e))?;
        let rows = st.query_map(params_from_iter(args), ticket_row).map_err(|e| self.classify(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.classify(e))
    }

    /// Count text matches up to `cap`: (count, exact).
    pub(super) fn text_count(&self, q: &TicketQuery, text: &str, cap: u64) -> Result<(u64, bool)> {
        let Some(m) = self.ticket_text_query(text)?.fts() else { return Ok((0, true)) };
        let mut n = 0;
        self.text_matches(q, &m, |_| {
            n += 1;
            n < cap
        })?;
        Ok((n, n < cap))
    }

    /// Walk full-text matches newest first, one per ticket, keeping those that pass the
    /// other filters, until `keep` says stop. The index holds one row per ticket text
    /// and per timeline entry (rowid = ticket << 12 | slot), so a ticket's rows are
    /// adjacent. Candidates are checked against the filters in chunks, by rowid.
    fn text_matches(&self, q: &TicketQuery, m: &str, mut keep: impl FnMut(TicketRow) -> bool) -> Result<()> {
        const CHUNK: usize = 256;
        let marks = (1..=CHUNK).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        let mut args: Vec<Value> = vec![Value::Integer(-1); CHUNK];
        let w = self.where_clause(q, &mut args);
        let check_sql = format!(
            "SELECT {ROW_COLS} FROM tickets t
             LEFT JOIN people r ON r.id = t.requester LEFT JOIN people a ON a.id = t.assignee
             WHERE t.rowid IN ({marks}) AND {w} ORDER BY t.rowid DESC"
        );
        let mut check = self.conn().prepare_cached(&check_sql).map_err(|e| self.classify(e))?;
        let mut hits = self
            .conn()
            .prepare_cached("SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?1 ORDER BY rowid DESC")
            .map_err(|e| self.classify(e))?;
        let mut rows = hits.query([m]).map_err(|e| self.classify(e))?;
        let mut last = -1i64;
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut done = false;
        let mut run_chunk = |chunk: &mut Vec<i64>, args: &mut Vec<Value>| -> Result<bool> {
            for (i, slot) in args.iter_mut().take(CHUNK).enumerate() {
                *slot = Value::Integer(chunk.get(i).copied().unwrap_or(-1));
            }
            chunk.clear();
            let found = check
                .query_map(params_from_iter(args.iter()), ticket_row)
                .and_then(|r| r.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| self.classify(e))?;
            Ok(found.into_iter().all(&mut keep))
        };
        while let Some(r) = rows.next().map_err(|e| self.classify(e))? {
            let ticket = r.get::<_, i64>(0).map_err(|e| self.classify(e))? >> super::fts::SLOT_BITS;
            if ticket == last {
                continue;
            }
            last = ticket;
            chunk.push(ticket);
            if chunk.len() == CHUNK && !run_chunk(&mut chunk, &mut args)? {
                done = true;
                break;
            }
        }
        if !done && !chunk.is_empty() {
            run_chunk(&mut chunk, &mut args)?;
        }
        Ok(())
    }

    /// After migrating: finish a ticket-index rebuild (resumable: each batch commits and
    /// records where the next starts; progress goes to stderr), and bring the KB index
    /// up to date. A read-only store is left as it is.
    pub(super) fn catch_up_search(&mut self) -> Result<()> {
        if self.conn().is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Ok(());
        }
        const BATCH: i64 = 20_000;
        let next: Option<String> = self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'search_reindex'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.classify(e))?;
        if let Some(next) = next {
            let mut from: i64 = next.parse().unwrap_or(0);
            let (max, total): (i64, i64) = self
                .conn()
                .query_row("SELECT coalesce(max(rowid), 0), count(*) FROM tickets", [], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.classify(e))?;
            let bar = (max - from > BATCH)
                .then(|| super::upgrade::Upgrade::new("tix: rebuilding the search index", Some(total.max(0) as u64)));
            while from <= max {
                let to = from + BATCH;
                let tx = self.conn().unchecked_transaction().map_err(|e| self.classify(e))?;
                let ids: Vec<(i64, uuid::Uuid)> =
                    self.collect("SELECT rowid, id FROM tickets WHERE rowid >= ?1 AND rowid < ?2", [from, to], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                for (rowid, id) in ids {
                    super::fts::reindex_all(&tx, rowid, id).map_err(|e| self.classify(e))?;
                }
                super::fts::flush(&tx).map_err(|e| self.classify(e))?;
                tx.execute("UPDATE meta SET value = ?1 WHERE key = 'search_reindex'", [to.to_string()])
                    .map_err(|e| self.classify(e))?;
                tx.commit().map_err(|e| self.classify(e))?;
                from = to;
                if let Some(bar) = &bar {
                    let done: i64 = self
                        .conn()
                        .query_row("SELECT count(*) FROM tickets WHERE rowid < ?1", [from], |r| r.get(0))
                        .map_err(|e| self.classify(e))?;
                    bar.set(done as u64);
                }
            }
            drop(bar);
            // One segment: a rebuilt index answers lookups (and typo probes) fastest.
            self.conn()
                .execute_batch(
                    "INSERT INTO tickets_fts(tickets_fts) VALUES ('optimize');
                     DELETE FROM meta WHERE key = 'search_reindex';",
                )
                .map_err(|e| self.classify(e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(s: &str) -> Option<String> {
        TextQuery { terms: parse_terms(s, true), corrected: vec![] }.fts()
    }

    #[test]
    fn typed_text_becomes_a_safe_fts_query() {
        assert_eq!(fts("printer jam").as_deref(), Some("\"printer\" \"jam\"*"));
        assert_eq!(fts("\"x\" OR y*").as_deref(), Some("\"x\" \"y\""));
        assert_eq!(fts("ber-lt-0042 prin").as_deref(), Some("\"berlt0042\" \"prin\"*"));
        assert_eq!(fts("the printer is jammed").as_deref(), Some("\"printer\" \"jammed\"*"));
        assert_eq!(fts("Wi-Fi").as_deref(), Some("\"wifi\"*"));
        assert_eq!(fts("\"printer jam\"").as_deref(), Some("\"printer\" \"jam\""));
        assert_eq!(fts("  ()  "), None);
    }
}
