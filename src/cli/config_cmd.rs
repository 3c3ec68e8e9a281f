//! `tix config path|default`: where the config file is read from, and the embedded,
//! commented default to start one from. Both work with a broken config file (they are
//! how one finds and fixes it).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;

use super::Out;
use crate::config::{Config, DEFAULT_TOML};

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// The config file tix reads ($TIX_CONFIG, else the platform config directory), and
    /// whether it exists
    Path,
    /// Print the embedded default config (commented): `tix config default > PATH`
    Default,
}

#[derive(Serialize)]
struct PathOut {
    path: Option<PathBuf>,
    exists: bool,
}

pub fn run(out: &Out, cmd: ConfigCmd) -> Result<()> {
    match cmd {
        ConfigCmd::Path => {
            let path = Config::default_path();
            let exists = path.as_deref().is_some_and(|p| p.is_file());
            let p = PathOut { path: path.clone(), exists };
            out.emit(&p, || match &path {
                None => "no config directory on this system: set TIX_CONFIG".into(),
                Some(path) if exists => path.display().to_string(),
                Some(path) => format!("{} (not there: the defaults apply; tix config default > it)", path.display()),
            })
        }
        ConfigCmd::Default => {
            if out.json {
                return out.emit(&serde_json::json!({ "default": DEFAULT_TOML }), String::new);
            }
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(DEFAULT_TOML.as_bytes())?;
            Ok(())
        }
    }
}
