//! Ticket import's column names and values: which column feeds which field, and how
//! another desk's words for statuses, priorities, channels and types read in tix.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};

use crate::domain::ticket::{Channel, Priority, Status, TicketType};

/// The fields a column can feed, with the names `--map` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    Title,
    Description,
    Status,
    Priority,
    Urgency,
    Impact,
    Requester,
    RequesterEmail,
    Assignee,
    Category,
    Group,
    Tags,
    Created,
    Channel,
    Type,
    AssigneeEmail,
    Updated,
    FirstResponse,
    Resolved,
    Closed,
}

impl Field {
    pub const ALL: &'static [(&'static str, Field)] = &[
        ("id", Field::Id),
        ("title", Field::Title),
        ("description", Field::Description),
        ("status", Field::Status),
        ("priority", Field::Priority),
        ("urgency", Field::Urgency),
        ("impact", Field::Impact),
        ("requester", Field::Requester),
        ("requester_email", Field::RequesterEmail),
        ("assignee", Field::Assignee),
        ("category", Field::Category),
        ("group", Field::Group),
        ("tags", Field::Tags),
        ("created", Field::Created),
        ("channel", Field::Channel),
        ("type", Field::Type),
        ("assignee_email", Field::AssigneeEmail),
        ("updated", Field::Updated),
        ("first_response", Field::FirstResponse),
        ("resolved", Field::Resolved),
        ("closed", Field::Closed),
    ];

    pub fn parse(name: &str) -> Result<Field, String> {
        let n = normalize(name);
        Field::ALL.iter().find(|(f, _)| normalize(f) == n).map(|(_, f)| *f).ok_or_else(|| {
            format!(
                "unknown field '{name}' (expected one of: {})",
                Field::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )
        })
    }

    pub(crate) fn name(self) -> &'static str {
        Field::ALL.iter().find(|(_, f)| *f == self).map(|(n, _)| *n).unwrap_or("?")
    }
}

/// Normalised column name → field, best first per field.
const ALIASES: &[(&str, Field)] = {
    use Field::*;
    &[
        ("id", Id),
        ("number", Id),
        ("ticketid", Id),
        ("ticketnumber", Id),
        ("key", Id),
        ("externalid", Id),
        ("reference", Id),
        ("ref", Id),
        ("incidentnumber", Id),
        ("casenumber", Id),
        ("issuekey", Id),
        ("title", Title),
        ("subject", Title),
        ("summary", Title),
        ("shortdescription", Title),
        ("issue", Title),
        ("topic", Title),
        ("description", Description),
        ("body", Description),
        ("details", Description),
        ("text", Description),
        ("content", Description),
        ("message", Description),
        ("status", Status),
        ("state", Status),
        ("ticketstatus", Status),
        ("priority", Priority),
        ("prio", Priority),
        ("urgency", Urgency),
        ("impact", Impact),
        ("requester", Requester),
        ("requestername", Requester),
        ("requestedby", Requester),
        ("caller", Requester),
        ("customer", Requester),
        ("customername", Requester),
        ("contact", Requester),
        ("contactname", Requester),
        ("reporter", Requester),
        ("reportedby", Requester),
        ("submitter", Requester),
        ("requesteremail", RequesterEmail),
        ("email", RequesterEmail),
        ("customeremail", RequesterEmail),
        ("contactemail", RequesterEmail),
        ("calleremail", RequesterEmail),
        ("reporteremail", RequesterEmail),
        ("emailaddress", RequesterEmail),
        ("assignee", Assignee),
        ("assigneename", Assignee),
        ("assignedto", Assignee),
        ("agent", Assignee),
        ("agentname", Assignee),
        ("owner", Assignee),
        ("technician", Assignee),
        ("category", Category),
        ("categoryname", Category),
        ("group", Group),
        ("team", Group),
        ("assignmentgroup", Group),
        ("queue", Group),
        ("tags", Tags),
        ("labels", Tags),
        ("keywords", Tags),
        ("created", Created),
        ("createdat", Created),
        ("createdon", Created),
        ("datecreated", Created),
        ("creationdate", Created),
        ("opened", Created),
        ("openedat", Created),
        ("submitted", Created),
        ("syscreatedon", Created),
        ("syscreatedat", Created),
        ("createddate", Created),
        ("openeddate", Created),
        ("dateopened", Created),
        ("opendate", Created),
        ("reporteddate", Created),
        ("datereported", Created),
        ("date", Created),
        ("channel", Channel),
        ("source", Channel),
        ("via", Channel),
        ("contacttype", Channel),
        ("origin", Channel),
        ("type", Type),
        ("tickettype", Type),
        ("kind", Type),
        ("issuetype", Type),
        ("recordtype", Type),
        ("assigneeemail", AssigneeEmail),
        ("assignedtoemail", AssigneeEmail),
        ("agentemail", AssigneeEmail),
        ("updated", Updated),
        ("updatedat", Updated),
        ("updatedon", Updated),
        ("lastupdated", Updated),
        ("sysupdatedon", Updated),
        ("sysupdatedat", Updated),
        ("modified", Updated),
        ("lastmodified", Updated),
        ("firstresponse", FirstResponse),
        ("firstresponseat", FirstResponse),
        ("firstreplyat", FirstResponse),
        ("respondedat", FirstResponse),
        ("resolved", Resolved),
        ("resolvedat", Resolved),
        ("resolvedon", Resolved),
        ("dateresolved", Resolved),
        ("resolutiondate", Resolved),
        ("solvedat", Resolved),
        ("closed", Closed),
        ("closedat", Closed),
        ("closedon", Closed),
        ("dateclosed", Closed),
    ]
};

