//! A ticket's attachments: which one a name or number means, and saving one to a file
//! safely (a name from an e-mail never chooses where it is written, and nothing is
//! overwritten). For `tix attachment` and the console.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{AppError, Result};
use crate::domain::ids::TicketId;
use crate::store::{Attachment, Store};

/// Which attachment `key` means: its number in the list (1-based), its exact name, or
/// a prefix of its hash (6+ characters).
pub fn find<'a>(list: &'a [Attachment], key: &str) -> Result<(usize, &'a Attachment)> {
    let key = key.trim();
    if let Ok(n) = key.trim_start_matches('#').parse::<usize>()
        && let Some(a) = n.checked_sub(1).and_then(|i| list.get(i))
    {
        return Ok((n, a));
    }
    let named: Vec<_> = list.iter().enumerate().filter(|(_, a)| a.name == key).collect();
    match named.as_slice() {
        [(i, a)] => return Ok((i + 1, a)),
        [] => {}
        more => {
            let numbers = more.iter().map(|(i, _)| (i + 1).to_string()).collect::<Vec<_>>().join(", ");
            return Err(AppError::Usage(format!(
                "{} attachments are named \"{}\" ({numbers}): give the number",
                more.len(),
                crate::domain::text::clean(key)
            )));
        }
    }
    if key.len() >= 6 && key.chars().all(|c| c.is_ascii_hexdigit()) {
        let lower = key.to_ascii_lowercase();
        if let Some((i, a)) = list.iter().enumerate().find(|(_, a)| a.hash.starts_with(&lower)) {
            return Ok((i + 1, a));
        }
    }
    Err(AppError::NotFound(format!(
        "no attachment \"{}\" (give its number 1-{}, its name or a hash prefix)",
        crate::domain::text::clean(key),
        list.len()
    )))
}

/// A file name made from an attachment's name: path separators, control characters
/// and a leading dot neutralised, so it stays inside the directory it is written to
/// and is neither hidden nor special.
pub fn safe_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| if c == '/' || c == '\\' || c.is_control() || crate::domain::text::is_format(c) { '_' } else { c })
        .collect();
    s = s.trim().to_string();
    if s.starts_with('.') {
        s.replace_range(0..1, "_");
    }
    if s.is_empty() || s.chars().all(|c| c == '_' || c == '.') {
        s = "attachment".into();
    }
    // Long names are cut on a char boundary (file systems allow 255 bytes).
    while s.len() > 200 {
        s.pop();
    }
    s
}

/// Whether the content can be shown as text (a text type, or valid UTF-8 without NULs).
pub fn is_text(a: &Attachment, content: &[u8]) -> bool {
    let t = a.content_type.to_ascii_lowercase();
    let texty = t.starts_with("text/") || t.ends_with("json") || t.ends_with("xml") || t.contains("csv");
    (texty || t == "application/octet-stream" || t.is_empty())
        && std::str::from_utf8(content).is_ok_and(|s| !s.contains('\0'))
        && (texty || content.len() < 64 * 1024)
}

/// The attachment's content, when it was kept.
pub fn content(store: &Store, a: &Attachment) -> Result<Vec<u8>> {
    if !a.stored {
        return Err(AppError::NotFound(format!(
            "the content of \"{}\" was not kept (it was larger than [intake] max_attachment_bytes): only its name, \
             type and size are known",
            crate::domain::text::clean(&a.name)
        )));
    }
    store.attachment_content(&a.hash)?.ok_or_else(|| {
        AppError::NotFound(format!(
            "the content of \"{}\" is not in this store (it may not have synced yet)",
            crate::domain::text::clean(&a.name)
        ))
    })
}

/// Why a save did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("{0} exists; not overwritten (give another path)")]
    Exists(PathBuf),
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// Save one attachment of a ticket. `to`: a directory (the attachment's own name,
/// neutralised, inside it), a file path (its directory must exist), or `None` for the
/// current directory. Refuses to overwrite; the file is private (0600). Returns where
/// it was written.
pub fn save(store: &Store, ticket: TicketId, key: &str, to: Option<&Path>) -> Result<PathBuf, SaveError> {
    let list = store.ticket_attachments(ticket).map_err(AppError::from)?;
    let (_, a) = find(&list, key)?;
    let bytes = content(store, a)?;
    let path = match to {
        None => PathBuf::from(safe_name(&a.name)),
        Some(p) if p.is_dir() => p.join(safe_name(&a.name)),
        Some(p) => p.to_path_buf(),
    };
    write_new(&path, &bytes)?;
    Ok(path)
}

/// Write a new private file; an existing one is left alone.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), SaveError> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = match o.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(SaveError::Exists(path.to_path_buf())),
        Err(e) => return Err(SaveError::Io(path.to_path_buf(), e)),
    };
    if let Err(e) = f.write_all(bytes).and_then(|_| f.flush()) {
        // Nothing half-written stays behind.
        drop(f);
        let _ = std::fs::remove_file(path);
        return Err(SaveError::Io(path.to_path_buf(), e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_leave_the_directory_or_hide() {
        assert_eq!(safe_name("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(safe_name("..\\..\\boot.ini"), "_._.._boot.ini");
        assert_eq!(safe_name(".bashrc"), "_bashrc");
        assert_eq!(safe_name("a\u{1b}[31mb\nc.txt"), "a_[31mb_c.txt");
        assert_eq!(safe_name("report\u{202e}fdp.exe"), "report_fdp.exe");
        assert_eq!(safe_name(".."), "attachment");
        assert_eq!(safe_name(""), "attachment");
        assert_eq!(safe_name("Invoice 2026.pdf"), "Invoice 2026.pdf");
    }
}
