//! Key presses as plain data, independent of the terminal library.
//!
//! Keys are parsed from and printed as text (`"ctrl-k"`, `"G"`, `"enter"`, `"g g"`), so
//! bindings can live in config files, the help screen can be generated, and tests can be
//! written as scripts of what a person types (`"/ printer <enter> j <enter>"`).
//! [`Key::from_crossterm`] is the one place that converts from crossterm.
//!
//! Normal form: a [`Key`] built by this module never holds `Char(' ')` (that is
//! [`Code::Space`]), never has `shift` set on a `Char` (shift is folded into the character:
//! `shift-g` is `G`), and never has `Tab` with shift (that is [`Code::BackTab`], printed
//! `shift-tab`).

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// One key press, independent of crossterm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: Code,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The key itself, without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
    Space,
}

/// Named keys: every accepted spelling, canonical one first (that is what `Display` prints).
const NAMES: &[(Code, &[&str])] = &[
    (Code::Enter, &["enter", "return", "ret", "cr"]),
    (Code::Esc, &["esc", "escape"]),
    (Code::Tab, &["tab"]),
    (Code::BackTab, &["backtab"]),
    (Code::Backspace, &["backspace", "bs", "bksp"]),
    (Code::Delete, &["del", "delete"]),
    (Code::Insert, &["ins", "insert"]),
    (Code::Up, &["up"]),
    (Code::Down, &["down"]),
    (Code::Left, &["left"]),
    (Code::Right, &["right"]),
    (Code::Home, &["home"]),
    (Code::End, &["end"]),
    (Code::PageUp, &["pgup", "pageup"]),
    (Code::PageDown, &["pgdn", "pagedown"]),
    (Code::Space, &["space", "spc"]),
];

/// Modifier prefixes (followed by `-` or `+`).
const MODIFIERS: &[(&str, Modifier)] = &[
    ("ctrl", Modifier::Ctrl),
    ("control", Modifier::Ctrl),
    ("alt", Modifier::Alt),
    ("meta", Modifier::Alt),
    ("shift", Modifier::Shift),
];

#[derive(Clone, Copy)]
enum Modifier {
    Ctrl,
    Alt,
    Shift,
}

/// Text that is not a key or key sequence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("empty key")]
    Empty,
    #[error(
        "unknown key '{0}': expected a single character (a, G, ?, /) or one of enter, esc, tab, shift-tab, \
         backspace, del, ins, up, down, left, right, home, end, pgup, pgdn, space, f1..f24, optionally \
         prefixed by ctrl-, alt- or shift- (e.g. ctrl-k); separate the keys of a sequence with spaces (\"g g\")"
    )]
    Unknown(String),
}

impl Key {
    /// A key with no modifiers.
    pub const fn plain(code: Code) -> Key {
        Key { code, ctrl: false, alt: false, shift: false }
    }

    /// A typed character (`' '` becomes [`Code::Space`]).
    pub const fn char(c: char) -> Key {
        if c == ' ' { Key::plain(Code::Space) } else { Key::plain(Code::Char(c)) }
    }

    /// Control plus a character, e.g. `Key::ctrl('k')`.
    pub const fn ctrl(c: char) -> Key {
        Key { ctrl: true, ..Key::char(c) }
    }

    /// Alt plus a character, e.g. `Key::alt('x')`.
    pub const fn alt(c: char) -> Key {
        Key { alt: true, ..Key::char(c) }
    }

