//! What a technician's action means as changes: pure functions from the ticket as the
//! technician saw it to [`Change`]s. Every field change carries the value that was seen,
//! so the store refuses it if someone else changed that field meanwhile.

use super::ids::{PersonId, TicketId};
use super::op::{Change, EntryRecord, TicketRecord};
use super::ticket::{
    Channel, EntryKind, Level, Priority, PriorityMatrix, Status, Ticket, TicketField, TicketType, normalize_tags,
};

/// A new ticket as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub title: String,
    pub description: String,
    pub requester: Option<PersonId>,
    pub assignee: Option<PersonId>,
    pub group: Option<String>,
    pub kind: TicketType,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub channel: Channel,
    pub urgency: Level,
    pub impact: Level,
    /// Explicit priority; otherwise urgency × impact through the matrix.
    pub priority: Option<Priority>,
}

impl NewTicket {
    pub fn titled(title: impl Into<String>) -> Self {
        NewTicket {
            title: title.into(),
            description: String::new(),
            requester: None,
            assignee: None,
            group: None,
            kind: TicketType::Incident,
            category: None,
            tags: vec![],
            channel: Channel::Portal,
            urgency: Level::MEDIUM,
            impact: Level::MEDIUM,
            priority: None,
        }
    }
}

pub fn new_ticket(id: TicketId, t: NewTicket, matrix: &PriorityMatrix) -> Change {
    let computed = matrix.priority(t.urgency, t.impact);
    let status = if t.assignee.is_some() { Status::Open } else { Status::New };
    Change::new_ticket(
        id,
        TicketRecord {
            number: None,
            title: t.title.trim().to_string(),
            description: t.description,
            requester: t.requester,
            assignee: t.assignee,
            group: t.group,
            status,
            kind: t.kind,
            category: t.category,
            tags: normalize_tags(t.tags),
            channel: t.channel,
            urgency: t.urgency,
            impact: t.impact,
            priority: t.priority.unwrap_or(computed),
            priority_override: t.priority.is_some_and(|p| p != computed),
            created_at: None,
            origin: None,
        },
    )
}

/// Field edits; `None` leaves a field alone. For optional fields, `Some(None)` clears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<Status>,
    pub reopen: bool,
    pub assignee: Option<Option<PersonId>>,
    pub requester: Option<Option<PersonId>>,
    pub group: Option<Option<String>>,
    pub kind: Option<TicketType>,
    pub category: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub channel: Option<Channel>,
    pub urgency: Option<Level>,
    pub impact: Option<Level>,
    /// `Some(Some(p))` sets an explicit priority; `Some(None)` returns to the matrix.
    pub priority: Option<Option<Priority>>,
}

impl TicketEdit {
    pub fn is_empty(&self) -> bool {
        *self == TicketEdit::default()
    }
}

/// Changes for an edit of the ticket the technician saw.
pub fn edit(seen: &Ticket, e: TicketEdit, matrix: &PriorityMatrix) -> Vec<Change> {
    let mut out = Vec::new();
    let mut set = |field: TicketField, to: Option<String>| {
        let c = Change::set_ticket(seen.id, field, to).expecting(seen.field_value(field));
        out.push(if field == TicketField::Status && e.reopen { c.allow_reopen() } else { c });
    };
    if let Some(v) = e.title {
        set(TicketField::Title, Some(v.trim().to_string()));
    }
    if let Some(v) = e.description {
        set(TicketField::Description, Some(v));
    }
    if let Some(v) = e.requester {
        set(TicketField::Requester, v.map(|p| p.to_string()));
    }
    if let Some(v) = e.assignee {
        set(TicketField::Assignee, v.map(|p| p.to_string()));
    }
    if let Some(v) = e.group {
        set(TicketField::Group, v);
    }
    if let Some(v) = e.kind {
        set(TicketField::Type, Some(v.to_string()));
    }
    if let Some(v) = e.category {
        set(TicketField::Category, v);
    }
    if let Some(v) = e.tags {
        set(TicketField::Tags, Some(normalize_tags(v).join(",")).filter(|s| !s.is_empty()));
    }
    if let Some(v) = e.channel {
        set(TicketField::Channel, Some(v.to_string()));
    }
    let urgency = e.urgency.unwrap_or(seen.urgency);
    let impact = e.impact.unwrap_or(seen.impact);
    if let Some(v) = e.urgency {
        set(TicketField::Urgency, Some(v.to_string()));
    }
    if let Some(v) = e.impact {
        set(TicketField::Impact, Some(v.to_string()));
    }
    let computed = matrix.priority(urgency, impact);
    match e.priority {
        Some(Some(p)) => {
            set(TicketField::Priority, Some(p.get().to_string()));
            set(TicketField::PriorityOverride, Some((p != computed).to_string()));
        }
        Some(None) => {
            set(TicketField::Priority, Some(computed.get().to_string()));
            set(TicketField::PriorityOverride, Some("false".into()));
        }
        None if (e.urgency.is_some() || e.impact.is_some()) && !seen.priority_override => {
            set(TicketField::Priority, Some(computed.get().to_string()));
        }
        None => {}
    }
    // A new ticket that someone takes on is open.
    let status = match (e.status, &e.assignee) {
        (None, Some(Some(_))) if seen.status == Status::New => Some(Status::Open),
        (s, _) => s,
    };
    if let Some(v) = status {
        set(TicketField::Status, Some(v.to_string()));
    }
    out
}

