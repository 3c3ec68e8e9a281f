//! `tix kb ...`

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::input::read_body;
use super::output::{ImportReport, block, line};
use super::{CliError, Ctx};
use crate::app::Act;
use crate::domain::ids::ArticleId;
use crate::domain::kb::{ArticleField, ArticleRecord};
use crate::domain::op::Change;
use crate::domain::ticket::normalize_tags;
use crate::import::kb as kbfiles;

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum KbCmd {
    /// Add an article
    Add(AddArgs),
    /// Show an article (by number `KB-12`, title, source path or id prefix)
    Show { key: String },
    /// Search, best first: any of the words, ranked by how well an article answers them
    Search {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: u32,
    },
    /// Import a folder of markdown files (re-import updates changed files, duplicates nothing)
    Import {
        dir: PathBuf,
        /// Skip unreadable files (reported) instead of importing nothing
        #[arg(long)]
        skip_bad: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[arg(long)]
    title: String,
    /// Markdown body; `-` reads stdin
    #[arg(long)]
    body: String,
    #[arg(long)]
    tags: Option<String>,
    #[arg(long)]
    category: Option<String>,
    /// For technicians only
    #[arg(long)]
    internal: bool,
}

pub fn run(ctx: &Ctx, cmd: KbCmd) -> Result<()> {
    match cmd {
        KbCmd::Add(a) => {
            let mut desk = ctx.acting(Act::Work)?;
            let id = ArticleId::new_random();
            let rec = ArticleRecord {
                title: a.title,
                body: read_body(&a.body)?,
                tags: a.tags.map(|t| normalize_tags([t])).unwrap_or_default(),
                category: a.category,
                internal: a.internal,
                source: None,
            };
            desk.commit(vec![Change::new_article(id, rec)])?;
            ctx.tell(&mut desk);
            ctx.out.emit(&serde_json::json!({ "id": id }), || format!("added KB article {id}"))
        }
        KbCmd::Show { key } => {
            let store = ctx.open()?;
            let a = article(&store, &key)?;
            ctx.out.emit(&a, || {
                format!(
                    "{}\n{}{}\n\n{}",
                    line(&a.record.title),
                    if a.record.internal { "internal · " } else { "" },
                    line(&a.record.tags.join(", ")),
                    block(&a.record.body)
                )
            })
        }
        KbCmd::Search { query, limit } => {
            let store = ctx.open()?;
            let found = store.kb_find(&query, limit, &ctx.config.search.synonyms, false)?;
            let hits = found.hits;
            if let (Some(n), true) = (&found.notice, ctx.out.json) {
                eprintln!("{n}");
            }
            ctx.out.emit(&hits, || {
                if hits.is_empty() {
                    return format!("no KB article matches '{}'", line(&query));
                }
                let head = found.notice.as_ref().map(|n| format!("{n}\n")).unwrap_or_default();
                head + &hits
                    .iter()
                    .map(|h| {
                        let snip: String = h
                            .snippet
                            .iter()
                            .map(|s| if s.hit { format!("*{}*", line(&s.text)) } else { line(&s.text) })
                            .collect();
                        format!("{:<7} {}\n    {}", format!("KB-{}", h.num), line(&h.title), snip)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        KbCmd::Import { dir, skip_bad } => import(ctx, &dir, skip_bad),
    }
}

/// The one article a key names (`KB-12`, a title, a source path, an id prefix); a key
/// that names several is a usage error listing them (exit 2), none is not found (3).
pub fn article(store: &crate::store::Store, key: &str) -> Result<crate::domain::kb::Article> {
    let mut found = store.article_candidates(key)?;
    match found.len() {
        0 => Err(CliError::NotFound(format!("KB article '{}' not found", line(key))).into()),
        1 => Ok(found.remove(0).1),
        _ => {
            let list: Vec<String> =
                found.iter().map(|(n, a)| format!("  KB-{n}  {}  {}", a.id, line(&a.record.title))).collect();
            Err(CliError::Usage(format!("'{}' names {} KB articles:\n{}", line(key), found.len(), list.join("\n")))
                .into())
        }
    }
}

fn import(ctx: &Ctx, dir: &std::path::Path, skip_bad: bool) -> Result<()> {
    let mut desk = ctx.acting(Act::Bulk)?;
    let store = &desk.store;
    let files = kbfiles::scan(dir).map_err(|e| CliError::Failed(e.to_string()))?;
    let mut report = ImportReport::default();
    let mut changes = Vec::new();
    let progress = super::progress::Progress::new(&ctx.out, "reading articles", Some(files.len() as u64));
    for f in files {
        progress.inc(1);
        let f = match f {
            Ok(f) => f,
            Err(e) => {
                report.rejected.push(e.to_string());
                continue;
            }
        };
        match store.article_by_source(&f.source)? {
            None => {
                report.created += 1;
                changes.push(Change::new_article(
                    ArticleId::new_random(),
                    ArticleRecord {
                        title: f.title,
                        body: f.body,
                        tags: vec![],
                        category: None,
                        internal: false,
                        source: Some(f.source),
                    },
                ));
            }
            Some(a) if a.record.title == f.title && a.record.body == f.body => report.unchanged += 1,
            Some(a) => {
                report.updated += 1;
                changes.push(Change::set_article(a.id, ArticleField::Title, Some(f.title)));
                changes.push(Change::set_article(a.id, ArticleField::Body, Some(f.body)));
            }
        }
    }
    progress.done();
    report.refuse_unless(skip_bad, "file(s)")?;
    desk.commit(changes)?;
    ctx.tell(&mut desk);
    ctx.out.emit(&report, || report.render())
}
