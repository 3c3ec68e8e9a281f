//! Everything the console can do, as one closed enum. Keys map to actions through the
//! keymap (data); effects report back as the `*Loaded` / `Failed` actions, which are
//! internal and cannot be bound to keys.

use crate::store::TicketRow;

macro_rules! commands {
    ($($variant:ident = $name:literal, $describe:literal;)*) => {
        /// A user-facing action: bindable to keys, named in the config file and the help screen.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command {
            $(#[doc = $describe] $variant,)*
        }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            /// The name used in the config file (`[keys.queue] "g g" = "select-first"`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Command::$variant => $name,)*
                }
            }

            /// One line for the help screen.
            pub fn describe(self) -> &'static str {
                match self {
                    $(Command::$variant => $describe,)*
                }
            }
        }
    };
}

commands! {
    SelectNext = "select-next", "move the selection down";
    SelectPrev = "select-prev", "move the selection up";
    SelectFirst = "select-first", "jump to the first row";
    SelectLast = "select-last", "jump to the last row";
    PageDown = "page-down", "next page";
    PageUp = "page-up", "previous page";
    NextView = "next-view", "next queue view";
    PrevView = "prev-view", "previous queue view";
    CycleSort = "cycle-sort", "sort by priority, updated, newest, oldest";
    Refresh = "refresh", "reload from the store";
    OpenTicket = "open-ticket", "open the selected ticket";
    Back = "back", "back to the queue";
    ScrollDown = "scroll-down", "scroll down";
    ScrollUp = "scroll-up", "scroll up";
    NextPane = "next-pane", "next pane (queue, ticket, KB, assets)";
    PrevPane = "prev-pane", "previous pane";
    FocusQueue = "focus-queue", "the queue pane";
    FocusDetail = "focus-detail", "the ticket pane";
    FocusKb = "focus-kb", "the KB search pane";
    FocusAssets = "focus-assets", "the asset lookup pane";
    FocusDashboard = "focus-dashboard", "the dashboard: backlog, SLA, agents";
    NewTicket = "new-ticket", "new ticket (form)";
    TakeTicket = "take-ticket", "assign the ticket to me";
    AddNote = "add-note", "write an internal note";
    AddReply = "add-reply", "write a public reply";
    NoteInEditor = "note-in-editor", "write an internal note in $VISUAL / $EDITOR";
    ExternalEditor = "external-editor", "continue the draft in $VISUAL / $EDITOR";
    EditDraft = "edit-draft", "back to editing";
    BookTime = "book-time", "book time spent with the note or reply (30m, 1h15)";
    SetStatus = "set-status", "change the status (pick-list)";
    SetPriority = "set-priority", "change the priority (pick-list)";
    SetAssignee = "set-assignee", "change the assignee (pick-list)";
    SetGroup = "set-group", "change the group (pick-list)";
    SetCategory = "set-category", "change the category (pick-list)";
    LinkTicket = "link-ticket", "link another ticket: related, parent, child, duplicate-of, problem";
    OpenLinked = "open-linked", "open a related ticket, linked asset or KB article, or the requester's other tickets";
    MergeInto = "merge-into", "merge this ticket into another (asks first)";
    Watch = "watch", "add a watcher copied on public replies (an address; -address removes one)";
    AttachChecklist = "attach-checklist", "attach a checklist (a template, or a linked KB article's steps)";
    TickItem = "tick-item", "tick a checklist item off (or back on)";
    LinkToTicket = "link-to-ticket", "link the selected item to the open ticket";
    InsertExcerpt = "insert-excerpt", "start a reply with the article's excerpt";
    CopyRef = "copy-ref", "copy the ticket reference (OSC 52 clipboard)";
    ToggleMark = "toggle-mark", "mark or unmark the ticket for a bulk action";
    MarkRange = "mark-range", "mark from the last mark to here";
    ApplyMacro = "apply-macro", "apply a macro (to the marked tickets in the queue)";
    Triage = "triage", "triage: walk the new unassigned tickets one by one";
    SetUrgency = "set-urgency", "change the urgency (pick-list)";
    SetImpact = "set-impact", "change the impact (pick-list)";
    NextTicket = "next-ticket", "triage: on to the next ticket";
    SyncNow = "sync-now", "sync with the shared store now";
    StartFilter = "start-filter", "filter: status:open prio:1 assignee:me words";
    StartCommand = "start-command", "command: :42 opens #42, :view NAME, :q";
    StartSearch = "start-search", "type a search";
    SubmitInput = "submit-input", "accept";
    CancelInput = "cancel-input", "leave the prompt, or clear the filter";
    DeleteBack = "delete-back", "delete a character";
    DeleteForward = "delete-forward", "delete the character under the cursor";
    CursorLeft = "cursor-left", "cursor left";
    CursorRight = "cursor-right", "cursor right";
    WordLeft = "word-left", "cursor to the previous word";
    WordRight = "word-right", "cursor to the next word";
    LineStart = "line-start", "cursor to the start of the line";
    LineEnd = "line-end", "cursor to the end of the line";
    CursorUp = "cursor-up", "cursor up a line";
    CursorDown = "cursor-down", "cursor down a line";
    NextField = "next-field", "next field";
    PrevField = "prev-field", "previous field";
    Increase = "increase", "raise the level (urgency 1 is highest)";
    Decrease = "decrease", "lower the level";
    Confirm = "confirm", "yes";
    Deny = "deny", "no";
    ToggleHelp = "toggle-help", "show or hide this help";
    Quit = "quit", "leave the console";
}

