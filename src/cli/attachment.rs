//! `tix attachment list N`, `tix attachment save N NAME|ID [PATH]`: what came with a
//! ticket's e-mails, and a copy of one on disk.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use serde::Serialize;

use super::output::{cell, line};
use super::{CliError, Ctx};
use crate::app::attachments::{self, SaveError};
use crate::domain::TicketNumber;
use crate::store::Attachment;

#[derive(Debug, Subcommand)]
pub enum AttachmentCmd {
    /// List a ticket's attachments: number, name, type, size, whether the content was kept
    List { number: TicketNumber },
    /// Save one attachment (by number, name or hash prefix) to PATH: a directory (its own
    /// name inside, neutralised) or a new file; the current directory when omitted.
    /// Never overwrites.
    Save { number: TicketNumber, attachment: String, path: Option<PathBuf> },
}

#[derive(Serialize)]
struct Listed<'a> {
    id: usize,
    #[serde(flatten)]
    attachment: &'a Attachment,
}

pub fn run(ctx: &Ctx, cmd: AttachmentCmd) -> Result<()> {
    let store = ctx.open()?;
    match cmd {
        AttachmentCmd::List { number } => {
            let t = store.ticket_by_number(number)?;
            let list = store.ticket_attachments(t.id)?;
            let listed: Vec<Listed> =
                list.iter().enumerate().map(|(i, a)| Listed { id: i + 1, attachment: a }).collect();
            ctx.out.emit(&serde_json::json!({ "ticket": number, "attachments": listed }), || {
                if list.is_empty() {
                    return format!("{number} has no attachments");
                }
                let mut out = format!("{:<3} {:<40} {:<24} {:>9}  KEPT", "ID", "NAME", "TYPE", "SIZE");
                for (i, a) in list.iter().enumerate() {
                    out.push_str(&format!(
                        "\n{:<3} {} {} {:>9}  {}",
                        i + 1,
                        cell(&a.name, 40),
                        cell(&a.content_type, 24),
                        a.size,
                        if a.stored { "yes" } else { "no (over the cap)" }
                    ));
                }
                out
            })
        }
        AttachmentCmd::Save { number, attachment, path } => {
            let t = store.ticket_by_number(number)?;
            match attachments::save(&store, t.id, &attachment, path.as_deref()) {
                Ok(p) => ctx.out.emit(&serde_json::json!({ "ticket": number, "path": p }), || {
                    format!("saved to {}", line(&p.display().to_string()))
                }),
                Err(SaveError::App(e)) => Err(e.into()),
                Err(e @ SaveError::Exists(_)) => Err(CliError::Failed(e.to_string()).into()),
                Err(e @ SaveError::Io(..)) => Err(CliError::Failed(e.to_string()).into()),
            }
        }
    }
}
