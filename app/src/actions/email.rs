//! Email forwarding, outbound: the connection's selected events are mailed to the support
//! mailbox the admin entered, through the installation's SMTP relay (`PLUGBOARD_SMTP_URL`,
//! sent with `lettre`). The mail comes from `PLUGBOARD_EMAIL_FROM` in the customer's name,
//! answers go to the customer when "reply to customer" is on, and every forward of one
//! conversation threads under one root in the mailbox. The Message-ID is the delivery's, so a
//! retry of a mail the relay took without our hearing is recognisably the same mail.
//!
//! Answers are read as RFC 5321 says: 2xx sent; 4xx, a lost connection or a timeout retried;
//! a refused recipient (550/551/553, 5.1.x) suspends the connection (the address is what the
//! admin entered, and fixing it resumes the forwards); other 5xx fail that mail.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{header, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::adapter::{self, Target};
use super::email_message::{bodies, subject, transcript};
use super::notice::notice;
use crate::delivery::attempt::{SentAttempt, Verdict};
use crate::delivery::queue::Claimed;
use crate::integrations::credentials::Credentials;
use crate::runtime::untrusted::into_storable;
use crate::runtime::AppState;

/// How long the relay may take to take one mail.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// The installation's relay and sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    pub from: Mailbox,
}

