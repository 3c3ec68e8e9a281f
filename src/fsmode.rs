//! File modes for desk data on shared hosts.
//!
//! Everything tix creates that holds desk data is private to its owner whatever the
//! umask: files 0600, directories 0700. The one exception is the shared store file,
//! which is for the team's group (at most 0660, never anything for others).
//!
//! Use these helpers for every new file or directory that holds tickets, notes,
//! requesters or attachments (stores, exports, drafts, attachments saved to disk,
//! temporary files): [`create_private_file`], [`write_private_file`],
//! [`private_tempfile`], [`create_private_dir_all`]. On other platforms than Unix
//! they create files and directories in the ordinary way and report no modes.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Owner read and write.
pub const PRIVATE_FILE: u32 = 0o600;
/// Owner read, write and search.
pub const PRIVATE_DIR: u32 = 0o700;
/// Owner and group read and write: the shared store file.
pub const GROUP_FILE: u32 = 0o660;

/// The files SQLite keeps beside a store: `-wal`, `-shm`, `-journal`.
pub fn side_files(store: &Path) -> [PathBuf; 3] {
    ["-wal", "-shm", "-journal"].map(|ext| {
        let mut s = store.as_os_str().to_owned();
        s.push(ext);
        PathBuf::from(s)
    })
}

/// The permission bits of a file or directory (`None` when it does not exist, or off Unix).
pub fn mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Set a file handle's mode exactly (the umask may have taken bits away at creation).
fn set_file_mode(file: &File, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

/// Make an open file private (0600), e.g. an empty file a store is about to start in.
pub fn make_private(file: &File) -> io::Result<()> {
    set_file_mode(file, PRIVATE_FILE)
}

/// Create a new, empty file only its owner may read and write (0600 whatever the
/// umask). Fails if the path exists.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    create_new(path, PRIVATE_FILE, true)
}

/// Open a file to append to, created private (0600) if it is not there.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    let f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    make_private(&f)?;
    Ok(f)
}

/// Create a new, empty file for the owner and the group (the shared store): 0660
/// narrowed by the umask, never anything for others. Fails if the path exists.
pub fn create_group_file(path: &Path) -> io::Result<File> {
    create_new(path, GROUP_FILE, false)
}

fn create_new(path: &Path, mode: u32, exact: bool) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(mode);
    }
    let f = o.open(path)?;
    if exact {
        set_file_mode(&f, mode)?;
    }
    Ok(f)
}

/// A private temporary file (0600) in `dir`, or in the system's temporary directory;
/// deleted when dropped (or kept with `persist`).
pub fn private_tempfile(dir: Option<&Path>, prefix: &str, suffix: &str) -> io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix).suffix(suffix);
    let f = match dir {
        Some(d) => b.tempfile_in(d)?,
        None => b.tempfile()?,
    };
    set_file_mode(f.as_file(), PRIVATE_FILE)?;
    Ok(f)
}

