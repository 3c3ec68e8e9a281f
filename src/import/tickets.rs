//! Tickets from another help desk: CSV, JSON (an array of objects, or objects one after
//! another) and JSONL, into [`TicketIn`]s and precise [`RowError`]s. Pure: no store access;
//! `tix import tickets` turns rows into changes.
//!
//! # Default column mapping
//!
//! Column (and JSON key) names are compared case-insensitively, ignoring whitespace, `_`,
//! `-`, `:` and `.` (so a nested JSON `{"requester": {"email": …}}` is `requester.email`,
//! which is `requesteremail`). When a file has several names for one field, the first in
//! this list wins and the others are reported as ignored. `--map FROM=TO` maps any other
//! column name to a field.
//!
//! | field | column names, best first |
//! |---|---|
//! | `id` (re-import key) | id, number, ticket id, ticket number, key, external id, reference, ref, incident number, case number, issue key |
//! | `title` (required) | title, subject, summary, short description, issue, topic |
//! | `description` | description, body, details, text, content, message |
//! | `status` | status, state, ticket status |
//! | `priority` | priority, prio |
//! | `urgency`, `impact` | urgency; impact |
//! | `requester` | requester, requester name, requested by, caller, customer, customer name, contact, contact name, reporter, reported by, submitter (may be `Name <email>`) |
//! | `requester_email` | requester email, email, customer email, contact email, caller email, reporter email, email address |
//! | `assignee` | assignee, assignee name, assigned to, agent, agent name, owner, technician, assignee email (a name, login or e-mail) |
//! | `category` | category, category name |
//! | `group` | group, team, assignment group, queue |
//! | `tags` | tags, labels, keywords (comma- or space-separated, or a JSON array) |
//! | `created` | created, created at, created on, date created, creation date, opened, opened at, submitted |
//! | `channel` | channel, source, via, contact type, origin |
//! | `type` | type, ticket type, kind, issue type, record type |
//!
//! # Values
//!
//! * Status: new; open (in progress, assigned, active, reopened, work in progress); pending
//!   (waiting, waiting for customer, awaiting …, on customer); on-hold (hold, deferred,
//!   suspended); resolved (solved, done, fixed, completed); closed (cancelled, canceled).
//!   Empty means new (open when there is an assignee). Anything else is a row error.
//! * Priority: P1–P4, 1–4, critical/urgent (P1), high (P2), medium/normal/moderate (P3),
//!   low/planning (P4); `"1 - Critical"` reads as 1. Anything else is a row error. Without a
//!   priority, urgency × impact gives it (high/medium/low or 1–3; default medium).
//! * Created: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (UTC), or any date the asset import reads.
//! * Channel: phone, email (mail, e-mail), walk-in, chat, portal (web, self-service), monitoring
//!   (alert, event); default portal. Type: incident, request (service request), problem, change;
//!   default incident. Unknown words are row errors.
//! * CSV cells written by `tix export` against formula injection (`'=…`) are read back as they
//!   were (`=…`).
//! * The re-import key is `import:[SOURCE:]ID`; a file without an id column uses a hash of the
//!   row's values, so re-importing the same file creates nothing twice.

use std::collections::HashMap;

use serde_json::Value;

use super::csv_read::{Event, MAX_FIELD_BYTES, RowError, for_each_record};
pub use super::ticket_columns::{Field, Options, map_priority, map_status, parse_time};
use super::ticket_columns::{Mapper, map_channel, map_type, unescape_formula};
use super::ticket_entries::{self, EntryIn};
use crate::domain::ticket::{Channel, Level, Priority, Status, TicketType, normalize_tags};

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Jsonl,
}

