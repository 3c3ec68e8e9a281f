//! Building an outbound message with lettre's builder: every header value goes through
//! its typed headers (addresses parsed, text RFC 2047-encoded, folded), so a hostile
//! title or name can neither add nor split a header.

use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::{self, ContentType, HeaderName, HeaderValue};

use crate::domain::mail::{self, MailKind, OutboundRecord};
use crate::mail_config::MailConfig;

/// What a message says about its ticket, read when it is sent.
#[derive(Debug, Clone, Default)]
pub struct TicketFacts {
    /// The final number, without `#`.
    pub number: String,
    pub title: String,
    pub requester: String,
    pub status: String,
}

/// A field that cannot go into a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

/// Text for a header: no control characters (CR, LF, NUL, ...), no encoded-word opener
/// (`=?`, which a reader would decode into anything), at most 400 characters.
pub fn header_text(s: &str) -> String {
    let one: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let one = one.split_whitespace().collect::<Vec<_>>().join(" ").replace("=?", "= ?");
    one.chars().take(400).collect()
}

/// The subject: the prefix (with the ticket's number) and the title.
pub fn subject(cfg: &MailConfig, facts: &TicketFacts) -> String {
    let prefix =
        mail::render(&cfg.subject_prefix, |k| if k == "number" { facts.number.clone() } else { String::new() });
    header_text(&format!("{prefix} {}", facts.title))
}

/// The body of a message of `kind`.
pub fn body(cfg: &MailConfig, r: &OutboundRecord, facts: &TicketFacts) -> String {
    let template = match r.kind {
        MailKind::Reply => &cfg.reply_template,
        MailKind::Ack => &cfg.ack.text,
        MailKind::Resolution => &cfg.resolution.text,
    };
    let text = mail::render(template, |k| match k {
        "number" => facts.number.clone(),
        "title" => facts.title.clone(),
        "requester" => facts.requester.clone(),
        "agent" => r.agent.clone(),
        "status" => facts.status.clone(),
        "reply" => r.text.clone(),
        _ => String::new(),
    });
    let mut out = text.trim_matches('\n').replace("\r\n", "\n").replace('\r', "\n").replace('\0', "");
    out.push('\n');
    out
}

fn mailbox(what: &str, s: &str) -> Result<Mailbox, BuildError> {
    s.parse::<Mailbox>().map_err(|e| BuildError(format!("invalid {what} address '{}': {e}", header_text(s))))
}

/// The message queued as `id` (Message-ID without brackets), dated `date_ms`.
pub fn build(
    cfg: &MailConfig,
    id: &str,
    r: &OutboundRecord,
    facts: &TicketFacts,
    date_ms: i64,
) -> Result<Message, BuildError> {
    let mut b = Message::builder()
        .from(mailbox("from", &cfg.from)?)
        .subject(subject(cfg, facts))
        .message_id(Some(format!("<{id}>")))
        .date(std::time::UNIX_EPOCH + std::time::Duration::from_millis(date_ms.max(0) as u64));
    if let Some(rt) = &cfg.reply_to {
        b = b.reply_to(mailbox("reply-to", rt)?);
    }
    if r.to.is_empty() {
        return Err(BuildError("no recipient".into()));
    }
    for t in &r.to {
        b = b.to(mailbox("recipient", t)?);
    }
    for c in &r.cc {
        b = b.cc(mailbox("cc", c)?);
    }
    let brackets = |v: &str| format!("<{}>", v.trim_matches(['<', '>']));
    if let Some(irt) = &r.in_reply_to
        && mail_id_ok(irt)
    {
        b = b.in_reply_to(brackets(irt));
    }
    let refs: Vec<String> = r.references.iter().filter(|v| mail_id_ok(v)).map(|v| brackets(v)).collect();
    if !refs.is_empty() {
        b = b.references(refs.join(" "));
    }
    let mut m = b
        .header(ContentType::TEXT_PLAIN)
        .body(body(cfg, r, facts))
        .map_err(|e| BuildError(format!("cannot build the message: {e}")))?;
    if r.kind != MailKind::Reply {
        m.headers_mut()
            .insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()));
    }
    Ok(m)
}

/// A Message-ID fit for In-Reply-To/References: printable ASCII, no spaces or brackets inside.
fn mail_id_ok(v: &str) -> bool {
    let v = v.trim_matches(['<', '>']);
    !v.is_empty() && v.len() <= 250 && v.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
}

