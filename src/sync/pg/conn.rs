//! Reaching the desk's PostgreSQL server: the URL (with tix's own `desk=` and libpq's
//! `sslmode=`), the password (from `PGPASSWORD`, `~/.pgpass` or the config's
//! `[sync] password_command`; never from the URL, never stored), TLS through rustls,
//! and the server's errors in the terms of sync.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use postgres::{Client, Config, NoTls};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use crate::sync::SyncError;

/// The desk schema when the URL names none.
pub const DEFAULT_DESK: &str = "tix";
/// How long a connection attempt may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Is `path` a PostgreSQL URL rather than a shared file's path?
pub fn is_url(path: &str) -> bool {
    path.starts_with("postgres://") || path.starts_with("postgresql://")
}

/// How TLS is used, from the URL's `sslmode` (libpq's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// TLS if the server offers it, without checking its certificate (libpq's default).
    Prefer,
    /// TLS always, without checking the certificate.
    Require,
    /// TLS always, the certificate checked against the roots and the host name.
    VerifyFull,
}

/// A desk on a server, parsed from `postgres://user@host:port/db?desk=NAME&sslmode=...`.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL as recorded in the store (no password, tix's own parameters kept).
    pub url: String,
    /// The desk's schema.
    pub desk: String,
    pub ssl: SslMode,
    /// `sslrootcert=PATH`: a PEM file of root certificates for `verify-full`.
    pub root_cert: Option<PathBuf>,
    /// The URL as the driver reads it (without tix's parameters).
    driver_url: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, SyncError> {
        let bad = |m: String| SyncError::Refused(format!("{url}: {m}"));
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let authority = base.split_once("://").map(|(_, r)| r).unwrap_or("").split('/').next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && userinfo.contains(':')
        {
            return Err(bad(
                "the URL holds a password, which tix would record in the store; put it in PGPASSWORD, ~/.pgpass \
                 or the config's [sync] password_command instead"
                    .into(),
            ));
        }
        let (mut desk, mut ssl, mut root_cert) = (None, SslMode::Prefer, None);
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "desk" => desk = Some(v.to_string()),
                "sslmode" => {
                    ssl = match v {
                        "disable" => SslMode::Disable,
                        "prefer" | "allow" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-full" | "verify-ca" => SslMode::VerifyFull,
                        _ => {
                            return Err(bad(format!(
                                "sslmode={v} is not one of disable, prefer, require, verify-full"
                            )));
                        }
                    }
                }
                "sslrootcert" => root_cert = Some(PathBuf::from(v)),
                "password" => return Err(bad("the URL holds a password (see PGPASSWORD, ~/.pgpass)".into())),
                _ => kept.push(pair),
            }
        }
        let desk = desk.unwrap_or_else(|| DEFAULT_DESK.to_string());
        if !valid_desk(&desk) {
            return Err(bad(format!(
                "desk={desk} is not a valid desk name (lower-case letters, digits and _, starting with a letter, at most 48)"
            )));
        }
        let driver_url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
        driver_url.parse::<Config>().map_err(|e| bad(format!("not a valid PostgreSQL URL ({e})")))?;
        Ok(Target { url: url.to_string(), desk, ssl, root_cert, driver_url })
    }

    /// The driver's configuration: user (`PGUSER`, then the login name when the URL has
    /// none), password from the usual places, a connect timeout.
    fn config(&self) -> Result<Config, SyncError> {
        let mut cfg = self.base_config()?;
        if let Some(pw) = password(&cfg)? {
            cfg.password(pw);
        }
        Ok(cfg)
    }

    /// [`Target::config`] without looking for the password.
    fn base_config(&self) -> Result<Config, SyncError> {
        let mut cfg: Config = self.driver_url.parse().map_err(|e| SyncError::Refused(format!("{}: {e}", self.url)))?;
        if cfg.get_user().is_none() {
            let user = std::env::var("PGUSER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "postgres".into());
            cfg.user(&user);
        }
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(CONNECT_TIMEOUT);
        }
        cfg.application_name("tix");
        // Set at connection start (no extra round trip): a desk locked too long, or a
        // client that stalls inside a transaction, is given up on.
        cfg.options("-c lock_timeout=20s -c idle_in_transaction_session_timeout=60s");
        Ok(cfg)
    }

    /// The role tix connects as (for messages).
    pub fn user(&self) -> String {
        self.base_config().ok().and_then(|c| c.get_user().map(String::from)).unwrap_or_default()
    }

    /// Open a connection.
    pub fn connect(&self) -> Result<Client, SyncError> {
        let mut cfg = self.config()?;
        let user = cfg.get_user().unwrap_or_default().to_string();
        let r = match self.ssl {
            SslMode::Disable => {
                cfg.ssl_mode(postgres::config::SslMode::Disable);
                cfg.connect(NoTls)
            }
            mode => {
                cfg.ssl_mode(if mode == SslMode::Prefer {
                    postgres::config::SslMode::Prefer
                } else {
                    postgres::config::SslMode::Require
                });
                cfg.connect(tokio_postgres_rustls::MakeRustlsConnect::new(self.tls()?))
            }
        };
        r.map_err(|e| classify(&self.url, &user, e))
    }

    fn tls(&self) -> Result<ClientConfig, SyncError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| SyncError::Refused(format!("TLS: {e}")))?;
        if self.ssl != SslMode::VerifyFull {
            return Ok(builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
                .with_no_client_auth());
        }
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &self.root_cert {
            use rustls::pki_types::pem::PemObject;
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| SyncError::Refused(format!("sslrootcert {}: {e}", path.display())))?;
            for c in certs {
                roots.add(c).map_err(|e| SyncError::Refused(format!("sslrootcert {}: {e}", path.display())))?;
            }
        }
        Ok(builder.with_root_certificates(roots).with_no_client_auth())
    }
}

