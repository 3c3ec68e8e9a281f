//! `tix import tickets|history`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{ImportReport, line, thousands};
use super::{CliError, Ctx};
use crate::domain::ids::{PersonId, TicketId};
use crate::domain::op::{Change, Origin, Payload};
use crate::domain::person::{PersonRecord, Role};
use crate::domain::plan::{self, NewTicket};
use crate::domain::ticket::{Status, TicketField};
use crate::import::history;
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
    /// group, tags, created, channel, type)
    #[arg(long = "map", value_name = "FROM=TO")]
    map: Vec<String>,
    /// A name for where the file comes from, kept in each ticket's re-import key
    /// (so ticket 17 of one desk and ticket 17 of another stay apart)
    #[arg(long)]
    source: Option<String>,
    /// Import the good rows and report the bad ones (default: all or nothing)
    #[arg(long)]
    skip_bad: bool,
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
    let mut store = ctx.open()?;
    let bytes = std::fs::read(&a.file).map_err(|e| CliError::Failed(format!("{}: {e}", a.file.display())))?;
    let name = a.file.display().to_string();
    let opts = Options { map, source: a.source };
    let parsed = tickets::parse_tickets(&bytes, &name, format, &opts).map_err(|e| CliError::Failed(e.to_string()))?;
    let mut report = ImportReport { ignored_columns: parsed.ignored_columns.clone(), ..Default::default() };
    report.rejected = parsed.errors.iter().map(|e| e.to_string()).collect();
    let mut planner = TicketPlanner { store: &store, ctx, people: HashMap::new(), changes: vec![] };
    for row in &parsed.rows {
        if store.origin_known(&row.key)? {
            report.unchanged += 1;
            continue;
        }
        planner.plan(row)?;
        report.created += 1;
    }
    let changes = std::mem::take(&mut planner.changes);
    report.refuse_unless(a.skip_bad, "row(s)")?;
    store.commit(&ctx.actor, changes)?;
    ctx.out.emit(&report, || report.render())
}

struct TicketPlanner<'a> {
    store: &'a Store,
    ctx: &'a Ctx,
    /// People created in this import, by lower-case e-mail or name.
    people: HashMap<String, PersonId>,
    changes: Vec<Change>,
}

impl TicketPlanner<'_> {
    fn person(&mut self, name: Option<&str>, email: Option<&str>, role: Role) -> Result<Option<PersonId>> {
        let key = email.or(name).map(str::trim).filter(|k| !k.is_empty());
        let Some(key) = key else { return Ok(None) };
        let lc = key.to_lowercase();
        if let Some(p) = self.people.get(&lc) {
            return Ok(Some(*p));
        }
        if let Some(p) = self.store.find_person(key)? {
            return Ok(Some(p.id));
        }
        let id = PersonId::new_random();
        let name = name.filter(|n| !n.trim().is_empty()).unwrap_or(key).trim().to_string();
        let email = email.map(|e| e.trim().to_string()).or_else(|| key.contains('@').then(|| key.to_string()));
        let rec = PersonRecord { role, ..PersonRecord::requester(name, email) };
        self.changes.push(Change::new_person(id, rec));
        self.people.insert(lc, id);
        Ok(Some(id))
    }

    fn plan(&mut self, row: &TicketIn) -> Result<()> {
        let requester = self.person(row.requester_name.as_deref(), row.requester_email.as_deref(), Role::Requester)?;
        let assignee = match row.assignee.as_deref() {
            Some(a) => self.person(Some(a), None, Role::Agent)?,
            None => None,
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
        r.created_at = row.created_at;
        // Active statuses are set as they are; finished ones through the workflow, so that
        // resolved and closed times are kept.
        let finish: &[Status] = match row.status {
            Some(s @ (Status::New | Status::Open | Status::Pending | Status::OnHold)) => {
                r.status = s;
                &[]
            }
            Some(Status::Resolved) => &[Status::Resolved],
            Some(Status::Closed) => &[Status::Resolved, Status::Closed],
            None => &[],
        };
        self.changes.push(change);
        for s in finish {
            self.changes.push(Change::set_ticket(id, TicketField::Status, Some(s.to_string())));
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
    let mut store = ctx.open()?;
    let mut report = HistoryReport { ops: count, ..Default::default() };
    let mut batch = Vec::with_capacity(HISTORY_BATCH);
    for (i, l) in open()?.lines().enumerate().skip(1) {
        let l = l.map_err(|e| CliError::Failed(format!("{name}:{}: {e}", i + 1)))?;
        if l.trim().is_empty() {
            continue;
        }
        batch.push(history::parse_op(&l).map_err(|e| CliError::Failed(format!("{name}:{}: {e}", i + 1)))?);
        if batch.len() == HISTORY_BATCH {
            report.added += store.ingest_raw(std::mem::take(&mut batch))?.added;
        }
    }
    report.added += store.ingest_raw(batch)?.added;
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
