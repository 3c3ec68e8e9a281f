//! Outbound mail as ops: a message queued for a ticket's requester (and Cc), its send
//! states, the ticket's watchers and the requester's satisfaction rating. No IO here:
//! the store folds these records into `outbox`, `watchers` and `ratings`; `crate::mailer`
//! builds and sends the messages.
//!
//! Every record's op targets the ticket (the op's entity), so that a ticket folded again
//! from the log (sync, out-of-order arrival) brings its outbox rows back with it.

use serde::{Deserialize, Serialize};

use super::ids::ReplicaId;

/// What an outbound message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailKind {
    /// A technician's public reply.
    Reply,
    /// "We have your request": a new ticket from mail.
    Ack,
    /// "Your request was resolved" (may ask for a rating).
    Resolution,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Reply => "reply",
            MailKind::Ack => "ack",
            MailKind::Resolution => "resolution",
        }
    }
    pub fn parse(s: &str) -> Option<MailKind> {
        Some(match s {
            "reply" => MailKind::Reply,
            "ack" => MailKind::Ack,
            "resolution" => MailKind::Resolution,
            _ => return None,
        })
    }
}

/// `mail.queue`: one outbound message. Its Message-ID is not in the record: it is derived
/// from the op's identity (see [`message_id`]), so every replica folds the same one and a
/// resend carries the same Message-ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundRecord {
    pub kind: MailKind,
    /// The requester's address (as known when queued).
    pub to: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// The reply's text (a notice's text is rendered from its template when sent).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Who wrote the reply or resolved the ticket (the `{agent}` of templates).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub agent: String,
    /// The right-hand side of the Message-ID (the desk's domain).
    pub domain: String,
    /// The message this one answers (the requester's latest mail on the ticket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// The ticket's mail thread, oldest first (without angle brackets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// The deterministic Message-ID (without angle brackets) of the message queued by op
/// (replica, counter).
pub fn message_id(replica: ReplicaId, counter: u64, domain: &str) -> String {
    format!("tix.{}.{counter}@{domain}", replica.0.simple())
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MailState {
    Queued,
    /// Being handed to the transport (recorded just before). Found so by the next run:
    /// the attempt was interrupted, and the message may or may not have gone out.
    Sending,
    /// A connection error or a 4xx: tried again at `next_at`.
    Retrying,
    /// Accepted by the server or the sendmail command.
    Sent,
    /// A 5xx, an invalid address, a DSN, or given up after the configured age.
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sending => "sending",
            MailState::Retrying => "retrying",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }
}

/// `mail.state`: a send attempt's result (or `queued` again after `tix mail retry`).
/// Last writer (by HLC) wins per message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailStateRecord {
    pub message_id: String,
    pub state: MailState,
    /// The server's answer, the reason of a failure, or the error of an attempt.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    #[serde(default)]
    pub attempts: u32,
    /// When a retrying message is due again (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_at: Option<i64>,
}

/// `ticket.watch`: an address copied on the ticket's outbound mail. Last writer wins per
/// (ticket, address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchRecord {
    pub address: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

/// `ticket.rating`: the requester's answer (1–5) to a resolution notice. The latest
/// rating of a ticket counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingRecord {
    pub score: u8,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// The notice answered.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub answers: String,
}

/// A rating in the first words of an answer: "5", "4 - thanks", "3/5 slow but fine".
/// The number must stand alone (not "10 printers", not "2nd floor").
pub fn rating_in(body: &str) -> Option<(u8, String)> {
    let first = body.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('>'))?;
    let mut chars = first.chars();
    let d = chars.next()?.to_digit(10)?;
    if !(1..=5).contains(&d) {
        return None;
    }
    let rest = chars.as_str();
    let rest = rest.strip_prefix("/5").unwrap_or(rest);
    if rest.chars().next().is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    let comment = rest.trim_start_matches(|c: char| c.is_whitespace() || "-–:.,)".contains(c)).trim();
    Some((d as u8, comment.to_string()))
}

/// The placeholders a notice template may use.
pub const PLACEHOLDERS: &[&str] = &["number", "title", "requester", "agent", "status", "reply"];

/// The first `{name}` in `template` that is not a known placeholder (`{{` is a literal brace).
pub fn unknown_placeholder(template: &str) -> Option<String> {
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('{') {
            rest = a;
            continue;
        }
        let end = after.find('}')?;
        let name = &after[..end];
        if !PLACEHOLDERS.contains(&name) {
            return Some(name.to_string());
        }
        rest = &after[end + 1..];
    }
    None
}

/// Fill a template: each `{name}` by `value(name)`; `{{` and `}}` are literal braces.
pub fn render(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let c = &rest[i..];
        if let Some(r) = c.strip_prefix("{{").or_else(|| c.strip_prefix("}}")) {
            out.push_str(&c[..1]);
            rest = r;
        } else if let Some(r) = c.strip_prefix('{') {
            match r.find('}') {
                Some(end) => {
                    out.push_str(&value(&r[..end]));
                    rest = &r[end + 1..];
                }
                None => {
                    out.push_str(c);
                    rest = "";
                }
            }
        } else {
            out.push('}');
            rest = &c[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_a_lone_number_from_one_to_five() {
        assert_eq!(rating_in("5"), Some((5, String::new())));
        assert_eq!(rating_in("\n4 - thanks, quick!\n> quoted"), Some((4, "thanks, quick!".into())));
        assert_eq!(rating_in("3/5 slow"), Some((3, "slow".into())));
        assert_eq!(rating_in("10 printers are down"), None);
        assert_eq!(rating_in("2nd floor printer"), None);
        assert_eq!(rating_in("6"), None);
        assert_eq!(rating_in("still broken"), None);
    }

    #[test]
    fn templates_fill_known_placeholders_and_name_unknown_ones() {
        let v = |k: &str| match k {
            "number" => "#12".to_string(),
            "title" => "VPN".to_string(),
            other => format!("<{other}>"),
        };
        assert_eq!(render("{number}: {title} {{literal}}", v), "#12: VPN {literal}");
        assert_eq!(unknown_placeholder("Hi {requester}, {numbr}"), Some("numbr".into()));
        assert_eq!(unknown_placeholder("{{not one}} {reply}"), None);
    }
}
