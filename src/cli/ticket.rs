//! `tix ticket ...`

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::input::read_body;
use super::output::{block, cell, csv_safe, line, thousands};
use super::{CliError, Ctx};
use crate::app::{Act, AppError, Desk};
use crate::domain::ids::{PersonId, TicketId, TicketNumber};
use crate::domain::op::{Change, LinkTarget};
use crate::domain::person::{PersonRecord, parse_mailbox};
use crate::domain::plan::{self, NewTicket, TicketEdit};
use crate::domain::ticket::{Channel, EntryKind, Level, Priority, Status, TicketRel, TicketType};
use crate::domain::time;
use crate::store::{AssigneeFilter, Sort, Store, TicketQuery, TicketRow, TimelineEvent};

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub enum TicketCmd {
    /// Register a new ticket; prints its number
    New(NewArgs),
    /// List tickets (the backlog by default), best first
    List(ListArgs),
    /// Show a ticket: fields, description, timeline, links
    Show { number: TicketNumber },
    /// Change fields of a ticket
    Update(UpdateArgs),
    /// Add an internal note
    Note(EntryArgs),
    /// Add a public reply (visible to the requester)
    Reply(EntryArgs),
    /// Link a ticket to an asset, a KB article or another ticket
    Link(LinkArgs),
    /// Copy an address on the ticket's outbound mail (--add), or stop (--remove)
    Watch(super::mail::WatchArgs),
    /// A ticket's checklist: attach a template or a KB article's steps, tick items off
    Checklist {
        number: TicketNumber,
        /// Attach the config's [[checklists]] template of this name
        #[arg(long, conflicts_with = "from_kb")]
        attach: Option<String>,
        /// Attach the numbered steps of a KB article (title, source path or id prefix)
        #[arg(long)]
        from_kb: Option<String>,
        /// Mark item N done
        #[arg(long)]
        done: Option<usize>,
        /// Mark item N not done
        #[arg(long)]
        undo: Option<usize>,
        /// Replace the ticket's checklist (attaching to a ticket that has one is refused
        /// without it)
        #[arg(long)]
        replace: bool,
    },
    /// Merge a ticket into another: it is resolved, and its history shows on the other
    Merge {
        number: TicketNumber,
        /// The ticket it is merged into
        #[arg(long)]
        into: TicketNumber,
    },
    /// Assign a ticket to an agent (`none` to unassign)
    Assign { number: TicketNumber, agent: String },
    /// Assign a ticket to yourself
    Take { number: TicketNumber },
    /// Reopen a resolved or closed ticket
    Reopen { number: TicketNumber },
    /// The audit history: every op on the ticket, who, when, from what to what
    History { number: TicketNumber },
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Short summary
    #[arg(long)]
    title: String,
    /// Description; `-` reads stdin
    #[arg(long)]
    body: Option<String>,
    /// Who asked: `Name <email>`, an e-mail, or a known name
    #[arg(long)]
    requester: Option<String>,
    /// Assign to this agent
    #[arg(long)]
    assignee: Option<String>,
    #[arg(long)]
    group: Option<String>,
    /// incident, request, problem or change
    #[arg(long = "type", default_value = "incident")]
    kind: TicketType,
    #[arg(long)]
    category: Option<String>,
    /// Comma-separated tags
    #[arg(long)]
    tags: Option<String>,
    /// phone, email, walk-in, chat, portal or monitoring
    #[arg(long, default_value = "phone")]
    channel: Channel,
    /// 1 (high) to 3 (low)
    #[arg(long, default_value = "2")]
    urgency: Level,
    /// 1 (high) to 3 (low)
    #[arg(long, default_value = "2")]
    impact: Level,
    /// Override the computed priority (P1..P4)
    #[arg(long)]
    priority: Option<Priority>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these statuses (comma-separated); default: the open backlog
    #[arg(long, value_delimiter = ',')]
    status: Vec<Status>,
    /// Include resolved and closed tickets
    #[arg(long)]
    all: bool,
    /// An agent, `me`, or `none` for unassigned
    #[arg(long)]
    assignee: Option<String>,
    #[arg(long)]
    group: Option<String>,
    /// Only these priorities (comma-separated, e.g. P1,P2)
    #[arg(long, value_delimiter = ',')]
    priority: Vec<Priority>,
    /// Full-text search in title, description and timeline
    #[arg(long)]
    text: Option<String>,
    /// The query language the console's `/` filter speaks: `status:open,pending prio:<=2
    /// assignee:me|none|NAME group:G category:C tag:T type:T channel:C requester:NAME
    /// updated:>-2h created:<2026-11-01 sla:breached|at-risk !field:value "a phrase" words`
    #[arg(long, short = 'q')]
    query: Option<String>,
    /// priority, updated, newest or oldest
    #[arg(long, default_value = "priority")]
    sort: String,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[arg(long, default_value_t = 0)]
    offset: u64,
    /// Print CSV instead of a table
    #[arg(long, conflicts_with = "json")]
    csv: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    number: TicketNumber,
    #[arg(long)]
    title: Option<String>,
    /// New description; `-` reads stdin
    #[arg(long)]
    body: Option<String>,
    #[arg(long)]
    status: Option<Status>,
    /// Allow going back from resolved/closed to open
    #[arg(long)]
    reopen: bool,
    /// An agent, `me`, or `none`
    #[arg(long)]
    assignee: Option<String>,
    #[arg(long)]
    requester: Option<String>,
    /// A group, or `none`
    #[arg(long)]
    group: Option<String>,
    #[arg(long = "type")]
    kind: Option<TicketType>,
    /// A category, or `none`
    #[arg(long)]
    category: Option<String>,
    /// Replace the tags (comma-separated; empty clears)
    #[arg(long)]
    tags: Option<String>,
    #[arg(long)]
    channel: Option<Channel>,
    #[arg(long)]
    urgency: Option<Level>,
    #[arg(long)]
    impact: Option<Level>,
    /// P1..P4, or `auto` to follow urgency × impact again
    #[arg(long)]
    priority: Option<String>,
}

