//! The console: one-way data flow. A key goes through the keymap (data, per pane) to a
//! [`Command`]; `update(&mut Model, Action) -> Vec<Effect>` is pure; the driver runs the
//! effects against the store and feeds their results back as actions; `render(&Model)`
//! draws from the model alone ("now" is a field, never a clock read).

pub mod action;
pub mod assets;
pub mod dashboard;
pub mod defaults;
pub mod detail;
pub mod drafts;
pub mod editor;
pub mod effect;
pub mod form;
pub mod kb;
pub mod key;
pub mod keymap;
pub mod model;
pub mod payload;
pub mod picker;
pub mod queue;
pub mod runner;
pub mod screen;
pub mod theme;
pub mod update;
pub mod view;
pub mod widgets;

use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event};

use std::sync::Arc;

use crate::app::{Actor, Desk};
use crate::config::Config;
use crate::domain::ids::PersonId;
use crate::store::Store;
use action::{Action, Command};
use defaults::PaneId;
use effect::Effect;
use key::Key;
use keymap::{KeyState, Keymap, Lookup};
use model::Model;

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
    /// Mouse capture (config `[console] mouse = true`).
    pub mouse: bool,
    /// Background sync every this many seconds when the store syncs (0: only on key).
    pub sync_interval: u64,
    /// The configured rules (priority matrix, SLA, routing, recurring tickets,
    /// escalation, checklists, macros, canned texts), shared with the desk core.
    pub rules: Arc<Config>,
    /// The file drafts are kept in while written (`None`: beside the store; the command
    /// line gives one in the user's private data directory).
    pub drafts: Option<std::path::PathBuf>,
    /// Queue views from the config file (the built-in ones when `None`).
    pub views: Option<Vec<queue::View>>,
}

impl Options {
    /// The desk core on the store, acting as the console's agent.
    fn desk(&self, store: Store) -> Desk {
        Desk::new(
            store,
            self.rules.clone(),
            Actor { name: self.agent.clone(), me: self.me, source: Default::default() },
        )
    }
}

/// The console without a terminal: model, keymap and store. Tests drive it directly.
pub struct App {
    pub model: Model,
    keymap: Keymap<PaneId, Command>,
    keys: KeyState,
    /// The context the help lines were made for.
    help_for: PaneId,
    /// Where drafts are kept while they are written, and what was last written there.
    drafts: (std::path::PathBuf, drafts::Drafts),
    runner: Runner,
    /// Effects for the terminal itself (clipboard, external editor), run by the driver.
    pub terminal: Vec<Effect>,
}

/// Where effects run: inline (tests: deterministic) or on a worker thread with its own
/// store connection (the console: a slow query never blocks typing).
enum Runner {
    Inline(Box<Desk>),
    Worker {
        tx: mpsc::Sender<Effect>,
        pending: usize,
        /// Wakes the sync thread (when the store syncs).
        sync: Option<mpsc::Sender<()>>,
        /// Wakes the mail sender (when `[mail]` is on).
        mail: Option<mpsc::Sender<()>>,
    },
}

impl App {
    /// The app with effects run inline, in order (tests: deterministic).
    pub fn new(store: Store, keymap: Keymap<PaneId, Command>, o: Options) -> App {
        let store_path = o.drafts.clone().unwrap_or_else(|| drafts::path_for(store.path()));
        let model = initial_model(&store, &keymap, o.clone());
        let mut app = App {
            model,
            keymap,
            keys: KeyState::new(),
            help_for: PaneId::Queue,
            drafts: Default::default(),
            runner: Runner::Inline(Box::new(o.desk(store))),
            terminal: vec![],
        };
        app.take_drafts(&store_path);
        let effects = app.model.start();
        app.run(effects);
        app
    }

