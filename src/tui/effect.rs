//! Running effects: the only part of the console that talks to the store.

use super::action::Action;
use super::model::Effect;
use crate::store::Store;

/// Run one effect and report its outcome as an action.
pub fn run(store: &Store, effect: Effect) -> Action {
    match effect {
        Effect::LoadQueue { view, query } => {
            let loaded = store.queue(&query).and_then(|rows| Ok((rows, store.count_upto(&query, 10_000)?.0)));
            match loaded {
                Ok((rows, total)) => Action::QueueLoaded { view, offset: query.offset, rows, total },
                Err(e) => Action::Failed(e.to_string()),
            }
        }
    }
}