#[derive(Debug, Args)]
pub struct EntryArgs {
    number: TicketNumber,
    /// The text; `-` reads stdin
    #[arg(long)]
    body: String,
    /// Time spent, e.g. 30m, 1h15
    #[arg(long)]
    time: Option<String>,
    /// Send a public reply even though it quotes an internal note or KB article
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false, id = "target")]
pub struct LinkTargetArgs {
    /// An asset tag, hostname or serial
    #[arg(long)]
    asset: Option<String>,
    /// A KB article: title, source path or id prefix
    #[arg(long)]
    kb: Option<String>,
    /// Another ticket number
    #[arg(long)]
    ticket: Option<TicketNumber>,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    number: TicketNumber,
    #[command(flatten)]
    target: LinkTargetArgs,
    /// For --ticket: related, parent or duplicate-of
    #[arg(long, default_value = "related")]
    rel: TicketRel,
    /// Remove the link instead
    #[arg(long)]
    remove: bool,
}

pub fn run(ctx: &Ctx, cmd: TicketCmd) -> Result<()> {
    match cmd {
        TicketCmd::New(a) => new(ctx, a),
        TicketCmd::List(a) => list(ctx, a),
        TicketCmd::Show { number } => show(ctx, number),
        TicketCmd::Update(a) => update(ctx, a),
        TicketCmd::Note(a) => entry(ctx, a, EntryKind::Note),
        TicketCmd::Reply(a) => entry(ctx, a, EntryKind::Reply),
        TicketCmd::Link(a) => link(ctx, a),
        TicketCmd::Watch(a) => super::mail::watch(ctx, a),
        TicketCmd::Checklist { number, attach, from_kb, done, undo, replace } => super::checklist::run(
            ctx,
            number,
            super::checklist::Attach { template: attach, from_kb, replace },
            done,
            undo,
        ),
        TicketCmd::Merge { number, into } => {
            if number == into {
                bail!(CliError::Usage(format!("{number} cannot be merged into itself")));
            }
            let mut desk = ctx.acting(Act::Merge)?;
            let source = desk.store.ticket_by_number(number)?;
            let target = desk.store.ticket_by_number(into)?;
            desk.commit(plan::merge(&source, &target, &ctx.config.matrix))?;
            ctx.tell(&mut desk);
            ctx.out
                .emit(&serde_json::json!({ "merged": number, "into": into }), || format!("{number} merged into {into}"))
        }
        TicketCmd::Assign { number, agent } => {
            let a = UpdateArgs { assignee: Some(agent), ..UpdateArgs::for_number(number) };
            update(ctx, a)
        }
        TicketCmd::Take { number } => {
            update(ctx, UpdateArgs { assignee: Some("me".into()), ..UpdateArgs::for_number(number) })
        }
        TicketCmd::Reopen { number } => {
            update(ctx, UpdateArgs { status: Some(Status::Open), reopen: true, ..UpdateArgs::for_number(number) })
        }
        TicketCmd::History { number } => super::history::run(ctx, number),
    }
}

