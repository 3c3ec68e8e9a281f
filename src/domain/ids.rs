//! Newtype identities. UUIDs identify entities across replicas; ticket numbers are for people.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new id: UUIDv7, time-ordered, so that index inserts stay local.
            pub fn new_random() -> Self {
                Self(Uuid::now_v7())
            }
            /// A deterministic id from 16 random bytes (demo data, tests).
            pub fn from_bytes(b: [u8; 16]) -> Self {
                Self(uuid::Builder::from_random_bytes(b).into_uuid())
            }
            /// A deterministic time-ordered id (UUIDv7) for something made at `ms`.
            pub fn from_time_and_bytes(ms: i64, b: [u8; 10]) -> Self {
                Self(uuid::Builder::from_unix_timestamp_millis(ms.max(0) as u64, &b).into_uuid())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A ticket's identity (never changes, unique across replicas).
    TicketId
);
uuid_id!(
    /// A person (agent or requester).
    PersonId
);
uuid_id!(
    /// An asset (laptop, printer, switch...).
    AssetId
);
uuid_id!(
    /// A knowledge-base article.
    ArticleId
);
uuid_id!(
    /// A replica: one local store that writes ops.
    ReplicaId
);

/// The short human number of a ticket, shown as `#1042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketNumber(pub u64);

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl FromStr for TicketNumber {
    type Err = String;
    /// Accepts `1042` and `#1042`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.trim().trim_start_matches('#');
        match digits.parse::<u64>() {
            Ok(n) if n > 0 => Ok(TicketNumber(n)),
            _ => Err(format!("'{s}' is not a ticket number (expected e.g. 1042 or #1042)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_parse_with_or_without_hash() {
        assert_eq!("#1042".parse::<TicketNumber>().unwrap(), TicketNumber(1042));
        assert_eq!("7".parse::<TicketNumber>().unwrap(), TicketNumber(7));
        assert!("#0".parse::<TicketNumber>().is_err());
        assert!("abc".parse::<TicketNumber>().is_err());
        assert_eq!(TicketNumber(1042).to_string(), "#1042");
    }
}
