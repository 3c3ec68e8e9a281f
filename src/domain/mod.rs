//! Plain types and rules: no IO, no SQL, no terminal.

pub mod asset;
pub mod calendar;
pub mod checklist;
pub mod clock;
pub mod enums;
pub mod escalation;
pub mod filter;
pub mod ids;
pub mod kb;
pub mod macros;
pub mod op;
pub mod person;
pub mod plan;
pub mod recurring;
pub mod routing;
pub mod sla;
pub mod sla_config;
pub mod stopwords;
pub mod text;
pub mod ticket;
pub mod time;

pub use ids::{ArticleId, AssetId, PersonId, ReplicaId, TicketId, TicketNumber};

/// A rule of the domain was broken, or a value could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("unknown {what} '{value}' (expected one of: {expected})")]
    UnknownValue { what: &'static str, value: String, expected: String },
    #[error("{what} '{value}' is out of range ({range})")]
    OutOfRange { what: &'static str, value: String, range: &'static str },
    #[error("cannot change status from {from} to {to}{hint}")]
    InvalidTransition { from: ticket::Status, to: ticket::Status, hint: &'static str },
    #[error("op '{kind}' has a payload that cannot be read: {reason}")]
    BadPayload { kind: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}
