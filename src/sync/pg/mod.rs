//! A desk on a PostgreSQL server as a sync [`Remote`]: the same plan, checks and merge
//! as the shared file, with the server doing what a file cannot.
//!
//! - One schema per desk (`?desk=NAME` in the URL, `tix` by default) with its own
//!   versioned migrations ([`schema`]); a schema newer than this binary is refused.
//! - Ops keyed by (replica, counter) with hlc, actor, payload and checksum; pushes in
//!   short transactions of at most [`PUSH_BATCH`] ops with one multi-row INSERT each,
//!   under the desk's writer lock, which also numbers tickets ([`push`]); pulls are
//!   read by per-replica counter ranges, a page at a time.
//! - Identity is enforced by the server: each technician connects as their own role,
//!   `agents` maps roles to agents, and a trigger refuses ops whose actor is not the
//!   connecting role's agent; a role without INSERT can pull but not push.
//! - No journal of numbers beside it: the server is the one place numbers are issued;
//!   a server restored from a backup is noticed by its generation as for the file.

pub mod conn;
mod push;
pub mod schema;

use std::collections::HashMap;
use std::time::Instant;

use postgres::{Client, IsolationLevel};
use uuid::Uuid;

use super::shared::{Generation, NumberOwner, PushOutcome};
use super::{PushContext, Remote, RemoteState, ServerIdentity, SyncError, numbering};
use crate::domain::ids::ReplicaId;
use crate::domain::op::{Hlc, Op, RawOp};
pub use conn::{Target, is_url};
use schema::quote;

/// Ops per push transaction.
pub const PUSH_BATCH: usize = 5_000;

/// An open connection to a desk.
pub struct PgRemote {
    client: Client,
    target: Target,
    /// The desk schema, quoted.
    s: String,
    store_id: String,
    user: String,
}

impl PgRemote {
    /// Connect and check the desk: it exists and is complete, its schema is not newer
    /// than this binary (an older one is upgraded).
    pub fn open(url: &str) -> Result<PgRemote, SyncError> {
        let target = Target::parse(url)?;
        let mut r = PgRemote::connect(target)?;
        let (version, store_id, ready) = r.identify()?;
        let Some(version) = version else {
            return Err(SyncError::Offline(format!(
                "there is no desk {} on the server of {} (`tix sync init {}` creates it)",
                r.target.desk, r.target.url, r.target.url
            )));
        };
        if version > schema::version() {
            return Err(SyncError::TooNew { path: url.into(), found: version, known: schema::version() });
        }
        if !ready {
            return Err(SyncError::Offline(format!(
                "desk {} on {} is still being created by `tix sync init` (or that run was killed: run it again)",
                r.target.desk, r.target.url
            )));
        }
        if version < schema::version() {
            let (desk, e) = (r.target.desk.clone(), r.err());
            schema::upgrade(&mut r.client, &desk, version).map_err(e)?;
        }
        r.store_id = store_id.filter(|s| Uuid::parse_str(s).is_ok()).ok_or_else(|| {
            SyncError::Fatal(format!("desk {} on {} has no readable store id: it is damaged", r.target.desk, url))
        })?;
        Ok(r)
    }

    fn connect(target: Target) -> Result<PgRemote, SyncError> {
        let client = target.connect()?;
        let user = target.user();
        Ok(PgRemote { client, s: quote(&target.desk), target, store_id: String::new(), user })
    }

    fn err(&self) -> impl Fn(postgres::Error) -> SyncError + use<> {
        let (url, user) = (self.target.url.clone(), self.user.clone());
        move |e| conn::classify(&url, &user, e)
    }

