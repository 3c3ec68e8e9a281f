//! One e-mail (RFC 5322 / MIME) as intake: bytes in, a [`Mail`] or a precise refusal out.
//!
//! Pure: no store access. The MIME work (structure, transfer encodings, charsets, encoded
//! words, HTML to text) is mail-parser's; this module decides what a message is for a
//! help desk and applies the configured limits.
//!
//! * **Sender**: the first address of From (else Sender, else Reply-To). None: taken in
//!   without a sender (the caller files it under an "unknown sender" requester), unless
//!   `[intake] refuse_unknown_sender` refuses it.
//! * **Date**: the Date header, and when the mailbox received it (the topmost Received
//!   header's date); the caller bounds the first by the second and by now.
//! * **Message-ID** as sent (without `<>`); a message without one gets a stable id made
//!   from a hash of its bytes (`tix-<hash>@tix.invalid`), so a re-run still recognises it.
//! * **Reply**: In-Reply-To and References (newest first) name earlier messages; a subject
//!   tag `[#1042]` names a ticket by its final number. The caller looks them up.
//! * **Body**: the text parts, joined; a message with only HTML is turned into readable
//!   text. Decoded text is kept exactly as sent, escape sequences included: output
//!   sanitises it, storage does not.
//! * **Attachments**: name, type and size always, content (base64) up to the cap.
//! * **Not a request** ([`Skip`]): auto-replies (Auto-Submitted other than `no`,
//!   X-Autoreply/X-Autorespond, Precedence bulk/list/junk/auto_reply, List-Id,
//!   out-of-office subjects, read receipts), bounces and delivery reports
//!   (multipart/report delivery-status, MAILER-DAEMON/postmaster, a null Return-Path,
//!   X-Failed-Recipients) and loops (X-Loop naming the desk or tix, mail from the desk's
//!   own address, more than [`MAX_HOPS`] Received headers).
//! * Lines ending in a lone CR (old Mac mail) are read as lines.

use std::borrow::Cow;

use base64::Engine as _;
use mail_parser::{Address, HeaderName, HeaderValue, Message, MessageParser, MimeHeaders};
use serde::Serialize;

use crate::config::IntakeConfig;
use crate::domain::op::AttachmentRecord;

/// More Received headers than this: the message is going round in circles.
pub const MAX_HOPS: usize = 30;

/// The limits a message is checked against (from `[intake]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_message_bytes: u64,
    pub max_field_bytes: u64,
    pub max_body_bytes: u64,
    pub max_attachment_bytes: u64,
    /// The desk's own address (lower case).
    pub own_address: Option<String>,
    /// Refuse a message without a sender address (else it is taken in without one).
    pub refuse_unknown_sender: bool,
}

impl From<&IntakeConfig> for Limits {
    fn from(c: &IntakeConfig) -> Limits {
        Limits {
            max_message_bytes: c.max_message_bytes,
            max_field_bytes: c.max_field_bytes,
            max_body_bytes: c.max_body_bytes,
            max_attachment_bytes: c.max_attachment_bytes,
            own_address: c.address.as_ref().map(|a| a.trim().to_ascii_lowercase()),
            refuse_unknown_sender: c.refuse_unknown_sender,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from(&IntakeConfig::default())
    }
}

/// Why a message is not turned into a ticket or a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipKind {
    AutoReply,
    Bounce,
    Loop,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub kind: SkipKind,
    pub why: String,
}

/// A message read for intake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Without angle brackets.
    pub message_id: String,
    /// Set when something other than a request (the other fields may then be empty).
    pub skip: Option<Skip>,
    pub from_name: Option<String>,
    /// The sender's address as written; `None` when the message names none.
    pub from_email: Option<String>,
    /// The Date header, in milliseconds since the epoch (when it can be read).
    pub date: Option<i64>,
    /// When the mailbox received it (the topmost Received header's date), if known.
    pub received: Option<i64>,
    pub subject: String,
    /// `[#1042]` in the subject.
    pub tag: Option<u64>,
    /// Message-IDs this one answers: In-Reply-To, then References newest first.
    pub refs: Vec<String>,
    pub body: String,
    pub attachments: Vec<AttachmentRecord>,
    /// The addresses on To and Cc (the people on the original mail).
    pub copied: Vec<String>,
    /// A bounce: the Message-IDs of tix's own messages it names (`tix.…@…`), and why.
    pub bounced: Vec<String>,
    pub bounce_reason: String,
}