    /// The app with effects on a worker thread that owns the store connection; their
    /// results arrive on the receiver and go to [`App::receive`].
    pub fn with_worker(store: Store, keymap: Keymap<PaneId, Command>, o: Options) -> (App, mpsc::Receiver<Action>) {
        let interval = o.sync_interval;
        let store_path = o.drafts.clone().unwrap_or_else(|| drafts::path_for(store.path()));
        let model = initial_model(&store, &keymap, o.clone());
        let (etx, erx) = mpsc::channel::<Effect>();
        let (atx, arx) = mpsc::channel::<Action>();
        let sync = spawn_sync(&store, interval, atx.clone());
        let mail = spawn_mail(&store, &o, atx.clone());
        let mut desk = o.desk(store);
        std::thread::spawn(move || {
            let mut queue: std::collections::VecDeque<Effect> = std::collections::VecDeque::new();
            loop {
                if queue.is_empty() {
                    match erx.recv() {
                        Ok(e) => queue.push_back(e),
                        Err(_) => break,
                    }
                }
                // Take what else is waiting: a read superseded by a newer one of its kind
                // is answered as skipped instead of run (writes always run, in order).
                queue.extend(erx.try_iter());
                let e = queue.pop_front().expect("not empty");
                let a = if queue.iter().any(|later| runner::supersedes(later, &e)) {
                    Action::Skipped
                } else {
                    runner::run(&mut desk, e)
                };
                if atx.send(a).is_err() {
                    break;
                }
            }
        });
        let mut app = App {
            model,
            keymap,
            keys: KeyState::new(),
            help_for: PaneId::Queue,
            drafts: Default::default(),
            runner: Runner::Worker { tx: etx, pending: 0, sync, mail },
            terminal: vec![],
        };
        app.take_drafts(&store_path);
        let effects = app.model.start();
        app.run(effects);
        (app, arx)
    }

    /// Drafts an earlier console left are offered back.
    fn take_drafts(&mut self, path: &std::path::Path) {
        let path = path.to_path_buf();
        let left = drafts::load(&path);
        self.model.offer_drafts(left.clone());
        self.drafts = (path, left);
    }

    /// Write the drafts to disk when they changed (every keystroke into a draft).
    fn keep_drafts(&mut self) {
        let now = self.model.drafts();
        if now == self.drafts.1 {
            return;
        }
        match drafts::save(&self.drafts.0, &now) {
            Ok(()) => self.drafts.1 = now,
            Err(e) => {
                // Said once per change of state, not on every key.
                self.drafts.1 = now;
                self.model.complain(format!("cannot keep drafts in {}: {e}", self.drafts.0.display()));
            }
        }
    }

    /// A result from the worker.
    pub fn receive(&mut self, action: Action) {
        // Sync results arrive on their own, not as answers to effects.
        if let Runner::Worker { pending, .. } = &mut self.runner
            && !matches!(action, Action::Synced { .. } | Action::MailStatus { .. })
        {
            *pending = pending.saturating_sub(1);
        }
        self.dispatch(action);
    }

    /// Whether a sync thread runs beside the worker.
    pub fn syncs(&self) -> bool {
        matches!(&self.runner, Runner::Worker { sync: Some(_), .. })
    }

    /// Effects sent to the worker and not yet answered.
    pub fn pending(&self) -> usize {
        match &self.runner {
            Runner::Worker { pending, .. } => *pending,
            Runner::Inline(_) => 0,
        }
    }

    /// A key press: through the keymap to a command or typed text (multi-key sequences
    /// wait for the rest). Whether the screen may have changed: an action was dispatched.
    pub fn press(&mut self, key: Key) -> bool {
        let context = self.model.context();
        match self.keys.feed(&self.keymap, context, key) {
            Lookup::Text(c) => self.dispatch(Action::Insert(c)),
            Lookup::Action(c) => {
                self.dispatch(Action::Command(c));
                if self.model.context() != context {
                    self.keys.clear();
                }
            }
            Lookup::Pending | Lookup::NoMatch => return false,
        }
        true
    }

