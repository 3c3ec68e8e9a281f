//! Outbound mail end to end, with real parts: the real binary, a real SMTP server
//! (mailin-embedded) on 127.0.0.1 started here, and a sendmail-compatible script that
//! records what it is given.

mod common;

use std::collections::VecDeque;
use std::io;
use std::net::TcpListener;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Tix;
use mailin_embedded::{Handler, Response, Server, response};
use serde_json::Value;

// ------------------------------------------------------------------ the SMTP server

#[derive(Default)]
struct Inbox {
    /// (envelope recipients, message) in order of acceptance.
    messages: Vec<(Vec<String>, String)>,
    /// Answers to end-of-data, in turn (then 250).
    answers: VecDeque<(u16, &'static str)>,
}

#[derive(Clone)]
struct Recorder {
    inbox: Arc<Mutex<Inbox>>,
    to: Vec<String>,
    buf: Vec<u8>,
}

impl Handler for Recorder {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.buf.clear();
        response::START_DATA
    }
    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        let mut inbox = self.inbox.lock().unwrap();
        match inbox.answers.pop_front() {
            Some((code, text)) => Response::custom(code, text.to_string()),
            None => {
                let m = String::from_utf8_lossy(&self.buf).into_owned();
                inbox.messages.push((self.to.clone(), m));
                response::OK
            }
        }
    }
}

struct Smtp {
    port: u16,
    inbox: Arc<Mutex<Inbox>>,
}

impl Smtp {
    fn start() -> Smtp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let mut server = Server::new(Recorder { inbox: inbox.clone(), to: vec![], buf: vec![] });
        server.with_name("smtp.test").with_num_threads(2).with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Smtp { port, inbox }
    }
    fn messages(&self) -> Vec<(Vec<String>, String)> {
        self.inbox.lock().unwrap().messages.clone()
    }
    fn answer(&self, code: u16, text: &'static str) {
        self.inbox.lock().unwrap().answers.push_back((code, text));
    }
}

fn smtp_config(port: u16, extra: &str) -> String {
    format!(
        "[mail]\nfrom = \"IT Desk <desk@example.org>\"\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {port}\n\
         tls = \"none\"\ntimeout_secs = 2\nretry_base_secs = 1\n{extra}"
    )
}

// ------------------------------------------------------------------ the sendmail script

/// A sendmail-compatible script that stores each message it is given in `dir/out`.
fn sendmail_config(dir: &Path, extra: &str) -> String {
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let script = dir.join("sendmail.sh");
    std::fs::write(&script, format!("#!/bin/sh\n# args: $*\ncat > \"$(mktemp '{}/msg.XXXXXX')\"\n", out.display()))
        .unwrap();
    set_exec(&script);
    format!("[mail]\nfrom = \"IT Desk <desk@example.org>\"\ncommand = \"{} -t -i\"\n{extra}", script.display())
}

