//! The op log's one door. Every row of an `ops` table — the local store's and the
//! shared file's — is written by [`insert`] and read back into a [`RawOp`] by [`read`],
//! so the row layout and the payload encoding live here and nowhere else.
//!
//! What crosses every boundary (sync, the JSONL history, checksums) is an op's
//! *canonical payload*: its JSON text. A local store may keep that text compressed
//! (see [`OpCodec`]); the shared file keeps it as text (`codec` = `None`). A payload
//! column therefore holds either
//!
//! - TEXT: the canonical JSON itself (the shared file; a young store; any payload that
//!   compression would not make smaller), or
//! - a BLOB `[1][dictionary id: varint][JSON length: varint][zstd frame, magicless]`:
//!   the JSON compressed with a zstd dictionary trained on this store's own payloads
//!   (table `op_dicts`). Any op kind is encoded the same way, so new kinds need nothing
//!   here. Another first byte is a format this tix does not know: reported as damage.
//!
//! The checksum stays over the canonical JSON, so a compressed row decodes to exactly
//! the bytes that were checked, and two stores compare ops without decoding them.
//! SQL that needs a payload's fields reads it through `op_payload(payload)`, a
//! function every store connection has (registered by [`register_sql`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::domain::ids::ReplicaId;
use crate::domain::op::{Hlc, RawOp};

/// The columns [`read`] expects, in order (the op's replica is given or is column 7).
pub(crate) const COLUMNS: &str = "o.counter, o.hlc, o.actor, o.entity, o.kind, o.payload, o.checksum";

/// zstd level for payloads. Below 5 (strategy `dfast`) zstd takes the dictionary's
/// entropy tables for a tiny input instead of building and pricing new ones per op,
/// which at level 6 cost more than the rest of the compression.
const LEVEL: i32 = 3;
/// First byte of a compressed payload.
const TAG_ZSTD_DICT: u8 = 1;

/// Append one op row. Returns false when an op with that identity is there already.
pub(crate) fn insert(c: &Connection, codec: Option<&OpCodec>, replica_idx: i64, op: &RawOp) -> rusqlite::Result<bool> {
    let payload = match codec {
        Some(codec) => codec.encode(&op.payload),
        None => Value::Text(op.payload.clone()),
    };
    let n = c
        .prepare_cached(
            "INSERT OR IGNORE INTO ops(replica, counter, hlc, actor, entity, kind, payload, checksum)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            replica_idx,
            op.counter as i64,
            op.hlc.0 as i64,
            op.actor,
            op.entity,
            op.kind,
            payload,
            op.checksum
        ])?;
    Ok(n == 1)
}

/// Add `delta` to the local store's count of ops (table `counts`), in the transaction
/// that inserted or deleted them: once per transaction, not per row.
pub(crate) fn count(c: &Connection, delta: i64) -> rusqlite::Result<()> {
    if delta != 0 {
        c.prepare_cached("UPDATE counts SET n = n + ?1 WHERE name = 'ops'")?.execute([delta])?;
    }
    Ok(())
}

/// One op row (selected as [`COLUMNS`], then `r.id` when `replica` is `None`) as stored:
/// the canonical payload text and the checksum written with it (not checked here).
pub(crate) fn read(r: &Row<'_>, replica: Option<ReplicaId>, codec: Option<&OpCodec>) -> rusqlite::Result<RawOp> {
    let replica = match replica {
        Some(id) => id,
        None => ReplicaId(r.get::<_, Uuid>(7)?),
    };
    let counter = r.get::<_, i64>(0)? as u64;
    let payload = payload_text(r.get_ref(5)?, codec).map_err(|why| {
        rusqlite::Error::FromSqlConversionFailure(
            5,
            rusqlite::types::Type::Blob,
            format!("the payload of op {replica}/{counter} cannot be read: {why}").into(),
        )
    })?;
    Ok(RawOp {
        replica,
        counter,
        hlc: Hlc(r.get::<_, i64>(1)? as u64),
        actor: r.get(2)?,
        entity: r.get(3)?,
        kind: r.get(4)?,
        payload,
        checksum: r.get(6)?,
    })
}