    pub fn dispatch(&mut self, action: Action) {
        let effects = update::update(&mut self.model, action);
        self.run(effects);
        self.keep_drafts();
        // Help shows the keys of the pane in focus, however focus moved (a key, or a
        // ticket that arrived and took it).
        let context = self.model.context();
        if context != self.help_for {
            self.help_for = context;
            self.model.help = defaults::help(&self.keymap, context);
        }
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for e in effects {
            if e.is_terminal() {
                self.terminal.push(e);
                continue;
            }
            match &mut self.runner {
                Runner::Inline(desk) => {
                    let result = runner::run(desk, e);
                    self.dispatch(result);
                }
                Runner::Worker { sync, .. } if e == Effect::SyncNow => {
                    if let Some(s) = sync {
                        let _ = s.send(());
                    }
                }
                Runner::Worker { tx, pending, mail, .. } => {
                    // A reply or a resolution may have queued mail: the sender looks soon
                    // (after the worker has committed it).
                    let wake = matches!(e, Effect::AddEntry { .. } | Effect::Edit { .. });
                    if tx.send(e).is_ok() {
                        if let (true, Some(m)) = (wake, mail) {
                            let _ = m.send(());
                        }
                        *pending += 1;
                    } else {
                        self.model.status = Some(("the store worker stopped".into(), true));
                    }
                }
            }
        }
    }
}

fn initial_model(store: &Store, keymap: &Keymap<PaneId, Command>, o: Options) -> Model {
    let store_name =
        store.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "store".into());
    let views = o.views.clone().filter(|v| !v.is_empty()).unwrap_or_else(|| queue::default_views(o.me));
    let sync_state = runner::sync_state(store);
    Model {
        queue: queue::QueueState::new(views, o.me),
        show_help: false,
        // A store others can read, or one opened read-only, is said once, at the start.
        status: crate::fsmode::store_status_warning(store.path())
            .or_else(|| store.read_only().map(|why| format!("read-only: {why}")))
            .map(|w| (w, true)),
        now_ms: o.now_ms,
        width: o.width,
        height: o.height,
        agent: o.agent,
        store_name,
        quit: false,
        help: defaults::help(keymap, PaneId::Queue),
        focus: PaneId::Queue,
        detail: detail::DetailState::default(),
        input: None,
        editor: None,
        form: None,
        picker: None,
        confirm: None,
        kb: kb::KbState::default(),
        dashboard: dashboard::DashState::default(),
        assets: assets::AssetState::default(),
        sync: sync_state,
        open_on_load: false,
        parked: None,
        // Some(..) when SLAs are configured: the console keeps their clocks up to date.
        sla_counts: (!o.rules.sla.policies.is_empty()).then(Default::default),
        triage: None,
        offer: None,
        link_rel: None,
        restoring: None,
        mail: None,
        rules: o.rules.clone(),
        theme: theme::Theme::new(o.color, o.ascii),
    }
}

/// The background sync: a thread with its own store connection that syncs every
/// `interval` seconds and whenever woken, and reports on the action channel. `None` when
/// the store does not sync.
fn spawn_sync(store: &Store, interval: u64, out: mpsc::Sender<Action>) -> Option<mpsc::Sender<()>> {
    runner::sync_state(store)?;
    let path = store.path().to_path_buf();
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let Ok(mut store) = Store::open(&path, crate::store::OpenMode::Existing) else { return };
        let wait = if interval == 0 { Duration::MAX } else { Duration::from_secs(interval) };
        // Until the console goes away: on a wake-up or when the interval is up.
        while !matches!(rx.recv_timeout(wait), Err(mpsc::RecvTimeoutError::Disconnected)) {
            // Wake-ups that queued up while syncing need no second sync.
            while rx.try_recv().is_ok() {}
            if out.send(runner::sync_action(&mut store)).is_err() {
                break;
            }
        }
    });
    Some(tx)
}

