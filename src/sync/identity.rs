//! Proving that both sides hold the same op at every common (replica, counter).
//!
//! Each replica's ops are numbered 1, 2, 3... without a gap, and each op carries a
//! checksum over all of its columns. Two logs that hold different ops under one
//! identity (a store file copied and both copies used; a shared file restored from a
//! backup that then issued numbers again) part at some counter and never meet again:
//! everything written after the parting was written independently. So comparing the
//! checksums at the highest counter both sides hold, per replica, shows whether the two
//! agree on the whole common range; on a mismatch a bisection finds the first counter
//! where they part. That costs one lookup per replica on each side per sync (and
//! `log2(counter)` more on a mismatch), the same for a shared file and a server.
//!
//! A mismatch stops the sync before anything is written or folded: nothing is merged.
//! [`Divergence`] says which identity is claimed twice, the likely cause, and the way
//! out (`tix sync rejoin`).

use std::collections::HashMap;
use std::fmt;

use uuid::Uuid;

use super::{Remote, SyncError};
use crate::domain::ids::ReplicaId;
use crate::store::Store;

/// Whose identity is claimed twice, as seen from this store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// This store's own replica: it was copied (or restored) and both copies were used.
    Own,
    /// A shared store's numbering replica: a shared file went back in time and numbered again.
    Numbering,
    /// Another store's replica.
    Other,
    /// Not known yet (the shared store found it during a push).
    Unknown,
}

/// A final number that cannot be recorded: it is another ticket's, or the ticket holds
/// another number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberClash {
    pub number: u64,
    pub ticket: Uuid,
    /// The ticket that holds `number` in the shared store, if another.
    pub held_by: Option<Uuid>,
    /// The number `ticket` holds in the shared store, if another.
    pub ticket_has: Option<u64>,
}

/// What the two sides disagree about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Two different ops claim (replica, counter).
    Identity,
    /// The op at (replica, counter) gives a final number the shared store cannot record.
    Number(NumberClash),
    /// Another copy of this store has synced as this replica since this copy last did
    /// (seen from the instance nonce beside the replica's head, before any op differs).
    Copy,
}

/// Two sides that disagree about the op at (replica, counter), or about a final number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub replica: ReplicaId,
    pub counter: u64,
    pub role: Role,
    pub kind: Kind,
}

impl Divergence {
    pub fn identity(replica: ReplicaId, counter: u64) -> Divergence {
        Divergence { replica, counter, role: Role::Unknown, kind: Kind::Identity }
    }

    pub fn number(replica: ReplicaId, counter: u64, clash: NumberClash) -> Divergence {
        Divergence { replica, counter, role: Role::Unknown, kind: Kind::Number(clash) }
    }

    /// Another copy of this store (replica `me`, holding up to `counter` in the shared
    /// store) synced since this one did.
    pub fn copy(me: ReplicaId, counter: u64) -> Divergence {
        Divergence { replica: me, counter, role: Role::Own, kind: Kind::Copy }
    }

    /// Fill in whose identity it is, from this store's point of view.
    pub fn with_role(mut self, me: ReplicaId, numbering: &[ReplicaId]) -> Divergence {
        if self.role == Role::Unknown {
            self.role = if self.replica == me {
                Role::Own
            } else if numbering.contains(&self.replica) || matches!(self.kind, Kind::Number(_)) {
                Role::Numbering
            } else {
                Role::Other
            };
        }
        self
    }
}

const STOPPED: &str = "Syncing has stopped and nothing was merged";

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, n) = (self.replica, self.counter);
        if self.kind == Kind::Copy {
            return write!(
                f,
                "another copy of this store has synced as replica {r} since this one last did (the shared store holds \
                 its changes up to counter {n}). Likely cause: this store file was copied to another place or machine \
                 (or restored from a backup) and both copies are in use; two copies writing under one replica id would \
                 claim the same identities. {STOPPED}; `tix sync rejoin` continues this store under a new replica id \
                 and carries its unsynced changes over (the other copy keeps the old id)"
            );
        }
        if let Kind::Number(c) = &self.kind {
            let whose = match (c.held_by, c.ticket_has) {
                (Some(t), _) => format!("the shared store gives #{} to ticket {t}", c.number),
                (None, Some(m)) => format!("the shared store numbers that ticket #{m}"),
                (None, None) => "the shared store records another number".into(),
            };
            return write!(
                f,
                "#{} is claimed twice: op {r}/{n} gives it to ticket {}, but {whose}. Likely cause: the shared store was \
                 rebuilt or restored from a backup by a store that had missed the newest numbers. {STOPPED}; \
                 `tix sync rejoin` takes the shared store's numbering (a ticket numbered otherwise here gets the shared \
                 store's number, with a note saying what it was)",
                c.number, c.ticket
            );
        }
        write!(f, "two different ops claim replica {r} counter {n}")?;
        match self.role {
            Role::Own => write!(
                f,
                ": this store's own changes differ from the shared store's under its replica id. Likely cause: this \
                 store file was copied (or restored from a backup) and both copies were used. {STOPPED}; `tix sync \
                 rejoin` continues this store under a new replica id and carries its unsynced changes over (the other \
                 copy keeps the old id)"
            ),
            Role::Numbering => write!(
                f,
                ": the shared store's ticket numbering differs from this store's. Likely cause: the shared file was \
                 restored from a backup and numbered tickets again before a store holding the newer numbers synced. \
                 {STOPPED}; `tix sync rejoin` takes the shared store's numbering (a ticket numbered otherwise here gets \
                 the shared store's number, with a note saying what it was)"
            ),
            Role::Other | Role::Unknown => write!(
                f,
                ": that store's changes differ between this store and the shared store. Likely cause: that store file \
                 was copied and both copies were used, or the shared file was restored from a backup. {STOPPED}; `tix \
                 sync rejoin` takes the shared store's version of them (the store writing as {r} is told to rejoin when \
                 it syncs)"
            ),
        }
    }
}

impl From<Divergence> for SyncError {
    fn from(d: Divergence) -> SyncError {
        SyncError::Diverged(Box::new(d))
    }
}

/// For every replica both sides hold ops of, the first counter at which they hold
/// different ops (none when they agree on the whole common range).
pub fn divergences(
    store: &Store,
    remote: &mut dyn Remote,
    local: &HashMap<ReplicaId, u64>,
    theirs: &HashMap<ReplicaId, u64>,
) -> Result<Vec<(ReplicaId, u64)>, SyncError> {
    let mut common: Vec<(ReplicaId, u64)> =
        local.iter().filter_map(|(r, &l)| theirs.get(r).map(|&t| (*r, l.min(t)))).filter(|(_, c)| *c > 0).collect();
    common.sort();
    let here = store.checksums_at(&common)?;
    let there = remote.checksums(&common)?;
    let mut out = Vec::new();
    for (i, &(replica, head)) in common.iter().enumerate() {
        if here[i] == there[i] {
            continue;
        }
        // Agree up to `lo`, differ at `hi`: halve the range.
        let (mut lo, mut hi) = (0u64, head);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let a = store.checksums_at(&[(replica, mid)])?;
            let b = remote.checksums(&[(replica, mid)])?;
            if a == b { lo = mid } else { hi = mid }
        }
        out.push((replica, hi));
    }
    Ok(out)
}
