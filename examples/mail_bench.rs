//! Outbound mail benchmark, through the desk core and a real SMTP server on 127.0.0.1
//! (mailin-embedded, started here):
//!
//! ```sh
//! cargo run --release --example mail_bench -- [--replies 1000]
//! ```
//!
//! 1. the cost of queueing: `--replies` public replies committed with `[mail]` off, then
//!    as many with it on (each reply and its outbox entry in one commit); the difference
//!    per reply is what queueing adds;
//! 2. `tix mail send`'s loop (`app::mail::send_due`) over the queued replies to the local
//!    server, one pooled SMTP connection reused, each result recorded as an op.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use mailin_embedded::{Server, response};
use tix::app::{Actor, Desk};
use tix::config::Config;
use tix::domain::ids::PersonId;
use tix::domain::op::Change;
use tix::domain::person::PersonRecord;
use tix::domain::plan::NewTicket;
use tix::domain::ticket::EntryKind;
use tix::store::{OpenMode, Store};

#[derive(Clone)]
struct Accept;
impl mailin_embedded::Handler for Accept {
    fn data_end(&mut self) -> mailin_embedded::Response {
        response::OK
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let n: usize = arg("--replies").map(|v| v.parse().unwrap()).unwrap_or(1_000);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(Accept);
    server.with_name("bench.local").with_num_threads(2).with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("mail.db"), OpenMode::Create).unwrap();
    let jane = PersonId::new_random();
    store
        .commit(
            "bench",
            vec![Change::new_person(jane, PersonRecord::requester("Jane Doe", Some("jane@example.com".to_string())))],
        )
        .unwrap();
    let off = Arc::new(Config::default());
    let on = Arc::new(
        Config::parse(
            &format!(
                "[mail]\nfrom = \"IT Desk <desk@example.org>\"\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\n\
                 port = {port}\ntls = \"none\"\n"
            ),
            "bench",
        )
        .unwrap(),
    );

    let mut per_reply = Vec::new();
    for (label, rules) in [("mail off", off), ("mail on", on.clone())] {
        let mut desk = Desk::new(store, rules, Actor::named("bench"));
        let mut t = NewTicket::titled(format!("Printer jam ({label})"));
        t.requester = Some(jane);
        let (id, _) = desk.create_ticket(t, vec![]).unwrap();
        let start = Instant::now();
        for i in 0..n {
            let seen = desk.store.ticket(id).unwrap();
            desk.add_entry(&seen, EntryKind::Reply, format!("Reply {i}: try turning it off and on."), None).unwrap();
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / n as f64;
        println!("{label}: {n} public replies, {ms:.3} ms per reply commit (ticket read + commit)");
        per_reply.push(ms);
        store = desk.store;
    }
    println!("queueing adds {:.3} ms per reply", per_reply[1] - per_reply[0]);

    let transport = tix::mailer::Transport::from_config(&on.mail).unwrap();
    let start = Instant::now();
    let report = tix::app::mail::send_due(&mut store, &on, "bench", &transport, || false).unwrap();
    let s = start.elapsed().as_secs_f64();
    assert_eq!(report.sent as usize, n, "{report:?}");
    println!("send: {} messages to the local SMTP server in {s:.2} s ({:.0}/s)", report.sent, report.sent as f64 / s);
}
