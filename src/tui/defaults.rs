//! The default key bindings, in one place. Users override them in the config file:
//! `[keys.queue] "g g" = "select-first"`, `[keys.global] "ctrl-q" = "quit"`, `"x" = "none"`.

use super::action::Command;
use super::key::KeySeq;
use super::keymap::Keymap;

/// The console's panes; key bindings are per pane (plus global ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaneId {
    Queue,
    Detail,
    /// The `/` and `:` prompts: plain printable keys are typed into the prompt.
    Prompt,
    /// The note/reply editor: printable keys and Enter are text.
    Editor,
    /// Reviewing a public reply before sending it.
    Review,
}

impl PaneId {
    pub fn from_name(name: &str) -> Option<PaneId> {
        match name {
            "queue" => Some(PaneId::Queue),
            "detail" => Some(PaneId::Detail),
            "prompt" => Some(PaneId::Prompt),
            "editor" => Some(PaneId::Editor),
            "review" => Some(PaneId::Review),
            _ => None,
        }
    }
}

const GLOBAL: &[(&str, Command)] =
    &[("q", Command::Quit), ("ctrl-c", Command::Quit), ("?", Command::ToggleHelp), ("ctrl-r", Command::Refresh)];

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
    ("esc", Command::Back),
    ("backspace", Command::Back),
    ("t", Command::TakeTicket),
    (":", Command::StartCommand),
    ("n", Command::AddNote),
    ("r", Command::AddReply),
];

const EDITOR: &[(&str, Command)] =
    &[("ctrl-s", Command::SubmitInput), ("esc", Command::CancelInput), ("backspace", Command::DeleteBack)];

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
    for (s, c) in DETAIL {
        k.bind(PaneId::Detail, seq(s), *c).expect("default bindings are unambiguous");
    }
    for (s, c) in PROMPT {
        k.bind(PaneId::Prompt, seq(s), *c).expect("default bindings are unambiguous");
    }
    for (s, c) in EDITOR {
        k.bind(PaneId::Editor, seq(s), *c).expect("default bindings are unambiguous");
    }
    for (s, c) in REVIEW {
        k.bind(PaneId::Review, seq(s), *c).expect("default bindings are unambiguous");
    }
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
