//! `tix sync ...`: sync with a shared store file.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{line, thousands};
use super::{CliError, Ctx};
use crate::store::Notice;
use crate::sync::{self, SyncError, SyncReport};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    #[command(subcommand)]
    cmd: Option<SyncCmd>,
}

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Create a shared store at PATH (a file, or a postgres:// URL) from this store and sync with it (refuses an existing one)
    Init { path: PathBuf },
    /// Sync with an existing shared store at PATH (a file, or a postgres:// URL)
    Join {
        path: PathBuf,
        /// Join without asking, even a store this one has never seen (for scripts)
        #[arg(long)]
        yes: bool,
    },
    /// Sync now (the same as `tix sync`)
    Now,
    /// The shared store, the last sync, unsynced changes, the last error and notices
    Status,
    /// Build a fresh shared store from this store's op log; the bad file is kept aside
    Rebuild {
        /// Replace the shared file even though it is healthy and agrees with this store
        #[arg(long)]
        force: bool,
    },
    /// Continue under a new replica id after sync found two different ops claiming one
    /// identity (a copied store, a restored shared file): unsynced work is carried over
    Rejoin,
    /// Your changes that lost to someone else's concurrent change
    Notices {
        /// Dismiss them
        #[arg(long)]
        ack: bool,
    },
}

/// A `postgres://` URL without `desk=` names the config's `[sync] desk` (recorded in
/// the store with the URL, so later syncs need no config).
fn with_desk(ctx: &Ctx, path: PathBuf) -> PathBuf {
    let Some(url) = path.to_str().filter(|p| sync::pg::is_url(p)) else { return path };
    match &ctx.config.sync.desk {
        Some(desk) if !url.contains("desk=") => {
            PathBuf::from(format!("{url}{}desk={desk}", if url.contains('?') { '&' } else { '?' }))
        }
        _ => path,
    }
}

pub fn run(ctx: &Ctx, a: SyncArgs) -> Result<()> {
    match a.cmd.unwrap_or(SyncCmd::Now) {
        SyncCmd::Init { path } => {
            let path = with_desk(ctx, path);
            let mut store = ctx.open()?;
            let progress = super::progress::Progress::new(&ctx.out, "creating the shared store", Some(0));
            let r = sync::init_as(&mut store, &path, Some(&ctx.actor), &|done, total| progress.set(done, total));
            progress.done();
            let r = r?;
            report(ctx, &mut store, r, "created the shared store")
        }
        SyncCmd::Join { path, yes } => {
            let path = with_desk(ctx, path);
            let mut store = ctx.open()?;
            let mut asked_without_tty = false;
            let r = sync::join(&mut store, &path, |id| {
                if yes {
                    return true;
                }
                if !std::io::stdin().is_terminal() {
                    asked_without_tty = true;
                    return false;
                }
                ask(&format!(
                    "{} holds shared store {id}, which this store has never synced with. Join it? [y/N] ",
                    path.display()
                ))
            });
            match r {
                Err(SyncError::Refused(_)) if asked_without_tty => Err(CliError::Usage(format!(
                    "{} holds a shared store this store has never synced with; run `tix sync join --yes {}` to join it",
                    path.display(),
                    path.display()
                ))
                .into()),
                r => report(ctx, &mut store, r?, "joined"),
            }
        }
        SyncCmd::Now => {
            let mut store = ctx.open()?;
            let r = sync::sync_now(&mut store)?;
            report(ctx, &mut store, r, "synced")
        }
        SyncCmd::Status => status(ctx),
        SyncCmd::Rebuild { force } => {
            let mut store = ctx.open()?;
            let progress = super::progress::Progress::new(&ctx.out, "rebuilding the shared store", Some(0));
            let r = sync::rebuild_with(&mut store, force, &|done, total| progress.set(done, total));
            progress.done();
            let (r, aside) = r?;
            let mut before = String::new();
            if let Some(bad) = &aside {
                before.push_str(&format!("the old shared file is kept as {}\n", line(&bad.display().to_string())));
            }
            if let Some(first) = r.new_epoch {
                before.push_str(&format!("new ticket numbers start at #{first}\n"));
            }
            report_with(ctx, &mut store, r, "rebuilt the shared store", &before)
        }
        SyncCmd::Rejoin => {
            let mut store = ctx.open()?;
            let r = sync::rejoin(&mut store)?;
            let mut before = format!(
                "this store now writes as replica {} (it was {}); {} unsynced change{} carried over",
                r.new_replica,
                r.old_replica,
                thousands(r.carried_over as u64),
                if r.carried_over == 1 { "" } else { "s" }
            );
            if r.dropped > 0 {
                before.push_str(&format!(
                    "; {} change{} of other stores replaced by the shared store's version",
                    thousands(r.dropped as u64),
                    if r.dropped == 1 { "" } else { "s" }
                ));
            }
            before.push('\n');
            for (t, old) in &r.renumbered {
                let now = store.ticket(*t).map(|t| t.number.to_string()).unwrap_or_else(|_| "(deleted)".into());
                before.push_str(&format!("{old} is now {now} (a note on the ticket says so)\n"));
            }
            if ctx.out.json {
                let notices = store.take_new_notices()?;
                #[derive(Serialize)]
                struct RejoinOut<'a> {
                    old_replica: String,
                    new_replica: String,
                    carried_over: usize,
                    dropped: usize,
                    renumbered: Vec<serde_json::Value>,
                    sync: &'a SyncReport,
                    notices: Vec<Notice>,
                }
                let renumbered = r
                    .renumbered
                    .iter()
                    .map(|(t, old)| {
                        serde_json::json!({
                            "ticket": t.to_string(),
                            "was": old,
                            "now": store.ticket(*t).ok().map(|t| t.number),
                        })
                    })
                    .collect();
                let out = RejoinOut {
                    old_replica: r.old_replica.to_string(),
                    new_replica: r.new_replica.to_string(),
                    carried_over: r.carried_over,
                    dropped: r.dropped,
                    renumbered,
                    sync: &r.sync,
                    notices,
                };
                return ctx.out.emit(&out, String::new);
            }
            report_with(ctx, &mut store, r.sync, "rejoined", &before)
        }
        SyncCmd::Notices { ack } => {
            let mut store = ctx.open()?;
            let list = sync::notices(&store)?;
            if ack {
                sync::ack_notices(&mut store, None)?;
            }
            ctx.out.emit(&list, || {
                if list.is_empty() {
                    return "no notices".into();
                }
                let mut s = list.iter().map(|n| format!("notice: {}", line(&n.message))).collect::<Vec<_>>().join("\n");
                if ack {
                    s.push_str(&format!("\n{} dismissed", list.len()));
                }
                s
            })
        }
    }
}

