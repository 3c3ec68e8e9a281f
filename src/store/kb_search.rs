//! KB search that answers questions. A query's words (normalised, stop words dropped,
//! synonyms from the config added, typos fixed) are matched *any* of them, not all;
//! the best few hundred by bm25 (title weighted) are ranked again by what a person
//! means by "this answers it": how much of the query (weighted by rarity) an article
//! covers, in its title above all, how close together the words stand, whether the
//! title is about just this (`tar` before `git get-tar-commit-id`).
//!
//! Articles also get short ids: their number in this store (`KB-12`).

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::query::{ARTICLE_COLS, ArticleHit, Segment, segments};
use super::search::{Term, correct, parse_terms};
use super::{Result, Store};
use crate::domain::ids::ArticleId;
use crate::domain::kb::Article;
use crate::domain::text;

/// How many passages bm25 hands to the second ranking.
const CANDIDATES: u32 = 200;
/// Word frequencies are counted up to this many passages.
const COMMON: i64 = 2_000;
/// Candidates are selected by the rarest words whose passages add up to at most this.
const BUDGET: i64 = 2_000;
/// Passages per article in the index (rowid = article rowid << PASSAGE_BITS | passage).
pub(super) const PASSAGE_BITS: u32 = 10;

/// Weights of the second ranking (see [`Features::score`]), set on the labelled sets of
/// `examples/kb_bench.rs` (which are small: read them as a sensible start, not a fit).
const W_BM25: f64 = 2.0;
const W_COVER: f64 = 1.0;
const W_ARTICLE: f64 = 1.0;
const W_TITLE: f64 = 0.3;
const W_FOCUS: f64 = 0.3;
const W_NEAR: f64 = 0.5;
/// The article's other matching passages (their bm25, summed, damped).
const W_REST: f64 = 0.6;

/// A KB search's answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KbResults {
    pub hits: Vec<ArticleHit>,
    /// "showing results for …", when a word was corrected.
    pub notice: Option<String>,
}

/// What the second ranking knows of one passage (a paragraph or list item and the title).
#[derive(Debug, Default, Clone)]
struct Features {
    bm25: f64,
    /// Share of the query's weight (idf) the passage has, title included.
    cover: f64,
    /// Share of the query's weight the article has in any of its candidate passages.
    article: f64,
    /// Share of the query's weight in the title.
    title: f64,
    /// Share of the title's words that the query asked for.
    focus: f64,
    /// How tightly the matched words stand together in the passage (1: side by side).
    near: f64,
}

impl Features {
    fn score(&self, bm25_max: f64) -> f64 {
        W_BM25 * (self.bm25 / bm25_max.max(1e-9))
            + W_COVER * self.cover
            + W_ARTICLE * self.article
            + W_TITLE * self.title
            + W_FOCUS * self.focus * self.title
            + W_NEAR * self.near
    }
}

/// Whether an indexed word is a form of a query word (the index stems; this is the
/// light check of the second ranking: a shared stem of 3 letters or more, at most 3
/// letters of ending apart). A prefix term matches any word it starts.
fn same_word(term: &str, prefix: bool, word: &str) -> bool {
    if prefix {
        return word.starts_with(term);
    }
    let cp = term.chars().zip(word.chars()).take_while(|(a, b)| a == b).count();
    let longest = term.chars().count().max(word.chars().count());
    term == word || (cp >= 3 && cp + 3 >= longest)
}

