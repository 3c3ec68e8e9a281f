//! KB search that answers questions. A query's words (normalised, stop words dropped,
//! synonyms from the config added, typos fixed) are matched *any* of them, not all;
//! the best few hundred by bm25 (title weighted) are ranked again by what a person
//! means by "this answers it": how much of the query (weighted by rarity) an article
//! covers, in its title above all, how close together the words stand, whether the
//! title is about just this (`tar` before `git get-tar-commit-id`).
//!
//! Articles also get short ids: their number in this store (`KB-12`).

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::query::{ARTICLE_COLS, ArticleHit, Segment, segments};
use super::search::{Term, correct, parse_terms};
use super::{Result, Store};
use crate::domain::ids::ArticleId;
use crate::domain::kb::Article;
use crate::domain::text;

/// How many articles bm25 hands to the second ranking.
const CANDIDATES: u32 = 300;

/// Weights of the second ranking (see [`Features::score`]).
const W_BM25: f64 = 1.0;
const W_COVER: f64 = 2.0;
const W_TITLE: f64 = 1.0;
const W_FOCUS: f64 = 1.0;
const W_NEAR: f64 = 0.6;
const W_ALL_NEAR: f64 = 0.6;

/// A KB search's answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KbResults {
    pub hits: Vec<ArticleHit>,
    /// "showing results for …", when a word was corrected.
    pub notice: Option<String>,
}

/// What the second ranking knows of one candidate.
#[derive(Debug, Default, Clone)]
struct Features {
    bm25: f64,
    /// Share of the query's weight (idf) the article has anywhere.
    cover: f64,
    /// Share of the query's weight in the title.
    title: f64,
    /// Share of the title's words that the query asked for.
    focus: f64,
    /// Share of neighbouring query words that stand near each other.
    near: f64,
    /// All the query's words within a sentence or so.
    all_near: bool,
    /// How many of the query's words the title has.
    title_n: usize,
}

impl Features {
    fn score(&self, bm25_max: f64) -> f64 {
        W_BM25 * (self.bm25 / bm25_max.max(1e-9))
            + W_COVER * self.cover
            + W_TITLE * self.title
            + W_FOCUS * self.focus * self.title
            + W_NEAR * self.near
            + W_ALL_NEAR * f64::from(u8::from(self.all_near))
    }
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
        let ranked = self.rank(&terms, &exprs, limit).map_err(|e| self.classify(e))?;
        let hits = self.kb_hits(text, live, &ranked).map_err(|e| self.classify(e))?;
        Ok(KbResults { hits, notice })
    }

    /// Candidates by bm25 over any of the words, then ranked again by [`Features`].
    fn rank(&self, terms: &[Term], exprs: &[String], limit: u32) -> rusqlite::Result<Vec<(i64, f64)>> {
        let c = self.conn();
        let any = exprs.join(" OR ");
        let mut cands: Vec<(i64, f64)> = {
            let mut st = c.prepare_cached(&format!(
                "SELECT rowid, -bm25(kb_terms, 10.0, 1.0) AS s FROM kb_terms WHERE kb_terms MATCH ?1
                 ORDER BY s DESC LIMIT {CANDIDATES}"
            ))?;
            st.query_map([&any], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
        };
        if cands.is_empty() {
            return Ok(cands);
        }
        let n: f64 = c.prepare_cached("SELECT count(*) FROM kb_terms")?.query_row([], |r| r.get::<_, i64>(0))? as f64;
        let rows = |q: &str| -> rusqlite::Result<Vec<i64>> {
            let mut st = c.prepare_cached("SELECT rowid FROM kb_terms WHERE kb_terms MATCH ?1")?;
            let mut v: Vec<i64> = st.query_map([q], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            v.sort_unstable();
            Ok(v)
        };
        let mut feats: HashMap<i64, Features> =
            cands.iter().map(|&(id, b)| (id, Features { bm25: b, ..Features::default() })).collect();
        // Coverage, anywhere and in the title, each word weighted by its rarity.
        let mut idf_sum = 0.0;
        for e in exprs {
            let all = rows(e)?;
            let idf = (1.0 + n / (all.len() as f64).max(1.0)).ln();
            idf_sum += idf;
            let title = rows(&format!("title : ({e})"))?;
            for (id, f) in feats.iter_mut() {
                if all.binary_search(id).is_ok() {
                    f.cover += idf;
                }
                if title.binary_search(id).is_ok() {
                    f.title += idf;
                    f.title_n += 1;
                }
            }
        }
        // Proximity: neighbouring words near each other; all of them near together.
        let phrases: Vec<String> = terms.iter().map(near_phrase).collect();
        let pairs = phrases.len().saturating_sub(1);
        for w in phrases.windows(2) {
            let near = rows(&format!("NEAR({} {}, 4)", w[0], w[1]))?;
            for (id, f) in feats.iter_mut() {
                if near.binary_search(id).is_ok() {
                    f.near += 1.0 / pairs as f64;
                }
            }
        }
        if phrases.len() >= 3 {
            let near = rows(&format!("NEAR({}, 12)", phrases.join(" ")))?;
            for (id, f) in feats.iter_mut() {
                f.all_near = near.binary_search(id).is_ok();
            }
        }
        // Focus: how much of the title the query accounts for.
        let mut title_st = c.prepare_cached("SELECT title FROM articles WHERE rowid = ?1")?;
        for (id, f) in feats.iter_mut() {
            f.cover /= idf_sum.max(1e-9);
            f.title /= idf_sum.max(1e-9);
            if f.title > 0.0 {
                let title: String = title_st.query_row([*id], |r| r.get(0))?;
                let words = text::query_terms(&title).len().max(1) as f64;
                f.focus = (f.title_n as f64 / words).min(1.0);
            }
        }
        let bmax = cands.iter().map(|c| c.1).fold(0.0, f64::max);
        for (id, s) in cands.iter_mut() {
            *s = feats[id].score(bmax);
        }
        cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        cands.truncate(limit as usize);
        Ok(cands)
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

/// A term as one phrase of a NEAR group.
fn near_phrase(t: &Term) -> String {
    quoted(t)
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
}