impl Format {
    /// From a file name's extension.
    pub fn of_path(p: &std::path::Path) -> Option<Format> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// One ticket, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketIn {
    /// `file:line` (and the item number in a JSON array).
    pub place: String,
    /// The origin key: `import:[SOURCE:]ID`.
    pub key: String,
    pub title: String,
    pub description: String,
    /// `None`: new, or open when assigned.
    pub status: Option<Status>,
    pub kind: TicketType,
    pub priority: Option<Priority>,
    pub urgency: Level,
    pub impact: Level,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub assignee: Option<String>,
    pub category: Option<String>,
    pub group: Option<String>,
    pub tags: Vec<String>,
    pub channel: Channel,
    /// Milliseconds since the epoch, as are the other times.
    pub created_at: Option<i64>,
    pub assignee_email: Option<String>,
    pub updated_at: Option<i64>,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The row's id as written (what a companion entries file names), if it has one.
    pub id: Option<String>,
    /// Notes and replies, oldest first (inline in JSON, or from the companion file).
    pub entries: Vec<EntryIn>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ParsedTickets {
    pub rows: Vec<TicketIn>,
    pub errors: Vec<RowError>,
    /// Taken in, but worth a look (a row repeated word for word in a file without ids).
    pub warnings: Vec<RowError>,
    pub ignored_columns: Vec<String>,
}

/// Read a whole file. `Err` only when nothing in it can be trusted (UTF-16, an
/// unterminated quote, broken JSON array syntax, no title column); everything else is a row
/// error.
pub fn parse_tickets(bytes: &[u8], file: &str, format: Format, opts: &Options) -> Result<ParsedTickets, RowError> {
    let mut out = ParsedTickets::default();
    let mut mapper = Mapper { opts, ignored: vec![] };
    let mut keys: HashMap<String, String> = HashMap::new();
    let fail = |line: u64, message: String| RowError { file: file.to_string(), line, message };
    let mut accept = |out: &mut ParsedTickets,
                      line: u64,
                      place: String,
                      values: Vec<(Field, String)>,
                      entries: Vec<EntryIn>| match build(&values, opts) {
        Ok(mut t) => match keys.get(&t.key) {
            // A file without ids: the same row twice is the same ticket, taken in once.
            Some(first) if t.id.is_none() => out
                .warnings
                .push(fail(line, format!("the same row as {first} (the file has no id column): imported once"))),
            Some(first) => out.errors.push(fail(line, format!("duplicate id (already on {first})"))),
            None => {
                keys.insert(t.key.clone(), place.clone());
                t.place = place;
                t.entries = entries;
                out.rows.push(t);
            }
        },
        Err(m) => out.errors.push(fail(line, m)),
    };
    match format {
        Format::Csv => {
            let mut cols: Vec<Option<Field>> = vec![];
            let mut names: Vec<String> = vec![];
            for_each_record(bytes, file, |ev| {
                match ev {
                    Event::Header { rec, .. } => {
                        names = rec.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect();
                        cols = mapper.resolve(&names)?;
                        if !cols.contains(&Some(Field::Title)) {
                            return Err(format!(
                                "no title column (expected title, subject or summary, or --map NAME=title); columns found: {}",
                                names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
                            ));
                        }
                    }
                    Event::Ragged { line, message } => out.errors.push(fail(line, message)),
                    Event::Row { rec, line, spans } => {
                        let mut values = Vec::new();
                        let mut problems = Vec::new();
                        for (i, raw) in rec.iter().enumerate() {
                            let Some(f) = cols.get(i).copied().flatten() else { continue };
                            if raw.len() > MAX_FIELD_BYTES {
                                problems.push(format!(
                                    "column '{}': value is {} bytes, over the {MAX_FIELD_BYTES}-byte limit{spans}",
                                    names[i],
                                    raw.len()
                                ));
                                continue;
                            }
                            match std::str::from_utf8(raw) {
                                Ok(s) => values.push((f, unescape_formula(s).to_string())),
                                // As mail and asset files: read as Windows-1252, with a warning.
                                Err(e) => {
                                    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw);
                                    out.warnings.push(fail(
                                        line,
                                        format!(
                                            "column '{}': not valid UTF-8 (byte 0x{:02X} at offset {}); read as Windows-1252",
                                            names[i],
                                            raw[e.valid_up_to()],
                                            e.valid_up_to()
                                        ),
                                    ));
                                    values.push((f, unescape_formula(&text).to_string()));
                                }
                            }
                        }
                        if problems.is_empty() {
                            accept(&mut out, line, format!("{file}:{line}"), values, vec![]);
                        } else {
                            out.errors.extend(problems.into_iter().map(|m| fail(line, m)));
                        }
                    }
                }
                Ok(())
            })?;
        }
        Format::Json | Format::Jsonl => {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            for item in json_items(text, format, file)? {
                let (line, place, value) = item;
                let obj = match value {
                    Ok(Value::Object(o)) => o,
                    Ok(other) => {
                        out.errors.push(fail(line, format!("expected a JSON object, found {}", kind_of(&other))));
                        continue;
                    }
                    Err(m) => {
                        out.errors.push(fail(line, m));
                        continue;
                    }
                };
                let mut obj = obj;
                let entries = match obj.remove("entries") {
                    Some(v @ Value::Array(_)) => match ticket_entries::from_json(&v) {
                        Ok(e) => e,
                        Err(m) => {
                            out.errors.push(fail(line, m));
                            continue;
                        }
                    },
                    _ => vec![],
                };
                let mut flat = Vec::new();
                flatten("", &Value::Object(obj), &mut flat);
                let names: Vec<String> = flat.iter().map(|(k, _)| k.clone()).collect();
                let cols = match mapper.resolve(&names) {
                    Ok(c) => c,
                    Err(m) => {
                        out.errors.push(fail(line, m));
                        continue;
                    }
                };
                let mut values = Vec::new();
                let mut too_long = None;
                for ((name, v), f) in flat.into_iter().zip(cols) {
                    let (Some(f), Some(v)) = (f, v) else { continue };
                    if v.len() > MAX_FIELD_BYTES {
                        too_long = Some(format!(
                            "'{name}': value is {} bytes, over the {MAX_FIELD_BYTES}-byte limit",
                            v.len()
                        ));
                    }
                    values.push((f, v));
                }
                match too_long {
                    Some(m) => out.errors.push(fail(line, m)),
                    None => accept(&mut out, line, place, values, entries),
                }
            }
        }
    }
    out.ignored_columns = mapper.ignored;
    Ok(out)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

type Item = (u64, String, Result<Value, String>);

/// The JSON values of a file with their line and place. JSON: an array of objects, or
/// objects one after another (syntax errors end the file: `Err`). JSONL: one per line (a
/// bad line is a row error).
fn json_items(text: &[u8], format: Format, file: &str) -> Result<Vec<Item>, RowError> {
    // Line of a byte offset: counted on from the last offset asked (items come in order), so
    // a large file is read once, not once per item.
    let seen = std::cell::Cell::new((0usize, 1u64));
    let line_at = |off: usize| {
        let off = off.min(text.len());
        let (from, line) = seen.get();
        let (from, line) = if off >= from { (from, line) } else { (0, 1) };
        let line = line + text[from..off].iter().filter(|&&b| b == b'\n').count() as u64;
        seen.set((off, line));
        line
    };
    let mut out = Vec::new();
    if format == Format::Jsonl {
        for (i, l) in text.split(|&b| b == b'\n').enumerate() {
            let line = i as u64 + 1;
            if l.trim_ascii().is_empty() {
                continue;
            }
            let v = serde_json::from_slice::<Value>(l).map_err(|e| format!("not valid JSON: {e}"));
            out.push((line, format!("{file}:{line}"), v));
        }
        return Ok(out);
    }
    let fail = |off: usize, m: String| RowError { file: file.to_string(), line: line_at(off), message: m };
    let skip_ws = |mut i: usize| {
        while i < text.len() && text[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut i = skip_ws(0);
    if i == text.len() {
        return Ok(out);
    }
    if text[i] != b'[' {
        // Objects one after another (one object, or JSON lines in a .json file).
        let mut stream = serde_json::Deserializer::from_slice(&text[i..]).into_iter::<Value>();
        let mut n = 0;
        loop {
            let at = skip_ws(i + stream.byte_offset());
            match stream.next() {
                None => break,
                Some(Ok(v)) => {
                    n += 1;
                    let line = line_at(at);
                    out.push((line, format!("{file}:{line} (item {n})"), Ok(v)));
                }
                Some(Err(e)) => {
                    return Err(fail(
                        i + stream.byte_offset(),
                        format!("not valid JSON: {e}; nothing after this can be read"),
                    ));
                }
            }
        }
        return Ok(out);
    }
    i += 1;
    let mut n = 0;
    loop {
        i = skip_ws(i);
        match text.get(i) {
            None => return Err(fail(i, "the JSON array is never closed (no ']')".into())),
            Some(b']') => {
                let end = skip_ws(i + 1);
                if end < text.len() {
                    return Err(fail(end, "unexpected text after the JSON array".into()));
                }
                return Ok(out);
            }
            Some(b',') if n > 0 => i = skip_ws(i + 1),
            Some(_) if n > 0 => return Err(fail(i, "expected ',' or ']' between array items".into())),
            Some(_) => {}
        }
        let mut stream = serde_json::Deserializer::from_slice(&text[i..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                n += 1;
                let line = line_at(i);
                out.push((line, format!("{file}:{line} (item {n})"), Ok(v)));
                i += stream.byte_offset();
            }
            Some(Err(e)) => {
                return Err(fail(i, format!("not valid JSON in item {}: {e}; nothing after this can be read", n + 1)));
            }
            None => return Err(fail(i, "the JSON array is never closed (no ']')".into())),
        }
    }
}

/// Flatten an object into (dotted key, text) pairs: nested objects by `.`, arrays of
/// scalars joined by `, `, null as `None`.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Option<String>)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), None)),
        Value::String(s) => out.push((prefix.to_string(), Some(s.clone()))),
        Value::Bool(b) => out.push((prefix.to_string(), Some(b.to_string()))),
        Value::Number(n) => out.push((prefix.to_string(), Some(n.to_string()))),
        Value::Array(a) => {
            let parts: Vec<String> = a
                .iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            out.push((prefix.to_string(), Some(parts.join(", "))));
        }
    }
}

/// Check one row's values and build the ticket.
fn build(values: &[(Field, String)], opts: &Options) -> Result<TicketIn, String> {
    let get = |f: Field| -> Option<String> {
        values.iter().find(|(g, _)| *g == f).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty())
    };
    let mut problems = Vec::new();
    let title = get(Field::Title);
    if title.is_none() {
        problems.push("the title is empty".to_string());
    }
    let status = get(Field::Status).and_then(|s| match map_status(&s) {
        Some(st) => Some(st),
        None => {
            problems.push(format!(
                "unknown status '{s}' (tix has new, open, pending, on-hold, resolved, closed; --map cannot rename values, so fix the file)"
            ));
            None
        }
    });
    let priority = get(Field::Priority).and_then(|p| match map_priority(&p) {
        Some(p) => Some(p),
        None => {
            problems.push(format!("unknown priority '{p}' (expected P1–P4, 1–4, critical, high, medium or low)"));
            None
        }
    });
    let mut level = |f: Field, what: &str| -> Level {
        match get(f) {
            None => Level::MEDIUM,
            Some(v) => v.parse::<Level>().unwrap_or_else(|_| {
                problems.push(format!("unknown {what} '{v}' (expected high, medium, low or 1–3)"));
                Level::MEDIUM
            }),
        }
    };
    let urgency = level(Field::Urgency, "urgency");
    let impact = level(Field::Impact, "impact");
    let channel = match get(Field::Channel) {
        None => opts.channel.unwrap_or(Channel::Import),
        Some(c) => map_channel(&c).unwrap_or_else(|| {
            problems.push(format!(
                "unknown channel '{c}' (expected phone, email, walk-in, chat, portal, monitoring or import)"
            ));
            Channel::Import
        }),
    };
    let kind = match get(Field::Type) {
        None => TicketType::Incident,
        Some(t) => map_type(&t).unwrap_or_else(|| {
            problems.push(format!("unknown type '{t}' (expected incident, request, problem or change)"));
            TicketType::Incident
        }),
    };
    let mut time = |f: Field| {
        get(f).and_then(|c| match parse_time(&c) {
            Some(t) => Some(t),
            None => {
                problems.push(format!(
                    "{}: '{c}' is not a date or time (use RFC 3339, YYYY-MM-DD HH:MM or YYYY-MM-DD)",
                    f.name()
                ));
                None
            }
        })
    };
    let created_at = time(Field::Created);
    let updated_at = time(Field::Updated);
    let first_response_at = time(Field::FirstResponse);
    let resolved_at = time(Field::Resolved);
    let closed_at = time(Field::Closed);
    let (mut requester_name, mut requester_email) = (None, get(Field::RequesterEmail));
    if let Some(r) = get(Field::Requester) {
        let (name, email) = crate::domain::person::parse_mailbox(&r);
        requester_name = Some(name);
        if requester_email.is_none() {
            requester_email = email;
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    let given_id = get(Field::Id);
    let id = given_id.clone().unwrap_or_else(|| {
        let mut h = blake3::Hasher::new();
        for (f, v) in values {
            h.update(f.name().as_bytes());
            h.update(&[0]);
            h.update(v.as_bytes());
            h.update(&[0]);
        }
        format!("row-{}", &h.finalize().to_hex()[..32])
    });
    let key = match &opts.source {
        Some(s) => format!("import:{s}:{id}"),
        None => format!("import:{id}"),
    };
    Ok(TicketIn {
        place: String::new(),
        key,
        title: title.unwrap_or_default(),
        description: values
            .iter()
            .find(|(f, _)| *f == Field::Description)
            .map(|(_, v)| v.replace("\r\n", "\n"))
            .unwrap_or_default(),
        status,
        kind,
        priority,
        urgency,
        impact,
        requester_name,
        requester_email,
        assignee: get(Field::Assignee),
        category: get(Field::Category),
        group: get(Field::Group),
        tags: get(Field::Tags).map(|t| normalize_tags([t])).unwrap_or_default(),
        channel,
        created_at,
        assignee_email: get(Field::AssigneeEmail),
        updated_at,
        first_response_at,
        resolved_at,
        closed_at,
        id: given_id,
        entries: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(s: &str) -> ParsedTickets {
        parse_tickets(s.as_bytes(), "t.csv", Format::Csv, &Options::default()).unwrap()
    }

    #[test]
    fn default_names_map_and_others_are_reported() {
        let p = csv(
            "Ticket ID,Subject,Description,Status,Priority,Requester,Requester Email,Assigned To,Category,Team,Tags,Created,Source,Type,Color\n\
             T-1,Printer jam,\"Floor 3\nagain\",In Progress,2 - High,Jane Doe,jane@x.org,dana,Hardware,desk,\"vip, printer\",2024-03-05 08:30,Phone,Service Request,red\n",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.ignored_columns, ["Color"]);
        let t = &p.rows[0];
        assert_eq!(t.key, "import:T-1");
        assert_eq!((t.title.as_str(), t.description.as_str()), ("Printer jam", "Floor 3\nagain"));
        assert_eq!((t.status, t.priority), (Some(Status::Open), Some(Priority::P2)));
        assert_eq!((t.requester_name.as_deref(), t.requester_email.as_deref()), (Some("Jane Doe"), Some("jane@x.org")));
        assert_eq!(
            (t.assignee.as_deref(), t.category.as_deref(), t.group.as_deref()),
            (Some("dana"), Some("Hardware"), Some("desk"))
        );
        assert_eq!(t.tags, ["printer", "vip"]);
        assert_eq!((t.channel, t.kind), (Channel::Phone, TicketType::Request));
        assert_eq!(t.created_at, Some(1_709_627_400_000));
    }

    #[test]
    fn unknown_statuses_and_priorities_are_row_errors_with_lines() {
        let p = csv("title,status,priority\nA,open,P1\nB,frozen,P2\nC,open,whenever\n,open,P1\n");
        assert_eq!(p.rows.len(), 1);
        let e: Vec<String> = p.errors.iter().map(|e| e.to_string()).collect();
        assert!(e[0].starts_with("t.csv:3: unknown status 'frozen'"), "{e:?}");
        assert!(e[1].starts_with("t.csv:4: unknown priority 'whenever'"), "{e:?}");
        assert!(e[2].starts_with("t.csv:5: the title is empty"), "{e:?}");
    }

    #[test]
    fn map_renames_columns_and_a_file_without_title_is_refused() {
        let e = parse_tickets(b"Headline,Who\nx,y\n", "t.csv", Format::Csv, &Options::default()).unwrap_err();
        assert!(e.message.starts_with("no title column") && e.message.contains("'Headline'"), "{e}");
        let opts = Options {
            map: vec![("Headline".into(), Field::Title), ("Who".into(), Field::Requester)],
            source: Some("zd".into()),
            ..Options::default()
        };
        let p = parse_tickets(b"Headline,Who\nx,y <y@z>\n", "t.csv", Format::Csv, &opts).unwrap();
        assert_eq!(p.rows[0].title, "x");
        assert_eq!(p.rows[0].requester_email.as_deref(), Some("y@z"));
        assert!(p.rows[0].key.starts_with("import:zd:row-"));
    }

    #[test]
    fn keys_are_stable_and_duplicates_are_reported() {
        let a = csv("title,body\nA,x\nB,y\n");
        let b = csv("title,body\nA,x\nB,y\n");
        assert_eq!(
            a.rows.iter().map(|r| &r.key).collect::<Vec<_>>(),
            b.rows.iter().map(|r| &r.key).collect::<Vec<_>>()
        );
        let d = csv("id,title\n1,A\n1,B\n");
        assert_eq!(d.errors[0].to_string(), "t.csv:3: duplicate id (already on t.csv:2)");
        // Without an id column, the same row twice is one ticket and a warning.
        let same = csv("title,body\nA,x\nB,y\nA,x\n");
        assert_eq!((same.rows.len(), same.errors.len()), (2, 0));
        assert_eq!(
            same.warnings[0].to_string(),
            "t.csv:4: the same row as t.csv:2 (the file has no id column): imported once"
        );
    }

    #[test]
    fn json_arrays_objects_and_lines() {
        let arr = br#"[
  {"subject": "A", "requester": {"name": "Jane", "email": "j@x"}, "tags": ["a", "b"]},
  {"subject": "B", "status": "solved"},
  7
]"#;
        let p = parse_tickets(arr, "t.json", Format::Json, &Options::default()).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].requester_email.as_deref(), Some("j@x"));
        assert_eq!(p.rows[0].tags, ["a", "b"]);
        assert_eq!(p.rows[1].status, Some(Status::Resolved));
        assert_eq!(p.errors[0].to_string(), "t.json:4: expected a JSON object, found a number");
        let bad = parse_tickets(b"[{\"title\": \"A\"},\n{\"title\": }]", "t.json", Format::Json, &Options::default());
        assert_eq!(bad.unwrap_err().line, 2);
        let lines = b"{\"title\": \"A\"}\n\n{oops\n{\"title\": \"C\"}\n";
        let p = parse_tickets(lines, "t.jsonl", Format::Jsonl, &Options::default()).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.errors[0].line, 3);
    }

