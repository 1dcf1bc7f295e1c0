//! One received email, whichever provider brought it, and what its header block and MIME say
//! (read by `mail-parser`): Message-ID, In-Reply-To, References, From, Auto-Submitted.

use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders};

/// An attachment as the event tells of it (the content is not kept).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub size: u64,
}

/// One received email, whichever provider brought it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundEmail {
    /// Every address it was sent to (envelope and headers), lower-cased.
    pub recipients: Vec<String>,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub reply_to: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    /// RFC 5322 ids, without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub date: Option<String>,
    pub attachments: Vec<Attachment>,
    /// `Auto-Submitted` other than `no` (RFC 3834): auto-replies, bounces, our own forwards.
    pub automatic: bool,
    /// The provider's own id of this mail, when it has one (Postmark's MessageID).
    pub provider_id: Option<String>,
}

/// A request that is not what the provider sends; the message names the field.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed {
    pub field: &'static str,
    pub message: String,
}

pub(super) fn malformed(field: &'static str, message: impl Into<String>) -> Malformed {
    Malformed {
        field,
        message: message.into(),
    }
}

/// What the header block says.
pub(super) fn read_headers(block: &str, into: &mut InboundEmail) {
    let mut raw = block.replace("\r\n", "\n").trim_end().replace('\n', "\r\n");
    raw.push_str("\r\n\r\n");
    let Some(parsed) = MessageParser::default().parse_headers(raw.as_bytes()) else {
        return;
    };
    apply(&parsed, into);
}

fn apply(parsed: &Message, into: &mut InboundEmail) {
    if into.message_id.is_none() {
        into.message_id = parsed.message_id().map(str::to_string);
    }
    if into.in_reply_to.is_empty() {
        into.in_reply_to = ids(parsed.in_reply_to());
    }
    if into.references.is_empty() {
        into.references = ids(parsed.references());
    }
    if let Some(from) = parsed.from().and_then(|a| a.first()) {
        into.from_email = into
            .from_email
            .take()
            .or_else(|| from.address().map(str::to_string));
        into.from_name = into
            .from_name
            .take()
            .or_else(|| from.name().map(str::to_string));
    }
    if into.reply_to.is_none() {
        into.reply_to = parsed
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string);
    }
    if into.subject.is_empty() {
        into.subject = parsed.subject().unwrap_or_default().to_string();
    }
    if into.date.is_none() {
        into.date = parsed.date().map(|d| d.to_rfc3339());
    }
    let automatic = parsed
        .header_raw("Auto-Submitted")
        .map(|v| !v.trim().eq_ignore_ascii_case("no"))
        .unwrap_or(false);
    into.automatic |= automatic;
}

fn ids(value: &HeaderValue) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.to_string()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// `"Dana" <dana@x.test>, b@y.test` -> the addresses, lower-cased.
pub(super) fn addresses(list: &str) -> Vec<String> {
    let raw = format!("To: {list}\r\n\r\n");
    let Some(parsed) = MessageParser::default().parse_headers(raw.as_bytes()) else {
        return Vec::new();
    };
    parsed
        .to()
        .map(|to| {
            to.iter()
                .filter_map(|a| a.address())
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn finish(mut email: InboundEmail, envelope_to: &[String]) -> InboundEmail {
    let mut recipients: Vec<String> = envelope_to
        .iter()
        .map(|a| a.trim().to_ascii_lowercase())
        .chain(email.to.iter().cloned())
        .chain(email.cc.iter().cloned())
        .filter(|a| !a.is_empty())
        .collect();
    recipients.dedup();
    email.recipients = recipients;
    email
}

/// A whole MIME message (Mailgun's `body-mime`, SendGrid's raw mode).
pub(super) fn raw_mime(raw: &[u8], envelope_to: &[String]) -> InboundEmail {
    let mut email = InboundEmail::default();
    if let Some(parsed) = MessageParser::default().parse(raw) {
        apply(&parsed, &mut email);
        email.to = address_list(parsed.to());
        email.cc = address_list(parsed.cc());
        email.text = parsed.body_text(0).map(|t| t.into_owned());
        email.html = parsed.body_html(0).map(|h| h.into_owned());
        email.attachments = parsed
            .attachments()
            .map(|part| Attachment {
                filename: part.attachment_name().unwrap_or("attachment").to_string(),
                content_type: part
                    .content_type()
                    .map(|c| match c.subtype() {
                        Some(sub) => format!("{}/{sub}", c.ctype()),
                        None => c.ctype().to_string(),
                    })
                    .unwrap_or_else(|| "application/octet-stream".into()),
                size: part.contents().len() as u64,
            })
            .collect();
    }
    finish(email, envelope_to)
}

fn address_list(list: Option<&mail_parser::Address>) -> Vec<String> {
    list.map(|l| {
        l.iter()
            .filter_map(|a| a.address())
            .map(str::to_ascii_lowercase)
            .collect()
    })
    .unwrap_or_default()
}
