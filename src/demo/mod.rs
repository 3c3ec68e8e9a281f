//! `tix demo`: a realistic, deterministic demo store built through the normal write path.
//!
//! People with departments and sites, agents in groups, assets with hostnames, serials
//! and warranty dates, the KB articles in `assets/demo/kb`, and tickets over the last
//! 90 days that move through their life (taken, answered, waiting, resolved, closed)
//! with replies, internal notes and linked assets and articles. The same seed and "now"
//! give the same store. Tickets are simulated in time order, one event per ticket in a
//! heap, so memory stays small for a million tickets.

pub mod corpus;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::sync::Arc;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::domain::asset::AssetRecord;
use crate::domain::clock::ManualClock;
use crate::domain::ids::{ArticleId, AssetId, PersonId, TicketId};
use crate::domain::kb::{ArticleRecord, markdown_title};
use crate::domain::op::{Change, EntryRecord, LinkTarget, TicketRecord};
use crate::domain::person::PersonRecord;
use crate::domain::ticket::{Channel, EntryKind, Level, PriorityMatrix, Status, TicketField, TicketType};
use crate::domain::time::{DAY, HOUR, MINUTE};
use crate::store::{OpenMode, Store, StoreError};
use corpus::{AGENTS, ASSET_MODELS, DEPARTMENTS, FIRST_NAMES, KB_ARTICLES, LAST_NAMES, SCENARIOS, SITES};

/// How big, which seed, and when "now" is.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub tickets: u64,
    pub seed: u64,
    pub now_ms: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub tickets: u64,
    pub open: u64,
    pub people: u64,
    pub agents: u64,
    pub assets: u64,
    pub articles: u64,
    pub ops: u64,
}

const SPAN: i64 = 90 * DAY;
const BATCH: usize = 20_000;
/// Personal devices go to people; the rest belong to sites.
const PERSONAL: &[&str] = &["laptop", "desktop", "monitor", "docking station", "mobile phone", "desk phone"];