/// An article's passages: paragraphs, list items and headings (a code block is a
/// paragraph of its own: joined to the item before it, its placeholders diluted the
/// item's words and ranked worse on the benchmark). At most `1 << PASSAGE_BITS`; the
/// rest joins the last one.
pub(super) fn passages(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        if !cur.trim().is_empty() {
            out.push(cur.trim().to_string());
        }
        cur.clear();
    };
    for line in body.lines() {
        let t = line.trim_start();
        let item = t.starts_with("- ") || t.starts_with("* ") || t.starts_with('#') || t.starts_with("> ");
        if t.is_empty() || item {
            flush(&mut cur, &mut out);
        }
        cur.push_str(t);
        cur.push('\n');
    }
    flush(&mut cur, &mut out);
    let max = 1usize << PASSAGE_BITS;
    if out.len() > max {
        let rest = out.split_off(max - 1).join("\n");
        out.push(rest);
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

impl Store {
    /// KB search, best first (no synonyms, whole words).
    pub fn kb_search(&self, text: &str, limit: u32) -> Result<Vec<ArticleHit>> {
        Ok(self.kb_find(text, limit, &[], false)?.hits)
    }

    /// KB search with the config's synonym groups; `live` matches the last word as a
    /// prefix (the console's search as you type).
    pub fn kb_find(&self, text: &str, limit: u32, synonyms: &[Vec<String>], live: bool) -> Result<KbResults> {
        let mut terms = parse_terms(text, live);
        let corrected = correct(self.conn(), "kb_terms", &mut terms).map_err(|e| self.classify(e))?;
        let notice = super::search::TextQuery { terms: vec![], corrected }.notice();
        if terms.is_empty() {
            return Ok(KbResults { hits: vec![], notice });
        }
        let exprs: Vec<String> = terms.iter().map(|t| with_synonyms(t, synonyms)).collect();
        let ranked = self.rank(&terms, &exprs, synonyms, limit).map_err(|e| self.classify(e))?;
        let hits = self.kb_hits(text, live, &ranked).map_err(|e| self.classify(e))?;
        Ok(KbResults { hits, notice })
    }

    /// Candidate passages by bm25 over any of the words, then ranked again by
    /// [`Features`]; an article scores as its best passage. Returns (article rowid, score).
    fn rank(
        &self,
        terms: &[Term],
        exprs: &[String],
        synonyms: &[Vec<String>],
        limit: u32,
    ) -> rusqlite::Result<Vec<(i64, f64)>> {
        let c = self.conn();
        // Each word's weight: how rare it is among passages (counted up to a cap, so a
        // common word costs no more than a rare one).
        // How many passages there are: kept in meta by the write path (a count of an FTS5
        // table walks all of it).
        let n: f64 = c
            .prepare_cached("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'kb_passages'), 1)")?
            .query_row([], |r| r.get::<_, i64>(0))?
            .max(1) as f64;
        let mut df_st = c.prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT 1 FROM kb_terms WHERE kb_terms MATCH ?1 LIMIT {COMMON})"
        ))?;
        let mut df = Vec::with_capacity(exprs.len());
        for e in exprs {
            df.push(df_st.query_row([e], |r| r.get::<_, i64>(0))?);
        }
        let idf: Vec<f64> = df.iter().map(|&d| (1.0 + n / (d as f64).max(1.0)).ln()).collect();
        let total: f64 = idf.iter().sum::<f64>().max(1e-9);
        // Candidates: passages with every word, and passages with any of the rarest words
        // up to a budget of postings (a common word only ranks, it does not select), so a
        // search costs about the same whatever the words.
        let mut order: Vec<usize> = (0..exprs.len()).filter(|&i| df[i] > 0).collect();
        order.sort_by_key(|&i| df[i]);
        let (mut select, mut spent) = (Vec::new(), 0);
        for i in order {
            if !select.is_empty() && spent + df[i] > BUDGET {
                break;
            }
            spent += df[i];
            select.push(exprs[i].as_str());
        }
        let mut queries = vec![select.join(" OR ")];
        if exprs.len() > 1 {
            queries.push(exprs.join(" AND "));
        }
        let mut seen = std::collections::HashSet::new();
        let mut cands: Vec<(i64, String, String)> = Vec::new();
        for q in queries.iter().filter(|q| !q.is_empty()) {
            let mut st = c.prepare_cached(&format!(
                "SELECT rowid, title, body FROM kb_terms WHERE kb_terms MATCH ?1 ORDER BY rank LIMIT {CANDIDATES}"
            ))?;
            let rows = st.query_map([q], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))?;
            for r in rows {
                let r = r?;
                if seen.insert(r.0) {
                    cands.push(r);
                }
            }
        }
        if cands.is_empty() {
            return Ok(vec![]);
        }
        // The forms each query word may take: itself and its synonyms.
        let forms: Vec<Vec<String>> = terms
            .iter()
            .map(|t| {
                let mut f = vec![t.text.clone()];
                for g in synonyms {
                    let norm: Vec<String> = g.iter().map(|w| text::query_terms(w).join("")).collect();
                    if norm.contains(&t.text) {
                        f.extend(norm.into_iter().filter(|w| *w != t.text && !w.is_empty()));
                    }
                }
                f
            })
            .collect();
        let hit = |i: usize, word: &str| forms[i].iter().any(|f| same_word(f, terms[i].prefix, word));
        let mut feats: Vec<(i64, Features, Vec<bool>)> = Vec::with_capacity(cands.len());
        for (rowid, title, body) in &cands {
            let tw: Vec<&str> = title.split(' ').filter(|w| !w.is_empty()).collect();
            let bw: Vec<&str> = body.split(' ').filter(|w| !w.is_empty()).collect();
            let mut f = Features::default();
            let mut matched = vec![false; terms.len()];
            let mut in_title = 0usize;
            for i in 0..terms.len() {
                let t_tf = tw.iter().filter(|w| hit(i, w)).count() as f64;
                let b_tf = bw.iter().filter(|w| hit(i, w)).count() as f64;
                // BM25 (k1 1.2, b 0.75, passages of about 20 words), the title 4×.
                let tf = 4.0 * t_tf + b_tf;
                let len = (4 * tw.len() + bw.len()) as f64;
                f.bm25 += idf[i] * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / 30.0));
                if t_tf > 0.0 {
                    f.title += idf[i] / total;
                    in_title += 1;
                }
                if t_tf + b_tf > 0.0 {
                    f.cover += idf[i] / total;
                    matched[i] = true;
                }
            }
            f.focus = (in_title as f64 / query_words(title).max(1) as f64).min(1.0);
            f.near = nearness(&bw, terms.len(), &hit);
            feats.push((*rowid >> PASSAGE_BITS, f, matched));
        }
        // What each article covers over all its candidate passages.
        let mut article: HashMap<i64, Vec<bool>> = HashMap::new();
        for (a, _, m) in &feats {
            let e = article.entry(*a).or_insert_with(|| vec![false; terms.len()]);
            e.iter_mut().zip(m).for_each(|(x, y)| *x |= *y);
        }
        let bmax = feats.iter().map(|f| f.1.bm25).fold(0.0, f64::max);
        // An article scores as its best passage, plus a little for the rest of its matches.
        let mut best: HashMap<i64, (f64, f64)> = HashMap::new();
        for (a, mut f, _) in feats {
            f.article = article[&a].iter().zip(&idf).filter(|(m, _)| **m).map(|(_, w)| w / total).sum();
            let s = f.score(bmax);
            let e = best.entry(a).or_insert((f64::MIN, 0.0));
            e.0 = e.0.max(s);
            e.1 += f.bm25 / bmax.max(1e-9);
        }
        let mut ranked: Vec<(i64, f64)> =
            best.into_iter().map(|(a, (top, sum))| (a, top + W_REST * sum.ln_1p())).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit as usize);
        Ok(ranked)
    }

    /// Hits for ranked rowids: id, title, number and a snippet of the body with the typed
    /// words marked (from the articles' own text).
    fn kb_hits(&self, text: &str, live: bool, ranked: &[(i64, f64)]) -> rusqlite::Result<Vec<ArticleHit>> {
        let c = self.conn();
        let words: Vec<String> = text
            .split(|ch: char| !ch.is_alphanumeric())
            .filter(|w| !w.is_empty() && !crate::domain::stopwords::is_stop(&text::fold(w)))
            .map(|w| format!("\"{w}\""))
            .collect();
        let mut raw = words.join(" OR ");
        if live && !raw.is_empty() {
            raw.push('*');
        }
        let mut out = Vec::with_capacity(ranked.len());
        for &(rowid, score) in ranked {
            let (id, title, num, body): (ArticleId, String, Option<i64>, String) = c
                .prepare_cached(
                    "SELECT a.id, a.title, n.num, substr(a.body, 1, 400) FROM articles a
                     LEFT JOIN article_numbers n ON n.id = a.id WHERE a.rowid = ?1",
                )?
                .query_row([rowid], |r| Ok((ArticleId(r.get(0)?), r.get(1)?, r.get(2)?, r.get(3)?)))?;
            let snip: Option<String> = if raw.is_empty() {
                None
            } else {
                c.prepare_cached(
                    "SELECT snippet(articles_fts, 1, char(2), char(3), '…', 16) FROM articles_fts
                     WHERE articles_fts MATCH ?1 AND rowid = ?2",
                )?
                .query_row(params![raw, rowid], |r| r.get(0))
                .optional()
                .unwrap_or(None)
            };
            let snippet = match snip.filter(|s| s.contains('\u{2}')) {
                Some(s) => segments(&s),
                None => {
                    let lead: String = body
                        .lines()
                        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                        .flat_map(|l| [l.trim(), " "])
                        .collect::<String>()
                        .chars()
                        .take(120)
                        .collect();
                    vec![Segment { text: lead.trim_end().to_string(), hit: false }]
                }
            };
            out.push(ArticleHit { id, title, snippet, score, num: num.unwrap_or(0) as u64 });
        }
        Ok(out)
    }

    /// The plain baseline the benchmark compares against: SQLite FTS5 over the articles'
    /// own text, any word (OR), ranked by bm25 with the title weighted.
    pub fn kb_baseline(&self, text: &str, limit: u32) -> Result<Vec<ArticleId>> {
        let words: Vec<String> = text
            .split(|ch: char| !ch.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{w}\""))
            .collect();
        if words.is_empty() {
            return Ok(vec![]);
        }
        self.collect(
            &format!(
                "SELECT a.id FROM articles_fts f JOIN articles a ON a.rowid = f.rowid WHERE articles_fts MATCH ?1
                 ORDER BY bm25(articles_fts, 10.0, 1.0) LIMIT {limit}"
            ),
            [words.join(" OR ")],
            |r| Ok(ArticleId(r.get(0)?)),
        )
    }

    /// Articles a key may name: `KB-12` or `12` (the store's number), an exact title or
    /// source path, or an id prefix (4 hex digits or more). More than one: ambiguous.
    pub fn article_candidates(&self, key: &str) -> Result<Vec<(u64, Article)>> {
        let k = key.trim();
        let num = k.strip_prefix("KB-").or_else(|| k.strip_prefix("kb-")).unwrap_or(k).parse::<i64>().ok();
        let hex: String = k.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
        let hex_ok = hex.len() >= 4 && hex.chars().all(|c| c.is_ascii_hexdigit());
        let sql = format!(
            "SELECT coalesce(n.num, 0), {cols} FROM articles a LEFT JOIN article_numbers n ON n.id = a.id
             WHERE a.deleted = 0 AND (n.num = ?1 OR a.title = ?2 COLLATE NOCASE OR a.source = ?2
               OR (?3 AND lower(hex(a.id)) LIKE ?4))
             ORDER BY (n.num = ?1) DESC, n.num LIMIT 20",
            cols = ARTICLE_COLS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ")
        );
        let found: Vec<(u64, Article)> = self.collect(&sql, params![num, k, hex_ok, format!("{hex}%")], |r| {
            Ok((r.get::<_, i64>(0)? as u64, article_row_at1(r)?))
        })?;
        // A number or an exact title or path names one article even if an id prefix
        // happens to match others.
        if let Some(one) = found.iter().find(|(n, _)| num.is_some() && Some(*n as i64) == num) {
            return Ok(vec![one.clone()]);
        }
        let exact: Vec<_> = found
            .iter()
            .filter(|(_, a)| a.record.title.eq_ignore_ascii_case(k) || a.record.source.as_deref() == Some(k))
            .cloned()
            .collect();
        Ok(if exact.len() == 1 { exact } else { found })
    }
}

