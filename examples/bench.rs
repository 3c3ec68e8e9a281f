//! Store benchmarks on a large demo store. Not a test: run it and read the numbers.
//!
//!     cargo run --release --example bench -- [--tickets 1000000] [--db /tmp/tix-bench.db] [--rebuild]
//!
//! Builds (or reuses) a demo store through the normal write path, adds 20,000 KB
//! articles, then measures: open + first queue page, the `tix ticket list` process,
//! KB search, full-text ticket search, and the store's size.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use tix::demo::{self, DemoOptions};
use tix::domain::ids::ArticleId;
use tix::domain::kb::ArticleRecord;
use tix::domain::op::Change;
use tix::store::{OpenMode, Store, TicketQuery};

#[allow(dead_code)]
mod common;
use common::{arg, median, ms};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let tickets: u64 = arg("--tickets").map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
    let db = PathBuf::from(arg("--db").unwrap_or_else(|| format!("/tmp/tix-bench-{tickets}.db")));
    let rebuild = args.iter().any(|a| a == "--rebuild");

    if rebuild || !db.exists() {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        let now_ms = chrono::Utc::now().timestamp_millis() / 60_000 * 60_000;
        let t0 = Instant::now();
        let s = demo::build(&db, &DemoOptions { tickets, seed: 42, now_ms }, |done, total| {
            eprint!("\r  building: {done} / {total}");
        })?;
        eprintln!();
        println!("demo build: {} tickets, {} ops in {:.1} s", s.tickets, s.ops, t0.elapsed().as_secs_f64());
        add_articles(&db, 20_000)?;
    }
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|e| std::fs::metadata(format!("{}{e}", db.display())).ok())
        .map(|m| m.len())
        .sum();
    println!("store size: {:.2} GB ({})", size as f64 / 1e9, db.display());

    // Open + first page of 50 open tickets by priority, then most recently updated.
    let mut runs = Vec::new();
    for _ in 0..30 {
        let t0 = Instant::now();
        let s = Store::open(&db, OpenMode::Existing)?;
        let page = s.queue(&TicketQuery { active: Some(true), limit: 50, ..Default::default() })?;
        assert_eq!(page.len(), 50);
        runs.push(t0.elapsed());
    }
    println!("open + first queue page (50 open, by priority): median {}", ms(median(runs)));

    let s = Store::open(&db, OpenMode::Existing)?;
    let mut runs = Vec::new();
    for _ in 0..30 {
        let t0 = Instant::now();
        let page = s.queue(&TicketQuery { active: Some(true), limit: 50, ..Default::default() })?;
        assert_eq!(page.len(), 50);
        runs.push(t0.elapsed());
    }
    println!("first queue page, store open: median {}", ms(median(runs)));

    let exe = std::env::current_exe()?.parent().and_then(|p| p.parent()).map(|p| p.join("tix")).filter(|p| p.exists());
    if let Some(exe) = exe {
        let mut runs = Vec::new();
        for _ in 0..20 {
            let t0 = Instant::now();
            let o =
                Command::new(&exe).arg("--db").arg(&db).args(["--json", "ticket", "list", "--limit", "50"]).output()?;
            assert!(o.status.success());
            runs.push(t0.elapsed());
        }
        println!("`tix ticket list --json --limit 50` process: median {}", ms(median(runs)));
    } else {
        println!("`tix ticket list` process: skipped (build the binary first: cargo build --release)");
    }

    let kb_queries =
        ["printer", "vpn", "password reset", "outlook profile", "docking station", "bitlocker", "wifi", "certificate"];
    let mut runs = Vec::new();
    for _ in 0..10 {
        for q in kb_queries {
            let t0 = Instant::now();
            let hits = s.kb_search(q, 10)?;
            runs.push(t0.elapsed());
            std::hint::black_box(hits);
        }
    }
    println!("KB search over {} articles: median {}", s.article_count()?, ms(median(runs)));

    let ticket_queries = ["printer", "vpn", "password", "outlook", "docking", "laptop slow", "teams audio", "phishing"];
    let mut runs = Vec::new();
    for _ in 0..5 {
        for q in ticket_queries {
            let t0 = Instant::now();
            let hits = s.queue(&TicketQuery { text: Some(q.into()), limit: 50, ..Default::default() })?;
            runs.push(t0.elapsed());
            std::hint::black_box(hits);
        }
    }
    println!("ticket full-text search (first 50, newest first): median {}", ms(median(runs)));
    Ok(())
}

/// 20,000 articles made by recombining the demo KB's paragraphs under numbered titles.
fn add_articles(db: &std::path::Path, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut s = Store::open(db, OpenMode::Existing)?;
    let paras: Vec<&str> =
        demo::corpus::KB_ARTICLES.iter().flat_map(|(_, b)| b.split("\n\n")).filter(|p| p.len() > 40).collect();
    let t0 = Instant::now();
    let mut changes = Vec::new();
    for i in 0..n {
        let title = format!(
            "{} (variant {i})",
            demo::corpus::KB_ARTICLES[i % demo::corpus::KB_ARTICLES.len()].0.replace('-', " ")
        );
        let body = (0..6).map(|k| paras[(i * 7 + k * 13) % paras.len()]).collect::<Vec<_>>().join("\n\n");
        changes.push(Change::new_article(
            ArticleId::new_random(),
            ArticleRecord { title, body, tags: vec![], category: None, internal: false, source: None },
        ));
        if changes.len() == 2_000 {
            s.commit("bench", std::mem::take(&mut changes))?;
        }
    }
    s.commit("bench", changes)?;
    println!("added {n} KB articles in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}
