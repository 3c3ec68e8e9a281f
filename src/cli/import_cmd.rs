//! `tix import tickets|history`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{ImportReport, line, thousands};
use super::{CliError, Ctx};
use crate::app::Act;
use crate::domain::ids::{PersonId, TicketId};
use crate::domain::op::{Change, EntryRecord, Origin, Payload};
use crate::domain::person::{PersonRecord, Role};
use crate::domain::plan::{self, NewTicket};
use crate::domain::ticket::{Channel, EntryKind, Status, TicketField};
use crate::import::history;
use crate::import::ticket_entries;
use crate::import::tickets::{self, Field, Format, Options, TicketIn};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Tickets from another help desk (CSV, JSON or JSONL); see the README for the column mapping
    Tickets(TicketsArgs),
    /// Ops written by `tix export history` (rebuilds the same state; ops already here are skipped)
    History { file: PathBuf },
}

#[derive(Debug, Args)]
pub struct TicketsArgs {
    file: PathBuf,
    /// The file's format [default: from the extension]
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Read a column as a field: `--map "Headline=title"` (fields: id, title, description,
    /// status, priority, urgency, impact, requester, requester_email, assignee, category,
    /// group, tags, created, channel, type, assignee_email, updated, first_response,
    /// resolved, closed)
    #[arg(long = "map", value_name = "FROM=TO")]
    map: Vec<String>,
    /// A name for where the file comes from, kept in each ticket's re-import key
    /// (so ticket 17 of one desk and ticket 17 of another stay apart)
    #[arg(long)]
    source: Option<String>,
    /// Import the good rows and report the bad ones (default: all or nothing)
    #[arg(long)]
    skip_bad: bool,
    /// The channel of rows that do not name one [default: import]
    #[arg(long, value_name = "CHANNEL")]
    channel: Option<String>,
    /// The notes and replies, from the companion file of `tix export tickets --format csv
    /// --entries FILE` (JSON files carry them inline)
    #[arg(long, value_name = "FILE")]
    entries: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, cmd: ImportCmd) -> Result<()> {
    match cmd {
        ImportCmd::Tickets(a) => import_tickets(ctx, a),
        ImportCmd::History { file } => import_history(ctx, &file),
    }
}

fn import_tickets(ctx: &Ctx, a: TicketsArgs) -> Result<()> {
    let format = match a.format.or_else(|| Format::of_path(&a.file)) {
        Some(f) => f,
        None => {
            return Err(CliError::Usage(format!(
                "cannot tell the format of {} from its name; give --format csv, json or jsonl",
                a.file.display()
            ))
            .into());
        }
    };
    let mut map = Vec::new();
    for m in &a.map {
        let (from, to) = m
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--map '{m}': write it as COLUMN=FIELD, e.g. Headline=title")))?;
        let field = Field::parse(to).map_err(|e| CliError::Usage(format!("--map '{m}': {e}")))?;
        map.push((from.trim().to_string(), field));
    }
    let channel = match a.channel.as_deref() {
        Some(c) => Some(c.parse::<Channel>().map_err(|e| CliError::Usage(format!("--channel: {e}")))?),
        None => None,
    };
    let mut desk = ctx.acting(Act::Bulk)?;
    let store = &desk.store;
    let read = |p: &Path| std::fs::read(p).map_err(|e| CliError::Failed(format!("{}: {e}", p.display())));
    let bytes = read(&a.file)?;
    let name = a.file.display().to_string();
    let opts = Options { map, source: a.source, channel };
    let mut parsed =
        tickets::parse_tickets(&bytes, &name, format, &opts).map_err(|e| CliError::Failed(e.to_string()))?;
    let mut rejected: Vec<String> = parsed.errors.iter().map(|e| e.to_string()).collect();
    if let Some(ef) = &a.entries {
        let ename = ef.display().to_string();
        let mut entries = ticket_entries::parse_csv(&read(ef)?, &ename).map_err(|e| CliError::Failed(e.to_string()))?;
        rejected.extend(entries.errors.iter().map(|e| e.to_string()));
        for row in &mut parsed.rows {
            if let Some(list) = row.id.as_ref().and_then(|id| entries.by_ticket.remove(id)) {
                row.entries.extend(list.into_iter().map(|(_, e)| e));
            }
        }
        // Entries of tickets that are not in the file (or were rejected).
        let mut left: Vec<(u64, String)> =
            entries.by_ticket.into_iter().flat_map(|(t, l)| l.into_iter().map(move |(n, _)| (n, t.clone()))).collect();
        left.sort();
        rejected.extend(
            left.into_iter().map(|(n, t)| {
                format!("{ename}:{n}: the entry's ticket '{t}' is not among the imported rows of {name}")
            }),
        );
    }
    let mut report = ImportReport { ignored_columns: parsed.ignored_columns.clone(), ..Default::default() };
    report.rejected = rejected;
    report.warnings = parsed.warnings.iter().map(|e| e.to_string()).collect();
    let actor = desk.actor.name.clone();
    let mut planner = TicketPlanner { store, ctx, actor, people: HashMap::new(), changes: vec![] };
    let progress = super::progress::Progress::new(&ctx.out, "importing tickets", Some(parsed.rows.len() as u64));
    for row in &parsed.rows {
        progress.inc(1);
        if store.origin_known(&row.key)? {
            report.unchanged += 1;
            continue;
        }
        planner.plan(row)?;
        report.created += 1;
    }
    let mut changes = std::mem::take(&mut planner.changes);
    report.refuse_unless(a.skip_bad, "row(s)")?;
    // In time order, so that each op carries the time it happened (a store whose own
    // history is older than the file's keeps every time exactly; see the README).
    changes.sort_by_key(|(_, c)| c.at.unwrap_or(i64::MAX));
    progress.phase("writing");
    desk.commit_as(changes)?;
    progress.done();
    ctx.tell(&mut desk);
    ctx.out.emit(&report, || report.render())
}

struct TicketPlanner<'a> {
    store: &'a Store,
    ctx: &'a Ctx,
    /// The acting agent: the actor of what the file does not attribute.
    actor: String,
    /// People created in this import, by lower-case e-mail or name: id and the index of
    /// the change that creates them (dated no later than their first use).
    people: HashMap<String, (PersonId, usize)>,
    /// (actor, change), in plan order; sorted by time before the commit.
    changes: Vec<(String, Change)>,
}