impl UpdateArgs {
    fn for_number(number: TicketNumber) -> Self {
        UpdateArgs {
            number,
            title: None,
            body: None,
            status: None,
            reopen: false,
            assignee: None,
            requester: None,
            group: None,
            kind: None,
            category: None,
            tags: None,
            channel: None,
            urgency: None,
            impact: None,
            priority: None,
        }
    }
}

/// An agent by login, e-mail or name; `me` is the acting agent (`None`: the name acting
/// is no agent here, and `me` is nobody's id: no ticket is theirs).
fn agent(store: &Store, key: &str, me: Option<PersonId>) -> Result<Option<PersonId>> {
    match key.trim() {
        "none" | "-" | "" => Ok(None),
        "me" => Ok(Some(me.unwrap_or_else(PersonId::new_random))),
        k => match store.find_person(k)? {
            Some(p) => Ok(Some(p.id)),
            None => Err(CliError::NotFound(format!("no agent or person '{k}' (see `tix person list`)")).into()),
        },
    }
}

/// A requester: a known person, else a new requester from `Name <email>`.
fn requester(store: &Store, key: &str, changes: &mut Vec<Change>) -> Result<PersonId> {
    let (name, email) = parse_mailbox(key);
    let found = match &email {
        Some(e) => store.find_person(e)?,
        None => None,
    };
    if let Some(p) = found.or(store.find_person(&name)?) {
        return Ok(p.id);
    }
    if name.trim().is_empty() {
        bail!(CliError::Usage("--requester is empty".into()));
    }
    let id = PersonId::new_random();
    changes.push(Change::new_person(id, PersonRecord::requester(name, email)));
    Ok(id)
}

#[derive(Serialize)]
struct Created {
    number: TicketNumber,
    id: TicketId,
}

fn new(ctx: &Ctx, a: NewArgs) -> Result<()> {
    let mut desk = ctx.acting(Act::Work)?;
    let me = desk.actor.me;
    let store = &desk.store;
    let mut changes = Vec::new();
    let mut t = NewTicket::titled(a.title);
    t.description = a.body.as_deref().map(read_body).transpose()?.unwrap_or_default();
    t.requester = a.requester.as_deref().map(|r| requester(store, r, &mut changes)).transpose()?;
    t.assignee = match a.assignee.as_deref() {
        Some(k) => agent(store, k, me)?,
        None => None,
    };
    t.group = a.group;
    t.kind = a.kind;
    t.category = a.category;
    t.tags = a.tags.map(|s| vec![s]).unwrap_or_default();
    t.channel = a.channel;
    t.urgency = a.urgency;
    t.impact = a.impact;
    t.priority = a.priority;
    let (id, number) = desk.create_ticket(t, changes)?;
    ctx.tell(&mut desk);
    ctx.out.emit(&Created { number, id }, || number.to_string())
}

