//! `tix mail ...` (the outbox, sending, a retry, a test message) and `tix ticket watch`.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::line;
use super::{CliError, Ctx};
use crate::app::{Act, mail};
use crate::domain::ids::TicketNumber;
use crate::domain::time;
use crate::mailer::Transport;
use crate::store::{Outbound, OutboxCounts};

#[derive(Debug, Subcommand)]
pub enum MailCmd {
    /// List outbound messages, oldest first, with their state
    Outbox {
        /// At most this many (0: all, paged through the index)
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Send the mail that is due (this replica's); exit 0 when all of it went out
    Send,
    /// Queue a failed or retrying message again (by Message-ID)
    Retry { id: String },
    /// Send a test message to ADDRESS through the configured transport (not queued)
    Test { address: String },
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    number: TicketNumber,
    /// Copy this address on the ticket's outbound mail
    #[arg(long, conflicts_with = "remove", required_unless_present = "remove")]
    add: Option<String>,
    /// Stop copying this address
    #[arg(long)]
    remove: Option<String>,
}

#[derive(Serialize)]
struct OutboxList {
    counts: OutboxCounts,
    messages: Vec<Outbound>,
}

#[derive(Serialize)]
struct Watched {
    number: TicketNumber,
    watchers: Vec<String>,
}

pub fn run(ctx: &Ctx, cmd: MailCmd) -> Result<()> {
    match cmd {
        MailCmd::Outbox { limit } => outbox(ctx, limit),
        MailCmd::Send => send(ctx),
        MailCmd::Retry { id } => {
            let mut desk = ctx.acting(Act::Work)?;
            let actor = desk.actor.name.clone();
            let m = mail::retry(&mut desk.store, &actor, &id)?;
            ctx.out.emit(&serde_json::json!({ "id": m.id, "state": "queued" }), || format!("{}: queued again", m.id))
        }
        MailCmd::Test { address } => {
            let cfg = &ctx.config.mail;
            if !cfg.enabled() {
                bail!(CliError::Failed("outbound mail is off: set [mail] from in the config".into()));
            }
            let transport = Transport::from_config(cfg).map_err(CliError::Failed)?;
            let msg = crate::mailer::message::test_message(cfg, &address, chrono::Utc::now().timestamp_millis())
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let answer = transport.send(&msg).map_err(|e| CliError::Failed(format!("not sent: {e}")))?;
            ctx.out.emit(&serde_json::json!({ "to": address, "answer": answer }), || {
                format!("sent to {}: {}", line(&address), line(&answer))
            })
        }
    }
}

fn outbox(ctx: &Ctx, limit: usize) -> Result<()> {
    let store = ctx.open()?;
    let counts = store.outbox_counts()?;
    let mut messages = Vec::new();
    let mut cursor: Option<(i64, String)> = None;
    loop {
        let want = if limit == 0 { 500 } else { (limit - messages.len()).min(500) };
        if want == 0 {
            break;
        }
        let page = store.outbox_page(cursor.as_ref().map(|(h, id)| (*h, id.as_str())), want)?;
        let Some((h, last)) = page.last() else { break };
        cursor = Some((*h, last.id.clone()));
        messages.extend(page.into_iter().map(|(_, m)| m));
    }
    let list = OutboxList { counts, messages };
    ctx.out.emit(&list, || {
        let mut s = format!(
            "{} queued, {} retrying, {} failed\n",
            list.counts.queued, list.counts.retrying, list.counts.failed
        );
        for m in &list.messages {
            let mut to = m.to.join(", ");
            if !m.cc.is_empty() {
                to.push_str(&format!(" (cc {})", m.cc.join(", ")));
            }
            let when = match m.done_at {
                Some(t) => time::local(t),
                None => format!("due {}", time::local(m.next_at)),
            };
            s.push_str(&format!(
                "{} {:<10} {:<8} {} {} → {}\n",
                m.ticket,
                m.kind.as_str(),
                m.state.as_str(),
                when,
                line(&m.id),
                line(&to)
            ));
            if !m.detail.is_empty() {
                s.push_str(&format!("    {}\n", line(&m.detail)));
            }
        }
        s
    })
}

fn send(ctx: &Ctx) -> Result<()> {
    let cfg = &ctx.config.mail;
    if !cfg.enabled() {
        bail!(CliError::Failed("outbound mail is off: set [mail] from in the config".into()));
    }
    let mut store = ctx.open()?;
    let transport = Transport::from_config(cfg).map_err(CliError::Failed)?;
    let report = mail::send_due(&mut store, &ctx.config, mail::MAIL_ACTOR, &transport, || false)?;
    ctx.out.emit(&report, || {
        let mut s = format!(
            "{} sent, {} retrying, {} failed, {} held (provisional number)\n",
            report.sent, report.retrying, report.failed, report.held
        );
        for p in &report.problems {
            s.push_str(&format!("  {}\n", line(p)));
        }
        s
    })?;
    if !report.ok() {
        bail!(CliError::Failed(format!("{} message(s) did not go out", report.retrying + report.failed)));
    }
    Ok(())
}

pub fn watch(ctx: &Ctx, a: WatchArgs) -> Result<()> {
    let mut desk = ctx.acting(Act::Work)?;
    let t = desk.store.ticket_by_number(a.number)?;
    let change = match (&a.add, &a.remove) {
        (Some(addr), _) => mail::watch(t.id, addr, false)?,
        (_, Some(addr)) => mail::watch(t.id, addr, true)?,
        _ => bail!(CliError::Usage("give --add ADDRESS or --remove ADDRESS".into())),
    };
    desk.commit(vec![change])?;
    ctx.tell(&mut desk);
    let watchers = desk.store.watchers(t.id)?;
    let w = Watched { number: a.number, watchers };
    ctx.out.emit(&w, || {
        if w.watchers.is_empty() {
            format!("{}: no watchers", w.number)
        } else {
            format!("{}: watched by {}", w.number, line(&w.watchers.join(", ")))
        }
    })
}
