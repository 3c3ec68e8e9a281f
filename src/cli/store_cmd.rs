//! `tix init`, `tix store ...`, and the store summary.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;

use super::output::thousands;
use super::{CliError, Ctx};
use crate::store::{OpenMode, Store};

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Rebuild the state from the op log into a scratch store and compare
    Verify {
        /// Keep the store rebuilt from the op log at this new path (to inspect differences)
        #[arg(long, value_name = "PATH")]
        rebuilt_to: Option<PathBuf>,
    },
    /// Where the store is and what it holds
    Info,
    /// Make the store private: no access for group and others to the store, its
    /// -wal/-shm/-journal files and tix's data directory
    Secure,
}

pub fn init(ctx: &Ctx) -> Result<()> {
    // An empty file (0 bytes) is the one existing file `init` may start a store in.
    let empty = std::fs::metadata(&ctx.db).is_ok_and(|m| m.is_file() && m.len() == 0);
    if ctx.db.exists() && !empty {
        let s = Store::open(&ctx.db, OpenMode::Existing)?;
        ctx.warn_exposed();
        return ctx.out.emit(&serde_json::json!({ "path": s.path(), "created": false }), || {
            format!("a tix store already exists at {}", s.path().display())
        });
    }
    if let Some(dir) = ctx.db.parent().filter(|_| !ctx.db_explicit) {
        crate::fsmode::create_private_dir_all(dir)
            .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    let s = Store::open(&ctx.db, OpenMode::Create)?;
    ctx.out.emit(&serde_json::json!({ "path": s.path(), "created": true }), || {
        format!(
            "created {}\nthe first command that writes (or the console) makes {} its admin; \
             then add the others: tix person add NAME --login LOGIN --role agent",
            s.path().display(),
            super::output::line(&ctx.actor)
        )
    })
}

#[derive(Serialize)]
pub struct Info {
    pub path: String,
    pub store_id: String,
    pub replica: String,
    pub schema_version: i64,
    pub ops: u64,
    pub tickets: u64,
    pub by_status: Vec<(String, u64)>,
    pub people: u64,
    pub assets: u64,
    pub articles: u64,
}

pub fn info(store: &Store) -> Result<Info> {
    Ok(Info {
        path: store.path().display().to_string(),
        store_id: store.store_id()?,
        replica: store.replica().to_string(),
        schema_version: store.schema_version()?,
        ops: store.op_count()?,
        tickets: store.ticket_count()?,
        by_status: store.status_counts()?.into_iter().map(|(s, n)| (s.to_string(), n)).collect(),
        people: store.person_count()?,
        assets: store.asset_count()?,
        articles: store.article_count()?,
    })
}

pub fn render_info(i: &Info) -> String {
    let by = i.by_status.iter().map(|(s, n)| format!("{s} {}", thousands(*n))).collect::<Vec<_>>().join(", ");
    format!(
        "store    {}\ntickets  {} ({by})\npeople   {}\nassets   {}\nKB       {}\nops      {}\nschema   v{}",
        i.path,
        thousands(i.tickets),
        thousands(i.people),
        thousands(i.assets),
        thousands(i.articles),
        thousands(i.ops),
        i.schema_version
    )
}

pub fn run(ctx: &Ctx, cmd: StoreCmd) -> Result<()> {
    if let StoreCmd::Secure = cmd {
        return secure(ctx);
    }
    let store = ctx.open()?;
    match cmd {
        StoreCmd::Secure => unreachable!("handled above"),
        StoreCmd::Info => {
            let i = info(&store)?;
            ctx.out.emit(&i, || render_info(&i))
        }
        StoreCmd::Verify { rebuilt_to } => {
            let dir = tempfile::tempdir()?;
            let report = match &rebuilt_to {
                Some(p) if p.exists() => {
                    return Err(CliError::Usage(format!("--rebuilt-to {}: the file exists", p.display())).into());
                }
                Some(p) => store.verify_into(p)?,
                None => store.verify(dir.path())?,
            };
            ctx.out.emit(&report, || {
                let mut s = format!("replayed {} ops; ", thousands(report.ops));
                s += &report.rows.iter().map(|(t, n)| format!("{} {t}", thousands(*n))).collect::<Vec<_>>().join(", ");
                s += &format!("\nintegrity: {}", report.integrity);
                if report.ok() {
                    s += "\nOK: the materialized state equals a rebuild from the op log";
                } else {
                    for m in &report.mismatches {
                        s += &format!("\nMISMATCH {}", super::output::line(m));
                    }
                }
                for p in &report.permissions {
                    s += &format!("\nPERMISSIONS {}", super::output::line(p));
                }
                s
            })?;
            if !report.ok() {
                return Err(CliError::Failed(format!("{} does not match its op log", store.path().display())).into());
            }
            Ok(())
        }
    }
}

/// `tix store secure`: take group's and others' access away from the store, its side
/// files and, when the store is in it, tix's data directory.
fn secure(ctx: &Ctx) -> Result<()> {
    if !ctx.db.is_file() {
        return Err(crate::store::StoreError::Missing(ctx.db.clone()).into());
    }
    let dir = ctx.db.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let same = |a: &Path, b: &Path| a == b || a.canonicalize().ok().is_some_and(|a| b.canonicalize().ok() == Some(a));
    let data_dir = super::data_dir().filter(|d| same(dir, d));
    let changed = crate::fsmode::secure_store(&ctx.db, data_dir.as_deref())
        .map_err(|e| CliError::Failed(format!("{e} (only the owner can change a file's mode)")))?;
    let dir_mode = crate::fsmode::mode(dir).filter(|m| data_dir.is_none() && m & 0o077 != 0);
    let note = dir_mode.map(|m| {
        format!(
            "left alone: {} is mode {m:04o} and is not tix's data directory; `chmod 700` it if only you use it",
            dir.display()
        )
    });
    let v = serde_json::json!({ "path": ctx.db, "changed": changed, "note": note });
    ctx.out.emit(&v, || {
        let mut s = if changed.is_empty() {
            format!("{} is private already: nothing to change", ctx.db.display())
        } else {
            changed
                .iter()
                .map(|c| format!("{}: {} → {}", c.path.display(), c.from, c.to))
                .collect::<Vec<_>>()
                .join("\n")
        };
        if let Some(n) = &note {
            s += &format!("\n{n}");
        }
        super::output::block(&s)
    })
}
