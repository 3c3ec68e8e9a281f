//! A ticket's conversation from another file: the notes and replies of `tix export
//! tickets --entries` (inline in JSON, or the companion CSV file), into [`EntryIn`]s.
//! Pure: no store access.
//!
//! Fields (JSON keys or CSV columns): `ticket` (CSV only: the ticket's `id` in the tickets
//! file), `at` (when; required), `kind` (note or reply; default note), `actor` (who wrote it
//! into the desk, a login), `author` and `author_email` (whom it is from), `minutes` (time
//! booked), `body` (required). `number` is read past.

use std::collections::HashMap;

use serde_json::Value;

use super::csv_read::{Event, MAX_FIELD_BYTES, RowError, for_each_record};
use super::ticket_columns::{parse_time, unescape_formula};
use crate::domain::ticket::EntryKind;

/// One note or reply, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryIn {
    /// Milliseconds since the epoch.
    pub at: i64,
    pub kind: EntryKind,
    pub actor: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub minutes: Option<u32>,
    pub body: String,
}

/// Check one entry's fields (`get` gives a trimmed, non-empty value by field name).
fn build(get: impl Fn(&str) -> Option<String>, body: Option<String>) -> Result<EntryIn, String> {
    let mut problems = Vec::new();
    let at = match get("at") {
        None => {
            problems.push("the entry has no time ('at')".to_string());
            0
        }
        Some(t) => parse_time(&t).unwrap_or_else(|| {
            problems.push(format!("entry time '{t}' is not a date or time (use RFC 3339)"));
            0
        }),
    };
    let kind = match get("kind") {
        None => EntryKind::Note,
        Some(k) => k.parse().unwrap_or_else(|_| {
            problems.push(format!("unknown entry kind '{k}' (expected note or reply)"));
            EntryKind::Note
        }),
    };
    let minutes = get("minutes").and_then(|m| match m.parse::<u32>() {
        Ok(m) => Some(m),
        Err(_) => {
            problems.push(format!("'{m}' is not a number of minutes"));
            None
        }
    });
    let body = body.filter(|b| !b.trim().is_empty());
    if body.is_none() {
        problems.push("the entry's body is empty".to_string());
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok(EntryIn {
        at,
        kind,
        actor: get("actor"),
        author: get("author"),
        author_email: get("author_email").or_else(|| get("authoremail")),
        minutes,
        body: body.unwrap_or_default().replace("\r\n", "\n"),
    })
}

/// The `entries` array of a JSON ticket. `Err`: why (the ticket is then a row error).
pub fn from_json(v: &Value) -> Result<Vec<EntryIn>, String> {
    let Value::Array(items) = v else { return Ok(vec![]) };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else { return Err(format!("entry {}: expected an object", i + 1)) };
        let text = |k: &str| -> Option<String> {
            match o.get(k)? {
                Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let body = o.get("body").and_then(Value::as_str).map(str::to_string);
        out.push(build(text, body).map_err(|m| format!("entry {}: {m}", i + 1))?);
    }
    Ok(out)
}

/// The companion CSV file: entries by the ticket id they belong to, in file order.
#[derive(Debug, Default)]
pub struct ParsedEntries {
    pub by_ticket: HashMap<String, Vec<(u64, EntryIn)>>,
    pub errors: Vec<RowError>,
}

/// Read the companion CSV file. `Err` when nothing in it can be trusted.
pub fn parse_csv(bytes: &[u8], file: &str) -> Result<ParsedEntries, RowError> {
    let mut out = ParsedEntries::default();
    let mut names: Vec<String> = vec![];
    let fail = |line: u64, message: String| RowError { file: file.to_string(), line, message };
    for_each_record(bytes, file, |ev| {
        match ev {
            Event::Header { rec, .. } => {
                names = rec
                    .iter()
                    .map(|f| {
                        String::from_utf8_lossy(f)
                            .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                            .to_ascii_lowercase()
                            .replace([' ', '-'], "_")
                    })
                    .collect();
                for need in ["ticket", "at", "body"] {
                    if !names.iter().any(|n| n == need) {
                        return Err(format!(
                            "no '{need}' column (an entries file has ticket, at, kind, actor, author, author_email, minutes, body)"
                        ));
                    }
                }
            }
            Event::Ragged { line, message } => out.errors.push(fail(line, message)),
            Event::Row { rec, line, .. } => {
                let mut cells: HashMap<&str, String> = HashMap::new();
                let mut problems = Vec::new();
                for (i, raw) in rec.iter().enumerate() {
                    if raw.len() > MAX_FIELD_BYTES {
                        problems.push(format!("column '{}': over the {MAX_FIELD_BYTES}-byte limit", names[i]));
                        continue;
                    }
                    match std::str::from_utf8(raw) {
                        Ok(s) => {
                            cells.insert(names[i].as_str(), unescape_formula(s).to_string());
                        }
                        Err(_) => problems.push(format!("column '{}': not valid UTF-8", names[i])),
                    }
                }
                let get = |k: &str| cells.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
                let ticket = get("ticket");
                if ticket.is_none() {
                    problems.push("the entry names no ticket".to_string());
                }
                match build(get, cells.get("body").cloned()) {
                    Ok(e) if problems.is_empty() => {
                        out.by_ticket.entry(ticket.unwrap_or_default()).or_default().push((line, e));
                    }
                    Ok(_) => out.errors.push(fail(line, problems.join("; "))),
                    Err(m) => {
                        problems.push(m);
                        out.errors.push(fail(line, problems.join("; ")));
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_entries_by_ticket_with_row_errors() {
        let p = parse_csv(
            b"ticket,number,at,kind,actor,author,author_email,minutes,body\n\
              T1,1,2024-03-05T08:30:00Z,reply,dana,,,15,\"Reboot it\nplease\"\n\
              T1,1,2024-03-05T09:00:00Z,note,dana,Jane,j@x,,'=cmd\n\
              T2,2,yesterday,shout,,,,x,\n",
            "e.csv",
        )
        .unwrap();
        let t1 = &p.by_ticket["T1"];
        assert_eq!(t1.len(), 2);
        assert_eq!(
            (t1[0].1.kind, t1[0].1.minutes, t1[0].1.body.as_str()),
            (EntryKind::Reply, Some(15), "Reboot it\nplease")
        );
        assert_eq!(t1[1].1.body, "=cmd");
        assert_eq!(t1[1].1.author_email.as_deref(), Some("j@x"));
        assert_eq!(p.errors.len(), 1);
        let e = p.errors[0].to_string();
        assert!(
            e.starts_with("e.csv:5: ") && e.contains("'yesterday'") && e.contains("'shout'") && e.contains("body"),
            "{e}"
        );
        assert!(parse_csv(b"ticket,body\nT1,x\n", "e.csv").unwrap_err().message.contains("no 'at' column"));
    }
}
