//! `tix export tickets|assets|kb|history`: everything, streamed row by row to stdout, in a
//! stable column order; CSV cells guarded against spreadsheet formula injection.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::output::csv_safe;
use super::{CliError, Ctx};
use crate::import::history;
use crate::import::tickets::Format;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum What {
    Tickets,
    Assets,
    Kb,
    History,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// tickets, assets, kb or history
    #[arg(value_enum)]
    what: What,
    /// csv, json or jsonl (history: jsonl only) [default: csv; history: jsonl]
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of stdout: private to you (mode 0600), complete or not at all
    #[arg(long, short, value_name = "PATH")]
    output: Option<std::path::PathBuf>,
    /// Tickets: with each ticket's notes and replies (time, kind, author, body, time
    /// booked). JSON and JSONL carry them in the ticket's `entries`; CSV writes them to FILE
    /// (one row per entry, keyed by the ticket's id), which `tix import tickets --entries`
    /// reads back
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    entries: Option<Option<PathBuf>>,
}

/// An export error: the store's, or the output's (a closed pipe ends quietly in `main`).
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Other(String),
}

pub fn run(ctx: &Ctx, a: ExportArgs) -> Result<()> {
    let store = ctx.open()?;
    let format = match (a.what, a.format) {
        (What::History, None | Some(Format::Jsonl)) => Format::Jsonl,
        (What::History, Some(_)) => {
            return Err(CliError::Usage("history is exported as jsonl only".into()).into());
        }
        (_, f) => f.unwrap_or(Format::Csv),
    };
    let entries = match (a.what, format, a.entries.as_ref().map(Option::as_deref)) {
        (_, _, None) => Entries::None,
        (What::Tickets, Format::Csv, Some(None)) => {
            return Err(CliError::Usage(
                "a CSV export writes the entries to their own file: --entries FILE (JSON and JSONL carry them inline)"
                    .into(),
            )
            .into());
        }
        (What::Tickets, Format::Csv, Some(Some(p))) => Entries::File(Box::new(create_entries_file(p)?)),
        (What::Tickets, _, Some(None)) => Entries::Inline,
        (What::Tickets, _, Some(Some(_))) => {
            return Err(CliError::Usage(
                "JSON and JSONL exports carry the entries inline: give --entries without a file".into(),
            )
            .into());
        }
        (_, _, Some(_)) => return Err(CliError::Usage("--entries goes with `export tickets`".into()).into()),
    };
    let write = |w: &mut dyn Write| -> Result<(), ExportError> {
        let mut out = BufWriter::with_capacity(1 << 16, w);
        match a.what {
            What::Tickets if !matches!(entries, Entries::None) => {
                tickets_with_entries(&store, &mut out, format, entries)
            }
            What::Tickets => rows(&mut out, format, store_tickets(&store), crate::store::TicketExport::COLUMNS),
            What::Assets => rows(&mut out, format, store_assets(&store), crate::store::AssetExport::COLUMNS),
            What::Kb => rows(&mut out, format, store_articles(&store), crate::store::ArticleExport::COLUMNS),
            What::History => history_out(&store, &mut out),
        }?;
        out.flush().map_err(ExportError::from)
    };
    let r = match &a.output {
        None => write(&mut std::io::stdout().lock()),
        Some(path) => to_private_file(path, write),
    };
    match r {
        Ok(()) => Ok(()),
        Err(ExportError::Store(e)) => Err(e.into()),
        Err(ExportError::Io(e)) => Err(e.into()),
        Err(ExportError::Csv(e)) => match e.into_kind() {
            csv::ErrorKind::Io(io) => Err(io.into()),
            other => Err(CliError::Failed(format!("{other:?}")).into()),
        },
        Err(ExportError::Json(e)) if e.is_io() => Err(std::io::Error::from(e).into()),
        Err(e) => Err(CliError::Failed(e.to_string()).into()),
    }
}

/// Run `write` into a new private file (0600) that replaces `path` once complete.
fn to_private_file(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let mut failed = None;
    let r = crate::fsmode::write_private_file(path, |f| {
        write(f).map_err(|e| {
            failed = Some(e);
            std::io::Error::other("export failed")
        })
    });
    match (failed, r) {
        (Some(e), _) => Err(e),
        (None, Ok(())) => Ok(()),
        (None, Err(e)) => Err(ExportError::Other(format!("cannot write {}: {e}", path.display()))),
    }
}

/// A row source: calls `f` for each row, streaming.
type Source<'a, T> = Box<dyn FnOnce(&mut dyn FnMut(T) -> Result<(), ExportError>) -> Result<u64, ExportError> + 'a>;

