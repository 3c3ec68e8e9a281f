//! The query language shared by the console's filter, saved views and the CLI:
//! `field:value` tokens, `!field:value` negations, quoted phrases and free words.
//!
//! `status:open,pending prio:<=2 assignee:me|none|NAME group:network updated:>-2h
//! created:<2026-11-01 sla:breached tag:vip category:hardware type:incident
//! channel:email requester:jane "printer jam" !category:hardware printer`
//!
//! Free words and phrases are full-text terms (all must match). Errors name the
//! offending token.

use super::ticket::{Channel, Priority, Status, TicketType};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterSpec {
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub assignee: Option<Who>,
    pub group: Option<String>,
    /// Free words and quoted phrases (a phrase keeps its quotes), for full-text search.
    pub words: Vec<String>,
    /// Everything else: conditions the store turns into SQL.
    pub conds: Vec<Cond>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Me,
    Nobody,
    Named(String),
}

/// A condition beyond the indexed basics; `negate` for `!field:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    pub negate: bool,
    pub test: Test,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// Any of these.
    Status(Vec<Status>),
    Group(Vec<String>),
    Category(Vec<String>),
    Type(Vec<TicketType>),
    Channel(Vec<Channel>),
    /// All of these tags.
    Tags(Vec<String>),
    /// Requester name or e-mail starts with this.
    Requester(String),
    Updated(Cmp, When),
    Created(Cmp, When),
    Sla(SlaTest),
    /// A quoted phrase: its words are full-text terms, and the title or description
    /// must hold them together, in order (the ticket index keeps no word positions).
    Phrase(String),
}

/// `>` after, `<` before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    After,
    Before,
}

/// A point in time: relative to now (`-2h`: two hours ago) or a day (UTC midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Ago(i64),
    At(i64),
}

