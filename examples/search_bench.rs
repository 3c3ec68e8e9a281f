//! Ticket search speed in the store, as the console asks for it on a keystroke: the
//! first window (200 rows) of "All open" narrowed by the typed words, and the count up
//! to its cap, timed apart. Not a test: run it on a demo store and read the numbers.
//!
//!     tix demo --tickets 200000 --no-tui --db /tmp/tix-200k.db        # release build
//!     cargo run --release --example search_bench -- --db /tmp/tix-200k.db [--reindex]
//!
//! `--reindex` first drops the ticket index and times its rebuild (what migration 8
//! does to an existing store on first open; it prints its progress and resumes);
//! `--optimize` merges the ticket index into one segment first.

use std::time::Instant;

use tix::store::{OpenMode, Sort, Store, TicketQuery};

#[allow(dead_code)]
mod common;
use common::{arg, median, ms};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let db = arg("--db").ok_or("--db PATH (a demo store) is required")?;
    if args.iter().any(|a| a == "--reindex") {
        let c = rusqlite::Connection::open(&db)?;
        c.execute_batch(
            "DELETE FROM tickets_fts; INSERT OR REPLACE INTO meta(key, value) VALUES ('search_reindex', '0');",
        )?;
        drop(c);
        let t0 = Instant::now();
        drop(Store::open(std::path::Path::new(&db), OpenMode::Existing)?);
        println!("ticket index rebuilt in {:.1} s", t0.elapsed().as_secs_f64());
    }
    if args.iter().any(|a| a == "--optimize") {
        let c = rusqlite::Connection::open(&db)?;
        let t0 = Instant::now();
        c.execute_batch("INSERT INTO tickets_fts(tickets_fts) VALUES ('optimize');")?;
        println!("ticket index merged into one segment in {:.1} s", t0.elapsed().as_secs_f64());
    }
    let s = Store::open(std::path::Path::new(&db), OpenMode::Existing)?;
    println!("{} tickets", s.ticket_count()?);
    for w in ["outlok", "printr", "pasword", "netwrok", "labtop", "acount", "moniter"] {
        let t0 = Instant::now();
        let q = s.ticket_text_query(w)?;
        let first = t0.elapsed();
        let t0 = Instant::now();
        s.ticket_text_query(w)?;
        println!("  {w} → {:?}: resolved in {}, again {}", q.notice(), ms(first), ms(t0.elapsed()));
    }
    let sets: [(&str, &[&str]); 2] = [
        ("4-letter prefix", &["prin", "outl", "pass", "netw", "lapt", "disk", "acco", "moni"]),
        ("typo (5+ letters)", &["outlok", "printr", "pasword", "netwrok", "labtop", "acount", "moniter"]),
    ];
    for sort in [Sort::Priority, Sort::Newest] {
        for (name, words) in sets {
            let (mut times, mut counts) = (Vec::new(), Vec::new());
            let mut found = Vec::new();
            for _ in 0..5 {
                for w in words {
                    let q = TicketQuery {
                        active: Some(true),
                        text: Some(w.to_string()),
                        sort,
                        limit: 200,
                        ..Default::default()
                    };
                    let t0 = Instant::now();
                    let rows = s.queue(&q)?;
                    times.push(t0.elapsed());
                    let t0 = Instant::now();
                    let (n, exact) = s.count_upto(&q, 1_000)?;
                    counts.push(t0.elapsed());
                    found.push(format!("{w}: {}{}", n, if exact { "" } else { "+" }));
                    assert!(rows.len() as u64 <= n.max(200));
                }
            }
            found.truncate(words.len());
            let max = *times.iter().max().unwrap();
            println!(
                "{name:<18} sort {sort:?}: first 200 rows median {}, max {}; count to 1,000 median {} ({} runs; {})",
                ms(median(times.clone())),
                ms(max),
                ms(median(counts)),
                times.len(),
                found.join(", ")
            );
        }
    }
    Ok(())
}