struct Person {
    id: PersonId,
    first: &'static str,
    site: usize,
    /// (category, id, tag, hostname)
    assets: Vec<(&'static str, AssetId, String, String)>,
}

struct World {
    people: Vec<Person>,
    agents: Vec<(PersonId, &'static str, &'static str, &'static str)>, // id, full name, login, group
    shared: Vec<Vec<(&'static str, AssetId)>>,                         // per site: (category, id)
    articles: Vec<(&'static str, ArticleId)>,
}

fn rng_for(seed: u64, stream: u64, step: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    r.set_stream(step);
    r
}

fn id_bytes(r: &mut ChaCha8Rng) -> [u8; 16] {
    let mut b = [0u8; 16];
    r.fill(&mut b);
    b
}

fn id_tail(r: &mut ChaCha8Rng) -> [u8; 10] {
    let mut b = [0u8; 10];
    r.fill(&mut b);
    b
}

fn pick<'a, T>(r: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[r.random_range(0..xs.len())]
}

fn pick_str(r: &mut ChaCha8Rng, xs: &[&'static str]) -> &'static str {
    xs[r.random_range(0..xs.len())]
}

fn pick_weighted(r: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = r.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Build the demo store at `path` (which must not exist). `progress(done, total)` is
/// called now and then while tickets are written.
pub fn build(path: &Path, opts: &DemoOptions, mut progress: impl FnMut(u64, u64)) -> Result<DemoSummary, StoreError> {
    let clock = ManualClock::new(opts.now_ms - SPAN - DAY);
    let mut store = Store::open_with_clock(path, OpenMode::Create, Arc::new(clock.clone()))?;
    store.set_demo_mark(opts.seed)?;
    store.bulk_load_mode()?;
    let world = seed_world(&mut store, opts)?;
    simulate(&mut store, &world, opts, &mut progress)?;
    store.end_bulk_load()?;
    clock.set(opts.now_ms);
    let open = store.status_counts()?.iter().filter(|(s, _)| s.is_open()).map(|(_, n)| n).sum();
    Ok(DemoSummary {
        tickets: store.ticket_count()?,
        open,
        people: store.person_count()?,
        agents: world.agents.len() as u64,
        assets: store.asset_count()?,
        articles: store.article_count()?,
        ops: store.op_count()?,
    })
}

fn seed_world(store: &mut Store, opts: &DemoOptions) -> Result<World, StoreError> {
    let start = opts.now_ms - SPAN - DAY;
    let mut r = rng_for(opts.seed, 0, 0);
    let mut changes = Vec::new();
    let mut agents = Vec::new();
    for (i, (name, login, group)) in AGENTS.iter().enumerate() {
        let id = PersonId::from_bytes(id_bytes(&mut r));
        let mut rec = PersonRecord::agent(*name, *login);
        // Every role on show: the first agent (the console's, unless `[agent] name` picks
        // another) is the admin, the second a lead.
        rec.role = match i {
            0 => crate::domain::person::Role::Admin,
            1 => crate::domain::person::Role::Lead,
            _ => crate::domain::person::Role::Agent,
        };
        rec.email = Some(format!("{login}@it.example.com"));
        rec.groups = vec![group.to_string()];
        rec.department = Some("IT".into());
        changes.push(Change::new_person(id, rec).happened_at(start));
        agents.push((id, *name, *login, *group));
    }
    // Requesters: enough that the desk sees repeat callers but not only them.
    let n_people = (opts.tickets / 20).clamp(200, 50_000) as usize;
    let mut people = Vec::with_capacity(n_people);
    let mut seen_emails = std::collections::HashSet::new();
    let personal_models: Vec<usize> =
        (0..ASSET_MODELS.len()).filter(|&i| PERSONAL.contains(&ASSET_MODELS[i].category)).collect();
    let mut asset_seq = 0u32;
    let mut new_asset =
        |r: &mut ChaCha8Rng, model: usize, site: usize, holder: Option<PersonId>, changes: &mut Vec<Change>| {
            let m = &ASSET_MODELS[model];
            asset_seq += 1;
            let tag = format!("{}-{}-{:05}", SITES[site].0, m.host_prefix, asset_seq);
            let host = tag.to_lowercase();
            let id = AssetId::from_bytes(id_bytes(r));
            let bought = start - r.random_range(30..5 * 365) * DAY;
            let mut rec = AssetRecord::new(tag.clone());
            rec.hostname = Some(host.clone());
            rec.serial = Some(format!("{}{:08X}", &m.manufacturer[..2].to_uppercase(), r.random::<u32>()));
            rec.model = Some(m.model.to_string());
            rec.manufacturer = Some(m.manufacturer.to_string());
            rec.category = Some(m.category.to_string());
            rec.holder = holder;
            rec.location = Some(SITES[site].1.to_string());
            rec.purchase_date = Some(crate::domain::time::iso_date(bought));
            rec.warranty_end = Some(crate::domain::time::iso_date(bought + 3 * 365 * DAY));
            if matches!(m.category, "switch" | "access point" | "server") {
                rec.ip = Some(format!("10.{}.{}.{}", site + 10, r.random_range(0..255), r.random_range(2..254)));
            }
            changes.push(Change::new_asset(id, rec).happened_at(start));
            (id, tag, host)
        };
    for i in 0..n_people {
        let first = FIRST_NAMES[(i * 7 + r.random_range(0..FIRST_NAMES.len())) % FIRST_NAMES.len()];
        let last = *pick(&mut r, LAST_NAMES);
        let site = pick_weighted(&mut r, &[40, 20, 12, 10, 10, 8]).min(SITES.len() - 1);
        let id = PersonId::from_bytes(id_bytes(&mut r));
        let mut local = format!("{}.{}", ascii_fold(first), ascii_fold(last));
        if !seen_emails.insert(local.clone()) {
            local = format!("{local}{i}");
            seen_emails.insert(local.clone());
        }
        let mut rec = PersonRecord::requester(format!("{first} {last}"), Some(format!("{local}@example.com")));
        rec.department = Some(pick(&mut r, DEPARTMENTS).to_string());
        rec.site = Some(SITES[site].1.to_string());
        rec.phone = Some(format!("+49 30 5550 {:04}", r.random_range(0..10_000)));
        rec.vip = r.random_bool(0.03);
        changes.push(Change::new_person(id, rec).happened_at(start));
        let mut assets = Vec::new();
        for cat in PERSONAL {
            let p = match *cat {
                "laptop" => 0.85,
                "desktop" => 0.2,
                "monitor" => 0.5,
                "docking station" => 0.4,
                "mobile phone" => 0.3,
                _ => 0.4,
            };
            if r.random_bool(p) {
                let models: Vec<usize> =
                    personal_models.iter().copied().filter(|&m| ASSET_MODELS[m].category == *cat).collect();
                let weights: Vec<u32> = models.iter().map(|&m| ASSET_MODELS[m].weight).collect();
                let model = models[pick_weighted(&mut r, &weights)];
                let (aid, tag, host) = new_asset(&mut r, model, site, Some(id), &mut changes);
                assets.push((*cat, aid, tag, host));
            }
        }
        people.push(Person { id, first, site, assets });
        if changes.len() >= BATCH {
            store.commit("demo", std::mem::take(&mut changes))?;
        }
    }
    let mut shared = vec![Vec::new(); SITES.len()];
    for (site, list) in shared.iter_mut().enumerate() {
        for (model, m) in ASSET_MODELS.iter().enumerate() {
            if PERSONAL.contains(&m.category) {
                continue;
            }
            for _ in 0..(m.weight + 1) {
                let (aid, _, _) = new_asset(&mut r, model, site, None, &mut changes);
                list.push((m.category, aid));
            }
        }
    }
    let mut articles = Vec::new();
    for (slug, body) in KB_ARTICLES {
        let id = ArticleId::from_bytes(id_bytes(&mut r));
        let title = markdown_title(body).unwrap_or_else(|| slug.to_string());
        let rec = ArticleRecord {
            title,
            body: body.to_string(),
            tags: vec![],
            category: None,
            internal: false,
            source: Some(format!("demo/{slug}.md")),
        };
        changes.push(Change::new_article(id, rec).happened_at(start));
        articles.push((*slug, id));
    }
    store.commit("demo", changes)?;
    Ok(World { people, agents, shared, articles })
}

fn ascii_fold(s: &str) -> String {
    let out: String = s
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | 'A'..='Z' => Some(c.to_ascii_lowercase()),
            'é' | 'è' | 'ë' | 'ê' => Some('e'),
            'á' | 'à' | 'ä' | 'å' | 'ã' => Some('a'),
            'ö' | 'ó' | 'ø' | 'ô' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'ñ' | 'ń' => Some('n'),
            'ł' => Some('l'),
            'ç' | 'ć' => Some('c'),
            'ş' | 'ś' => Some('s'),
            'í' | 'ï' => Some('i'),
            _ => None,
        })
        .collect();
    if out.is_empty() { "user".into() } else { out }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Create,
    Take,
    FirstReply,
    Wait,
    RequesterReply,
    Resolve,
    Close,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    at: i64,
    idx: u64,
    created: i64,
    step: Step,
    resolve_at: i64,
    waits: bool,
}

/// Hour-of-week weights: desks are busy on weekday office hours.
fn hour_weight(ms: i64) -> u32 {
    let hours = ms / HOUR;
    let dow = ((hours / 24) + 3) % 7; // 1970-01-01 was a Thursday: 0 = Monday
    let h = hours % 24;
    match (dow, h) {
        (5 | 6, _) => 1,
        (_, 8..=17) => 12,
        (_, 7 | 18 | 19) => 4,
        _ => 1,
    }
}

/// Creation times: `n` increasing times over the 90 days, shaped by office hours.
struct Arrivals {
    cum: Vec<u64>,
    start: i64,
    n: u64,
}

impl Arrivals {
    fn new(start: i64, n: u64) -> Self {
        let mut cum = Vec::with_capacity((SPAN / HOUR) as usize);
        let mut acc = 0u64;
        for h in 0..SPAN / HOUR {
            acc += hour_weight(start + h * HOUR) as u64;
            cum.push(acc);
        }
        Arrivals { cum, start, n }
    }
    fn at(&self, i: u64, jitter: f64) -> i64 {
        let total = *self.cum.last().expect("non-empty") as f64;
        let target = ((i as f64 + jitter) / self.n as f64) * total;
        let b = self.cum.partition_point(|&c| (c as f64) <= target);
        let before = if b == 0 { 0 } else { self.cum[b - 1] } as f64;
        let width = (self.cum[b.min(self.cum.len() - 1)] as f64 - before).max(1.0);
        let frac = ((target - before) / width).clamp(0.0, 0.999);
        self.start + b as i64 * HOUR + (frac * HOUR as f64) as i64
    }
}

fn simulate(
    store: &mut Store,
    w: &World,
    opts: &DemoOptions,
    progress: &mut impl FnMut(u64, u64),
) -> Result<(), StoreError> {
    let start = opts.now_ms - SPAN;
    let arrivals = Arrivals::new(start, opts.tickets.max(1));
    let matrix = PriorityMatrix::default();
    let mut heap: BinaryHeap<Reverse<Event>> = BinaryHeap::new();
    let mut next_create = 0u64;
    let mut batch: Vec<(String, Change)> = Vec::with_capacity(BATCH + 16);
    let mut done = 0u64;
    loop {
        let create_at = (next_create < opts.tickets).then(|| {
            let mut r = rng_for(opts.seed, next_create + 1, 0);
            arrivals.at(next_create, r.random::<f64>())
        });
        let ev = match (create_at, heap.peek()) {
            (Some(t), Some(Reverse(e))) if e.at < t => heap.pop().map(|Reverse(e)| e),
            (Some(t), _) => {
                let idx = next_create;
                next_create += 1;
                Some(Event { at: t, idx, created: t, step: Step::Create, resolve_at: 0, waits: false })
            }
            (None, Some(_)) => heap.pop().map(|Reverse(e)| e),
            (None, None) => None,
        };
        let Some(ev) = ev else { break };
        if let Some(next) = step(ev, w, opts, &matrix, &mut batch).filter(|n| n.at <= opts.now_ms) {
            heap.push(Reverse(next));
        }
        if batch.len() >= BATCH {
            flush(store, &mut batch)?;
            done = next_create;
            progress(done, opts.tickets);
        }
    }
    flush(store, &mut batch)?;
    if done != opts.tickets {
        progress(opts.tickets, opts.tickets);
    }
    Ok(())
}

/// Commit a batch in one transaction; each change keeps its own actor.
fn flush(store: &mut Store, batch: &mut Vec<(String, Change)>) -> Result<(), StoreError> {
    store.commit_as(batch.drain(..))?;
    Ok(())
}

/// The words of one ticket's texts; the application and the floor are the ticket's own,
/// so its title, description, notes and replies are about one problem.
struct Words<'a> {
    first: &'a str,
    host: &'a str,
    tag: &'a str,
    site: &'a str,
    agent: &'a str,
    app: &'a str,
    floor: u32,
}

fn fill(text: &str, w: &Words) -> String {
    text.replace("{first}", w.first)
        .replace("{host}", w.host)
        .replace("{tag}", w.tag)
        .replace("{site}", w.site)
        .replace("{agent}", w.agent)
        .replace("{app}", w.app)
        .replace("{floor}", &w.floor.to_string())
}

/// Process one event of a ticket's life; returns the next one.
fn step(
    ev: Event,
    w: &World,
    opts: &DemoOptions,
    matrix: &PriorityMatrix,
    out: &mut Vec<(String, Change)>,
) -> Option<Event> {
    // Everything about a ticket is derived from its own random stream, so the order
    // in which tickets interleave does not change what happens to each.
    let mut base = rng_for(opts.seed, ev.idx + 1, 1);
    // Time-ordered ids, as live tickets get: the creation time is the ticket's arrival.
    let tid = TicketId::from_time_and_bytes(ev.created, id_tail(&mut base));
    let scenario_weights: Vec<u32> = SCENARIOS.iter().map(|s| s.weight).collect();
    let sc = &SCENARIOS[pick_weighted(&mut base, &scenario_weights)];
    let requester = &w.people[base.random_range(0..w.people.len())];
    let group_agents: Vec<usize> = (0..w.agents.len()).filter(|&i| w.agents[i].3 == sc.group).collect();
    let agent =
        &w.agents[if group_agents.is_empty() { 0 } else { group_agents[base.random_range(0..group_agents.len())] }];
    let desk = &w.agents[base.random_range(0..3.min(w.agents.len()))];
    let asset = sc.asset_category.and_then(|cat| {
        requester.assets.iter().find(|a| a.0 == cat).map(|a| (a.1, a.2.clone(), a.3.clone())).or_else(|| {
            let shared: Vec<_> = w.shared[requester.site].iter().filter(|s| s.0 == cat).collect();
            (!shared.is_empty()).then(|| (shared[base.random_range(0..shared.len())].1, String::new(), String::new()))
        })
    });
    let (host, tag) = asset.as_ref().map(|a| (a.2.as_str(), a.1.as_str())).unwrap_or(("your computer", "your device"));
    let site = SITES[requester.site].1;
    let agent_first = agent.1.split(' ').next().unwrap_or(agent.1);
    let mut r = rng_for(opts.seed, ev.idx + 1, 2 + ev.step as u64);
    let t = ev.at;
    let push =
        |out: &mut Vec<(String, Change)>, actor: &str, c: Change| out.push((actor.to_string(), c.happened_at(t)));
    let set = |f: TicketField, v: &str| Change::set_ticket(tid, f, Some(v.to_string()));
    // Drawn from the ticket's own stream, the same at every step of its life.
    let mut own = rng_for(opts.seed, ev.idx + 1, 0);
    let words = Words {
        first: requester.first,
        host,
        tag,
        site,
        agent: agent_first,
        app: pick_str(&mut own, corpus::APPS),
        floor: own.random_range(1..7),
    };
    let text = |list: &[&'static str], r: &mut ChaCha8Rng| fill(pick_str(r, list), &words);
    let entry =
        |kind, body, author, minutes| Change::entry(tid, EntryRecord { kind, body, author, minutes, origin: None });
    match ev.step {
        Step::Create => {
            let channel = *pick(
                &mut r,
                &[
                    Channel::Email,
                    Channel::Email,
                    Channel::Email,
                    Channel::Phone,
                    Channel::Phone,
                    Channel::Portal,
                    Channel::WalkIn,
                    Channel::Chat,
                    Channel::Monitoring,
                ],
            );
            let urgency = Level::try_from(r.random_range(sc.urgency.0..=sc.urgency.1)).unwrap_or(Level::MEDIUM);
            let impact = Level::try_from(r.random_range(sc.impact.0..=sc.impact.1)).unwrap_or(Level::MEDIUM);
            let mut title = text(sc.titles, &mut r);
            let mut description = text(sc.descriptions, &mut r);
            // Now and then, mail that carries terminal escape sequences: the console must show them inert.
            if ev.idx % 997 == 500 {
                title.push_str(" \u{1b}]0;pwned\u{7}\u{1b}[31m");
                description.push_str("\n\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J(sent from my phone)\u{202e}txt.exe");
            }
            let actor = match channel {
                Channel::Email => "mail",
                Channel::Portal => "portal",
                Channel::Monitoring => "monitoring",
                _ => desk.2,
            };
            let kind: TicketType = sc.kind.parse().unwrap_or(TicketType::Incident);
            // On the phone or at the desk, the agent who logs it often takes it there and then.
            let taken_at_once = matches!(channel, Channel::Phone | Channel::WalkIn) && sc.group == "service-desk";
            let rec = TicketRecord {
                number: None,
                title,
                description,
                requester: Some(requester.id),
                assignee: taken_at_once.then_some(desk.0),
                group: Some(sc.group.to_string()),
                status: if taken_at_once { Status::Open } else { Status::New },
                kind,
                category: Some(sc.category.to_string()),
                tags: if requester_is_vip(&mut r) { vec!["vip".into()] } else { vec![] },
                channel,
                urgency,
                impact,
                priority: matrix.priority(urgency, impact),
                priority_override: false,
                created_at: None,
                origin: None,
            };
            push(out, actor, Change::new_ticket(tid, rec));
            if let Some((aid, _, _)) = &asset {
                push(out, actor, Change::link(tid, LinkTarget::Asset { id: *aid }, false));
            }
            // How long until resolved: most the same day, some in days, a long tail in weeks.
            let dur = match r.random_range(0..100) {
                0..=64 => r.random_range(30 * MINUTE..30 * HOUR),
                65..=89 => r.random_range(2 * DAY..14 * DAY),
                _ => r.random_range(14 * DAY..150 * DAY),
            };
            let resolve_at = t + dur;
            // Long-running tickets are mostly long because they wait on someone.
            let waits = r.random_bool(if dur > 2 * DAY { 0.6 } else { 0.25 });
            if taken_at_once {
                let at = t + r.random_range(2 * MINUTE..20 * MINUTE);
                return Some(Event {
                    at: at.min(resolve_at - MINUTE).max(t + MINUTE),
                    step: Step::FirstReply,
                    resolve_at,
                    waits,
                    ..ev
                });
            }
            // Most are picked up within hours; some sit unassigned in the queue for days.
            let delay = if dur > 2 * DAY && r.random_bool(0.25) {
                r.random_range(DAY..(dur / 2).max(DAY + 1))
            } else {
                r.random_range(3 * MINUTE..(dur / 3).clamp(4 * MINUTE, 6 * HOUR))
            };
            let take = t + delay;
            Some(Event { at: take, step: Step::Take, resolve_at, waits, ..ev })
        }
        Step::Take => {
            push(out, agent.2, set(TicketField::Assignee, &agent.0.to_string()));
            push(out, agent.2, set(TicketField::Status, "open"));
            let next = t + r.random_range(2 * MINUTE..50 * MINUTE);
            Some(Event { at: next.min(ev.resolve_at - MINUTE).max(t + MINUTE), step: Step::FirstReply, ..ev })
        }
        Step::FirstReply => {
            let body = text(sc.replies, &mut r);
            push(out, agent.2, entry(EntryKind::Reply, body, None, Some(r.random_range(1..4) * 5)));
            if r.random_bool(0.6) {
                let note = text(sc.notes, &mut r);
                push(out, agent.2, entry(EntryKind::Note, note, None, Some(r.random_range(1..7) * 5)));
            }
            let next = if ev.waits { Step::Wait } else { Step::Resolve };
            let at = if next == Step::Wait { t + r.random_range(10 * MINUTE..3 * HOUR) } else { ev.resolve_at };
            Some(Event { at: at.max(t + MINUTE), step: next, ..ev })
        }
        Step::Wait => {
            let hold = matches!(sc.kind, "change" | "problem") || r.random_bool(0.15);
            push(out, agent.2, set(TicketField::Status, if hold { "on-hold" } else { "pending" }));
            // The wait takes up much of what is left of the ticket's life.
            let left = (ev.resolve_at - t).max(2 * HOUR);
            let at = t + r.random_range(HOUR..(left * 7 / 10).max(3 * DAY));
            Some(Event { at, step: Step::RequesterReply, ..ev })
        }
        Step::RequesterReply => {
            let body = text(sc.requester_replies, &mut r);
            push(out, "mail", entry(EntryKind::Reply, body, Some(requester.id), None));
            push(out, "mail", set(TicketField::Status, "open"));
            Some(Event { at: ev.resolve_at.max(t + MINUTE), step: Step::Resolve, ..ev })
        }
        Step::Resolve => {
            let body = text(sc.resolutions, &mut r);
            push(out, agent.2, entry(EntryKind::Reply, body, None, Some(r.random_range(1..10) * 5)));
            if !sc.kb.is_empty() && r.random_bool(0.5) {
                let slug = pick_str(&mut r, sc.kb);
                if let Some((_, aid)) = w.articles.iter().find(|(s, _)| *s == slug) {
                    push(out, agent.2, Change::link(tid, LinkTarget::Article { id: *aid }, false));
                }
            }
            push(out, agent.2, set(TicketField::Status, "resolved"));
            Some(Event { at: t + r.random_range(3 * DAY..7 * DAY), step: Step::Close, ..ev })
        }
        Step::Close => {
            push(out, "tix", set(TicketField::Status, "closed"));
            None
        }
    }
}

fn requester_is_vip(r: &mut ChaCha8Rng) -> bool {
    r.random_bool(0.03)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_increase_and_stay_in_the_window() {
        let a = Arrivals::new(0, 1000);
        let mut last = -1;
        for i in 0..1000 {
            let t = a.at(i, 0.5);
            assert!(t > last && t < SPAN, "{i}: {t}");
            last = t;
        }
    }

    #[test]
    fn office_hours_weigh_more_than_nights_and_weekends() {
        // 1970-01-05 was a Monday.
        let monday = 4 * DAY;
        assert!(hour_weight(monday + 10 * HOUR) > hour_weight(monday + 2 * HOUR));
        assert!(hour_weight(monday + 10 * HOUR) > hour_weight(monday + 5 * DAY + 10 * HOUR));
    }

    #[test]
    fn names_fold_to_ascii_for_email() {
        assert_eq!(ascii_fold("Łukasz"), "lukasz");
        assert_eq!(ascii_fold("José"), "jose");
        assert_eq!(ascii_fold("王"), "user");
    }
}