/// Column name for matching: lower case, without whitespace, `_`, `-`, `:`, `.` and BOMs.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | ':' | '.' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Column names → fields, for one header (CSV) or one object (JSON).
pub(crate) struct Mapper<'a> {
    pub(crate) opts: &'a Options,
    pub(crate) ignored: Vec<String>,
}

impl Mapper<'_> {
    /// The field for each column (None: ignored), best name winning per field. `Err` names
    /// a column used twice.
    pub(crate) fn resolve(&mut self, names: &[String]) -> Result<Vec<Option<Field>>, String> {
        let rank = |n: &str| -> Option<(Field, usize)> {
            let norm = normalize(n);
            if let Some((_, f)) = self.opts.map.iter().find(|(from, _)| normalize(from) == norm) {
                return Some((*f, 0));
            }
            ALIASES.iter().position(|(a, _)| *a == norm).map(|i| (ALIASES[i].1, i + 1))
        };
        let ranked: Vec<Option<(Field, usize)>> = names.iter().map(|n| rank(n)).collect();
        let mut best: HashMap<Field, usize> = HashMap::new();
        for (f, r) in ranked.iter().flatten() {
            let b = best.entry(*f).or_insert(*r);
            *b = (*b).min(*r);
        }
        let mut out = Vec::with_capacity(names.len());
        let mut used: HashMap<Field, usize> = HashMap::new();
        for (col, r) in ranked.iter().enumerate() {
            match r {
                Some((f, r)) if best.get(f) == Some(r) => {
                    if let Some(first) = used.insert(*f, col) {
                        return Err(format!(
                            "columns {} and {} ('{}', '{}') both give the {}; remove or rename one",
                            first + 1,
                            col + 1,
                            names[first],
                            names[col],
                            f.name()
                        ));
                    }
                    out.push(Some(*f));
                }
                _ => {
                    let n = names[col].trim();
                    if !n.is_empty() && !self.ignored.iter().any(|i| i == n) {
                        self.ignored.push(n.to_string());
                    }
                    out.push(None);
                }
            }
        }
        Ok(out)
    }
}

fn key_of(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// A status word from another desk to tix's statuses; `None` when it does not map.
pub fn map_status(s: &str) -> Option<Status> {
    Some(match key_of(s).as_str() {
        "new" | "unassigned" | "untriaged" => Status::New,
        "open" | "opened" | "inprogress" | "assigned" | "active" | "reopened" | "workinprogress" | "wip"
        | "working" => Status::Open,
        "pending" | "waiting" | "waitingforcustomer" | "waitingoncustomer" | "awaitingcustomer"
        | "awaitinguserinfo" | "awaitingcaller" | "oncustomer" | "awaitingreply" => Status::Pending,
        "onhold" | "hold" | "deferred" | "suspended" | "paused" => Status::OnHold,
        "resolved" | "solved" | "done" | "fixed" | "completed" | "complete" => Status::Resolved,
        "closed" | "cancelled" | "canceled" => Status::Closed,
        _ => return None,
    })
}

/// A priority from another desk; `None` when it does not map.
pub fn map_priority(s: &str) -> Option<Priority> {
    let one = |k: &str| -> Option<Priority> {
        Some(match k {
            "p1" | "1" | "critical" | "urgent" | "highest" | "blocker" => Priority::P1,
            "p2" | "2" | "high" | "major" => Priority::P2,
            "p3" | "3" | "medium" | "normal" | "moderate" => Priority::P3,
            "p4" | "4" | "low" | "lowest" | "planning" | "minor" => Priority::P4,
            _ => return None,
        })
    };
    one(&key_of(s)).or_else(|| {
        // "1 - Critical": the leading number, else the word.
        let first = s.split(|c: char| !c.is_alphanumeric()).find(|p| !p.is_empty())?;
        one(&key_of(first)).or_else(|| one(&key_of(s.rsplit(|c: char| !c.is_alphanumeric()).next()?)))
    })
}

pub fn map_channel(s: &str) -> Option<Channel> {
    Some(match key_of(s).as_str() {
        "phone" | "telephone" | "call" | "phonecall" => Channel::Phone,
        "email" | "mail" => Channel::Email,
        "walkin" | "inperson" | "desk" => Channel::WalkIn,
        "chat" | "im" | "teams" | "slack" => Channel::Chat,
        "portal" | "web" | "webform" | "selfservice" | "form" => Channel::Portal,
        "monitoring" | "alert" | "event" | "system" => Channel::Monitoring,
        "import" | "imported" | "unknown" => Channel::Import,
        _ => return None,
    })
}

pub fn map_type(s: &str) -> Option<TicketType> {
    Some(match key_of(s).as_str() {
        "incident" | "fault" | "bug" => TicketType::Incident,
        "request" | "servicerequest" | "question" | "task" => TicketType::Request,
        "problem" => TicketType::Problem,
        "change" | "changerequest" => TicketType::Change,
        _ => return None,
    })
}

/// RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (UTC), or a date (midnight UTC), to milliseconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %I:%M %p",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%d-%m-%Y %H:%M:%S",
        "%d-%m-%Y %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    crate::domain::time::parse_day(s)
        .ok()
        .flatten()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}

/// `'=x` (as `tix export` guards a cell) reads back as `=x`.
pub(crate) fn unescape_formula(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => s,
    }
}

/// How to read a file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--map FROM=TO`: column name → field, before the default names.
    pub map: Vec<(String, Field)>,
    /// Prefix of the re-import key (`--source`).
    pub source: Option<String>,
    /// The channel of rows that do not say (`--channel`); default `import`.
    pub channel: Option<Channel>,
}
