//! The files beside a shared file: the numbers journal's path, and tix's own temporary
//! files (named by host and process) with the cleaning of those a killed `sync init` or
//! `sync rebuild` left behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The name temporary files of `sync init`/`sync rebuild` (and of the numbers record)
/// start with: `.NAME.tmp-`, followed by host, process id and a random part.
/// A temporary file of `sync init`/`sync rebuild` untouched this long belongs to a run
/// that died (a live build writes every few milliseconds).
pub const STALE_TEMP: Duration = Duration::from_secs(10 * 60);

pub(super) fn temp_prefix(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "shared".into());
    format!(".{name}.tmp-")
}

/// This machine's name, as used in temporary file names (letters, digits, dots).
pub fn host_name() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let h: String = raw.trim().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').take(64).collect();
    if h.is_empty() { "host".into() } else { h }
}

/// Is process `pid` of this machine alive? (Unknown counts as alive.)
pub(super) fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new("/proc").join(pid.to_string()).exists() } else { true }
}

/// Remove what killed runs of `sync init`/`sync rebuild` left next to `path`: files named
/// `.NAME.tmp-[HOST-]PID-HEX32` (and their `-journal`, and those of `PATH.numbers`)
/// whose process is gone (same machine) or that nobody has written for [`STALE_TEMP`].
/// Nothing else is touched. Returns the names removed.
pub fn clean_stale_temp(path: &Path) -> Vec<String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefixes = [temp_prefix(path), temp_prefix(&side_path(path))];
    let host = host_name();
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return removed };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = prefixes.iter().find_map(|p| name.strip_prefix(p.as_str())) else { continue };
        let rest = rest.strip_suffix("-journal").unwrap_or(rest);
        let Some((head, hex)) = rest.rsplit_once('-') else { continue };
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            continue;
        }
        let (from, pid) = match head.rsplit_once('-') {
            Some((h, p)) => (Some(h), p),
            None => (None, head),
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if from.is_some_and(|h| h.is_empty() || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let dead = from == Some(host.as_str()) && !alive(pid) && pid != std::process::id();
        let idle = meta.modified().ok().and_then(|m| m.elapsed().ok()).is_some_and(|age| age > STALE_TEMP);
        if (dead || idle) && std::fs::remove_file(entry.path()).is_ok() {
            removed.push(name);
        }
    }
    removed
}

/// `PATH.numbers`: the journal of the final numbers a shared store at `path` has issued,
/// written before the transaction that issues them commits.
pub fn side_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".numbers");
    PathBuf::from(p)
}
