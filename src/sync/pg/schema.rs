//! The desk schema on the server: one schema per desk, with versioned migrations of its
//! own (append-only; a schema newer than this binary is refused), and the server-side
//! identity: `agents` maps PostgreSQL roles to tix agents and their tix role, and a
//! statement trigger on `ops` refuses any pushed op whose actor is not the connecting
//! role's agent (a modified client cannot forge the audit trail).

use postgres::Client;

/// The desk schema's migrations, in order; `{s}` is the schema (quoted). Never edit an
/// applied one: append.
pub const MIGRATIONS: &[&str] = &[
    // 1: the op log, heads, numbers, the identity map and the actor check.
    r#"
CREATE TABLE {s}.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
-- The highest counter held per replica and the instance nonce last recorded beside it.
CREATE TABLE {s}.heads (
    replica  uuid PRIMARY KEY,
    head     bigint NOT NULL,
    instance text
);
-- Every op, keyed by (replica, counter); `pusher` is the role that pushed it.
CREATE TABLE {s}.ops (
    replica  uuid   NOT NULL,
    counter  bigint NOT NULL,
    hlc      bigint NOT NULL,
    actor    text   NOT NULL,
    entity   uuid   NOT NULL,
    kind     text   NOT NULL,
    payload  text   NOT NULL,
    checksum bytea  NOT NULL,
    pusher   name   NOT NULL DEFAULT current_user,
    PRIMARY KEY (replica, counter)
);
-- Final ticket numbers: one per ticket, one ticket per number.
CREATE TABLE {s}.numbers (
    ticket uuid   PRIMARY KEY,
    number bigint NOT NULL UNIQUE
);
-- Who is who: a PostgreSQL role acts as one agent with one tix role.
CREATE TABLE {s}.agents (
    pg_role  name PRIMARY KEY,
    agent    text NOT NULL,
    tix_role text NOT NULL CHECK (tix_role IN ('agent', 'lead', 'admin', 'readonly'))
);
CREATE FUNCTION {s}.check_actors() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    me  record;
    bad text;
BEGIN
    SELECT agent, tix_role INTO me FROM {s}.agents WHERE pg_role = current_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % is not mapped to an agent of desk {d}', current_user
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'an admin adds it: INSERT INTO {d}.agents VALUES (''role'', ''Agent Name'', ''agent'')';
    END IF;
    IF me.tix_role = 'readonly' THEN
        RAISE EXCEPTION 'role % is read-only on desk {d}: it can pull but not push', current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF me.tix_role = 'admin' THEN
        RETURN NULL; -- an admin may relay everyone's ops (sync init, rebuild, a restored server)
    END IF;
    SELECT actor INTO bad FROM new_ops WHERE actor <> me.agent AND actor NOT LIKE 'tix-%' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'role % acts as "%" on desk {d} and cannot push a change made as "%"',
            current_user, me.agent, bad
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER ops_actor AFTER INSERT ON {s}.ops
    REFERENCING NEW TABLE AS new_ops FOR EACH STATEMENT EXECUTE FUNCTION {s}.check_actors();
"#,
];

/// The desk schema version this binary writes (and the newest it reads).
pub fn version() -> i64 {
    MIGRATIONS.len() as i64
}

/// `"name"`, quoted as an identifier (desk names are checked to be plain already).
pub fn quote(desk: &str) -> String {
    format!("\"{}\"", desk.replace('"', "\"\""))
}

/// Create the desk schema at the current version, with `owner_role` mapped to `agent`
/// as its admin and the store's identity in `meta`. Fails if the schema exists.
pub fn create(
    c: &mut Client,
    desk: &str,
    meta: &[(&str, String)],
    owner_role: &str,
    agent: &str,
) -> Result<(), postgres::Error> {
    let s = quote(desk);
    let mut tx = c.transaction()?;
    tx.batch_execute(&format!("CREATE SCHEMA {s}"))?;
    for m in MIGRATIONS {
        tx.batch_execute(&m.replace("{s}", &s).replace("{d}", desk))?;
    }
    tx.execute(&format!("INSERT INTO {s}.meta(key, value) VALUES ('schema_version', $1)"), &[&version().to_string()])?;
    for (k, v) in meta {
        tx.execute(&format!("INSERT INTO {s}.meta(key, value) VALUES ($1, $2)"), &[k, v])?;
    }
    tx.execute(
        &format!("INSERT INTO {s}.agents(pg_role, agent, tix_role) VALUES ($1, $2, 'admin')"),
        &[&owner_role, &agent],
    )?;
    tx.commit()
}

/// Bring the desk schema from `from` up to [`version`], each step in its own transaction
/// under the writers' lock.
pub fn upgrade(c: &mut Client, desk: &str, from: i64) -> Result<(), postgres::Error> {
    let s = quote(desk);
    for (i, m) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let mut tx = c.transaction()?;
        let now: String =
            tx.query_one(&format!("SELECT value FROM {s}.meta WHERE key = 'schema_version' FOR UPDATE"), &[])?.get(0);
        if now.parse::<usize>().unwrap_or(0) > i {
            continue; // someone else did it
        }
        tx.batch_execute(&m.replace("{s}", &s).replace("{d}", desk))?;
        tx.execute(&format!("UPDATE {s}.meta SET value = $1 WHERE key = 'schema_version'"), &[&(i + 1).to_string()])?;
        tx.commit()?;
    }
    Ok(())
}
