//! `tix init`, `tix store ...`, and the store summary.

use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;

use super::output::thousands;
use super::{CliError, Ctx};
use crate::store::{OpenMode, Store};

#[derive(Debug, Subcommand)]
pub enum StoreCmd {
    /// Rebuild the state from the op log into a scratch store and compare
    Verify,
    /// Where the store is and what it holds
    Info,
}

pub fn init(ctx: &Ctx) -> Result<()> {
    if ctx.db.exists() {
        let s = Store::open(&ctx.db, OpenMode::Existing)?;
        return ctx.out.emit(&serde_json::json!({ "path": s.path(), "created": false }), || {
            format!("a tix store already exists at {}", s.path().display())
        });
    }
    if let Some(dir) = ctx.db.parent().filter(|_| !ctx.db_explicit) {
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let s = Store::open(&ctx.db, OpenMode::Create)?;
    ctx.out
        .emit(&serde_json::json!({ "path": s.path(), "created": true }), || format!("created {}", s.path().display()))
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
    let store = ctx.open()?;
    match cmd {
        StoreCmd::Info => {
            let i = info(&store)?;
            ctx.out.emit(&i, || render_info(&i))
        }
        StoreCmd::Verify => {
            let dir = tempfile::tempdir()?;
            let report = store.verify(dir.path())?;
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
                s
            })?;
            if !report.ok() {
                return Err(CliError::Failed(format!("{} does not match its op log", store.path().display())).into());
            }
            Ok(())
        }
    }
}
