//! The quick filter's little language: `field:value` tokens and free words.
//!
//! `status:open,pending prio:1 prio:<=2 assignee:me|none|NAME group:network printer jam`
//! Free words are full-text terms (all must match). Errors name the offending token.

use super::ticket::{Priority, Status};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterSpec {
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub assignee: Option<Who>,
    pub group: Option<String>,
    /// Free words, for full-text search.
    pub words: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Me,
    Nobody,
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{token}': {message}")]
pub struct FilterError {
    pub token: String,
    pub message: String,
}

pub fn parse(text: &str) -> Result<FilterSpec, FilterError> {
    let mut spec = FilterSpec::default();
    for token in text.split_whitespace() {
        let err = |message: String| FilterError { token: token.to_string(), message };
        let Some((field, value)) = token
            .split_once(':')
            .filter(|(f, v)| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphabetic()) && !v.starts_with('/'))
        else {
            spec.words.push(token.to_string());
            continue;
        };
        if value.is_empty() {
            return Err(err("needs a value after ':'".into()));
        }
        match field.to_ascii_lowercase().as_str() {
            "status" | "s" => {
                for v in value.split(',').filter(|v| !v.is_empty()) {
                    spec.statuses.push(v.parse().map_err(|e: super::DomainError| err(e.to_string()))?);
                }
            }
            "prio" | "priority" | "p" => {
                if let Some(max) = value.strip_prefix("<=") {
                    let max: Priority = max.parse().map_err(|e: super::DomainError| err(e.to_string()))?;
                    spec.priorities.extend((1..=max.get()).filter_map(|p| Priority::try_from(p).ok()));
                } else {
                    for v in value.split(',').filter(|v| !v.is_empty()) {
                        spec.priorities.push(v.parse().map_err(|e: super::DomainError| err(e.to_string()))?);
                    }
                }
            }
            "assignee" | "a" => {
                spec.assignee = Some(match value.to_ascii_lowercase().as_str() {
                    "me" => Who::Me,
                    "none" | "nobody" => Who::Nobody,
                    _ => Who::Named(value.to_string()),
                })
            }
            "group" | "g" => spec.group = Some(value.to_string()),
            other => {
                return Err(err(format!("unknown field '{other}' (known: status, prio, assignee, group)")));
            }
        }
    }
    Ok(spec)
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
    fn errors_point_at_the_token() {
        let e = parse("printer status:solved").unwrap_err();
        assert_eq!(e.token, "status:solved");
        assert!(e.to_string().contains("solved"), "{e}");
        assert_eq!(parse("prio:9").unwrap_err().token, "prio:9");
        assert!(parse("colour:red").unwrap_err().message.contains("unknown field"));
        assert!(parse("status:").unwrap_err().message.contains("needs a value"));
    }
}