/// A test message to `to` (not queued).
pub fn test_message(cfg: &MailConfig, to: &str, date_ms: i64) -> Result<Message, BuildError> {
    Message::builder()
        .from(mailbox("from", &cfg.from)?)
        .to(mailbox("recipient", to)?)
        .subject("tix mail test")
        .date(std::time::UNIX_EPOCH + std::time::Duration::from_millis(date_ms.max(0) as u64))
        .header(header::ContentType::TEXT_PLAIN)
        .body("This is a test message from tix: outbound mail works.\n".to_string())
        .map_err(|e| BuildError(format!("cannot build the message: {e}")))
}

/// The envelope's recipients, for a transport that needs them.
pub fn recipients(m: &Message) -> Vec<String> {
    m.envelope().to().iter().map(|a| a.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;
    use proptest::prelude::*;

    fn cfg() -> MailConfig {
        MailConfig { from: "IT Desk <desk@example.org>".into(), ..MailConfig::default() }
    }

    fn record(to: String, cc: Vec<String>, text: String, refs: Vec<String>) -> OutboundRecord {
        OutboundRecord {
            kind: MailKind::Reply,
            to: vec![to],
            cc,
            text,
            agent: "dana".into(),
            domain: "example.org".into(),
            in_reply_to: refs.first().cloned(),
            references: refs,
        }
    }

    /// Hostile text: CR, LF, NUL, header-looking lines, encoded words, long runs.
    fn hostile() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("\r\nBcc: victim@evil.example".to_string()),
            Just("\nX-Injected: yes\n".to_string()),
            Just("\0".to_string()),
            Just("=?utf-8?q?=0D=0ABcc:_x@evil?=".to_string()),
            Just("\r".to_string()),
            Just(": ; , < > \" \\".to_string()),
            "[a-zA-Zäöü€ 😀]{0,40}",
            "x{200,1200}",
        ];
        prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
    }

    const HEADERS: &[&str] = &[
        "From",
        "Subject",
        "Message-ID",
        "Date",
        "To",
        "Cc",
        "In-Reply-To",
        "References",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn no_field_can_add_or_split_a_header(
            title in hostile(),
            name in hostile(),
            text in hostile(),
            local in "[a-z]{1,8}",
            refs in prop::collection::vec(hostile(), 0..3),
        ) {
            let facts = TicketFacts { number: "7".into(), title: title.clone(), requester: name.clone(), status: "open".into() };
            let to = format!("\"{}\" <{local}@example.com>", header_text(&name).replace(['"', '\\'], ""));
            let r = record(to, vec![format!("{local}.cc@example.com")], text.clone(), refs);
            let Ok(m) = build(&cfg(), "tix.abc.1@example.org", &r, &facts, 1_700_000_000_000) else {
                return Ok(());
            };
            let bytes = m.formatted();
            let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
            let head = std::str::from_utf8(&bytes[..head_end]).expect("headers are ASCII");
            // Every header line is a known header or a folded continuation; none too long.
            let mut names = Vec::new();
            for l in head.split("\r\n") {
                prop_assert!(l.len() <= 998, "line too long: {}", l.len());
                prop_assert!(!l.contains('\r') && !l.contains('\n') && !l.contains('\0'));
                if l.starts_with(' ') || l.starts_with('\t') {
                    continue;
                }
                let n = l.split(':').next().unwrap();
                prop_assert!(HEADERS.iter().any(|h| h.eq_ignore_ascii_case(n)), "unexpected header line {l:?}");
                names.push(n.to_ascii_lowercase());
            }
            let count = names.len();
            names.sort();
            names.dedup();
            prop_assert_eq!(count, names.len(), "a header appears twice");
            // Parsed back: the same subject, one To and one Cc, the body intact.
            let p = MessageParser::default().parse(&bytes[..]).expect("parses");
            prop_assert_eq!(p.subject().unwrap_or(""), subject(&cfg(), &facts));
            prop_assert_eq!(p.to().map(|a| a.iter().count()), Some(1));
            prop_assert_eq!(p.cc().map(|a| a.iter().count()), Some(1));
            prop_assert_eq!(p.to().and_then(|a| a.first()).and_then(|a| a.address()).map(str::to_string), Some(format!("{local}@example.com")));
            prop_assert!(p.header("Bcc").is_none() && p.header("X-Injected").is_none());
            let body = p.body_text(0).unwrap_or_default().replace("\r\n", "\n");
            let want = super::body(&cfg(), &r, &facts);
            prop_assert_eq!(body.trim_end_matches('\n'), want.trim_end_matches('\n'));
        }
    }
}