impl Mailer {
    /// From `PLUGBOARD_SMTP_URL` (`smtp://user:pass@host:587?tls=required`, `smtps://...`) and
    /// the sender's mailbox; either refused with the reason.
    pub fn new(smtp_url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| format!("PLUGBOARD_SMTP_URL: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("PLUGBOARD_EMAIL_FROM: {e}"))?;
        Ok(Self { transport, from })
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): auto-responders do not answer forwards, and our
/// own inbound side recognises them.
#[derive(Clone)]
struct AutoSubmitted;

impl header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

pub async fn send(
    state: &AppState,
    target: &Target,
    credentials: &Credentials,
    claimed: &Claimed,
) -> (SentAttempt, Verdict) {
    let Some(mailer) = state.mailer.as_deref() else {
        return adapter::not_sent(
            "Email sending is not set up on this server: set PLUGBOARD_SMTP_URL.".into(),
            Verdict::Stop { disable: false },
        );
    };
    let address = match credentials {
        Credentials::ApiKey { values } => values.get("support_address").map(String::as_str),
        _ => None,
    };
    let Some(to) = address.and_then(|a| a.trim().parse::<Mailbox>().ok()) else {
        return adapter::not_sent(
            "The support mailbox address is missing or invalid.".into(),
            Verdict::Suspend,
        );
    };
    let message = match forward(
        mailer,
        target,
        to,
        claimed,
        state.config.conversation_url.as_deref(),
    ) {
        Ok(message) => message,
        Err(reason) => return adapter::not_sent(reason, Verdict::Stop { disable: false }),
    };
    let mut sent = SentAttempt::not_sent(Utc::now(), String::new(), String::new());
    sent.error = None;
    sent.request_headers = logged_headers(&message);
    sent.request_body = plain_part(&message);
    let clock = Instant::now();
    let answer = mailer.transport.send(message).await;
    sent.duration_ms = i32::try_from(clock.elapsed().as_millis()).unwrap_or(i32::MAX);
    match answer {
        Ok(response) => {
            sent.response_status = Some(u16::from(response.code()));
            sent.response_body = Some(into_storable(
                response.message().collect::<Vec<_>>().join("\n"),
            ));
            (sent, Verdict::Delivered)
        }
        Err(e) => {
            let code = e.status().map(u16::from);
            sent.response_status = code;
            let (verdict, reason) = classify(code, e.is_timeout(), &e.to_string());
            sent.error = Some(into_storable(reason));
            (sent, verdict)
        }
    }
}

/// The mail for one delivery.
fn forward(
    mailer: &Mailer,
    target: &Target,
    to: Mailbox,
    claimed: &Claimed,
    conversation_url: Option<&str>,
) -> Result<Message, String> {
    let event = &claimed.event;
    let data = event.data();
    let notice = notice(event, conversation_url);
    let on = |name: &str| target.config.get(name).and_then(serde_json::Value::as_bool);
    let prefix = target
        .config
        .get("subject_prefix")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("[Support]");
    let said = if on("include_transcript").unwrap_or(true) {
        transcript(&data)
    } else {
        Vec::new()
    };
    let domain = mailer.from.email.domain().to_string();
    let customer_name = data
        .pointer("/customer/name")
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let from_name = match (customer_name, mailer.from.name.as_deref()) {
        (Some(customer), Some(ours)) => Some(format!("{customer} via {ours}")),
        (Some(customer), None) => Some(format!("{customer} via Plugboard")),
        (None, ours) => ours.map(str::to_string),
    };
    let from = Mailbox::new(
        from_name.map(|n| n.chars().filter(|c| !c.is_control()).collect()),
        mailer.from.email.clone(),
    );
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(subject(prefix, &notice))
        .message_id(Some(format!("<{}@{domain}>", claimed.delivery_id)))
        .header(AutoSubmitted);
    if on("reply_to_customer").unwrap_or(true) {
        let customer = data
            .pointer("/customer/email")
            .and_then(serde_json::Value::as_str)
            .and_then(|email| email.trim().parse::<lettre::Address>().ok());
        if let Some(email) = customer {
            builder = builder.reply_to(Mailbox::new(customer_name.map(str::to_string), email));
        }
    }
    if let Some(conversation) = &notice.conversation_id {
        // Every forward of a conversation answers the same root: mailboxes thread them.
        let root = format!("<conversation.{}@{domain}>", msg_id_part(conversation));
        builder = builder.in_reply_to(root.clone()).references(root);
    }
    let bodies = bodies(&notice, &said);
    builder
        .multipart(MultiPart::alternative_plain_html(bodies.text, bodies.html))
        .map_err(|e| format!("The mail could not be built: {e}"))
}

/// A conversation id as the left part of a Message-ID: letters, digits, `-`, `_` and `.`
/// kept, anything else percent-encoded (all of it `atext`).
fn msg_id_part(id: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.');
    percent_encoding::utf8_percent_encode(id.trim_matches('.'), KEEP)
        .to_string()
        .replace("..", ".%2E")
}

/// What the attempt log shows of the mail's header.
fn logged_headers(message: &Message) -> BTreeMap<String, String> {
    [
        "From",
        "To",
        "Reply-To",
        "Subject",
        "Message-ID",
        "In-Reply-To",
    ]
    .into_iter()
    .filter_map(|name| {
        let value = message.headers().get_raw(name)?;
        Some((name.to_string(), value.to_string()))
    })
    .collect()
}

/// The plain-text part, as the log's request body.
fn plain_part(message: &Message) -> String {
    let raw = String::from_utf8_lossy(&message.formatted()).into_owned();
    match mail_parser::MessageParser::default().parse(raw.as_bytes()) {
        Some(parsed) => parsed
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        None => String::new(),
    }
}

/// What an SMTP refusal means for the delivery, and the reason shown.
pub fn classify(code: Option<u16>, timed_out: bool, error: &str) -> (Verdict, String) {
    let reason = format!("The mail relay answered: {error}.");
    match code {
        None if timed_out => (
            Verdict::Retry { after: None },
            format!(
                "The mail relay did not answer within {} s.",
                SMTP_TIMEOUT.as_secs()
            ),
        ),
        None => (
            Verdict::Retry { after: None },
            format!("The mail relay could not be reached: {error}."),
        ),
        Some(code) if (400..500).contains(&code) => (Verdict::Retry { after: None }, reason),
        // The relay refused our own login: the operator fixes PLUGBOARD_SMTP_URL, the mail waits.
        Some(530 | 535) => (Verdict::Retry { after: None }, reason),
        Some(550 | 551 | 553) if error.contains("5.1.") || !error.contains(" 5.") => {
            (Verdict::Suspend, reason)
        }
        Some(_) => (Verdict::Stop { disable: false }, reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_answers_are_classified_as_rfc_5321_reads_them() {
        let retry = Verdict::Retry { after: None };
        assert_eq!(
            classify(Some(451), false, "transient error (451): 4.3.0 try later").0,
            retry
        );
        assert_eq!(classify(None, true, "timed out").0, retry);
        assert_eq!(classify(None, false, "Connection error").0, retry);
        assert_eq!(
            classify(
                Some(535),
                false,
                "permanent error (535): 5.7.8 Authentication credentials invalid"
            )
            .0,
            retry
        );
        let (verdict, reason) = classify(
            Some(550),
            false,
            "permanent error (550): 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown",
        );
        assert_eq!(verdict, Verdict::Suspend);
        assert!(reason.contains("User unknown"), "{reason}");
        assert_eq!(
            classify(
                Some(550),
                false,
                "permanent error (550): 5.7.1 Message rejected as spam"
            )
            .0,
            Verdict::Stop { disable: false }
        );
        assert_eq!(
            classify(Some(554), false, "permanent error (554): 5.6.0 rejected").0,
            Verdict::Stop { disable: false }
        );
    }

    #[test]
    fn conversation_ids_become_valid_message_id_parts() {
        assert_eq!(msg_id_part("conv_8f2k1x"), "conv_8f2k1x");
        assert_eq!(msg_id_part("a b<c>@d"), "a%20b%3Cc%3E%40d");
        assert_eq!(msg_id_part(".x..y."), "x.%2Ey");
    }
}
