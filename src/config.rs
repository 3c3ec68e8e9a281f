//! Configuration: an embedded, commented default (assets/config.toml), overlaid by the
//! user's file. Unknown keys and bad values are errors naming the file, line and key.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::DeTable;

use crate::toml_path::{self, line_at};

use crate::domain::ticket::{Priority, PriorityMatrix};

/// The commented default configuration shipped with tix.
pub const DEFAULT_TOML: &str = include_str!("../assets/config.toml");

/// The demo store's configuration (SLA calendars and policies, an escalation, views,
/// macros, canned texts, a checklist, a recurring ticket, routing, the acting agent),
/// written beside the demo store by `tix demo`.
pub const DEMO_TOML: &str = include_str!("../assets/demo/config.toml");

/// A store's own config file: named like the store with `.toml` (demo.db → demo.toml).
pub fn store_config_path(db: &Path) -> PathBuf {
    db.with_extension("toml")
}

/// The store's own config file when tix should read it (it exists, is yours and no one
/// else may change it: its hooks run as you); `Err` says why one that exists is ignored.
pub fn store_config(db: &Path) -> Result<Option<PathBuf>, String> {
    let path = store_config_path(db);
    let Ok(meta) = std::fs::metadata(&path) else { return Ok(None) };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me || meta.mode() & 0o022 != 0 {
            return Err(format!(
                "ignoring {}: a store's config file must be yours and not writable by others (mode {:04o})",
                path.display(),
                meta.mode() & 0o7777
            ));
        }
    }
    let _ = meta;
    Ok(Some(path))
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub agent_name: Option<String>,
    pub store_path: Option<PathBuf>,
    pub matrix: PriorityMatrix,
    /// Where it was read from (None: defaults only).
    pub source: Option<PathBuf>,
    /// The user's `[keys.*]` tables, from the same parse, for the console's keymap.
    pub keys: crate::key_overrides::KeyOverrides,
    /// Queue views (`[[views]]`), added to the built-in ones (a built-in one's name
    /// replaces it).
    pub views: Vec<ViewConfig>,
    pub console: ConsoleConfig,
    /// `[sla]`: calendars and policies, checked; empty when none are configured.
    pub sla: std::sync::Arc<crate::domain::sla_config::SlaSetup>,
    /// Changes whenever the SLA configuration does (the store re-times open tickets).
    pub sla_fingerprint: String,
    /// `[[checklists]]`: templates to attach to tickets.
    pub checklists: Vec<crate::domain::checklist::ChecklistTemplate>,
    /// `[[escalation]]`: what happens to tickets at risk or breached.
    pub escalation: Vec<crate::domain::escalation::EscalationRule>,
    /// `[[recurring]]`: tickets made on a schedule.
    pub recurring: Vec<crate::domain::recurring::Recurring>,
    /// `[[routing]]`: rules applied to new tickets.
    pub routing: Vec<crate::domain::routing::RoutingRule>,
    /// `[[macros]]`: named multi-field actions.
    pub macros: Vec<crate::domain::macros::Macro>,
    /// `[[canned]]`: texts for the editor (`::` in a draft).
    pub canned: Vec<crate::domain::macros::Canned>,
    pub intake: IntakeConfig,
    /// `[search]`: synonym groups for KB search.
    pub search: SearchConfig,
    /// `[sync]`: how to reach a PostgreSQL desk.
    pub sync: SyncConfig,
    /// `[mail]`: outbound mail, notices.
    pub mail: crate::mail_config::MailConfig,
}

/// `[sync]`: `password_command = "pass show tix/db"` prints the PostgreSQL password when
/// neither `PGPASSWORD` nor `~/.pgpass` has one (it is never stored); `desk = "it"` is
/// the desk a `postgres://` URL without `?desk=` means in `sync init` and `sync join`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    pub password_command: Option<String>,
    pub desk: Option<String>,
}

/// `[search]`: `synonyms = [["wifi", "wireless", "wlan"], ...]`: a KB search for one word of
/// a group also finds articles that use another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    pub synonyms: Vec<Vec<String>>,
}

/// `[intake]`: limits and loop guards for e-mail intake.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntakeConfig {
    /// Largest message accepted, in bytes; a larger one is rejected, naming its size.
    pub max_message_bytes: u64,
    /// Longest subject or sender accepted, in bytes (decoded); longer is rejected.
    pub max_field_bytes: u64,
    /// Longest body text accepted, in bytes (decoded); longer is rejected.
    pub max_body_bytes: u64,
    /// Attachments: name, type and size are always kept; content up to this many bytes each.
    pub max_attachment_bytes: u64,
    /// The desk's own intake address: mail from it, or whose X-Loop names it, is a loop.
    pub address: Option<String>,
    /// More messages than this from one sender within an hour are treated as a mail loop.
    pub max_per_sender_per_hour: u32,
    /// Refuse messages without a sender address (default: take them in under an
    /// "unknown sender" requester, with a note that they cannot be answered by mail).
    pub refuse_unknown_sender: bool,
    /// A `[#N]` subject from someone who is not on ticket N (its requester, assignee or
    /// someone who wrote on it): "new-ticket" (a ticket of its own, linked to N) or "reply".
    pub tag_from_stranger: StrangerTag,
}