impl Mail {
    /// The origin key under which the store indexes this message.
    pub fn key(&self) -> String {
        key_of(&self.message_id)
    }
}

/// The origin key of a Message-ID.
pub fn key_of(message_id: &str) -> String {
    format!("mail:{message_id}")
}

/// When a message happened, for the desk: its Date header, not before the mailbox received
/// it (when known) and not after `now`; the received time when the Date cannot be read.
pub fn dated(mail: &Mail, now: i64) -> Option<i64> {
    let t = mail.date.or(mail.received)?;
    let t = mail.received.map_or(t, |r| t.max(r));
    Some(t.min(now))
}

/// Read one message. `Err` says why it cannot be taken in.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Mail, String> {
    if bytes.len() as u64 > limits.max_message_bytes {
        return Err(format!(
            "the message is {} bytes, over the limit of {} ([intake] max_message_bytes)",
            bytes.len(),
            limits.max_message_bytes
        ));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("the message is empty".into());
    }
    let bytes = legacy_headers_to_utf8(lone_cr_to_lf(bytes));
    let msg = MessageParser::default()
        .parse(bytes.as_ref())
        .ok_or_else(|| "not an e-mail message: no header lines found".to_string())?;
    if msg.headers().is_empty() {
        return Err("not an e-mail message: no header lines found".into());
    }
    // A header that appears twice counts the first time (mail-parser keeps the last).
    let first_text = |name: HeaderName<'static>| msg.header_values(name).find_map(|v| v.as_text()).map(str::trim);
    let message_id = match first_text(HeaderName::MessageId).filter(|m| !m.is_empty()) {
        Some(m) if m.len() <= 998 => m.to_string(),
        _ => format!("tix-{}@tix.invalid", &blake3::hash(&bytes).to_hex()[..32]),
    };
    let sender = sender(&msg);
    let mut mail = Mail {
        message_id,
        skip: None,
        from_name: None,
        from_email: None,
        date: msg.date().filter(|d| d.is_valid()).map(|d| d.to_timestamp() * 1000),
        received: msg
            .received_all()
            .next()
            .and_then(|r| r.date())
            .filter(|d| d.is_valid())
            .map(|d| d.to_timestamp() * 1000),
        subject: String::new(),
        tag: None,
        refs: vec![],
        body: String::new(),
        attachments: vec![],
        copied: vec![],
        bounced: vec![],
        bounce_reason: String::new(),
    };
    if let Some(skip) = classify(&msg, sender.as_ref().map(|s| s.1.as_str()), limits) {
        if skip.kind == SkipKind::Bounce {
            (mail.bounced, mail.bounce_reason) = bounce_of(&bytes);
        }
        mail.skip = Some(skip);
        return Ok(mail);
    }
    let (name, email) = match sender {
        Some((name, email)) => (name, Some(email)),
        None if limits.refuse_unknown_sender => {
            return Err("no sender address (From, Sender or Reply-To; [intake] refuse_unknown_sender)".into());
        }
        None => (None, None),
    };
    let field = |what: &str, v: &str| -> Result<(), String> {
        if v.len() as u64 > limits.max_field_bytes {
            Err(format!(
                "the {what} is {} bytes, over the limit of {} ([intake] max_field_bytes)",
                v.len(),
                limits.max_field_bytes
            ))
        } else {
            Ok(())
        }
    };
    let subject = first_text(HeaderName::Subject).unwrap_or("").to_string();
    field("subject", &subject)?;
    if let Some(email) = &email {
        field("sender address", email)?;
    }
    if let Some(n) = &name {
        field("sender name", n)?;
    }
    mail.tag = subject_tag(&subject);
    mail.subject = if subject.is_empty() { "(no subject)".into() } else { subject };
    mail.from_name = name;
    mail.from_email = email;
    mail.refs = references(&msg);
    mail.copied = [msg.to(), msg.cc()]
        .into_iter()
        .flatten()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address().map(str::trim).filter(|e| e.contains('@')).map(String::from))
        .take(50)
        .collect();
    let mut body = String::new();
    for i in 0..msg.text_body_count() {
        if let Some(t) = undeclared_8bit(&msg, i).map(Cow::Owned).or_else(|| msg.body_text(i)) {
            let t = t.trim_matches(['\r', '\n']);
            if t.trim().is_empty() {
                continue;
            }
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(t);
            if body.len() as u64 > limits.max_body_bytes {
                break;
            }
        }
    }
    if body.len() as u64 > limits.max_body_bytes {
        return Err(format!("the body text is over {} bytes ([intake] max_body_bytes)", limits.max_body_bytes));
    }
    mail.body = body;
    for (i, part) in msg.attachments().enumerate() {
        let content = part.contents();
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_ascii_lowercase();
        let name = part
            .attachment_name()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(String::from)
            .or_else(|| part.message().and_then(|m| m.subject()).map(|s| format!("{}.eml", s.trim())))
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        field("attachment name", &name)?;
        mail.attachments.push(AttachmentRecord {
            name,
            content_type,
            size: content.len() as u64,
            hash: blake3::hash(content).to_hex().to_string(),
            content: (content.len() as u64 <= limits.max_attachment_bytes)
                .then(|| base64::engine::general_purpose::STANDARD.encode(content)),
        });
    }
    Ok(mail)
}

