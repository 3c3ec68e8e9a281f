//! Everything the console can do, as one closed enum. Keys map to actions through the
//! keymap (data); effects report back as the `*Loaded` / `Failed` actions, which are
//! internal and cannot be bound to keys.

use crate::store::TicketRow;

/// A user-facing action: bindable to keys, named in the config file and the help screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    /// Move the selection down one row
    SelectNext,
    /// Move the selection up one row
    SelectPrev,
    /// Jump to the first row
    SelectFirst,
    /// Jump to the last row
    SelectLast,
    /// Move down one page
    PageDown,
    /// Move up one page
    PageUp,
    /// Show the next queue view
    NextView,
    /// Show the previous queue view
    PrevView,
    /// Reload from the store
    Refresh,
    /// Open the selected ticket
    OpenTicket,
    /// Back to the queue
    Back,
    /// Scroll the ticket down
    ScrollDown,
    /// Scroll the ticket up
    ScrollUp,
    /// Assign the ticket to me (a new ticket becomes open)
    TakeTicket,
    /// Write an internal note on the ticket
    AddNote,
    /// Write a public reply to the requester (reviewed before it is sent)
    AddReply,
    /// Back from the review to editing the draft
    EditDraft,
    /// Filter the queue as you type (`status:open prio:1 assignee:me words`)
    StartFilter,
    /// Command line: `:42` opens #42, `:view unassigned`, `:q`
    StartCommand,
    /// Accept what was typed
    SubmitInput,
    /// Leave the prompt (a filter prompt also clears the filter)
    CancelInput,
    /// Delete the character before the cursor
    DeleteBack,
    /// Show or hide the help screen
    ToggleHelp,
    /// Leave the console
    Quit,
}

impl Command {
    pub const ALL: &'static [Command] = &[
        Command::SelectNext,
        Command::SelectPrev,
        Command::SelectFirst,
        Command::SelectLast,
        Command::PageDown,
        Command::PageUp,
        Command::NextView,
        Command::PrevView,
        Command::Refresh,
        Command::OpenTicket,
        Command::Back,
        Command::ScrollDown,
        Command::ScrollUp,
        Command::TakeTicket,
        Command::AddNote,
        Command::AddReply,
        Command::EditDraft,
        Command::StartFilter,
        Command::StartCommand,
        Command::SubmitInput,
        Command::CancelInput,
        Command::DeleteBack,
        Command::ToggleHelp,
        Command::Quit,
    ];

    /// The name used in the config file (`[keys.queue] "g g" = "select-first"`).
    pub fn name(self) -> &'static str {
        match self {
            Command::SelectNext => "select-next",
            Command::SelectPrev => "select-prev",
            Command::SelectFirst => "select-first",
            Command::SelectLast => "select-last",
            Command::PageDown => "page-down",
            Command::PageUp => "page-up",
            Command::NextView => "next-view",
            Command::PrevView => "prev-view",
            Command::Refresh => "refresh",
            Command::OpenTicket => "open-ticket",
            Command::Back => "back",
            Command::ScrollDown => "scroll-down",
            Command::ScrollUp => "scroll-up",
            Command::TakeTicket => "take-ticket",
            Command::AddNote => "add-note",
            Command::AddReply => "add-reply",
            Command::EditDraft => "edit-draft",
            Command::StartFilter => "start-filter",
            Command::StartCommand => "start-command",
            Command::SubmitInput => "submit-input",
            Command::CancelInput => "cancel-input",
            Command::DeleteBack => "delete-back",
            Command::ToggleHelp => "toggle-help",
            Command::Quit => "quit",
        }
    }

    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Command::SelectNext => "move the selection down",
            Command::SelectPrev => "move the selection up",
            Command::SelectFirst => "jump to the first row",
            Command::SelectLast => "jump to the last row",
            Command::PageDown => "next page",
            Command::PageUp => "previous page",
            Command::NextView => "next queue view",
            Command::PrevView => "previous queue view",
            Command::Refresh => "reload from the store",
            Command::OpenTicket => "open the selected ticket",
            Command::Back => "back to the queue",
            Command::ScrollDown => "scroll down",
            Command::ScrollUp => "scroll up",
            Command::TakeTicket => "assign the ticket to me",
            Command::AddNote => "write an internal note",
            Command::AddReply => "write a public reply",
            Command::EditDraft => "back to editing",
            Command::StartFilter => "filter: status:open prio:1 assignee:me words",
            Command::StartCommand => "command: :42 opens #42, :view NAME, :q",
            Command::SubmitInput => "accept",
            Command::CancelInput => "leave the prompt, or clear the filter",
            Command::DeleteBack => "delete a character",
            Command::ToggleHelp => "show or hide this help",
            Command::Quit => "leave the console",
        }
    }
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
    },
    /// A typed character in a prompt.
    Insert(char),
    /// A ticket's detail arrived from the store.
    TicketLoaded(Box<crate::tui::detail::TicketView>),
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
}
