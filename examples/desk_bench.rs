//! Service-desk workflow benchmarks on a large store. Not a test: run it and read the
//! numbers.
//!
//!     cargo run --release --example desk_bench -- --db /tmp/tix-bench-1000000.db
//!
//! Measures, on the store given (build one with `cargo run --release --example bench`):
//! SLA clocks for every open ticket (the first timing from history, then the steady
//! state: re-time what changed and classify), the report over the whole store and over
//! 30 days, and the first page of a saved view.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tix::domain::sla_config::SlaSection;
use tix::store::{OpenMode, Store};
use tix::tui::queue::View;

#[allow(dead_code)]
mod common;
use common::{arg, median};

const SLA: &str = r#"
[[calendars]]
name = "office"
tz = "Europe/Berlin"
hours = { mon-fri = "08:00-17:00" }
holidays = ["2026-12-24", "2026-12-25", "2026-12-26"]

[[policies]]
name = "Critical"
priority = [1]
first_response = "30m"
next_update = "2h"
resolution = "4h"
warn_before = "30m"

[[policies]]
name = "Standard"
calendar = "office"
first_response = "4h"
next_update = "1d"
resolution = "3d"
warn_before = "1h"
"#;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = PathBuf::from(arg("--db").unwrap_or_else(|| "/tmp/tix-bench-1000000.db".into()));
    let mut store = Store::open(&db, OpenMode::Existing)?;
    let tickets = store.ticket_count()?;
    let section: SlaSection = toml::from_str(SLA)?;
    let setup = section.validate(&mut |_: &str| Ok(vec![]))?;

    println!("store {} ({} tickets)", db.display(), tix::domain::text::thousands(tickets));
    // 1. SLA: forget every clock, time them all from history, then the steady state.
    store.refresh_sla(&setup, "forget")?;
    let t = Instant::now();
    let computed = store.refresh_sla(&setup, "bench")?;
    let first = t.elapsed();
    let counts = store.sla_counts()?;
    println!(
        "SLA first timing of {} open tickets from their history: {} ({} at risk, {} breached)",
        tix::domain::text::thousands(computed as u64),
        ms(first),
        counts.at_risk,
        counts.breached
    );
    let steady = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                store.refresh_sla(&setup, "bench").expect("refresh");
                store.sla_counts().expect("counts");
                t.elapsed()
            })
            .collect(),
    );
    println!("SLA state of every open ticket (re-time what changed + classify), median of 5: {}", ms(steady));

    // 2. The report.
    let now = store.now_ms();
    let day = tix::domain::time::DAY;
    let to = (now / day + 1) * day;
    for (label, from) in [("30 days", to - 30 * day), ("whole store (10 years)", to - 3_650 * day)] {
        let t = Instant::now();
        let r = store.report(from, to)?;
        println!(
            "report over {label}: {} ({} created, {} resolved in the period)",
            ms(t.elapsed()),
            tix::domain::text::thousands(r.created),
            tix::domain::text::thousands(r.resolved)
        );
    }

    // 3. Saved views: the first page.
    for (name, filter) in [
        ("Network P1-P2", "group:network prio:<=2"),
        ("Breached", "sla:breached"),
        ("Email, not hardware, this week", "channel:email !category:hardware updated:>-7d"),
    ] {
        let view = View::from_filter(name, filter, None)?;
        let (mut q, _) = view.query(None);
        q.limit = 50;
        let times: Vec<Duration> = (0..5)
            .map(|_| {
                let t = Instant::now();
                store.queue(&q).expect("query");
                store.count_upto(&q, 10_000).expect("count");
                t.elapsed()
            })
            .collect();
        let n = store.count_upto(&q, u64::MAX)?.0;
        println!(
            "view {name:?} ({filter}): first page + count {} (median of 5; {} tickets)",
            ms(median(times)),
            tix::domain::text::thousands(n)
        );
    }
    Ok(())
}
