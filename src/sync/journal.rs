//! The journal of the numbers a shared store has issued (`PATH.numbers`).

use super::SyncError;
use super::temp_files::host_name;
use super::temp_files::temp_prefix;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use uuid::Uuid;

/// The journal of the numbers a shared store has issued, beside it as `PATH.numbers`:
/// a header naming the store, then one line per number issued (`N TICKET CHECK`) and a
/// line per epoch start (`from N CHECK`: every number below is spoken for), each with a
/// checksum so that a torn last line is ignored. Appended, and flushed to disk, before
/// the transaction that issues the numbers commits; numbers only grow down the file.
pub(super) struct Journal<'a> {
    pub(super) path: &'a Path,
    pub(super) store_id: &'a str,
}

pub(super) fn journal_header(store_id: &str) -> String {
    format!("tix shared store numbers 2 {store_id}\n")
}

pub(super) fn journal_check(store_id: &str, body: &str) -> String {
    blake3::hash(format!("{store_id} {body}").as_bytes()).to_hex()[..8].to_string()
}

/// One valid line: `(number, ticket)` (`None` ticket for a `from` line, whose number is
/// the first of an epoch).
pub(super) fn journal_line(store_id: &str, line: &str) -> Option<(u64, Option<Uuid>)> {
    let (body, check) = line.rsplit_once(' ')?;
    if journal_check(store_id, body) != check {
        return None;
    }
    match body.split_once(' ')? {
        ("from", n) => Some((n.parse::<u64>().ok()?.saturating_sub(1), None)),
        (n, t) => Some((n.parse().ok()?, Some(Uuid::parse_str(t).ok()?))),
    }
}

impl Journal<'_> {
    /// The journal, positioned after its header; `None` when there is none of this store
    /// (missing, a damaged header, another store's). An error is an error: a journal that
    /// cannot be read now is never taken for a missing one.
    pub(super) fn open(&self) -> std::io::Result<Option<std::fs::File>> {
        let mut f = match std::fs::File::open(self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let header = journal_header(self.store_id);
        let mut first = vec![0u8; header.len()];
        match f.read_exact(&mut first) {
            Ok(()) => Ok((first == header.as_bytes()).then_some(f)),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The highest number the journal says was issued or spoken for; `None` when there
    /// is no journal of this store.
    pub(super) fn highest(&self) -> std::io::Result<Option<u64>> {
        use std::io::{Seek, SeekFrom};
        let Some(mut f) = self.open()? else { return Ok(None) };
        let len = f.metadata()?.len();
        let header = journal_header(self.store_id).len() as u64;
        // Numbers only grow down the file: the tail holds the highest.
        let from = len.saturating_sub(16_384).max(header);
        f.seek(SeekFrom::Start(from))?;
        let mut tail = Vec::new();
        f.read_to_end(&mut tail)?;
        let tail = String::from_utf8_lossy(&tail);
        let best = tail.lines().filter_map(|l| journal_line(self.store_id, l)).map(|(n, _)| n).max();
        Ok(Some(match best {
            Some(n) => n,
            None if from > header => self.entries()?.map(|e| e.iter().map(|(_, n)| *n).max().unwrap_or(0)).unwrap_or(0),
            None => 0,
        }))
    }

    /// Every number issued, by ticket (a ticket listed twice: the later line).
    pub(super) fn entries(&self) -> std::io::Result<Option<Vec<(Uuid, u64)>>> {
        let Some(mut f) = self.open()? else { return Ok(None) };
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)?;
        let mut by_ticket: HashMap<Uuid, u64> = HashMap::new();
        for (n, t) in String::from_utf8_lossy(&bytes).lines().filter_map(|l| journal_line(self.store_id, l)) {
            if let Some(t) = t {
                by_ticket.insert(t, n);
            }
        }
        Ok(Some(by_ticket.into_iter().collect()))
    }

    /// Append an epoch start and numbers issued, and flush them to disk. A missing
    /// journal, or another store's, is replaced by a new one of this store.
    pub(super) fn append(&self, from: Option<u64>, entries: &[(Uuid, u64)]) -> Result<(), SyncError> {
        if from.is_none() && entries.is_empty() {
            return Ok(());
        }
        let line = |body: String| format!("{body} {}\n", journal_check(self.store_id, &body));
        let mut text = String::new();
        if let Some(n) = from {
            text.push_str(&line(format!("from {n}")));
        }
        for (t, n) in entries {
            text.push_str(&line(format!("{n} {t}")));
        }
        let fail = |e: std::io::Error| SyncError::Offline(format!("cannot write {}: {e}", self.path.display()));
        if self.open().map_err(fail)?.is_some() {
            let mut f = std::fs::OpenOptions::new().append(true).open(self.path).map_err(fail)?;
            return f.write_all(text.as_bytes()).and_then(|_| f.sync_data()).map_err(fail);
        }
        // A new journal, put in place whole (a temporary file renamed over the old one).
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            "{}{}-{}-{}",
            temp_prefix(self.path),
            host_name(),
            std::process::id(),
            Uuid::new_v4().simple()
        ));
        let r = (|| {
            // The numbers journal sits beside the shared file: for the group, never others.
            let mut f = crate::fsmode::create_group_file(&tmp)?;
            f.write_all(journal_header(self.store_id).as_bytes())?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, self.path)
        })();
        if r.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        r.map_err(fail)
    }
}

/// The highest number the journal beside a shared store of `store_id` says was issued
/// (`None`: no journal of this store, or it cannot be read).
pub fn journal_highest(journal: &Path, store_id: &str) -> Option<u64> {
    Journal { path: journal, store_id }.highest().ok().flatten()
}

/// Every number the journal says was issued, by ticket.
pub fn journal_entries(journal: &Path, store_id: &str) -> Option<Vec<(Uuid, u64)>> {
    Journal { path: journal, store_id }.entries().ok().flatten()
}

pub(super) fn journal_unreadable(path: &Path, e: std::io::Error) -> SyncError {
    SyncError::Offline(format!("cannot read {}: {e}", path.display()))
}

/// Start a journal of `store_id` at `journal` whose numbers begin at `first` (or add
/// that epoch start to an existing one).
pub fn journal_start(journal: &Path, store_id: &str, first: u64) -> Result<(), SyncError> {
    Journal { path: journal, store_id }.append(Some(first), &[])
}
