//! Who acts: the agent a command or a console runs as.

use crate::domain::ids::PersonId;
use crate::domain::op::Change;
use crate::domain::person::PersonRecord;
use crate::store::{Store, StoreError};

/// The acting agent: the name written into every op, and their person record once known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub me: Option<PersonId>,
}

impl Actor {
    /// An agent by name; their record is looked up on first need.
    pub fn named(name: impl Into<String>) -> Actor {
        Actor { name: name.into(), me: None }
    }

    /// The acting agent's person id: the record found by name, else a new agent record
    /// added to `changes` (written in the same commit as what the agent does; call this
    /// once per commit). A record is remembered only once it is in the store, so a
    /// commit that fails leaves nothing half-known.
    pub fn ensure(&mut self, store: &Store, changes: &mut Vec<Change>) -> Result<PersonId, StoreError> {
        if let Some(me) = self.me {
            return Ok(me);
        }
        if let Some(p) = store.find_person(&self.name)? {
            self.me = Some(p.id);
            return Ok(p.id);
        }
        let id = PersonId::new_random();
        changes.push(Change::new_person(id, PersonRecord::agent(self.name.clone(), self.name.clone())));
        Ok(id)
    }
}
