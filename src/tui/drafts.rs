//! Drafts kept on disk while they are written: a note or reply in the editor (or parked
//! behind a `??` KB search) and a new-ticket form. The driver writes them to a private
//! file (0600) in the user's data directory, one per store (`drafts-<hash of the
//! store's path>.json`), whenever they change, so a dropped SSH session (SIGHUP), a
//! SIGTERM, a crash or a power cut loses nothing; the next start offers them back.
//! Local and per user: never in the store, never synced, never beside a store that
//! others may share.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::TicketNumber;
use crate::domain::ids::TicketId;
use crate::domain::ticket::EntryKind;

/// A note or reply being written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryDraft {
    pub ticket: TicketId,
    pub number: TicketNumber,
    /// "note" or "reply".
    pub kind: String,
    pub text: String,
    #[serde(default)]
    pub minutes: Option<u32>,
}

impl EntryDraft {
    pub fn kind(&self) -> EntryKind {
        if self.kind == "reply" { EntryKind::Reply } else { EntryKind::Note }
    }

    pub fn kind_name(kind: EntryKind) -> &'static str {
        match kind {
            EntryKind::Note => "note",
            EntryKind::Reply => "reply",
        }
    }
}

/// The typed parts of a new-ticket form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDraft {
    pub title: String,
    pub description: String,
}

/// Everything unsaved at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Drafts {
    #[serde(default)]
    pub entry: Option<EntryDraft>,
    #[serde(default)]
    pub form: Option<FormDraft>,
}

impl Drafts {
    pub fn is_empty(&self) -> bool {
        self.entry.is_none() && self.form.is_none()
    }

    /// In words: "a note on #42 (2 lines) and a new ticket “Toner”".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = &self.entry {
            let lines = e.text.lines().count().max(1);
            let s = if lines == 1 { "" } else { "s" };
            parts.push(format!("a {} on {} ({lines} line{s})", e.kind, e.number));
        }
        if let Some(f) = &self.form {
            parts.push(format!("a new ticket \"{}\"", crate::domain::text::clean(&f.title)));
        }
        parts.join(" and ")
    }
}

/// Where a store's drafts are kept in a (private) data directory.
pub fn file_in(dir: &Path, store: &Path) -> PathBuf {
    let full = std::fs::canonicalize(store).unwrap_or_else(|_| store.to_path_buf());
    let hash = blake3::hash(full.to_string_lossy().as_bytes()).to_hex();
    dir.join(format!("drafts-{}.json", &hash[..16]))
}

/// Beside the store (tests, and when there is no data directory).
pub fn path_for(store: &Path) -> PathBuf {
    let mut name = store.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".drafts.json");
    store.with_file_name(name)
}

/// The drafts left by an earlier console (none when there is no file or it is unreadable).
pub fn load(path: &Path) -> Drafts {
    std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Keep the drafts (or remove the file when there are none). Private from the first
/// byte; written to a temporary file and renamed, so a crash mid-write keeps the last
/// complete copy.
pub fn save(path: &Path, d: &Drafts) -> std::io::Result<()> {
    if d.is_empty() {
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = crate::fsmode::private_tempfile(Some(dir), ".tix-drafts-", ".tmp")?;
    tmp.write_all(&serde_json::to_vec(d).map_err(std::io::Error::other)?)?;
    tmp.flush()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_round_trip_in_a_private_file_and_none_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = path_for(&dir.path().join("tix.db"));
        assert_eq!(p.file_name().unwrap(), "tix.db.drafts.json");
        let d = Drafts {
            entry: Some(EntryDraft {
                ticket: TicketId::from_bytes([3; 16]),
                number: TicketNumber(42),
                kind: "reply".into(),
                text: "Hello\nsecond".into(),
                minutes: Some(15),
            }),
            form: None,
        };
        save(&p, &d).unwrap();
        #[cfg(unix)]
        assert_eq!(crate::fsmode::mode(&p), Some(0o600));
        assert_eq!(load(&p), d);
        assert_eq!(d.describe(), "a reply on #42 (2 lines)");
        save(&p, &Drafts::default()).unwrap();
        assert!(!p.exists());
        assert!(load(&p).is_empty());
    }
}
