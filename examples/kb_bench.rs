//! KB search quality and speed. Not a test: run it and read the numbers.
//!
//!     cargo run --release --example kb_bench -- [--tldr DIR] [--articles 20000]
//!
//! Labelled sets (question → the article that answers it), in `examples/kb_questions/`:
//! `demo.tsv` for the demo KB (`assets/demo/kb`), and, with `--tldr DIR`, `tldr.tsv` for
//! the tldr pages (CC BY 4.0, the tldr-pages team; e.g. /work/shared/corpora/kb-tldr/pages).
//! For each set it prints recall@1, recall@10 and MRR (over the top 10) for tix's KB
//! search and, in the same run on the same store, for a plain SQLite FTS5 query that
//! ORs the words and ranks by bm25 (title weighted 10×). Then it grows the store to
//! `--articles` articles (the corpus again under new titles) and times tix's search.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tix::domain::ids::ArticleId;
use tix::domain::kb::ArticleRecord;
use tix::domain::op::Change;
use tix::store::{OpenMode, Store};

#[allow(dead_code)]
mod common;
use common::{arg, median, ms};

struct Scores {
    n: usize,
    at1: usize,
    at10: usize,
    rr: f64,
}

impl Scores {
    fn add(&mut self, rank: Option<usize>) {
        self.n += 1;
        if let Some(r) = rank {
            self.at1 += usize::from(r == 0);
            self.at10 += usize::from(r < 10);
            self.rr += 1.0 / (r + 1) as f64;
        }
    }
    fn line(&self, name: &str) -> String {
        let pct = |k: usize| 100.0 * k as f64 / self.n.max(1) as f64;
        format!(
            "  {name:<22} recall@1 {:5.1}%  recall@10 {:5.1}%  MRR {:.3}",
            pct(self.at1),
            pct(self.at10),
            self.rr / self.n.max(1) as f64
        )
    }
}

fn import(store: &mut Store, dir: &Path, suffix: &str) -> Result<Vec<(String, ArticleId)>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    let mut changes = Vec::new();
    for f in tix::import::kb::scan(dir)? {
        let f = f?;
        let id = ArticleId::new_random();
        let rec = ArticleRecord {
            title: format!("{}{suffix}", f.title),
            body: f.body,
            tags: vec![],
            category: None,
            internal: false,
            source: Some(format!("{}{suffix}", f.source)),
        };
        out.push((f.source, id));
        changes.push(Change::new_article(id, rec));
        if changes.len() == 2_000 {
            store.commit("bench", std::mem::take(&mut changes))?;
        }
    }
    store.commit("bench", changes)?;
    Ok(out)
}

fn questions(file: &str) -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/kb_questions").join(file);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t').map(|(q, a)| (q.to_string(), a.to_string())))
        .collect()
}

/// Score tix and the baseline on one labelled set; returns tix's timings.
fn evaluate(store: &Store, ids: &[(String, ArticleId)], set: &[(String, String)]) -> Vec<Duration> {
    let (mut ours, mut base) = (Scores { n: 0, at1: 0, at10: 0, rr: 0.0 }, Scores { n: 0, at1: 0, at10: 0, rr: 0.0 });
    let mut times = Vec::new();
    let mut misses = Vec::new();
    for (q, source) in set {
        let Some((_, want)) = ids.iter().find(|(s, _)| s == source) else {
            eprintln!("no article {source}");
            continue;
        };
        let t0 = Instant::now();
        let hits = store.kb_search(q, 10).unwrap();
        times.push(t0.elapsed());
        let rank = hits.iter().position(|h| h.id == *want);
        if rank != Some(0) {
            misses.push(format!("    {q:?} → {:?} (want {source}, rank {rank:?})", hits.first().map(|h| &h.title)));
        }
        ours.add(rank);
        base.add(store.kb_baseline(q, 10).unwrap().iter().position(|id| id == want));
    }
    println!("{}", ours.line("tix"));
    println!("{}", base.line("FTS5 OR + bm25"));
    if std::env::args().any(|a| a == "--misses") {
        misses.iter().for_each(|m| println!("{m}"));
    }
    times
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let want: usize = arg("--articles").map(|n| n.parse()).transpose()?.unwrap_or(20_000);
    let scratch = tempfile::tempdir()?;

    let demo_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/kb");
    let mut demo = Store::open(&scratch.path().join("demo.db"), OpenMode::Create)?;
    let ids = import(&mut demo, &demo_dir, "")?;
    let set = questions("demo.tsv");
    println!("demo KB: {} articles, {} questions", ids.len(), set.len());
    evaluate(&demo, &ids, &set);

    let Some(tldr) = arg("--tldr").map(PathBuf::from) else {
        println!("(pass --tldr DIR for the outside corpus and the timing at {want} articles)");
        return Ok(());
    };
    // `--db PATH` keeps the grown store: a second run with the same path reuses it for
    // the timing (and skips the quality sets, whose ids are not kept).
    let kept = arg("--db").map(PathBuf::from);
    if let Some(path) = kept.as_ref().filter(|p| p.exists()) {
        let s = Store::open(path, OpenMode::Existing)?;
        time_searches(&s, &questions("tldr.tsv"))?;
        return Ok(());
    }
    let path = kept.unwrap_or_else(|| scratch.path().join("tldr.db"));
    let mut s = Store::open(&path, OpenMode::Create)?;
    let t0 = Instant::now();
    let ids = import(&mut s, &tldr, "")?;
    let set = questions("tldr.tsv");
    println!(
        "tldr pages: {} articles (imported in {:.1} s), {} questions",
        ids.len(),
        t0.elapsed().as_secs_f64(),
        set.len()
    );
    evaluate(&s, &ids, &set);

    // Speed at `want` articles: the corpus again under new titles, then every question.
    let mut copy = 1;
    while (s.article_count()? as usize) < want {
        import(&mut s, &tldr, &format!(" ({copy})"))?;
        copy += 1;
    }
    time_searches(&s, &set)
}

fn time_searches(s: &Store, set: &[(String, String)]) -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::var("KB_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let mut times = Vec::new();
    for _ in 0..rounds {
        for (q, _) in set {
            let t0 = Instant::now();
            s.kb_search(q, 10)?;
            times.push(t0.elapsed());
        }
    }
    let max = *times.iter().max().unwrap();
    println!(
        "KB search over {} articles: median {}, max {} ({} searches)",
        s.article_count()?,
        ms(median(times.clone())),
        ms(max),
        times.len()
    );
    Ok(())
}
