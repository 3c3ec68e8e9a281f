//! Plain types and rules: no IO, no SQL, no terminal.

pub mod asset;
pub mod calendar;
pub mod checklist;
pub mod clock;
pub mod duration;
pub mod enums;
pub mod escalation;
pub mod filter;
pub mod ids;
pub mod kb;
pub mod macros;
pub mod mail;
pub mod op;
pub mod person;
pub mod plan;
pub mod recurring;
pub mod routing;
pub mod sla;
pub mod sla_config;
pub mod sort;
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

/// A configured rule (macro, routing rule, escalation, checklist template, recurring
/// ticket) that cannot work: which rule, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} '{name}'{problem}")]
pub struct RuleError {
    /// `macro`, `routing rule`, `escalation`, `checklist`, `recurring`.
    pub kind: &'static str,
    pub name: String,
    pub problem: RuleProblem,
}

/// What is wrong with a configured rule; shown after its kind and name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleProblem {
    /// It has no effect; the keys that would give it one.
    #[error(" does nothing ({0})")]
    DoesNothing(&'static str),
    /// It would apply to everything; the keys that would narrow it.
    #[error(" has no condition ({0})")]
    NoCondition(&'static str),
    #[error(" has no items")]
    NoItems,
    #[error(": {0} is required")]
    Missing(&'static str),
    /// A key holds a value that cannot be used.
    #[error(": {key}: {message}")]
    BadValue { key: &'static str, message: String },
}

impl RuleError {
    pub fn new(kind: &'static str, name: &str, problem: RuleProblem) -> RuleError {
        RuleError { kind, name: name.to_string(), problem }
    }

    pub fn bad_value(kind: &'static str, name: &str, key: &'static str, message: impl ToString) -> RuleError {
        RuleError::new(kind, name, RuleProblem::BadValue { key, message: message.to_string() })
    }
}
