//! Email forwarding, inbound: mail sent to a company's address (`<slug>@` the domain in
//! `PLUGBOARD_INBOUND_EMAIL_DOMAIN`, shown on its Email forwarding card) reaches us through the
//! inbound-parse webhook of Postmark, Mailgun or SendGrid at `/inbound/email/<provider>`, is
//! checked as that provider documents ([`verify`]), read into one shape ([`parse`]) and
//! published as a `message.received` event for the host product ([`mailbox`]).
//!
//! Answers follow what each provider does with them: 200 takes the mail; a mail for no one
//! here is refused in the way that stops the provider's retries (Postmark 403, Mailgun 406,
//! SendGrid 200 and dropped); a request that fails verification is 401.

pub mod address;
pub mod mailbox;
pub mod message;
pub mod parse;
pub mod verify;

use axum::body::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::{json, Value};

use crate::error::AppError;
use crate::runtime::AppState;
use mailbox::Received;

/// The providers whose inbound parsing we take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Postmark,
    Mailgun,
    SendGrid,
}

impl Provider {
    pub fn from_path(name: &str) -> Option<Self> {
        match name {
            "postmark" => Some(Self::Postmark),
            "mailgun" => Some(Self::Mailgun),
            "sendgrid" => Some(Self::SendGrid),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Postmark => "postmark",
            Self::Mailgun => "mailgun",
            Self::SendGrid => "sendgrid",
        }
    }

    /// The status that tells this provider to drop a mail without retrying.
    fn rejected(self) -> StatusCode {
        match self {
            Self::Postmark => StatusCode::FORBIDDEN,
            Self::Mailgun => StatusCode::NOT_ACCEPTABLE,
            Self::SendGrid => StatusCode::OK,
        }
    }
}

/// Where each provider's webhook is, under `PUBLIC_URL`.
pub fn path(provider: Provider) -> String {
    format!("/inbound/email/{}", provider.name())
}

/// Checks, reads and publishes one request; the status and JSON body to answer.
pub async fn receive(
    state: &AppState,
    provider: Provider,
    headers: &HeaderMap,
    body: Bytes,
) -> (StatusCode, Value) {
    match handle(state, provider, headers, body).await {
        Ok(Outcome::Received(Received::Published { event_id })) => (
            StatusCode::OK,
            json!({"status": "published", "event_id": event_id}),
        ),
        Ok(Outcome::Received(Received::AlreadyReceived { event_id })) => (
            StatusCode::OK,
            json!({"status": "already_received", "event_id": event_id}),
        ),
        Ok(Outcome::Ignored(reason)) => (
            StatusCode::OK,
            json!({"status": "ignored", "reason": reason}),
        ),
        Ok(Outcome::NoMailbox(message)) => (
            provider.rejected(),
            json!({"status": "rejected", "error": message}),
        ),
        Err(e) => {
            let status = e.status_code();
            (status, json!({"error": e.to_string(), "field": e.field()}))
        }
    }
}

enum Outcome {
    Received(Received),
    Ignored(String),
    NoMailbox(String),
}

async fn handle(
    state: &AppState,
    provider: Provider,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Outcome, AppError> {
    let email_config = &state.config.email;
    let not_set_up = |what: &str| {
        AppError::NotFound(format!(
            "Inbound email is not set up on this server: {what}."
        ))
    };
    let domain = email_config
        .inbound_domain
        .as_deref()
        .ok_or_else(|| not_set_up("set PLUGBOARD_INBOUND_EMAIL_DOMAIN"))?;
    let secrets = &email_config.inbound;
    let refused =
        |e: verify::Refused| AppError::InvalidApiKey(format!("Inbound email refused: {}.", e.0));
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let malformed = |m: parse::Malformed| AppError::bad_request(m.field, m.message);
    let now = chrono::Utc::now().timestamp();
    let email = match provider {
        Provider::Postmark => {
            let (user, password) = secrets.postmark_basic_auth.as_ref().ok_or_else(|| {
                not_set_up("set POSTMARK_INBOUND_USERNAME and POSTMARK_INBOUND_PASSWORD")
            })?;
            verify::basic_auth(headers, user, password).map_err(refused)?;
            parse::postmark(&body).map_err(malformed)?
        }
        Provider::Mailgun => {
            let key = secrets
                .mailgun_signing_key
                .as_deref()
                .ok_or_else(|| not_set_up("set MAILGUN_WEBHOOK_SIGNING_KEY"))?;
            let form = parse::form(content_type, body).await.map_err(malformed)?;
            let field = |name: &str| form.get(name).unwrap_or_default();
            verify::mailgun(
                key,
                field("timestamp"),
                field("token"),
                field("signature"),
                now,
            )
            .map_err(refused)?;
            parse::mailgun(&form).map_err(malformed)?
        }
        Provider::SendGrid => {
            match (&secrets.sendgrid_verification_key, &secrets.sendgrid_basic_auth) {
                (Some(key), _) => verify::sendgrid(key, headers, &body, now).map_err(refused)?,
                (None, Some((user, password))) => {
                    verify::basic_auth(headers, user, password).map_err(refused)?
                }
                (None, None) => {
                    return Err(not_set_up(
                        "set SENDGRID_INBOUND_VERIFICATION_KEY, or SENDGRID_INBOUND_USERNAME and SENDGRID_INBOUND_PASSWORD",
                    ))
                }
            }
            let form = parse::form(content_type, body).await.map_err(malformed)?;
            parse::sendgrid(&form).map_err(malformed)?
        }
    };
    if email.automatic {
        return Ok(Outcome::Ignored(
            "Automatic mail (Auto-Submitted) does not start conversations.".into(),
        ));
    }
    let Some(mailbox) = mailbox::find(&state.pool, domain, &email.recipients).await? else {
        return Ok(Outcome::NoMailbox(format!(
            "No company here receives mail at {}.",
            if email.recipients.is_empty() {
                "these addresses".to_string()
            } else {
                email.recipients.join(", ")
            }
        )));
    };
    if mailbox
        .config
        .get("receive_emails")
        .and_then(Value::as_bool)
        == Some(false)
    {
        return Ok(Outcome::NoMailbox(
            "This company does not take conversations by email.".into(),
        ));
    }
    let received = mailbox::publish(state, mailbox.company_id, provider.name(), &email).await?;
    Ok(Outcome::Received(received))
}
