//! The command line: clap definitions, one module per verb, stable `--json`,
//! and exit codes 0 ok, 1 error, 2 usage, 3 not found, 4 conflict.

mod asset;
mod attachment;
mod checklist;
mod config_cmd;
mod demo;
mod export;
mod history;
mod import_cmd;
mod ingest;
mod input;
mod kb;
mod mail;
mod output;
mod person;
mod progress;
mod report;
mod schedule;
mod sla;
mod store_cmd;
mod sync;
mod ticket;
mod view;

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{CommandFactory, Parser, Subcommand};

use std::sync::Arc;

use crate::app::{Act, Actor, AppError, Desk, Source};
use crate::config::Config;
use crate::store::{OpenMode, Store, StoreError};

pub use output::Out;

/// tix — a keyboard-driven ticket console for IT support technicians.
///
/// With no command, opens the console on the store. Every action of the console is
/// also a command here, for scripts and quick triage over slow links.
#[derive(Debug, Parser)]
#[command(name = "tix", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// The store file [default: $TIX_DB, then the config's store.path, then the data dir's tix.db]
    #[arg(long, global = true, value_name = "PATH", env = "TIX_DB")]
    pub db: Option<PathBuf>,
    /// Act as this known agent (login, e-mail or name) [default: config agent.name, then $USER]
    #[arg(long = "as", global = true, value_name = "NAME")]
    pub actor: Option<String>,
    /// Print machine-readable JSON (stable field names)
    #[arg(long, global = true)]
    pub json: bool,
    /// Use ASCII borders and glyphs in the console
    #[arg(long, global = true)]
    pub ascii: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum Command {
    /// Create a new, empty store
    Init,
    /// Store maintenance: verify, info
    #[command(subcommand)]
    Store(store_cmd::StoreCmd),
    /// Tickets: new, list, show, update, note, reply, link, assign, take, reopen, history
    #[command(subcommand)]
    Ticket(ticket::TicketCmd),
    /// Knowledge base: add, show, search, import
    #[command(subcommand)]
    Kb(kb::KbCmd),
    /// Assets: add, show, find, import
    #[command(subcommand)]
    Asset(asset::AssetCmd),
    /// A ticket's attachments (from e-mail): list, save
    #[command(subcommand)]
    Attachment(attachment::AttachmentCmd),
    /// People: agents and requesters
    #[command(subcommand)]
    Person(person::PersonCmd),
    /// Recurring tickets: run (cron-friendly, idempotent), list
    #[command(subcommand)]
    Schedule(schedule::ScheduleCmd),
    /// SLA clocks of the open tickets: status, show NUMBER, retime
    #[command(subcommand)]
    Sla(sla::SlaCmd),
    /// The desk's numbers: backlog, created vs resolved per day, SLA, medians, agents
    Report(report::ReportArgs),
    /// Queue views, headless: list, run NAME (the console's rows, for cron and scripts)
    #[command(subcommand)]
    View(view::ViewCmd),
    /// E-mail to tickets: one message, or a maildir's new messages
    #[command(subcommand)]
    Ingest(ingest::IngestCmd),
    /// Outbound mail: outbox, send, retry, test
    #[command(subcommand)]
    Mail(mail::MailCmd),
    /// Bring tickets from another help desk, or a store's history, into this store
    #[command(subcommand)]
    Import(import_cmd::ImportCmd),
    /// Write tickets, assets or KB articles (CSV, JSON, JSONL) or the op log (JSONL) to stdout
    Export(export::ExportArgs),
    /// Sync with a shared store file: init, join, status, rebuild, rejoin, notices (no subcommand: sync now)
    Sync(sync::SyncArgs),
    /// Build a realistic demo store, then open the console on it
    Demo(demo::DemoArgs),
    /// The config file: path (where tix reads it), default (the embedded default to start from)
    #[command(subcommand)]
    Config(config_cmd::ConfigCmd),
    /// Print shell completions (bash, zsh, fish, elvish, powershell)
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff) to stdout
    Man,
}