/// What a `[#N]` subject tag from someone who is not on ticket N does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrangerTag {
    /// A ticket of its own, linked to N as related.
    #[default]
    NewTicket,
    /// A reply on N, as from anyone else.
    Reply,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        IntakeConfig {
            max_message_bytes: 25 * 1024 * 1024,
            max_field_bytes: 16 * 1024,
            max_body_bytes: 1024 * 1024,
            max_attachment_bytes: 1024 * 1024,
            address: None,
            max_per_sender_per_hour: 30,
            refuse_unknown_sender: false,
            tag_from_stranger: StrangerTag::NewTicket,
        }
    }
}

/// `[console]`: how the console looks and what it listens to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// ASCII borders and glyphs (as `--ascii`).
    #[serde(default)]
    pub ascii: bool,
    /// No colours even where the terminal has them (as `NO_COLOR`).
    #[serde(default)]
    pub monochrome: bool,
    /// Mouse: wheel scrolls, a click selects a queue row. Off by default (it takes
    /// the terminal's own selection and copy away).
    #[serde(default)]
    pub mouse: bool,
    /// Seconds between background syncs when the store syncs (0: only on ctrl-y).
    #[serde(default = "default_sync_interval")]
    pub sync_interval: u64,
    /// A command that opens a saved attachment (`xdg-open`, `open`), run with the file's
    /// path on a local terminal only (not over SSH). Unset: attachments are only saved.
    #[serde(default)]
    pub opener: Option<String>,
}

fn default_sync_interval() -> u64 {
    120
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            ascii: false,
            monochrome: false,
            mouse: false,
            sync_interval: default_sync_interval(),
            opener: None,
        }
    }
}

