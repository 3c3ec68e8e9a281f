//! The console: one-way data flow. A key goes through the keymap (data, per pane) to a
//! [`Command`]; `update(&mut Model, Action) -> Vec<Effect>` is pure; the driver runs the
//! effects against the store and feeds their results back as actions; `render(&Model)`
//! draws from the model alone ("now" is a field, never a clock read).

pub mod action;
pub mod defaults;
pub mod detail;
pub mod effect;
pub mod key;
pub mod keymap;
pub mod model;
pub mod queue;
pub mod theme;

use std::io::IsTerminal;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event};

use crate::domain::ids::PersonId;
use crate::store::Store;
use action::{Action, Command};
use defaults::PaneId;
use key::Key;
use keymap::{KeyState, Keymap, Lookup};
use model::{Effect, Model};

/// How the console looks and who uses it.
#[derive(Debug, Clone)]
pub struct Options {
    pub agent: String,
    pub me: Option<PersonId>,
    pub now_ms: i64,
    pub width: u16,
    pub height: u16,
    pub color: bool,
    pub ascii: bool,
    pub matrix: crate::domain::ticket::PriorityMatrix,
}

/// The console without a terminal: model, keymap and store. Tests drive it directly.
pub struct App {
    pub model: Model,
    keymap: Keymap<PaneId, Command>,
    keys: KeyState,
    store: Store,
    who: effect::Who,
}

impl App {
    pub fn new(store: Store, keymap: Keymap<PaneId, Command>, o: Options) -> App {
        let store_name =
            store.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "store".into());
        let model = Model {
            queue: queue::QueueState::new(queue::default_views(o.me)),
            show_help: false,
            status: None,
            now_ms: o.now_ms,
            width: o.width,
            height: o.height,
            agent: o.agent,
            store_name,
            quit: false,
            help: defaults::help(&keymap, PaneId::Queue),
            focus: PaneId::Queue,
            detail: detail::DetailState::default(),
            theme: theme::Theme::new(o.color, o.ascii),
        };
        let who = effect::Who { actor: model.agent.clone(), me: o.me, matrix: o.matrix };
        let mut app = App { model, keymap, keys: KeyState::new(), store, who };
        let effects = app.model.start();
        app.run(effects);
        app
    }

    /// A key press: through the keymap to a command (multi-key sequences wait for the rest).
    pub fn press(&mut self, key: Key) {
        let pane = self.model.focus;
        if let Lookup::Action(c) = self.keys.feed(&self.keymap, pane, key) {
            self.dispatch(Action::Command(c));
            if self.model.focus != pane {
                self.keys.clear();
                self.model.help = defaults::help(&self.keymap, self.model.focus);
            }
        }
    }

    pub fn dispatch(&mut self, action: Action) {
        let effects = model::update(&mut self.model, action);
        self.run(effects);
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            let result = effect::run(&mut self.store, &mut self.who, e);
            self.dispatch(result);
        }
    }
}

/// Why the console cannot open here.
pub fn unsupported_terminal() -> Option<&'static str> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Some(
            "the console needs a terminal; use the commands instead, e.g. `tix ticket list` (see `tix --help`)",
        );
    }
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        return Some("TERM=dumb cannot show the console; use the commands instead, e.g. `tix ticket list`");
    }
    None
}

/// Run the console until the user quits. The terminal is restored on return and on panic.
pub fn run_console(store: Store, keymap: Keymap<PaneId, Command>, mut o: Options) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let size = terminal.size()?;
    o.width = size.width;
    o.height = size.height;
    let result = (|| -> anyhow::Result<()> {
        let mut app = App::new(store, keymap, o);
        let mut dirty = true;
        loop {
            if dirty {
                terminal.draw(|f| model::render(&app.model, f))?;
                dirty = false;
            }
            if app.model.quit {
                return Ok(());
            }
            // Sleep until input, or until the next minute for ages and countdowns: no idle redraws.
            let now = chrono::Utc::now().timestamp_millis();
            let wait = 60_000 - now.rem_euclid(60_000);
            if event::poll(Duration::from_millis(wait as u64))? {
                match event::read()? {
                    Event::Key(k) => {
                        if let Some(key) = Key::from_crossterm(&k) {
                            let before = app.model.clone();
                            app.press(key);
                            dirty = app.model != before;
                        }
                    }
                    Event::Resize(w, h) => {
                        app.dispatch(Action::Resize { width: w, height: h });
                        dirty = true;
                    }
                    _ => {}
                }
            } else {
                app.dispatch(Action::Tick { now_ms: chrono::Utc::now().timestamp_millis() });
                dirty = true;
            }
        }
    })();
    ratatui::restore();
    result
}