/// What every command needs: where the store is, who acts, how to print.
pub struct Ctx {
    pub ascii: bool,
    pub db: PathBuf,
    pub db_explicit: bool,
    /// The name claimed to act as, and where it came from (`--as`, config, OS user).
    pub actor: String,
    pub actor_source: Source,
    /// `--as` as given (the actor is decided again when the config changes: `tix demo`).
    pub as_given: Option<String>,
    pub out: Out,
    /// The configured rules, shared with the desk core.
    pub config: Arc<Config>,
    /// The warning about a store others may read has been printed (once per process).
    pub warned: std::cell::Cell<bool>,
}

impl Ctx {
    /// The store. A name given with `--as` must be an agent of it (whatever the command);
    /// the default identity is checked when it acts.
    pub fn open(&self) -> Result<Store> {
        let store = Store::open(&self.db, OpenMode::Existing)?;
        self.warn_exposed();
        if self.actor_source == Source::Flag {
            crate::app::identify(&store, &self.claim())?;
        }
        Ok(store)
    }

    fn claim(&self) -> Actor {
        Actor::claimed(&self.actor, self.actor_source.clone())
    }

    /// Say once, on stderr, that the store can be read by other accounts, and how to fix it.
    pub fn warn_exposed(&self) {
        if !self.warned.replace(true)
            && let Some(w) = crate::fsmode::store_warning(&self.db)
        {
            warn(self.out.json, &w);
        }
    }

    /// The desk core on the store, with the command's claimed agent (not yet checked:
    /// reading needs no identity).
    pub fn desk(&self) -> Result<Desk> {
        Ok(Desk::new(self.open()?, self.config.clone(), self.claim()))
    }

    /// The desk core, its acting agent known and allowed to `act` (the same check as
    /// the console's; a refusal is exit 2).
    pub fn acting(&self, act: Act) -> Result<Desk> {
        let mut desk = self.desk()?;
        desk.authorize(act)?;
        Ok(desk)
    }

    /// Say on stderr what the desk core has to tell once (the first run's admin).
    pub fn tell(&self, desk: &mut Desk) {
        for n in std::mem::take(&mut desk.notices) {
            if self.out.json {
                eprintln!("{}", serde_json::json!({ "notice": n }));
            } else {
                eprintln!("tix: {}", output::line(&n));
            }
        }
    }
}

/// Errors of the command line itself (not of the store).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Usage(String),
    /// The request clashes with what the store holds (exit 4).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Failed(String),
}

/// The exit code for an error: 3 not found, 4 conflict, 2 usage (also an unknown
/// `--as` and an act the acting agent's role does not allow), else 1.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    for cause in e.chain() {
        let cause = match cause.downcast_ref::<AppError>() {
            Some(AppError::Store(s)) => s as &(dyn std::error::Error + 'static),
            Some(AppError::NotFound(_)) => return 3,
            Some(AppError::Usage(_) | AppError::Refused(_)) => return 2,
            Some(AppError::Failed(_)) => return 1,
            None => cause,
        };
        if let Some(s) = cause.downcast_ref::<StoreError>() {
            return match s {
                StoreError::NotFound(_) => 3,
                StoreError::Conflict(_) => 4,
                _ => 1,
            };
        }
        if let Some(s) = cause.downcast_ref::<crate::sync::SyncError>() {
            return match s {
                crate::sync::SyncError::Local(StoreError::NotFound(_)) => 3,
                crate::sync::SyncError::Local(StoreError::Conflict(_)) => 4,
                _ => 1,
            };
        }
        if let Some(c) = cause.downcast_ref::<CliError>() {
            return match c {
                CliError::NotFound(_) => 3,
                CliError::Usage(_) => 2,
                CliError::Conflict(_) => 4,
                CliError::Failed(_) => 1,
            };
        }
    }
    1
}

/// An error and its causes, `outer: inner`, each said once: a cause whose words its
/// wrapper already ends with (a store error that shows its domain error) is not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if out.ends_with(&s) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s);
    }
    out
}

/// Open the console on the store (refused, with a pointer to the commands, without a terminal).
pub fn console(ctx: &Ctx) -> Result<()> {
    if let Some(why) = crate::tui::unsupported_terminal() {
        return Err(CliError::Failed(why.to_string()).into());
    }
    console_on(ctx, ctx.desk()?)
}