/// A message whose lines all end in a lone CR (no LF anywhere) is read with LF endings.
fn lone_cr_to_lf(bytes: &[u8]) -> Cow<'_, [u8]> {
    if bytes.contains(&b'\n') || !bytes.contains(&b'\r') {
        return Cow::Borrowed(bytes);
    }
    Cow::Owned(bytes.iter().map(|&b| if b == b'\r' { b'\n' } else { b }).collect())
}

/// Header lines that are not UTF-8 are legacy 8-bit text (RFC 6532 allows only UTF-8 raw):
/// read them as Windows-1252, the usual superset of Latin-1, rather than lose the letters.
fn legacy_headers_to_utf8(bytes: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    let end = bytes.windows(2).position(|w| w == b"\n\n").or_else(|| bytes.windows(4).position(|w| w == b"\r\n\r\n"));
    let end = end.unwrap_or(bytes.len());
    if std::str::from_utf8(&bytes[..end]).is_ok() {
        return bytes;
    }
    let (head, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes[..end]);
    let mut out = head.into_owned().into_bytes();
    out.extend_from_slice(&bytes[end..]);
    Cow::Owned(out)
}

/// A text part sent as raw 8-bit bytes that are not UTF-8 and whose charset is missing or
/// unknown (mail-parser then shows U+FFFD): read as Windows-1252 instead.
fn undeclared_8bit(msg: &Message<'_>, i: usize) -> Option<String> {
    let part = msg.parts.get(*msg.text_body.get(i)? as usize)?;
    let mail_parser::PartType::Text(text) = &part.body else { return None };
    if !text.contains('\u{FFFD}') || part.encoding != mail_parser::Encoding::None {
        return None;
    }
    let declared = part
        .content_type()
        .and_then(|c| c.attribute("charset"))
        .and_then(|c| encoding_rs::Encoding::for_label(c.trim().as_bytes()).filter(|e| *e != encoding_rs::UTF_8));
    if part.content_type().and_then(|c| c.attribute("charset")).is_some() && declared.is_some() {
        return None; // a known charset: mail-parser decoded it as declared
    }
    let raw = msg.raw_message.get(part.offset_body as usize..part.offset_end as usize)?;
    if std::str::from_utf8(raw).is_ok() {
        return None;
    }
    Some(encoding_rs::WINDOWS_1252.decode(raw).0.into_owned())
}