impl TicketPlanner<'_> {
    fn person(
        &mut self,
        name: Option<&str>,
        email: Option<&str>,
        role: Role,
        at: Option<i64>,
    ) -> Result<Option<PersonId>> {
        let key = email.or(name).map(str::trim).filter(|k| !k.is_empty());
        let Some(key) = key else { return Ok(None) };
        let lc = key.to_lowercase();
        if let Some((p, i)) = self.people.get(&lc).copied() {
            let c = &mut self.changes[i].1;
            if at.unwrap_or(i64::MAX) < c.at.unwrap_or(i64::MAX) {
                c.at = at;
            }
            return Ok(Some(p));
        }
        if let Some(p) = self.store.find_person(key)? {
            return Ok(Some(p.id));
        }
        let id = PersonId::new_random();
        let name = name.filter(|n| !n.trim().is_empty()).unwrap_or(key).trim().to_string();
        let email = email.map(|e| e.trim().to_string()).or_else(|| key.contains('@').then(|| key.to_string()));
        let rec = PersonRecord { role, ..PersonRecord::requester(name, email) };
        let mut c = Change::new_person(id, rec);
        c.at = at;
        self.people.insert(lc, (id, self.changes.len()));
        self.changes.push((self.actor.clone(), c));
        Ok(Some(id))
    }

    fn push(&mut self, actor: Option<&str>, c: Change, at: Option<i64>) {
        let mut c = c;
        c.at = at;
        self.changes.push((actor.unwrap_or(&self.actor).to_string(), c));
    }

    fn plan(&mut self, row: &TicketIn) -> Result<()> {
        // The ticket is dated by the file's creation time, else by its earliest recorded
        // event; its history never goes before it.
        let events = [row.first_response_at, row.resolved_at, row.closed_at, row.updated_at];
        let born =
            row.created_at.or_else(|| events.iter().flatten().chain(row.entries.iter().map(|e| &e.at)).min().copied());
        let after = |t: Option<i64>| t.map(|t| born.map_or(t, |b| t.max(b)));
        let requester =
            self.person(row.requester_name.as_deref(), row.requester_email.as_deref(), Role::Requester, born)?;
        let assignee = match (row.assignee.as_deref(), row.assignee_email.as_deref()) {
            (None, None) => None,
            (name, email) => self.person(name, email, Role::Agent, born)?,
        };
        let id = TicketId::new_random();
        let mut t = NewTicket::titled(row.title.clone());
        t.description = row.description.clone();
        t.requester = requester;
        t.assignee = assignee;
        t.group = row.group.clone();
        t.kind = row.kind;
        t.category = row.category.clone();
        t.tags = row.tags.clone();
        t.channel = row.channel;
        t.urgency = row.urgency;
        t.impact = row.impact;
        t.priority = row.priority;
        let mut change = plan::new_ticket(id, t, &self.ctx.config.matrix);
        let Payload::TicketNew(r) = &mut change.payload else { unreachable!("plan::new_ticket makes a ticket.new") };
        r.origin = Some(Origin::key(row.key.clone()));
        r.created_at = born;
        // New and open are set as they are; the others through the workflow, so that
        // resolved and closed times are kept.
        let finish: Vec<(Status, Option<i64>)> = match row.status {
            Some(s @ (Status::New | Status::Open)) => {
                r.status = s;
                vec![]
            }
            // Waiting since the file's last update (the SLA clock pauses from then, not
            // from the start).
            Some(s @ (Status::Pending | Status::OnHold)) => vec![(s, row.updated_at.or(born))],
            Some(Status::Resolved) => vec![(Status::Resolved, row.resolved_at.or(row.closed_at).or(row.updated_at))],
            Some(Status::Closed) => vec![
                (Status::Resolved, row.resolved_at.or(row.closed_at).or(row.updated_at)),
                (Status::Closed, row.closed_at.or(row.updated_at).or(row.resolved_at)),
            ],
            None => vec![],
        };
        self.push(None, change, born);
        // The conversation, then a first response the file dates but does not hold.
        let mut answered = false;
        for e in &row.entries {
            let author = match (e.author.as_deref(), e.author_email.as_deref()) {
                (None, None) => None,
                (name, email) => self.person(name, email, Role::Requester, after(Some(e.at)))?,
            };
            answered |= e.kind == EntryKind::Reply
                && (author.is_none() || author != requester)
                && row.first_response_at.is_some_and(|f| e.at <= f);
            let rec = EntryRecord { kind: e.kind, body: e.body.clone(), author, minutes: e.minutes, origin: None };
            self.push(e.actor.as_deref(), Change::entry(id, rec), after(Some(e.at)));
        }
        if let Some(f) = row.first_response_at
            && !answered
        {
            let body = format!(
                "(first response on {}, from the imported file, which does not hold its text)",
                crate::domain::time::rfc3339(f)
            );
            let rec = EntryRecord { kind: EntryKind::Reply, body, author: None, minutes: None, origin: None };
            self.push(None, Change::entry(id, rec), after(Some(f)));
        }
        for (s, at) in finish {
            self.push(None, Change::set_ticket(id, TicketField::Status, Some(s.to_string())), after(at));
        }
        Ok(())
    }
}