/// The description of a payload [`read`] could not decode, if that is what `e` is.
pub(crate) fn damage(e: &rusqlite::Error) -> Option<String> {
    match e {
        rusqlite::Error::FromSqlConversionFailure(_, _, why) if why.to_string().starts_with("the payload of op") => {
            Some(why.to_string())
        }
        rusqlite::Error::UserFunctionError(why) => Some(format!("a payload cannot be read: {why}")),
        _ => None,
    }
}

/// The canonical JSON of a stored payload, whichever way it is stored.
pub(crate) fn payload_text(v: ValueRef<'_>, codec: Option<&OpCodec>) -> Result<String, String> {
    match v {
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).map_err(|_| "it is not UTF-8".to_string()),
        ValueRef::Blob(b) => match codec {
            Some(codec) => codec.decode(b, None),
            None => Err("it is compressed, and this op log keeps text".into()),
        },
        other => Err(format!("it is {:?}, not text", other.data_type())),
    }
}

/// Register `op_payload(payload)` on a store connection: the canonical JSON of a payload
/// as stored, for SQL that reads payload fields (`json_extract(op_payload(payload), …)`).
pub(crate) fn register_sql(c: &Connection, codec: &OpCodec) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let codec = codec.clone();
    c.create_scalar_function(
        "op_payload",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| {
            let v = ctx.get_raw(0);
            if let ValueRef::Blob(b) = v {
                // A dictionary another process trained since this one loaded them.
                // SAFETY: the connection is only used for this read, inside the call.
                let conn = unsafe { ctx.get_connection() }?;
                return codec.decode(b, Some(&conn)).map_err(|e| rusqlite::Error::UserFunctionError(e.into()));
            }
            payload_text(v, None).map_err(|e| rusqlite::Error::UserFunctionError(e.into()))
        },
    )
}

/// The compression of a local store's payloads: its zstd dictionaries (`op_dicts`),
/// the newest of which compresses new ops. Cheap to clone (shared).
#[derive(Clone, Default)]
pub(crate) struct OpCodec(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    /// The newest dictionary: what new payloads are compressed with.
    newest: Option<(u32, zstd::bulk::Compressor<'static>)>,
    decoders: HashMap<u32, zstd::bulk::Decompressor<'static>>,
}

impl std::fmt::Debug for OpCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpCodec").field("newest", &self.newest_dict()).finish()
    }
}

fn compressor(dict: &[u8]) -> std::io::Result<zstd::bulk::Compressor<'static>> {
    use zstd::zstd_safe::{CParameter, FrameFormat};
    let mut c = zstd::bulk::Compressor::with_dictionary(LEVEL, dict)?;
    c.set_parameter(CParameter::Format(FrameFormat::Magicless))?;
    c.set_parameter(CParameter::ChecksumFlag(false))?;
    c.set_parameter(CParameter::ContentSizeFlag(false))?;
    c.set_parameter(CParameter::DictIdFlag(false))?;
    Ok(c)
}

fn decompressor(dict: &[u8]) -> std::io::Result<zstd::bulk::Decompressor<'static>> {
    use zstd::zstd_safe::{DParameter, FrameFormat};
    let mut d = zstd::bulk::Decompressor::with_dictionary(dict)?;
    d.set_parameter(DParameter::Format(FrameFormat::Magicless))?;
    Ok(d)
}

