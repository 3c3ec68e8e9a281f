//! `tix person ...`

use anyhow::Result;
use clap::{Args, Subcommand};

use super::Ctx;
use super::output::{cell, line};
use crate::domain::ids::PersonId;
use crate::domain::op::Change;
use crate::domain::person::{PersonRecord, Role};

#[derive(Debug, Subcommand)]
pub enum PersonCmd {
    /// Add a requester or agent
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
}

#[derive(Debug, Args)]
pub struct AddArgs {
    name: String,
    #[arg(long)]
    email: Option<String>,
    /// Login name (agents): matched by --as and $USER
    #[arg(long)]
    login: Option<String>,
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

pub fn run(ctx: &Ctx, cmd: PersonCmd) -> Result<()> {
    match cmd {
        PersonCmd::Add(a) => {
            let mut store = ctx.open()?;
            let id = PersonId::new_random();
            let rec = PersonRecord {
                name: a.name,
                email: a.email,
                login: a.login,
                department: a.department,
                site: a.site,
                phone: a.phone,
                vip: a.vip,
                role: a.role,
                groups: a.groups,
            };
            store.commit(&ctx.actor, vec![Change::new_person(id, rec.clone())])?;
            ctx.out.emit(&serde_json::json!({ "id": id }), || format!("added {} {}", rec.role, line(&rec.name)))
        }
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