fn set_exec(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The messages the script was given, oldest first.
fn sent_by_script(t: &Tix) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(t.path("out")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

// ------------------------------------------------------------------ helpers

const REQUEST: &str = "From: Jane Doe <jane@example.com>\r\nTo: IT Desk <desk@example.org>\r\n\
Cc: Boss <boss@example.com>, desk@example.org\r\nSubject: Printer on fire\r\n\
Message-ID: <req-1@mail.example.com>\r\nDate: Thu, 3 Dec 2026 10:00:00 +0000\r\n\r\nIt is burning.\r\n";

fn ingest(t: &Tix, name: &str, text: &str) -> Value {
    let p = t.path(name);
    std::fs::write(&p, text).unwrap();
    t.json(&["ingest", "email", p.to_str().unwrap()])
}

fn outbox(t: &Tix) -> Vec<Value> {
    t.json(&["mail", "outbox"])["messages"].as_array().unwrap().clone()
}

/// The message with its Date line replaced by `Date: DATE` (checked to be an RFC 5322 date).
fn dateless(m: &str) -> String {
    m.replace("\r\n", "\n")
        .lines()
        .map(|l| match l.strip_prefix("Date: ") {
            Some(d) => {
                assert!(d.ends_with("+0000") && d.len() > 25, "{d}");
                "Date: DATE".to_string()
            }
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ------------------------------------------------------------------ the tests

#[test]
fn a_reply_and_a_cced_reply_leave_through_sendmail_exactly() {
    let t = Tix::new();
    std::fs::write(t.path("config.toml"), sendmail_config(t.dir.path(), "")).unwrap();
    ingest(&t, "req.eml", REQUEST);
    t.ok(&["ticket", "reply", "1", "--body", "Use the extinguisher."]);
    let queued = outbox(&t);
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0]["state"], "queued");
    assert_eq!(queued[0]["kind"], "reply");
    t.ok(&["mail", "send"]);
    let id = queued[0]["id"].as_str().unwrap().to_string();
    let sent = sent_by_script(&t);
    assert_eq!(sent.len(), 1);
    // The desk's own address, on the original Cc, is never a recipient.
    assert_eq!(
        dateless(&sent[0]),
        format!(
            "From: \"IT Desk\" <desk@example.org>\nSubject: [#1] Printer on fire\nMessage-ID: <{id}>\nDate: DATE\n\
             To: \"Jane Doe\" <jane@example.com>\nCc: boss@example.com\nIn-Reply-To: <req-1@mail.example.com>\n\
             References: <req-1@mail.example.com>\nContent-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: 7bit\n\nUse the extinguisher."
        )
    );
    let after = outbox(&t);
    assert_eq!(after[0]["state"], "sent");
    assert!(after[0]["detail"].as_str().unwrap().contains("accepted"), "{}", after[0]);

    // Watchers: one added, the original Cc removed.
    let w = t.json(&["ticket", "watch", "1", "--add", "Helper <helper@example.com>"]);
    assert_eq!(w["watchers"], serde_json::json!(["boss@example.com", "helper@example.com"]));
    t.ok(&["ticket", "watch", "1", "--remove", "boss@example.com"]);
    t.fails(&["ticket", "watch", "1", "--add", "not an address"], 2);
    t.ok(&["ticket", "reply", "1", "--body", "A technician is on the way.\nBring the key."]);
    t.ok(&["mail", "send"]);
    let second = outbox(&t)[1]["id"].as_str().unwrap().to_string();
    let sent = sent_by_script(&t);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        dateless(&sent[1]),
        format!(
            "From: \"IT Desk\" <desk@example.org>\nSubject: [#1] Printer on fire\nMessage-ID: <{second}>\nDate: DATE\n\
             To: \"Jane Doe\" <jane@example.com>\nCc: helper@example.com\nIn-Reply-To: <req-1@mail.example.com>\n\
             References: <req-1@mail.example.com>\n <{id}>\nContent-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: 7bit\n\nA technician is on the way.\nBring the key."
        )
    );
    // Sent again: nothing more is due.
    t.ok(&["mail", "send"]);
    assert_eq!(sent_by_script(&t).len(), 2);
    // The timeline shows the reply's mail state; the store verifies.
    let show = t.ok(&["ticket", "show", "1"]);
    assert!(show.contains("PUBLIC REPLY by dana · mail sent"), "{show}");
    t.verify();
}

#[test]
fn notices_acknowledge_and_announce_resolution_with_exact_text() {
    let t = Tix::new();
    let extra = "[mail.ack]\nenabled = true\ntext = \"Hello {requester},\\n\\nwe have your request #{number} ({title}).\"\n\
                 [mail.resolution]\nenabled = true\n\
                 text = \"Hello {requester},\\n\\n{agent} set #{number} to {status}.\\nRate us 1-5.\"\n";
    std::fs::write(t.path("config.toml"), sendmail_config(t.dir.path(), extra)).unwrap();
    ingest(&t, "req.eml", REQUEST);
    t.ok(&["ticket", "update", "1", "--status", "resolved"]);
    let ids: Vec<String> = outbox(&t).iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(outbox(&t).iter().map(|m| m["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["ack", "resolution"]);
    t.ok(&["mail", "send"]);
    let sent = sent_by_script(&t);
    assert_eq!(sent.len(), 2);
    let by_id = |id: &str| sent.iter().find(|m| m.contains(&format!("Message-ID: <{id}>"))).unwrap().clone();
    assert_eq!(
        dateless(&by_id(&ids[0])),
        format!(
            "From: \"IT Desk\" <desk@example.org>\nSubject: [#1] Printer on fire\nMessage-ID: <{}>\nDate: DATE\n\
             To: jane@example.com\nCc: boss@example.com\nIn-Reply-To: <req-1@mail.example.com>\n\
             References: <req-1@mail.example.com>\nContent-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: 7bit\nAuto-Submitted: auto-generated\n\n\
             Hello Jane Doe,\n\nwe have your request #1 (Printer on fire).",
            ids[0]
        )
    );
    assert_eq!(
        dateless(&by_id(&ids[1])),
        format!(
            "From: \"IT Desk\" <desk@example.org>\nSubject: [#1] Printer on fire\nMessage-ID: <{}>\nDate: DATE\n\
             To: \"Jane Doe\" <jane@example.com>\nCc: boss@example.com\nIn-Reply-To: <req-1@mail.example.com>\n\
             References: <req-1@mail.example.com>\n <{}>\nContent-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: 7bit\nAuto-Submitted: auto-generated\n\n\
             Hello Jane Doe,\n\ndana set #1 to resolved.\nRate us 1-5.",
            ids[1], ids[0]
        )
    );

    // An unknown placeholder is a config error naming file, line and key.
    std::fs::write(t.path("config.toml"), "[mail]\nfrom = \"d@x.org\"\n\n[mail.ack]\ntext = \"#{numbr}\"\n").unwrap();
    let (_, err) = t.fails(&["mail", "outbox"], 1);
    assert!(err.contains("config.toml:5") && err.contains("mail.ack.text") && err.contains("{numbr}"), "{err}");
}

#[test]
fn round_trip_answer_rating_and_dsn_through_a_real_smtp_server() {
    let smtp = Smtp::start();
    let extra = "[mail.resolution]\nenabled = true\ntext = \"Resolved: {title}. Rate us 1-5.\"\n";
    let t = Tix::with_config(&smtp_config(smtp.port, extra));
    ingest(&t, "req.eml", REQUEST);
    t.ok(&["ticket", "reply", "1", "--body", "Is it still burning?"]);
    t.ok(&["mail", "send"]);
    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    let mut to = got[0].0.clone();
    to.sort();
    assert_eq!(to, ["boss@example.com", "jane@example.com"]);
    let reply_id = outbox(&t)[0]["id"].as_str().unwrap().to_string();
    assert!(got[0].1.contains(&format!("Message-ID: <{reply_id}>")));

    // The requester answers (no tag in the subject): threaded by In-Reply-To.
    let answer = format!(
        "From: Jane Doe <jane@example.com>\r\nTo: desk@example.org\r\nSubject: Re: your printer\r\n\
         Message-ID: <ans-1@mail.example.com>\r\nIn-Reply-To: <{reply_id}>\r\n\r\nYes, still.\r\n"
    );
    let r = ingest(&t, "ans.eml", &answer);
    assert_eq!((r["updated"].as_u64(), r["created"].as_u64()), (Some(1), Some(0)), "{r}");
    let show = t.ok(&["ticket", "show", "1"]);
    assert!(show.contains("REQUESTER · Jane Doe") && show.contains("Yes, still."), "{show}");

    // Resolved: the notice goes out; a "4 - ..." answer is a rating and does not reopen.
    t.ok(&["ticket", "update", "1", "--status", "resolved"]);
    t.ok(&["mail", "send"]);
    let notice_id = outbox(&t)[1]["id"].as_str().unwrap().to_string();
    assert_eq!(smtp.messages().len(), 2);
    let rating = format!(
        "From: jane@example.com\r\nSubject: Re: [#1] Printer on fire\r\nMessage-ID: <ans-2@mail.example.com>\r\n\
         In-Reply-To: <{notice_id}>\r\n\r\n4 - quick, thanks\r\n\r\n> Resolved: Printer on fire.\r\n"
    );
    ingest(&t, "rating.eml", &rating);
    let tk = t.json(&["ticket", "show", "1"]);
    assert_eq!(tk["status"], "resolved", "{tk}");
    let report = t.json(&["report"]);
    assert_eq!(report["satisfaction"]["answers"], 1, "{report}");
    assert_eq!(report["satisfaction"]["average"], 4.0);
    assert_eq!(report["satisfaction"]["asked"], 1);
    let row = serde_json::json!([{ "key": "(unassigned)", "average": 4.0, "answers": 1 }]);
    assert_eq!(report["satisfaction"]["by_agent"], row);
    assert_eq!(
        report["satisfaction"]["by_group"],
        serde_json::json!([{ "key": "(no group)", "average": 4.0, "answers": 1 }])
    );

    // Any other answer to the notice reopens as before.
    let other = format!(
        "From: jane@example.com\r\nSubject: Re: [#1]\r\nMessage-ID: <ans-3@mail.example.com>\r\n\
         In-Reply-To: <{notice_id}>\r\n\r\nIt is burning again.\r\n"
    );
    ingest(&t, "again.eml", &other);
    assert_eq!(t.json(&["ticket", "show", "1"])["status"], "open");

    // A delivery report naming the reply marks it failed, with the reason.
    let dsn = format!(
        "From: MAILER-DAEMON@mx.example.com\r\nTo: desk@example.org\r\nSubject: Undelivered Mail\r\n\
         Message-ID: <dsn-1@mx.example.com>\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n\
         Final-Recipient: rfc822; jane@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{reply_id}>\r\nSubject: [#1] Printer on fire\r\n\
         --b--\r\n"
    );
    let r = ingest(&t, "dsn.eml", &dsn);
    assert_eq!(r["skipped"]["bounces"], 1, "{r}");
    let m = outbox(&t).into_iter().find(|m| m["id"] == reply_id.as_str()).unwrap();
    assert_eq!(m["state"], "failed");
    assert!(m["detail"].as_str().unwrap().contains("550 5.1.1 user unknown"), "{m}");
    t.verify();

    // The outbox, watchers and rating travel with the history: a rebuild elsewhere has them.
    let history = t.path("history.jsonl");
    std::fs::write(&history, t.ok(&["export", "history"])).unwrap();
    let b = Tix::with_config(&smtp_config(smtp.port, extra));
    b.ok(&["import", "history", history.to_str().unwrap()]);
    assert_eq!(outbox(&b), outbox(&t));
    assert_eq!(b.json(&["report"])["satisfaction"], t.json(&["report"])["satisfaction"]);
    assert_eq!(
        b.json(&["ticket", "watch", "1", "--add", "boss@example.com"])["watchers"],
        serde_json::json!(["boss@example.com"])
    );
    b.verify();
    // Only the replica that queued a message sends it: the rebuilt store sends nothing.
    b.ok(&["ticket", "update", "1", "--status", "pending"]);
    let before = smtp.messages().len();
    b.ok(&["mail", "send"]);
    assert_eq!(smtp.messages().len(), before);
}

#[test]
fn server_down_4xx_5xx_timeouts_and_a_failing_sendmail_keep_mail_and_say_why() {
    // Server down: nothing listens on the port.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let t = Tix::with_config(&smtp_config(port, ""));
    ingest(&t, "req.eml", REQUEST);
    t.ok(&["ticket", "reply", "1", "--body", "Hello."]);
    let (out, _) = t.fails(&["mail", "send"], 1);
    assert!(out.contains("0 sent, 1 retrying"), "{out}");
    let m = &outbox(&t)[0];
    assert_eq!(m["state"], "retrying");
    assert!(!m["detail"].as_str().unwrap().is_empty());
    assert!(m["next_at"].as_i64().unwrap() > m["queued_at"].as_i64().unwrap());
    // Not due yet: a second run has nothing to do.
    t.ok(&["mail", "send"]);
    // Everything else works meanwhile.
    t.ok(&["ticket", "note", "1", "--body", "mail server is down"]);

    // 4xx, then success.
    let smtp = Smtp::start();
    std::fs::write(t.path("config.toml"), smtp_config(smtp.port, "")).unwrap();
    smtp.answer(451, "Try again later");
    let id = m["id"].as_str().unwrap().to_string();
    t.ok(&["mail", "retry", &id]);
    let (out, _) = t.fails(&["mail", "send"], 1);
    assert!(out.contains("451"), "{out}");
    assert_eq!(outbox(&t)[0]["state"], "retrying");
    t.ok(&["mail", "retry", &id]);
    t.ok(&["mail", "send"]);
    assert_eq!(outbox(&t)[0]["state"], "sent");
    assert_eq!(smtp.messages().len(), 1);
    t.fails(&["mail", "retry", &id], 2);

    // 5xx: failed, with the server's answer.
    smtp.answer(554, "Rejected as spam");
    t.ok(&["ticket", "reply", "1", "--body", "Second."]);
    t.fails(&["mail", "send"], 1);
    let m = &outbox(&t)[1];
    assert_eq!(m["state"], "failed");
    assert!(m["detail"].as_str().unwrap().contains("Rejected as spam"), "{m}");

    // A server that accepts the connection and never answers: a timeout, retried.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming() {
            held.push(s);
        }
    });
    std::fs::write(t.path("config.toml"), smtp_config(silent_port, "").replace("timeout_secs = 2", "timeout_secs = 1"))
        .unwrap();
    t.ok(&["ticket", "reply", "1", "--body", "Third."]);
    t.fails(&["mail", "send"], 1);
    assert_eq!(outbox(&t)[2]["state"], "retrying");

    // A sendmail command that exits non-zero fails the message with its stderr.
    let script = t.path("bad-sendmail.sh");
    std::fs::write(&script, "#!/bin/sh\ncat >/dev/null\necho 'sendmail: user unknown' >&2\nexit 67\n").unwrap();
    set_exec(&script);
    std::fs::write(
        t.path("config.toml"),
        format!("[mail]\nfrom = \"IT Desk <desk@example.org>\"\ncommand = \"{}\"\n", script.display()),
    )
    .unwrap();
    t.ok(&["ticket", "reply", "1", "--body", "Fourth."]);
    t.fails(&["mail", "send"], 1);
    let m = &outbox(&t)[3];
    assert_eq!(m["state"], "failed");
    assert!(m["detail"].as_str().unwrap().contains("sendmail: user unknown"), "{m}");
    // An invalid requester address never blocks the reply: the outbox says why.
    let odd = "From: \"john doe\"@example.com\r\nSubject: Odd address\r\nMessage-ID: <odd@x>\r\n\r\nHi\r\n";
    ingest(&t, "odd.eml", odd);
    t.ok(&["ticket", "reply", "2", "--body", "Fifth."]);
    t.fails(&["mail", "send"], 1);
    let m = &outbox(&t)[4];
    assert_eq!(m["state"], "failed");
    assert!(m["detail"].as_str().unwrap().contains("invalid recipient address"), "{m}");
    t.verify();
}

#[test]
fn a_reply_quoting_an_internal_note_or_article_is_refused_without_force() {
    let t = Tix::new();
    std::fs::write(t.path("config.toml"), sendmail_config(t.dir.path(), "")).unwrap();
    ingest(&t, "req.eml", REQUEST);
    t.ok(&["ticket", "note", "1", "--body", "Admin password for the printer web page is hunter2, do not share."]);
    let body = "Hello Jane,\nadmin password for the printer web page is hunter2, do not share.";
    let (_, err) = t.fails(&["ticket", "reply", "1", "--body", body], 1);
    assert!(err.contains("internal note by dana"), "{err}");
    assert!(outbox(&t).is_empty());
    t.ok(&["ticket", "reply", "1", "--body", body, "--force"]);
    assert_eq!(outbox(&t).len(), 1);
}

#[test]
fn kill_9_during_send_delivers_every_message_once_or_twice_and_records_it_sent() {
    let smtp = Smtp::start();
    let t = Tix::with_config(&smtp_config(smtp.port, ""));
    ingest(&t, "req.eml", REQUEST);
    const N: usize = 80;
    for i in 0..N {
        t.ok(&["ticket", "reply", "1", "--body", &format!("Reply number {i}.")]);
    }
    let ids: Vec<String> = outbox(&t).iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), N);
    // A small deterministic generator for the kill delays.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut kills = 0;
    let mut mid_send = false;
    while kills < 110 {
        let mut child = t.cmd(&["mail", "send"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(next() % 40_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        // Whether a kill landed while mail was going out (some sent, not all).
        let delivered = ids
            .iter()
            .filter(|id| smtp.messages().iter().any(|(_, m)| m.contains(&format!("Message-ID: <{id}>"))))
            .count();
        mid_send |= delivered > 0 && delivered < N;
    }
    assert!(mid_send, "no kill landed while mail was going out");
    for _ in 0..5 {
        if t.run(&["mail", "send"]).status.success() {
            break;
        }
    }
    // Attempts per message, from the op log: each `sending` record is one hand-over.
    let history = t.ok(&["export", "history"]);
    let attempts = |id: &str| {
        history
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| {
                v["kind"] == "mail.state" && v["payload"]["message_id"] == id && v["payload"]["state"] == "sending"
            })
            .count()
    };
    let got = smtp.messages();
    let (mut interrupted, mut twice) = (0, 0);
    for id in &ids {
        let copies = got.iter().filter(|(_, m)| m.contains(&format!("Message-ID: <{id}>"))).count();
        let tries = attempts(id);
        // Never lost; at most one copy per attempt. What the server accepted is noted
        // before the op that records it, so only a kill in the moment between the
        // server's acceptance and that note sends a message again; a message handed over
        // at most twice has at most two copies. (Three copies need two such kills on
        // one message: not ruled out, so not asserted.)
        assert!(copies >= 1 && copies <= tries, "{id}: {copies} copies, {tries} attempts");
        if tries >= 2 {
            interrupted += 1;
        }
        twice += usize::from(copies == 2);
    }
    eprintln!("{interrupted} of {N} messages were handed over more than once, {twice} delivered twice");
    assert!(outbox(&t).iter().all(|m| m["state"] == "sent"));
    t.verify();
}
