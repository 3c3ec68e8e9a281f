//! `tix view list|run`: the console's queue views, headless (for cron and scripts).

use anyhow::{Result, bail};
use clap::Subcommand;
use serde::Serialize;

use super::ticket::print_list;
use super::{CliError, Ctx};
use crate::app::views::{SORTS, View, default_views, sort_by_name};
use crate::app::{Act, AppError};
use crate::domain::ids::PersonId;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum ViewCmd {
    /// The views: the built-in ones, the config file's [[views]] and those saved in the
    /// store (a view named like a built-in one replaces it)
    List,
    /// Save a view in the store (shared with everyone on it, and synced); saving a name
    /// again replaces it
    Save {
        name: String,
        /// In the query language, e.g. "group:network prio:<=2"
        #[arg(long, default_value = "")]
        filter: String,
        /// priority, due, updated, newest or oldest
        #[arg(long)]
        sort: Option<String>,
    },
    /// Delete a view saved in the store
    Delete { name: String },
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

/// Where a view comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    BuiltIn,
    Config,
    Store,
}

/// The views the console offers, one per name (any case): the built-in ones, then the
/// config's `[[views]]`, then those saved in the store; a view named like an earlier
/// one replaces it where it stands.
pub fn views(ctx: &Ctx, me: Option<PersonId>, store: Option<&Store>) -> Result<Vec<View>> {
    Ok(all_views(ctx, me, store)?.into_iter().map(|(v, _)| v).collect())
}

fn all_views(ctx: &Ctx, me: Option<PersonId>, store: Option<&Store>) -> Result<Vec<(View, Source)>> {
    let mut out: Vec<(View, Source)> = default_views(me).into_iter().map(|v| (v, Source::BuiltIn)).collect();
    let mut put =
        |view: View, source: Source| match out.iter_mut().find(|(v, _)| v.name.eq_ignore_ascii_case(&view.name)) {
            Some(slot) => *slot = (view, source),
            None => out.push((view, source)),
        };
    for v in &ctx.config.views {
        let view = View::from_filter(&v.name, &v.filter, v.sort.as_deref().and_then(sort_by_name))
            .map_err(CliError::Failed)?;
        put(view, Source::Config);
    }
    if let Some(store) = store {
        for v in store.saved_views()? {
            if let Ok(view) = View::from_filter(&v.name, &v.filter, v.sort.as_deref().and_then(sort_by_name)) {
                put(view, Source::Store);
            }
        }
    }
    Ok(out)
}

#[derive(Serialize)]
struct ViewOut {
    name: String,
    filter: String,
    sort: String,
}

pub fn run(ctx: &Ctx, cmd: ViewCmd) -> Result<()> {
    match cmd {
        ViewCmd::Save { name, filter, sort } => {
            if let Some(s) = &sort
                && sort_by_name(s).is_none()
            {
                bail!(CliError::Usage(format!("--sort {s}: use priority, due, updated, newest or oldest")));
            }
            crate::domain::filter::parse(&filter).map_err(|e| CliError::Usage(format!("--filter {e}")))?;
            let mut desk = ctx.acting(Act::ShareView)?;
            let record = crate::domain::op::ViewRecord { name: name.clone(), filter, sort, deleted: false };
            desk.commit(vec![crate::domain::op::Change::save_view(record)])?;
            ctx.tell(&mut desk);
            ctx.out
                .emit(&serde_json::json!({ "saved": name }), || format!("view '{}' saved", super::output::line(&name)))
        }
        ViewCmd::Delete { name } => {
            let mut desk = ctx.acting(Act::ShareView)?;
            if !desk.store.saved_views()?.iter().any(|v| v.name.eq_ignore_ascii_case(&name)) {
                bail!(CliError::NotFound(format!("no view '{name}' saved in the store")));
            }
            let record =
                crate::domain::op::ViewRecord { name: name.clone(), filter: String::new(), sort: None, deleted: true };
            desk.commit(vec![crate::domain::op::Change::save_view(record)])?;
            ctx.tell(&mut desk);
            ctx.out.emit(&serde_json::json!({ "deleted": name }), || {
                format!("view '{}' deleted", super::output::line(&name))
            })
        }
        ViewCmd::List => {
            let store = ctx.open()?;
            let list: Vec<ViewOut> = all_views(ctx, None, Some(&store))?
                .into_iter()
                .map(|(v, source)| ViewOut {
                    sort: sort_name(&v),
                    filter: if source == Source::BuiltIn { "(built in)".into() } else { v.filter },
                    name: v.name,
                })
                .collect();
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
            let mut desk = ctx.desk()?;
            let me = desk.me()?;
            let all = views(ctx, me, Some(&desk.store))?;
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
                q.assignee = Some(desk.resolve_assignee(&n).map_err(|e| match e {
                    AppError::NotFound(m) => CliError::NotFound(format!("view: {m}")).into(),
                    e => anyhow::Error::from(e),
                })?);
            }
            q.limit = limit;
            q.offset = offset;
            desk.refresh_clocks()?;
            print_list(ctx, &desk.store, &q, csv)
        }
    }
}

fn sort_name(v: &View) -> String {
    SORTS.iter().find(|(s, _)| *s == v.query.sort).map(|(_, n)| n.to_string()).unwrap_or_default()
}