/// The console on a desk: its agent must be able to work (an agent of the store, or
/// the first run's admin, written now and said on stderr before the screen is taken).
fn console_on(ctx: &Ctx, mut desk: Desk) -> Result<()> {
    desk.authorize(Act::Work)?;
    desk.flush()?;
    ctx.tell(&mut desk);
    let Desk { store, actor, .. } = desk;
    let mut keymap = crate::tui::defaults::keymap();
    if let Some(file) = &ctx.config.source {
        keymap
            .apply_overrides(&ctx.config.keys, &file.display().to_string(), crate::tui::defaults::PaneId::from_name)
            .map_err(|e| CliError::Failed(e.to_string()))?;
    }
    let me = actor.me;
    let views = view::views(ctx, me, Some(&store))?;
    let opts = crate::tui::Options {
        agent: actor.name,
        me,
        now_ms: chrono::Utc::now().timestamp_millis(),
        width: 80,
        height: 24,
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && !ctx.config.console.monochrome,
        ascii: ctx.ascii || ctx.config.console.ascii,
        mouse: ctx.config.console.mouse,
        sync_interval: ctx.config.console.sync_interval,
        rules: ctx.config.clone(),
        drafts: drafts_file(&ctx.db),
        views: Some(views),
    };
    crate::tui::run_console(store, keymap, opts)
}

/// Who acts: `--as`, else the config's `[agent] name`, else `$USER`, else "agent".
pub fn acting_agent(given: Option<&str>, config: &Config) -> Result<(String, Source)> {
    let trimmed = |s: Option<String>| s.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
    Ok(match (trimmed(given.map(str::to_string)), trimmed(config.agent_name.clone())) {
        (Some(a), _) => (a, Source::Flag),
        (None, _) if given.is_some() => return Err(CliError::Usage("--as: the name is empty".into()).into()),
        (None, Some(a)) => (a, Source::Config),
        (None, None) => (
            trimmed(std::env::var("USER").ok())
                .or_else(|| trimmed(std::env::var("USERNAME").ok()))
                .unwrap_or_else(|| "agent".to_string()),
            Source::OsUser,
        ),
    })
}

/// The console's drafts file for a store, in the user's private data directory (None:
/// beside the store, when there is no such directory).
fn drafts_file(db: &std::path::Path) -> Option<PathBuf> {
    let dir = directories::ProjectDirs::from("", "", "tix")?.data_dir().to_path_buf();
    crate::fsmode::create_private_dir_all(&dir).ok()?;
    Some(crate::tui::drafts::file_in(&dir, db))
}

/// Where the store is when `--db`/`TIX_DB` are not given.
pub fn default_db(config: &Config) -> Result<PathBuf> {
    if let Some(p) = &config.store_path {
        return Ok(p.clone());
    }
    let dirs = directories::ProjectDirs::from("", "", "tix")
        .context("cannot find a home directory for the default store; pass --db PATH")?;
    Ok(dirs.data_dir().join("tix.db"))
}

/// A warning on stderr: a line for people, a JSON object with `--json`.
fn warn(json: bool, w: &str) {
    if json {
        eprintln!("{}", serde_json::json!({ "warning": w }));
    } else {
        eprintln!("tix: warning: {}", output::line(w));
    }
}

/// tix's own data directory (`~/.local/share/tix` on Linux), which it keeps private.
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tix").map(|d| d.data_dir().to_path_buf())
}

/// Where `tix demo` builds its store by default.
pub fn default_demo_db() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "tix")
        .context("cannot find a home directory for the demo store; pass --db PATH")?;
    Ok(dirs.data_dir().join("demo.db"))
}

/// Parse arguments and run. Returns the process exit code.
///
/// Everything printed on the way out goes through the terminal-text sanitiser: clap's
/// usage errors (which quote the arguments as given), every error message (also inside
/// `--json` errors) and panic messages. A reader that closed the output pipe early
/// (`tix … | head`, `… | true`) is not a failure: the work was done (a ticket created
/// is committed before it is printed), so a script must not retry it.
pub fn main() -> i32 {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            let text = e.render().to_string();
            let _ = write!(std::io::stderr(), "{}", sanitized(&text));
            return 2;
        }
        Err(e) => {
            // --help, --version: our own text.
            let _ = e.print();
            return 0;
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => 0,
        Err(e) if broken_pipe(&e) => 0,
        Err(e) => {
            let code = exit_code(&e);
            // Each cause once (16), made inert for a terminal (12).
            let msg = sanitized(&message(&e)).into_owned();
            let mut err = std::io::stderr();
            let _ = if json {
                writeln!(err, "{}", serde_json::json!({ "error": msg, "code": code }))
            } else {
                writeln!(err, "tix: {msg}")
            };
            code
        }
    }
}

