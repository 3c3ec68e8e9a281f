//! The orders a ticket list can be sorted in, and their names: one table for the
//! configuration, the command line, saved views and the console.

/// Queue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Priority, then most recently updated first: the desk's working order.
    #[default]
    Priority,
    Updated,
    /// Newest tickets first (also the order of text search results).
    Newest,
    Oldest,
    /// Time to breach (the SLA), soonest first.
    Due,
}

impl Sort {
    /// Every order with its name, in the console's cycling order.
    pub const NAMED: [(Sort, &'static str); 5] = [
        (Sort::Priority, "priority"),
        (Sort::Due, "due"),
        (Sort::Updated, "updated"),
        (Sort::Newest, "newest"),
        (Sort::Oldest, "oldest"),
    ];

    pub fn from_name(name: &str) -> Option<Sort> {
        Sort::NAMED.iter().find(|(_, n)| *n == name).map(|(s, _)| *s)
    }

    pub fn name(self) -> &'static str {
        Sort::NAMED.iter().find(|(s, _)| *s == self).map(|(_, n)| *n).unwrap_or("priority")
    }

    /// "priority, due, updated, newest, oldest", for messages.
    pub fn names() -> String {
        Sort::NAMED.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
    }
}
