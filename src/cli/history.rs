//! `tix ticket history N`: a ticket's audit trail, every op with who and when. People
//! read names and words (a checklist's ticks, a person's name, a link's ticket); `--json`
//! keeps each op's payload exactly as it is stored.

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use super::output::line;
use crate::domain::TicketNumber;
use crate::domain::ids::PersonId;
use crate::domain::op::{Op, Payload};
use crate::domain::ticket::{EntryKind, TicketField};
use crate::domain::{checklist, time};
use crate::store::{Result as StoreResult, Store};

#[derive(Serialize)]
struct HistoryItem {
    at: String,
    actor: String,
    replica: String,
    counter: u64,
    kind: String,
    payload: serde_json::Value,
}

pub fn run(ctx: &Ctx, n: TicketNumber) -> Result<()> {
    let store = ctx.open()?;
    let id = store.ticket_id(n)?;
    let ops = store.ticket_ops(id)?;
    let items: Vec<HistoryItem> = ops
        .iter()
        .map(|op| HistoryItem {
            at: time::rfc3339(op.hlc.millis()),
            actor: op.actor.clone(),
            replica: op.replica.to_string(),
            counter: op.counter,
            kind: op.payload.kind().to_string(),
            payload: serde_json::from_str(&op.payload.to_json()).unwrap_or_default(),
        })
        .collect();
    if ctx.out.json {
        return ctx.out.emit(&items, String::new);
    }
    let mut lines = Vec::with_capacity(ops.len());
    for op in &ops {
        lines.push(format!(
            "{} {} {} {}",
            time::local(op.hlc.millis()),
            line(&op.actor),
            op.payload.kind(),
            line(&describe(&store, op)?)
        ));
    }
    ctx.out.emit(&items, move || lines.join("\n"))
}

/// One op in words.
fn describe(store: &Store, op: &Op) -> StoreResult<String> {
    let person = |id: Option<PersonId>| -> StoreResult<String> {
        match id {
            Some(p) => store.person_name(p),
            None => Ok("-".into()),
        }
    };
    Ok(match &op.payload {
        Payload::TicketNew(t) => {
            let mut s =
                format!("created \"{}\" ({}, {}, {}, via {})", t.title, t.kind, t.priority, t.status, t.channel);
            if t.requester.is_some() {
                s.push_str(&format!(" · requester {}", person(t.requester)?));
            }
            if t.assignee.is_some() {
                s.push_str(&format!(" · assignee {}", person(t.assignee)?));
            }
            if let Some(g) = &t.group {
                s.push_str(&format!(" · group {g}"));
            }
            s
        }
        Payload::TicketSet(f) => match f.field {
            TicketField::Checklist => {
                format!("checklist {}", checklist::describe_change(f.from.as_deref(), f.to.as_deref()))
            }
            TicketField::Requester | TicketField::Assignee => {
                let name = |v: &Option<String>| -> StoreResult<String> {
                    match v.as_deref().map(uuid::Uuid::parse_str) {
                        None => Ok("-".into()),
                        Some(Ok(u)) => store.person_name(PersonId(u)),
                        Some(Err(_)) => Ok(v.clone().unwrap_or_default()),
                    }
                };
                format!("{}: {} → {}", f.field, name(&f.from)?, name(&f.to)?)
            }
            TicketField::Description => "description changed".into(),
            _ => format!("{}: {} → {}", f.field, f.from.as_deref().unwrap_or("-"), f.to.as_deref().unwrap_or("-")),
        },
        Payload::TicketEntry(e) => {
            let kind = match e.kind {
                EntryKind::Note => "internal note",
                EntryKind::Reply => "public reply",
            };
            let by = match e.author {
                Some(_) => format!(" by {}", person(e.author)?),
                None => String::new(),
            };
            let spent = e.minutes.map(|m| format!(" [{}]", time::minutes_text(m))).unwrap_or_default();
            let first = e.body.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
            let more = if e.body.trim().lines().count() > 1 { " …" } else { "" };
            format!("{kind}{by}{spent}: {first}{more}")
        }
        Payload::TicketLink(l) => {
            format!("{} {}", if l.removed { "unlinked" } else { "linked" }, store.describe_target(&l.target)?)
        }
        Payload::TicketNumber(n) => format!("numbered {} by the shared store", n.number),
        other => other.to_json(),
    })
}