/// Write `bytes` to `path` as a private file (0600), atomically: a temporary file in
/// the same directory, renamed over `path` once complete. A file already at `path` is
/// replaced (and its old mode with it); a failure leaves it untouched.
pub fn write_private_file(path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tmp = private_tempfile(Some(dir), &format!(".{name}.tix-"), ".tmp")?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Create a directory and its missing parents; every directory created here is
/// private (0700 whatever the umask). Directories that exist already are left as
/// they are.
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir_all(parent)?;
    }
    #[allow(unused_mut)] // the mode is set on Unix only
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(PRIVATE_DIR);
    }
    match b.create(path) {
        Ok(()) => set_mode(path, PRIVATE_DIR),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Why a store file cannot be written, judged before opening it: the file or its
/// directory has no write permission for anyone (this holds for root too, who
/// ignores permission bits), this user may not write the file, or may not create the
/// `-wal` and `-shm` files SQLite needs beside it.
pub fn why_not_writable(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.permissions().readonly() {
        return Some(match mode(path) {
            Some(m) => format!("the file is not writable (mode {m:04o})"),
            None => "the file is read-only".into(),
        });
    }
    #[cfg(unix)]
    {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if let Some(m) = mode(dir).filter(|m| m & 0o222 == 0) {
            return Some(format!("its directory {} is not writable (mode {m:04o})", dir.display()));
        }
        if !may_write(path) {
            use std::os::unix::fs::MetadataExt;
            return Some(format!(
                "you may not write the file (mode {:04o}, owner uid {}; or an immutable flag, or a read-only file system)",
                mode(path).unwrap_or(0),
                meta.uid()
            ));
        }
        let [wal, shm, _] = side_files(path);
        let sides_writable = may_write(&wal) && may_write(&shm);
        if !may_write(dir) && !sides_writable {
            return Some(format!(
                "you may not create files in its directory {} (mode {:04o})",
                dir.display(),
                mode(dir).unwrap_or(0)
            ));
        }
    }
    None
}

/// May this process write `path` (by its real user and group, as `access(2)` says;
/// false on a read-only file system)?
#[cfg(unix)]
fn may_write(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return false };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// Give the store's side files the store's own mode where they differ (what SQLite
/// does when it creates them): a read-only open leaves a `-wal` and `-shm` with the
/// mode of a read-only store, which would keep the owner from writing once the store
/// is writable again. Files this user may not change are left as they are.
pub fn align_side_files(store: &Path) {
    let Some(m) = mode(store) else { return };
    for p in side_files(store) {
        if mode(&p).is_some_and(|s| s != m) {
            let _ = set_mode(&p, m);
        }
    }
}

/// A file or directory that others may read or write.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exposed {
    pub path: PathBuf,
    pub mode: u32,
}

impl Exposed {
    /// "readable by others", "readable and writable by others"…
    pub fn what(&self) -> &'static str {
        match (self.mode & 0o044 != 0, self.mode & 0o022 != 0) {
            (true, true) => "readable and writable by other users",
            (false, true) => "writable by other users",
            _ => "readable by other users",
        }
    }
}

/// The store file and its side files that group or others may read or write.
pub fn store_exposure(store: &Path) -> Vec<Exposed> {
    std::iter::once(store.to_path_buf())
        .chain(side_files(store))
        .filter_map(|p| mode(&p).filter(|m| m & 0o077 != 0).map(|mode| Exposed { path: p, mode }))
        .collect()
}

/// One line for stderr about a store that others may read, with the command to fix
/// it; `None` when the store is private.
pub fn store_warning(store: &Path) -> Option<String> {
    let exposed = store_exposure(store);
    let first = exposed.first()?;
    let paths = exposed.iter().map(|e| shell_word(&e.path)).collect::<Vec<_>>().join(" ");
    let more = match exposed.len() {
        1 => String::new(),
        n => format!(" (and {} of its side files)", n - 1),
    };
    Some(format!(
        "{} is {} (mode {:04o}){more}: every account on this host can see its tickets; \
         fix it with `tix store secure` (or `chmod 600 {paths}`)",
        first.path.display(),
        first.what(),
        first.mode
    ))
}

/// The short form for the console's status line.
pub fn store_status_warning(store: &Path) -> Option<String> {
    let exposed = store_exposure(store);
    let first = exposed.first()?;
    Some(format!("store is {} (mode {:04o}): run tix store secure", first.what(), first.mode))
}

/// A warning for a config file that others may change: its hooks and
/// `password_command` run as whoever runs tix.
pub fn config_warning(config: &Path) -> Option<String> {
    let m = mode(config).filter(|m| m & 0o022 != 0)?;
    Some(format!(
        "the config file {} is writable by other users (mode {m:04o}); its hooks run as you: \
         fix it with `chmod go-w {}`",
        config.display(),
        shell_word(config)
    ))
}

/// One mode change made by [`secure_store`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModeChange {
    pub path: PathBuf,
    pub from: String,
    pub to: String,
}