/// The Message-IDs of tix's own messages named anywhere in a bounce (its In-Reply-To,
/// the returned headers), and its Diagnostic-Code (else Status) line.
fn bounce_of(bytes: &[u8]) -> (Vec<String>, String) {
    let text = String::from_utf8_lossy(bytes);
    let mut ids = Vec::new();
    let mut rest = &text[..];
    while let Some(i) = rest.find("<tix.") {
        let after = &rest[i + 1..];
        match after.find('>') {
            Some(end) if end < 200 && after[..end].bytes().all(|b| b.is_ascii_graphic() && b != b'<') => {
                let id = after[..end].to_string();
                if !ids.contains(&id) {
                    ids.push(id);
                }
                rest = &after[end..];
            }
            _ => rest = after,
        }
    }
    let line = |key: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(key).then(|| v.trim().chars().take(300).collect::<String>())
        })
    };
    let reason = line("Diagnostic-Code").or_else(|| line("Status")).unwrap_or_else(|| "a delivery report".into());
    (ids, reason)
}

/// (display name, address) of whoever sent it (the first From, else Sender, else Reply-To).
fn sender(msg: &Message<'_>) -> Option<(Option<String>, String)> {
    [HeaderName::From, HeaderName::Sender, HeaderName::ReplyTo]
        .into_iter()
        .flat_map(|h| msg.header_values(h).filter_map(|v| v.as_address()))
        .find_map(first_address)
}

fn first_address(a: &Address<'_>) -> Option<(Option<String>, String)> {
    a.iter().find_map(|addr| {
        let email = addr.address()?.trim();
        if email.is_empty() || !email.contains('@') {
            return None;
        }
        let name = addr.name().map(str::trim).filter(|n| !n.is_empty() && *n != email).map(String::from);
        Some((name, email.to_string()))
    })
}

/// Every value of a header (by name, any case), as sent (raw, trimmed).
fn raw_all<'a>(msg: &'a Message<'_>, name: &'static str) -> impl Iterator<Item = String> + 'a {
    msg.headers().iter().filter(move |h| h.name().eq_ignore_ascii_case(name)).map(|h| {
        let bytes = msg.raw_message.get(h.offset_start() as usize..h.offset_end() as usize).unwrap_or_default();
        String::from_utf8_lossy(bytes).trim().to_string()
    })
}

/// The first value of a header, as sent (raw, trimmed).
fn raw(msg: &Message<'_>, name: &'static str) -> Option<String> {
    raw_all(msg, name).next()
}

fn has(msg: &Message<'_>, name: &'static str) -> bool {
    raw_all(msg, name).next().is_some()
}

