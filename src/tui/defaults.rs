//! The default key bindings, in one place. Users override them in the config file:
//! `[keys.queue] "g g" = "select-first"`, `[keys.global] "ctrl-q" = "quit"`, `"x" = "none"`.

use super::action::Command;
use super::key::KeySeq;
use super::keymap::{Keymap, TextEntry};

/// The console's panes; key bindings are per pane (plus global ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaneId {
    Queue,
    Detail,
    Kb,
    Assets,
    Dashboard,
    /// Triage: one key per decision, then the next ticket.
    Triage,
    /// The `/` and `:` prompts: plain printable keys are typed into the prompt.
    Prompt,
    /// The note/reply editor: printable keys and Enter are text.
    Editor,
    /// Reviewing a public reply before sending it.
    Review,
    /// The new-ticket form: printable keys are typed into the focused field.
    Form,
    /// A pick-list: printable keys narrow it.
    Picker,
    /// A yes/no question before an irreversible action.
    Confirm,
}

impl PaneId {
    pub fn from_name(name: &str) -> Option<PaneId> {
        match name {
            "queue" => Some(PaneId::Queue),
            "detail" => Some(PaneId::Detail),
            "kb" => Some(PaneId::Kb),
            "assets" => Some(PaneId::Assets),
            "dashboard" => Some(PaneId::Dashboard),
            "triage" => Some(PaneId::Triage),
            "form" => Some(PaneId::Form),
            "picker" => Some(PaneId::Picker),
            "confirm" => Some(PaneId::Confirm),
            "prompt" => Some(PaneId::Prompt),
            "editor" => Some(PaneId::Editor),
            "review" => Some(PaneId::Review),
            _ => None,
        }
    }
}

const GLOBAL: &[(&str, Command)] = &[
    ("q", Command::Quit),
    ("ctrl-c", Command::Quit),
    ("?", Command::ToggleHelp),
    ("ctrl-r", Command::Refresh),
    ("ctrl-y", Command::SyncNow),
    ("tab", Command::NextPane),
    ("backtab", Command::PrevPane),
    ("1", Command::FocusQueue),
    ("2", Command::FocusDetail),
    ("3", Command::FocusKb),
    ("4", Command::FocusAssets),
    ("5", Command::FocusDashboard),
];

const QUEUE: &[(&str, Command)] = &[
    ("j", Command::SelectNext),
    ("down", Command::SelectNext),
    ("k", Command::SelectPrev),
    ("up", Command::SelectPrev),
    ("g g", Command::SelectFirst),
    ("home", Command::SelectFirst),
    ("G", Command::SelectLast),
    ("end", Command::SelectLast),
    ("pgdn", Command::PageDown),
    ("ctrl-f", Command::PageDown),
    ("pgup", Command::PageUp),
    ("ctrl-b", Command::PageUp),
    ("]", Command::NextView),
    ("[", Command::PrevView),
    ("enter", Command::OpenTicket),
    ("t", Command::TakeTicket),
    ("c", Command::NewTicket),
    ("S", Command::CycleSort),
    ("T", Command::Triage),
    ("v", Command::ToggleMark),
    ("V", Command::MarkRange),
    ("m", Command::ApplyMacro),
    ("s", Command::SetStatus),
    ("p", Command::SetPriority),
    ("a", Command::SetAssignee),
    ("o", Command::SetGroup),
    ("C", Command::SetCategory),
    ("y", Command::CopyRef),
    ("/", Command::StartFilter),
    (":", Command::StartCommand),
    ("esc", Command::CancelInput),
];

const PROMPT: &[(&str, Command)] = &[
    ("enter", Command::SubmitInput),
    ("esc", Command::CancelInput),
    ("backspace", Command::DeleteBack),
    ("ctrl-c", Command::CancelInput),
];

const DETAIL: &[(&str, Command)] = &[
    ("j", Command::ScrollDown),
    ("down", Command::ScrollDown),
    ("k", Command::ScrollUp),
    ("up", Command::ScrollUp),
    ("pgdn", Command::PageDown),
    ("pgup", Command::PageUp),
    ("g g", Command::SelectFirst),
    ("home", Command::SelectFirst),
    ("G", Command::SelectLast),
    ("end", Command::SelectLast),
    ("esc", Command::Back),
    ("backspace", Command::Back),
    ("t", Command::TakeTicket),
    (":", Command::StartCommand),
    ("n", Command::AddNote),
    ("r", Command::AddReply),
    ("e", Command::NoteInEditor),
    ("s", Command::SetStatus),
    ("p", Command::SetPriority),
    ("a", Command::SetAssignee),
    ("o", Command::SetGroup),
    ("C", Command::SetCategory),
    ("L", Command::LinkTicket),
    ("enter", Command::OpenLinked),
    ("O", Command::OpenLinked),
    ("M", Command::MergeInto),
    ("W", Command::Watch),
    ("K", Command::AttachChecklist),
    ("x", Command::TickItem),
    ("y", Command::CopyRef),
    ("c", Command::NewTicket),
    ("m", Command::ApplyMacro),
];

/// The search panes (KB, assets) share their list keys.
const SEARCH_LIST: &[(&str, Command)] = &[
    ("j", Command::SelectNext),
    ("down", Command::SelectNext),
    ("k", Command::SelectPrev),
    ("up", Command::SelectPrev),
    ("pgdn", Command::PageDown),
    ("pgup", Command::PageUp),
    ("/", Command::StartSearch),
    ("l", Command::LinkToTicket),
    ("esc", Command::Back),
    (":", Command::StartCommand),
];

