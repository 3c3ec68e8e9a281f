//! People: requesters and the agents who work tickets.

use serde::{Deserialize, Serialize};

use super::ids::PersonId;
use crate::string_enum;

string_enum!(
    /// What a person may do on the desk. Requesters ask; the others are agents (staff),
    /// each role with the rights of the one before it: see `app::permissions`.
    Role, "role" {
        /// Asks for help; never the actor of a technician's action.
        Requester = "requester",
        /// Works tickets.
        Agent = "agent",
        /// An agent who also merges tickets, changes many at once and shares views.
        Lead = "lead",
        /// A lead who also adds agents and changes roles.
        Admin = "admin",
    }
);

impl Role {
    /// Agents, leads and admins: the people who can act on the desk.
    pub fn is_staff(self) -> bool {
        self != Role::Requester
    }
}

string_enum!(
    PersonField, "person field" {
        Name = "name",
        Email = "email",
        Login = "login",
        Department = "department",
        Site = "site",
        Phone = "phone",
        Vip = "vip",
        Role = "role",
        Groups = "groups",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Agents' login name, matched by `--as` and `$USER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default)]
    pub vip: bool,
    pub role: Role,
    /// Agent groups, comma separated in ops.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl PersonRecord {
    pub fn requester(name: impl Into<String>, email: Option<String>) -> Self {
        PersonRecord {
            name: name.into(),
            email,
            login: None,
            department: None,
            site: None,
            phone: None,
            vip: false,
            role: Role::Requester,
            groups: vec![],
        }
    }

    pub fn agent(name: impl Into<String>, login: impl Into<String>) -> Self {
        PersonRecord { login: Some(login.into()), role: Role::Agent, ..PersonRecord::requester(name, None) }
    }

    /// The name written into the ops this agent makes: the login when there is one
    /// (what `--as`, `[agent] name` and the OS user are matched against), else the name.
    pub fn actor_name(&self) -> &str {
        self.login.as_deref().filter(|l| !l.trim().is_empty()).unwrap_or(&self.name)
    }

    pub fn field_value(&self, f: PersonField) -> Option<String> {
        use PersonField as F;
        match f {
            F::Name => Some(self.name.clone()),
            F::Email => self.email.clone(),
            F::Login => self.login.clone(),
            F::Department => self.department.clone(),
            F::Site => self.site.clone(),
            F::Phone => self.phone.clone(),
            F::Vip => Some(self.vip.to_string()),
            F::Role => Some(self.role.to_string()),
            F::Groups => Some(self.groups.join(",")).filter(|s| !s.is_empty()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub id: PersonId,
    #[serde(flatten)]
    pub record: PersonRecord,
}

/// Parse `Jane Doe <jane@example.com>`, `jane@example.com` or `Jane Doe`.
pub fn parse_mailbox(s: &str) -> (String, Option<String>) {
    let s = s.trim();
    if let (Some(lt), true) = (s.rfind('<'), s.ends_with('>')) {
        let email = s[lt + 1..s.len() - 1].trim().to_string();
        let name = s[..lt].trim().trim_matches('"').trim().to_string();
        let name = if name.is_empty() { email.clone() } else { name };
        return (name, Some(email).filter(|e| !e.is_empty()));
    }
    if s.contains('@') && !s.contains(' ') {
        return (s.to_string(), Some(s.to_string()));
    }
    (s.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes_parse() {
        assert_eq!(parse_mailbox("Jane Doe <jane@example.com>"), ("Jane Doe".into(), Some("jane@example.com".into())));
        assert_eq!(parse_mailbox("\"Doe, Jane\" <j@x.org>"), ("Doe, Jane".into(), Some("j@x.org".into())));
        assert_eq!(parse_mailbox("j@x.org"), ("j@x.org".into(), Some("j@x.org".into())));
        assert_eq!(parse_mailbox("Jane"), ("Jane".into(), None));
    }
}
