//! Queue views: a named base query narrowed by a filter. The built-in ones, the
//! config's and those saved in the store are run the same way by the console and by
//! `tix view run`.

use crate::domain::filter::FilterSpec;
use crate::domain::ids::PersonId;
use crate::domain::ticket::Status;
use crate::store::{AssigneeFilter, Sort, TicketQuery};

/// A named queue: a base query narrowed by a filter (views from the config file are
/// written in the quick-filter language: `status:open group:network`).
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub name: String,
    pub query: TicketQuery,
    pub spec: FilterSpec,
    /// The filter as written (views from the config or the store).
    pub filter: String,
}

impl View {
    /// The view's query, the same for the console and `tix view run`: its base query
    /// narrowed by its filter, words matched exactly. A named assignee is returned for
    /// the caller to resolve against the store.
    pub fn query(&self, me: Option<PersonId>) -> (TicketQuery, Option<String>) {
        let mut q = self.query.clone();
        let named = q.narrow(&self.spec, me);
        if !self.spec.words.is_empty() {
            q.text = Some(self.spec.words.join(" "));
        }
        (q, named)
    }

    /// A view from the config file: a name, a filter, and an optional order.
    pub fn from_filter(name: &str, filter: &str, sort: Option<Sort>) -> Result<View, String> {
        let spec = crate::domain::filter::parse(filter).map_err(|e| format!("view '{name}': filter {e}"))?;
        let mut query = TicketQuery::default();
        if spec.statuses.is_empty() {
            query.active = Some(true);
        }
        query.sort = sort.unwrap_or_default();
        Ok(View { name: name.to_string(), query, spec, filter: filter.to_string() })
    }
}

/// Sort orders offered in the console, in cycling order, with their names.
pub const SORTS: [(Sort, &str); 5] = Sort::NAMED;

/// A sort order by its name (`priority`, `due`, `updated`, `newest`, `oldest`).
pub fn sort_by_name(name: &str) -> Option<Sort> {
    Sort::from_name(name)
}

/// The built-in views. `me` is the acting agent, when known.
pub fn default_views(me: Option<PersonId>) -> Vec<View> {
    let v = |name: &str, query: TicketQuery| View {
        name: name.to_string(),
        query,
        spec: FilterSpec::default(),
        filter: String::new(),
    };
    let mine = match me {
        Some(p) => AssigneeFilter::Person(p),
        None => AssigneeFilter::Person(PersonId(uuid::Uuid::nil())),
    };
    vec![
        v("My open", TicketQuery { active: Some(true), assignee: Some(mine), ..Default::default() }),
        v(
            "Unassigned",
            TicketQuery { active: Some(true), assignee: Some(AssigneeFilter::Unassigned), ..Default::default() },
        ),
        v("All open", TicketQuery { active: Some(true), ..Default::default() }),
        v("Pending", TicketQuery { statuses: vec![Status::Pending, Status::OnHold], ..Default::default() }),
        v(
            "Recently resolved",
            TicketQuery { statuses: vec![Status::Resolved, Status::Closed], sort: Sort::Updated, ..Default::default() },
        ),
    ]
}
