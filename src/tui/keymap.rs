//! Key bindings: which [`KeySeq`] runs which action in which context (pane or mode).
//!
//! Keys are data: the defaults are bound in code, user overrides come from TOML, and the
//! help screen is generated from [`Keymap::bindings`]. Generic over the context type `C` and
//! the (closed) action enum `A`, so the map knows nothing about the rest of the console.
//!
//! Resolution in a context: the context's own bindings are consulted first, then the global
//! ones. A context binding therefore shadows a global binding of the same sequence, and also
//! any global binding it is a prefix of (or that is a prefix of it), since that could never
//! be reached.
//!
//! Multi-key sequences ("g g") are resolved one key at a time; [`KeyState`] keeps the keys
//! typed so far. Within one context (or among the globals) no sequence may be a strict prefix
//! of another, so a key is never both a complete binding and the start of a longer one.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Debug, Display};
use std::hash::Hash;
use std::str::FromStr;

use crate::key_overrides::KeyOverrides;

use super::key::{Code, Key, KeySeq};

/// Key bindings per context plus global ones. `C` is the context (pane/mode) type, `A` the
/// action type.
#[derive(Debug, Clone)]
pub struct Keymap<C, A> {
    contexts: HashMap<C, BTreeMap<KeySeq, A>>,
    global: BTreeMap<KeySeq, A>,
    /// Contexts that take typed text: a printable key is text there before any binding.
    text: HashMap<C, TextEntry>,
}

/// How a context takes typed text: printable keys without ctrl or alt (and the space
/// bar) are characters, and Enter is a newline where `enter_is_newline`. A rule of the
/// keymap, so no key is decided before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextEntry {
    pub enter_is_newline: bool,
}

/// The outcome of feeding one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<A> {
    /// A complete sequence: run this action.
    Action(A),
    /// The keys so far start a longer sequence: wait for the next key.
    Pending,
    /// Nothing is bound to the keys so far.
    NoMatch,
    /// A character typed into a context that takes text.
    Text(char),
}

/// Why a binding or an override was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    #[error("cannot bind an empty key sequence")]
    EmptySequence,
    /// One sequence is a strict prefix of the other, in the same context.
    #[error("ambiguous key bindings in {context}: \"{new}\" and \"{existing}\" (one is a prefix of the other)")]
    Ambiguous { context: String, new: KeySeq, existing: KeySeq },
    /// Problems in a user's key overrides, each naming file, line, key and value.
    #[error("{}", ConfigProblem::join(.0))]
    Config(Vec<ConfigProblem>),
}

/// One problem in a config file: printed as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub file: String,
    /// 1-based; 0 when unknown.
    pub line: usize,
    pub message: String,
}

impl ConfigProblem {
    fn join(problems: &[ConfigProblem]) -> String {
        problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    }
}

impl Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl<C, A> Default for Keymap<C, A> {
    fn default() -> Self {
        Keymap { contexts: HashMap::new(), global: BTreeMap::new(), text: HashMap::new() }
    }
}