/// Untrusted text made inert for a terminal, newlines kept.
fn sanitized(s: &str) -> std::borrow::Cow<'_, str> {
    crate::domain::text::sanitize(s, crate::domain::text::Lines::Multi, crate::domain::text::Glyphs::Unicode)
}

/// Did the error come from writing to a pipe whose reader has gone? (However the
/// writer wrapped it: io, JSON, CSV.)
pub fn broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == BrokenPipe)
            || c.downcast_ref::<serde_json::Error>().and_then(|j| j.io_error_kind()) == Some(BrokenPipe)
            || c.downcast_ref::<csv::Error>()
                .is_some_and(|c| matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe))
    })
}

/// Panic messages can quote data: print them sanitised (the console adds its own hook
/// on top, which restores the terminal first).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let mut err = std::io::stderr();
        let _ = writeln!(err, "tix: internal error{at}: {}", sanitized(&payload));
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            let _ = writeln!(err, "{}", std::backtrace::Backtrace::force_capture());
        }
    }));
}

pub fn run(cli: Cli) -> Result<()> {
    // Before the config is read: these are how a broken config file is found and fixed.
    if let Some(Command::Config(c)) = cli.command {
        return config_cmd::run(&Out { json: cli.json }, c);
    }
    let config_path = Config::default_path();
    let mut config = Config::load(config_path.as_deref())?;
    let out = Out { json: cli.json };
    let db_explicit = cli.db.is_some();
    let db = match (&cli.db, &cli.command) {
        (Some(p), _) => p.clone(),
        (None, Some(Command::Demo(_))) => default_demo_db()?,
        (None, _) => default_db(&config)?,
    };
    // A store's own config file (the demo's demo.toml) is read for that store unless
    // $TIX_CONFIG names a file.
    if std::env::var_os("TIX_CONFIG").is_none() {
        match crate::config::store_config(&db) {
            Ok(Some(own)) => config = Config::load(Some(&own))?,
            Ok(None) => {}
            Err(w) => warn(cli.json, &w),
        }
    }
    if let Some(w) = config.source.as_deref().and_then(crate::fsmode::config_warning) {
        warn(cli.json, &w);
    }
    let (actor, actor_source) = acting_agent(cli.actor.as_deref(), &config)?;
    let ctx = Ctx {
        ascii: cli.ascii,
        db,
        db_explicit,
        actor,
        actor_source,
        as_given: cli.actor.clone(),
        out,
        config: Arc::new(config),
        warned: Default::default(),
    };
    match cli.command {
        None => console(&ctx),
        Some(Command::Init) => store_cmd::init(&ctx),
        Some(Command::Store(c)) => store_cmd::run(&ctx, c),
        Some(Command::Ticket(c)) => ticket::run(&ctx, c),
        Some(Command::Kb(c)) => kb::run(&ctx, c),
        Some(Command::Asset(c)) => asset::run(&ctx, c),
        Some(Command::Attachment(c)) => attachment::run(&ctx, c),
        Some(Command::Person(c)) => person::run(&ctx, c),
        Some(Command::Ingest(c)) => ingest::run(&ctx, c),
        Some(Command::Mail(c)) => mail::run(&ctx, c),
        Some(Command::Import(c)) => import_cmd::run(&ctx, c),
        Some(Command::Export(a)) => export::run(&ctx, a),
        Some(Command::Sync(a)) => sync::run(&ctx, a),
        Some(Command::View(c)) => view::run(&ctx, c),
        Some(Command::Report(a)) => report::run(&ctx, a),
        Some(Command::Sla(c)) => sla::run(&ctx, c),
        Some(Command::Schedule(c)) => schedule::run(&ctx, c),
        Some(Command::Demo(a)) => demo::run(&ctx, a),
        Some(Command::Config(c)) => config_cmd::run(&ctx.out, c),
        Some(Command::Completions { shell }) => {
            // Generated in memory: clap_complete panics on a failed write (a closed pipe).
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "tix", &mut buf);
            std::io::stdout().lock().write_all(&buf)?;
            Ok(())
        }
        Some(Command::Man) => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
