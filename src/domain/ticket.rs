//! Tickets: status workflow, priority matrix, fields.

use serde::{Deserialize, Serialize};

use super::DomainError;
use super::ids::{PersonId, TicketId, TicketNumber};
use crate::string_enum;

string_enum!(
    /// Where a ticket stands in its life.
    Status, "status" {
        New = "new",
        Open = "open",
        Pending = "pending",
        OnHold = "on-hold",
        Resolved = "resolved",
        Closed = "closed",
    }
);

impl Status {
    /// Work is still to be done (counts in the backlog).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }

    /// Whether `self → to` is allowed. Going back from resolved or closed to an
    /// open state is a *reopen* and needs `reopen = true`, so it is never an accident.
    pub fn check_transition(self, to: Status, reopen: bool) -> Result<(), DomainError> {
        use Status::*;
        let ok = match (self, to) {
            (a, b) if a == b => true,
            (New | Open | Pending | OnHold, Open | Pending | OnHold | Resolved) => true,
            (Resolved, Closed) => true,
            (Resolved | Closed, Open) => reopen,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            let hint = match (self, to) {
                (Resolved | Closed, _) if to.is_open() && !reopen => " (use reopen to bring a finished ticket back)",
                (_, Closed) => " (a ticket is resolved before it is closed)",
                _ => "",
            };
            Err(DomainError::InvalidTransition { from: self, to, hint })
        }
    }
}

string_enum!(
    /// ITIL record type.
    TicketType, "type" {
        Incident = "incident",
        Request = "request",
        Problem = "problem",
        Change = "change",
    }
);

string_enum!(
    /// How the request came in.
    Channel, "channel" {
        Phone = "phone",
        Email = "email",
        WalkIn = "walk-in",
        Chat = "chat",
        Portal = "portal",
        Monitoring = "monitoring",
        /// Taken from another desk's file that does not say how the request came in.
        Import = "import",
    }
);

/// Urgency or impact: 1 (high) to 3 (low).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    pub const HIGH: Level = Level(1);
    pub const MEDIUM: Level = Level(2);
    pub const LOW: Level = Level(3);
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Level {
    type Error = DomainError;
    fn try_from(v: u8) -> Result<Self, DomainError> {
        if (1..=3).contains(&v) {
            Ok(Level(v))
        } else {
            Err(DomainError::OutOfRange { what: "urgency/impact", value: v.to_string(), range: "1 (high) to 3 (low)" })
        }
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.0
    }
}

impl std::str::FromStr for Level {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "high" | "h" => Ok(Level::HIGH),
            "medium" | "med" | "m" => Ok(Level::MEDIUM),
            "low" | "l" => Ok(Level::LOW),
            t => t
                .parse::<u8>()
                .map_err(|_| DomainError::OutOfRange {
                    what: "urgency/impact",
                    value: s.to_string(),
                    range: "1 (high) to 3 (low)",
                })
                .and_then(Level::try_from),
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// P1 (critical) to P4 (low).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Priority(u8);

impl Priority {
    pub const P1: Priority = Priority(1);
    pub const P2: Priority = Priority(2);
    pub const P3: Priority = Priority(3);
    pub const P4: Priority = Priority(4);
    pub fn get(self) -> u8 {
        self.0
    }
    pub fn label(self) -> &'static str {
        ["P1", "P2", "P3", "P4"][(self.0 - 1) as usize]
    }
}

impl TryFrom<u8> for Priority {
    type Error = DomainError;
    fn try_from(v: u8) -> Result<Self, DomainError> {
        if (1..=4).contains(&v) {
            Ok(Priority(v))
        } else {
            Err(DomainError::OutOfRange { what: "priority", value: v.to_string(), range: "P1 to P4" })
        }
    }
}

impl From<Priority> for u8 {
    fn from(p: Priority) -> u8 {
        p.0
    }
}

