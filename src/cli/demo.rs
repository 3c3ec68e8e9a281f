//! `tix demo`

use std::time::Instant;

use anyhow::Result;
use clap::Args;

use super::output::Out;
use super::output::thousands;
use super::{CliError, Ctx};
use crate::demo::{self, DemoOptions};
use crate::store::{OpenMode, Store};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many tickets (about 10% stay open)
    #[arg(long, default_value_t = 5_000)]
    tickets: u64,
    /// Random seed: the same seed (and --now) gives the same store
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Build the history as if today were this day (YYYY-MM-DD; default: now), e.g. to
    /// get byte-identical demo stores on different days
    #[arg(long)]
    now: Option<String>,
    /// Build the store and print a summary instead of opening the console
    #[arg(long)]
    no_tui: bool,
}

pub fn run(ctx: &Ctx, a: DemoArgs) -> Result<()> {
    let path = &ctx.db;
    if path.exists() {
        // Only ever replace a store that is itself demo data.
        let s = Store::open(path, OpenMode::Existing)?;
        if s.demo_mark()?.is_none() {
            return Err(CliError::Failed(format!(
                "{} exists and is not a demo store; refusing to replace it (pass --db with a new path)",
                path.display()
            ))
            .into());
        }
        drop(s);
        for ext in ["", "-wal", "-shm"] {
            let p = std::path::PathBuf::from(format!("{}{ext}", path.display()));
            if p.exists() {
                std::fs::remove_file(&p)
                    .map_err(|e| CliError::Failed(format!("cannot replace {}: {e}", p.display())))?;
            }
        }
    } else if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !ctx.db_explicit) {
        crate::fsmode::create_private_dir_all(dir)
            .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    // "Now" to the minute, so two builds in the same minute are identical.
    let now_ms = match a.now.as_deref() {
        None => chrono::Utc::now().timestamp_millis() / 60_000 * 60_000,
        Some(d) => match crate::domain::time::parse_date(d) {
            Some(day) => chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|t| t.and_utc().timestamp_millis())
                .ok_or_else(|| CliError::Usage(format!("--now {d}: not a day")))?,
            None => return Err(CliError::Usage(format!("--now '{d}': use a day such as 2026-11-22")).into()),
        },
    };
    let opts = DemoOptions { tickets: a.tickets, seed: a.seed, now_ms };
    let started = Instant::now();
    let progress = super::progress::Progress::new(&ctx.out, "building the demo store", Some(opts.tickets as u64));
    let built = demo::build(path, &opts, |done, total| progress.set(done, total));
    progress.done();
    let summary = match built {
        Ok(s) => s,
        Err(e) => {
            // A half-built demo is worth nothing: leave no file behind.
            for ext in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
            }
            return Err(e.into());
        }
    };
    let secs = started.elapsed().as_secs_f64();
    // The demo's configuration beside it, read for this store from now on.
    let own = crate::config::store_config_path(path);
    let config_note = write_demo_config(&own);
    let ctx = &demo_ctx(ctx, &own)?;
    let agent = acting_as(ctx)?;
    ctx.out.emit(
        &serde_json::json!({ "path": path, "seconds": secs, "summary": summary, "config": own, "agent": ctx.actor }),
        || {
        format!(
            "demo store at {}\n{} tickets ({} open), {} people, {} agents, {} assets, {} KB articles, {} ops in {:.1}s\n\
             {config_note}\n{agent}\n\
             Try: tix --db {} ticket list",
            path.display(),
            thousands(summary.tickets),
            thousands(summary.open),
            thousands(summary.people),
            summary.agents,
            thousands(summary.assets),
            summary.articles,
            thousands(summary.ops),
            secs,
            path.display()
        )
    })?;
    if a.no_tui || ctx.out.json {
        return Ok(());
    }
    match crate::tui::unsupported_terminal() {
        None => {
            // The console acts as one of the demo's agents: the one `--as` or `[agent] name`
            // names, else the first of them.
            let mut desk = ctx.desk()?;
            if !matches!(crate::app::identify(&desk.store, &desk.actor), Ok(Some(_)))
                && let Some(p) = desk.store.agents(1)?.first()
            {
                desk.actor = crate::app::Actor::named(p.record.actor_name());
            }
            super::console_on(ctx, desk)
        }
        Some(why) => {
            eprintln!("not opening the console: {why}");
            Ok(())
        }
    }
}

/// The first line of the demo config: a file that starts otherwise is not replaced.
const DEMO_MARK: &str = "# The demo store's configuration";

/// Write the demo's config file beside the store (afresh: it is demo data too, unless
/// it is someone's own file), and say so in the summary.
fn write_demo_config(own: &std::path::Path) -> String {
    if let Ok(old) = std::fs::read_to_string(own)
        && !old.starts_with(DEMO_MARK)
    {
        return format!("kept {} (not a demo config); the demo uses it", own.display());
    }
    match crate::fsmode::write_private_file(own, |f| {
        use std::io::Write;
        f.write_all(crate::config::DEMO_TOML.as_bytes())
    }) {
        Ok(()) => format!(
            "demo config (SLA, escalation, views, macros, canned texts, checklist, recurring ticket, routing): {}",
            own.display()
        ),
        Err(e) => format!("cannot write the demo config {}: {e}", own.display()),
    }
}

/// The context for the demo store: its own config (unless $TIX_CONFIG names one), and
/// the agent that config names (unless --as does).
fn demo_ctx(ctx: &Ctx, own: &std::path::Path) -> Result<Ctx> {
    let config = match crate::config::store_config(&ctx.db) {
        Ok(Some(_)) if std::env::var_os("TIX_CONFIG").is_none() => crate::config::Config::load(Some(own))?,
        _ => (*ctx.config).clone(),
    };
    let (actor, actor_source) = super::acting_agent(ctx.as_given.as_deref(), &config)?;
    Ok(Ctx {
        ascii: ctx.ascii,
        db: ctx.db.clone(),
        db_explicit: ctx.db_explicit,
        actor,
        actor_source,
        as_given: ctx.as_given.clone(),
        out: Out { json: ctx.out.json },
        config: std::sync::Arc::new(config),
        warned: Default::default(),
    })
}

/// "acting as Dana Whitfield (dana): 41 open tickets assigned; …how to change it".
fn acting_as(ctx: &Ctx) -> Result<String> {
    let store = Store::open(&ctx.db, OpenMode::Existing)?;
    let how = "change it with [agent] name in the demo config, or --as NAME";
    Ok(match store.find_person(&ctx.actor)? {
        Some(p) => {
            let q = crate::store::TicketQuery {
                active: Some(true),
                assignee: Some(crate::store::AssigneeFilter::Person(p.id)),
                ..Default::default()
            };
            let (n, _) = store.count_upto(&q, u64::MAX)?;
            format!("acting as {} ({}): {n} open tickets assigned; {how}", p.record.name, ctx.actor)
        }
        None => format!("acting as {} (not a demo agent: no tickets of yours); {how}", ctx.actor),
    })
}