    /// (schema version, store id, complete) of the desk, `None` version when there is none.
    fn identify(&mut self) -> Result<(Option<i64>, Option<String>, bool), SyncError> {
        let e = self.err();
        let q = format!("SELECT key, value FROM {}.meta WHERE key IN ('schema_version', 'store_id', 'ready')", self.s);
        let rows = match self.client.query(&q, &[]) {
            Err(err)
                if err.code() == Some(&postgres::error::SqlState::INVALID_SCHEMA_NAME)
                    || err.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) =>
            {
                return Ok((None, None, false));
            }
            r => r.map_err(&e)?,
        };
        let get = |k: &str| rows.iter().find(|r| r.get::<_, &str>(0) == k).map(|r| r.get::<_, String>(1));
        let version = get("schema_version").and_then(|v| v.parse().ok()).unwrap_or(0);
        Ok((Some(version), get("store_id"), get("ready").as_deref() == Some("1")))
    }

    /// Create the desk (`tix sync init`): refused if a complete one exists; an
    /// incomplete one of the same store (a killed init) is dropped and made again.
    /// Numbers start at `first_number`; the connecting role becomes its admin, acting
    /// as `agent`.
    pub fn create(url: &str, store_id: &str, first_number: u64, agent: &str) -> Result<PgRemote, SyncError> {
        let target = Target::parse(url)?;
        let mut r = PgRemote::connect(target)?;
        let e = r.err();
        let (version, found, ready) = r.identify()?;
        if version.is_some() {
            if ready || found.as_deref() != Some(store_id) {
                return Err(SyncError::Refused(format!(
                    "desk {} exists already on {url}; `tix sync init` only creates a new desk (to use that one, `tix sync join {url}`)",
                    r.target.desk
                )));
            }
            r.client.batch_execute(&format!("DROP SCHEMA {} CASCADE", r.s)).map_err(&e)?;
        }
        let meta = [
            ("store_id", store_id.to_string()),
            ("next_number", first_number.max(1).to_string()),
            ("replica", Uuid::new_v4().to_string()),
            ("counter", "0".into()),
            ("hlc", "0".into()),
            ("incarnation", Uuid::new_v4().to_string()),
            ("seq", "0".into()),
            ("epoch", "1".into()),
            ("ready", "0".into()),
        ];
        let (desk, user) = (r.target.desk.clone(), r.user.clone());
        schema::create(&mut r.client, &desk, &meta, &user, agent).map_err(&e)?;
        r.store_id = store_id.to_string();
        Ok(r)
    }

    /// Mark a desk made by [`PgRemote::create`] complete: others may sync with it now.
    pub fn publish(&mut self) -> Result<(), SyncError> {
        let e = self.err();
        self.client.execute(&format!("UPDATE {}.meta SET value = '1' WHERE key = 'ready'", self.s), &[]).map_err(e)?;
        Ok(())
    }

    /// Does the desk hold numbered tickets?
    pub fn has_numbered_tickets(&mut self) -> Result<bool, SyncError> {
        let e = self.err();
        let q = format!("SELECT EXISTS(SELECT 1 FROM {}.numbers)", self.s);
        Ok(self.client.query_one(&q, &[]).map_err(e)?.get(0))
    }

    /// The highest final number the desk has issued or holds.
    pub fn highest_number(&mut self) -> Result<u64, SyncError> {
        let e = self.err();
        let q = format!(
            "SELECT GREATEST((SELECT max(number) FROM {s}.numbers), (SELECT value::bigint - 1 FROM {s}.meta WHERE key = 'next_number'))",
            s = self.s
        );
        Ok(self.client.query_one(&q, &[]).map_err(e)?.get::<_, Option<i64>>(0).unwrap_or(0).max(0) as u64)
    }

    /// Move a damaged desk aside (`tix sync rebuild`): renamed `DESK_bad_<timestamp>`.
    pub fn move_aside(url: &str) -> Result<Option<String>, SyncError> {
        let target = Target::parse(url)?;
        let mut r = PgRemote::connect(target)?;
        let e = r.err();
        if r.identify()?.0.is_none() {
            return Ok(None);
        }
        let aside = format!("{}_bad_{}", r.target.desk, chrono::Utc::now().format("%Y%m%d%H%M%S"));
        r.client.batch_execute(&format!("ALTER SCHEMA {} RENAME TO {}", r.s, quote(&aside))).map_err(e)?;
        Ok(Some(aside))
    }

    /// Server time (a second opinion on this machine's clock).
    pub fn server_ms(&mut self) -> Option<i64> {
        let row = self.client.query_one("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::int8", &[]).ok()?;
        Some(row.get(0))
    }

    /// Run `f` in a read-only transaction that sees one snapshot.
    fn read<T>(
        &mut self,
        f: impl FnOnce(&mut postgres::Transaction, &str) -> Result<T, postgres::Error>,
    ) -> Result<T, SyncError> {
        let e = self.err();
        let s = self.s.clone();
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(&e)?;
        let v = f(&mut tx, &s).map_err(&e)?;
        tx.commit().map_err(e)?;
        Ok(v)
    }
}