impl std::str::FromStr for Priority {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let digits = t.strip_prefix(['P', 'p']).unwrap_or(t);
        digits
            .parse::<u8>()
            .map_err(|_| DomainError::OutOfRange { what: "priority", value: s.to_string(), range: "P1 to P4" })
            .and_then(Priority::try_from)
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// urgency × impact → priority. Rows are urgency 1..3, columns impact 1..3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityMatrix(pub [[Priority; 3]; 3]);

impl Default for PriorityMatrix {
    /// The common ITIL matrix: high × high is P1, low × low is P4.
    fn default() -> Self {
        use Priority as P;
        PriorityMatrix([[P::P1, P::P2, P::P3], [P::P2, P::P3, P::P4], [P::P3, P::P4, P::P4]])
    }
}

impl PriorityMatrix {
    pub fn priority(&self, urgency: Level, impact: Level) -> Priority {
        self.0[(urgency.0 - 1) as usize][(impact.0 - 1) as usize]
    }
}

string_enum!(
    /// The fields of a ticket that can be changed after creation. Each is a
    /// last-writer-wins register in the op log.
    TicketField, "ticket field" {
        Title = "title",
        Description = "description",
        Requester = "requester",
        Assignee = "assignee",
        Group = "group",
        Status = "status",
        Type = "type",
        Category = "category",
        Tags = "tags",
        Channel = "channel",
        Urgency = "urgency",
        Impact = "impact",
        Priority = "priority",
        PriorityOverride = "priority-override",
        ResponseDue = "response-due",
        ResolutionDue = "resolution-due",
        Deleted = "deleted",
        /// The ticket's checklist (JSON; see `domain::checklist`).
        Checklist = "checklist",
    }
);

string_enum!(
    /// Timeline entry kinds written by people. System events come from the op log itself.
    EntryKind, "entry kind" {
        /// Internal note: never shown to the requester. The default.
        Note = "note",
        /// Public reply: sent to / visible to the requester.
        Reply = "reply",
    }
);

string_enum!(
    /// How a ticket relates to another ticket.
    TicketRel, "ticket relation" {
        /// The target is this ticket's parent.
        Parent = "parent",
        Related = "related",
        /// This ticket duplicates the target.
        DuplicateOf = "duplicate-of",
        /// This incident is caused by the target problem.
        Problem = "problem",
        /// This ticket was merged into the target (its timeline shows there).
        MergedInto = "merged-into",
    }
);

/// The materialized state of a ticket, as the UI and CLI see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ticket {
    pub id: TicketId,
    pub number: TicketNumber,
    pub title: String,
    pub description: String,
    pub requester: Option<PersonRef>,
    pub assignee: Option<PersonRef>,
    pub group: Option<String>,
    pub status: Status,
    #[serde(rename = "type")]
    pub kind: TicketType,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub channel: Channel,
    pub urgency: Level,
    pub impact: Level,
    pub priority: Priority,
    pub priority_override: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub response_due: Option<i64>,
    pub resolution_due: Option<i64>,
    pub entry_count: u32,
    /// The checklist, as stored (JSON), if one is attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checklist: Option<String>,
}

impl Ticket {
    /// The value of a field, encoded as in ops (`None` = empty).
    pub fn field_value(&self, f: TicketField) -> Option<String> {
        use TicketField as F;
        match f {
            F::Title => Some(self.title.clone()),
            F::Description => Some(self.description.clone()),
            F::Requester => self.requester.as_ref().map(|p| p.id.to_string()),
            F::Assignee => self.assignee.as_ref().map(|p| p.id.to_string()),
            F::Group => self.group.clone(),
            F::Status => Some(self.status.to_string()),
            F::Type => Some(self.kind.to_string()),
            F::Category => self.category.clone(),
            F::Tags => Some(self.tags.join(",")).filter(|s| !s.is_empty()),
            F::Channel => Some(self.channel.to_string()),
            F::Urgency => Some(self.urgency.to_string()),
            F::Impact => Some(self.impact.to_string()),
            F::Priority => Some(self.priority.get().to_string()),
            F::Checklist => self.checklist.clone(),
            F::PriorityOverride => Some(self.priority_override.to_string()),
            F::ResponseDue => self.response_due.map(|v| v.to_string()),
            F::ResolutionDue => self.resolution_due.map(|v| v.to_string()),
            F::Deleted => Some("false".into()),
        }
    }
}