/// A queue view from the config file, already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewConfig {
    pub name: String,
    /// In the quick-filter language: `status:open group:network prio:<=2`.
    pub filter: String,
    /// priority, updated, newest or oldest.
    pub sort: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    agent: RawAgent,
    #[serde(default)]
    store: RawStore,
    #[serde(default)]
    priority: RawPriority,
    #[serde(default)]
    console: Option<ConsoleConfig>,
    /// Key bindings, applied by the console's keymap (which reports its own errors).
    #[serde(default)]
    #[allow(dead_code)]
    keys: Option<toml::Table>,
    #[serde(default)]
    views: Vec<RawView>,
    #[serde(default)]
    sla: Option<crate::domain::sla_config::SlaSection>,
    #[serde(default)]
    routing: Vec<crate::domain::routing::RoutingRule>,
    #[serde(default)]
    recurring: Vec<crate::domain::recurring::RecurringConfig>,
    #[serde(default)]
    escalation: Vec<crate::domain::escalation::EscalationRule>,
    #[serde(default)]
    checklists: Vec<crate::domain::checklist::ChecklistTemplate>,
    #[serde(default)]
    macros: Vec<crate::domain::macros::Macro>,
    #[serde(default)]
    canned: Vec<crate::domain::macros::Canned>,
    intake: Option<IntakeConfig>,
    #[serde(default)]
    search: SearchConfig,
    #[serde(default)]
    sync: SyncConfig,
    mail: Option<crate::mail_config::MailConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawView {
    name: String,
    #[serde(default)]
    filter: String,
    sort: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgent {
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriority {
    matrix: Option<[[u8; 3]; 3]>,
}

impl Config {
    /// The config file to read: `$TIX_CONFIG`, else the platform config dir.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("TIX_CONFIG") {
            return Some(PathBuf::from(p));
        }
        directories::ProjectDirs::from("", "", "tix").map(|d| d.config_dir().join("config.toml"))
    }

    /// Load from `path` if it exists (a missing file is not an error: defaults apply).
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut cfg = Config::parse(DEFAULT_TOML, "<built-in config>")?;
        let Some(path) = path else { return Ok(cfg) };
        let text = match std::fs::read(path) {
            Ok(b) => String::from_utf8(b).map_err(|e| ConfigError {
                file: path.display().to_string(),
                line: 1 + e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|&&b| b == b'\n').count(),
                message: "not valid UTF-8".into(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cfg),
            Err(e) => return Err(ConfigError { file: path.display().to_string(), line: 0, message: e.to_string() }),
        };
        let user = Config::parse(&text, &path.display().to_string())?;
        cfg.agent_name = user.agent_name.or(cfg.agent_name);
        cfg.store_path = user.store_path.or(cfg.store_path);
        cfg.matrix = user.matrix;
        if !user.views.is_empty() {
            cfg.views = user.views;
        }
        cfg.console = user.console;
        if !user.sla.policies.is_empty() || !user.sla.calendars.is_empty() {
            cfg.sla = user.sla;
            cfg.sla_fingerprint = user.sla_fingerprint;
        }
        if !user.checklists.is_empty() {
            cfg.checklists = user.checklists;
        }
        if !user.escalation.is_empty() {
            cfg.escalation = user.escalation;
        }
        if !user.recurring.is_empty() {
            cfg.recurring = user.recurring;
        }
        if !user.routing.is_empty() {
            cfg.routing = user.routing;
        }
        if !user.macros.is_empty() {
            cfg.macros = user.macros;
        }
        if !user.canned.is_empty() {
            cfg.canned = user.canned;
        }
        cfg.intake = user.intake;
        cfg.sync = user.sync;
        cfg.mail = user.mail;
        cfg.source = Some(path.to_path_buf());
        cfg.keys = user.keys;
        Ok(cfg)
    }

    /// Parse one TOML text.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        // One parse: the document with its spans gives every error its line.
        let toml_error = |e: toml::de::Error| ConfigError {
            file: file.to_string(),
            line: e.span().map(|s| line_at(text, s.start)).unwrap_or(0),
            message: e.message().trim().to_string(),
        };
        let doc = DeTable::parse(text).map_err(toml_error)?;
        let raw = Raw::deserialize(toml::de::Deserializer::from(doc.clone())).map_err(toml_error)?;
        let at = |path: &str| toml_path::line_of(&doc, text, path).unwrap_or(0);
        let rule_error = |path: String, e: crate::domain::RuleError| ConfigError {
            file: file.to_string(),
            line: at(&format!("{path}.name")),
            message: format!("{path}: {e}"),
        };
        let mut matrix = PriorityMatrix::default();
        if let Some(m) = raw.priority.matrix {
            for (u, row) in m.iter().enumerate() {
                for (i, &p) in row.iter().enumerate() {
                    matrix.0[u][i] = Priority::try_from(p).map_err(|e| ConfigError {
                        file: file.to_string(),
                        line: at("priority.matrix"),
                        message: format!("priority.matrix[{u}][{i}]: {e}"),
                    })?;
                }
            }
        }
        let mut views = Vec::new();
        for (i, v) in raw.views.into_iter().enumerate() {
            let err = |message: String| ConfigError {
                file: file.to_string(),
                line: at(&format!("views[{i}].name")),
                message,
            };
            if v.name.trim().is_empty() {
                return Err(err("views: a view needs a name".into()));
            }
            crate::domain::filter::parse(&v.filter).map_err(|e| err(format!("view '{}': filter {e}", v.name)))?;
            if let Some(s) = &v.sort
                && crate::domain::sort::Sort::from_name(s).is_none()
            {
                return Err(err(format!(
                    "view '{}': sort '{s}' (use one of: {})",
                    v.name,
                    crate::domain::sort::Sort::names()
                )));
            }
            views.push(ViewConfig { name: v.name, filter: v.filter, sort: v.sort });
        }
        for (i, c) in raw.checklists.iter().enumerate() {
            c.check().map_err(|e| rule_error(format!("checklists[{i}]"), e))?;
        }
        for (i, r) in raw.escalation.iter().enumerate() {
            r.check().map_err(|e| rule_error(format!("escalation[{i}]"), e))?;
        }
        let recurring = (raw.recurring.iter().enumerate())
            .map(|(i, r)| r.check().map_err(|e| rule_error(format!("recurring[{i}]"), e)))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, r) in raw.routing.iter().enumerate() {
            r.check().map_err(|e| rule_error(format!("routing[{i}]"), e))?;
        }
        for (i, m) in raw.macros.iter().enumerate() {
            m.check().map_err(|e| rule_error(format!("macros[{i}]"), e))?;
        }
        // SLA: calendars (with holidays from .ics files, relative to the config file's
        // folder) and policies; an error names its key and line.
        let (sla, sla_fingerprint) = match &raw.sla {
            None => (Default::default(), String::new()),
            Some(section) => {
                let base = Path::new(file).parent().map(Path::to_path_buf).unwrap_or_default();
                let mut load = |p: &str| -> Result<Vec<(chrono::NaiveDate, String)>, String> {
                    let path = base.join(p);
                    crate::import::ics::read_file(&path).map(|v| v.into_iter().map(|h| (h.date, h.name)).collect())
                };
                let setup = section.validate(&mut load).map_err(|e| ConfigError {
                    file: file.to_string(),
                    line: at(&e.key),
                    message: format!("{}: {}", e.key, e.message),
                })?;
                // Of what was understood, holidays from .ics files included.
                let fingerprint = blake3::hash(format!("{setup:?}").as_bytes()).to_hex().to_string();
                (std::sync::Arc::new(setup), fingerprint)
            }
        };
        let mail = raw.mail.unwrap_or_default();
        mail.check().map_err(|(key, message)| ConfigError {
            file: file.to_string(),
            line: at(&key),
            message: format!("{key}: {message}"),
        })?;
        Ok(Config {
            mail,
            checklists: raw.checklists,
            escalation: raw.escalation,
            recurring,
            routing: raw.routing,
            sla,
            sla_fingerprint,
            macros: raw.macros,
            canned: raw.canned,
            agent_name: raw.agent.name,
            store_path: raw.store.path,
            matrix,
            source: None,
            keys: crate::key_overrides::KeyOverrides::from_doc(&doc, text),
            views,
            console: raw.console.unwrap_or_default(),
            intake: raw.intake.unwrap_or_default(),
            search: raw.search,
            sync: raw.sync,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_config_parses_and_shows_every_feature() {
        let c = Config::parse(DEMO_TOML, "demo.toml").unwrap();
        assert_eq!(c.agent_name.as_deref(), Some("dana"));
        assert_eq!(c.sla.policies.len(), 4);
        assert!(!c.escalation.is_empty() && !c.views.is_empty() && !c.macros.is_empty() && !c.canned.is_empty());
        assert!(!c.checklists.is_empty() && !c.recurring.is_empty() && !c.routing.is_empty());
    }

    #[test]
    fn the_shipped_default_parses() {
        let c = Config::parse(DEFAULT_TOML, "default").unwrap();
        assert_eq!(c.matrix, PriorityMatrix::default());
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = Config::parse("[agent]\nname = \"x\"\n\n[priority]\nmatirx = 3\n", "my.toml").unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert!(e.to_string().starts_with("my.toml:5:"), "{e}");
        assert!(e.message.contains("matirx"), "{e}");
        let e = Config::parse("[priority]\nmatrix = [[1,2,3],[2,3,4],[3,4,9]]\n", "m.toml").unwrap_err();
        assert!(e.to_string().contains("matrix[2][2]") && e.line == 2, "{e}");
    }

    #[test]
    fn views_are_checked_where_they_are_written() {
        let ok = "[[views]]\nname = \"Network\"\nfilter = \"group:network prio:<=2\"\nsort = \"updated\"\n";
        let c = Config::parse(ok, "v.toml").unwrap();
        assert_eq!(c.views.len(), 1);
        assert_eq!(c.views[0].sort.as_deref(), Some("updated"));
        let bad = "[agent]\n\n[[views]]\nname = \"Mine\"\nfilter = \"stauts:open\"\n";
        let e = Config::parse(bad, "v.toml").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("stauts"), "{e}");
        let bad = "[[views]]\nname = \"X\"\nsort = \"sideways\"\n";
        assert!(Config::parse(bad, "v.toml").unwrap_err().message.contains("sideways"));
    }

    #[test]
    fn console_settings_are_read_and_checked() {
        let c = Config::parse("[console]\nascii = true\nmouse = true\n", "c.toml").unwrap();
        assert!(c.console.ascii && c.console.mouse && !c.console.monochrome);
        let e = Config::parse("[console]\nmause = true\n", "c.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("mause"), "{e}");
        assert_eq!(Config::parse(DEFAULT_TOML, "d").unwrap().console, ConsoleConfig::default());
    }

    #[test]
    fn intake_limits_are_read_and_checked() {
        let c = Config::parse("[intake]\nmax_attachment_bytes = 10\naddress = \"desk@x.org\"\n", "i.toml").unwrap();
        assert_eq!(c.intake.max_attachment_bytes, 10);
        assert_eq!(c.intake.address.as_deref(), Some("desk@x.org"));
        assert_eq!(c.intake.max_message_bytes, IntakeConfig::default().max_message_bytes);
        let e = Config::parse("[intake]\nmax_attachment = 10\n", "i.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert_eq!(Config::parse(DEFAULT_TOML, "d").unwrap().intake, IntakeConfig::default());
    }

    #[test]
    fn a_missing_user_file_means_defaults() {
        let c = Config::load(Some(Path::new("/nonexistent/tix/config.toml"))).unwrap();
        assert_eq!(c.source, None);
    }
}