impl Remote for PgRemote {
    fn describe(&self) -> String {
        self.target.url.clone()
    }

    fn store_id(&self) -> &str {
        &self.store_id
    }

    fn state(&mut self, me: ReplicaId) -> Result<RemoteState, SyncError> {
        // One statement: one snapshot, one round trip.
        let e = self.err();
        let q = format!(
            "SELECT (SELECT json_object_agg(key, value) FROM {s}.meta)::text,
                    (SELECT coalesce(json_agg(json_build_array(replica, head, instance)), '[]') FROM {s}.heads)::text,
                    current_user::text, a.agent, a.tix_role
             FROM (SELECT 1) x LEFT JOIN {s}.agents a ON a.pg_role = current_user",
            s = self.s
        );
        let row = self.client.query_one(&q, &[]).map_err(e)?;
        let damaged = |what: &str| SyncError::Fatal(format!("{}: the desk's {what} cannot be read", self.target.url));
        let meta: HashMap<String, String> =
            serde_json::from_str(row.get::<_, Option<&str>>(0).unwrap_or("{}")).map_err(|_| damaged("meta"))?;
        let heads: Vec<(Uuid, i64, Option<String>)> =
            serde_json::from_str(row.get::<_, &str>(1)).map_err(|_| damaged("heads"))?;
        let who = ServerIdentity { pg_role: row.get(2), agent: row.get(3), role: row.get(4) };
        let get = |k: &str| meta.get(k).cloned().unwrap_or_default();
        let numbering = Uuid::parse_str(&get("replica")).map(ReplicaId).map_err(|_| {
            SyncError::Fatal(format!("{}: meta replica '{}' is damaged", self.target.url, get("replica")))
        })?;
        let instance = heads.iter().find(|(r, ..)| *r == me.0).and_then(|(_, _, i)| i.clone());
        Ok(RemoteState {
            generation: Generation { incarnation: get("incarnation"), seq: get("seq").parse().unwrap_or(0) },
            heads: heads.into_iter().filter(|(_, h, _)| *h > 0).map(|(r, h, _)| (ReplicaId(r), h as u64)).collect(),
            numbering,
            instance,
            who: Some(who),
        })
    }

