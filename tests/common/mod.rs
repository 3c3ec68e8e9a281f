//! The test harness the end-to-end suites share: a store in a temp dir and the real
//! binary run against it.
#![allow(dead_code)] // each suite uses its own part

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub struct Tix {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    config: PathBuf,
}

impl Tix {
    pub fn new() -> Tix {
        Tix::with_config("")
    }

    /// A store, and a config file with `toml` in it.
    pub fn with_config(toml: &str) -> Tix {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("tix.db");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, toml).unwrap();
        let t = Tix { dir, db, config };
        t.ok(&["init"]);
        t
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tix"));
        c.arg("--db").arg(&self.db).arg("--as").arg("dana").args(args);
        c.env("TIX_CONFIG", &self.config).env_remove("TIX_DB");
        c
    }

    /// The binary without `--as`: the identity comes from the config or `user` (the OS
    /// user, `$USER`).
    pub fn run_as_os_user(&self, user: &str, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tix"));
        c.arg("--db").arg(&self.db).args(args);
        c.env("TIX_CONFIG", &self.config).env_remove("TIX_DB").env("USER", user).env_remove("USERNAME");
        c.stdin(Stdio::null()).output().unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }

    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        use std::io::Write;
        let mut child =
            self.cmd(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "tix {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }

    /// Run expecting exit `code`; returns (stdout, stderr).
    pub fn fails(&self, args: &[&str], code: i32) -> (String, String) {
        let o = self.run(args);
        assert_eq!(o.status.code(), Some(code), "tix {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    }

    pub fn verify(&self) {
        let v = self.json(&["store", "verify"]);
        assert_eq!(v["mismatches"], serde_json::json!([]), "{v}");
    }
}