/// The background mail sender: a thread with its own store connection that sends what is
/// due every 30 s and shortly after a reply or a resolution, and reports the outbox's
/// counts. Typing never waits for SMTP. `None` when `[mail]` is off.
fn spawn_mail(store: &Store, o: &Options, out: mpsc::Sender<Action>) -> Option<mpsc::Sender<()>> {
    if !o.rules.mail.enabled() || store.read_only().is_some() {
        return None;
    }
    let path = store.path().to_path_buf();
    let rules = o.rules.clone();
    let actor = crate::app::mail::MAIL_ACTOR;
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let Ok(mut store) = Store::open(&path, crate::store::OpenMode::Existing) else { return };
        let transport = crate::mailer::Transport::from_config(&rules.mail);
        loop {
            let (sent, problem) = match &transport {
                Err(e) => (0, Some(e.clone())),
                Ok(t) => match crate::app::mail::send_due(&mut store, &rules, actor, t, || false) {
                    Ok(r) => (r.sent, r.problems.first().cloned()),
                    Err(e) => (0, Some(e.to_string())),
                },
            };
            let counts = store.outbox_counts().unwrap_or_default();
            let status =
                Action::MailStatus { queued: counts.queued + counts.retrying, failed: counts.failed, sent, problem };
            if out.send(status).is_err() {
                break;
            }
            match rx.recv_timeout(Duration::from_secs(30)) {
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                // Let the worker commit what woke us first.
                Ok(()) => std::thread::sleep(Duration::from_millis(300)),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            while rx.try_recv().is_ok() {}
        }
    });
    Some(tx)
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
    // ratatui's init: raw mode, alternate screen, and a panic hook that restores both.
    let terminal = ratatui::try_init()?;
    let size = terminal.size()?;
    drop(terminal);
    // Frames go out through our own Screen, which hides the cursor: show it again on the
    // way out, panics included (ratatui's hook then leaves the alternate screen).
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = ratatui::crossterm::execute!(
            std::io::stdout(),
            ratatui::crossterm::event::DisableMouseCapture,
            ratatui::crossterm::cursor::Show
        );
        previous(info);
    }));
    signals::install();
    let mouse = o.mouse;
    if mouse {
        ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::event::EnableMouseCapture)?;
    }
    o.width = size.width;
    o.height = size.height;
    let result = (|| -> anyhow::Result<drafts::Drafts> {
        let mut screen = screen::Screen::new(std::io::stdout(), size.width, size.height)?;
        let (mut app, results) = App::with_worker(store, keymap, o);
        let mut dirty = true;
        let mut minute = chrono::Utc::now().timestamp_millis() / 60_000;
        loop {
            // SIGHUP (the SSH session dropped) or SIGTERM: the drafts are on disk
            // already (kept on every change); restore the terminal and go.
            if signals::received().is_some() {
                return Ok(app.model.drafts());
            }
            while let Ok(a) = results.try_recv() {
                app.receive(a);
                dirty = true;
            }
            for e in std::mem::take(&mut app.terminal) {
                if let Some(a) = run_terminal_effect(&mut screen, e)? {
                    app.dispatch(a);
                }
                dirty = true;
            }
            if dirty {
                screen.draw(|f| view::render(&app.model, f))?;
                dirty = false;
            }
            if app.model.quit {
                return Ok(app.model.drafts());
            }
            // Sleep until input, or until the next minute for ages and countdowns: no idle redraws.
            let now = chrono::Utc::now().timestamp_millis();
            let mut wait = if app.pending() > 0 { 15 } else { 60_000 - now.rem_euclid(60_000) };
            if app.syncs() {
                // Sync results arrive unasked: look for them every second (no redraw
                // unless one came).
                wait = wait.min(1_000);
            }
            // A signal is noticed within half a second (no redraw unless something changed).
            wait = wait.min(500);
            let polled = event::poll(Duration::from_millis(wait as u64));
            // A hung-up terminal fails reads: the signal, not the error, says what happened.
            if signals::received().is_some() {
                continue;
            }
            if polled? {
                let read = event::read();
                if signals::received().is_some() {
                    continue;
                }
                match read? {
                    Event::Key(k) => {
                        if let Some(key) = Key::from_crossterm(&k) {
                            // Redraw when the key reached `update` (the frame diff sends
                            // nothing if it changed nothing visible).
                            dirty = app.press(key) || !app.terminal.is_empty();
                        }
                    }
                    Event::Resize(w, h) => {
                        screen.resize(w, h)?;
                        app.dispatch(Action::Resize { width: w, height: h });
                        dirty = true;
                    }
                    Event::Mouse(me) => {
                        use ratatui::crossterm::event::{MouseButton, MouseEventKind};
                        let arrow = |code| Key { code, ctrl: false, alt: false, shift: false };
                        dirty = match me.kind {
                            // The wheel is the arrow keys: it scrolls whatever has the focus.
                            MouseEventKind::ScrollDown => app.press(arrow(key::Code::Down)),
                            MouseEventKind::ScrollUp => app.press(arrow(key::Code::Up)),
                            MouseEventKind::Down(MouseButton::Left) => {
                                app.dispatch(Action::Click { x: me.column, y: me.row });
                                true
                            }
                            _ => false,
                        };
                    }
                    _ => {}
                }
            } else {
                let now = chrono::Utc::now().timestamp_millis();
                if now / 60_000 != minute {
                    minute = now / 60_000;
                    app.dispatch(Action::Tick { now_ms: now });
                    dirty = true;
                }
            }
        }
    })();
    if mouse {
        let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::event::DisableMouseCapture);
    }
    let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::cursor::Show);
    ratatui::restore();
    let left = result?;
    if !left.is_empty() {
        let why = match signals::received() {
            Some(s) => format!("stopped by {s}; "),
            None => String::new(),
        };
        eprintln!("tix: {why}{} kept as a draft; the console offers it the next time it opens", left.describe());
    }
    Ok(())
}