#[derive(Serialize, Default)]
struct HistoryReport {
    ops: u64,
    added: usize,
    already_present: u64,
}

/// Ops per write transaction when importing history.
const HISTORY_BATCH: usize = 50_000;

fn import_history(ctx: &Ctx, file: &Path) -> Result<()> {
    let name = file.display().to_string();
    let open = || -> Result<BufReader<std::fs::File>> {
        Ok(BufReader::new(std::fs::File::open(file).map_err(|e| CliError::Failed(format!("{name}: {e}")))?))
    };
    // Pass 1: read and check everything before writing anything.
    let mut errors = Vec::new();
    let mut count = 0u64;
    let mut declared = None;
    for (i, l) in open()?.lines().enumerate() {
        let n = i + 1;
        let l = l.map_err(|e| CliError::Failed(format!("{name}:{n}: {e}")))?;
        if n == 1 {
            let h = history::parse_header(&l).map_err(|e| CliError::Failed(format!("{name}:1: {e}")))?;
            declared = Some(h.ops);
            continue;
        }
        if l.trim().is_empty() {
            continue;
        }
        match history::parse_op(&l) {
            Ok(_) => count += 1,
            Err(e) => errors.push(format!("{name}:{n}: {e}")),
        }
    }
    let Some(declared) = declared else {
        return Err(CliError::Failed(format!("{name}: the file is empty")).into());
    };
    if errors.is_empty() && declared != count {
        errors.push(format!("{name}: the header announces {declared} ops but the file holds {count} (cut short?)"));
    }
    if !errors.is_empty() {
        let n = errors.len();
        let list = errors.iter().take(20).map(|e| format!("  {}", line(e))).collect::<Vec<_>>().join("\n");
        return Err(CliError::Failed(format!("{n} problem(s); nothing was imported:\n{list}")).into());
    }
    // Pass 2: in order, in batches (each one transaction). A re-run after an interruption
    // skips the ops already written and completes the rest.
    // Ops made elsewhere, kept as they are: a lead's act, though none of them is theirs
    // (so the first run's admin is not written for it).
    let mut store = ctx.acting(Act::Bulk)?.store;
    let mut report = HistoryReport { ops: count, ..Default::default() };
    let mut batch = Vec::with_capacity(HISTORY_BATCH);
    let progress = super::progress::Progress::new(&ctx.out, "importing the history", Some(count));
    for (i, l) in open()?.lines().enumerate().skip(1) {
        let l = l.map_err(|e| CliError::Failed(format!("{name}:{}: {e}", i + 1)))?;
        if l.trim().is_empty() {
            continue;
        }
        batch.push(history::parse_op(&l).map_err(|e| CliError::Failed(format!("{name}:{}: {e}", i + 1)))?);
        if batch.len() == HISTORY_BATCH {
            report.added += store.ingest_raw(std::mem::take(&mut batch))?.added;
            progress.inc(HISTORY_BATCH as u64);
        }
    }
    report.added += store.ingest_raw(batch)?.added;
    progress.done();
    report.already_present = report.ops - report.added as u64;
    ctx.out.emit(&report, || {
        format!(
            "{} ops read: {} added, {} already present",
            thousands(report.ops),
            thousands(report.added as u64),
            thousands(report.already_present)
        )
    })
}