fn ask(question: &str) -> bool {
    eprint!("{}", line(question));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes" | "Yes")
}

#[derive(Serialize)]
struct ReportOut {
    #[serde(flatten)]
    report: SyncReport,
    notices: Vec<Notice>,
}

/// Print what a sync did, with warnings, and the notices not shown before.
fn report(ctx: &Ctx, store: &mut crate::store::Store, r: SyncReport, what: &str) -> Result<()> {
    report_with(ctx, store, r, what, "")
}

/// [`report`], after the lines in `before` (human output only).
fn report_with(ctx: &Ctx, store: &mut crate::store::Store, r: SyncReport, what: &str, before: &str) -> Result<()> {
    let notices = store.take_new_notices()?;
    let out = ReportOut { report: r, notices };
    if !ctx.out.json {
        for w in &out.report.warnings {
            eprintln!("tix: warning: {}", line(w));
        }
    }
    ctx.out.emit(&out, || {
        let r = &out.report;
        let mut s = format!(
            "{before}{what} with {}: pushed {}, pulled {}",
            line(&r.path),
            thousands(r.pushed as u64),
            thousands(r.pulled as u64)
        );
        if r.numbered > 0 {
            s.push_str(&format!(", {} new ticket number{}", r.numbered, if r.numbered == 1 { "" } else { "s" }));
        }
        for n in &out.notices {
            s.push_str(&format!("\nnotice: {}", line(&n.message)));
        }
        if !out.notices.is_empty() {
            s.push_str("\n(`tix sync notices --ack` dismisses them)");
        }
        s
    })
}

fn status(ctx: &Ctx) -> Result<()> {
    let store = ctx.open()?;
    let st = sync::status(&store)?;
    ctx.out.emit(&st, || {
        if !st.joined {
            return "not syncing (`tix sync init PATH` creates a shared store, `tix sync join PATH` joins one)".into();
        }
        let mut s = format!("shared store  {}\n", line(st.path.as_deref().unwrap_or("")));
        s.push_str(&format!("store id      {}\n", st.store_id.as_deref().unwrap_or("-")));
        s.push_str(&format!(
            "last sync     {}\n",
            st.last_sync.as_deref().map(rfc_local).unwrap_or_else(|| "never".into())
        ));
        s.push_str(&format!(
            "unsynced      {} change{}\n",
            thousands(st.unsynced),
            if st.unsynced == 1 { "" } else { "s" }
        ));
        if let Some(who) = &st.server_identity {
            let as_agent = match (&who.agent, &who.role) {
                (Some(a), Some(r)) => format!("acting as {} ({r})", line(a)),
                _ => "not mapped to an agent of the desk: it cannot push".into(),
            };
            s.push_str(&format!("server role   {} {as_agent}\n", line(&who.pg_role)));
        }
        if st.needs_rejoin {
            s.push_str("action        `tix sync rejoin` (see state)\n");
        }
        if st.provisional_tickets > 0 {
            s.push_str(&format!("provisional   {} ticket(s) waiting for a final number\n", st.provisional_tickets));
        }
        let state = match (&st.last_error, st.offline, st.needs_rebuild) {
            (None, ..) => "ok".to_string(),
            (Some(e), true, _) => format!("offline — {}", line(e)),
            (Some(e), _, true) => format!("stopped — {}", line(e)),
            (Some(e), ..) if st.needs_rejoin => format!("stopped — {}", line(e)),
            (Some(e), ..) => format!("error — {}", line(e)),
        };
        s.push_str(&format!("state         {state}\n"));
        for w in &st.warnings {
            s.push_str(&format!("warning       {}\n", line(w)));
        }
        for n in &st.notices {
            s.push_str(&format!("notice        {}\n", line(&n.message)));
        }
        s
    })
}

fn rfc_local(rfc: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc)
        .map(|t| crate::domain::time::local(t.timestamp_millis()))
        .unwrap_or_else(|_| rfc.to_string())
}
