//! Who acts: the agent a command or a console runs as, and the first run of a store.
//!
//! A name is claimed (`--as NAME`, else the config's `[agent] name`, else the OS user)
//! and matched against the store's agents (anyone but a requester) by login, e-mail or
//! name, any case. Nothing is created on the way, with one exception: on a store that
//! has no agent at all, the first one to act becomes its admin, written in the same
//! commit as what they do, and told so once ([`Desk::notices`]). A requester is never
//! the actor; an unknown name is refused with the agents it could have been.

use super::permissions::{self, Act};
use super::{AppError, Desk, Result};
use crate::domain::ids::PersonId;
use crate::domain::op::{Change, Op, Payload};
use crate::domain::person::{Person, PersonRecord, Role};
use crate::store::Store;

/// At most this many known agents are named in a refusal.
const KNOWN_SHOWN: u32 = 10;

/// Where the claimed name came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Source {
    /// `--as NAME`.
    Flag,
    /// The config's `[agent] name`.
    Config,
    /// The OS user (`$USER`), neither of the others being set.
    OsUser,
    /// Chosen by the program itself (the console once resolved, tests).
    #[default]
    Given,
}

/// The acting agent: the name written into every op, and their person record once known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The name claimed; once the agent is found, the name their ops carry
    /// ([`PersonRecord::actor_name`]).
    pub name: String,
    pub me: Option<PersonId>,
    pub source: Source,
}

impl Actor {
    /// An agent by name; their record is looked up on first need.
    pub fn named(name: impl Into<String>) -> Actor {
        Actor { name: name.into(), me: None, source: Source::Given }
    }

    /// A name claimed from `source`.
    pub fn claimed(name: impl Into<String>, source: Source) -> Actor {
        Actor { name: name.into(), me: None, source }
    }

    /// The claim in words: `--as kim`, `[agent] name "kim" in the config`, ….
    fn claim(&self) -> String {
        let n = &self.name;
        match self.source {
            Source::Flag => format!("--as {n}"),
            Source::Config => format!("[agent] name \"{n}\" in the config"),
            Source::OsUser => format!("the OS user '{n}' (no --as, no [agent] name in the config)"),
            Source::Given => format!("'{n}'"),
        }
    }
}

/// Whether a claimed name can act on this store, without writing anything: `Ok(Some)`
/// the agent it names, `Ok(None)` a store with no agent yet (the first run), else the
/// refusal (an unknown name, or a requester's).
pub fn identify(store: &Store, actor: &Actor) -> Result<Option<Person>> {
    if let Some(p) = store.find_agent(&actor.name)? {
        return Ok(Some(p));
    }
    if let Some(p) = store.find_person(&actor.name)? {
        return Err(AppError::Usage(format!(
            "{}: '{}' is a requester, and requesters are never the actor of technician actions; {}",
            actor.claim(),
            p.record.name,
            known_agents(store)?
        )));
    }
    if !store.has_role(None)? {
        return Ok(None);
    }
    Err(AppError::Usage(format!("{}: no agent by that name on this store; {}", actor.claim(), known_agents(store)?)))
}

/// "known agents: dana (Dana Whitfield), kim, … (N shown)" and how to add one; bounded.
fn known_agents(store: &Store) -> Result<String> {
    let agents = store.agents(KNOWN_SHOWN + 1)?;
    let mut names: Vec<String> = agents
        .iter()
        .take(KNOWN_SHOWN as usize)
        .map(|p| match p.record.actor_name() {
            a if a == p.record.name => a.to_string(),
            a => format!("{a} ({})", p.record.name),
        })
        .collect();
    if agents.len() > KNOWN_SHOWN as usize {
        names.push("… (tix person list for all)".into());
    }
    Ok(format!(
        "known agents: {}; an admin adds one with tix person add NAME --login LOGIN --role agent",
        names.join(", ")
    ))
}

