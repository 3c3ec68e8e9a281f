//! `tix asset ...`

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::output::{ImportReport, cell, line};
use super::{CliError, Ctx};
use crate::app::Act;
use crate::domain::asset::{AssetField, AssetRecord, AssetStatus, warranty_state};
use crate::domain::ids::{AssetId, PersonId};
use crate::domain::op::Change;
use crate::domain::person::PersonRecord;
use crate::domain::time;
use crate::import::assets::{AssetRow, Options as ImportOptions, Target, map_status, parse_assets_csv_with};
use crate::store::Store;

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum AssetCmd {
    /// Register an asset
    Add(AddArgs),
    /// Show an asset (by tag, hostname or serial) and its ticket history
    Show { key: String },
    /// Find assets, best first: exact tag, tag by letters and number (`lt43`), hostname,
    /// serial, holder, then characters in order
    Find {
        text: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Import a CSV file with a header row (Snipe-IT and spreadsheet exports)
    Import {
        file: PathBuf,
        /// Import the good rows and report the bad ones (default: all or nothing); of two
        /// columns with the same name, the first is used (with a warning)
        #[arg(long)]
        skip_bad: bool,
        /// Read a column as a field: `--map "Asset No=tag"` (fields: tag, hostname, serial,
        /// model, manufacturer, category, status, assigned_to, email, location, ip, mac,
        /// purchase_date, warranty_end, warranty_months, notes)
        #[arg(long = "map", value_name = "FROM=TO")]
        map: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Asset tag (unique)
    tag: String,
    #[arg(long)]
    hostname: Option<String>,
    #[arg(long)]
    serial: Option<String>,
    #[arg(long)]
    model: Option<String>,
    #[arg(long)]
    manufacturer: Option<String>,
    #[arg(long)]
    category: Option<String>,
    #[arg(long, default_value = "in-use")]
    status: AssetStatus,
    /// Who holds it: a known person, or `Name <email>`
    #[arg(long)]
    holder: Option<String>,
    #[arg(long)]
    location: Option<String>,
    #[arg(long)]
    ip: Option<String>,
    #[arg(long)]
    mac: Option<String>,
    /// YYYY-MM-DD (or m/d/y)
    #[arg(long)]
    purchase_date: Option<String>,
    /// YYYY-MM-DD (or m/d/y)
    #[arg(long)]
    warranty_end: Option<String>,
    #[arg(long)]
    notes: Option<String>,
}

pub fn run(ctx: &Ctx, cmd: AssetCmd) -> Result<()> {
    match cmd {
        AssetCmd::Add(a) => add(ctx, a),
        AssetCmd::Show { key } => show(ctx, &key),
        AssetCmd::Find { text, limit } => {
            let store = ctx.open()?;
            let found = store.rank_assets(&text, limit)?;
            ctx.out.emit(&found, || {
                found
                    .iter()
                    .map(|a| {
                        format!(
                            "{} {} {} {}",
                            cell(&a.record.tag, 14),
                            cell(a.record.hostname.as_deref().unwrap_or("-"), 16),
                            cell(a.record.model.as_deref().unwrap_or("-"), 24),
                            line(a.holder_name.as_deref().unwrap_or("-"))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        AssetCmd::Import { file, skip_bad, map } => import(ctx, &file, skip_bad, &map),
    }
}

fn date(arg: &str, v: Option<String>) -> Result<Option<String>> {
    v.map(|d| {
        time::parse_date(&d).ok_or_else(|| CliError::Usage(format!("--{arg} '{d}' is not a date (YYYY-MM-DD)")).into())
    })
    .transpose()
}

/// A person by e-mail or name, else a new requester.
fn holder(
    store: &Store,
    name: Option<&str>,
    email: Option<&str>,
    changes: &mut Vec<Change>,
    fresh: &mut Vec<(String, PersonId)>,
) -> Result<Option<PersonId>> {
    let key = email.or(name).map(str::trim).filter(|k| !k.is_empty());
    let Some(key) = key else { return Ok(None) };
    if let Some((_, id)) = fresh.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
        return Ok(Some(*id));
    }
    if let Some(p) = store.find_person(key)? {
        return Ok(Some(p.id));
    }
    let id = PersonId::new_random();
    let name = name.filter(|n| !n.trim().is_empty()).unwrap_or(key);
    changes.push(Change::new_person(id, PersonRecord::requester(name.trim(), email.map(|e| e.trim().to_string()))));
    fresh.push((key.to_string(), id));
    Ok(Some(id))
}

fn add(ctx: &Ctx, a: AddArgs) -> Result<()> {
    let mut desk = ctx.acting(Act::Work)?;
    let store = &desk.store;
    let mut changes = Vec::new();
    let (hname, hemail) = match a.holder.as_deref() {
        Some(h) => {
            let (n, e) = crate::domain::person::parse_mailbox(h);
            (Some(n), e)
        }
        None => (None, None),
    };
    let holder = holder(store, hname.as_deref(), hemail.as_deref(), &mut changes, &mut Vec::new())?;
    let rec = AssetRecord {
        tag: a.tag.trim().to_string(),
        hostname: a.hostname,
        serial: a.serial,
        model: a.model,
        manufacturer: a.manufacturer,
        category: a.category,
        status: a.status,
        holder,
        location: a.location,
        ip: a.ip,
        mac: a.mac,
        purchase_date: date("purchase-date", a.purchase_date)?,
        warranty_end: date("warranty-end", a.warranty_end)?,
        notes: a.notes,
    };
    let id = AssetId::new_random();
    changes.push(Change::new_asset(id, rec.clone()));
    desk.commit(changes)?;
    ctx.tell(&mut desk);
    ctx.out.emit(&serde_json::json!({ "id": id, "tag": rec.tag }), || format!("added asset {}", line(&rec.tag)))
}

fn show(ctx: &Ctx, key: &str) -> Result<()> {
    let store = ctx.open()?;
    let a = store.asset_by_key(key)?;
    let tickets = store.asset_tickets(a.id, 20)?;
    let today = time::iso_date(store.now_ms());
    let w = warranty_state(a.record.warranty_end.as_deref(), &today);
    let out = serde_json::json!({ "asset": a, "warranty": w, "tickets": tickets });
    ctx.out.emit(&out, || {
        let r = &a.record;
        let f = |label: &str, v: &Option<String>| {
            v.as_deref().map(|v| format!("{label:<14}{}\n", line(v))).unwrap_or_default()
        };
        let mut s = format!("{}  ({})\n", line(&r.tag), r.status);
        s += &f("hostname", &r.hostname);
        s += &f("serial", &r.serial);
        s += &f(
            "model",
            &r.model.as_ref().map(|m| format!("{} {}", r.manufacturer.as_deref().unwrap_or(""), m).trim().to_string()),
        );
        s += &f("category", &r.category);
        s += &f("holder", &a.holder_name);
        s += &f("location", &r.location);
        s += &f("ip", &r.ip);
        s += &f("mac", &r.mac);
        s += &f("purchased", &r.purchase_date);
        s += &format!(
            "{:<14}{}{}\n",
            "warranty",
            w,
            r.warranty_end.as_deref().map(|d| format!(" (ends {d})")).unwrap_or_default()
        );
        s += &f("notes", &r.notes);
        if !tickets.is_empty() {
            s.push_str("\nTickets:\n");
            for t in &tickets {
                s.push_str(&format!("  {:<7} {:<9} {}\n", t.number.to_string(), t.status.as_str(), line(&t.title)));
            }
        }
        s
    })
}

fn import(ctx: &Ctx, file: &std::path::Path, skip_bad: bool, map: &[String]) -> Result<()> {
    let mut opts = ImportOptions { first_duplicate_wins: skip_bad, ..Default::default() };
    for m in map {
        let (from, to) = m
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--map '{m}': write it as COLUMN=FIELD, e.g. \"Asset No=tag\"")))?;
        let field = Target::parse(to).map_err(|e| CliError::Usage(format!("--map '{m}': {e}")))?;
        opts.map.push((from.trim().to_string(), field));
    }
    let mut desk = ctx.acting(Act::Bulk)?;
    let store = &desk.store;
    let bytes = std::fs::read(file).map_err(|e| CliError::Failed(format!("{}: {e}", file.display())))?;
    let name = file.display().to_string();
    let parsed = parse_assets_csv_with(&bytes, &name, &opts).map_err(|e| CliError::Failed(e.to_string()))?;
    let mut report = ImportReport {
        ignored_columns: parsed.ignored_columns.clone(),
        warnings: parsed.warnings.iter().map(|w| w.to_string()).collect(),
        ..Default::default()
    };
    report.rejected = parsed.errors.iter().map(|e| e.to_string()).collect();
    let mut changes = Vec::new();
    let mut fresh = Vec::new();
    let progress = super::progress::Progress::new(&ctx.out, "importing assets", Some(parsed.rows.len() as u64));
    for row in &parsed.rows {
        progress.inc(1);
        let status = match row.status.as_deref() {
            None => AssetStatus::InUse,
            Some(s) => match map_status(s).and_then(|m| m.parse().ok()) {
                Some(st) => st,
                None => {
                    report.rejected.push(format!(
                        "{name}:{}: unknown status '{s}' (expected in use, in stock, in repair, retired or lost)",
                        row.line
                    ));
                    continue;
                }
            },
        };
        let holder = holder(store, row.holder_name.as_deref(), row.holder_email.as_deref(), &mut changes, &mut fresh)?;
        let rec = record(row, status, holder);
        match store.asset_by_key(&row.tag) {
            Ok(existing) if existing.record.tag.eq_ignore_ascii_case(&row.tag) => {
                let before = changes.len();
                for f in AssetField::ALL {
                    if *f == AssetField::Deleted || *f == AssetField::Tag {
                        continue;
                    }
                    let (old, new) = (existing.record.field_value(*f), rec.field_value(*f));
                    if old != new && new.is_some() {
                        changes.push(Change::set_asset(existing.id, *f, new));
                    }
                }
                if changes.len() > before { report.updated += 1 } else { report.unchanged += 1 }
            }
            _ => {
                report.created += 1;
                changes.push(Change::new_asset(AssetId::new_random(), rec));
            }
        }
    }
    progress.done();
    report.refuse_unless(skip_bad, "row(s)")?;
    desk.commit(changes)?;
    ctx.tell(&mut desk);
    ctx.out.emit(&report, || report.render())
}

fn record(row: &AssetRow, status: AssetStatus, holder: Option<PersonId>) -> AssetRecord {
    AssetRecord {
        tag: row.tag.clone(),
        hostname: row.hostname.clone(),
        serial: row.serial.clone(),
        model: row.model.clone(),
        manufacturer: row.manufacturer.clone(),
        category: row.category.clone(),
        status,
        holder,
        location: row.location.clone(),
        ip: row.ip.clone(),
        mac: row.mac.clone(),
        purchase_date: row.purchase_date.clone(),
        warranty_end: row.warranty_end.clone(),
        notes: row.notes.clone(),
    }
}
