//! Search that finds what technicians type: spellings that meet, typos, prefixes, one
//! query path for the console and the CLI, asset ranking, KB ranking and short ids.
//! Real store files in temp dirs; the real binary for the CLI.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tix::domain::ids::{ArticleId, TicketId};
use tix::domain::kb::ArticleRecord;
use tix::domain::op::Change;
use tix::domain::plan::{self, NewTicket};
use tix::domain::ticket::PriorityMatrix;
use tix::store::{OpenMode, Sort, Store, TicketQuery};

fn store(dir: &Path) -> Store {
    Store::open(&dir.join("tix.db"), OpenMode::Create).unwrap()
}

fn ticket(s: &mut Store, title: &str) -> TicketId {
    let id = TicketId::new_random();
    s.commit("dana", vec![plan::new_ticket(id, NewTicket::titled(title), &PriorityMatrix::default())]).unwrap();
    id
}

fn text(t: &str) -> TicketQuery {
    TicketQuery { text: Some(t.into()), limit: 50, ..Default::default() }
}

fn tix(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tix"))
        .arg("--db")
        .arg(db)
        .arg("--as")
        .arg("dana")
        .args(args)
        .env("TIX_CONFIG", db.with_extension("no-config.toml"))
        .env_remove("TIX_DB")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json(db: &Path, args: &[&str]) -> Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let o = tix(db, &a);
    assert!(o.status.success(), "tix {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn wifi_and_wi_fi_find_the_same_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    for t in ["WiFi drops in room 2", "Wi-Fi slow on floor 3", "wifi gone", "wi fi down again", "Printer offline"] {
        ticket(&mut s, t);
    }
    for spelling in ["wifi", "Wi-Fi", "wi fi", "WiFi", "WIFI"] {
        assert_eq!(s.count(&text(spelling)).unwrap(), 4, "{spelling}");
    }
    // Diacritics are folded on both sides.
    ticket(&mut s, "Café printer jammed");
    assert_eq!(s.count(&text("cafe")).unwrap(), 1);
    assert_eq!(s.count(&text("CAFÉ")).unwrap(), 1);
}

#[test]
fn a_typo_is_retried_one_edit_away_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    ticket(&mut s, "Outlook crashes on start");
    ticket(&mut s, "Outlook search is empty");
    ticket(&mut s, "Printer offline");
    assert_eq!(s.count(&text("outlok")).unwrap(), 2);
    assert_eq!(s.text_notice(&text("outlok")).unwrap().as_deref(), Some("showing results for outlook"));
    assert_eq!(s.count(&text("outlok crashes")).unwrap(), 1);
    // Words that match need no correction; short words are never corrected.
    assert_eq!(s.text_notice(&text("outlook")).unwrap(), None);
    assert_eq!(s.count(&text("\"prnter\"")).unwrap(), 0, "quoted words are taken as typed");
    assert_eq!(s.count(&text("xyzzyq")).unwrap(), 0);
    // The CLI says it too.
    drop(s);
    let db = dir.path().join("tix.db");
    let o = tix(&db, &["ticket", "list", "-q", "outlok"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("showing results for outlook") && out.contains("Outlook crashes"), "{out}");
}

#[test]
fn the_last_word_matches_as_a_prefix_and_text_results_follow_the_sort() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let a = ticket(&mut s, "Printer jammed");
    let b = ticket(&mut s, "Print queue stuck");
    ticket(&mut s, "VPN drops");
    assert_eq!(s.count(&text("prin")).unwrap(), 2);
    assert_eq!(s.count(&text("printer")).unwrap(), 1);
    let ids = |sort: Sort| -> Vec<TicketId> {
        s.queue(&TicketQuery { sort, ..text("prin") }).unwrap().into_iter().map(|r| r.id).collect()
    };
    assert_eq!(ids(Sort::Newest), vec![b, a]);
    assert_eq!(ids(Sort::Oldest), vec![a, b]);
}

#[test]
fn the_console_filter_and_the_cli_give_the_same_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    for t in ["Outlook crashes", "Outlook search empty", "outlining tool", "Printer offline", "Wi-Fi slow"] {
        ticket(&mut s, t);
    }
    let db = dir.path().join("tix.db");
    for typed in ["outl", "outlook", "wifi", "outlok", "wi fi"] {
        // The console: the default view narrowed by the typed filter.
        let mut q = tix::tui::queue::QueueState::new(tix::tui::queue::default_views(None), None);
        q.view = 2; // All open: what `ticket list` shows by default
        q.filter = typed.to_string();
        q.spec = tix::domain::filter::parse(typed).unwrap();
        let (query, _) = q.query(0);
        let console: Vec<String> = s.queue(&query).unwrap().into_iter().map(|r| r.title).collect();
        let console_count = s.count(&query).unwrap();
        let cli = json(&db, &["ticket", "list", "-q", typed]);
        let cli_titles: Vec<String> =
            cli["tickets"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_string()).collect();
        assert_eq!(console, cli_titles, "{typed}");
        assert_eq!(console_count, cli["total"].as_u64().unwrap(), "{typed}");
        assert!(console_count > 0, "{typed}");
    }
}

