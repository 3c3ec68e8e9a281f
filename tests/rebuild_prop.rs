//! Property: after any sequence of operations (valid or refused), the materialized
//! state equals a rebuild from the op log alone.

use proptest::prelude::*;
use tix::domain::asset::{AssetField, AssetRecord};
use tix::domain::ids::{ArticleId, AssetId, PersonId, TicketId};
use tix::domain::kb::{ArticleField, ArticleRecord};
use tix::domain::op::{Change, EntryRecord, LinkTarget};
use tix::domain::person::PersonRecord;
use tix::domain::plan::{self, NewTicket, TicketEdit};
use tix::domain::ticket::{EntryKind, Level, Priority, PriorityMatrix, Status, TicketField, TicketRel};
use tix::store::{OpenMode, Store};

#[derive(Debug, Clone)]
enum Action {
    NewPerson(String),
    NewTicket(String, u8, u8),
    Status(usize, Status, bool),
    Assign(usize, usize),
    Title(usize, String),
    Priority(usize, Option<u8>),
    Urgency(usize, u8),
    Entry(usize, bool, String),
    NewAsset(String),
    LinkAsset(usize, usize, bool),
    LinkTickets(usize, usize),
    NewArticle(String),
    EditArticle(usize, String),
    Delete(usize),
    AssetHolder(usize, usize),
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{1,20}",
        Just("Printer \u{1b}[31m jam".to_string()),
        Just("日本語のチケット".to_string()),
        Just("".to_string()),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let status = prop::sample::select(Status::ALL.to_vec());
    prop_oneof![
        text().prop_map(Action::NewPerson),
        (text(), 1u8..=3, 1u8..=3).prop_map(|(t, u, i)| Action::NewTicket(t, u, i)),
        (0usize..8, status, any::<bool>()).prop_map(|(t, s, r)| Action::Status(t, s, r)),
        (0usize..8, 0usize..5).prop_map(|(t, p)| Action::Assign(t, p)),
        (0usize..8, text()).prop_map(|(t, s)| Action::Title(t, s)),
        (0usize..8, prop::option::of(1u8..=4)).prop_map(|(t, p)| Action::Priority(t, p)),
        (0usize..8, 1u8..=3).prop_map(|(t, u)| Action::Urgency(t, u)),
        (0usize..8, any::<bool>(), text()).prop_map(|(t, r, b)| Action::Entry(t, r, b)),
        "[A-Z]{2}-[0-9]{3}".prop_map(Action::NewAsset),
        (0usize..8, 0usize..5, any::<bool>()).prop_map(|(t, a, rm)| Action::LinkAsset(t, a, rm)),
        (0usize..8, 0usize..8).prop_map(|(a, b)| Action::LinkTickets(a, b)),
        text().prop_map(Action::NewArticle),
        (0usize..4, text()).prop_map(|(a, b)| Action::EditArticle(a, b)),
        (0usize..8).prop_map(Action::Delete),
        (0usize..5, 0usize..5).prop_map(|(a, p)| Action::AssetHolder(a, p)),
    ]
}