fn store_tickets(s: &Store) -> Source<'_, crate::store::TicketExport> {
    Box::new(move |f| s.export_tickets(f))
}
fn store_assets(s: &Store) -> Source<'_, crate::store::AssetExport> {
    Box::new(move |f| s.export_assets(f))
}
fn store_articles(s: &Store) -> Source<'_, crate::store::ArticleExport> {
    Box::new(move |f| s.export_articles(f))
}

/// Rows that know their CSV cells.
trait Cells: Serialize {
    fn cells(&self) -> Vec<String>;
}
impl Cells for crate::store::TicketExport {
    fn cells(&self) -> Vec<String> {
        crate::store::TicketExport::cells(self)
    }
}
impl Cells for crate::store::AssetExport {
    fn cells(&self) -> Vec<String> {
        crate::store::AssetExport::cells(self)
    }
}
impl Cells for crate::store::ArticleExport {
    fn cells(&self) -> Vec<String> {
        crate::store::ArticleExport::cells(self)
    }
}

/// Write rows as CSV (cells guarded against formula injection), a JSON array or JSON lines.
fn rows<T: Cells>(
    out: &mut dyn Write,
    format: Format,
    source: Source<'_, T>,
    columns: &[&str],
) -> Result<(), ExportError> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(columns)?;
            source(&mut |row: T| {
                w.write_record(row.cells().iter().map(|c| csv_safe(c).into_owned()))?;
                Ok(())
            })?;
            w.flush()?;
        }
        Format::Json => {
            out.write_all(b"[")?;
            let mut first = true;
            source(&mut |row: T| {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                first = false;
                serde_json::to_writer(&mut *out, &row)?;
                Ok(())
            })?;
            out.write_all(b"\n]\n")?;
        }
        Format::Jsonl => {
            source(&mut |row: T| {
                serde_json::to_writer(&mut *out, &row)?;
                out.write_all(b"\n")?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Where a ticket export puts the entries.
enum Entries {
    None,
    /// In each ticket's JSON object.
    Inline,
    /// In a companion CSV file.
    File(Box<csv::Writer<BufWriter<std::fs::File>>>),
}

/// The companion file of a CSV export (refused before anything is written when it cannot be made).
fn create_entries_file(p: &Path) -> Result<csv::Writer<BufWriter<std::fs::File>>> {
    // Private to its owner, as every file tix writes desk data to.
    let f = std::fs::File::create(p)
        .and_then(|f| crate::fsmode::make_private(&f).map(|_| f))
        .map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))?;
    Ok(csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, f)))
}

/// Tickets with their entries, streamed: one ticket row, then its entries (read per ticket,
/// so memory holds one ticket's conversation at a time).
fn tickets_with_entries(
    store: &Store,
    out: &mut dyn Write,
    format: Format,
    entries: Entries,
) -> Result<(), ExportError> {
    match (format, entries) {
        (Format::Csv, Entries::File(mut ew)) => {
            ew.write_record(crate::store::EntryExport::CSV_COLUMNS)?;
            let mut w = csv::Writer::from_writer(out);
            w.write_record(crate::store::TicketExport::COLUMNS)?;
            store.export_tickets(|t| {
                w.write_record(t.cells().iter().map(|c| csv_safe(c).into_owned()))?;
                if t.entries.count() > 0 {
                    let (id, number) = (t.id.to_string(), t.number.plain());
                    for e in store.export_entries(t.id)? {
                        let cells = [id.clone(), number.clone()].into_iter().chain(e.cells());
                        ew.write_record(cells.map(|c| csv_safe(&c).into_owned()))?;
                    }
                }
                Ok::<(), ExportError>(())
            })?;
            w.flush()?;
            ew.flush()?;
        }
        (_, _) => {
            let lines = format == Format::Jsonl;
            if !lines {
                out.write_all(b"[")?;
            }
            let mut first = true;
            store.export_tickets(|mut t| {
                let list = if t.entries.count() > 0 { store.export_entries(t.id)? } else { vec![] };
                t.entries = crate::store::EntryList::Entries(list);
                if !lines {
                    out.write_all(if first { b"\n" } else { b",\n" })?;
                }
                first = false;
                serde_json::to_writer(&mut *out, &t)?;
                if lines {
                    out.write_all(b"\n")?;
                }
                Ok::<(), ExportError>(())
            })?;
            if !lines {
                out.write_all(b"\n]\n")?;
            }
        }
    }
    Ok(())
}

fn history_out(store: &Store, out: &mut dyn Write) -> Result<(), ExportError> {
    let header =
        history::Header { tix_history: history::FORMAT_VERSION, store_id: store.store_id()?, ops: store.op_count()? };
    serde_json::to_writer(&mut *out, &header)?;
    out.write_all(b"\n")?;
    store.export_ops(|op| {
        let l = history::op_line(&op).map_err(ExportError::Other)?;
        out.write_all(l.as_bytes())?;
        out.write_all(b"\n")?;
        Ok::<(), ExportError>(())
    })?;
    Ok(())
}
