//! Checklists on tickets: from templates in the config or from a KB article's numbered
//! steps. Stored on the ticket as one field (JSON), changed like any field (the value
//! seen guards against lost updates). Resolving with open required items warns.

use serde::{Deserialize, Serialize};

use super::op::Change;
use super::ticket::{Ticket, TicketField};
use super::{RuleError, RuleProblem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub name: String,
    pub items: Vec<Item>,
}

/// `[[checklists]]` in the config: a name and items; an item starting with `!` is
/// required.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistTemplate {
    pub name: String,
    pub items: Vec<String>,
}

impl ChecklistTemplate {
    pub fn checklist(&self) -> Checklist {
        Checklist {
            name: self.name.clone(),
            items: self
                .items
                .iter()
                .map(|i| match i.strip_prefix('!') {
                    Some(t) => Item { text: t.trim().to_string(), required: true, done: false },
                    None => Item { text: i.trim().to_string(), required: false, done: false },
                })
                .collect(),
        }
    }

    pub fn check(&self) -> Result<(), RuleError> {
        if self.items.iter().all(|i| i.trim_start_matches('!').trim().is_empty()) {
            return Err(RuleError::new("checklist", &self.name, RuleProblem::NoItems));
        }
        Ok(())
    }
}

impl Checklist {
    pub fn from_json(s: &str) -> Result<Checklist, ChecklistError> {
        serde_json::from_str(s).map_err(|e| ChecklistError::Unreadable(e.to_string()))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a checklist serialises")
    }

    /// A KB article's numbered steps ("1. …", "2) …"), or its list items ("- …") when it
    /// has none; `None` when it has neither.
    pub fn from_steps(title: &str, body: &str) -> Option<Checklist> {
        let numbered: Vec<String> = body
            .lines()
            .filter_map(|l| {
                let l = l.trim_start();
                let digits = l.chars().take_while(|c| c.is_ascii_digit()).count();
                let rest = &l[digits..];
                (digits > 0 && (rest.starts_with(". ") || rest.starts_with(") "))).then(|| rest[2..].trim().to_string())
            })
            .filter(|s| !s.is_empty())
            .collect();
        let items = if numbered.is_empty() {
            body.lines()
                .filter_map(|l| l.trim_start().strip_prefix("- ").map(|s| s.trim().to_string()))
                .filter(|s| !s.is_empty())
                .collect()
        } else {
            numbered
        };
        (!items.is_empty()).then(|| Checklist {
            name: title.to_string(),
            items: items.into_iter().map(|text| Item { text, required: false, done: false }).collect(),
        })
    }

    /// (done, all).
    pub fn progress(&self) -> (usize, usize) {
        (self.items.iter().filter(|i| i.done).count(), self.items.len())
    }

    /// Required items not done.
    pub fn open_required(&self) -> usize {
        self.items.iter().filter(|i| i.required && !i.done).count()
    }
}

/// Why a checklist cannot be read or ticked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChecklistError {
    #[error("not a checklist: {0}")]
    Unreadable(String),
    /// The ticket (its number as shown) has none.
    #[error("{0} has no checklist")]
    None(String),
    #[error("item {n}: the checklist has items 1 to {len}")]
    NoItem { n: usize, len: usize },
}

/// The change that attaches (or replaces) a ticket's checklist.
pub fn attach(seen: &Ticket, c: &Checklist) -> Change {
    Change::set_ticket(seen.id, TicketField::Checklist, Some(c.to_json())).expecting(seen.checklist.clone())
}

/// The change that marks item `n` (1-based) done or not, or what is wrong.
pub fn mark(seen: &Ticket, n: usize, done: bool) -> Result<Change, ChecklistError> {
    let raw = seen.checklist.as_deref().ok_or_else(|| ChecklistError::None(seen.number.to_string()))?;
    let mut c = Checklist::from_json(raw)?;
    let len = c.items.len();
    let item = c.items.get_mut(n.wrapping_sub(1)).ok_or(ChecklistError::NoItem { n, len })?;
    item.done = done;
    Ok(attach(seen, &c))
}

