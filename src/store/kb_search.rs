//! KB search that answers questions. A query's words (normalised, stop words dropped,
//! synonyms from the config added, typos fixed) are matched *any* of them, not all;
//! the best few hundred by bm25 (title weighted) are ranked again by what a person
//! means by "this answers it": how much of the query (weighted by rarity) an article
//! covers, in its title above all, how close together the words stand, whether the
//! title is about just this (`tar` before `git get-tar-commit-id`).
//!
//! Articles also get short ids: their number in this store (`KB-12`).

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use super::kb_snippet;
use super::query::{ARTICLE_COLS, ArticleHit};
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
/// A commit that changes this many articles or more merges the KB indexes afterwards.
const BULK: usize = 200;
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

/// An article as ranked: its rowid, score and the passage that ranked it.
struct Ranked {
    article: i64,
    score: f64,
    passage: usize,
}

/// The forms each query word may take: itself and its synonyms (normalised).
fn forms(terms: &[Term], synonyms: &[Vec<String>]) -> Vec<Vec<String>> {
    terms
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
        .collect()
}

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
        // The second ranking keeps which words a passage has in 64 bits.
        terms.truncate(64);
        let exprs: Vec<String> = terms.iter().map(|t| with_synonyms(t, synonyms)).collect();
        let forms = forms(&terms, synonyms);
        let hit = |i: usize, word: &str| forms[i].iter().any(|f| same_word(f, terms[i].prefix, word));
        let ranked = self.rank(&terms, &exprs, &hit, limit).map_err(|e| self.classify(e))?;
        let any = |word: &str| (0..terms.len()).any(|i| hit(i, word));
        let hits = self.kb_hits(&ranked, &any).map_err(|e| self.classify(e))?;
        Ok(KbResults { hits, notice })
    }

    /// Candidate passages by bm25 over any of the words, then ranked again by
    /// [`Features`]; an article scores as its best passage. `hit(i, word)`: whether an
    /// indexed word is a form of query word `i`.
    fn rank(
        &self,
        terms: &[Term],
        exprs: &[String],
        hit: &dyn Fn(usize, &str) -> bool,
        limit: u32,
    ) -> rusqlite::Result<Vec<Ranked>> {
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
                "SELECT rowid, title, body FROM kb_terms WHERE rowid IN
                 (SELECT rowid FROM kb_terms WHERE kb_terms MATCH ?1 ORDER BY bm25(kb_terms) LIMIT {CANDIDATES})"
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
        // (passage rowid, its features, which query words it has)
        let mut feats: Vec<(i64, Features, Vec<bool>)> = Vec::with_capacity(cands.len());
        // Which query words each indexed word is a form of (bit i: word i), worked out
        // once per distinct word: candidates share most of their words.
        let mut masks: HashMap<&str, u64> = HashMap::new();
        for (rowid, title, body) in &cands {
            let tw = word_masks(&mut masks, title, terms.len(), hit);
            let bw = word_masks(&mut masks, body, terms.len(), hit);
            let mut f = Features::default();
            let mut matched = vec![false; terms.len()];
            let mut in_title = 0usize;
            for i in 0..terms.len() {
                let t_tf = tw.iter().filter(|m| *m & (1 << i) != 0).count() as f64;
                let b_tf = bw.iter().filter(|m| *m & (1 << i) != 0).count() as f64;
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
            f.near = nearness(&bw, terms.len());
            feats.push((*rowid, f, matched));
        }
        // What each article covers over all its candidate passages.
        let mut article: HashMap<i64, Vec<bool>> = HashMap::new();
        for (p, _, m) in &feats {
            let e = article.entry(*p >> PASSAGE_BITS).or_insert_with(|| vec![false; terms.len()]);
            e.iter_mut().zip(m).for_each(|(x, y)| *x |= *y);
        }
        let bmax = feats.iter().map(|f| f.1.bm25).fold(0.0, f64::max);
        // An article scores as its best passage, plus a little for the rest of its matches.
        // Per article: (best score, its passage, sum of the passages' bm25).
        let mut best: HashMap<i64, (f64, i64, f64)> = HashMap::new();
        for (p, mut f, _) in feats {
            let a = p >> PASSAGE_BITS;
            f.article = article[&a].iter().zip(&idf).filter(|(m, _)| **m).map(|(_, w)| w / total).sum();
            let s = f.score(bmax);
            let e = best.entry(a).or_insert((f64::MIN, p, 0.0));
            if s > e.0 || (s == e.0 && p < e.1) {
                (e.0, e.1) = (s, p);
            }
            e.2 += f.bm25 / bmax.max(1e-9);
        }
        let mut ranked: Vec<Ranked> = best
            .into_iter()
            .map(|(article, (top, p, sum))| Ranked {
                article,
                score: top + W_REST * sum.ln_1p(),
                passage: (p & ((1 << PASSAGE_BITS) - 1)) as usize,
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.article.cmp(&b.article)));
        ranked.truncate(limit as usize);
        Ok(ranked)
    }

    /// Hits for ranked articles: id, title, number and, as the snippet, the passage that
    /// ranked the article with the query's words marked (`hit`: a normalised word is one
    /// the query asked for); an article with no marked passage but its title shows its
    /// first lines.
    fn kb_hits(&self, ranked: &[Ranked], hit: &dyn Fn(&str) -> bool) -> rusqlite::Result<Vec<ArticleHit>> {
        let mut st = self.conn().prepare_cached(
            "SELECT a.id, a.title, n.num, a.body FROM articles a
             LEFT JOIN article_numbers n ON n.id = a.id WHERE a.rowid = ?1",
        )?;
        let mut out = Vec::with_capacity(ranked.len());
        for r in ranked {
            let (id, title, num, body): (ArticleId, String, Option<i64>, String) =
                st.query_row([r.article], |row| Ok((ArticleId(row.get(0)?), row.get(1)?, row.get(2)?, row.get(3)?)))?;
            // The ranked passage, unless it is a heading (the title again): then the first
            // passage of the body with a marked word, else the body's first lines.
            let ps = passages(&body);
            let heading = |p: &&String| p.trim_start().starts_with('#');
            let snippet = ps
                .get(r.passage)
                .filter(|p| !heading(p))
                .and_then(|p| kb_snippet::marked(p, hit))
                .or_else(|| ps.iter().filter(|p| !heading(p)).find_map(|p| kb_snippet::marked(p, hit)))
                .unwrap_or_else(|| kb_snippet::lead(&body));
            out.push(ArticleHit { id, title, snippet, score: r.score, num: num.unwrap_or(0) as u64 });
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

/// For each word of `text`: which of the `n` query words it is a form of (bit i: word
/// i), remembered per distinct word.
fn word_masks<'a>(
    masks: &mut HashMap<&'a str, u64>,
    text: &'a str,
    n: usize,
    hit: &dyn Fn(usize, &str) -> bool,
) -> Vec<u64> {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| *masks.entry(w).or_insert_with(|| (0..n).filter(|&i| hit(i, w)).fold(0, |m, i| m | 1 << i)))
        .collect()
}

/// 1 when the matched query words stand side by side, less as they spread: the share
/// of the shortest stretch of words holding every matched query word that they fill.
/// `words`: for each word of the passage, which of the `n` query words it is a form of.
fn nearness(words: &[u64], n: usize) -> f64 {
    let marks: Vec<(usize, usize)> = words
        .iter()
        .enumerate()
        .flat_map(|(p, m)| (0..n).filter(move |&i| m & (1 << i) != 0).map(move |i| (p, i)))
        .collect();
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
/// by triggers), and the word counts of `kb_words` with it. Called by the write path
/// before each commit.
pub(crate) fn sync_kb(c: &Connection) -> rusqlite::Result<()> {
    let dirty: Vec<i64> = {
        let mut st = c.prepare_cached("SELECT rowid FROM kb_dirty")?;
        st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    let bits = PASSAGE_BITS;
    let mut changed = false;
    // A commit of many articles (an import) leaves both indexes in one segment each:
    // every later search seeks each word once instead of once per segment.
    let bulk = dirty.len() >= BULK;
    for rowid in dirty {
        let (lo, hi) = (rowid << bits, (rowid << bits) | ((1 << bits) - 1));
        // The article's words before, from its indexed passages.
        let mut before: HashSet<String> = HashSet::new();
        {
            let mut st = c.prepare_cached("SELECT title, body FROM kb_terms WHERE rowid BETWEEN ?1 AND ?2")?;
            let mut rows = st.query([lo, hi])?;
            while let Some(r) = rows.next()? {
                for col in 0..2 {
                    before.extend(r.get_ref(col)?.as_str()?.split(' ').filter(|w| !w.is_empty()).map(String::from));
                }
            }
        }
        c.prepare_cached("DELETE FROM kb_terms WHERE rowid BETWEEN ?1 AND ?2")?.execute([lo, hi])?;
        let row: Option<(String, String)> = c
            .prepare_cached("SELECT title, body FROM articles WHERE rowid = ?1 AND deleted = 0")?
            .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let mut after: HashSet<String> = HashSet::new();
        if let Some((title, body)) = row {
            let title = text::index_terms(&title);
            after.extend(title.split(' ').filter(|w| !w.is_empty()).map(String::from));
            for (i, p) in passages(&body).iter().enumerate() {
                let terms = text::index_terms(p);
                after.extend(terms.split(' ').filter(|w| !w.is_empty()).map(String::from));
                c.prepare_cached("INSERT INTO kb_terms(rowid, title, body) VALUES (?1, ?2, ?3)")?
                    .execute(rusqlite::params![lo | i as i64, title, terms])?;
            }
        }
        for gone in before.difference(&after) {
            c.prepare_cached("UPDATE kb_words SET n = n - 1 WHERE word = ?1")?.execute([gone])?;
            c.prepare_cached("DELETE FROM kb_words WHERE word = ?1 AND n <= 0")?.execute([gone])?;
        }
        for new in after.difference(&before) {
            c.prepare_cached("INSERT INTO kb_words(word, n) VALUES (?1, 1) ON CONFLICT(word) DO UPDATE SET n = n + 1")?
                .execute([new])?;
        }
        c.prepare_cached("DELETE FROM kb_dirty WHERE rowid = ?1")?.execute([rowid])?;
        changed = true;
    }
    if changed {
        // The number of passages, for KB ranking's word weights (counting an FTS5 table
        // at search time would walk all of it).
        c.execute("INSERT OR REPLACE INTO meta(key, value) SELECT 'kb_passages', count(*) FROM kb_terms_docsize", [])?;
    }
    if bulk {
        c.execute_batch(
            "INSERT INTO kb_terms(kb_terms) VALUES ('optimize');
             INSERT INTO articles_fts(articles_fts) VALUES ('optimize');",
        )?;
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
        // extract a compressed archive x archive
        let words = [0b01, 0, 0, 0b10, 0, 0b10];
        assert_eq!(nearness(&words, 2), 2.0 / 4.0);
    }
}