fn valid_desk(d: &str) -> bool {
    let mut cs = d.chars();
    cs.next().is_some_and(|c| c.is_ascii_lowercase())
        && d.len() <= 48
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The password for `cfg`'s user: `PGPASSWORD`, then the first matching line of
/// `PGPASSFILE` or `~/.pgpass`, then the config's `[sync] password_command`; `None` when
/// none of them has one (trust or peer authentication, or a certificate).
fn password(cfg: &Config) -> Result<Option<String>, SyncError> {
    if let Ok(p) = std::env::var("PGPASSWORD")
        && !p.is_empty()
    {
        return Ok(Some(p));
    }
    let host = match cfg.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".into(),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432).to_string();
    let db = cfg.get_dbname().unwrap_or(cfg.get_user().unwrap_or_default()).to_string();
    let user = cfg.get_user().unwrap_or_default().to_string();
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")));
    if let Some(text) = file.and_then(|f| std::fs::read_to_string(f).ok())
        && let Some(p) = pgpass_lookup(&text, [&host, &port, &db, &user])
    {
        return Ok(Some(p));
    }
    let command = crate::config::Config::load(crate::config::Config::default_path().as_deref())
        .ok()
        .and_then(|c| c.sync.password_command);
    let Some(command) = command else { return Ok(None) };
    let out = std::process::Command::new("sh")
        .args(["-c", &command])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| SyncError::Refused(format!("[sync] password_command `{command}` could not run: {e}")))?;
    if !out.status.success() {
        return Err(SyncError::Refused(format!("[sync] password_command `{command}` failed ({})", out.status)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(Some(text.trim_end_matches(['\n', '\r']).to_string()))
}

/// The password of the first `host:port:database:user:password` line matching (`*`
/// matches anything; `\:` and `\\` are escapes), as libpq reads `~/.pgpass`.
pub fn pgpass_lookup(text: &str, want: [&str; 4]) -> Option<String> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() == 5 && fields.iter().zip(want).all(|(f, w)| f == "*" || f == w) {
            return fields.pop();
        }
    }
    None
}

/// Accepts any certificate (`sslmode=require`, libpq's meaning: encrypted, not verified).
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The server's errors in the terms of sync: unreachable or cut (offline), refused
/// credentials or grants (one line naming what is missing), anything else (fatal).
pub fn classify(url: &str, user: &str, e: postgres::Error) -> SyncError {
    use postgres::error::SqlState;
    let Some(db) = e.as_db_error() else {
        // No answer from the server: refused, timed out, cut, TLS failed.
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg = format!("{msg}: {s}");
            src = s.source();
        }
        return SyncError::Offline(format!("cannot reach the server of {url} ({msg})"));
    };
    let code = db.code();
    let m = db.message();
    if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
        return SyncError::Refused(format!(
            "the server of {url} refused role {user}: {m} (check PGPASSWORD, ~/.pgpass or [sync] password_command, and pg_hba.conf)"
        ));
    }
    if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        return SyncError::Refused(format!(
            "the server of {url} refused role {user}: {m}{}",
            if m.starts_with("permission denied") {
                " (see README, \"Setting up a desk database\", for the GRANTs a technician needs)"
            } else {
                ""
            }
        ));
    }
    if *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::QUERY_CANCELED
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT
    {
        return SyncError::Offline(format!(
            "the desk at {url} stayed busy with other syncs ({m}); try again in a moment"
        ));
    }
    if *code == SqlState::INVALID_CATALOG_NAME {
        return SyncError::Offline(format!("{url}: {m}"));
    }
    if *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CRASH_SHUTDOWN
        || *code == SqlState::CANNOT_CONNECT_NOW
        || *code == SqlState::TOO_MANY_CONNECTIONS
        || code.code().starts_with("08")
    {
        return SyncError::Offline(format!("the server of {url} is unavailable: {m}"));
    }
    SyncError::Fatal(format!("{url}: {m}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_tix_parameters_apart_and_refuse_passwords() {
        let t = Target::parse("postgres://dana@db.example/helpdesk?desk=it_desk&sslmode=verify-full").unwrap();
        assert_eq!((t.desk.as_str(), t.ssl), ("it_desk", SslMode::VerifyFull));
        assert_eq!(t.driver_url, "postgres://dana@db.example/helpdesk");
        let t = Target::parse("postgresql://db/x?connect_timeout=3").unwrap();
        assert_eq!((t.desk.as_str(), t.ssl), (DEFAULT_DESK, SslMode::Prefer));
        assert!(Target::parse("postgres://dana:secret@db/x").unwrap_err().to_string().contains("PGPASSWORD"));
        assert!(Target::parse("postgres://db/x?desk=Bad-Name").unwrap_err().to_string().contains("desk=Bad-Name"));
        assert!(Target::parse("postgres://db/x?sslmode=sometimes").unwrap_err().to_string().contains("sslmode"));
    }

    #[test]
    fn pgpass_lines_match_with_wildcards_and_escapes() {
        let text = "# comment\nother:5432:*:dana:no\ndb.example:*:*:dana:pa\\:ss\n*:*:*:*:any\n";
        assert_eq!(pgpass_lookup(text, ["db.example", "5432", "helpdesk", "dana"]).as_deref(), Some("pa:ss"));
        assert_eq!(pgpass_lookup(text, ["x", "1", "y", "lee"]).as_deref(), Some("any"));
        assert_eq!(pgpass_lookup("a:1:b:c:d", ["a", "1", "b", "z"]), None);
    }
}