/// A change of a ticket's checklist field in words, for the history: `attached
/// "Leaver" (2 items)`, `"Leaver": item 2 done (Collect laptop)`, `replaced "Leaver" by
/// "Reset VPN" (2 items)`, `removed "Leaver"`. Values that are not checklists are shown
/// as they are.
pub fn describe_change(from: Option<&str>, to: Option<&str>) -> String {
    let parse = |v: Option<&str>| v.map(|s| Checklist::from_json(s).map_err(|_| s.to_string()));
    let size = |c: &Checklist| format!("{} item{}", c.items.len(), if c.items.len() == 1 { "" } else { "s" });
    match (parse(from), parse(to)) {
        (None, None) => "no checklist".into(),
        (None, Some(Ok(c))) => format!("attached \"{}\" ({})", c.name, size(&c)),
        (Some(Ok(c)), None) => format!("removed \"{}\"", c.name),
        (Some(Ok(a)), Some(Ok(b)))
            if a.name == b.name
                && a.items.len() == b.items.len()
                && a.items.iter().zip(&b.items).all(|(x, y)| x.text == y.text) =>
        {
            let ticks: Vec<String> = a
                .items
                .iter()
                .zip(&b.items)
                .enumerate()
                .filter(|(_, (x, y))| x.done != y.done)
                .map(|(i, (_, y))| format!("item {} {} ({})", i + 1, if y.done { "done" } else { "not done" }, y.text))
                .collect();
            let (d, all) = b.progress();
            if ticks.is_empty() {
                format!("\"{}\" unchanged", b.name)
            } else {
                format!("\"{}\": {} · {d} of {all} done", b.name, ticks.join(", "))
            }
        }
        (Some(Ok(a)), Some(Ok(b))) => format!("replaced \"{}\" by \"{}\" ({})", a.name, b.name, size(&b)),
        (a, b) => {
            let raw = |v: Option<Result<Checklist, String>>| match v {
                None => "-".to_string(),
                Some(Ok(c)) => format!("\"{}\"", c.name),
                Some(Err(s)) => s,
            };
            format!("{} → {}", raw(a), raw(b))
        }
    }
}

/// Open required items of a ticket's checklist (0 without one).
pub fn open_required(t: &Ticket) -> usize {
    t.checklist.as_deref().and_then(|s| Checklist::from_json(s).ok()).map(|c| c.open_required()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    /// Issue 16: the history says what happened to a checklist, not its JSON.
    #[test]
    fn checklist_changes_in_words() {
        let t = ChecklistTemplate {
            name: "Leaver".into(),
            items: vec!["!Disable account".into(), "Collect laptop".into()],
        };
        let a = t.checklist();
        let mut b = a.clone();
        b.items[1].done = true;
        let (a, b) = (a.to_json(), b.to_json());
        assert_eq!(describe_change(None, Some(&a)), "attached \"Leaver\" (2 items)");
        assert_eq!(describe_change(Some(&a), Some(&b)), "\"Leaver\": item 2 done (Collect laptop) · 1 of 2 done");
        assert_eq!(describe_change(Some(&b), Some(&a)), "\"Leaver\": item 2 not done (Collect laptop) · 0 of 2 done");
        let vpn = Checklist::from_steps("Reset VPN", "1. Quit\n2. Delete the profile\n").unwrap().to_json();
        assert_eq!(describe_change(Some(&b), Some(&vpn)), "replaced \"Leaver\" by \"Reset VPN\" (2 items)");
        assert_eq!(describe_change(Some(&vpn), None), "removed \"Reset VPN\"");
        assert_eq!(describe_change(None, Some("junk")), "- → junk");
    }
    use super::*;

    #[test]
    fn templates_steps_and_progress() {
        let t = ChecklistTemplate {
            name: "Leaver".into(),
            items: vec!["!Disable account".into(), "Collect laptop".into()],
        };
        t.check().unwrap();
        let c = t.checklist();
        assert_eq!((c.items[0].required, c.items[1].required), (true, false));
        assert_eq!(c.open_required(), 1);
        assert_eq!(Checklist::from_json(&c.to_json()).unwrap(), c);
        let kb = "# Reset VPN\n\nIntro.\n\n1. Quit the client\n2) Delete the profile\n3. Start again\n\n- not a step";
        let s = Checklist::from_steps("Reset VPN", kb).unwrap();
        assert_eq!(
            s.items.iter().map(|i| i.text.as_str()).collect::<Vec<_>>(),
            ["Quit the client", "Delete the profile", "Start again"]
        );
        let s = Checklist::from_steps("x", "- one\n- two\n").unwrap();
        assert_eq!(s.progress(), (0, 2));
        assert!(Checklist::from_steps("x", "no steps at all").is_none());
        assert!(ChecklistTemplate { name: "e".into(), items: vec!["!".into()] }.check().is_err());
        assert!(Checklist::from_json("[1,2]").is_err());
    }
}
