//! Who may do what: the one table of the desk's roles, asked by the console and the
//! command line alike (through [`super::Desk::authorize`]).
//!
//! | act                                   | requester | agent | lead | admin |
//! |---------------------------------------|-----------|-------|------|-------|
//! | [`Act::Work`]: tickets, notes, KB, …  | no        | yes   | yes  | yes   |
//! | [`Act::Merge`]                        | no        | no    | yes  | yes   |
//! | [`Act::Bulk`]: many tickets, imports  | no        | no    | yes  | yes   |
//! | [`Act::ShareView`]                    | no        | no    | yes  | yes   |
//! | [`Act::ManagePeople`]                 | no        | until an admin exists | (same) | yes |
//!
//! On a local store and on the shared file this is advice kept by honest clients:
//! whoever can write the file can write anything into it. A server enforces it.

use crate::domain::person::Role;

/// What an actor asks to do, as far as roles go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// A technician's everyday work: tickets (new, update, notes, replies, links,
    /// checklists, macros on one ticket), KB articles, assets, requesters, e-mail
    /// intake, recurring tickets.
    Work,
    /// Merging a ticket into another.
    Merge,
    /// One change over many tickets at once (the console's marked tickets), and
    /// imports of tickets, history, assets or articles from files.
    Bulk,
    /// Saving or deleting a view in the store, which everyone on it sees.
    ShareView,
    /// Adding agents, leads and admins, and changing anyone's role.
    ManagePeople,
}

impl Act {
    /// The act in words, for a refusal: "merging tickets is for …".
    pub fn words(self) -> &'static str {
        match self {
            Act::Work => "working on the desk",
            Act::Merge => "merging tickets",
            Act::Bulk => "changing many tickets at once (and importing)",
            Act::ShareView => "saving a view for everyone",
            Act::ManagePeople => "adding agents and changing roles",
        }
    }

    /// The least role that may do it (with an admin on the store).
    pub fn least_role(self) -> Role {
        match self {
            Act::Work => Role::Agent,
            Act::Merge | Act::Bulk | Act::ShareView => Role::Lead,
            Act::ManagePeople => Role::Admin,
        }
    }
}

/// May `who`, whose role is `role`, do `act`? `admin_exists`: whether the store has an
/// admin (until it does, any agent manages people: a store from before roles existed).
/// A refusal says who, what and how to get the right.
pub fn check(who: &str, role: Role, act: Act, admin_exists: bool) -> Result<(), String> {
    if role == Role::Requester {
        return Err(format!(
            "'{who}' is a requester: requesters are never the actor of technician actions \
             (act as an agent: --as NAME, or [agent] name in the config)"
        ));
    }
    let needed = act.least_role();
    if role >= needed || (act == Act::ManagePeople && !admin_exists) {
        return Ok(());
    }
    let who_may = match needed {
        Role::Lead => "leads and admins",
        _ => "admins",
    };
    let arg = if who.contains(char::is_whitespace) { format!("\"{who}\"") } else { who.to_string() };
    Err(format!(
        "{who} is {} {role}: {} is for {who_may} (an admin can change that: tix person role {arg} {needed})",
        if role == Role::Admin || role == Role::Agent { "an" } else { "a" },
        act.words()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_do_what_the_table_says() {
        use Act::*;
        let acts = [Work, Merge, Bulk, ShareView, ManagePeople];
        let allowed = |role, admin| acts.map(|a| check("x", role, a, admin).is_ok());
        assert_eq!(allowed(Role::Requester, true), [false; 5]);
        assert_eq!(allowed(Role::Requester, false), [false; 5]);
        assert_eq!(allowed(Role::Agent, true), [true, false, false, false, false]);
        assert_eq!(allowed(Role::Agent, false), [true, false, false, false, true]);
        assert_eq!(allowed(Role::Lead, true), [true, true, true, true, false]);
        assert_eq!(allowed(Role::Admin, true), [true; 5]);
    }

    #[test]
    fn a_refusal_names_who_what_and_the_way_out() {
        let e = check("lee", Role::Agent, Act::Merge, true).unwrap_err();
        assert_eq!(
            e,
            "lee is an agent: merging tickets is for leads and admins (an admin can change that: tix person role lee lead)"
        );
        let e = check("Jane Doe", Role::Requester, Act::Work, true).unwrap_err();
        assert!(e.starts_with("'Jane Doe' is a requester: requesters are never the actor"), "{e}");
        let e = check("kim", Role::Lead, Act::ManagePeople, true).unwrap_err();
        assert!(e.starts_with("kim is a lead: adding agents and changing roles is for admins"), "{e}");
    }
}