    fn checksums(&mut self, at: &[(ReplicaId, u64)]) -> Result<Vec<Option<Vec<u8>>>, SyncError> {
        let rs: Vec<Uuid> = at.iter().map(|(r, _)| r.0).collect();
        let cs: Vec<i64> = at.iter().map(|(_, c)| *c as i64).collect();
        self.read(|tx, s| {
            let rows = tx.query(
                &format!(
                    "SELECT o.checksum FROM unnest($1::uuid[], $2::int8[]) WITH ORDINALITY AS t(r, c, i)
                     LEFT JOIN {s}.ops o ON o.replica = t.r AND o.counter = t.c ORDER BY t.i"
                ),
                &[&rs, &cs],
            )?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn read_ops(&mut self, replica: ReplicaId, after: u64, limit: usize) -> Result<Vec<RawOp>, SyncError> {
        self.read(|tx, s| {
            let rows = tx.query(
                &format!(
                    "SELECT counter, hlc, actor, entity, kind, payload, checksum FROM {s}.ops
                     WHERE replica = $1 AND counter > $2 ORDER BY counter LIMIT $3"
                ),
                &[&replica.0, &(after as i64), &(limit as i64)],
            )?;
            Ok(rows
                .iter()
                .map(|r| RawOp {
                    replica,
                    counter: r.get::<_, i64>(0) as u64,
                    hlc: Hlc(r.get::<_, i64>(1) as u64),
                    actor: r.get(2),
                    entity: r.get(3),
                    kind: r.get(4),
                    payload: r.get(5),
                    checksum: r.get(6),
                })
                .collect())
        })
    }

    fn number_owners(&mut self, claims: &[(Uuid, u64)]) -> Result<Vec<NumberOwner>, SyncError> {
        let ts: Vec<Uuid> = claims.iter().map(|(t, _)| *t).collect();
        let ns: Vec<i64> = claims.iter().map(|(_, n)| *n as i64).collect();
        self.read(|tx, s| {
            let rows = tx.query(
                &format!(
                    "SELECT h.ticket, m.number FROM unnest($1::uuid[], $2::int8[]) WITH ORDINALITY AS t(t, n, i)
                     LEFT JOIN {s}.numbers h ON h.number = t.n
                     LEFT JOIN {s}.numbers m ON m.ticket = t.t ORDER BY t.i"
                ),
                &[&ts, &ns],
            )?;
            Ok(rows
                .iter()
                .map(|r| NumberOwner { holder: r.get(0), number: r.get::<_, Option<i64>>(1).map(|n| n as u64) })
                .collect())
        })
    }

    fn push(&mut self, ops: &[(RawOp, Op)], ctx: &PushContext) -> Result<PushOutcome, SyncError> {
        let mut out = PushOutcome::default();
        let e = self.err();
        let s = self.s.clone();
        // A role that may only read says so in one line (the server would refuse anyway).
        let ops_table = format!("{s}.ops");
        let may: bool = self
            .client
            .query_one("SELECT has_table_privilege(current_user, $1, 'INSERT')", &[&ops_table])
            .map_err(&e)?
            .get(0);
        if !may {
            return Err(SyncError::Refused(format!(
                "role {} may read desk {} on {} but not push to it (it has no INSERT on {}.ops): a read-only role \
                 pulls but cannot push; {} change{} stay in this store",
                self.user,
                self.target.desk,
                self.target.url,
                self.target.desk,
                ops.len(),
                if ops.len() == 1 { "" } else { "s" }
            )));
        }
        for chunk in ops.chunks(PUSH_BATCH) {
            let started = Instant::now();
            let mut tx = self.client.transaction().map_err(&e)?;
            let seq = push::lock(&mut tx, &s).map_err(&e)?;
            let b = push::push_batch(&mut tx, &s, chunk, ctx).map_err(&e)??;
            push::set_meta(&mut tx, &s, "seq", &(seq + 1).to_string()).map_err(&e)?;
            tx.commit().map_err(&e)?;
            out.added += b.added;
            out.numbered += b.numbered;
            out.new_epoch = out.new_epoch.or(b.new_epoch);
            out.max_lock = out.max_lock.max(started.elapsed());
        }
        Ok(out)
    }

    fn new_numbering_epoch(&mut self, at_least: u64, seen_seq: u64, now_ms: i64) -> Result<u64, SyncError> {
        let e = self.err();
        let s = self.s.clone();
        let mut tx = self.client.transaction().map_err(&e)?;
        let seq = push::lock(&mut tx, &s).map_err(&e)?;
        let next: u64 = push::meta(&mut tx, &s, "next_number").map_err(&e)?.parse().unwrap_or(1);
        let (n, newest) = push::own_activity(&mut tx, &s, now_ms).map_err(&e)?;
        let base = numbering::base_with_headroom(
            next.saturating_sub(1).max(at_least.saturating_sub(1)),
            numbering::headroom(n, newest, now_ms),
        );
        push::rotate(&mut tx, &s, base).map_err(&e)?;
        push::set_meta(&mut tx, &s, "seq", &(seq.max(seen_seq) + 1).to_string()).map_err(&e)?;
        tx.commit().map_err(e)?;
        Ok(base)
    }

    fn check_integrity(&mut self) -> Result<(), SyncError> {
        let problems: Vec<String> = self.read(|tx, s| {
            let rows = tx.query(
                &format!(
                    "SELECT coalesce(h.replica, o.replica)::text, h.head, o.n, o.mx FROM {s}.heads h
                     FULL JOIN (SELECT replica, count(*) AS n, max(counter) AS mx FROM {s}.ops GROUP BY replica) o
                       ON o.replica = h.replica
                     WHERE h.head IS DISTINCT FROM o.mx OR o.n IS DISTINCT FROM o.mx LIMIT 5"
                ),
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| {
                    format!(
                        "replica {}: head {:?}, {:?} ops up to {:?}",
                        r.get::<_, String>(0),
                        r.get::<_, Option<i64>>(1),
                        r.get::<_, Option<i64>>(2),
                        r.get::<_, Option<i64>>(3)
                    )
                })
                .collect())
        })?;
        if problems.is_empty() {
            return Ok(());
        }
        Err(SyncError::Fatal(format!(
            "desk {} on {} failed its integrity check ({}): a replica's counters have a gap",
            self.target.desk,
            self.target.url,
            problems.join("; ")
        )))
    }

    fn server_ms(&mut self) -> Option<i64> {
        PgRemote::server_ms(self)
    }
}