impl OpCodec {
    /// Read dictionaries this codec does not hold yet (another process may have trained one).
    pub fn reload(&self, c: &Connection) -> rusqlite::Result<()> {
        let mut st = c.prepare_cached("SELECT id, dict FROM op_dicts ORDER BY id")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)? as u32, r.get::<_, Vec<u8>>(1)?)))?;
        let mut inner = self.0.lock().expect("codec lock");
        for row in rows {
            let (id, dict) = row?;
            if let std::collections::hash_map::Entry::Vacant(v) = inner.decoders.entry(id) {
                v.insert(decompressor(&dict).map_err(|e| bad_dict(id, e))?);
            }
            if inner.newest.as_ref().is_none_or(|(n, _)| *n < id) {
                inner.newest = Some((id, compressor(&dict).map_err(|e| bad_dict(id, e))?));
            }
        }
        Ok(())
    }

    /// The id of the dictionary new payloads are compressed with.
    pub fn newest_dict(&self) -> Option<u32> {
        self.0.lock().expect("codec lock").newest.as_ref().map(|(id, _)| *id)
    }

    /// The stored form of a canonical payload: compressed with the newest dictionary, or
    /// the text itself when there is none or compressing would not make it smaller.
    pub fn encode(&self, json: &str) -> Value {
        let mut inner = self.0.lock().expect("codec lock");
        let Some((id, c)) = inner.newest.as_mut() else { return Value::Text(json.to_string()) };
        let mut out = Vec::with_capacity(json.len() / 2 + 16);
        out.push(TAG_ZSTD_DICT);
        put_varint(&mut out, *id as u64);
        put_varint(&mut out, json.len() as u64);
        let head = out.len();
        out.resize(head + zstd::zstd_safe::compress_bound(json.len()), 0);
        match c.compress_to_buffer(json.as_bytes(), &mut out[head..]) {
            Ok(n) if head + n < json.len() => {
                out.truncate(head + n);
                Value::Blob(out)
            }
            _ => Value::Text(json.to_string()),
        }
    }

    /// The canonical JSON of a compressed payload. `conn`: where to look for a
    /// dictionary this codec has not loaded.
    pub fn decode(&self, b: &[u8], conn: Option<&Connection>) -> Result<String, String> {
        let (&tag, rest) = b.split_first().ok_or("it is empty")?;
        if tag != TAG_ZSTD_DICT {
            return Err(format!("its format ({tag}) is unknown to this tix (written by a newer one?)"));
        }
        let (id, rest) = get_varint(rest).ok_or("its header is cut short")?;
        let (len, frame) = get_varint(rest).ok_or("its header is cut short")?;
        let id = u32::try_from(id).map_err(|_| "its dictionary id is out of range")?;
        let len = usize::try_from(len).ok().filter(|l| *l <= 1 << 30).ok_or("its length is out of range")?;
        if !self.0.lock().expect("codec lock").decoders.contains_key(&id)
            && let Some(c) = conn
        {
            self.reload(c).map_err(|e| e.to_string())?;
        }
        let mut inner = self.0.lock().expect("codec lock");
        let d = inner.decoders.get_mut(&id).ok_or_else(|| format!("its dictionary {id} is missing"))?;
        let mut out = Vec::with_capacity(len);
        let n = d.decompress_to_buffer(frame, &mut out).map_err(|e| format!("it does not decompress ({e})"))?;
        if n != len {
            return Err(format!("it decompresses to {n} bytes, not {len}"));
        }
        String::from_utf8(out).map_err(|_| "it is not UTF-8".to_string())
    }
}

fn bad_dict(id: u32, e: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        1,
        rusqlite::types::Type::Blob,
        format!("op log dictionary {id} is damaged: {e}").into(),
    )
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= ((byte & 0x7f) as u64) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, &b[i + 1..]));
        }
    }
    None
}

// ------------------------------------------------------------ dictionaries

/// How many of the newest payloads a dictionary is trained on.
const SAMPLES: i64 = 40_000;
/// The largest dictionary.
const DICT_BYTES: usize = 96 * 1024;
/// A store trains its first dictionary once its log holds this many ops, and a new one
/// each time the log has grown this many times over since the last.
pub(crate) const FIRST_DICT_AT: u64 = 10_000;
pub(crate) const GROWTH: u64 = 8;