impl When {
    pub fn resolve(self, now_ms: i64) -> i64 {
        match self {
            When::Ago(ms) => now_ms - ms,
            When::At(ms) => ms,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaTest {
    /// A due time has passed while work remains.
    Breached,
    /// Due within the hour.
    AtRisk,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{token}': {message}")]
pub struct FilterError {
    pub token: String,
    pub message: String,
}

const FIELDS: &str = "status, prio, assignee, group, category, type, channel, tag, requester, updated, created, sla";

/// Split into tokens; a `"…"` stretch (also inside a token) keeps its spaces.
fn tokens(text: &str) -> Result<Vec<String>, FilterError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err(FilterError { token: cur, message: "the quote is not closed".into() });
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

pub fn parse(text: &str) -> Result<FilterSpec, FilterError> {
    let mut spec = FilterSpec::default();
    for token in tokens(text)? {
        let err = |message: String| FilterError { token: token.clone(), message };
        let (negate, body) = match token.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, token.as_str()),
        };
        let Some((field, value)) = body
            .split_once(':')
            .filter(|(f, v)| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphabetic()) && !v.starts_with('/'))
        else {
            if negate {
                return Err(err("'!' applies to field:value tokens, e.g. !category:hardware".into()));
            }
            if token.starts_with('"') && token.trim_matches('"').trim().is_empty() {
                continue;
            }
            if token.starts_with('"') && token.ends_with('"') && token.len() > 1 {
                let phrase = token.trim_matches('"').split_whitespace().collect::<Vec<_>>().join(" ");
                spec.conds.push(Cond { negate: false, test: Test::Phrase(phrase) });
            }
            spec.words.push(token.clone());
            continue;
        };
        let value = value.trim_matches('"');
        if value.is_empty() {
            return Err(err("needs a value after ':'".into()));
        }
        let list = || value.split(',').map(str::trim).filter(|v| !v.is_empty());
        let parse_list = |what: &str| -> Result<Vec<String>, FilterError> {
            let v: Vec<String> = list().map(str::to_string).collect();
            if v.is_empty() { Err(err(format!("needs a {what}"))) } else { Ok(v) }
        };
        let domain = |e: super::DomainError| err(e.to_string());
        let field = field.to_ascii_lowercase();
        let test = match field.as_str() {
            "status" | "s" => {
                let v = list().map(|v| v.parse()).collect::<Result<Vec<Status>, _>>().map_err(domain)?;
                if !negate {
                    spec.statuses.extend(v);
                    continue;
                }
                Test::Status(v)
            }
            "prio" | "priority" | "p" if !negate => {
                if let Some(max) = value.strip_prefix("<=") {
                    let max: Priority = max.parse().map_err(domain)?;
                    spec.priorities.extend((1..=max.get()).filter_map(|p| Priority::try_from(p).ok()));
                } else {
                    for v in list() {
                        spec.priorities.push(v.parse().map_err(domain)?);
                    }
                }
                continue;
            }
            "assignee" | "a" if !negate => {
                spec.assignee = Some(match value.to_ascii_lowercase().as_str() {
                    "me" => Who::Me,
                    "none" | "nobody" => Who::Nobody,
                    _ => Who::Named(value.to_string()),
                });
                continue;
            }
            "group" | "g" if !negate && !value.contains(',') => {
                spec.group = Some(value.to_string());
                continue;
            }
            "group" | "g" => Test::Group(parse_list("group")?),
            "category" | "cat" => Test::Category(parse_list("category")?),
            "tag" | "tags" => Test::Tags(parse_list("tag")?.into_iter().map(|t| t.to_lowercase()).collect()),
            "type" => Test::Type(list().map(|v| v.parse()).collect::<Result<Vec<TicketType>, _>>().map_err(domain)?),
            "channel" => Test::Channel(list().map(|v| v.parse()).collect::<Result<Vec<Channel>, _>>().map_err(domain)?),
            "requester" | "req" => Test::Requester(value.to_string()),
            "updated" | "created" => {
                let (cmp, rest) = match value.as_bytes().first() {
                    Some(b'>') => (Cmp::After, &value[1..]),
                    Some(b'<') => (Cmp::Before, &value[1..]),
                    _ => {
                        return Err(err(format!(
                            "use {field}:>-2h (within 2 hours), {field}:<-7d, {field}:>2026-11-01"
                        )));
                    }
                };
                let when = parse_when(rest).map_err(err)?;
                if field == "updated" { Test::Updated(cmp, when) } else { Test::Created(cmp, when) }
            }
            "sla" => Test::Sla(match value.to_ascii_lowercase().as_str() {
                "breached" | "late" => SlaTest::Breached,
                "at-risk" | "risk" => SlaTest::AtRisk,
                other => return Err(err(format!("sla:{other}: use sla:breached or sla:at-risk"))),
            }),
            "prio" | "priority" | "p" | "assignee" | "a" => {
                return Err(err(format!("'!' is not supported for {field}; use the values you want instead")));
            }
            other => return Err(err(format!("unknown field '{other}' (known: {FIELDS})"))),
        };
        spec.conds.push(Cond { negate, test });
    }
    Ok(spec)
}

/// `-2h`, `-30m`, `-7d`, `-2w` (ago), or a date `2026-11-01` (UTC midnight).
fn parse_when(s: &str) -> Result<When, String> {
    if let Some(rel) = s.strip_prefix('-') {
        if !rel.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("'{s}': a number must follow '-' (e.g. -2h)"));
        }
        return match super::duration::parse(rel, super::duration::Grammar::AGE) {
            Ok(ms) => Ok(When::Ago(ms)),
            Err(super::duration::DurationError::TooLong(_)) => Err(format!("'{s}' reaches too far back")),
            Err(_) => Err(format!("'{s}': the unit is m, h, d or w, largest first (e.g. -2h, -1d12h)")),
        };
    }
    match super::time::parse_day(s) {
        Ok(Some(d)) => Ok(When::At(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0))),
        _ => Err(format!("'{s}' is not a date such as 2026-11-01, or a relative time such as -2h")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_words() {
        let s = parse("status:open,pending prio:<=2 assignee:me printer jam").unwrap();
        assert_eq!(s.statuses, vec![Status::Open, Status::Pending]);
        assert_eq!(s.priorities, vec![Priority::P1, Priority::P2]);
        assert_eq!(s.assignee, Some(Who::Me));
        assert_eq!(s.words, vec!["printer", "jam"]);
        assert_eq!(parse("assignee:none group:network").unwrap().group.as_deref(), Some("network"));
        assert_eq!(parse("prio:p1,3").unwrap().priorities, vec![Priority::P1, Priority::P3]);
        assert_eq!(parse("").unwrap(), FilterSpec::default());
        // A URL-ish word is a word, not a field.
        assert_eq!(parse("http://x").unwrap().words, vec!["http://x"]);
    }

    #[test]
    fn negations_phrases_times_and_more_fields() {
        let s =
            parse("!category:hardware \"printer jam\" updated:>-2h created:<2026-11-01 tag:VIP sla:breached").unwrap();
        assert_eq!(s.words, vec!["\"printer jam\""]);
        assert_eq!(s.conds[0], Cond { negate: true, test: Test::Category(vec!["hardware".into()]) });
        assert_eq!(s.conds[1].test, Test::Phrase("printer jam".into()));
        assert_eq!(s.conds[2].test, Test::Updated(Cmp::After, When::Ago(2 * crate::domain::time::HOUR)));
        let Test::Created(Cmp::Before, When::At(ms)) = s.conds[3].test else { panic!("{:?}", s.conds[3]) };
        assert_eq!(crate::domain::time::iso_date(ms), "2026-11-01");
        assert_eq!(s.conds[4].test, Test::Tags(vec!["vip".into()]));
        assert_eq!(s.conds[5].test, Test::Sla(SlaTest::Breached));
        let s = parse("!status:closed,resolved type:incident,request channel:email requester:jane group:a,b").unwrap();
        assert!(s.statuses.is_empty());
        assert_eq!(s.conds[0], Cond { negate: true, test: Test::Status(vec![Status::Closed, Status::Resolved]) });
        assert_eq!(s.conds[1].test, Test::Type(vec![TicketType::Incident, TicketType::Request]));
        assert_eq!(s.conds[2].test, Test::Channel(vec![Channel::Email]));
        assert_eq!(s.conds[3].test, Test::Requester("jane".into()));
        assert_eq!(s.conds[4].test, Test::Group(vec!["a".into(), "b".into()]));
        assert_eq!(parse("category:\"end user\"").unwrap().conds[0].test, Test::Category(vec!["end user".into()]));
        assert_eq!(When::Ago(5).resolve(100), 95);
    }

    #[test]
    fn every_error_path_names_its_token() {
        for (q, token, says) in [
            ("\"printer jam", "\"printer jam", "not closed"),
            ("!printer", "!printer", "field:value"),
            ("updated:2h", "updated:2h", "updated:>-2h"),
            ("updated:>-2x", "updated:>-2x", "unit"),
            ("created:>-h", "created:>-h", "number"),
            ("created:>2026-13-45", "created:>2026-13-45", "2026-13-45"),
            ("sla:soon", "sla:soon", "sla:breached"),
            ("!prio:1", "!prio:1", "not supported"),
            ("!assignee:me", "!assignee:me", "not supported"),
            ("type:bug", "type:bug", "bug"),
            ("channel:fax", "channel:fax", "fax"),
            ("tag:,", "tag:,", "needs a tag"),
            ("x y colour:red", "colour:red", "known: status"),
        ] {
            let e = parse(q).unwrap_err();
            assert_eq!(e.token, token, "{q}");
            assert!(e.message.contains(says), "{q}: {e}");
        }
    }

    #[test]
    fn errors_point_at_the_token() {
        let e = parse("printer status:solved").unwrap_err();
        assert_eq!(e.token, "status:solved");
        assert!(e.to_string().contains("solved"), "{e}");
        assert_eq!(parse("prio:9").unwrap_err().token, "prio:9");
        assert!(parse("colour:red").unwrap_err().message.contains("unknown field"));
        assert!(parse("status:").unwrap_err().message.contains("needs a value"));
    }
}