    /// From a crossterm event: only key presses (and repeats); releases give `None`.
    /// Shift on a printable char is folded into the char (crossterm reports 'G' with SHIFT),
    /// so "G" and "shift-g" mean the same key; BackTab is shift-tab; ctrl-c etc. keep ctrl.
    /// Keys we have no name for (media keys, bare modifiers, caps lock, ...) give `None`.
    pub fn from_crossterm(ev: &KeyEvent) -> Option<Key> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let code = match ev.code {
            KeyCode::Char(c) => Code::Char(c),
            KeyCode::Enter => Code::Enter,
            KeyCode::Esc => Code::Esc,
            KeyCode::Tab => Code::Tab,
            KeyCode::BackTab => Code::BackTab,
            KeyCode::Backspace => Code::Backspace,
            KeyCode::Delete => Code::Delete,
            KeyCode::Insert => Code::Insert,
            KeyCode::Up => Code::Up,
            KeyCode::Down => Code::Down,
            KeyCode::Left => Code::Left,
            KeyCode::Right => Code::Right,
            KeyCode::Home => Code::Home,
            KeyCode::End => Code::End,
            KeyCode::PageUp => Code::PageUp,
            KeyCode::PageDown => Code::PageDown,
            KeyCode::F(n) => Code::F(n),
            _ => return None,
        };
        let m = ev.modifiers;
        let key = Key {
            code,
            ctrl: m.contains(KeyModifiers::CONTROL),
            alt: m.contains(KeyModifiers::ALT),
            shift: m.contains(KeyModifiers::SHIFT),
        };
        Some(key.normalized())
    }

    /// The normal form described in the module docs.
    fn normalized(self) -> Key {
        match self.code {
            Code::Char(' ') => Key { code: Code::Space, ..self },
            Code::Char(c) if self.shift => {
                let mut upper = c.to_uppercase();
                let c = match (upper.next(), upper.next()) {
                    (Some(u), None) => u,
                    _ => c, // 'ß' → "SS": keep the char as typed
                };
                Key { code: Code::Char(c), shift: false, ..self }
            }
            Code::Tab | Code::BackTab => {
                let code = if self.shift || self.code == Code::BackTab { Code::BackTab } else { Code::Tab };
                Key { code, shift: false, ..self }
            }
            _ => self,
        }
    }
}

impl From<Code> for Key {
    fn from(code: Code) -> Key {
        Key::plain(code).normalized()
    }
}

impl FromStr for Key {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Key, KeyError> {
        let unknown = || KeyError::Unknown(s.to_string());
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(if s.is_empty() { KeyError::Empty } else { unknown() });
        }
        let mut rest = match trimmed.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            Some(inner) if !inner.is_empty() => inner,
            _ => trimmed,
        };
        let mut key = Key::plain(Code::Space);
        // Strip modifier prefixes while something is left after them ("ctrl--" is ctrl + '-').
        'prefixes: loop {
            for (name, modifier) in MODIFIERS {
                let Some(head) = rest.get(..name.len()) else { continue };
                let after = &rest[name.len()..];
                if head.eq_ignore_ascii_case(name)
                    && (after.starts_with('-') || after.starts_with('+'))
                    && after.len() > 1
                {
                    match modifier {
                        Modifier::Ctrl => key.ctrl = true,
                        Modifier::Alt => key.alt = true,
                        Modifier::Shift => key.shift = true,
                    }
                    rest = &after[1..];
                    continue 'prefixes;
                }
            }
            break;
        }
        key.code = parse_code(rest).ok_or_else(unknown)?;
        Ok(key.normalized())
    }
}

fn parse_code(s: &str) -> Option<Code> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return if c.is_control() || (c.is_whitespace() && c != ' ') { None } else { Some(Code::Char(c)) };
    }
    let lower = s.to_ascii_lowercase();
    if let Some((code, _)) = NAMES.iter().find(|(_, names)| names.contains(&lower.as_str())) {
        return Some(*code);
    }
    let n = lower.strip_prefix('f')?;
    if n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse::<u8>().ok().map(Code::F)
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Char(c) => write!(f, "{c}"),
            Code::F(n) => write!(f, "f{n}"),
            Code::BackTab => f.write_str("shift-tab"),
            code => {
                let (_, names) = NAMES.iter().find(|(c, _)| c == code).expect("every named code is in NAMES");
                f.write_str(names[0])
            }
        }
    }
}

impl fmt::Display for Key {
    /// Canonical form: modifiers in the order ctrl, alt, shift, then the key ("ctrl-k", "G",
    /// "enter", "pgdn", "shift-tab"). Parses back to the same key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        write!(f, "{}", self.code)
    }
}

/// A sequence of keys such as "g g" (space-separated in text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeySeq(pub Vec<Key>);