impl<C, A> Keymap<C, A>
where
    C: Copy + Eq + Hash + Debug,
    A: Clone + Debug,
{
    pub fn new() -> Self {
        Self::default()
    }

    /// Bind a sequence in a context, replacing any action bound to exactly that sequence.
    /// A sequence that is a strict prefix of another one in the same context (or vice versa)
    /// is refused as ambiguous, naming both.
    pub fn bind(&mut self, ctx: C, seq: KeySeq, action: A) -> Result<(), KeymapError> {
        let table = self.contexts.entry(ctx).or_default();
        insert(table, seq, action).map_err(|e| e.in_context(&format!("{ctx:?}")))
    }

    /// Remove a binding from a context (no-op if absent). Does not touch global bindings.
    pub fn unbind(&mut self, ctx: C, seq: &KeySeq) {
        if let Some(table) = self.contexts.get_mut(&ctx) {
            table.remove(seq);
        }
    }

    /// Global bindings apply in every context unless the context binds the same sequence
    /// (or one it is a prefix of / that is a prefix of it).
    pub fn bind_global(&mut self, seq: KeySeq, action: A) -> Result<(), KeymapError> {
        insert(&mut self.global, seq, action).map_err(|e| e.in_context("global"))
    }

    /// Remove a global binding (no-op if absent).
    pub fn unbind_global(&mut self, seq: &KeySeq) {
        self.global.remove(seq);
    }

    /// Let `ctx` take typed text (the self-insert rule): see [`TextEntry`].
    pub fn take_text(&mut self, ctx: C, entry: TextEntry) {
        self.text.insert(ctx, entry);
    }

    /// The character `key` types in `ctx`, when `ctx` takes text and nothing is pending.
    fn typed(&self, ctx: C, pending: &[Key], key: Key) -> Option<char> {
        let entry = self.text.get(&ctx)?;
        if !pending.is_empty() || key.ctrl || key.alt {
            return None;
        }
        match key.code {
            Code::Char(c) => Some(c),
            Code::Space => Some(' '),
            Code::Enter if entry.enter_is_newline => Some('\n'),
            _ => None,
        }
    }

    /// Resolve `pending` (keys typed so far in a sequence) followed by `key` in `ctx`.
    /// The caller keeps `pending`: push `key` on [`Lookup::Pending`], clear it on
    /// [`Lookup::Action`] and [`Lookup::NoMatch`] — or let [`KeyState::feed`] do that.
    pub fn lookup(&self, ctx: C, pending: &[Key], key: Key) -> Lookup<A> {
        if let Some(c) = self.typed(ctx, pending, key) {
            return Lookup::Text(c);
        }
        let mut keys = Vec::with_capacity(pending.len() + 1);
        keys.extend_from_slice(pending);
        keys.push(key);
        let seq = KeySeq(keys);
        match self.contexts.get(&ctx).map(|t| resolve(t, &seq)) {
            Some(found @ (Lookup::Action(_) | Lookup::Pending)) => found,
            _ => resolve(&self.global, &seq),
        }
    }

    /// All bindings visible in a context, for the generated help screen: the context's own
    /// bindings first, then the global ones it does not shadow, each group sorted by sequence.
    pub fn bindings(&self, ctx: C) -> Vec<(KeySeq, A)> {
        let local = self.contexts.get(&ctx);
        let mut out: Vec<(KeySeq, A)> =
            local.into_iter().flatten().map(|(seq, action)| (seq.clone(), action.clone())).collect();
        out.extend(
            self.global
                .iter()
                .filter(|(seq, _)| local.is_none_or(|t| conflict(t, seq).is_none()))
                .map(|(seq, action)| (seq.clone(), action.clone())),
        );
        out
    }

    /// Only the global bindings, sorted (for a "global keys" section of the help screen).
    pub fn global_bindings(&self) -> Vec<(KeySeq, A)> {
        self.global.iter().map(|(seq, action)| (seq.clone(), action.clone())).collect()
    }

    /// Apply user overrides from a TOML document (other top-level tables are ignored):
    ///
    /// ```toml
    /// [keys.queue]
    /// "g g" = "select-first"
    /// "G" = "none"            # unbind
    /// [keys.global]
    /// "ctrl-r" = "refresh"
    /// ```
    ///
    /// `ctx_name` maps a context name to `C` (`global` is reserved); `A::from_str` gives the
    /// action from its name; `"none"` (any case) unbinds. In each table the unbinds are applied
    /// before the binds, so `"g g" = "none"` lets `"g"` be rebound whatever the order.
    /// All-or-nothing: on error the keymap is unchanged and every problem is reported as
    /// `file:line: [keys.ctx] "key" = "value": what is wrong`.
    pub fn apply_overrides(
        &mut self,
        overrides: &KeyOverrides,
        file: &str,
        ctx_name: impl Fn(&str) -> Option<C>,
    ) -> Result<(), KeymapError>
    where
        A: FromStr,
        <A as FromStr>::Err: Display,
    {
        let problem = |line: usize, message: String| ConfigProblem { file: file.to_string(), line, message };
        if !overrides.problems.is_empty() {
            return Err(KeymapError::Config(
                overrides.problems.iter().map(|(line, m)| problem(*line, m.clone())).collect(),
            ));
        }

        let mut next = self.clone();
        let mut problems = Vec::new();
        for table in &overrides.tables {
            let name = table.context.as_str();
            let scope = if name == "global" {
                None
            } else if let Some(ctx) = ctx_name(name) {
                Some(ctx)
            } else {
                problems.push(problem(table.line, format!("[keys.{name}]: unknown context '{name}'")));
                continue;
            };
            let Some(entries) = &table.entries else {
                problems.push(problem(table.line, format!("keys.{name} must be a table of \"keys\" = \"action\"")));
                continue;
            };

            let mut unbinds = Vec::new();
            let mut binds = Vec::new();
            for entry in entries {
                let seq_text = entry.keys.as_str();
                let action_text = match &entry.action {
                    Ok(a) => a.as_str(),
                    Err(found) => {
                        let message =
                            format!("[keys.{name}] {seq_text:?}: expected an action name (a string), found {found}");
                        problems.push(problem(entry.value_line, message));
                        continue;
                    }
                };
                let at = |what: &str| format!("[keys.{name}] {seq_text:?} = {action_text:?}: {what}");
                let seq = match seq_text.parse::<KeySeq>() {
                    Ok(seq) => seq,
                    Err(e) => {
                        problems.push(problem(entry.keys_line, at(&e.to_string())));
                        continue;
                    }
                };
                if action_text.trim().eq_ignore_ascii_case("none") {
                    unbinds.push(seq);
                    continue;
                }
                match action_text.parse::<A>() {
                    Ok(action) => binds.push((seq, action, entry.value_line, at(""))),
                    Err(e) => {
                        problems.push(problem(entry.value_line, at(&unknown_action(action_text, &e.to_string()))))
                    }
                }
            }

            for seq in &unbinds {
                match scope {
                    Some(ctx) => next.unbind(ctx, seq),
                    None => next.unbind_global(seq),
                }
            }
            for (seq, action, line, at) in binds {
                let result = match scope {
                    Some(ctx) => next.bind(ctx, seq, action),
                    None => next.bind_global(seq, action),
                };
                if let Err(e) = result {
                    let hint = match &e {
                        KeymapError::Ambiguous { existing, .. } => {
                            format!(
                                "conflicts with \"{existing}\" (one is a prefix of the other; \
                                 unbind it with \"{existing}\" = \"none\")"
                            )
                        }
                        other => other.to_string(),
                    };
                    problems.push(problem(line, format!("{at}{hint}")));
                }
            }
        }

        if problems.is_empty() {
            *self = next;
            Ok(())
        } else {
            problems.sort_by_key(|p| p.line);
            Err(KeymapError::Config(problems))
        }
    }
}

