//! `tix person ...`: requesters and agents, and the agents' roles.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::output::{cell, line};
use super::{CliError, Ctx};
use crate::app::Act;
use crate::domain::ids::PersonId;
use crate::domain::op::Change;
use crate::domain::person::{PersonField, PersonRecord, Role};

#[derive(Debug, Subcommand)]
pub enum PersonCmd {
    /// Add a requester or an agent (agents, leads and admins: an admin's act once the
    /// store has an admin)
    Add(AddArgs),
    /// List people whose name, e-mail or login starts with TEXT
    List {
        #[arg(default_value = "")]
        text: String,
        /// Only this role
        #[arg(long)]
        role: Option<Role>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Change a person's role: requester, agent, lead or admin (an admin's act once the
    /// store has an admin)
    Role {
        /// Login, e-mail or name
        name: String,
        role: Role,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    name: String,
    #[arg(long)]
    email: Option<String>,
    /// Login name (agents): what --as, [agent] name and the OS user are matched against
    #[arg(long)]
    login: Option<String>,
    /// requester, agent, lead or admin
    #[arg(long, default_value = "requester")]
    role: Role,
    #[arg(long)]
    department: Option<String>,
    #[arg(long)]
    site: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    vip: bool,
    /// Agent groups, comma-separated
    #[arg(long, value_delimiter = ',')]
    groups: Vec<String>,
}

/// `person role`'s answer.
#[derive(Serialize)]
struct RoleOut {
    id: PersonId,
    name: String,
    role: Role,
    previous: Role,
}

pub fn run(ctx: &Ctx, cmd: PersonCmd) -> Result<()> {
    match cmd {
        PersonCmd::Add(a) => add(ctx, a),
        PersonCmd::Role { name, role } => set_role(ctx, &name, role),
        PersonCmd::List { text, role, limit } => {
            let store = ctx.open()?;
            let people = store.people(&text, role, limit)?;
            ctx.out.emit(&people, || {
                people
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {} {} {}{}",
                            cell(&p.record.name, 24),
                            cell(p.record.email.as_deref().unwrap_or("-"), 30),
                            cell(p.record.role.as_str(), 9),
                            line(p.record.department.as_deref().unwrap_or("")),
                            if p.record.vip { " VIP" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

fn add(ctx: &Ctx, a: AddArgs) -> Result<()> {
    let rec = PersonRecord {
        name: a.name.trim().to_string(),
        email: a.email,
        login: a.login.map(|l| l.trim().to_string()).filter(|l| !l.is_empty()),
        department: a.department,
        site: a.site,
        phone: a.phone,
        vip: a.vip,
        role: a.role,
        groups: a.groups,
    };
    if rec.name.is_empty() {
        bail!(CliError::Usage("person add: the name is empty".into()));
    }
    let act = if rec.role.is_staff() { Act::ManagePeople } else { Act::Work };
    let mut desk = ctx.acting(act)?;
    // The first run's admin adding themself: that record, not a second one.
    let id = match desk.first_run_is(&rec) {
        Some(id) => {
            desk.commit(vec![])?;
            id
        }
        None => {
            // Another agent answering to the same name would make --as ambiguous.
            if rec.role.is_staff()
                && let Some(p) = desk.store.find_agent(rec.actor_name())?
            {
                bail!(CliError::Conflict(format!(
                    "an agent already answers to '{}': {} ({}); give another --login",
                    rec.actor_name(),
                    p.record.name,
                    p.record.role
                )));
            }
            let id = PersonId::new_random();
            desk.commit(vec![Change::new_person(id, rec.clone())])?;
            id
        }
    };
    ctx.tell(&mut desk);
    let role = desk.store.person(id)?.record.role;
    ctx.out.emit(&serde_json::json!({ "id": id }), || format!("added {role} {}", line(&rec.name)))
}

fn set_role(ctx: &Ctx, name: &str, role: Role) -> Result<()> {
    let mut desk = ctx.acting(Act::ManagePeople)?;
    let Some(p) = desk.store.find_person(name)? else {
        bail!(CliError::NotFound(format!("no person '{name}' (see tix person list)")));
    };
    let previous = p.record.role;
    // Never leave a store that has an admin without one: anyone could then take it.
    if previous == Role::Admin && role != Role::Admin && desk.store.role_count_upto(Role::Admin, 2)? < 2 {
        bail!(CliError::Conflict(format!(
            "{} is the store's only admin: make someone else admin first",
            p.record.name
        )));
    }
    desk.commit(vec![Change::set_person(p.id, PersonField::Role, Some(role.to_string()))])?;
    ctx.tell(&mut desk);
    let out = RoleOut { id: p.id, name: p.record.name.clone(), role, previous };
    ctx.out.emit(&out, || {
        if role == previous {
            format!("{} is already {role}", line(&out.name))
        } else {
            format!("{}: {previous} → {role}", line(&out.name))
        }
    })
}