impl KeySeq {
    pub fn keys(&self) -> &[Key] {
        &self.0
    }
}

impl From<Key> for KeySeq {
    fn from(key: Key) -> KeySeq {
        KeySeq(vec![key])
    }
}

impl FromStr for KeySeq {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<KeySeq, KeyError> {
        let keys = s.split_whitespace().map(Key::from_str).collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() { Err(KeyError::Empty) } else { Ok(KeySeq(keys)) }
    }
}

impl fmt::Display for KeySeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, key) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

/// For tests: a script of what a person types. Tokens are separated by spaces; a token in
/// `<angle brackets>` is one named key (`<enter>`, `<ctrl-k>`, `<space>`); any other token is
/// typed character by character (`printer` → p r i n t e r). Errors on an unknown `<name>`.
pub fn script(s: &str) -> Result<Vec<Key>, KeyError> {
    let mut keys = Vec::new();
    for token in s.split_whitespace() {
        match token.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            Some(name) if !name.is_empty() => keys.push(name.parse()?),
            _ => keys.extend(token.chars().map(Key::char)),
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;
    use proptest::prelude::*;

    fn k(s: &str) -> Key {
        s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn ct(code: KeyCode, modifiers: KeyModifiers) -> Option<Key> {
        Key::from_crossterm(&KeyEvent::new(code, modifiers))
    }

    #[test]
    fn parses_single_characters_keeping_case() {
        assert_eq!(k("a"), Key::char('a'));
        assert_eq!(k("G"), Key::char('G'));
        assert_ne!(k("g"), k("G"));
        for c in ['?', '/', ':', '-', '+', '<', '>', '1', 'é'] {
            assert_eq!(k(&c.to_string()), Key::char(c), "{c}");
        }
    }

    #[test]
    fn parses_named_keys_case_insensitively() {
        let cases = [
            ("enter", Code::Enter),
            ("Return", Code::Enter),
            ("ESC", Code::Esc),
            ("escape", Code::Esc),
            ("tab", Code::Tab),
            ("backtab", Code::BackTab),
            ("space", Code::Space),
            ("backspace", Code::Backspace),
            ("del", Code::Delete),
            ("Delete", Code::Delete),
            ("insert", Code::Insert),
            ("up", Code::Up),
            ("down", Code::Down),
            ("left", Code::Left),
            ("right", Code::Right),
            ("home", Code::Home),
            ("end", Code::End),
            ("pgup", Code::PageUp),
            ("PageUp", Code::PageUp),
            ("pgdn", Code::PageDown),
            ("pagedown", Code::PageDown),
            ("f1", Code::F(1)),
            ("F5", Code::F(5)),
            ("f12", Code::F(12)),
        ];
        for (text, code) in cases {
            assert_eq!(k(text), Key::plain(code), "{text}");
        }
    }

    #[test]
    fn parses_modifiers() {
        assert_eq!(k("ctrl-k"), Key::ctrl('k'));
        assert_eq!(k("Ctrl+k"), Key::ctrl('k'));
        assert_eq!(k("control-k"), Key::ctrl('k'));
        assert_eq!(k("alt-x"), Key::alt('x'));
        assert_eq!(k("meta-x"), Key::alt('x'));
        assert_eq!(k("ctrl-alt-del"), Key { ctrl: true, alt: true, ..Key::plain(Code::Delete) });
        assert_eq!(k("ctrl-space"), Key { ctrl: true, ..Key::plain(Code::Space) });
        assert_eq!(k("shift-up"), Key { shift: true, ..Key::plain(Code::Up) });
        assert_eq!(k("ctrl--"), Key::ctrl('-'));
        assert_eq!(k("ctrl-+"), Key::ctrl('+'));
        assert_eq!(k("ctrl-K"), Key::ctrl('K'));
    }

    #[test]
    fn shift_is_folded_into_characters_and_tab() {
        assert_eq!(k("shift-g"), k("G"));
        assert_eq!(k("shift-G"), k("G"));
        assert_eq!(k("shift-?"), k("?"));
        assert_eq!(k("ctrl-shift-g"), Key::ctrl('G'));
        assert_eq!(k("shift-tab"), Key::plain(Code::BackTab));
        assert_eq!(k("backtab"), Key::plain(Code::BackTab));
        assert_eq!(Key::from(Code::Char(' ')), Key::plain(Code::Space));
        assert_eq!(Key::char(' '), Key::plain(Code::Space));
    }

    #[test]
    fn angle_brackets_are_optional() {
        assert_eq!(k("<enter>"), k("enter"));
        assert_eq!(k("<ctrl-k>"), Key::ctrl('k'));
        assert_eq!(k("<space>"), Key::plain(Code::Space));
        assert_eq!(k("<"), Key::char('<'));
        assert_eq!(k(">"), Key::char('>'));
    }

    #[test]
    fn rejects_bad_text_with_a_helpful_message() {
        for bad in ["", "  ", "gg", "ctrl-", "hyper-x", "f0", "f256", "f1x", "<>", "<entr>", "ctrl-foo", "\t"] {
            assert!(bad.parse::<Key>().is_err(), "{bad:?} should not parse");
        }
        let msg = "entr".parse::<Key>().unwrap_err().to_string();
        assert!(msg.contains("'entr'") && msg.contains("enter") && msg.contains("ctrl-"), "{msg}");
        assert_eq!("".parse::<Key>(), Err(KeyError::Empty));
    }

    #[test]
    fn prints_canonical_form() {
        let cases = [
            ("ctrl-k", "ctrl-k"),
            ("Ctrl+K", "ctrl-K"),
            ("G", "G"),
            ("shift-g", "G"),
            ("<enter>", "enter"),
            ("return", "enter"),
            ("escape", "esc"),
            ("pagedown", "pgdn"),
            ("pageup", "pgup"),
            ("delete", "del"),
            ("space", "space"),
            ("ctrl-space", "ctrl-space"),
            ("backtab", "shift-tab"),
            ("shift-tab", "shift-tab"),
            ("alt-ctrl-x", "ctrl-alt-x"),
            ("shift-alt-f5", "alt-shift-f5"),
            ("F5", "f5"),
            ("ctrl--", "ctrl--"),
        ];
        for (text, printed) in cases {
            assert_eq!(k(text).to_string(), printed, "{text}");
        }
    }

    #[test]
    fn sequences_parse_and_print() {
        let gg: KeySeq = "g g".parse().unwrap();
        assert_eq!(gg, KeySeq(vec![Key::char('g'), Key::char('g')]));
        assert_eq!(gg.to_string(), "g g");
        let save: KeySeq = "  ctrl-x   <ctrl-s> ".parse().unwrap();
        assert_eq!(save.to_string(), "ctrl-x ctrl-s");
        assert_eq!("space f".parse::<KeySeq>().unwrap().to_string(), "space f");
        assert_eq!("".parse::<KeySeq>(), Err(KeyError::Empty));
        assert_eq!("g gg".parse::<KeySeq>(), Err(KeyError::Unknown("gg".into())));
    }

    #[test]
    fn script_types_words_and_named_keys() {
        let keys = script("/ printer <enter> j <enter>").unwrap();
        let mut expected = vec![Key::char('/')];
        expected.extend("printer".chars().map(Key::char));
        expected.extend([Key::plain(Code::Enter), Key::char('j'), Key::plain(Code::Enter)]);
        assert_eq!(keys, expected);
        assert_eq!(script("<ctrl-k> <space> Gx").unwrap(), vec![Key::ctrl('k'), k("space"), k("G"), k("x")]);
        assert_eq!(script("< >").unwrap(), vec![k("<"), k(">")]);
        assert_eq!(script("").unwrap(), vec![]);
        assert_eq!(script("a <entr>"), Err(KeyError::Unknown("entr".into())));
    }

    #[test]
    fn crossterm_shift_char_is_folded() {
        assert_eq!(ct(KeyCode::Char('G'), KeyModifiers::SHIFT), Some(k("G")));
        assert_eq!(ct(KeyCode::Char('g'), KeyModifiers::SHIFT), Some(k("G")));
        assert_eq!(ct(KeyCode::Char('?'), KeyModifiers::SHIFT), Some(k("?")));
        assert_eq!(ct(KeyCode::Char('g'), KeyModifiers::NONE), Some(k("g")));
        assert_eq!(ct(KeyCode::Char(' '), KeyModifiers::NONE), Some(k("space")));
        assert_eq!(ct(KeyCode::Char(' '), KeyModifiers::CONTROL), Some(k("ctrl-space")));
    }

    #[test]
    fn crossterm_backtab_is_shift_tab() {
        assert_eq!(ct(KeyCode::BackTab, KeyModifiers::SHIFT), Some(k("shift-tab")));
        assert_eq!(ct(KeyCode::BackTab, KeyModifiers::NONE), Some(k("shift-tab")));
        assert_eq!(ct(KeyCode::Tab, KeyModifiers::SHIFT), Some(k("shift-tab")));
        assert_eq!(ct(KeyCode::Tab, KeyModifiers::NONE), Some(k("tab")));
    }

    #[test]
    fn crossterm_ctrl_and_alt_are_kept() {
        assert_eq!(ct(KeyCode::Char('c'), KeyModifiers::CONTROL), Some(Key::ctrl('c')));
        assert_eq!(ct(KeyCode::Char('x'), KeyModifiers::ALT), Some(Key::alt('x')));
        assert_eq!(ct(KeyCode::Up, KeyModifiers::SHIFT), Some(k("shift-up")));
        assert_eq!(ct(KeyCode::Enter, KeyModifiers::NONE), Some(k("enter")));
        assert_eq!(ct(KeyCode::F(5), KeyModifiers::NONE), Some(k("f5")));
        assert_eq!(ct(KeyCode::PageDown, KeyModifiers::NONE), Some(k("pgdn")));
    }

    #[test]
    fn crossterm_releases_and_unknown_codes_are_ignored() {
        let release = KeyEvent::new_with_kind(KeyCode::Char('j'), KeyModifiers::NONE, KeyEventKind::Release);
        assert_eq!(Key::from_crossterm(&release), None);
        let repeat = KeyEvent::new_with_kind(KeyCode::Char('j'), KeyModifiers::NONE, KeyEventKind::Repeat);
        assert_eq!(Key::from_crossterm(&repeat), Some(k("j")));
        let press = KeyEvent::new_with_kind_and_state(
            KeyCode::Char('j'),
            KeyModifiers::NONE,
            KeyEventKind::Press,
            KeyEventState::NONE,
        );
        assert_eq!(Key::from_crossterm(&press), Some(k("j")));
        assert_eq!(ct(KeyCode::CapsLock, KeyModifiers::NONE), None);
        assert_eq!(ct(KeyCode::Null, KeyModifiers::NONE), None);
    }

    fn any_code() -> impl Strategy<Value = Code> {
        prop_oneof![
            any::<char>().prop_map(Code::Char),
            (1u8..=255).prop_map(Code::F),
            proptest::sample::select(NAMES.iter().map(|(c, _)| *c).collect::<Vec<_>>()),
        ]
    }

    fn any_key() -> impl Strategy<Value = Key> {
        (any_code(), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(code, ctrl, alt, shift)| Key { code, ctrl, alt, shift }.normalized())
            .prop_filter("printable", |key| !matches!(key.code, Code::Char(c) if parse_code(&c.to_string()).is_none()))
    }

    proptest! {
        #[test]
        fn key_display_round_trips(key in any_key()) {
            let text = key.to_string();
            prop_assert_eq!(text.parse::<Key>(), Ok(key), "{}", text);
            prop_assert_eq!(format!("<{text}>").parse::<Key>(), Ok(key), "<{}>", text);
        }

        #[test]
        fn seq_display_round_trips(keys in proptest::collection::vec(any_key(), 1..5)) {
            let seq = KeySeq(keys);
            let text = seq.to_string();
            prop_assert_eq!(text.parse::<KeySeq>(), Ok(seq), "{}", text);
        }

        #[test]
        fn parse_never_panics(s in ".{0,12}") {
            let _ = s.parse::<Key>();
            let _ = s.parse::<KeySeq>();
            let _ = script(&s);
        }
    }
}
