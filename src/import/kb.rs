//! A folder of markdown files as KB articles.

use std::path::{Path, PathBuf};

use crate::domain::kb::markdown_title;

/// One markdown file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbFile {
    /// Path relative to the imported folder, with `/` separators: the article's identity on re-import.
    pub source: String,
    pub title: String,
    pub body: String,
}

/// A file that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct KbFileError {
    pub path: String,
    pub reason: String,
}

/// Largest article accepted (a KB page larger than this is a mistake).
pub const MAX_ARTICLE_BYTES: u64 = 1024 * 1024;

/// All `.md` / `.markdown` files below `dir`, sorted by path, each read or refused.
pub fn scan(dir: &Path) -> Result<Vec<Result<KbFile, KbFileError>>, KbFileError> {
    if !dir.is_dir() {
        return Err(KbFileError { path: dir.display().to_string(), reason: "not a directory".into() });
    }
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    files.sort();
    Ok(files.into_iter().map(|p| read(dir, &p)).collect())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), KbFileError> {
    let err = |e: std::io::Error| KbFileError { path: dir.display().to_string(), reason: e.to_string() };
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let entry = entry.map_err(err)?;
        let path = entry.path();
        let ft = entry.file_type().map_err(err)?;
        if ft.is_dir() {
            collect(&path, out)?;
        } else if ft.is_file() && matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "markdown")) {
            out.push(path);
        }
    }
    Ok(())
}

fn read(root: &Path, path: &Path) -> Result<KbFile, KbFileError> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let source = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
    let fail = |reason: String| KbFileError { path: path.display().to_string(), reason };
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.len() > MAX_ARTICLE_BYTES {
        return Err(fail(format!(
            "{} bytes is larger than the {} byte limit for an article",
            meta.len(),
            MAX_ARTICLE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let body = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        fail(format!("line {line}: not valid UTF-8 (byte {at})"))
    })?;
    let body = body.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(body);
    let title = markdown_title(&body).unwrap_or_else(|| {
        path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| source.clone())
    });
    Ok(KbFile { source, title, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_titles_and_refuses_bad_files_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("net")).unwrap();
        std::fs::write(dir.path().join("net/vpn.md"), "# VPN fails\nSteps").unwrap();
        std::fs::write(dir.path().join("plain.md"), "no heading").unwrap();
        std::fs::write(dir.path().join("bad.md"), b"# ok\n\xff\xfe").unwrap();
        std::fs::write(dir.path().join("ignore.txt"), "x").unwrap();
        let r = scan(dir.path()).unwrap();
        assert_eq!(r.len(), 3);
        let e = r[0].as_ref().unwrap_err();
        assert!(e.path.ends_with("bad.md") && e.reason.contains("line 2"), "{e}");
        let vpn = r[1].as_ref().unwrap();
        assert_eq!((vpn.source.as_str(), vpn.title.as_str()), ("net/vpn.md", "VPN fails"));
        assert_eq!(r[2].as_ref().unwrap().title, "plain");
        assert!(scan(&dir.path().join("nope")).is_err());
    }
}