/// Narrow `q` by a query in the console's language (errors name the token, exit 2).
pub fn apply_query(desk: &Desk, q: &mut TicketQuery, text: &str) -> Result<()> {
    let spec = crate::domain::filter::parse(text).map_err(|e| CliError::Usage(format!("query {e}")))?;
    desk.narrow(q, &spec).map_err(|e| match e {
        AppError::NotFound(m) => CliError::NotFound(format!("query: {m}")).into(),
        e => anyhow::Error::from(e),
    })
}

fn sort_of(s: &str) -> Result<Sort> {
    Ok(match s {
        "priority" => Sort::Priority,
        "updated" => Sort::Updated,
        "newest" => Sort::Newest,
        "oldest" => Sort::Oldest,
        "due" => Sort::Due,
        o => bail!(CliError::Usage(format!("unknown sort '{o}' (expected priority, updated, newest or oldest)"))),
    })
}

#[derive(Serialize)]
struct ListOut {
    total: u64,
    /// False when a full-text count stopped at its cap (`total` is then a lower bound).
    total_exact: bool,
    tickets: Vec<TicketRow>,
}

/// Full-text totals are counted up to this many.
const TEXT_COUNT_CAP: u64 = 1_000;

fn list(ctx: &Ctx, a: ListArgs) -> Result<()> {
    let mut desk = ctx.desk()?;
    let me = desk.me()?;
    let store = &desk.store;
    let assignee = match a.assignee.as_deref() {
        None => None,
        Some("none") => Some(AssigneeFilter::Unassigned),
        // `me` when the name acting is no agent here: nobody's tickets are theirs.
        Some(k) => Some(AssigneeFilter::Person(agent(store, k, me)?.unwrap_or_else(PersonId::new_random))),
    };
    let mut q = TicketQuery {
        active: if a.all || !a.status.is_empty() { None } else { Some(true) },
        statuses: a.status,
        assignee,
        group: a.group,
        priorities: a.priority,
        requester: None,
        text: a.text,
        conds: vec![],
        sort: sort_of(&a.sort)?,
        limit: a.limit,
        offset: a.offset,
    };
    if let Some(text) = &a.query {
        apply_query(&desk, &mut q, text)?;
    }
    desk.refresh_clocks()?;
    print_list(ctx, &desk.store, &q, a.csv)
}

/// One page of a ticket query as a table, CSV or JSON (`tix ticket list`, `tix view run`).
pub fn print_list(ctx: &Ctx, store: &crate::store::Store, q: &TicketQuery, csv: bool) -> Result<()> {
    let rows = store.queue(q)?;
    if csv {
        let mut w = csv::Writer::from_writer(std::io::stdout().lock());
        w.write_record([
            "number",
            "priority",
            "status",
            "title",
            "requester",
            "assignee",
            "group",
            "created",
            "updated",
        ])?;
        for r in &rows {
            w.write_record([
                r.number.plain(),
                r.priority.to_string(),
                r.status.to_string(),
                csv_safe(&r.title).into_owned(),
                csv_safe(r.requester.as_deref().unwrap_or("")).into_owned(),
                csv_safe(r.assignee.as_deref().unwrap_or("")).into_owned(),
                csv_safe(r.group.as_deref().unwrap_or("")).into_owned(),
                time::rfc3339(r.created_at),
                time::rfc3339(r.updated_at),
            ])?;
        }
        w.flush()?;
        return Ok(());
    }
    // The count is a second query; JSON callers get it, people see it under the table.
    let (total, exact) = if ctx.out.json || rows.len() as u32 >= q.limit {
        store.count_upto(q, TEXT_COUNT_CAP)?
    } else {
        (rows.len() as u64 + q.offset, true)
    };
    let now = store.now_ms();
    let notice = store.text_notice(q)?;
    if let (Some(n), true) = (&notice, ctx.out.json) {
        eprintln!("{n}");
    }
    ctx.out.emit(&ListOut { total, total_exact: exact, tickets: rows.clone() }, || {
        let mut s =
            format!("{:<7} {:<3} {:<9} {:>4} {:<14} {}\n", "NUMBER", "PRI", "STATUS", "AGE", "ASSIGNEE", "TITLE");
        for r in &rows {
            s.push_str(&format!(
                "{:<7} {:<3} {:<9} {:>4} {} {}\n",
                r.number.to_string(),
                r.priority.label(),
                r.status.as_str(),
                time::age(r.created_at, now),
                cell(r.assignee.as_deref().unwrap_or("-"), 14),
                line(&r.title)
            ));
        }
        s.push_str(&format!("{} of {}{}", rows.len(), thousands(total), if exact { "" } else { "+" }));
        if let Some(n) = &notice {
            s.push_str(&format!(" · {n}"));
        }
        s
    })
}