#[test]
fn an_interrupted_reindex_resumes_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    ticket(&mut s, "Wi-Fi slow");
    ticket(&mut s, "Printer offline");
    // As a migration leaves it: an empty index and a note of where to start.
    drop(s);
    let c = rusqlite::Connection::open(dir.path().join("tix.db")).unwrap();
    c.execute_batch("DELETE FROM tickets_fts; INSERT INTO meta(key, value) VALUES ('search_reindex', '0');").unwrap();
    drop(c);
    let s = store(dir.path());
    assert_eq!(s.count(&text("wifi")).unwrap(), 1);
    assert_eq!(s.count(&text("printer")).unwrap(), 1);
    let left: Option<String> = rusqlite::Connection::open(dir.path().join("tix.db"))
        .unwrap()
        .query_row("SELECT value FROM meta WHERE key = 'search_reindex'", [], |r| r.get(0))
        .ok();
    assert_eq!(left, None, "finished");
}

fn article(s: &mut Store, title: &str, body: &str) -> ArticleId {
    let id = ArticleId::new_random();
    let rec = ArticleRecord {
        title: title.into(),
        body: body.into(),
        tags: vec![],
        category: None,
        internal: false,
        source: None,
    };
    s.commit("dana", vec![Change::new_article(id, rec)]).unwrap();
    id
}

#[test]
fn kb_search_answers_questions_and_ranks_a_command_before_its_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    article(&mut s, "git get-tar-commit-id", "Get the commit ID from a tar archive created by git archive.");
    article(&mut s, "tar", "Archiving utility.\n- E[x]tract a (compressed) archive [f]ile into the current directory");
    article(&mut s, "gzip", "Compress or decompress files.\n- Compress a file, replacing it with a gzip archive");
    article(&mut s, "Wi-Fi troubleshooting", "When the wireless network drops, forget the network and join again.");
    let titles = |q: &str| -> Vec<String> { s.kb_search(q, 5).unwrap().into_iter().map(|h| h.title).collect() };
    assert_eq!(titles("tar")[0], "tar");
    // Any word, not every word: a question finds the article that answers it.
    assert_eq!(titles("how do I extract a compressed archive")[0], "tar");
    assert_eq!(titles("my wifi keeps dropping")[0], "Wi-Fi troubleshooting");
    // The live pane: the last word as a prefix; synonyms from the config.
    assert_eq!(s.kb_find("troublesh", 5, &[], true).unwrap().hits[0].title, "Wi-Fi troubleshooting");
    assert!(s.kb_find("troublesh", 5, &[], false).unwrap().hits.is_empty());
    let syn = vec![vec!["wlan".to_string(), "wifi".to_string()]];
    assert!(s.kb_search("wlan", 5).unwrap().is_empty());
    assert_eq!(s.kb_find("wlan", 5, &syn, false).unwrap().hits[0].title, "Wi-Fi troubleshooting");
    // Typos: retried one edit away, and said.
    let found = s.kb_find("compresed", 5, &[], false).unwrap();
    assert_eq!(found.hits[0].title, "gzip");
    assert_eq!(found.notice.as_deref(), Some("showing results for compressed"));
}

#[test]
fn kb_articles_have_short_ids_and_an_ambiguous_prefix_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let a = article(&mut s, "Printer jam", "Open tray 2.");
    let b = article(&mut s, "Printer offline", "Check the cable.");
    drop(s);
    let db = dir.path().join("tix.db");
    let hits = json(&db, &["kb", "search", "printer"]);
    let nums: Vec<u64> = hits.as_array().unwrap().iter().map(|h| h["num"].as_u64().unwrap()).collect();
    assert_eq!({ nums.clone() }.iter().collect::<std::collections::HashSet<_>>().len(), 2, "{nums:?}");
    let shown = json(&db, &["kb", "show", "KB-2"]);
    assert_eq!(shown["id"].as_str().unwrap(), b.to_string());
    // UUIDv7 ids made in the same millisecond share their first characters.
    let (sa, sb) = (a.to_string().replace('-', ""), b.to_string().replace('-', ""));
    let common = sa.chars().zip(sb.chars()).take_while(|(x, y)| x == y).count();
    assert!(common >= 4, "{sa} {sb}");
    let o = tix(&db, &["kb", "show", &sa[..common]]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("KB-1") && err.contains("KB-2") && err.contains("Printer offline"), "{err}");
    assert_eq!(tix(&db, &["kb", "show", &sa[..common + 1]]).status.code(), Some(0));
    assert_eq!(tix(&db, &["kb", "show", "KB-9"]).status.code(), Some(3));
}

#[test]
fn assets_rank_the_same_in_the_cli_and_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("tix.db");
    drop(store(dir.path()));
    for (tag, host) in [
        ("BER-LT-00433", "ber-lt-00433"),
        ("LON-LT-00430", "lon-lt-00430"),
        ("LON-LT-00043", "lon-lt-00043"),
        ("PAR-PC-00043", "lt43-kiosk"),
    ] {
        let o = tix(&db, &["asset", "add", tag, "--hostname", host]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let cli: Vec<String> = json(&db, &["asset", "find", "lt43"])
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["record"]["tag"].as_str().or(a["tag"].as_str()).unwrap().to_string())
        .collect();
    assert_eq!(cli[0], "LON-LT-00043", "{cli:?}");
    assert_eq!(cli[1], "PAR-PC-00043", "hostname after tag by digits: {cli:?}");
    let s = Store::open(&db, OpenMode::Existing).unwrap();
    let console: Vec<String> = s.rank_assets("lt43", 20).unwrap().into_iter().map(|a| a.record.tag).collect();
    assert_eq!(console, cli);
    assert_eq!(s.rank_assets("lon-lt-00430", 1).unwrap()[0].record.tag, "LON-LT-00430", "exact tag first");
}
