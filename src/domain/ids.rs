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
///
/// A store that syncs gives a new ticket a *provisional* number, shown as `#~3`, until
/// the shared store issues its final number under its lock. Provisional numbers are
/// stored from [`TicketNumber::PROVISIONAL_BASE`] up, so that a final number is always
/// smaller than any provisional one and both fit the same column and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber(pub u64);

impl TicketNumber {
    /// Stored numbers from here up are provisional (`#~1` is stored as this + 1).
    pub const PROVISIONAL_BASE: u64 = 1 << 40;

    /// The `k`th provisional number (`#~k`).
    pub fn provisional(k: u64) -> TicketNumber {
        TicketNumber(Self::PROVISIONAL_BASE + k)
    }
    pub fn is_provisional(self) -> bool {
        self.0 > Self::PROVISIONAL_BASE
    }
    /// The number without the `#`: `1042`, or `~3` while provisional.
    pub fn plain(self) -> String {
        if self.is_provisional() { format!("~{}", self.0 - Self::PROVISIONAL_BASE) } else { self.0.to_string() }
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.plain())
    }
}

impl FromStr for TicketNumber {
    type Err = String;
    /// Accepts `1042`, `#1042`, and a provisional `~3` or `#~3`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_start_matches('#');
        let (provisional, digits) = match t.strip_prefix('~') {
            Some(d) => (true, d),
            None => (false, t),
        };
        match digits.parse::<u64>() {
            Ok(n) if n > 0 && n < Self::PROVISIONAL_BASE => {
                Ok(if provisional { TicketNumber::provisional(n) } else { TicketNumber(n) })
            }
            _ => Err(format!("'{s}' is not a ticket number (expected e.g. 1042, #1042, or ~3 while provisional)")),
        }
    }
}

/// JSON: a final number is an integer (as always); a provisional one is the string `"~3"`.
impl Serialize for TicketNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_provisional() { s.serialize_str(&self.plain()) } else { s.serialize_u64(self.0) }
    }
}

impl<'de> Deserialize<'de> for TicketNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(TicketNumber(n)),
            Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
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

    #[test]
    fn provisional_numbers_show_with_a_tilde_and_round_trip() {
        let p = TicketNumber::provisional(3);
        assert!(p.is_provisional() && !TicketNumber(3).is_provisional());
        assert_eq!(p.to_string(), "#~3");
        assert_eq!("~3".parse::<TicketNumber>().unwrap(), p);
        assert_eq!("#~3".parse::<TicketNumber>().unwrap(), p);
        assert!("~0".parse::<TicketNumber>().is_err());
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"~3\"");
        assert_eq!(serde_json::to_string(&TicketNumber(42)).unwrap(), "42");
        assert_eq!(serde_json::from_str::<TicketNumber>("\"~3\"").unwrap(), p);
        assert_eq!(serde_json::from_str::<TicketNumber>("42").unwrap(), TicketNumber(42));
        assert!(TicketNumber(999_999) < p);
    }
}
