//! Versioned, append-only migrations. Never edit a migration that has shipped:
//! add a new one. Each runs in its own transaction together with the bump of
//! `PRAGMA user_version`.

/// `PRAGMA application_id` of a tix store ("TIX1").
pub const APPLICATION_ID: i32 = 0x5449_5831;

/// Migration `i` brings the schema from version `i` to `i + 1`. Migration 1 has shipped:
/// `tests/fixtures/stores/v1.db` was written by it and every later migration is tested
/// against that file.
pub const MIGRATIONS: &[&str] = &[
    // 1: the op log, the materialized tables and their indexes.
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Replica UUIDs, numbered locally so that each op row carries a small integer.
CREATE TABLE replicas (
    idx INTEGER PRIMARY KEY,
    id  BLOB NOT NULL UNIQUE
);

-- The op log: immutable, append-only. The audit history and the input of sync.
CREATE TABLE ops (
    replica  INTEGER NOT NULL REFERENCES replicas(idx),
    counter  INTEGER NOT NULL,
    hlc      INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    entity   BLOB NOT NULL,
    kind     TEXT NOT NULL,
    payload  TEXT NOT NULL,
    checksum BLOB NOT NULL,
    PRIMARY KEY (replica, counter)
) WITHOUT ROWID;
CREATE INDEX ops_entity ON ops(entity, hlc);

CREATE TABLE people (
    rowid      INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    email      TEXT,
    login      TEXT,
    department TEXT,
    site       TEXT,
    phone      TEXT,
    vip        INTEGER NOT NULL DEFAULT 0,
    role       TEXT NOT NULL,
    groups     TEXT,
    updated_at INTEGER NOT NULL
);
CREATE INDEX people_email ON people(email COLLATE NOCASE);
CREATE INDEX people_login ON people(login COLLATE NOCASE);
CREATE INDEX people_name ON people(name COLLATE NOCASE);

CREATE TABLE tickets (
    rowid             INTEGER PRIMARY KEY,
    id                BLOB NOT NULL UNIQUE,
    number            INTEGER NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    requester         BLOB,
    assignee          BLOB,
    grp               TEXT,
    status            TEXT NOT NULL,
    type              TEXT NOT NULL,
    category          TEXT,
    tags              TEXT,
    channel           TEXT NOT NULL,
    urgency           INTEGER NOT NULL,
    impact            INTEGER NOT NULL,
    priority          INTEGER NOT NULL,
    priority_override INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at       INTEGER,
    closed_at         INTEGER,
    response_due      INTEGER,
    resolution_due    INTEGER,
    entry_count       INTEGER NOT NULL DEFAULT 0,
    deleted           INTEGER NOT NULL DEFAULT 0,
    -- 1 while work remains: the backlog. Indexed first so queue pages are range scans.
    active            INTEGER GENERATED ALWAYS AS
                      (status IN ('new', 'open', 'pending', 'on-hold') AND deleted = 0) VIRTUAL
);
CREATE INDEX tickets_number    ON tickets(number);
CREATE INDEX tickets_active    ON tickets(active, priority, updated_at DESC);
CREATE INDEX tickets_assignee  ON tickets(assignee, active, priority, updated_at DESC);
CREATE INDEX tickets_group     ON tickets(grp, active, priority, updated_at DESC);
CREATE INDEX tickets_status    ON tickets(status, priority, updated_at DESC);
CREATE INDEX tickets_updated   ON tickets(active, updated_at DESC);
CREATE INDEX tickets_requester ON tickets(requester, active);
CREATE INDEX tickets_resolved  ON tickets(resolved_at) WHERE resolved_at IS NOT NULL;

-- Ticket full-text index: a row for title + description and one per timeline entry
-- (rowid = ticket rowid << 12 | slot). Contentless: the text lives in tickets and ops,
-- not a third time here. Matching is by token and prefix, newest first, so positions
-- (detail) are not kept.
CREATE VIRTUAL TABLE tickets_fts USING fts5(
    title, body,
    content = '', contentless_delete = 1, detail = none,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TABLE links (
    ticket      INTEGER NOT NULL REFERENCES tickets(rowid),
    target_kind TEXT NOT NULL,
    target      BLOB NOT NULL,
    rel         TEXT NOT NULL,
    hlc         INTEGER NOT NULL,
    removed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket, target_kind, target, rel)
) WITHOUT ROWID;
CREATE INDEX links_target ON links(target, target_kind);

CREATE TABLE assets (
    rowid         INTEGER PRIMARY KEY,
    id            BLOB NOT NULL UNIQUE,
    tag           TEXT NOT NULL,
    hostname      TEXT,
    serial        TEXT,
    model         TEXT,
    manufacturer  TEXT,
    category      TEXT,
    status        TEXT NOT NULL,
    holder        BLOB,
    location      TEXT,
    ip            TEXT,
    mac           TEXT,
    purchase_date TEXT,
    warranty_end  TEXT,
    notes         TEXT,
    updated_at    INTEGER NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX assets_tag      ON assets(tag COLLATE NOCASE);
CREATE INDEX assets_hostname ON assets(hostname COLLATE NOCASE);
CREATE INDEX assets_serial   ON assets(serial COLLATE NOCASE);
CREATE INDEX assets_holder   ON assets(holder);

CREATE TABLE articles (
    rowid      INTEGER PRIMARY KEY,
    id         BLOB NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    tags       TEXT,
    category   TEXT,
    internal   INTEGER NOT NULL DEFAULT 0,
    source     TEXT,
    updated_at INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX articles_source ON articles(source);

-- KB full-text index over the articles table (external content, kept in step by triggers).
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
-- Deleted (soft) articles are kept out of the index, so searches need no filter.
CREATE TRIGGER articles_ai AFTER INSERT ON articles WHEN new.deleted = 0 BEGIN
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles WHEN old.deleted = 0 BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
END;
-- One trigger, so that the old text leaves the index before the new text enters it.
CREATE TRIGGER articles_au AFTER UPDATE OF title, body, deleted ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body)
        SELECT 'delete', old.rowid, old.title, old.body WHERE old.deleted = 0;
    INSERT INTO articles_fts(rowid, title, body) SELECT new.rowid, new.title, new.body WHERE new.deleted = 0;
END;
"#,
    // 2: sync to a shared store file.
    r#"
-- Where this store syncs and what it last knew (shared path, store id, last sync, last
-- error, the next provisional ticket number...). Key/value, like meta.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Store ids this store has been or joined: joining one never seen before asks first.
CREATE TABLE sync_known (
    store_id TEXT PRIMARY KEY,
    seen_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- A change made here that lost to a concurrent change made elsewhere, for its author.
CREATE TABLE sync_notices (
    id             INTEGER PRIMARY KEY,
    ticket         BLOB NOT NULL,
    field          TEXT NOT NULL,
    mine_actor     TEXT NOT NULL,
    mine_to        TEXT,
    winner         BLOB NOT NULL,
    winner_counter INTEGER NOT NULL,
    winner_actor   TEXT NOT NULL,
    winner_to      TEXT,
    at             INTEGER NOT NULL,
    noticed_at     INTEGER NOT NULL,
    shown          INTEGER NOT NULL DEFAULT 0,
    acked          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (winner, winner_counter)
);
"#,
    // 3: intake and interchange. Both tables are folds of the op log (the `origin` of
    // ticket.new and ticket.entry ops), so `tix store verify` rebuilds and checks them.
    r#"
-- Where tickets and entries came from outside tix: `mail:<Message-ID>` for an e-mail,
-- `import:<key>` for a row of an imported file. Intake looks keys up here, so that a
-- re-run creates nothing twice and a reply finds its ticket by In-Reply-To/References.
-- The same message taken in on two replicas gives two rows; the earliest (hlc) wins.
CREATE TABLE origins (
    key    TEXT NOT NULL,
    ticket BLOB NOT NULL,
    hlc    INTEGER NOT NULL,
    sender TEXT,
    PRIMARY KEY (key, ticket)
) WITHOUT ROWID;
CREATE INDEX origins_ticket ON origins(ticket);
CREATE INDEX origins_sender ON origins(sender COLLATE NOCASE, hlc) WHERE sender IS NOT NULL;

-- Attachments of e-mailed tickets and replies: name, type and size always.
CREATE TABLE attachments (
    ticket       BLOB NOT NULL,
    origin       TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    hash         TEXT NOT NULL,
    stored       INTEGER NOT NULL,
    PRIMARY KEY (ticket, origin, seq)
) WITHOUT ROWID;

-- Attachment content up to the configured cap, once per distinct content (BLAKE3, hex).
CREATE TABLE attachment_content (
    hash    TEXT PRIMARY KEY,
    content BLOB NOT NULL
) WITHOUT ROWID;
"#,
    // 4: SLA clocks: a cache derived from each ticket's history and the SLA configuration
    // (not a fold of the op log alone, so `tix store verify` does not compare it; it is
    // recomputed whenever a ticket or the configuration changes).
    r#"
CREATE TABLE sla (
    ticket         INTEGER PRIMARY KEY,   -- tickets.rowid
    version        TEXT NOT NULL,         -- the ticket state it was computed for
    policy         TEXT NOT NULL,
    -- The most urgent target still open: its kind, due instant and warning instant.
    next_kind      TEXT,
    next_due       INTEGER,
    warn_at        INTEGER,
    response_due   INTEGER,
    update_due     INTEGER,
    resolution_due INTEGER,
    -- ok, at-risk, breached, met, paused: as computed; later instants compare to the dues.
    state          TEXT NOT NULL
);
CREATE INDEX sla_next_due ON sla(next_due) WHERE next_due IS NOT NULL;
"#,
    // 5: time booked on notes and replies, by ticket, agent and day: a fold of the entry
    // ops (their `minutes`), so totals need no walk of the op log. Filled from the log
    // for stores made before.
    r#"
CREATE TABLE time_spent (
    ticket  BLOB NOT NULL,     -- tickets.id
    hlc     INTEGER NOT NULL,  -- of the entry op
    actor   TEXT NOT NULL,     -- who booked it
    at      INTEGER NOT NULL,  -- ms (the op's time)
    minutes INTEGER NOT NULL,
    PRIMARY KEY (ticket, hlc, actor)
) WITHOUT ROWID;
CREATE INDEX time_spent_at ON time_spent(at);
INSERT OR IGNORE INTO time_spent(ticket, hlc, actor, at, minutes)
    SELECT entity, hlc, actor, hlc >> 16, json_extract(payload, '$.minutes') FROM ops
    WHERE kind = 'ticket.entry' AND json_extract(payload, '$.minutes') > 0;
"#,
    // 6: a checklist per ticket (a last-writer-wins field like the others).
    r#"
ALTER TABLE tickets ADD COLUMN checklist TEXT;
"#,
    // 7: saved queue views, shared through the op log (`view.save` ops; last writer wins).
    r#"
CREATE TABLE views (
    id      BLOB PRIMARY KEY,
    name    TEXT NOT NULL,
    filter  TEXT NOT NULL,
    sort    TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    hlc     INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // 8: the queue's "newest"/"oldest" order (creation time, then id) as an index range
    // scan.
    r#"
CREATE INDEX tickets_created ON tickets(active, created_at, id);
"#,
    // 9: search. The ticket index is rebuilt on normalised text (`text::index_terms`) with
    // prefix indexes for 3 and 4 letters; the rebuild itself runs after this step, in
    // batches that each commit (meta `search_reindex` = the next ticket rowid), so an
    // interrupted one resumes. KB ranking gets its own index of normalised text, one row
    // per passage, kept in step through `kb_dirty` by the write path.
    // Articles get per-store numbers (`KB-12`), in first-seen order. All three are caches
    // derived from the folded tables, not compared by `tix store verify`.
    r#"
DROP TABLE tickets_fts;
CREATE VIRTUAL TABLE tickets_fts USING fts5(
    title, body,
    content = '', contentless_delete = 1, detail = none, prefix = '3 4',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT OR REPLACE INTO meta(key, value) SELECT 'search_reindex', '0' WHERE EXISTS (SELECT 1 FROM tickets);
-- The indexed words (stems), for the typo retry's look-ups.
CREATE VIRTUAL TABLE tickets_vocab USING fts5vocab(tickets_fts, row);

-- One row per passage (paragraph, list item) of an article: rowid = article rowid << 10
-- | passage. The normalised text is kept: the second ranking reads candidates' words.
CREATE VIRTUAL TABLE kb_terms USING fts5(
    title, body,
    prefix = '2 3',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE kb_vocab USING fts5vocab(kb_terms, row);
CREATE TABLE kb_dirty (rowid INTEGER PRIMARY KEY);
CREATE TRIGGER kb_dirty_ai AFTER INSERT ON articles BEGIN
    INSERT OR IGNORE INTO kb_dirty(rowid) VALUES (new.rowid);
END;
CREATE TRIGGER kb_dirty_au AFTER UPDATE OF title, body, deleted ON articles BEGIN
    INSERT OR IGNORE INTO kb_dirty(rowid) VALUES (new.rowid);
END;
CREATE TRIGGER kb_dirty_ad AFTER DELETE ON articles BEGIN
    INSERT OR IGNORE INTO kb_dirty(rowid) VALUES (old.rowid);
END;
INSERT INTO kb_dirty(rowid) SELECT rowid FROM articles;

CREATE TABLE article_numbers (
    id  BLOB PRIMARY KEY,
    num INTEGER NOT NULL UNIQUE
) WITHOUT ROWID;
INSERT INTO article_numbers(id, num) SELECT id, row_number() OVER (ORDER BY rowid) FROM articles;
CREATE TRIGGER article_numbers_ai AFTER INSERT ON articles BEGIN
    INSERT OR IGNORE INTO article_numbers(id, num)
        VALUES (new.id, (SELECT coalesce(max(num), 0) + 1 FROM article_numbers));
END;
"#,
    // 10: a compact op log, and counts that need no scan.
    // Payloads may now be stored compressed (a BLOB; see `store::oplog`): SQL that reads
    // a payload's fields must go through `op_payload(payload)`, never `payload` itself.
    // The compression of an older log runs after this step, in batches that each commit
    // (meta `oplog_compact` = the last (replica, counter) done), so an interrupted one
    // resumes. `counts` holds the number of ops (kept by the write path, once per
    // transaction: a trigger on every op insert costs a statement journal each), and,
    // kept by triggers, of people, live assets and articles, and live tickets per status.
    r#"
CREATE TABLE op_dicts (
    id      INTEGER PRIMARY KEY,
    dict    BLOB NOT NULL,
    log_ops INTEGER NOT NULL      -- how many ops the log held when it was trained
);
INSERT OR REPLACE INTO meta(key, value) SELECT 'oplog_compact', '0:0' WHERE EXISTS (SELECT 1 FROM ops);

CREATE TABLE counts (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counts(name, n) SELECT 'ops', count(*) FROM ops;
INSERT INTO counts(name, n) SELECT 'people', count(*) FROM people;
INSERT INTO counts(name, n) SELECT 'assets', count(*) FROM assets WHERE deleted = 0;
INSERT INTO counts(name, n) SELECT 'articles', count(*) FROM articles WHERE deleted = 0;
INSERT INTO counts(name, n) SELECT 'tickets:' || status, count(*) FROM tickets WHERE deleted = 0 GROUP BY status;

CREATE TRIGGER counts_people_ai AFTER INSERT ON people BEGIN
    UPDATE counts SET n = n + 1 WHERE name = 'people';
END;
CREATE TRIGGER counts_people_ad AFTER DELETE ON people BEGIN
    UPDATE counts SET n = n - 1 WHERE name = 'people';
END;
CREATE TRIGGER counts_assets_ai AFTER INSERT ON assets WHEN new.deleted = 0 BEGIN
    UPDATE counts SET n = n + 1 WHERE name = 'assets';
END;
CREATE TRIGGER counts_assets_ad AFTER DELETE ON assets WHEN old.deleted = 0 BEGIN
    UPDATE counts SET n = n - 1 WHERE name = 'assets';
END;
CREATE TRIGGER counts_assets_au AFTER UPDATE OF deleted ON assets WHEN (old.deleted = 0) <> (new.deleted = 0) BEGIN
    UPDATE counts SET n = n + CASE WHEN new.deleted = 0 THEN 1 ELSE -1 END WHERE name = 'assets';
END;
CREATE TRIGGER counts_articles_ai AFTER INSERT ON articles WHEN new.deleted = 0 BEGIN
    UPDATE counts SET n = n + 1 WHERE name = 'articles';
END;
CREATE TRIGGER counts_articles_ad AFTER DELETE ON articles WHEN old.deleted = 0 BEGIN
    UPDATE counts SET n = n - 1 WHERE name = 'articles';
END;
CREATE TRIGGER counts_articles_au AFTER UPDATE OF deleted ON articles WHEN (old.deleted = 0) <> (new.deleted = 0) BEGIN
    UPDATE counts SET n = n + CASE WHEN new.deleted = 0 THEN 1 ELSE -1 END WHERE name = 'articles';
END;
CREATE TRIGGER counts_tickets_ai AFTER INSERT ON tickets WHEN new.deleted = 0 BEGIN
    INSERT INTO counts(name, n) VALUES ('tickets:' || new.status, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER counts_tickets_ad AFTER DELETE ON tickets WHEN old.deleted = 0 BEGIN
    UPDATE counts SET n = n - 1 WHERE name = 'tickets:' || old.status;
END;
CREATE TRIGGER counts_tickets_au AFTER UPDATE OF status, deleted ON tickets
WHEN old.status IS NOT new.status OR (old.deleted = 0) <> (new.deleted = 0) BEGIN
    UPDATE counts SET n = n - 1 WHERE name = 'tickets:' || old.status AND old.deleted = 0;
    INSERT INTO counts(name, n) SELECT 'tickets:' || new.status, 1 WHERE new.deleted = 0
        ON CONFLICT(name) DO UPDATE SET n = n + 1;
END;
"#,
    // 11: outbound mail (folded from mail.queue / mail.state), watchers, ratings.
    r#"
CREATE TABLE outbox (
    message_id  TEXT PRIMARY KEY,
    ticket      BLOB NOT NULL,
    replica     BLOB NOT NULL,   -- the replica that queued it, and the only one that sends it
    kind        TEXT NOT NULL,
    record      TEXT NOT NULL,   -- the mail.queue record (JSON)
    queued_at   INTEGER NOT NULL,
    hlc         INTEGER NOT NULL,
    state       TEXT NOT NULL,
    state_hlc   INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    done_at     INTEGER
) WITHOUT ROWID;
CREATE INDEX outbox_ticket ON outbox(ticket, hlc);
CREATE INDEX outbox_due ON outbox(replica, next_at, message_id) WHERE state IN ('queued', 'retrying', 'sending');
CREATE INDEX outbox_order ON outbox(hlc, message_id);
CREATE INDEX outbox_state ON outbox(state, hlc);
CREATE TABLE watchers (
    ticket  BLOB NOT NULL,
    address TEXT NOT NULL COLLATE NOCASE,
    hlc     INTEGER NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket, address)
) WITHOUT ROWID;
CREATE TABLE ratings (
    ticket  BLOB PRIMARY KEY,
    score   INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    answers TEXT NOT NULL DEFAULT '',
    at      INTEGER NOT NULL,
    hlc     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ratings_at ON ratings(at);
-- A ticket's mail thread, newest first, without reading all of it.
CREATE INDEX origins_ticket_hlc ON origins(ticket, hlc);
"#,
    // 12: the KB's words as written (normalised, not stemmed) and how many articles have
    // each, for the typo retry: a near word is one look-up in a plain table instead of a
    // probe of the full-text index (which stems, and costs a seek per index segment).
    // Kept by the write path beside `kb_terms`; the ranking index is rebuilt once to fill it.
    r#"
CREATE TABLE kb_words (
    word TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;
DELETE FROM kb_terms;
INSERT OR IGNORE INTO kb_dirty(rowid) SELECT rowid FROM articles;
"#,
];

/// The schema version this binary writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}