const KB: &[(&str, Command)] = &[("i", Command::InsertExcerpt)];

const ASSETS: &[(&str, Command)] = &[];

const FORM: &[(&str, Command)] = &[
    ("tab", Command::NextField),
    ("enter", Command::NextField),
    ("backtab", Command::PrevField),
    ("down", Command::SelectNext),
    ("up", Command::SelectPrev),
    ("right", Command::Increase),
    ("left", Command::Decrease),
    ("ctrl-s", Command::SubmitInput),
    ("esc", Command::CancelInput),
    ("backspace", Command::DeleteBack),
];

const PICKER: &[(&str, Command)] = &[
    ("down", Command::SelectNext),
    ("ctrl-n", Command::SelectNext),
    ("up", Command::SelectPrev),
    ("ctrl-p", Command::SelectPrev),
    ("enter", Command::SubmitInput),
    ("esc", Command::CancelInput),
    ("backspace", Command::DeleteBack),
];

const TRIAGE: &[(&str, Command)] = &[
    ("u", Command::SetUrgency),
    ("i", Command::SetImpact),
    ("o", Command::SetGroup),
    ("t", Command::TakeTicket),
    ("m", Command::ApplyMacro),
    ("n", Command::NextTicket),
    ("enter", Command::NextTicket),
    ("space", Command::NextTicket),
    ("j", Command::ScrollDown),
    ("k", Command::ScrollUp),
    ("r", Command::AddReply),
    ("esc", Command::Back),
];

const DASHBOARD: &[(&str, Command)] = &[
    ("j", Command::ScrollDown),
    ("down", Command::ScrollDown),
    ("k", Command::ScrollUp),
    ("up", Command::ScrollUp),
    ("pgdn", Command::PageDown),
    ("ctrl-f", Command::PageDown),
    ("pgup", Command::PageUp),
    ("ctrl-b", Command::PageUp),
    ("g g", Command::SelectFirst),
    ("home", Command::SelectFirst),
    ("G", Command::SelectLast),
    ("end", Command::SelectLast),
    ("esc", Command::Back),
    (":", Command::StartCommand),
];

const CONFIRM: &[(&str, Command)] = &[("y", Command::Confirm), ("n", Command::Deny), ("esc", Command::Deny)];

const EDITOR: &[(&str, Command)] = &[
    ("ctrl-s", Command::SubmitInput),
    ("esc", Command::CancelInput),
    ("backspace", Command::DeleteBack),
    ("delete", Command::DeleteForward),
    ("left", Command::CursorLeft),
    ("right", Command::CursorRight),
    ("ctrl-left", Command::WordLeft),
    ("alt-left", Command::WordLeft),
    ("alt-b", Command::WordLeft),
    ("ctrl-right", Command::WordRight),
    ("alt-right", Command::WordRight),
    ("alt-f", Command::WordRight),
    ("home", Command::LineStart),
    ("ctrl-a", Command::LineStart),
    ("end", Command::LineEnd),
    ("up", Command::CursorUp),
    ("down", Command::CursorDown),
    ("ctrl-e", Command::ExternalEditor),
    ("ctrl-t", Command::BookTime),
];

const REVIEW: &[(&str, Command)] = &[
    ("s", Command::SubmitInput),
    ("enter", Command::SubmitInput),
    ("e", Command::EditDraft),
    ("esc", Command::EditDraft),
    ("c", Command::CancelInput),
];

pub fn keymap() -> Keymap<PaneId, Command> {
    let mut k = Keymap::new();
    let seq = |s: &str| s.parse::<KeySeq>().expect("default bindings parse");
    for (s, c) in GLOBAL {
        k.bind_global(seq(s), *c).expect("default bindings are unambiguous");
    }
    for (s, c) in QUEUE {
        k.bind(PaneId::Queue, seq(s), *c).expect("default bindings are unambiguous");
    }
    let panes: [(PaneId, &[(&str, Command)]); 13] = [
        (PaneId::Dashboard, DASHBOARD),
        (PaneId::Triage, TRIAGE),
        (PaneId::Kb, SEARCH_LIST),
        (PaneId::Assets, SEARCH_LIST),
        (PaneId::Detail, DETAIL),
        (PaneId::Kb, KB),
        (PaneId::Assets, ASSETS),
        (PaneId::Prompt, PROMPT),
        (PaneId::Editor, EDITOR),
        (PaneId::Review, REVIEW),
        (PaneId::Form, FORM),
        (PaneId::Picker, PICKER),
        (PaneId::Confirm, CONFIRM),
    ];
    for (pane, bindings) in panes {
        for (s, c) in bindings {
            k.bind(pane, seq(s), *c).expect("default bindings are unambiguous");
        }
    }
    // Where text is typed, printable keys are text before any binding.
    for pane in [PaneId::Prompt, PaneId::Form, PaneId::Picker] {
        k.take_text(pane, TextEntry { enter_is_newline: false });
    }
    k.take_text(PaneId::Editor, TextEntry { enter_is_newline: true });
    k
}

/// Help lines generated from the live keymap: keys grouped per command, in command order.
pub fn help(k: &Keymap<PaneId, Command>, pane: PaneId) -> Vec<(String, String)> {
    let bindings = k.bindings(pane);
    Command::ALL
        .iter()
        .filter_map(|c| {
            let keys: Vec<String> = bindings.iter().filter(|(_, a)| a == c).map(|(s, _)| s.to_string()).collect();
            (!keys.is_empty()).then(|| (keys.join(", "), c.describe().to_string()))
        })
        .collect()
}