    #[test]
    fn text_that_is_not_utf8_is_read_as_windows_1252() {
        let p = csv("title,description\nCaf\u{e9},x\n");
        assert!(p.warnings.is_empty());
        let p = parse_tickets(b"title,description\nCaf\xe9 au lait,x\n", "t.csv", Format::Csv, &Options::default())
            .unwrap();
        assert_eq!(p.rows[0].title, "Caf\u{e9} au lait");
        assert!(p.warnings[0].to_string().starts_with("t.csv:2: column 'title': not valid UTF-8 (byte 0xE9"));
    }

    #[test]
    fn formula_guards_are_read_back() {
        let p = csv("title,description\n'=SUM(A1),'@x\n");
        assert_eq!((p.rows[0].title.as_str(), p.rows[0].description.as_str()), ("=SUM(A1)", "@x"));
        assert_eq!(csv("title\n'quoted\n").rows[0].title, "'quoted");
    }

    #[test]
    fn words_map() {
        assert_eq!(map_priority("1 - Critical"), Some(Priority::P1));
        assert_eq!(map_priority("5 - Planning"), Some(Priority::P4));
        assert_eq!(map_priority("P3"), Some(Priority::P3));
        assert_eq!(map_priority("someday"), None);
        assert_eq!(map_status("Waiting for Customer"), Some(Status::Pending));
        assert_eq!(map_status("On Hold"), Some(Status::OnHold));
        assert_eq!(parse_time("2024-03-05T08:30:00Z"), Some(1_709_627_400_000));
        assert_eq!(parse_time("3/5/2024"), Some(1_709_596_800_000));
        assert_eq!(parse_time("soon"), None);
    }
}