impl std::str::FromStr for Command {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Command::ALL.iter().copied().find(|c| c.name() == s.trim()).ok_or_else(|| {
            format!(
                "unknown action '{s}' (known: {})",
                Command::ALL.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What `update` receives: a command, a screen change, or the result of an effect.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Command(Command),
    Resize {
        width: u16,
        height: u16,
    },
    /// The minute changed: ages and countdowns are redrawn.
    Tick {
        now_ms: i64,
    },
    /// A queue page arrived from the store.
    QueueLoaded {
        generation: u64,
        offset: u64,
        rows: Vec<TicketRow>,
        total: u64,
        /// False when `total` is a lower bound.
        exact: bool,
        /// "showing results for …" when a typed word was corrected.
        notice: Option<String>,
    },
    /// An effect the worker skipped because a newer one of its kind superseded it.
    Skipped,
    /// A mouse click (when the mouse is on), at a screen cell.
    Click {
        x: u16,
        y: u16,
    },
    /// A typed character in a prompt.
    Insert(char),
    /// A ticket's detail arrived from the store.
    TicketLoaded(Box<super::payload::TicketView>),
    /// A change was written; the message goes to the status line and views reload.
    Changed {
        message: String,
        ticket: crate::domain::ids::TicketId,
    },
    /// An effect failed; the message is shown in the status line. When it concerns a
    /// ticket (a conflict with another technician's change), that ticket reloads.
    Failed(String),
    FailedOn {
        message: String,
        ticket: crate::domain::ids::TicketId,
    },
    /// A ticket was created: it opens.
    Created {
        message: String,
        ticket: crate::domain::ids::TicketId,
    },
    /// A message for the status line.
    Message(String),
    ReportLoaded(Box<crate::store::Report>),
    /// The SLA cache is up to date: how many clocks were computed, and how the open
    /// tickets stand (`None`: no SLA configured).
    SlaRefreshed {
        computed: usize,
        counts: Option<crate::store::SlaCounts>,
        /// Escalations carried out: "#12 (rule)".
        escalated: Vec<String>,
    },
    /// A bulk action finished: its report; the queue reloads and the marks clear.
    BulkDone {
        message: String,
        error: bool,
    },
    /// What a reply under review quotes that the requester must not see (the source
    /// named), or None.
    ReplyChecked(Option<String>),
    /// The background mail sender ran: what is still queued and what failed (status
    /// line), how many went out (the open ticket's timeline reloads), and a problem.
    MailStatus {
        queued: u64,
        failed: u64,
        sent: u64,
        problem: Option<String>,
    },
    /// A sync ran (or its state was read): the status line's words, how many ops came
    /// in (views reload when some did), and notices of local changes that lost.
    Synced {
        state: Option<String>,
        pulled: usize,
        notices: Vec<String>,
        error: Option<String>,
    },
    KbLoaded {
        generation: u64,
        hits: crate::store::KbResults,
    },
    ArticleLoaded(Box<crate::domain::kb::Article>),
    AssetsLoaded {
        generation: u64,
        hits: Vec<super::payload::AssetHit>,
    },
    AssetTickets {
        id: crate::domain::ids::AssetId,
        rows: Vec<TicketRow>,
    },
    PeopleLoaded {
        generation: u64,
        found: Vec<super::payload::Candidate>,
    },
    PickItems {
        field: super::payload::PickField,
        items: Vec<super::payload::PickItem>,
    },
    /// A text attachment to show in the ticket pane.
    AttachmentText {
        name: String,
        text: String,
    },
    /// $VISUAL / $EDITOR returned: the draft's text, or why it could not be used.
    EditorReturned {
        kind: crate::domain::ticket::EntryKind,
        ticket: Box<crate::domain::ticket::Ticket>,
        text: Result<String, String>,
    },
}
