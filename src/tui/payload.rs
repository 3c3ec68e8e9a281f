//! What the store worker sends back for the panes to show: the payloads of result
//! actions. A leaf: it knows the domain and the store's row types, no pane.

use crate::domain::asset::Asset;
use crate::domain::ids::{ArticleId, PersonId};
use crate::domain::text;
use crate::domain::ticket::{Priority, Status, Ticket};
use crate::store::{TicketRow, TimelineItem};

/// Everything the pane shows, loaded in one effect.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketView {
    pub ticket: Ticket,
    pub timeline: Vec<TimelineItem>,
    pub assets: Vec<Asset>,
    pub articles: Vec<(ArticleId, String)>,
    pub related: Vec<(String, TicketRow)>,
    /// The requester's other open tickets.
    pub others: Vec<TicketRow>,
    /// Minutes booked on the ticket in all.
    pub minutes: u64,
    /// The linked KB articles' titles and bodies (their steps can become a checklist).
    pub article_steps: Vec<(ArticleId, String, String)>,
    /// What came with the ticket's e-mails.
    pub attachments: Vec<crate::store::Attachment>,
    /// The SLA now: policy, the targets in words, the worst open state.
    pub sla: Option<(String, String, Option<crate::domain::sla::SlaState>)>,
}

/// One match: the asset, the line it was matched on, and the matched characters.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetHit {
    pub asset: Asset,
    /// "TAG hostname serial model holder", cleaned; `marks` index its chars.
    pub line: String,
    pub marks: Vec<usize>,
}

impl AssetHit {
    /// The text an asset is matched on.
    pub fn line_of(a: &Asset) -> String {
        let r = &a.record;
        let parts = [
            Some(r.tag.as_str()),
            r.hostname.as_deref(),
            r.serial.as_deref(),
            r.model.as_deref(),
            a.holder_name.as_deref(),
        ];
        text::clean(&parts.into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("  ")).into_owned()
    }
}

/// A requester candidate: id, "Name <email>", matched chars of that label.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: PersonId,
    pub label: String,
    pub marks: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickField {
    Status,
    Priority,
    Assignee,
    Group,
    Category,
    Urgency,
    Impact,
    /// A macro from the config.
    Macro,
    /// A canned text for the editor.
    Canned,
    /// A checklist to attach.
    Checklist,
    /// Something the open ticket links to: a ticket, an asset, a KB article.
    Open,
    /// How another ticket relates to the open one (`L`).
    Relation,
}

impl PickField {
    pub fn name(self) -> &'static str {
        match self {
            PickField::Status => "status",
            PickField::Priority => "priority",
            PickField::Assignee => "assignee",
            PickField::Group => "group",
            PickField::Category => "category",
            PickField::Urgency => "urgency",
            PickField::Impact => "impact",
            PickField::Macro => "macro",
            PickField::Canned => "canned text",
            PickField::Checklist => "checklist",
            PickField::Open => "open",
            PickField::Relation => "link",
        }
    }

    /// Whether a typed value that is not in the list may be used (free text fields).
    pub fn free(self) -> bool {
        matches!(self, PickField::Group | PickField::Category)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PickValue {
    Status(Status),
    /// `None`: back to urgency × impact.
    Priority(Option<Priority>),
    Person(Option<PersonId>),
    Text(Option<String>),
    Level(crate::domain::ticket::Level),
    /// Index into the macros / canned texts.
    Macro(usize),
    Canned(usize),
    /// A checklist, as JSON.
    Checklist(String),
    OpenTicket(crate::domain::ids::TicketId),
    /// An asset, by tag.
    OpenAsset(String),
    /// An attachment, by its number on the ticket (1-based).
    OpenAttachment(usize),
    /// A KB article, by title.
    OpenArticle(String),
    /// The relation, and whether the other ticket is the one that holds it (a child).
    Relation(crate::domain::ticket::TicketRel, bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PickItem {
    pub label: String,
    pub value: PickValue,
}