impl KeymapError {
    fn in_context(self, context: &str) -> KeymapError {
        match self {
            KeymapError::Ambiguous { new, existing, .. } => {
                KeymapError::Ambiguous { context: context.to_string(), new, existing }
            }
            other => other,
        }
    }
}

fn unknown_action(name: &str, detail: &str) -> String {
    if detail.trim().is_empty() {
        format!("unknown action '{name}'")
    } else {
        format!("unknown action '{name}' ({})", detail.trim())
    }
}

/// Insert into one table, refusing prefix conflicts (an exact match is replaced).
fn insert<A>(table: &mut BTreeMap<KeySeq, A>, seq: KeySeq, action: A) -> Result<(), KeymapError> {
    if seq.0.is_empty() {
        return Err(KeymapError::EmptySequence);
    }
    if !table.contains_key(&seq)
        && let Some(existing) = conflict(table, &seq)
    {
        return Err(KeymapError::Ambiguous { context: String::new(), new: seq, existing: existing.clone() });
    }
    table.insert(seq, action);
    Ok(())
}

/// A sequence in `table` equal to `seq`, a strict prefix of it, or that it is a strict prefix of.
fn conflict<'t, A>(table: &'t BTreeMap<KeySeq, A>, seq: &KeySeq) -> Option<&'t KeySeq> {
    (1..=seq.0.len())
        .find_map(|n| table.get_key_value(&KeySeq(seq.0[..n].to_vec())).map(|(k, _)| k))
        .or_else(|| extension(table, seq))
}

