//! Routing rules on create: a new ticket whose words, category, channel or requester's
//! site match a rule gets the rule's group, category and tags (the first rule that
//! matches wins; what the ticket already says is kept). Defined in the config file.

use serde::Deserialize;

use super::plan::NewTicket;
use super::text;
use super::ticket::Channel;
use super::{RuleError, RuleProblem};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    pub name: String,
    /// Any of these words in the title or description (case-insensitive, whole words).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The ticket's category is this one (or below it: `hardware` matches `hardware/printer`).
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub channel: Option<Channel>,
    /// The requester's site.
    #[serde(default)]
    pub site: Option<String>,
    /// What the rule sets.
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub set_category: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

impl RoutingRule {
    pub fn check(&self) -> Result<(), RuleError> {
        let conditions =
            !self.keywords.is_empty() || self.category.is_some() || self.channel.is_some() || self.site.is_some();
        let actions = self.group.is_some() || self.set_category.is_some() || !self.tags.is_empty();
        match (conditions, actions) {
            (false, _) => Err(RuleError::new(
                "routing rule",
                &self.name,
                RuleProblem::NoCondition("keywords, category, channel, site"),
            )),
            (_, false) => {
                Err(RuleError::new("routing rule", &self.name, RuleProblem::DoesNothing("group, set_category, tags")))
            }
            _ => Ok(()),
        }
    }

    fn matches(&self, t: &NewTicket, site: Option<&str>) -> bool {
        // Words as the search index sees them: `wifi` meets "Wi-Fi", "WiFi" and "wi fi".
        let keywords_ok = self.keywords.is_empty() || {
            let text = text::index_terms(&format!("{}\n{}", t.title, t.description));
            let w: std::collections::HashSet<&str> = text.split(' ').collect();
            self.keywords.iter().any(|k| {
                let k = text::query_terms(k);
                !k.is_empty() && k.iter().all(|x| w.contains(x.as_str()))
            })
        };
        let category_ok = match (&self.category, &t.category) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(want), Some(have)) => {
                let (want, have) = (want.to_lowercase(), have.to_lowercase());
                have == want || have.starts_with(&format!("{want}/"))
            }
        };
        let channel_ok = self.channel.is_none_or(|c| c == t.channel);
        let site_ok = match (&self.site, site) {
            (None, _) => true,
            (Some(want), Some(have)) => want.trim().eq_ignore_ascii_case(have.trim()),
            (Some(_), None) => false,
        };
        keywords_ok && category_ok && channel_ok && site_ok
    }
}

/// Apply the first matching rule to a ticket about to be created; returns its name.
/// Fields the ticket already has are kept (a rule fills in, it does not overrule).
pub fn route<'a>(rules: &'a [RoutingRule], t: &mut NewTicket, site: Option<&str>) -> Option<&'a str> {
    let rule = rules.iter().find(|r| r.matches(t, site))?;
    if t.group.is_none() {
        t.group = rule.group.clone();
    }
    if t.category.is_none() {
        t.category = rule.set_category.clone();
    }
    for tag in &rule.tags {
        if !t.tags.iter().any(|x| x.eq_ignore_ascii_case(tag)) {
            t.tags.push(tag.clone());
        }
    }
    Some(&rule.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<RoutingRule> {
        toml::from_str::<toml::Table>(
            r#"
[[r]]
name = "network words"
keywords = ["vpn", "wifi"]
group = "network"
tags = ["net"]

[[r]]
name = "Berlin hardware"
category = "hardware"
site = "Berlin HQ"
group = "berlin-desk"

[[r]]
name = "mail"
channel = "email"
set_category = "inbox"
"#,
        )
        .unwrap()["r"]
            .clone()
            .try_into()
            .unwrap()
    }

    #[test]
    fn the_first_matching_rule_fills_in_what_is_missing() {
        let r = rules();
        r.iter().for_each(|x| x.check().unwrap());
        let mut t = NewTicket::titled("VPN drops every 10 minutes");
        assert_eq!(route(&r, &mut t, None), Some("network words"));
        assert_eq!((t.group.as_deref(), t.tags.clone()), (Some("network"), vec!["net".to_string()]));
        // Whole words only: "vpnclient" is not "vpn".
        let mut t = NewTicket::titled("vpnclient update");
        assert_eq!(route(&r, &mut t, None), None);
        // One normaliser: a rule on `wifi` fires on every spelling of it.
        for title in ["Wi-Fi drops", "WiFi drops", "wi fi drops", "Wifi drops"] {
            assert_eq!(route(&r, &mut NewTicket::titled(title), None), Some("network words"), "{title}");
        }
        // Category below, site matched without case; the group given by hand stays.
        let mut t = NewTicket::titled("Screen flickers");
        t.category = Some("hardware/monitor".into());
        assert_eq!(route(&r, &mut t, Some("berlin hq")), Some("Berlin hardware"));
        assert_eq!(t.group.as_deref(), Some("berlin-desk"));
        let mut t = NewTicket::titled("Screen flickers");
        t.category = Some("hardware".into());
        t.group = Some("mine".into());
        route(&r, &mut t, Some("Berlin HQ"));
        assert_eq!(t.group.as_deref(), Some("mine"));
        let mut t = NewTicket::titled("Question");
        t.channel = Channel::Email;
        assert_eq!(route(&r, &mut t, None), Some("mail"));
        assert_eq!(t.category.as_deref(), Some("inbox"));
    }

    #[test]
    fn rules_without_conditions_or_actions_are_refused() {
        let r: RoutingRule = toml::from_str("name = \"x\"\ngroup = \"g\"\n").unwrap();
        assert!(r.check().unwrap_err().to_string().contains("no condition"));
        let r: RoutingRule = toml::from_str("name = \"y\"\nkeywords = [\"a\"]\n").unwrap();
        assert!(r.check().unwrap_err().to_string().contains("does nothing"));
    }
}
