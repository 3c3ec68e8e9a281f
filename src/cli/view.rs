//! `tix view list|run`: the console's queue views, headless (for cron and scripts).

use anyhow::{Result, bail};
use clap::Subcommand;
use serde::Serialize;

use super::ticket::print_list;
use super::{CliError, Ctx};
use crate::domain::ids::PersonId;
use crate::store::{AssigneeFilter, Store};
use crate::tui::queue::{View, default_views, sort_by_name};

#[derive(Debug, Subcommand)]
pub enum ViewCmd {
    /// The views: the config file's [[views]], else the built-in ones
    List,
    /// Run a view: the same rows, in the same order, as the console shows
    Run {
        /// The view's name (a unique prefix, any case)
        name: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// Print CSV instead of a table
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
}

/// The views the console offers: the config's, else the built-in ones.
pub fn views(ctx: &Ctx, me: Option<PersonId>) -> Result<Vec<View>> {
    if ctx.config.views.is_empty() {
        return Ok(default_views(me));
    }
    ctx.config
        .views
        .iter()
        .map(|v| View::from_filter(&v.name, &v.filter, v.sort.as_deref().and_then(sort_by_name)))
        .collect::<std::result::Result<Vec<_>, String>>()
        .map_err(|e| CliError::Failed(e).into())
}

#[derive(Serialize)]
struct ViewOut {
    name: String,
    filter: String,
    sort: String,
}

pub fn run(ctx: &Ctx, cmd: ViewCmd) -> Result<()> {
    match cmd {
        ViewCmd::List => {
            let list: Vec<ViewOut> = match ctx.config.views.is_empty() {
                true => views(ctx, None)?
                    .into_iter()
                    .map(|v| ViewOut { sort: sort_name(&v), name: v.name, filter: "(built in)".into() })
                    .collect(),
                false => ctx
                    .config
                    .views
                    .iter()
                    .map(|v| ViewOut {
                        name: v.name.clone(),
                        filter: v.filter.clone(),
                        sort: v.sort.clone().unwrap_or_else(|| "priority".into()),
                    })
                    .collect(),
            };
            ctx.out.emit(&list, || {
                list.iter()
                    .map(|v| {
                        format!("{:<24} {:<9} {}", super::output::line(&v.name), v.sort, super::output::line(&v.filter))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ViewCmd::Run { name, limit, offset, csv } => {
            let store = ctx.open()?;
            let me = store.find_person(&ctx.actor)?.map(|p| p.id);
            let all = views(ctx, me)?;
            let want = name.to_lowercase();
            let found: Vec<&View> = all.iter().filter(|v| v.name.to_lowercase().starts_with(&want)).collect();
            let view = match found.as_slice() {
                [v] => *v,
                _ if all.iter().any(|v| v.name.to_lowercase() == want) => {
                    all.iter().find(|v| v.name.to_lowercase() == want).expect("checked")
                }
                [] => bail!(CliError::NotFound(format!(
                    "no view '{name}' (views: {})",
                    all.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ")
                ))),
                _ => bail!(CliError::Usage(format!(
                    "'{name}' names several views: {}",
                    found.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ")
                ))),
            };
            let (mut q, named) = view.query(me.or(Some(PersonId::new_random())));
            if let Some(n) = named {
                let p = resolve(&store, &n)?;
                q.assignee = Some(AssigneeFilter::Person(p));
            }
            q.limit = limit;
            q.offset = offset;
            let mut store = store;
            super::sla::refresh(ctx, &mut store)?;
            print_list(ctx, &store, &q, csv)
        }
    }
}

fn resolve(store: &Store, name: &str) -> Result<PersonId> {
    match store.find_person(name)? {
        Some(p) => Ok(p.id),
        None => bail!(CliError::NotFound(format!("view: no agent '{name}'"))),
    }
}

fn sort_name(v: &View) -> String {
    crate::tui::queue::SORTS.iter().find(|(s, _)| *s == v.query.sort).map(|(_, n)| n.to_string()).unwrap_or_default()
}