/// Auto-reply, bounce or loop: why this message must not become a ticket or a reply.
fn classify(msg: &Message<'_>, from: Option<&str>, limits: &Limits) -> Option<Skip> {
    let skip = |kind, why: String| Some(Skip { kind, why });
    let from_lc = from.map(str::to_ascii_lowercase);
    // Loops first: they may look like anything else.
    if let (Some(own), Some(f)) = (&limits.own_address, &from_lc)
        && own == f
    {
        return skip(SkipKind::Loop, format!("sent from the desk's own address {f}"));
    }
    for v in raw_all(msg, "X-Loop") {
        let v = v.to_ascii_lowercase();
        if v.contains("tix") || limits.own_address.as_ref().is_some_and(|own| v.contains(own.as_str())) {
            return skip(SkipKind::Loop, format!("X-Loop: {v}"));
        }
    }
    let hops = raw_all(msg, "Received").count();
    if hops > MAX_HOPS {
        return skip(SkipKind::Loop, format!("{hops} Received headers (more than {MAX_HOPS} hops)"));
    }
    // Bounces and delivery reports.
    let ct = msg.root_part().content_type();
    let report = ct.filter(|c| {
        c.ctype().eq_ignore_ascii_case("multipart") && c.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    if let Some(r) = report {
        let kind = r.attribute("report-type").unwrap_or("").to_ascii_lowercase();
        return if kind == "disposition-notification" {
            skip(SkipKind::AutoReply, "a read receipt (multipart/report; disposition-notification)".into())
        } else {
            skip(SkipKind::Bounce, format!("a delivery report (multipart/report; report-type={kind})"))
        };
    }
    if let Some(local) = from_lc.as_deref().and_then(|f| f.split('@').next())
        && matches!(local, "mailer-daemon" | "postmaster" | "mail-daemon" | "mailerdaemon")
    {
        return skip(SkipKind::Bounce, format!("sent by {}", from.unwrap_or_default()));
    }
    if has(msg, "X-Failed-Recipients") {
        return skip(SkipKind::Bounce, "X-Failed-Recipients is set".into());
    }
    // Auto-replies (RFC 3834 and the common private headers).
    if let Some(v) = raw(msg, "Auto-Submitted") {
        let v = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if v != "no" {
            return skip(SkipKind::AutoReply, format!("Auto-Submitted: {v}"));
        }
    }
    for h in ["X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autogenerated"] {
        if has(msg, h) {
            return skip(SkipKind::AutoReply, format!("{h} is set"));
        }
    }
    if let Some(p) = raw(msg, "Precedence") {
        let p = p.to_ascii_lowercase();
        if matches!(p.as_str(), "bulk" | "list" | "junk" | "auto_reply" | "auto-reply") {
            return skip(SkipKind::AutoReply, format!("Precedence: {p}"));
        }
    }
    if has(msg, "List-Id") {
        return skip(SkipKind::AutoReply, "mailing-list mail (List-Id)".into());
    }
    if raw(msg, "Return-Path").is_some_and(|r| r == "<>") {
        return skip(SkipKind::Bounce, "a null Return-Path (<>), as bounces and auto-replies have".into());
    }
    let subject = msg.subject().unwrap_or("").trim_start().to_lowercase();
    const OUT_OF_OFFICE: &[&str] = &[
        "auto:",
        "automatic reply",
        "autoreply",
        "auto-reply",
        "auto reply",
        "out of office",
        "out of the office",
        "abwesenheitsnotiz",
        "automatische antwort",
        "réponse automatique",
        "respuesta automática",
    ];
    if let Some(p) = OUT_OF_OFFICE.iter().find(|p| subject.starts_with(*p)) {
        return skip(SkipKind::AutoReply, format!("an out-of-office subject ('{p}…')"));
    }
    None
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|s| s.to_string()).collect(),
        _ => vec![],
    }
}