/// Take every permission of group and others from the store file, its side files and
/// (when given) the data directory that holds it. Returns what changed.
pub fn secure_store(store: &Path, data_dir: Option<&Path>) -> io::Result<Vec<ModeChange>> {
    let mut changed = Vec::new();
    let files = std::iter::once(store.to_path_buf()).chain(side_files(store));
    for p in data_dir.map(Path::to_path_buf).into_iter().chain(files) {
        let Some(m) = mode(&p) else { continue };
        if m & 0o077 == 0 {
            continue;
        }
        let to = m & !0o077;
        set_mode(&p, to).map_err(|e| io::Error::new(e.kind(), format!("cannot change {}: {e}", p.display())))?;
        changed.push(ModeChange { path: p, from: format!("{m:04o}"), to: format!("{to:04o}") });
    }
    Ok(changed)
}

/// A path as a shell word (quoted when it needs to be).
fn shell_word(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c)) {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn private_files_and_dirs_are_owner_only_and_temp_files_too() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        create_private_file(&f).unwrap();
        assert_eq!(mode(&f), Some(0o600));
        assert!(create_private_file(&f).is_err(), "never replaces a file");
        let d = dir.path().join("x/y/z");
        create_private_dir_all(&d).unwrap();
        assert_eq!(mode(&d), Some(0o700));
        assert_eq!(mode(&dir.path().join("x")), Some(0o700));
        let t = private_tempfile(Some(dir.path()), "tix-draft-", ".txt").unwrap();
        assert_eq!(mode(t.path()), Some(0o600));
        let g = dir.path().join("shared.db");
        create_group_file(&g).unwrap();
        assert_eq!(mode(&g).unwrap() & 0o007, 0, "nothing for others");
    }

    #[test]
    fn a_private_write_replaces_a_wider_file_and_a_failed_one_leaves_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("out.csv");
        std::fs::write(&f, "old").unwrap();
        set_mode(&f, 0o644).unwrap();
        let r = write_private_file(&f, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("boom"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "old");
        write_private_file(&f, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "new");
        assert_eq!(mode(&f), Some(0o600));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn exposure_is_reported_and_secured() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("tix.db");
        std::fs::write(&db, "").unwrap();
        set_mode(&db, 0o644).unwrap();
        let wal = side_files(&db)[0].clone();
        std::fs::write(&wal, "").unwrap();
        set_mode(&wal, 0o666).unwrap();
        let w = store_warning(&db).unwrap();
        assert!(w.contains("readable by other users (mode 0644)") && w.contains("tix store secure"), "{w}");
        assert!(w.contains(&format!("chmod 600 {} {}", db.display(), wal.display())), "{w}");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        set_mode(&data, 0o755).unwrap();
        let changed = secure_store(&db, Some(&data)).unwrap();
        assert_eq!(changed.len(), 3, "{changed:?}");
        assert_eq!((mode(&db), mode(&wal), mode(&data)), (Some(0o600), Some(0o600), Some(0o700)));
        assert_eq!(store_warning(&db), None);
        assert!(secure_store(&db, Some(&data)).unwrap().is_empty(), "nothing left to do");
        // A deliberately read-only store stays read-only.
        set_mode(&db, 0o444).unwrap();
        secure_store(&db, None).unwrap();
        assert_eq!(mode(&db), Some(0o400));
    }

    #[test]
    fn a_file_or_directory_nobody_may_write_is_read_only_even_for_root() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("tix.db");
        std::fs::write(&db, "x").unwrap();
        assert_eq!(why_not_writable(&db), None);
        set_mode(&db, 0o444).unwrap();
        assert!(why_not_writable(&db).unwrap().contains("0444"));
        set_mode(&db, 0o644).unwrap();
        set_mode(dir.path(), 0o555).unwrap();
        let why = why_not_writable(&db);
        set_mode(dir.path(), 0o755).unwrap();
        assert!(why.unwrap().contains("directory"));
    }

    #[test]
    fn config_writable_by_others_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("config.toml");
        std::fs::write(&c, "").unwrap();
        set_mode(&c, 0o644).unwrap();
        assert_eq!(config_warning(&c), None);
        set_mode(&c, 0o666).unwrap();
        assert!(config_warning(&c).unwrap().contains("chmod go-w"));
    }
}
