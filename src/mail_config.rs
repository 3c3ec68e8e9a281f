//! `[mail]`: the desk's outbound mail. Off until `from` is set. The SMTP password is
//! never in this file: it comes from `password_command` or `$TIX_SMTP_PASSWORD`.

use serde::Deserialize;

use crate::domain::mail;

/// How messages leave the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TransportKind {
    #[default]
    Sendmail,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    #[default]
    Starttls,
    Tls,
    None,
}

/// One optional notice (`[mail.ack]`, `[mail.resolution]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Notice {
    pub enabled: bool,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// "IT Desk <desk@example.org>"; empty: outbound mail is off.
    pub from: String,
    pub reply_to: Option<String>,
    /// Before the title in every subject; `{number}` is the ticket's number.
    pub subject_prefix: String,
    /// The body of a public reply; `{reply}` is the technician's text.
    pub reply_template: String,
    pub transport: TransportKind,
    /// sendmail: the command, given the message on stdin (run by `sh -c`).
    pub command: String,
    pub host: String,
    pub port: Option<u16>,
    pub tls: TlsMode,
    pub user: Option<String>,
    /// Prints the SMTP password on stdout (run by `sh -c`); else `$TIX_SMTP_PASSWORD`.
    pub password_command: Option<String>,
    /// Seconds to wait for the server (connect, each reply).
    pub timeout_secs: u64,
    /// First retry after this many seconds; doubled each attempt (with jitter), at most 6 h.
    pub retry_base_secs: u64,
    /// A message not delivered this many hours after it was queued fails.
    pub give_up_hours: u64,
    pub ack: Notice,
    pub resolution: Notice,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: String::new(),
            reply_to: None,
            subject_prefix: "[#{number}]".into(),
            reply_template: "{reply}".into(),
            transport: TransportKind::Sendmail,
            command: "/usr/sbin/sendmail -t -i".into(),
            host: String::new(),
            port: None,
            tls: TlsMode::Starttls,
            user: None,
            password_command: None,
            timeout_secs: 30,
            retry_base_secs: 60,
            give_up_hours: 48,
            ack: Notice::default(),
            resolution: Notice::default(),
        }
    }
}

impl MailConfig {
    pub fn enabled(&self) -> bool {
        !self.from.trim().is_empty()
    }

    /// The bare address of `from`, lower case.
    pub fn from_address(&self) -> Option<String> {
        let f = self.from.trim();
        let addr = match (f.rfind('<'), f.rfind('>')) {
            (Some(a), Some(b)) if a < b => &f[a + 1..b],
            _ => f,
        };
        let addr = addr.trim();
        (!addr.is_empty()).then(|| addr.to_ascii_lowercase())
    }

    /// The Message-ID domain: the host of `from`.
    pub fn domain(&self) -> String {
        self.from_address().and_then(|a| a.rsplit_once('@').map(|(_, d)| d.to_string())).unwrap_or("tix.invalid".into())
    }

    /// Check what serde cannot: `(key, message)` of the first problem.
    pub fn check(&self) -> Result<(), (String, String)> {
        let templates = [
            ("mail.subject_prefix", &self.subject_prefix),
            ("mail.reply_template", &self.reply_template),
            ("mail.ack.text", &self.ack.text),
            ("mail.resolution.text", &self.resolution.text),
        ];
        for (key, t) in templates {
            if let Some(p) = mail::unknown_placeholder(t) {
                return Err((
                    key.to_string(),
                    format!("unknown placeholder {{{p}}} (use {})", mail::PLACEHOLDERS.join(", ")),
                ));
            }
        }
        if self.enabled() {
            if self.from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(("mail.from".into(), format!("'{}' is not an address (\"Name <a@b.org>\")", self.from)));
            }
            if let Some(r) = &self.reply_to
                && r.parse::<lettre::message::Mailbox>().is_err()
            {
                return Err(("mail.reply_to".into(), format!("'{r}' is not an address")));
            }
            if self.transport == TransportKind::Smtp && self.host.trim().is_empty() {
                return Err(("mail.host".into(), "transport = \"smtp\" needs a host".into()));
            }
            if self.transport == TransportKind::Sendmail && self.command.trim().is_empty() {
                return Err(("mail.command".into(), "transport = \"sendmail\" needs a command".into()));
            }
        }
        Ok(())
    }
}