/// SIGHUP and SIGTERM end the console in order (terminal restored, drafts kept)
/// instead of killing it mid-frame.
mod signals {
    use std::sync::atomic::{AtomicI32, Ordering};

    static SIGNAL: AtomicI32 = AtomicI32::new(0);

    #[cfg(unix)]
    extern "C" fn on_signal(sig: libc::c_int) {
        // Async-signal-safe: one atomic store; the main loop does the rest.
        SIGNAL.store(sig, Ordering::SeqCst);
    }

    pub fn install() {
        #[cfg(unix)]
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::signal(libc::SIGHUP, handler);
            libc::signal(libc::SIGTERM, handler);
        }
    }

    /// The signal that asked the console to stop, by name.
    pub fn received() -> Option<&'static str> {
        match SIGNAL.load(Ordering::SeqCst) {
            0 => None,
            #[cfg(unix)]
            libc::SIGHUP => Some("SIGHUP"),
            _ => Some("SIGTERM"),
        }
    }
}

/// Clipboard and external editor: effects that need the terminal.
fn run_terminal_effect<W: std::io::Write>(screen: &mut screen::Screen<W>, e: Effect) -> anyhow::Result<Option<Action>> {
    match e {
        Effect::Copy(text) => {
            // OSC 52: the terminal (even at the far end of an SSH session) sets its clipboard.
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            write!(screen.writer(), "\x1b]52;c;{b64}\x07")?;
            screen.writer().flush()?;
            Ok(Some(Action::Message(format!("copied {} (OSC 52: needs a terminal that allows it)", text))))
        }
        Effect::ExternalEditor { kind, ticket, text } => {
            let result = external_editor(&text);
            // Whatever happened, the console takes the screen back and redraws it in full.
            ratatui::crossterm::terminal::enable_raw_mode()?;
            ratatui::crossterm::execute!(screen.writer(), ratatui::crossterm::terminal::EnterAlternateScreen)?;
            screen.clear()?;
            Ok(Some(Action::EditorReturned { kind, ticket, text: result }))
        }
        _ => Ok(None),
    }
}

/// Hand a draft to $VISUAL / $EDITOR (else vi) in a private temporary file; the
/// console's screen is left while it runs.
fn external_editor(text: &str) -> Result<String, String> {
    use std::io::Write;
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| std::env::var("EDITOR").ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".into());
    let mut file = crate::fsmode::private_tempfile(None, "tix-draft-", ".txt")
        .map_err(|e| format!("cannot create a draft file: {e}"))?;
    file.write_all(text.as_bytes()).and_then(|_| file.flush()).map_err(|e| format!("cannot write the draft: {e}"))?;
    let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::terminal::LeaveAlternateScreen);
    let _ = ratatui::crossterm::terminal::disable_raw_mode();
    // Through the shell, so that EDITOR="code --wait" or "vim -u NONE" work.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("tix-editor")
        .arg(file.path())
        .status()
        .map_err(|e| format!("cannot run {editor}: {e}"))?;
    if !status.success() {
        return Err(format!("{editor} exited with {status}; the draft was not changed"));
    }
    std::fs::read_to_string(file.path()).map_err(|e| format!("cannot read the draft back: {e}"))
}