/// In-Reply-To, then References newest first, without duplicates.
fn references(msg: &Message<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut refs = ids(msg.references());
    refs.reverse();
    for id in ids(msg.in_reply_to()).into_iter().chain(refs) {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>').to_string();
        if !id.is_empty() && id.len() <= 998 && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The first `[#1042]` in a subject (final numbers only: `[#~3]` is not a tag).
pub fn subject_tag(subject: &str) -> Option<u64> {
    let mut rest = subject;
    while let Some(i) = rest.find("[#") {
        let after = &rest[i + 2..];
        let digits: &str = &after[..after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len())];
        if !digits.is_empty()
            && after[digits.len()..].starts_with(']')
            && let Ok(n) = digits.parse::<u64>()
            && n > 0
            && n < crate::domain::TicketNumber::PROVISIONAL_BASE
        {
            return Some(n);
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(s: &str) -> Mail {
        parse(s.as_bytes(), &Limits::default()).unwrap()
    }

    #[test]
    fn subject_tags_name_final_numbers() {
        assert_eq!(subject_tag("Re: [#1042] Printer"), Some(1042));
        assert_eq!(subject_tag("[#] x [#12]"), Some(12));
        assert_eq!(subject_tag("[#~3] provisional"), None);
        assert_eq!(subject_tag("[#0]"), None);
        assert_eq!(subject_tag("#12 no brackets"), None);
        assert_eq!(subject_tag("[#99999999999999999999999]"), None);
        assert_eq!(subject_tag("[#12"), None);
    }

    #[test]
    fn a_plain_message_reads_sender_subject_body() {
        let m = mail(
            "From: \"Doe, Jane\" <jane@example.com>\r\nSubject: =?UTF-8?Q?Drucker_st=C3=B6rt?=\r\nMessage-ID: <a1@x>\r\n\r\nHello\r\n",
        );
        assert_eq!(m.message_id, "a1@x");
        assert_eq!((m.from_name.as_deref(), m.from_email.as_deref()), (Some("Doe, Jane"), Some("jane@example.com")));
        assert_eq!(m.subject, "Drucker stört");
        assert_eq!(m.body, "Hello");
        assert!(m.skip.is_none());
    }

    #[test]
    fn references_newest_first_after_in_reply_to() {
        let m = mail("From: a@x\nIn-Reply-To: <c@x>\nReferences: <a@x> <b@x> <c@x>\nSubject: Re: hi\n\nok\n");
        assert_eq!(m.refs, ["c@x", "b@x", "a@x"]);
    }

    #[test]
    fn a_message_without_message_id_gets_a_stable_one() {
        let a = mail("From: a@x\nSubject: s\n\nbody\n");
        let b = mail("From: a@x\nSubject: s\n\nbody\n");
        assert!(a.message_id.ends_with("@tix.invalid"));
        assert_eq!(a.message_id, b.message_id);
        assert_ne!(a.message_id, mail("From: a@x\nSubject: s\n\nother\n").message_id);
    }

    #[test]
    fn lone_cr_line_endings_are_lines() {
        let m = mail("From: a@x\rSubject: Mac mail\rMessage-ID: <cr@x>\r\rline one\rline two\r");
        assert_eq!(m.subject, "Mac mail");
        assert_eq!(m.message_id, "cr@x");
        assert!(m.body.contains("line one") && m.body.contains("line two"), "{:?}", m.body);
    }

    #[test]
    fn auto_replies_bounces_and_loops_are_recognised() {
        let kind = |s: &str| parse(s.as_bytes(), &Limits::default()).unwrap().skip.map(|k| k.kind);
        assert_eq!(kind("From: a@x\nAuto-Submitted: auto-replied\nSubject: x\n\nb"), Some(SkipKind::AutoReply));
        assert_eq!(kind("From: a@x\nAuto-Submitted: no\nSubject: x\n\nb"), None);
        assert_eq!(kind("From: a@x\nPrecedence: bulk\nSubject: x\n\nb"), Some(SkipKind::AutoReply));
        assert_eq!(kind("From: a@x\nSubject: Out of Office: away\n\nb"), Some(SkipKind::AutoReply));
        assert_eq!(kind("From: MAILER-DAEMON@mx.example\nSubject: failure\n\nb"), Some(SkipKind::Bounce));
        assert_eq!(kind("From: a@x\nReturn-Path: <>\nSubject: x\n\nb"), Some(SkipKind::Bounce));
        assert_eq!(kind("From: a@x\nX-Loop: tix\nSubject: x\n\nb"), Some(SkipKind::Loop));
        let own = Limits { own_address: Some("desk@x.org".into()), ..Limits::default() };
        let m = parse(b"From: Desk <DESK@x.org>\nSubject: x\n\nb", &own).unwrap();
        assert_eq!(m.skip.unwrap().kind, SkipKind::Loop);
        let hops = "Received: from a by b\n".repeat(MAX_HOPS + 1);
        assert_eq!(kind(&format!("From: a@x\n{hops}Subject: x\n\nb")), Some(SkipKind::Loop));
    }

    #[test]
    fn the_first_of_duplicate_headers_counts() {
        let m = mail(
            "From: A <a@x>\nFrom: B <b@x>\nSubject: one\nSubject: two\nMessage-ID: <1@x>\nMessage-ID: <2@x>\n\nb\n",
        );
        assert_eq!((m.from_email.as_deref(), m.subject.as_str(), m.message_id.as_str()), (Some("a@x"), "one", "1@x"));
    }

    #[test]
    fn undeclared_8bit_text_reads_as_windows_1252() {
        let m = parse(b"From: Ren\xe9 <r@x>\nSubject: Probl\xe8me\n\nr\xe9pond \x80\n", &Limits::default()).unwrap();
        assert_eq!((m.from_name.as_deref(), m.subject.as_str()), (Some("Ren\u{e9}"), "Probl\u{e8}me"));
        assert_eq!(m.body, "r\u{e9}pond \u{20ac}");
        let m = parse(
            b"From: r@x\nSubject: s\nContent-Type: text/plain; charset=x-klingon\n\nCaf\xe9\n",
            &Limits::default(),
        );
        assert_eq!(m.unwrap().body, "Caf\u{e9}");
        // UTF-8 as sent stays UTF-8.
        let m = parse("From: r@x\nSubject: Grüße\n\nGrüße\n".as_bytes(), &Limits::default()).unwrap();
        assert_eq!((m.subject.as_str(), m.body.as_str()), ("Grüße", "Grüße"));
    }

    #[test]
    fn dates_are_bounded_by_receipt_and_now() {
        let m = mail(
            "Received: from mx by desk; Tue, 5 Mar 2024 09:00:00 +0000\nFrom: a@x\nDate: Tue, 5 Mar 2024 08:59:30 +0100\nSubject: s\n\nb\n",
        );
        assert_eq!(m.date, Some(1_709_625_570_000));
        assert_eq!(m.received, Some(1_709_629_200_000));
        // Sent before it was received: dated when the mailbox got it; never in the future.
        assert_eq!(dated(&m, i64::MAX), Some(1_709_629_200_000));
        assert_eq!(dated(&m, 1_000), Some(1_000));
        let plain = mail("From: a@x\nDate: Tue, 5 Mar 2024 08:30:00 +0000\nSubject: s\n\nb\n");
        assert_eq!(dated(&plain, i64::MAX), Some(1_709_627_400_000));
        assert_eq!(dated(&mail("From: a@x\nSubject: s\n\nb\n"), 5), None);
    }

    #[test]
    fn limits_are_clear_errors() {
        let small = Limits { max_message_bytes: 10, ..Limits::default() };
        let e = parse(b"From: a@x\nSubject: s\n\nbody\n", &small).unwrap_err();
        assert!(e.contains("max_message_bytes") && e.contains("27 bytes"), "{e}");
        let small = Limits { max_field_bytes: 5, ..Limits::default() };
        let e = parse(b"From: a@x\nSubject: a long subject\n\nbody\n", &small).unwrap_err();
        assert!(e.starts_with("the subject is 14 bytes") && e.contains("max_field_bytes"), "{e}");
        let small = Limits { max_body_bytes: 3, ..Limits::default() };
        assert!(parse(b"From: a@x\nSubject: s\n\nbody\n", &small).unwrap_err().contains("max_body_bytes"));
        let refuse = Limits { refuse_unknown_sender: true, ..Limits::default() };
        assert!(parse(b"Subject: s\n\nbody\n", &refuse).unwrap_err().contains("no sender"));
        let m = parse(b"Subject: s\n\nbody\n", &Limits::default()).unwrap();
        assert_eq!((m.from_email, m.from_name, m.subject.as_str()), (None, None, "s"));
        assert!(parse(b"   \n", &Limits::default()).unwrap_err().contains("empty"));
    }

    #[test]
    fn attachment_content_is_kept_up_to_the_cap() {
        let msg = "From: a@x\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee attached\n--B\nContent-Type: application/pdf; name=\"r.pdf\"\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n--B\nContent-Type: image/png\nContent-Disposition: attachment; filename=big.png\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=\n--B--\n";
        let limits = Limits { max_attachment_bytes: 5, ..Limits::default() };
        let m = parse(msg.as_bytes(), &limits).unwrap();
        assert_eq!(m.body, "see attached");
        let a: Vec<_> = m.attachments.iter().map(|a| (a.name.as_str(), a.content_type.as_str(), a.size)).collect();
        assert_eq!(a, [("r.pdf", "application/pdf", 5), ("big.png", "image/png", 11)]);
        assert_eq!(m.attachments[0].content.as_deref(), Some("aGVsbG8="));
        assert_eq!(m.attachments[1].content, None);
        assert_eq!(m.attachments[0].hash, blake3::hash(b"hello").to_hex().to_string());
    }
}