/// The first sequence in `table` that strictly extends `seq`. Extensions of a sequence sort
/// directly after it, so only the first entry past `seq` needs checking.
fn extension<'t, A>(table: &'t BTreeMap<KeySeq, A>, seq: &KeySeq) -> Option<&'t KeySeq> {
    use std::ops::Bound::{Excluded, Unbounded};
    table.range((Excluded(seq), Unbounded)).next().map(|(k, _)| k).filter(|k| k.0.starts_with(&seq.0))
}

fn resolve<A: Clone>(table: &BTreeMap<KeySeq, A>, seq: &KeySeq) -> Lookup<A> {
    if let Some(action) = table.get(seq) {
        Lookup::Action(action.clone())
    } else if extension(table, seq).is_some() {
        Lookup::Pending
    } else {
        Lookup::NoMatch
    }
}

/// The keys typed so far in a multi-key sequence, for callers that do not want to manage
/// `pending` themselves. Clear it when the context changes (e.g. focus moves to another pane).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyState {
    pending: Vec<Key>,
}

impl KeyState {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed one key: on [`Lookup::Pending`] the key is remembered; on [`Lookup::Action`] and
    /// [`Lookup::NoMatch`] the pending keys are dropped (an unmatched key after a prefix
    /// cancels the sequence and is itself discarded, like in vim's "g<unbound>").
    pub fn feed<C, A>(&mut self, map: &Keymap<C, A>, ctx: C, key: Key) -> Lookup<A>
    where
        C: Copy + Eq + Hash + Debug,
        A: Clone + Debug,
    {
        let found = map.lookup(ctx, &self.pending, key);
        match found {
            Lookup::Pending => self.pending.push(key),
            Lookup::Action(_) | Lookup::NoMatch | Lookup::Text(_) => self.pending.clear(),
        }
        found
    }

