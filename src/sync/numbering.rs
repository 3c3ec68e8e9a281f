//! Where a numbering epoch starts. Pure functions; the shared store and the rebuild
//! call them.
//!
//! Final ticket numbers are issued by a shared store under its write lock, one epoch at a
//! time: each epoch has its own numbering replica (the author of its `ticket.number`
//! ops). A new epoch starts when a shared store is built (`sync init`, `sync rebuild`)
//! and whenever a shared store finds it has lost numbers it issued (restored from a
//! backup). An epoch never issues a number that an earlier one may have issued:
//!
//! - when the record of the highest number ever issued (the `PATH.numbers` file beside
//!   the shared file) is intact and newer than what was lost, the new epoch continues
//!   right after it: no number is skipped and none is issued twice;
//! - when that record is missing or went back in time with the file (a whole directory
//!   restored from a backup, a file from an older tix), the new epoch starts above the
//!   highest number anyone can see by a headroom: twice as many numbers as the old epoch
//!   issued, at its recent rate, in the time nobody can account for, and at least
//!   [`MIN_HEADROOM`], rounded up to the next thousand. The jump (`#1042` → `#3001`)
//!   makes the new epoch easy to recognise.

use crate::domain::ids::{ReplicaId, TicketNumber};
use crate::domain::op::{Hlc, NumberRecord, Op, Payload, RawOp};

/// Who issues final ticket numbers: the remote's numbering replica, as this actor.
pub const NUMBERING_ACTOR: &str = "tix-sync";

/// The op that gives `ticket` its final number, from the numbering replica `own` at
/// (`counter`, `hlc`): the same for every remote.
pub fn number_op(own: ReplicaId, counter: u64, hlc: Hlc, ticket: uuid::Uuid, number: TicketNumber) -> RawOp {
    RawOp::from_op(&Op {
        replica: own,
        counter,
        hlc,
        actor: NUMBERING_ACTOR.into(),
        entity: ticket,
        payload: Payload::TicketNumber(NumberRecord { number }),
    })
}

/// The smallest headroom above the highest known number when what was issued since
/// cannot be known.
pub const MIN_HEADROOM: u64 = 1_000;

/// The window over which the recent numbering rate is measured.
pub const RATE_WINDOW_MS: i64 = 30 * 86_400_000;

/// Numbers to leave free when what an earlier epoch issued since `newest_ms` cannot be
/// known: twice the numbers it would have issued at its rate (`issued` numbers in the
/// [`RATE_WINDOW_MS`] before `newest_ms`) until `now_ms`, and at least [`MIN_HEADROOM`].
pub fn headroom(issued: u64, newest_ms: Option<i64>, now_ms: i64) -> u64 {
    let Some(newest) = newest_ms else { return MIN_HEADROOM };
    let gap = (now_ms - newest).max(0) as u128;
    let estimate = (2 * issued as u128 * gap).div_ceil(RATE_WINDOW_MS as u128);
    (estimate.min(1_000_000_000) as u64).max(MIN_HEADROOM)
}

/// The first number of an epoch that must stay clear of everything up to `highest`
/// plus `headroom`: the first number of the next thousand above that.
pub fn base_with_headroom(highest: u64, headroom: u64) -> u64 {
    ((highest + headroom) / 1_000 + 1) * 1_000 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headroom_grows_with_the_rate_and_the_time_unaccounted_for() {
        assert_eq!(headroom(0, None, 0), MIN_HEADROOM);
        assert_eq!(headroom(10, Some(0), 86_400_000), MIN_HEADROOM, "a quiet desk, one day");
        // 500 numbers a day (15,000 in 30 days), nobody heard of for 10 days: 2 × 5,000.
        assert_eq!(headroom(15_000, Some(0), 10 * 86_400_000), 10_000);
        assert_eq!(headroom(15_000, Some(100), 0), MIN_HEADROOM, "a clock behind the newest op");
    }

    #[test]
    fn an_epoch_starts_at_a_round_number_clear_of_the_headroom() {
        assert_eq!(base_with_headroom(1, 1_000), 2_001);
        assert_eq!(base_with_headroom(0, 1_000), 2_001);
        assert_eq!(base_with_headroom(1_042, 1_000), 3_001);
        assert_eq!(base_with_headroom(1_999, 10_000), 12_001);
        assert!(base_with_headroom(u32::MAX as u64, 1_000) > u32::MAX as u64 + 1_000);
    }
}
