//! The effects `update` asks for: work for the driver, which runs them against the desk
//! core (or, for the terminal ones, the terminal) and feeds the results back as actions.
//! A leaf of the console: panes and the model import it, it imports no pane.

use super::payload::PickField;
use crate::domain::TicketNumber;
use crate::domain::ids::{ArticleId, AssetId, TicketId};
use crate::domain::macros::Macro;
use crate::domain::op::LinkTarget;
use crate::domain::plan::{NewTicket, TicketEdit};
use crate::domain::ticket::{EntryKind, Ticket, TicketRel};
use crate::store::TicketQuery;

/// Work for the driver: it runs these against the store (or, for the last two, the
/// terminal) and feeds back the results.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadQueue {
        generation: u64,
        query: TicketQuery,
        /// `assignee:NAME` from the filter, to resolve against the store.
        assignee_name: Option<String>,
    },
    /// `:42`
    OpenNumber(TicketNumber),
    /// Whether a public reply under review quotes an internal note or KB article.
    CheckReply {
        ticket: TicketId,
        body: String,
    },
    /// Save a note or send a reply; `seen` is the ticket as it was when writing began.
    AddEntry {
        seen: Box<Ticket>,
        kind: EntryKind,
        body: String,
        minutes: Option<u32>,
    },
    LoadTicket(TicketId),
    /// Assign to me; `seen` is the ticket as shown (the lost-update guard), if it was.
    Take {
        id: TicketId,
        seen: Option<Box<Ticket>>,
    },
    /// Change fields of the ticket as it was seen (pick-lists).
    Edit {
        seen: Box<Ticket>,
        edit: TicketEdit,
    },
    /// Link something to the ticket.
    Link {
        seen: Box<Ticket>,
        target: LinkTarget,
        /// What it is, for the message ("KB “VPN drops”").
        what: String,
    },
    /// Changes to the ticket as it was seen (checklists), written as they are.
    Change {
        seen: Box<Ticket>,
        changes: Vec<crate::domain::op::Change>,
    },
    /// Save a view in the store (`:save view NAME`).
    SaveView(crate::domain::op::ViewRecord),
    /// Add (or remove) a watcher of a ticket: an address copied on its public replies.
    Watch {
        ticket: TicketId,
        number: TicketNumber,
        address: String,
        remove: bool,
    },
    /// Merge the ticket into another, given by number.
    Merge {
        seen: Box<Ticket>,
        into: TicketNumber,
    },
    /// Link another ticket, given by number, with a relation (`reverse`: the other
    /// ticket holds it, as a child holds its parent).
    LinkNumber {
        seen: Box<Ticket>,
        number: TicketNumber,
        rel: TicketRel,
        reverse: bool,
    },
    CreateTicket(Box<NewTicket>),
    /// A macro on the open ticket as it was seen.
    ApplyMacro {
        seen: Box<Ticket>,
        m: Box<Macro>,
    },
    /// An edit or a macro on several tickets, each read as it is now and written on its
    /// own (one refusal does not undo the others; the report says which).
    Bulk {
        tickets: Vec<(TicketId, TicketNumber)>,
        edit: Option<TicketEdit>,
        m: Option<Box<Macro>>,
    },
    SearchKb {
        generation: u64,
        text: String,
    },
    LoadArticle(ArticleId),
    FindAssets {
        generation: u64,
        text: String,
    },
    LoadAssetTickets(AssetId),
    FindPeople {
        generation: u64,
        text: String,
    },
    LoadPickItems(PickField),
    /// The dashboard's figures for [from, to).
    LoadReport {
        from: i64,
        to: i64,
    },
    /// Sync with the shared store now (in the background).
    SyncNow,
    /// Make the recurring tickets that are due (at start).
    RunSchedules,
    /// Bring the SLA clocks of changed tickets up to date (start, each minute, after
    /// writes); `full` checks every open ticket (at start: a sync may have brought old
    /// changes).
    RefreshSla {
        full: bool,
    },
    /// Show a text attachment, or save (and open) another kind.
    OpenAttachment {
        ticket: TicketId,
        /// Its number on the ticket (1-based).
        index: usize,
        /// `[console] opener`.
        opener: Option<String>,
    },
    /// Leave the console (asked first when a draft would be lost); never reaches the runner.
    Quit,
    /// Bring back the drafts an earlier console left (answered `y`); never reaches the runner.
    RestoreDrafts,
    /// Terminal: put text on the clipboard through OSC 52 (works over SSH).
    Copy(String),
    /// Terminal: hand a draft to $VISUAL / $EDITOR and take it back.
    ExternalEditor {
        kind: EntryKind,
        ticket: Box<Ticket>,
        text: String,
    },
}

impl Effect {
    /// Effects that need the terminal itself rather than the store.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Effect::Copy(_) | Effect::ExternalEditor { .. })
    }
}

/// The relations `L` offers: (label, relation, the other ticket holds it).
pub const LINK_RELATIONS: &[(&str, TicketRel, bool)] = &[
    ("related: the two are related", TicketRel::Related, false),
    ("parent: the other ticket is this one's parent", TicketRel::Parent, false),
    ("child: the other ticket is this one's child", TicketRel::Parent, true),
    ("duplicate-of: this ticket duplicates the other", TicketRel::DuplicateOf, false),
    ("problem: the other ticket is the problem behind this one", TicketRel::Problem, false),
];
