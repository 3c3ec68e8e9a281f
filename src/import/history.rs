//! The op log as JSON lines (`tix export history`, `tix import history`).
//!
//! The first line is a header, `{"tix_history":1,"store_id":"…","ops":N}`; then one op per
//! line, in (HLC, replica, counter) order: `{"replica":"<uuid>","counter":7,"hlc":…,
//! "actor":"dana","entity":"<uuid>","kind":"ticket.set","payload":{…},"checksum":"<hex>"}`.
//! The payload is the op's stored JSON text, byte for byte (the checksum covers it), so a
//! store rebuilt from the file holds the very same ops.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::domain::ids::ReplicaId;
use crate::domain::op::{Hlc, Payload, RawOp};

pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    pub tix_history: u32,
    pub store_id: String,
    pub ops: u64,
}

#[derive(Serialize)]
struct LineOut<'a> {
    replica: Uuid,
    counter: u64,
    hlc: u64,
    actor: &'a str,
    entity: Uuid,
    kind: &'a str,
    payload: &'a RawValue,
    checksum: String,
}

#[derive(Deserialize)]
struct LineIn<'a> {
    replica: Uuid,
    counter: u64,
    hlc: u64,
    actor: String,
    entity: Uuid,
    kind: String,
    #[serde(borrow)]
    payload: &'a RawValue,
    checksum: String,
}

/// One op as a line (without the newline).
pub fn op_line(op: &RawOp) -> Result<String, String> {
    let payload: &RawValue = serde_json::from_str(&op.payload)
        .map_err(|e| format!("op {}/{} has a payload that is not JSON: {e}", op.replica, op.counter))?;
    let line = LineOut {
        replica: op.replica.0,
        counter: op.counter,
        hlc: op.hlc.0,
        actor: &op.actor,
        entity: op.entity,
        kind: &op.kind,
        payload,
        checksum: hex(&op.checksum),
    };
    serde_json::to_string(&line).map_err(|e| e.to_string())
}

/// Read the header line.
pub fn parse_header(line: &str) -> Result<Header, String> {
    let h: Header = serde_json::from_str(line).map_err(|_| {
        "the first line is not a tix history header (write the file with `tix export history`)".to_string()
    })?;
    if h.tix_history != FORMAT_VERSION {
        return Err(format!(
            "history format {} (this tix reads format {FORMAT_VERSION}); use a matching tix",
            h.tix_history
        ));
    }
    Ok(h)
}

/// Read one op line and check it: the checksum matches and the payload can be read.
pub fn parse_op(line: &str) -> Result<RawOp, String> {
    let l: LineIn<'_> = serde_json::from_str(line).map_err(|e| format!("not an op: {e}"))?;
    let checksum = unhex(&l.checksum).ok_or_else(|| format!("checksum '{}' is not hex", l.checksum))?;
    let op = RawOp {
        replica: ReplicaId(l.replica),
        counter: l.counter,
        hlc: Hlc(l.hlc),
        actor: l.actor,
        entity: l.entity,
        kind: l.kind,
        payload: l.payload.get().to_string(),
        checksum,
    };
    if !op.checksum_ok() {
        return Err(format!("op {}/{} fails its checksum (the line was changed)", op.replica, op.counter));
    }
    Payload::from_json(&op.kind, &op.payload).map_err(|e| format!("op {}/{}: {e}", op.replica, op.counter))?;
    Ok(op)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::op::{Op, Origin, TicketRecord};
    use crate::domain::ticket::{Channel, Level, Priority, Status, TicketType};

    fn op() -> RawOp {
        let rec = TicketRecord {
            number: None,
            title: "Drucker \u{1b}[31m".into(),
            description: String::new(),
            requester: None,
            assignee: None,
            group: None,
            status: Status::New,
            kind: TicketType::Incident,
            category: None,
            tags: vec![],
            channel: Channel::Email,
            urgency: Level::MEDIUM,
            impact: Level::MEDIUM,
            priority: Priority::P3,
            priority_override: false,
            created_at: None,
            origin: Some(Origin::key("mail:a@b")),
        };
        RawOp::from_op(&Op {
            replica: ReplicaId::from_bytes([1; 16]),
            counter: 3,
            hlc: Hlc(99),
            actor: "dana".into(),
            entity: Uuid::from_bytes([2; 16]),
            payload: Payload::TicketNew(rec),
        })
    }

    #[test]
    fn ops_round_trip_byte_for_byte() {
        let o = op();
        let l = op_line(&o).unwrap();
        assert!(!l.contains('\n'));
        assert_eq!(parse_op(&l).unwrap(), o);
    }

    #[test]
    fn changed_lines_and_bad_headers_are_refused() {
        let l = op_line(&op()).unwrap().replace("dana", "eve");
        assert!(parse_op(&l).unwrap_err().contains("checksum"));
        assert!(parse_op("{}").unwrap_err().starts_with("not an op"));
        assert!(parse_header("{\"tix_history\":9,\"store_id\":\"x\",\"ops\":1}").unwrap_err().contains("format 9"));
        assert!(parse_header("hello").is_err());
        assert_eq!(unhex("0aff"), Some(vec![10, 255]));
        assert_eq!(unhex("0g"), None);
    }
}