/// `article_row` for rows whose article columns start at column 1.
fn article_row_at1(r: &rusqlite::Row<'_>) -> rusqlite::Result<Article> {
    // ARTICLE_COLS: id, title, body, tags, category, internal, source, updated_at
    use crate::domain::kb::ArticleRecord;
    Ok(Article {
        id: ArticleId(r.get(1)?),
        record: ArticleRecord {
            title: r.get(2)?,
            body: r.get(3)?,
            tags: r.get::<_, Option<String>>(4)?.map(|g| g.split(',').map(String::from).collect()).unwrap_or_default(),
            category: r.get(5)?,
            internal: r.get(6)?,
            source: r.get(7)?,
        },
        updated_at: r.get(8)?,
    })
}

/// How many words a title has, as a query would count them.
fn query_words(title: &str) -> usize {
    title.split(' ').filter(|w| !w.is_empty()).count()
}

/// 1 when the matched query words stand side by side, less as they spread: the share
/// of the shortest stretch of `words` holding every matched query word that they fill.
fn nearness(words: &[&str], n: usize, hit: &dyn Fn(usize, &str) -> bool) -> f64 {
    let marks: Vec<(usize, usize)> =
        words.iter().enumerate().flat_map(|(p, w)| (0..n).filter(move |&i| hit(i, w)).map(move |i| (p, i))).collect();
    let distinct = {
        let mut d: Vec<usize> = marks.iter().map(|m| m.1).collect();
        d.sort_unstable();
        d.dedup();
        d.len()
    };
    if distinct < 2 {
        return 0.0;
    }
    // Sliding window over the marks for the shortest span with every distinct word.
    let mut count = vec![0usize; n];
    let (mut have, mut lo, mut best) = (0, 0, usize::MAX);
    for hi in 0..marks.len() {
        if count[marks[hi].1] == 0 {
            have += 1;
        }
        count[marks[hi].1] += 1;
        while have == distinct {
            best = best.min(marks[hi].0 - marks[lo].0 + 1);
            count[marks[lo].1] -= 1;
            if count[marks[lo].1] == 0 {
                have -= 1;
            }
            lo += 1;
        }
    }
    (distinct as f64 / best as f64).min(1.0)
}