impl Desk {
    /// The acting agent, allowed to `act`: their person id. The claimed name must be a
    /// known agent (see [`identify`]); on a store with no agent it becomes the admin,
    /// written with the next [`Desk::commit`]. The refusal comes from
    /// [`permissions::check`], the same words for the console and the command line.
    pub fn authorize(&mut self, act: Act) -> Result<PersonId> {
        let (me, role) = match (self.actor.me, self.first_run) {
            (Some(me), true) => (me, Role::Admin),
            (Some(me), false) => match self.store.person(me) {
                Ok(p) => (me, p.record.role),
                Err(crate::store::StoreError::NotFound(_)) => {
                    self.actor.me = None;
                    return self.authorize(act);
                }
                Err(e) => return Err(e.into()),
            },
            (None, _) => match identify(&self.store, &self.actor)? {
                Some(p) => {
                    self.actor.me = Some(p.id);
                    self.actor.name = p.record.actor_name().to_string();
                    (p.id, p.record.role)
                }
                None => {
                    let id = PersonId::new_random();
                    let mut rec = PersonRecord::agent(self.actor.name.clone(), self.actor.name.clone());
                    rec.role = Role::Admin;
                    self.pending.push(Change::new_person(id, rec));
                    self.actor.me = Some(id);
                    self.first_run = true;
                    (id, Role::Admin)
                }
            },
        };
        let admin_exists =
            act == Act::ManagePeople && (role == Role::Admin || self.store.has_role(Some(Role::Admin))?);
        permissions::check(&self.actor.name, role, act, admin_exists).map_err(AppError::Refused)?;
        Ok(me)
    }

    /// The acting agent's id for reading (`assignee:me`): `None` while the name is no
    /// agent of this store (nothing of theirs to show). Writes nothing.
    pub fn me(&mut self) -> Result<Option<PersonId>> {
        if self.actor.me.is_none()
            && let Ok(Some(p)) = identify(&self.store, &self.actor)
        {
            self.actor.me = Some(p.id);
            self.actor.name = p.record.actor_name().to_string();
        }
        Ok(self.actor.me)
    }

    /// Write `changes` as the acting agent (call [`Desk::authorize`] first), in one
    /// transaction with the first-run admin record if there is one. The ops returned
    /// are those of `changes`.
    pub fn commit(&mut self, changes: Vec<Change>) -> Result<Vec<Op>> {
        let actor = self.actor.name.clone();
        self.commit_as(changes.into_iter().map(|c| (actor.clone(), c)).collect())
    }

    /// [`Desk::commit`] for changes that keep their own actors (imports).
    pub fn commit_as(&mut self, changes: Vec<(String, Change)>) -> Result<Vec<Op>> {
        let first = self.pending.len();
        // Dated no later than what it comes with: an import of older history keeps its
        // times (each op's clock moves only forward).
        let now = self.store.now_ms();
        let earliest = changes.iter().filter_map(|(_, c)| c.at).min().filter(|&at| at < now);
        let mut all: Vec<(String, Change)> = self
            .pending
            .iter()
            .map(|c| (self.actor.name.clone(), earliest.map_or(c.clone(), |at| c.clone().happened_at(at))))
            .collect();
        all.extend(changes);
        let mut ops = self.store.commit_as(all)?;
        if first > 0 {
            self.pending.clear();
            self.first_run = false;
            ops.retain(|o| {
                !(matches!(o.payload, Payload::PersonNew(_)) && Some(o.entity) == self.actor.me.map(|m| m.0))
            });
            self.notices.push(format!(
                "this store had no agents: {} is now its admin (tix person add NAME --role agent adds the others)",
                self.actor.name
            ));
        }
        Ok(ops)
    }

    /// On the first run (see [`Desk::authorize`]), when `rec` is the acting agent
    /// themself (their login, e-mail or name is the name claimed), `rec` becomes the
    /// first-run record — an admin — instead of a second record of the same person: its
    /// id. `None` otherwise.
    pub fn first_run_is(&mut self, rec: &PersonRecord) -> Option<PersonId> {
        let claim = self.actor.name.trim();
        let same = |v: Option<&str>| v.is_some_and(|v| v.trim().eq_ignore_ascii_case(claim));
        if !self.first_run || !(same(rec.login.as_deref()) || same(rec.email.as_deref()) || same(Some(&rec.name))) {
            return None;
        }
        let id = self.actor.me?;
        let rec = PersonRecord { role: Role::Admin, ..rec.clone() };
        self.actor.name = rec.actor_name().to_string();
        self.pending = vec![Change::new_person(id, rec)];
        Some(id)
    }

    /// Write the first-run admin record now if one is waiting (before work that commits
    /// on its own: recurring tickets, imports).
    pub fn flush(&mut self) -> Result<()> {
        if !self.pending.is_empty() {
            self.commit(vec![])?;
        }
        Ok(())
    }
}
