//! The desk's use cases, written once for the console and the command line.
//!
//! A [`Desk`] holds the store, the configured rules (one shared, already checked
//! [`Config`]) and the acting agent. Each use case is one method: the command line
//! parses its arguments, calls it and prints; the console's effect runner calls it and
//! turns the result into an action. Rules that must hold identically in both front ends
//! (routing on create, who the acting agent is, how SLA clocks are refreshed and
//! escalations carried out, how a report measures SLA compliance, how a filter's
//! assignee is resolved) live here and nowhere else.
//!
//! Layers: domain ← store ← sync ← app ← tui / cli. Nothing here knows a terminal or
//! an argument parser.

mod actor;
pub mod attachments;
pub mod mail;
pub mod permissions;
pub mod queue;
pub mod report;
pub mod sla;
pub mod tickets;
pub mod views;

use std::sync::Arc;

use crate::config::Config;
use crate::domain::op::Change;
use crate::store::{Store, StoreError};

pub use actor::{Actor, Source, identify};
pub use permissions::Act;
pub use sla::{ESCALATION_ACTOR, SlaCheck};

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something named does not exist (exit 3 on the command line).
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be understood as given (exit 2), or the name to act as is no
    /// agent of the store.
    #[error("{0}")]
    Usage(String),
    /// The acting agent's role does not allow it (exit 2): see [`permissions::check`].
    #[error("{0}")]
    Refused(String),
    /// Something outside the store failed (a lock file, a transport) (exit 1).
    #[error("{0}")]
    Failed(String),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The store, the rules and who acts: what every use case needs.
pub struct Desk {
    pub store: Store,
    pub rules: Arc<Config>,
    pub actor: Actor,
    /// The first-run admin record, written with the next commit (see [`Desk::authorize`]).
    pending: Vec<Change>,
    /// The actor is the admin the first run is making.
    first_run: bool,
    /// Things to tell the person acting once (the first run made them admin): the
    /// command line prints them on stderr.
    pub notices: Vec<String>,
}

impl Desk {
    pub fn new(store: Store, rules: Arc<Config>, actor: Actor) -> Desk {
        Desk { store, rules, actor, pending: vec![], first_run: false, notices: vec![] }
    }
}
