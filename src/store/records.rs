//! Looking up people, assets and articles by id or key, and the counts `store info`
//! shows.

use super::query::*;
use super::{Result, Store, must};
use crate::domain::asset::Asset;
use crate::domain::ids::{ArticleId, AssetId, PersonId};
use crate::domain::kb::Article;
use crate::domain::person::{Person, Role};
use crate::domain::ticket::Status;
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Find a person by login, e-mail or exact name (case-insensitive), agents first.
    pub fn find_person(&self, key: &str) -> Result<Option<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLS} FROM people WHERE login = ?1 COLLATE NOCASE OR email = ?1 COLLATE NOCASE
             OR name = ?1 COLLATE NOCASE ORDER BY (role = 'requester'), rowid LIMIT 1"
        );
        self.conn()
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([key.trim()], person_row).optional())
            .map_err(|e| self.classify(e))
    }

    /// Find an agent (anyone but a requester) by login, e-mail or exact name
    /// (case-insensitive); the oldest when several match.
    pub fn find_agent(&self, key: &str) -> Result<Option<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLS} FROM people WHERE (login = ?1 COLLATE NOCASE OR email = ?1 COLLATE NOCASE
             OR name = ?1 COLLATE NOCASE) AND role <> 'requester' ORDER BY (login = ?1 COLLATE NOCASE) DESC, rowid LIMIT 1"
        );
        self.conn()
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([key.trim()], person_row).optional())
            .map_err(|e| self.classify(e))
    }

    /// Agents (anyone but a requester) by name, at most `limit` (pickers, and the known
    /// agents an unknown `--as` is told about).
    pub fn agents(&self, limit: u32) -> Result<Vec<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLS} FROM people WHERE role <> 'requester' ORDER BY name COLLATE NOCASE LIMIT {limit}"
        );
        self.collect(&sql, [], person_row)
    }

    /// How many people have `role`, counted up to `upto`.
    pub fn role_count_upto(&self, role: Role, upto: u32) -> Result<u64> {
        self.conn()
            .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM people WHERE role = ?1 LIMIT ?2)")
            .and_then(|mut s| s.query_row(params![role.as_str(), upto], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(|e| self.classify(e))
    }

    /// Whether anyone has `role` (`None`: any agent role, that is anyone but a requester).
    pub fn has_role(&self, role: Option<Role>) -> Result<bool> {
        self.conn()
            .prepare_cached(
                "SELECT EXISTS(SELECT 1 FROM people WHERE CASE WHEN ?1 IS NULL THEN role <> 'requester' ELSE role = ?1 END)",
            )
            .and_then(|mut s| s.query_row([role.map(|r| r.as_str())], |r| r.get(0)))
            .map_err(|e| self.classify(e))
    }

    pub fn person(&self, id: PersonId) -> Result<Person> {
        let sql = format!("SELECT {PERSON_COLS} FROM people WHERE id = ?1");
        let r = self.conn().prepare_cached(&sql).and_then(|mut s| s.query_row([id.0], person_row).optional());
        must(r, self.path(), || format!("person {id}"))
    }

    /// People whose name, e-mail or login starts with `prefix` (for pickers), paged.
    pub fn people(&self, prefix: &str, role: Option<Role>, limit: u32) -> Result<Vec<Person>> {
        let sql = format!(
            "SELECT {PERSON_COLS} FROM people WHERE (?1 = '' OR name LIKE ?2 ESCAPE '\\' OR email LIKE ?2 ESCAPE '\\'
             OR login LIKE ?2 ESCAPE '\\') AND (?3 IS NULL OR role = ?3) ORDER BY name COLLATE NOCASE LIMIT {limit}"
        );
        self.collect(&sql, params![prefix, format!("{}%", like_escape(prefix)), role.map(|r| r.as_str())], person_row)
    }

    // ------------------------------------------------------------ assets

    pub fn asset(&self, id: AssetId) -> Result<Asset> {
        let sql = format!("SELECT {ASSET_COLS} FROM assets s LEFT JOIN people p ON p.id = s.holder WHERE s.id = ?1");
        let r = self.conn().prepare_cached(&sql).and_then(|mut st| st.query_row([id.0], asset_row).optional());
        must(r, self.path(), || format!("asset {id}"))
    }

    /// An asset by its tag (exact, case-insensitive), else by hostname or serial.
    pub fn asset_by_key(&self, key: &str) -> Result<Asset> {
        let sql = format!(
            "SELECT {ASSET_COLS} FROM assets s LEFT JOIN people p ON p.id = s.holder
             WHERE s.deleted = 0 AND (s.tag = ?1 COLLATE NOCASE OR s.hostname = ?1 COLLATE NOCASE OR s.serial = ?1 COLLATE NOCASE)
             ORDER BY (s.tag = ?1 COLLATE NOCASE) DESC LIMIT 1"
        );
        let r = self.conn().prepare_cached(&sql).and_then(|mut st| st.query_row([key.trim()], asset_row).optional());
        must(r, self.path(), || format!("asset '{key}'"))
    }

    /// Assets whose tag, hostname, serial, model or holder starts with or contains `text`
    /// (prefix matches on indexed columns first), paged.
    pub fn find_assets(&self, text: &str, limit: u32) -> Result<Vec<Asset>> {
        let t = text.trim();
        let pre = format!("{}%", like_escape(t));
        let any = format!("%{}%", like_escape(t));
        let sql = format!(
            "SELECT {ASSET_COLS} FROM assets s LEFT JOIN people p ON p.id = s.holder
             WHERE s.deleted = 0 AND (s.tag LIKE ?1 ESCAPE '\\' OR s.hostname LIKE ?1 ESCAPE '\\' OR s.serial LIKE ?1 ESCAPE '\\'
               OR s.model LIKE ?2 ESCAPE '\\' OR p.name LIKE ?2 ESCAPE '\\')
             ORDER BY (s.tag LIKE ?1 ESCAPE '\\') DESC, s.tag LIMIT {limit}"
        );
        self.collect(&sql, params![pre, any], asset_row)
    }

    pub fn asset_count(&self) -> Result<u64> {
        self.scalar("SELECT count(*) FROM assets WHERE deleted = 0")
    }

    fn scalar(&self, sql: &str) -> Result<u64> {
        self.conn().query_row(sql, [], |r| r.get::<_, i64>(0)).map(|n| n as u64).map_err(|e| self.classify(e))
    }

    // ------------------------------------------------------------ KB

    pub fn article(&self, id: ArticleId) -> Result<Article> {
        let sql = format!("SELECT {ARTICLE_COLS} FROM articles WHERE id = ?1");
        let r = self.conn().prepare_cached(&sql).and_then(|mut s| s.query_row([id.0], article_row).optional());
        must(r, self.path(), || format!("article {id}"))
    }

    /// An article by id prefix, exact title or source path.
    pub fn article_by_key(&self, key: &str) -> Result<Article> {
        let sql = format!(
            "SELECT {ARTICLE_COLS} FROM articles WHERE deleted = 0 AND (title = ?1 COLLATE NOCASE OR source = ?1
             OR lower(hex(id)) LIKE ?2) LIMIT 1"
        );
        let hex_prefix = format!("{}%", key.replace('-', "").to_ascii_lowercase());
        let r = self
            .conn()
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row(params![key, hex_prefix], article_row).optional());
        must(r, self.path(), || format!("KB article '{key}'"))
    }

    pub fn article_by_source(&self, source: &str) -> Result<Option<Article>> {
        let sql = format!("SELECT {ARTICLE_COLS} FROM articles WHERE source = ?1 AND deleted = 0 LIMIT 1");
        self.conn()
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_row([source], article_row).optional())
            .map_err(|e| self.classify(e))
    }

    pub fn article_count(&self) -> Result<u64> {
        self.scalar("SELECT count(*) FROM articles WHERE deleted = 0")
    }

    pub fn ticket_count(&self) -> Result<u64> {
        self.scalar("SELECT count(*) FROM tickets WHERE deleted = 0")
    }

    pub fn person_count(&self) -> Result<u64> {
        self.scalar("SELECT count(*) FROM people")
    }

    /// Ticket counts per status.
    pub fn status_counts(&self) -> Result<Vec<(Status, u64)>> {
        let mut out = Vec::new();
        for s in Status::ALL {
            let n: i64 = self
                .conn()
                .prepare_cached("SELECT count(*) FROM tickets WHERE status = ?1 AND deleted = 0")
                .and_then(|mut st| st.query_row([s.as_str()], |r| r.get(0)))
                .map_err(|e| self.classify(e))?;
            out.push((*s, n as u64));
        }
        Ok(out)
    }
}