/// Train a dictionary on the newest payloads of the log (of its largest replica) and
/// record it as the newest; returns its id, `None` when there is too little to learn from.
pub(crate) fn train(c: &Connection, codec: &OpCodec, log_ops: u64) -> rusqlite::Result<Option<u32>> {
    let replica: Option<i64> = c
        .query_row("SELECT replica FROM ops GROUP BY replica ORDER BY count(*) DESC LIMIT 1", [], |r| r.get(0))
        .optional()?;
    let Some(replica) = replica else { return Ok(None) };
    let mut samples: Vec<Vec<u8>> = Vec::new();
    {
        let mut st = c.prepare("SELECT payload FROM ops WHERE replica = ?1 ORDER BY counter DESC LIMIT ?2")?;
        let mut rows = st.query(params![replica, SAMPLES])?;
        while let Some(r) = rows.next()? {
            if let Ok(t) = payload_text(r.get_ref(0)?, Some(codec)) {
                samples.push(t.into_bytes());
            }
        }
    }
    let total: usize = samples.iter().map(Vec::len).sum();
    if samples.len() < 1_000 || total < 64 * 1024 {
        return Ok(None);
    }
    let size = DICT_BYTES.min(total / 10);
    let Ok(dict) = zstd::dict::from_samples(&samples, size) else { return Ok(None) };
    c.execute("INSERT INTO op_dicts(dict, log_ops) VALUES (?1, ?2)", params![dict, log_ops as i64])?;
    codec.reload(c)?;
    Ok(codec.newest_dict())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for v in [0u64, 1, 127, 128, 300, 1 << 40, u64::MAX] {
            let mut b = vec![];
            put_varint(&mut b, v);
            b.push(9);
            assert_eq!(get_varint(&b), Some((v, &[9u8][..])));
        }
        assert_eq!(get_varint(&[0x80, 0x80]), None);
    }

    #[test]
    fn payloads_round_trip_through_a_trained_dictionary_and_damage_is_named() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE op_dicts (id INTEGER PRIMARY KEY, dict BLOB NOT NULL, log_ops INTEGER NOT NULL);
             CREATE TABLE ops (replica INTEGER, counter INTEGER, hlc INTEGER, actor TEXT, entity BLOB, kind TEXT,
                               payload, checksum BLOB, PRIMARY KEY (replica, counter)) WITHOUT ROWID;",
        )
        .unwrap();
        let codec = OpCodec::default();
        codec.reload(&c).unwrap();
        assert_eq!(codec.encode("{\"a\":1}"), Value::Text("{\"a\":1}".into()), "no dictionary: text");
        let words = ["printer", "outlook", "vpn", "password", "laptop", "screen", "dock", "wifi"];
        for i in 0..5_000i64 {
            let json = format!(
                "{{\"kind\":\"note\",\"body\":\"The {} on floor {} stopped working after the update {}\",\"minutes\":{}}}",
                words[i as usize % 8],
                i % 7,
                i * 31 % 1000,
                i % 60
            );
            c.execute("INSERT INTO ops VALUES (1, ?1, 0, 'a', x'00', 'ticket.entry', ?2, x'00')", params![i, json])
                .unwrap();
        }
        let id = train(&c, &codec, 5_000).unwrap().expect("enough to learn from");
        let json = "{\"kind\":\"note\",\"body\":\"The printer on floor 3 stopped working after the update 42\"}";
        let Value::Blob(b) = codec.encode(json) else { panic!("compressed") };
        assert!(b.len() < json.len() / 2, "{} of {}", b.len(), json.len());
        assert_eq!(codec.decode(&b, None).unwrap(), json);
        // Another process (a fresh codec) finds the dictionary in the store.
        let other = OpCodec::default();
        assert_eq!(other.decode(&b, Some(&c)).unwrap(), json);
        assert_eq!(other.newest_dict(), Some(id));
        let mut bad = b.clone();
        *bad.last_mut().unwrap() ^= 0x55;
        assert!(codec.decode(&bad, None).is_err() || codec.decode(&bad, None).unwrap() != json);
        assert!(codec.decode(&[7, 1, 2], None).unwrap_err().contains("format (7)"));
        let mut missing = vec![TAG_ZSTD_DICT];
        put_varint(&mut missing, 99);
        put_varint(&mut missing, 3);
        assert!(codec.decode(&missing, None).unwrap_err().contains("dictionary 99"));
    }
}