#[derive(Serialize)]
struct ShowOut {
    #[serde(flatten)]
    ticket: crate::domain::ticket::Ticket,
    timeline: Vec<crate::store::TimelineItem>,
    assets: Vec<crate::domain::asset::Asset>,
    attachments: Vec<crate::store::Attachment>,
    articles: Vec<serde_json::Value>,
    related: Vec<serde_json::Value>,
    /// Minutes booked on notes and replies, in all.
    minutes: u64,
    /// The SLA clock now, when a policy applies: `{ "policy", "summary" }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    sla: Option<serde_json::Value>,
}

fn show(ctx: &Ctx, n: TicketNumber) -> Result<()> {
    let store = ctx.open()?;
    let t = store.ticket_by_number(n)?;
    let timeline = store.timeline(t.id)?;
    let assets = store.ticket_assets(t.id)?;
    let articles = store.ticket_articles(t.id)?;
    let related = store.related_tickets(t.id)?;
    let attachments = store.ticket_attachments(t.id)?;
    let today = time::iso_date(store.now_ms());
    let sla = store.ticket_sla(&ctx.config.sla, t.id)?;
    let sla_line = sla.as_ref().map(|s| (s.policy.clone(), crate::domain::sla::summary(&s.clock, s.day_ms)));
    let minutes = store.ticket_minutes(t.id)?;
    let out = ShowOut {
        minutes,
        sla: sla_line.as_ref().map(|(p, s)| serde_json::json!({ "policy": p, "summary": s })),
        ticket: t.clone(),
        timeline: timeline.clone(),
        assets: assets.clone(),
        attachments: attachments.clone(),
        articles: articles.iter().map(|(id, title)| serde_json::json!({ "id": id, "title": title })).collect(),
        related: related
            .iter()
            .map(|(rel, r)| serde_json::json!({ "rel": rel, "number": r.number, "title": r.title, "status": r.status }))
            .collect(),
    };
    ctx.out.emit(&out, || {
        let person = |p: &Option<crate::domain::ticket::PersonRef>| {
            p.as_ref().map(|p| line(&p.name)).unwrap_or_else(|| "-".into())
        };
        let mut s = format!("{} {}\n", t.number, line(&t.title));
        s.push_str(&format!(
            "{} · {} · {} (urgency {}, impact {}{}) · {} via {}\n",
            t.status,
            t.kind,
            t.priority,
            t.urgency,
            t.impact,
            if t.priority_override { ", set by hand" } else { "" },
            t.category.as_deref().map(line).unwrap_or_else(|| "no category".into()),
            t.channel
        ));
        if minutes > 0 {
            s.push_str(&format!("time spent {}\n", time::minutes_text(minutes as u32)));
        }
        if let Some((policy, summary)) = &sla_line {
            s.push_str(&format!("SLA ({}) {summary}\n", line(policy)));
        }
        s.push_str(&format!(
            "requester {} · assignee {} · group {}\n",
            person(&t.requester),
            person(&t.assignee),
            t.group.as_deref().map(line).unwrap_or_else(|| "-".into())
        ));
        if !t.tags.is_empty() {
            s.push_str(&format!("tags {}\n", line(&t.tags.join(", "))));
        }
        s.push_str(&format!("created {} · updated {}", time::local(t.created_at), time::local(t.updated_at)));
        if let Some(r) = t.resolved_at {
            s.push_str(&format!(" · resolved {}", time::local(r)));
        }
        s.push('\n');
        if !t.description.is_empty() {
            s.push_str(&format!("\n{}\n", block(&t.description)));
        }
        if !assets.is_empty() {
            s.push_str("\nAssets:\n");
            for a in &assets {
                s.push_str(&format!(
                    "  {} {} {} ({})\n",
                    line(&a.record.tag),
                    line(a.record.hostname.as_deref().unwrap_or("")),
                    line(a.record.model.as_deref().unwrap_or("")),
                    crate::domain::asset::warranty_state(a.record.warranty_end.as_deref(), &today)
                ));
            }
        }
        if !attachments.is_empty() {
            s.push_str("\nAttachments:\n");
            for a in &attachments {
                let kept = if a.stored { "" } else { ", content not kept (over the size cap)" };
                s.push_str(&format!(
                    "  {} ({}, {} bytes{kept})\n",
                    line(&a.name),
                    line(&a.content_type),
                    thousands(a.size)
                ));
            }
        }
        if !articles.is_empty() {
            s.push_str("\nKB:\n");
            for (_, title) in &articles {
                s.push_str(&format!("  {}\n", line(title)));
            }
        }
        if !related.is_empty() {
            s.push_str("\nRelated:\n");
            for (rel, r) in &related {
                s.push_str(&format!("  {rel} {} {} ({})\n", r.number, line(&r.title), r.status));
            }
        }
        s.push_str("\nTimeline:\n");
        for item in &timeline {
            // A merged ticket's history, marked as the console marks it.
            let when = match item.from {
                Some(n) => format!("{} (from {n})", time::local(item.at)),
                None => time::local(item.at),
            };
            let who = line(&item.actor);
            match &item.event {
                TimelineEvent::Created { .. } => s.push_str(&format!("  {when} {who} created the ticket\n")),
                TimelineEvent::Entry { kind, body, author, minutes, requester, mail } => {
                    let by = author.as_deref().map(line).unwrap_or(who);
                    let spent = minutes.map(|m| format!(" [{m} min]")).unwrap_or_default();
                    let mail = mail.as_deref().map(|m| format!(" · mail {}", line(m))).unwrap_or_default();
                    match (kind, requester) {
                        (_, true) => s.push_str(&format!("  {when} REQUESTER · {by}{spent}\n")),
                        (EntryKind::Note, _) => s.push_str(&format!("  {when} INTERNAL NOTE by {by}{spent}\n")),
                        (EntryKind::Reply, _) => s.push_str(&format!("  {when} PUBLIC REPLY by {by}{spent}{mail}\n")),
                    }
                    for l in block(body).lines() {
                        s.push_str(&format!("    {l}\n"));
                    }
                }
                TimelineEvent::Changed { field, from, to } => s.push_str(&format!(
                    "  {when} {who} changed {field}: {} → {}\n",
                    line(from.as_deref().unwrap_or("-")),
                    line(to.as_deref().unwrap_or("-"))
                )),
                TimelineEvent::Linked { target, removed } => s.push_str(&format!(
                    "  {when} {who} {} {}\n",
                    if *removed { "unlinked" } else { "linked" },
                    line(target)
                )),
            }
        }
        s
    })
}