/// A term's FTS5 expression with its synonyms: `("wifi" OR "wireless" OR "wlan")`.
fn with_synonyms(t: &Term, synonyms: &[Vec<String>]) -> String {
    let mut alts = vec![quoted(t)];
    for group in synonyms {
        let norm: Vec<String> = group.iter().map(|g| text::query_terms(g).join(" ")).collect();
        if norm.contains(&t.text) {
            for g in norm.into_iter().filter(|g| *g != t.text && !g.is_empty()) {
                let alt = format!("\"{g}\"");
                if !alts.contains(&alt) {
                    alts.push(alt);
                }
            }
        }
    }
    if alts.len() == 1 { alts.remove(0) } else { format!("({})", alts.join(" OR ")) }
}

fn quoted(t: &Term) -> String {
    format!("\"{}\"{}", t.text, if t.prefix { "*" } else { "" })
}

impl Store {
    /// Bring the KB ranking index up to date when the store opens (after an upgrade).
    pub(super) fn catch_up_kb(&mut self) -> Result<()> {
        let tx = self.conn().unchecked_transaction().map_err(|e| self.classify(e))?;
        sync_kb(&tx).map_err(|e| self.classify(e))?;
        tx.commit().map_err(|e| self.classify(e))
    }
}

/// Bring the KB ranking index in step with the articles changed since (`kb_dirty`, filled
/// by triggers). Called by the write path before each commit.
pub(crate) fn sync_kb(c: &Connection) -> rusqlite::Result<()> {
    let dirty: Vec<i64> = {
        let mut st = c.prepare_cached("SELECT rowid FROM kb_dirty")?;
        st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    let bits = PASSAGE_BITS;
    let mut changed = false;
    for rowid in dirty {
        c.prepare_cached("DELETE FROM kb_terms WHERE rowid BETWEEN ?1 AND ?2")?
            .execute([rowid << bits, (rowid << bits) | ((1 << bits) - 1)])?;
        let row: Option<(String, String)> = c
            .prepare_cached("SELECT title, body FROM articles WHERE rowid = ?1 AND deleted = 0")?
            .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((title, body)) = row {
            let title = text::index_terms(&title);
            for (i, p) in passages(&body).iter().enumerate() {
                c.prepare_cached("INSERT INTO kb_terms(rowid, title, body) VALUES (?1, ?2, ?3)")?
                    .execute(rusqlite::params![(rowid << bits) | i as i64, title, text::index_terms(p)])?;
            }
        }
        c.prepare_cached("DELETE FROM kb_dirty WHERE rowid = ?1")?.execute([rowid])?;
        changed = true;
    }
    if changed {
        // The number of passages, for KB ranking's word weights (counting an FTS5 table
        // at search time would walk all of it).
        c.execute("INSERT OR REPLACE INTO meta(key, value) SELECT 'kb_passages', count(*) FROM kb_terms_docsize", [])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_widen_a_term() {
        let t = Term { text: "wifi".into(), prefix: false, quoted: false };
        let groups = vec![vec!["Wi-Fi".to_string(), "wireless".into(), "WLAN".into()]];
        assert_eq!(with_synonyms(&t, &groups), "(\"wifi\" OR \"wireless\" OR \"wlan\")");
        assert_eq!(with_synonyms(&t, &[]), "\"wifi\"");
    }

    #[test]
    fn passages_words_and_nearness() {
        let p =
            passages("# tar\n\n> Archiving utility.\n\n- Extract an archive:\n\n`tar xf a.tar`\n\nPlain\nparagraph");
        assert_eq!(p, ["# tar", "> Archiving utility.", "- Extract an archive:", "`tar xf a.tar`", "Plain\nparagraph"]);
        assert!(same_word("compressed", false, "compress") && same_word("directories", false, "directory"));
        assert!(!same_word("port", false, "portable") && same_word("troub", true, "troubleshooting"));
        let words = ["extract", "a", "compressed", "archive", "x", "archive"];
        let hit = |i: usize, w: &str| [["extract"], ["archive"]][i].contains(&w);
        assert_eq!(nearness(&words, 2, &hit), 2.0 / 4.0);
    }
}
