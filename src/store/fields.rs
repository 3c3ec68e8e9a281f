//! How each changeable field maps to a column, and how its op-log string encoding
//! converts to and from SQL values. Field names never reach SQL unvalidated: every
//! column name comes from these tables.

use rusqlite::types::{Value, ValueRef};
use uuid::Uuid;

use crate::domain::asset::AssetField;
use crate::domain::kb::ArticleField;
use crate::domain::person::PersonField;
use crate::domain::ticket::TicketField;

/// The SQL type a field's string encoding converts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Text,
    Int,
    Bool,
    Uuid,
}

pub fn ticket(f: TicketField) -> (&'static str, Col) {
    use TicketField as F;
    match f {
        F::Title => ("title", Col::Text),
        F::Description => ("description", Col::Text),
        F::Requester => ("requester", Col::Uuid),
        F::Assignee => ("assignee", Col::Uuid),
        F::Group => ("grp", Col::Text),
        F::Status => ("status", Col::Text),
        F::Type => ("type", Col::Text),
        F::Category => ("category", Col::Text),
        F::Tags => ("tags", Col::Text),
        F::Channel => ("channel", Col::Text),
        F::Urgency => ("urgency", Col::Int),
        F::Impact => ("impact", Col::Int),
        F::Priority => ("priority", Col::Int),
        F::PriorityOverride => ("priority_override", Col::Bool),
        F::ResponseDue => ("response_due", Col::Int),
        F::ResolutionDue => ("resolution_due", Col::Int),
        F::Deleted => ("deleted", Col::Bool),
        F::Checklist => ("checklist", Col::Text),
    }
}

pub fn asset(f: AssetField) -> (&'static str, Col) {
    use AssetField as F;
    match f {
        F::Tag => ("tag", Col::Text),
        F::Hostname => ("hostname", Col::Text),
        F::Serial => ("serial", Col::Text),
        F::Model => ("model", Col::Text),
        F::Manufacturer => ("manufacturer", Col::Text),
        F::Category => ("category", Col::Text),
        F::Status => ("status", Col::Text),
        F::Holder => ("holder", Col::Uuid),
        F::Location => ("location", Col::Text),
        F::Ip => ("ip", Col::Text),
        F::Mac => ("mac", Col::Text),
        F::PurchaseDate => ("purchase_date", Col::Text),
        F::WarrantyEnd => ("warranty_end", Col::Text),
        F::Notes => ("notes", Col::Text),
        F::Deleted => ("deleted", Col::Bool),
    }
}

pub fn article(f: ArticleField) -> (&'static str, Col) {
    use ArticleField as F;
    match f {
        F::Title => ("title", Col::Text),
        F::Body => ("body", Col::Text),
        F::Tags => ("tags", Col::Text),
        F::Category => ("category", Col::Text),
        F::Internal => ("internal", Col::Bool),
        F::Source => ("source", Col::Text),
        F::Deleted => ("deleted", Col::Bool),
    }
}

pub fn person(f: PersonField) -> (&'static str, Col) {
    use PersonField as F;
    match f {
        F::Name => ("name", Col::Text),
        F::Email => ("email", Col::Text),
        F::Login => ("login", Col::Text),
        F::Department => ("department", Col::Text),
        F::Site => ("site", Col::Text),
        F::Phone => ("phone", Col::Text),
        F::Vip => ("vip", Col::Bool),
        F::Role => ("role", Col::Text),
        F::Groups => ("groups", Col::Text),
    }
}

/// Op-log string → SQL value. Values were validated when the op was made; an
/// unreadable one (a damaged or foreign op) becomes NULL rather than a panic.
pub fn to_sql(col: Col, v: Option<&str>) -> Value {
    match (col, v) {
        (_, None) => Value::Null,
        (Col::Text, Some(s)) => Value::Text(s.to_string()),
        (Col::Int, Some(s)) => s.parse::<i64>().map(Value::Integer).unwrap_or(Value::Null),
        (Col::Bool, Some(s)) => Value::Integer(matches!(s, "true" | "1") as i64),
        (Col::Uuid, Some(s)) => Uuid::parse_str(s).map(|u| Value::Blob(u.as_bytes().to_vec())).unwrap_or(Value::Null),
    }
}

/// SQL value → op-log string.
pub fn from_sql(col: Col, v: ValueRef<'_>) -> Option<String> {
    match (col, v) {
        (_, ValueRef::Null) => None,
        (Col::Bool, ValueRef::Integer(i)) => Some((i != 0).to_string()),
        (Col::Int, ValueRef::Integer(i)) => Some(i.to_string()),
        (Col::Uuid, ValueRef::Blob(b)) => Uuid::from_slice(b).ok().map(|u| u.to_string()),
        (_, ValueRef::Text(t)) => Some(String::from_utf8_lossy(t).into_owned()),
        (_, ValueRef::Integer(i)) => Some(i.to_string()),
        (_, ValueRef::Real(r)) => Some(r.to_string()),
        (_, ValueRef::Blob(b)) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}