/// Assign to me (and open it if it was new).
pub fn take(seen: &Ticket, me: PersonId, matrix: &PriorityMatrix) -> Vec<Change> {
    edit(seen, TicketEdit { assignee: Some(Some(me)), ..Default::default() }, matrix)
}

/// Merge `source` into `target`: the source is linked `merged-into` the target, resolved
/// (if work remained) and both get a note; the target's timeline then shows the source's.
pub fn merge(source: &Ticket, target: &Ticket, matrix: &PriorityMatrix) -> Vec<Change> {
    use super::op::LinkTarget;
    let mut out = vec![Change::link(
        source.id,
        LinkTarget::Ticket { id: target.id, rel: super::ticket::TicketRel::MergedInto },
        false,
    )];
    if source.status.is_open() {
        out.extend(edit(source, TicketEdit { status: Some(Status::Resolved), ..Default::default() }, matrix));
    }
    out.push(Change::entry(
        source.id,
        EntryRecord {
            kind: EntryKind::Note,
            body: format!("Merged into {}.", target.number),
            author: None,
            minutes: None,
            origin: None,
        },
    ));
    out.push(Change::entry(
        target.id,
        EntryRecord {
            kind: EntryKind::Note,
            body: format!("{} ({}) was merged into this ticket.", source.number, source.title),
            author: None,
            minutes: None,
            origin: None,
        },
    ));
    out
}

/// A note or reply. A public reply to a new ticket opens it.
pub fn entry(seen: &Ticket, kind: EntryKind, body: String, minutes: Option<u32>) -> Vec<Change> {
    let mut out = vec![Change::entry(seen.id, EntryRecord { kind, body, author: None, minutes, origin: None })];
    if kind == EntryKind::Reply && seen.status == Status::New {
        out.push(
            Change::set_ticket(seen.id, TicketField::Status, Some(Status::Open.to_string()))
                .expecting(Some(Status::New.to_string())),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::op::{Expect, Payload};
    use crate::domain::ticket::PersonRef;

    fn seen() -> Ticket {
        Ticket::sample(Status::New)
    }

    fn fields(cs: &[Change]) -> Vec<(TicketField, Option<String>)> {
        cs.iter()
            .filter_map(|c| match &c.payload {
                Payload::TicketSet(s) => Some((s.field, s.to.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn taking_a_new_ticket_assigns_and_opens_it_expecting_what_was_seen() {
        let me = PersonId::from_bytes([9; 16]);
        let cs = take(&seen(), me, &PriorityMatrix::default());
        assert_eq!(
            fields(&cs),
            vec![(TicketField::Assignee, Some(me.to_string())), (TicketField::Status, Some("open".into()))]
        );
        assert_eq!(cs[0].expect, Expect::Value(None));
        assert_eq!(cs[1].expect, Expect::Value(Some("new".into())));
    }

    #[test]
    fn urgency_change_recomputes_priority_unless_overridden() {
        let m = PriorityMatrix::default();
        let cs = edit(
            &seen(),
            TicketEdit { urgency: Some(Level::HIGH), impact: Some(Level::HIGH), ..Default::default() },
            &m,
        );
        assert!(fields(&cs).contains(&(TicketField::Priority, Some("1".into()))));
        let mut over = seen();
        over.priority_override = true;
        let cs = edit(&over, TicketEdit { urgency: Some(Level::HIGH), ..Default::default() }, &m);
        assert!(!fields(&cs).iter().any(|(f, _)| *f == TicketField::Priority));
    }

    #[test]
    fn explicit_priority_marks_override() {
        let cs = edit(
            &seen(),
            TicketEdit { priority: Some(Some(Priority::P1)), ..Default::default() },
            &PriorityMatrix::default(),
        );
        assert!(fields(&cs).contains(&(TicketField::PriorityOverride, Some("true".into()))));
    }

    #[test]
    fn a_public_reply_opens_a_new_ticket_but_a_note_does_not() {
        let t = seen();
        assert_eq!(entry(&t, EntryKind::Reply, "hi".into(), None).len(), 2);
        assert_eq!(entry(&t, EntryKind::Note, "hmm".into(), None).len(), 1);
        let mut assigned = t.clone();
        assigned.assignee = Some(PersonRef { id: PersonId::from_bytes([3; 16]), name: "x".into() });
        assert!(
            fields(&take(&assigned, PersonId::from_bytes([9; 16]), &PriorityMatrix::default()))
                .iter()
                .all(|(f, _)| *f != TicketField::Title)
        );
    }
}