    /// Keys typed so far (for a "g-" hint in the status bar); empty when idle.
    pub fn pending(&self) -> &[Key] {
        &self.pending
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::super::key::script;
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    enum Ctx {
        Queue,
        Detail,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum TestAction {
        SelectFirst,
        SelectLast,
        Down,
        Quit,
        Refresh,
        Back,
        Search,
    }

    impl FromStr for TestAction {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            Ok(match s {
                "select-first" => TestAction::SelectFirst,
                "select-last" => TestAction::SelectLast,
                "down" => TestAction::Down,
                "quit" => TestAction::Quit,
                "refresh" => TestAction::Refresh,
                "back" => TestAction::Back,
                "search" => TestAction::Search,
                _ => return Err("expected one of select-first, select-last, down, quit, refresh, back, search".into()),
            })
        }
    }

    use TestAction::*;

    fn seq(s: &str) -> KeySeq {
        s.parse().unwrap()
    }

    fn ctx_name(name: &str) -> Option<Ctx> {
        match name {
            "queue" => Some(Ctx::Queue),
            "detail" => Some(Ctx::Detail),
            _ => None,
        }
    }

    #[test]
    fn a_context_that_takes_text_types_printable_keys_before_any_binding() {
        let mut map = defaults();
        map.take_text(Ctx::Detail, TextEntry { enter_is_newline: true });
        // `q` is bound in Detail and globally, `j` only in Queue: both are text in Detail.
        assert_eq!(map.lookup(Ctx::Detail, &[], Key::char('q')), Lookup::Text('q'));
        assert_eq!(map.lookup(Ctx::Detail, &[], Key::char('j')), Lookup::Text('j'));
        assert_eq!(map.lookup(Ctx::Detail, &[], seq("space").0[0]), Lookup::Text(' '));
        assert_eq!(map.lookup(Ctx::Detail, &[], seq("enter").0[0]), Lookup::Text('\n'));
        // Control keys still reach their bindings; other contexts are untouched.
        assert_eq!(map.lookup(Ctx::Detail, &[], Key::ctrl('r')), Lookup::Action(TestAction::Refresh));
        assert_eq!(map.lookup(Ctx::Queue, &[], Key::char('j')), Lookup::Action(TestAction::Down));
    }

    fn defaults() -> Keymap<Ctx, TestAction> {
        let mut map = Keymap::new();
        map.bind(Ctx::Queue, seq("g g"), SelectFirst).unwrap();
        map.bind(Ctx::Queue, seq("G"), SelectLast).unwrap();
        map.bind(Ctx::Queue, seq("j"), Down).unwrap();
        map.bind(Ctx::Queue, seq("/"), Search).unwrap();
        map.bind(Ctx::Detail, seq("q"), Back).unwrap();
        map.bind_global(seq("q"), Quit).unwrap();
        map.bind_global(seq("ctrl-r"), Refresh).unwrap();
        map
    }

    /// Feed a typed script; return the actions that fired.
    fn run(map: &Keymap<Ctx, TestAction>, ctx: Ctx, typed: &str) -> Vec<TestAction> {
        let mut state = KeyState::new();
        script(typed)
            .unwrap()
            .into_iter()
            .filter_map(|key| match state.feed(map, ctx, key) {
                Lookup::Action(a) => Some(a),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn single_keys_resolve() {
        let map = defaults();
        assert_eq!(map.lookup(Ctx::Queue, &[], Key::char('j')), Lookup::Action(Down));
        assert_eq!(map.lookup(Ctx::Queue, &[], Key::char('G')), Lookup::Action(SelectLast));
        assert_eq!(map.lookup(Ctx::Queue, &[], Key::char('x')), Lookup::NoMatch);
        assert_eq!(map.lookup(Ctx::Queue, &[], Key::ctrl('r')), Lookup::Action(Refresh));
        assert_eq!(run(&map, Ctx::Queue, "j j G <ctrl-r>"), vec![Down, Down, SelectLast, Refresh]);
    }

    #[test]
    fn two_key_sequence_is_pending_then_fires() {
        let map = defaults();
        let g = Key::char('g');
        assert_eq!(map.lookup(Ctx::Queue, &[], g), Lookup::Pending);
        assert_eq!(map.lookup(Ctx::Queue, &[g], g), Lookup::Action(SelectFirst));

        let mut state = KeyState::new();
        assert_eq!(state.feed(&map, Ctx::Queue, g), Lookup::Pending);
        assert_eq!(state.pending(), &[g]);
        assert_eq!(state.feed(&map, Ctx::Queue, g), Lookup::Action(SelectFirst));
        assert!(state.pending().is_empty());
        assert_eq!(run(&map, Ctx::Queue, "gg j"), vec![SelectFirst, Down]);
    }

    #[test]
    fn unknown_second_key_is_no_match_and_clears() {
        let map = defaults();
        let g = Key::char('g');
        assert_eq!(map.lookup(Ctx::Queue, &[g], Key::char('x')), Lookup::NoMatch);
        let mut state = KeyState::new();
        state.feed(&map, Ctx::Queue, g);
        assert_eq!(state.feed(&map, Ctx::Queue, Key::char('j')), Lookup::NoMatch);
        assert!(state.pending().is_empty());
        // The unmatched key is discarded; the next one starts afresh.
        assert_eq!(run(&map, Ctx::Queue, "g j j"), vec![Down]);
        assert_eq!(run(&map, Ctx::Queue, "g <esc> g g"), vec![SelectFirst]);
    }

    #[test]
    fn prefix_conflicts_are_refused_naming_both() {
        let mut map = defaults();
        let err = map.bind(Ctx::Queue, seq("g"), Down).unwrap_err();
        assert_eq!(err, KeymapError::Ambiguous { context: "Queue".into(), new: seq("g"), existing: seq("g g") });
        let text = err.to_string();
        assert!(text.contains("\"g\"") && text.contains("\"g g\"") && text.contains("Queue"), "{text}");

        let err = map.bind(Ctx::Queue, seq("j k"), Down).unwrap_err();
        assert_eq!(err, KeymapError::Ambiguous { context: "Queue".into(), new: seq("j k"), existing: seq("j") });
        let err = map.bind_global(seq("q q"), Quit).unwrap_err();
        assert_eq!(err, KeymapError::Ambiguous { context: "global".into(), new: seq("q q"), existing: seq("q") });
        assert_eq!(map.bind(Ctx::Queue, KeySeq(vec![]), Down), Err(KeymapError::EmptySequence));

        // Rebinding the same sequence replaces it; other contexts are independent.
        map.bind(Ctx::Queue, seq("g g"), SelectLast).unwrap();
        assert_eq!(map.lookup(Ctx::Queue, &[Key::char('g')], Key::char('g')), Lookup::Action(SelectLast));
        map.bind(Ctx::Detail, seq("g"), SelectFirst).unwrap();
        // Unchanged after the refused binds.
        assert_eq!(map.lookup(Ctx::Queue, &[], Key::char('j')), Lookup::Action(Down));
    }

    #[test]
    fn context_overrides_global() {
        let mut map = defaults();
        assert_eq!(run(&map, Ctx::Detail, "q"), vec![Back]);
        assert_eq!(run(&map, Ctx::Queue, "q"), vec![Quit]);
        assert_eq!(run(&map, Ctx::Detail, "<ctrl-r>"), vec![Refresh]);
        // A context prefix shadows a global single key too.
        map.bind_global(seq("g"), Refresh).unwrap();
        assert_eq!(map.lookup(Ctx::Queue, &[], Key::char('g')), Lookup::Pending);
        assert_eq!(map.lookup(Ctx::Detail, &[], Key::char('g')), Lookup::Action(Refresh));
        // Unbinding in the context uncovers the global binding.
        map.unbind(Ctx::Detail, &seq("q"));
        assert_eq!(run(&map, Ctx::Detail, "q"), vec![Quit]);
    }

    #[test]
    fn bindings_lists_context_then_unshadowed_globals() {
        let mut map = defaults();
        map.bind_global(seq("g"), Refresh).unwrap();
        let shown =
            |ctx| map.bindings(ctx).into_iter().map(|(s, a)| format!("{s} = {a:?}")).collect::<Vec<_>>().join(", ");
        assert_eq!(
            shown(Ctx::Queue),
            "/ = Search, G = SelectLast, g g = SelectFirst, j = Down, q = Quit, ctrl-r = Refresh"
        );
        // Queue's "g g" shadows global "g"... but only in Queue. Order: Code::Char sorts before named keys.
        let queue = map.bindings(Ctx::Queue);
        assert!(!queue.contains(&(seq("g"), Refresh)), "{queue:?}");
        assert_eq!(shown(Ctx::Detail), "q = Back, g = Refresh, ctrl-r = Refresh");
        let unknown_ctx: Keymap<Ctx, TestAction> = Keymap::new();
        assert!(unknown_ctx.bindings(Ctx::Queue).is_empty());
    }

    const FILE: &str = "config.toml";

    #[test]
    fn overrides_rebind_and_unbind() {
        let mut map = defaults();
        let toml = r#"
[agent]
name = "sam"

[keys.queue]
"g g" = "none"
"g" = "select-first"
"<end>" = "select-last"
"G" = "None"

[keys.global]
"ctrl-r" = "none"
"F5" = "refresh"
"#;
        map.apply_overrides(&KeyOverrides::parse(toml), FILE, ctx_name).unwrap();
        assert_eq!(run(&map, Ctx::Queue, "g <end> G"), vec![SelectFirst, SelectLast]);
        assert_eq!(run(&map, Ctx::Queue, "<ctrl-r> <f5>"), vec![Refresh]);
        assert_eq!(map.lookup(Ctx::Queue, &[], Key::char('G')), Lookup::NoMatch);
        // No [keys] table at all: nothing to do.
        map.apply_overrides(&KeyOverrides::parse("[agent]\nname = 'x'\n"), FILE, ctx_name).unwrap();
    }

    #[test]
    fn unknown_action_names_file_line_key_and_value() {
        let mut map = defaults();
        let toml = "# my keys\n\n[keys.queue]\nj = \"down\"\n\"g g\" = \"selct-first\"\n";
        let err = map.apply_overrides(&KeyOverrides::parse(toml), FILE, ctx_name).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("config.toml:5: [keys.queue] \"g g\" = \"selct-first\": unknown action 'selct-first'"),
            "{text}"
        );
        let KeymapError::Config(problems) = err else { panic!() };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 5);
        // All-or-nothing: "g g" still selects first.
        assert_eq!(run(&map, Ctx::Queue, "g g"), vec![SelectFirst]);
    }

    #[test]
    fn unknown_context_is_an_error() {
        let mut map = defaults();
        let toml = "[keys.queue]\nj = \"down\"\n\n[keys.qeue]\nk = \"down\"\n";
        let text = map.apply_overrides(&KeyOverrides::parse(toml), FILE, ctx_name).unwrap_err().to_string();
        assert_eq!(text, "config.toml:4: [keys.qeue]: unknown context 'qeue'");
    }

    #[test]
    fn bad_key_text_is_an_error() {
        let mut map = defaults();
        let toml = "[keys.detail]\n\"ctrl-\" = \"back\"\n\"gg\" = \"back\"\n";
        let err = map.apply_overrides(&KeyOverrides::parse(toml), FILE, ctx_name).unwrap_err();
        let KeymapError::Config(problems) = &err else { panic!("{err:?}") };
        assert_eq!(problems.len(), 2, "{err}");
        assert_eq!((problems[0].line, problems[1].line), (2, 3), "{err}");
        let text = err.to_string();
        assert!(text.starts_with("config.toml:2: [keys.detail] \"ctrl-\" = \"back\": unknown key 'ctrl-'"), "{text}");
        assert!(text.contains("config.toml:3: [keys.detail] \"gg\" = \"back\": unknown key 'gg'"), "{text}");
    }

    #[test]
    fn override_conflicts_and_bad_values_are_errors() {
        let mut map = defaults();
        let toml = "[keys.queue]\n\"g\" = \"down\"\n[keys.global]\nx = 3\n";
        let text = map.apply_overrides(&KeyOverrides::parse(toml), FILE, ctx_name).unwrap_err().to_string();
        assert!(text.contains("config.toml:2: [keys.queue] \"g\" = \"down\": conflicts with \"g g\""), "{text}");
        assert!(
            text.contains("config.toml:4: [keys.global] \"x\": expected an action name (a string), found integer"),
            "{text}"
        );

        let text =
            map.apply_overrides(&KeyOverrides::parse("[keys]\nqueue = 1\n"), FILE, ctx_name).unwrap_err().to_string();
        assert!(text.starts_with("config.toml:2: keys.queue must be a table"), "{text}");
        let text = map.apply_overrides(&KeyOverrides::parse("keys = 1\n"), FILE, ctx_name).unwrap_err().to_string();
        assert!(text.starts_with("config.toml:1: [keys] must be a table"), "{text}");
    }

    #[test]
    fn toml_syntax_errors_name_the_line() {
        let mut map = defaults();
        let text = map
            .apply_overrides(&KeyOverrides::parse("[keys.queue]\n\"g g\" = \n"), FILE, ctx_name)
            .unwrap_err()
            .to_string();
        assert!(text.starts_with("config.toml:2: "), "{text}");
    }

    #[test]
    fn inline_and_dotted_tables_work() {
        let mut map = defaults();
        let toml = "keys.detail.\"ctrl-c\" = \"quit\"\nkeys.queue = { k = \"down\" }\n";
        map.apply_overrides(&KeyOverrides::parse(toml), FILE, ctx_name).unwrap();
        assert_eq!(run(&map, Ctx::Detail, "<ctrl-c>"), vec![Quit]);
        assert_eq!(run(&map, Ctx::Queue, "k"), vec![Down]);
    }
}
