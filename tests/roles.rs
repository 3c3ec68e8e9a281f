//! Identities and roles through the real binary: who may act (`--as`, `[agent] name`,
//! the OS user), the first run of a store, and what each role may do.

mod common;

use common::Tix;
use serde_json::Value;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The number of ops in the store: a refused command adds none.
fn ops(t: &Tix) -> u64 {
    t.json(&["store", "info"])["ops"].as_u64().expect("store info counts ops")
}

fn people(t: &Tix) -> Vec<(String, String)> {
    let v = t.json(&["person", "list"]);
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["role"].as_str().unwrap().to_string()))
        .collect()
}

/// A store whose first writer (dana, the admin) made ticket #1 for Jane Doe, a requester.
fn desk() -> Tix {
    let t = Tix::new();
    t.ok(&["ticket", "new", "--title", "Printer jam", "--requester", "Jane Doe <jane@example.com>"]);
    t
}

#[test]
fn the_first_writer_becomes_admin_once_and_nobody_is_created_silently() {
    let t = Tix::new();
    let o = t.run(&["ticket", "new", "--title", "Printer jam"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "tix: this store had no agents: dana is now its admin (tix person add NAME --role agent adds the others)"
    );
    let o = t.run(&["ticket", "new", "--title", "VPN drops"]);
    assert!(o.status.success() && o.stderr.is_empty(), "said once: {}", stderr(&o));
    assert_eq!(people(&t), [("dana".to_string(), "admin".to_string())]);
    // The example: an unknown name is refused, names the known agents, writes nothing.
    let before = ops(&t);
    let (_, err) = t.fails(&["ticket", "update", "1", "--status", "resolved", "--as", "Nobody Atall"], 2);
    assert_eq!(
        err.trim(),
        "tix: --as Nobody Atall: no agent by that name on this store; known agents: dana; \
         an admin adds one with tix person add NAME --login LOGIN --role agent"
    );
    assert_eq!(ops(&t), before, "nothing written");
    assert_eq!(people(&t).len(), 1, "no agent created");
    assert_eq!(t.json(&["ticket", "show", "1"])["status"], "new");
    // `--as` is checked whatever the command, reads included.
    t.fails(&["ticket", "list", "--as", "Nobody Atall"], 2);
}

#[test]
fn a_requester_is_never_the_actor_of_a_technicians_action() {
    let t = desk();
    let before = ops(&t);
    for who in ["Jane Doe", "jane@example.com"] {
        let (_, err) = t.fails(&["ticket", "update", "1", "--status", "resolved", "--as", who], 2);
        assert!(
            err.contains("'Jane Doe' is a requester, and requesters are never the actor of technician actions")
                && err.contains("known agents: dana"),
            "{err}"
        );
    }
    assert_eq!(ops(&t), before);
    assert_eq!(t.json(&["ticket", "show", "1"])["status"], "new");
}

#[test]
fn lead_acts_are_refused_to_an_agent_and_allowed_once_promoted() {
    let t = desk();
    t.ok(&["ticket", "new", "--title", "Printer jam again"]);
    t.ok(&["person", "add", "Lee Park", "--login", "lee", "--role", "agent"]);
    std::fs::write(t.path("old.csv"), "title,status\nMail quota,open\n").unwrap();
    std::fs::create_dir(t.path("kb")).unwrap();
    std::fs::write(t.path("kb/vpn.md"), "# VPN\n\nRestart the client.\n").unwrap();
    let (csv, kb) = (t.path("old.csv"), t.path("kb"));
    let before = ops(&t);
    let refused = [
        (vec!["ticket", "merge", "2", "--into", "1"], "merging tickets is for leads and admins"),
        (vec!["view", "save", "Hot", "--filter", "prio:1"], "saving a view for everyone is for leads and admins"),
        (vec!["view", "delete", "Hot"], "saving a view for everyone is for leads and admins"),
        (vec!["import", "tickets", csv.to_str().unwrap()], "importing) is for leads and admins"),
        (vec!["kb", "import", kb.to_str().unwrap()], "importing) is for leads and admins"),
    ];
    for (args, why) in &refused {
        let mut a = args.clone();
        a.extend(["--as", "lee"]);
        let (_, err) = t.fails(&a, 2);
        assert!(
            err.starts_with("tix: lee is an agent: ")
                && err.contains(why)
                && err.contains("(an admin can change that: tix person role lee lead)"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(ops(&t), before, "nothing written by a refused act");
    // Everyday work is an agent's.
    t.ok(&["ticket", "note", "2", "--body", "Same printer", "--as", "lee"]);
    t.ok(&["person", "role", "lee", "lead"]);
    t.ok(&["ticket", "merge", "2", "--into", "1", "--as", "lee"]);
    t.ok(&["view", "save", "Hot", "--filter", "prio:1", "--as", "lee"]);
    let h = t.json(&["ticket", "history", "2"]);
    assert!(h.to_string().contains("\"actor\":\"lee\""), "the merge is lee's: {h}");
}

#[test]
fn people_and_roles_are_an_admins_and_the_last_admin_stays() {
    let t = desk();
    t.ok(&["person", "add", "Lee Park", "--login", "lee", "--role", "lead"]);
    let before = ops(&t);
    for args in [
        &["person", "add", "Kim", "--login", "kim", "--role", "agent", "--as", "lee"][..],
        &["person", "role", "lee", "admin", "--as", "lee"],
        &["person", "role", "Jane Doe", "agent", "--as", "lee"],
    ] {
        let (_, err) = t.fails(args, 2);
        assert!(
            err.starts_with("tix: lee is a lead: adding agents and changing roles is for admins"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(ops(&t), before);
    // A requester is anyone's to add.
    t.ok(&["person", "add", "Bo Requester", "--email", "bo@example.com", "--as", "lee"]);
    // Two agents answering to one login would make --as ambiguous.
    let (_, err) = t.fails(&["person", "add", "Lee Other", "--login", "LEE", "--role", "agent"], 4);
    assert!(err.contains("an agent already answers to 'LEE': Lee Park (lead)"), "{err}");
    // The only admin cannot step down; with a second one, they can.
    let (_, err) = t.fails(&["person", "role", "dana", "agent"], 4);
    assert!(err.contains("dana is the store's only admin"), "{err}");
    t.ok(&["person", "role", "lee", "admin"]);
    let v = t.json(&["person", "role", "dana", "agent"]);
    assert_eq!((v["role"].as_str(), v["previous"].as_str()), (Some("agent"), Some("admin")));
    t.fails(&["person", "role", "Kim", "agent"], 2);
    t.fails(&["person", "role", "Kim", "agent", "--as", "lee"], 3);
}

#[test]
fn the_os_user_is_the_agent_with_that_login_and_the_config_can_name_another() {
    let t = desk();
    t.ok(&["person", "add", "Sam Roe", "--login", "sroe", "--role", "agent"]);
    let o = t.run_as_os_user("sroe", &["ticket", "take", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let one = t.json(&["ticket", "show", "1"]);
    assert_eq!(one["assignee"]["name"], "Sam Roe", "{one}");
    // An OS user who is no agent: reading is fine, acting is refused with the way in.
    let o = t.run_as_os_user("mallory", &["ticket", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = t.run_as_os_user("mallory", &["ticket", "note", "1", "--body", "hi"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("the OS user 'mallory' (no --as, no [agent] name in the config): no agent by that name")
            && err.contains("known agents: dana, sroe (Sam Roe)"),
        "{err}"
    );
    // `[agent] name` chooses among the known agents; an unknown one is refused the same way.
    std::fs::write(t.path("config.toml"), "[agent]\nname = \"Sam Roe\"\n").unwrap();
    let o = t.run_as_os_user("mallory", &["ticket", "note", "1", "--body", "from the config"]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(t.path("config.toml"), "[agent]\nname = \"samr\"\n").unwrap();
    let o = t.run_as_os_user("sroe", &["ticket", "note", "1", "--body", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("[agent] name \"samr\" in the config: no agent by that name"), "{}", stderr(&o));
    let h: Value = t.json(&["ticket", "history", "1"]);
    let actors: Vec<&str> = h.as_array().unwrap().iter().filter_map(|o| o["actor"].as_str()).collect();
    assert!(actors.contains(&"sroe") && !actors.contains(&"mallory"), "ops carry the agent's login: {actors:?}");
}

#[test]
fn the_known_agents_named_in_a_refusal_are_a_bounded_list() {
    let t = desk();
    for i in 0..12 {
        t.ok(&["person", "add", &format!("Agent {i:02}"), "--login", &format!("a{i:02}"), "--role", "agent"]);
    }
    let (_, err) = t.fails(&["ticket", "list", "--as", "zed"], 2);
    let list = err.split("known agents: ").nth(1).unwrap().split(';').next().unwrap();
    assert_eq!(list.split(", ").count(), 11, "ten names and a pointer: {list}");
    assert!(list.ends_with("… (tix person list for all)"), "{list}");
}

#[test]
fn the_first_admin_can_add_themself_explicitly() {
    let t = Tix::new();
    let v = t.json(&["person", "add", "Dana Whitfield", "--login", "dana", "--role", "admin"]);
    assert!(v["id"].is_string(), "{v}");
    assert_eq!(people(&t), [("Dana Whitfield".to_string(), "admin".to_string())], "one record, not two");
    let o = t.run(&["person", "add", "Lee Park", "--login", "lee", "--role", "agent"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn the_demo_stores_agents_are_known() {
    let t = Tix::new();
    let demo = t.path("demo.db");
    let d = demo.to_str().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tix"))
        .args(["--db", d, "demo", "--no-tui", "--tickets", "40"])
        .env("TIX_CONFIG", t.path("none.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let tix = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tix"))
            .args(["--db", d])
            .args(args)
            .env("TIX_CONFIG", t.path("none.toml"))
            .output()
            .unwrap()
    };
    let o = tix(&["--as", "marek", "ticket", "note", "1", "--body", "seen"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
    // Every role on show: dana the admin, marek a lead, the others agents.
    let o = tix(&["--as", "priya", "ticket", "merge", "2", "--into", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("priya is an agent: merging tickets is for leads and admins"), "{}", stderr(&o));
    let o = tix(&["--as", "marek", "ticket", "merge", "2", "--into", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tix(&["--as", "nobody", "ticket", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("dana (Dana Whitfield)"), "{}", stderr(&o));
}