fn pick<T: Copy>(v: &[T], i: usize) -> Option<T> {
    (!v.is_empty()).then(|| v[i % v.len()])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn the_state_is_a_fold_of_the_op_log(actions in prop::collection::vec(action(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("p.db"), OpenMode::Create).unwrap();
        let m = PriorityMatrix::default();
        let (mut people, mut tickets, mut assets, mut articles) = (vec![], vec![], vec![], vec![]);
        for a in actions {
            let ops_before = s.op_count().unwrap();
            let changes: Vec<Change> = match a {
                Action::NewPerson(n) => {
                    let id = PersonId::new_random();
                    people.push(id);
                    vec![Change::new_person(id, PersonRecord::agent(n.clone(), n))]
                }
                Action::NewTicket(t, u, i) => {
                    let id = TicketId::new_random();
                    tickets.push(id);
                    let mut nt = NewTicket::titled(t);
                    nt.urgency = Level::try_from(u).unwrap();
                    nt.impact = Level::try_from(i).unwrap();
                    vec![plan::new_ticket(id, nt, &m)]
                }
                Action::Status(t, st, reopen) => match pick(&tickets, t).and_then(|t| s.ticket(t).ok()) {
                    Some(seen) => plan::edit(&seen, TicketEdit { status: Some(st), reopen, ..Default::default() }, &m),
                    None => continue,
                },
                Action::Assign(t, p) => match (pick(&tickets, t).and_then(|t| s.ticket(t).ok()), pick(&people, p)) {
                    (Some(seen), who) => plan::edit(&seen, TicketEdit { assignee: Some(who), ..Default::default() }, &m),
                    _ => continue,
                },
                Action::Title(t, title) => match pick(&tickets, t) {
                    Some(t) => vec![Change::set_ticket(t, TicketField::Title, Some(title))],
                    None => continue,
                },
                Action::Priority(t, p) => match pick(&tickets, t).and_then(|t| s.ticket(t).ok()) {
                    Some(seen) => plan::edit(&seen, TicketEdit { priority: Some(p.map(|p| Priority::try_from(p).unwrap())), ..Default::default() }, &m),
                    None => continue,
                },
                Action::Urgency(t, u) => match pick(&tickets, t).and_then(|t| s.ticket(t).ok()) {
                    Some(seen) => plan::edit(&seen, TicketEdit { urgency: Some(Level::try_from(u).unwrap()), ..Default::default() }, &m),
                    None => continue,
                },
                Action::Entry(t, reply, body) => match pick(&tickets, t) {
                    Some(t) => vec![Change::entry(t, EntryRecord { kind: if reply { EntryKind::Reply } else { EntryKind::Note }, body, author: None, minutes: None, origin: None })],
                    None => continue,
                },
                Action::NewAsset(tag) => {
                    let id = AssetId::new_random();
                    assets.push(id);
                    vec![Change::new_asset(id, AssetRecord::new(tag))]
                }
                Action::LinkAsset(t, a, rm) => match (pick(&tickets, t), pick(&assets, a)) {
                    (Some(t), Some(a)) => vec![Change::link(t, LinkTarget::Asset { id: a }, rm)],
                    _ => continue,
                },
                Action::LinkTickets(a, b) => match (pick(&tickets, a), pick(&tickets, b)) {
                    (Some(a), Some(b)) => vec![Change::link(a, LinkTarget::Ticket { id: b, rel: TicketRel::Related }, false)],
                    _ => continue,
                },
                Action::NewArticle(t) => {
                    let id = ArticleId::new_random();
                    articles.push(id);
                    vec![Change::new_article(id, ArticleRecord { title: t.clone(), body: t, tags: vec![], category: None, internal: false, source: None })]
                }
                Action::EditArticle(a, b) => match pick(&articles, a) {
                    Some(a) => vec![Change::set_article(a, ArticleField::Body, Some(b))],
                    None => continue,
                },
                Action::Delete(t) => match pick(&tickets, t) {
                    Some(t) => vec![Change::set_ticket(t, TicketField::Deleted, Some("true".into()))],
                    None => continue,
                },
                Action::AssetHolder(a, p) => match (pick(&assets, a), pick(&people, p)) {
                    (Some(a), Some(p)) => vec![Change::set_asset(a, AssetField::Holder, Some(p.to_string()))],
                    _ => continue,
                },
            };
            let n = changes.len() as u64;
            match s.commit("prop", changes) {
                Ok(ops) => prop_assert!(ops.len() as u64 <= n),
                // A refused batch leaves no trace.
                Err(_) => prop_assert_eq!(s.op_count().unwrap(), ops_before),
            }
        }
        let scratch = tempfile::tempdir().unwrap();
        let report = s.verify(scratch.path()).unwrap();
        prop_assert!(report.ok(), "{:?}", report);
        // The search indexes stay readable and in step after any history of edits.
        for a in &articles {
            // Refused creations (empty titles) never existed.
            let Ok(art) = s.article(*a) else { continue };
            if let Some(word) = art.record.body.split_whitespace().next().filter(|w| w.chars().all(char::is_alphanumeric)) {
                let hits = s.kb_search(word, 50).unwrap();
                prop_assert!(hits.iter().any(|h| h.id == *a), "article not found by '{}'", word);
            }
        }
    }
}