#[derive(Serialize)]
struct Changed {
    number: TicketNumber,
    ops: usize,
}

fn update(ctx: &Ctx, a: UpdateArgs) -> Result<()> {
    let mut desk = ctx.acting(Act::Work)?;
    let me = desk.actor.me;
    let store = &desk.store;
    let seen = store.ticket_by_number(a.number)?;
    let mut changes = Vec::new();
    let none_or = |v: Option<String>| v.map(|s| Some(s).filter(|s| !s.is_empty() && s != "none"));
    let edit = TicketEdit {
        title: a.title,
        description: a.body.as_deref().map(read_body).transpose()?,
        status: a.status,
        reopen: a.reopen,
        assignee: match a.assignee.as_deref() {
            Some(k) => Some(agent(store, k, me)?),
            None => None,
        },
        requester: match a.requester.as_deref() {
            Some(k) => Some(Some(requester(store, k, &mut changes)?)),
            None => None,
        },
        group: none_or(a.group),
        kind: a.kind,
        category: none_or(a.category),
        tags: a.tags.map(|t| vec![t]),
        channel: a.channel,
        urgency: a.urgency,
        impact: a.impact,
        priority: match a.priority.as_deref() {
            None => None,
            Some("auto") => Some(None),
            Some(p) => Some(Some(p.parse::<Priority>()?)),
        },
    };
    if edit.is_empty() {
        bail!(CliError::Usage("nothing to change: give at least one of --title, --status, --assignee, ...".into()));
    }
    changes.extend(plan::edit(&seen, edit, &ctx.config.matrix));
    let cascade = store.cascade(&changes)?;
    changes.extend(cascade);
    let resolving = a.status == Some(Status::Resolved);
    // A resolution notice goes out in the same commit.
    let mail = crate::app::mail::plan_outbound(store, &ctx.config, &desk.actor.name, &changes)?;
    changes.extend(mail);
    let ops = desk.commit(changes)?;
    ctx.tell(&mut desk);
    let open = crate::domain::checklist::open_required(&seen);
    if resolving && open > 0 {
        eprintln!("tix: warning: {} was resolved with {open} required checklist item(s) not done", seen.number);
    }
    let n = ops.len();
    ctx.out.emit(&Changed { number: a.number, ops: n }, || {
        if n == 0 { format!("{}: nothing changed", a.number) } else { format!("{}: updated", a.number) }
    })
}

