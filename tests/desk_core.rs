//! The desk core's rules hold the same from both front ends: the command line and the
//! console reach the same result on the same desk.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use serde_json::Value;
use tix::store::{OpenMode, Store};
use tix::tui::{App, Options, defaults};

const CONFIG: &str = "[[sla.policies]]\nname = \"All\"\nfirst_response = \"30d\"\nwarn_before = \"30d\"\n\n\
     [[escalation]]\nname = \"At risk\"\nwhen = \"at-risk\"\nraise_priority = true\ngroup = \"duty\"\n";

fn tix(dir: &Path, db: &str, args: &[&str]) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_tix"))
        .arg("--db")
        .arg(dir.join(db))
        .args(["--as", "dana", "--json"])
        .args(args)
        .env("TIX_CONFIG", dir.join("config.toml"))
        .env_remove("TIX_DB")
        .output()
        .unwrap();
    assert!(o.status.success(), "tix {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A desk with three open tickets (P4, P3, P2), all at risk under the policy.
fn desk(dir: &Path, db: &str) {
    tix(dir, db, &["init"]);
    for (title, urgency, impact) in [("Printer", "3", "3"), ("VPN", "2", "2"), ("Mail", "1", "2")] {
        tix(dir, db, &["ticket", "new", "--title", title, "--urgency", urgency, "--impact", impact]);
    }
}

/// Per ticket: priority, group and the actors of its escalation changes.
fn outcome(dir: &Path, db: &str) -> Vec<(i64, Value, Value, Vec<String>)> {
    (1..=3)
        .map(|n| {
            let n = n.to_string();
            let show = tix(dir, db, &["ticket", "show", &n]);
            let history = tix(dir, db, &["ticket", "history", &n]);
            let mut actors: Vec<String> = history
                .as_array()
                .unwrap()
                .iter()
                .filter(|op| op["kind"] != "ticket.new")
                .map(|op| op["actor"].as_str().unwrap().to_string())
                .collect();
            actors.dedup();
            (show["number"].as_i64().unwrap(), show["priority"].clone(), show["group"].clone(), actors)
        })
        .collect()
}

#[test]
fn the_console_and_the_command_line_escalate_the_same_tickets_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("config.toml"), CONFIG).unwrap();
    desk(dir, "cli.db");
    desk(dir, "console.db");

    // The command line: a status check carries out the escalations.
    let status = tix(dir, "cli.db", &["sla", "status"]);
    assert_eq!(status["escalated"].as_array().map(Vec::len), Some(3), "{status}");

    // The console: opening it refreshes the clocks, which carries out the same rules.
    let rules = tix::config::Config::load(Some(&dir.join("config.toml"))).unwrap();
    let store = Store::open(&dir.join("console.db"), OpenMode::Existing).unwrap();
    let o = Options {
        drafts: None,
        agent: "dana".into(),
        me: None,
        now_ms: store.now_ms(),
        width: 80,
        height: 24,
        color: false,
        ascii: false,
        views: None,
        mouse: false,
        sync_interval: 0,
        rules: Arc::new(rules),
    };
    let app = App::new(store, defaults::keymap(), o);
    assert_eq!(app.model.sla_counts.map(|c| c.at_risk), Some(3), "the console sees the clocks");
    drop(app);

    let cli = outcome(dir, "cli.db");
    let console = outcome(dir, "console.db");
    assert_eq!(cli, console, "same tickets, same changes, same actor");
    for (number, priority, group, actors) in &cli {
        assert_eq!(group, "duty", "#{number} escalated to the duty group");
        assert!(priority.as_i64().unwrap() <= 3, "#{number} raised: {priority}");
        assert_eq!(actors, &vec!["tix-escalation".to_string()], "#{number}: escalations are the system's, not dana's");
    }
    // Once per ticket, rule and state, whichever front end looks next.
    let again = tix(dir, "console.db", &["sla", "escalate"]);
    assert_eq!(again.as_array().map(Vec::len), Some(0), "{again}");
}
