//! Sending mail: messages built with lettre (`message`), handed to an SMTP server
//! (lettre's transport, one pooled connection reused across messages) or to a sendmail
//! command (the formatted message on its stdin). No store here: `app::mail` decides
//! what to send and records the results as ops.

pub mod message;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use lettre::Transport as _;
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};

use crate::mail_config::{MailConfig, TlsMode, TransportKind};

/// Why a message was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Try again later: no connection, a timeout, a 4xx answer.
    #[error("{0}")]
    Temporary(String),
    /// Never: a 5xx answer, a sendmail command that failed, an unusable address.
    #[error("{0}")]
    Permanent(String),
}

/// Before this process's first message: open the pooled connection and turn Nagle off
/// on it, so even the first message's end-of-data goes out with its body. A message
/// whose `.` sat in the kernel's send buffer when tix was killed still reached the
/// server after the process died, unrecorded: every such kill was one more copy.
fn warm(t: &SmtpTransport) -> Result<(), lettre::transport::smtp::Error> {
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARM: AtomicBool = AtomicBool::new(false);
    if !WARM.swap(true, Ordering::SeqCst) {
        t.test_connection()?;
        no_nagle();
    }
    Ok(())
}

/// Where messages go.
pub enum Transport {
    Smtp(Box<SmtpTransport>),
    Sendmail(String),
}

impl Transport {
    /// The transport `[mail]` describes. The SMTP password is read here (from
    /// `password_command`, else `$TIX_SMTP_PASSWORD`) and kept only in memory.
    pub fn from_config(cfg: &MailConfig) -> Result<Transport, String> {
        match cfg.transport {
            TransportKind::Sendmail => Ok(Transport::Sendmail(cfg.command.clone())),
            TransportKind::Smtp => {
                let host = cfg.host.trim();
                let (tls, port) = match cfg.tls {
                    TlsMode::None => (Tls::None, 25),
                    TlsMode::Starttls => (Tls::Required(tls_params(host)?), 587),
                    TlsMode::Tls => (Tls::Wrapper(tls_params(host)?), 465),
                };
                let mut b = SmtpTransport::builder_dangerous(host)
                    .port(cfg.port.unwrap_or(port))
                    .tls(tls)
                    .timeout(Some(Duration::from_secs(cfg.timeout_secs.max(1))));
                if let Some(user) = &cfg.user {
                    b = b.credentials(Credentials::new(user.clone(), password(cfg)?));
                }
                Ok(Transport::Smtp(Box::new(b.build())))
            }
        }
    }

    /// Hand one message over. `Ok` is the server's (or command's) answer.
    pub fn send(&self, m: &lettre::Message) -> Result<String, SendError> {
        match self {
            Transport::Smtp(t) => match warm(t).and_then(|_| t.send(m)) {
                Ok(r) => {
                    no_nagle();
                    Ok(format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" ")).trim().to_string())
                }
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) => Err(SendError::Temporary(e.to_string())),
            },
            Transport::Sendmail(cmd) => sendmail(cmd, &m.formatted()),
        }
    }
}

fn tls_params(host: &str) -> Result<TlsParameters, String> {
    TlsParameters::new(host.to_string()).map_err(|e| format!("[mail] tls: {e}"))
}

fn password(cfg: &MailConfig) -> Result<String, String> {
    if let Some(cmd) = &cfg.password_command {
        let out = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("[mail] password_command: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "[mail] password_command exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let s = String::from_utf8_lossy(&out.stdout);
        return Ok(s.trim_end_matches(['\r', '\n']).to_string());
    }
    std::env::var("TIX_SMTP_PASSWORD")
        .map_err(|_| "[mail] user is set but there is no password: set password_command or TIX_SMTP_PASSWORD".into())
}

/// Run the sendmail command with the message on stdin. A non-zero exit fails the message
/// with the command's stderr.
fn sendmail(cmd: &str, bytes: &[u8]) -> Result<String, SendError> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| SendError::Temporary(format!("cannot run '{cmd}': {e}")))?;
    let write = child.stdin.take().map(|mut i| i.write_all(bytes));
    let out = child.wait_with_output().map_err(|e| SendError::Temporary(format!("'{cmd}': {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(SendError::Permanent(format!("'{cmd}' exited with {}: {}", out.status, err.trim())));
    }
    if let Some(Err(e)) = write {
        return Err(SendError::Temporary(format!("'{cmd}' did not read the message: {e}")));
    }
    Ok(format!("accepted by {}", cmd.split_whitespace().next().unwrap_or(cmd)))
}

/// The lock held while sending a store's mail (`<store>.mail-lock`, beside it): `None`
/// when another process holds it. Released when the file is dropped (or the process dies).
pub fn send_lock(store: &std::path::Path) -> std::io::Result<Option<std::fs::File>> {
    let mut name = store.as_os_str().to_owned();
    name.push(".mail-lock");
    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&name)?;
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd as _;
        // SAFETY: flock on a file descriptor we own; no memory is shared.
        let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if r != 0 {
            let e = std::io::Error::last_os_error();
            return if e.kind() == std::io::ErrorKind::WouldBlock { Ok(None) } else { Err(e) };
        }
    }
    Ok(Some(f))
}

/// Turn Nagle's algorithm off on this process's TCP sockets (the pooled SMTP connection).
///
/// lettre 0.11.23 never sets TCP_NODELAY and writes the end-of-data `.` separately from
/// the body, so every message waits for the server's delayed ACK (40 ms on Linux):
/// 21 messages a second instead of hundreds. Fixed upstream (lettre pull request 1159,
/// merged, not yet released); until then tix sets the option on the pooled connection
/// after a send, once per socket. Only TCP sockets are touched, only this one option.
fn no_nagle() {
    #[cfg(target_os = "linux")]
    {
        use std::sync::Mutex;
        static DONE: Mutex<Vec<i32>> = Mutex::new(Vec::new());
        let Ok(dir) = std::fs::read_dir("/proc/self/fd") else { return };
        let Ok(mut done) = DONE.lock() else { return };
        for fd in dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok()) {
            if done.contains(&fd) {
                continue;
            }
            let one: libc::c_int = 1;
            let mut kind: libc::c_int = 0;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: getsockopt/setsockopt on a descriptor number with valid pointers to
            // local ints; a descriptor that is not a socket just fails.
            unsafe {
                let k = &mut kind as *mut libc::c_int as *mut libc::c_void;
                if libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_TYPE, k, &mut len) != 0 || kind != libc::SOCK_STREAM
                {
                    continue;
                }
                let p = &one as *const libc::c_int as *const libc::c_void;
                let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
                if libc::setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, p, size) == 0 {
                    done.push(fd);
                }
            }
        }
    }
}