fn entry(ctx: &Ctx, a: EntryArgs, kind: EntryKind) -> Result<()> {
    let mut desk = ctx.acting(Act::Work)?;
    let seen = desk.store.ticket_by_number(a.number)?;
    let body = read_body(&a.body)?;
    let minutes = match a.time.as_deref() {
        None => None,
        Some(t) => Some(
            crate::domain::duration::parse_minutes(t)
                .ok_or_else(|| CliError::Usage(format!("--time '{t}' is not a duration (e.g. 30m, 1h15)")))?,
        ),
    };
    if kind == EntryKind::Reply
        && !a.force
        && let Some(src) = crate::app::mail::internal_source(&desk.store, seen.id, &body)?
    {
        bail!(CliError::Failed(format!(
            "{}: not sent: the reply quotes {src}, which the requester must not see; edit it, or pass --force",
            a.number
        )));
    }
    let ops = desk.add_entry(&seen, kind, body, minutes)?;
    ctx.tell(&mut desk);
    let what = if kind == EntryKind::Note { "internal note added" } else { "public reply added" };
    ctx.out.emit(&Changed { number: a.number, ops: ops.len() }, || format!("{}: {what}", a.number))
}

fn link(ctx: &Ctx, a: LinkArgs) -> Result<()> {
    let mut desk = ctx.acting(Act::Work)?;
    let store = &desk.store;
    let t = store.ticket_by_number(a.number)?;
    let target = if let Some(key) = &a.target.asset {
        LinkTarget::Asset { id: store.asset_by_key(key)?.id }
    } else if let Some(key) = &a.target.kb {
        LinkTarget::Article { id: super::kb::article(store, key)?.id }
    } else if let Some(n) = a.target.ticket {
        LinkTarget::Ticket { id: store.ticket_id(n)?, rel: a.rel }
    } else {
        bail!(CliError::Usage("give --asset, --kb or --ticket".into()));
    };
    let ops = desk.commit(vec![Change::link(t.id, target, a.remove)])?;
    ctx.tell(&mut desk);
    let n = ops.len();
    ctx.out.emit(&Changed { number: a.number, ops: n }, || match (n, a.remove) {
        (0, false) => format!("{}: already linked", a.number),
        (0, true) => format!("{}: was not linked", a.number),
        (_, false) => format!("{}: linked", a.number),
        (_, true) => format!("{}: unlinked", a.number),
    })
}