/// A person as referenced from a ticket: id plus a display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRef {
    pub id: PersonId,
    pub name: String,
}

/// Normalise a tag list: lower-case, trimmed, de-duplicated, sorted.
#[cfg(test)]
impl Ticket {
    /// A plain ticket for unit tests: #7 "Printer jam", P3, nobody's, `status`.
    pub(crate) fn sample(status: Status) -> Ticket {
        Ticket {
            id: TicketId::from_bytes([1; 16]),
            number: TicketNumber(7),
            title: "Printer jam".into(),
            description: String::new(),
            requester: None,
            assignee: None,
            group: None,
            status,
            kind: TicketType::Incident,
            category: None,
            tags: vec![],
            channel: Channel::Phone,
            urgency: Level::MEDIUM,
            impact: Level::MEDIUM,
            priority: Priority::P3,
            priority_override: false,
            created_at: 0,
            updated_at: 0,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            response_due: None,
            resolution_due: None,
            entry_count: 0,
            checklist: None,
        }
    }
}

pub fn normalize_tags<I, S>(tags: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut v: Vec<String> = tags
        .into_iter()
        .flat_map(|s| s.as_ref().split([',', ' ']).map(|t| t.trim().to_lowercase()).collect::<Vec<_>>())
        .filter(|t| !t.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_workflow() {
        use Status::*;
        assert!(New.check_transition(Open, false).is_ok());
        assert!(Open.check_transition(Pending, false).is_ok());
        assert!(Pending.check_transition(Resolved, false).is_ok());
        assert!(Resolved.check_transition(Closed, false).is_ok());
        assert!(Open.check_transition(Closed, false).is_err());
        assert!(Closed.check_transition(Resolved, true).is_err());
        assert!(New.check_transition(New, false).is_ok());
    }

    #[test]
    fn reopen_needs_to_be_explicit() {
        use Status::*;
        let err = Resolved.check_transition(Open, false).unwrap_err();
        assert!(err.to_string().contains("reopen"), "{err}");
        assert!(Resolved.check_transition(Open, true).is_ok());
        assert!(Closed.check_transition(Open, true).is_ok());
        assert!(Closed.check_transition(Pending, true).is_err());
    }

    #[test]
    fn itil_matrix_corners() {
        let m = PriorityMatrix::default();
        assert_eq!(m.priority(Level::HIGH, Level::HIGH), Priority::P1);
        assert_eq!(m.priority(Level::LOW, Level::LOW), Priority::P4);
        assert_eq!(m.priority(Level::MEDIUM, Level::MEDIUM), Priority::P3);
        assert_eq!(m.priority(Level::HIGH, Level::LOW), Priority::P3);
    }

    #[test]
    fn values_parse_from_people_spellings() {
        assert_eq!("On Hold".parse::<Status>().unwrap(), Status::OnHold);
        assert_eq!("walk_in".parse::<Channel>().unwrap(), Channel::WalkIn);
        assert_eq!("p2".parse::<Priority>().unwrap(), Priority::P2);
        assert_eq!("high".parse::<Level>().unwrap(), Level::HIGH);
        assert!("4".parse::<Level>().is_err());
        let e = "solved".parse::<Status>().unwrap_err().to_string();
        assert!(e.contains("solved") && e.contains("resolved"), "{e}");
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(normalize_tags(["VIP, printer", "printer  floor3"]), vec!["floor3", "printer", "vip"]);
    }
}
