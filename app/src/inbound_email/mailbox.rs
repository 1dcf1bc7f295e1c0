//! Each company's inbound address (`<slug>@PLUGBOARD_INBOUND_EMAIL_DOMAIN`), which company a
//! received mail is for, and the mail turned into a `message.received` event: deduplicated by
//! its Message-ID and threaded into the conversation of the mail it answers.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::message::InboundEmail;
use crate::error::AppError;
use crate::events::publish::{publish_for, NewEvent};
use crate::events::EventInput;
use crate::runtime::untrusted::storable;
use crate::runtime::AppState;

/// Text and HTML bodies are cut here so that the event stays well under the payload limit.
const TEXT_BYTES: usize = 64 * 1024;
const HTML_BYTES: usize = 128 * 1024;

#[derive(Debug, sqlx::FromRow)]
pub struct Mailbox {
    pub company_id: Uuid,
    pub config: Value,
}

/// The company one of `recipients` is the inbound address of, with its Email forwarding
/// connection's settings. `+tags` are ignored (`acme+billing@` is `acme@`).
pub async fn find(
    pool: &PgPool,
    domain: &str,
    recipients: &[String],
) -> Result<Option<Mailbox>, AppError> {
    let slugs: Vec<String> = recipients
        .iter()
        .filter_map(|address| {
            let (local, host) = address.rsplit_once('@')?;
            if !host.eq_ignore_ascii_case(domain) {
                return None;
            }
            let local = local.split('+').next().unwrap_or_default();
            Some(local.to_ascii_lowercase())
        })
        .collect();
    if slugs.is_empty() {
        return Ok(None);
    }
    Ok(sqlx::query_as(
        "SELECT co.id AS company_id, c.config
           FROM companies co JOIN connections c ON c.company_id = co.id AND c.provider = 'email-forwarding'
          WHERE co.inbound_email_slug = ANY($1)
          ORDER BY array_position($1, co.inbound_email_slug)
          LIMIT 1",
    )
    .bind(&slugs)
    .fetch_optional(pool)
    .await?)
}

/// What became of a received mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Published {
        event_id: String,
    },
    /// The provider sent it again (same Message-ID): the first event stands.
    AlreadyReceived {
        event_id: String,
    },
}

/// Publishes `email` as `message.received` for `company_id`, unless it was received before.
pub async fn publish(
    state: &AppState,
    company_id: Uuid,
    provider: &str,
    email: &InboundEmail,
) -> Result<Received, AppError> {
    let message_id = match (&email.message_id, &email.provider_id) {
        (Some(id), _) => storable(id.trim()),
        (None, Some(id)) => format!("{provider}:{}", storable(id)),
        (None, None) => {
            let mut hash = Sha256::new();
            for part in [&email.from_email, &email.date, &email.text]
                .into_iter()
                .flatten()
            {
                hash.update(part.as_bytes());
            }
            hash.update(email.subject.as_bytes());
            format!("sha256:{}", hex::encode(hash.finalize()))
        }
    };
    let earlier: Option<Uuid> = sqlx::query_scalar(
        "SELECT event_id FROM inbound_emails WHERE company_id = $1 AND message_id = $2",
    )
    .bind(company_id)
    .bind(&message_id)
    .fetch_optional(&state.pool)
    .await?;
    if let Some(earlier) = earlier {
        return Ok(Received::AlreadyReceived {
            event_id: crate::events::publish::public_id(earlier),
        });
    }
    let mut answered: Vec<String> = email.in_reply_to.clone();
    answered.extend(email.references.iter().rev().cloned());
    let thread: Option<String> = if answered.is_empty() {
        None
    } else {
        sqlx::query_scalar(
            "SELECT conversation_id FROM inbound_emails
              WHERE company_id = $1 AND message_id = ANY($2)
              ORDER BY received_at DESC LIMIT 1",
        )
        .bind(company_id)
        .bind(&answered)
        .fetch_optional(&state.pool)
        .await?
    };
    let conversation_id = thread.unwrap_or_else(|| {
        let digest = Sha256::digest(format!("{company_id}:{message_id}").as_bytes());
        format!("email_{}", &hex::encode(digest)[..20])
    });
    let input = EventInput {
        event_type: "message.received".into(),
        data: event_data(email, &conversation_id, &message_id, provider),
        idempotency_key: Some(idempotency_key(&message_id)),
    };
    let event = NewEvent::validate(input, "")?;
    let published = publish_for(state, company_id, None, None, vec![event], |_| {
        String::new()
    })
    .await?;
    let public = published
        .into_iter()
        .next()
        .map(|p| p.id)
        .ok_or(AppError::Internal)?;
    let event_id = public
        .strip_prefix("evt_")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or(AppError::Internal)?;
    sqlx::query(
        "INSERT INTO inbound_emails (company_id, message_id, conversation_id, event_id, provider)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(company_id)
    .bind(&message_id)
    .bind(&conversation_id)
    .bind(event_id)
    .bind(provider)
    .execute(&state.pool)
    .await?;
    Ok(Received::Published { event_id: public })
}

/// The publish's idempotency key for a Message-ID: the id itself, or its digest when the id is
/// longer than a key may be (RFC 5322 allows 998 characters; a key is at most 255).
fn idempotency_key(message_id: &str) -> String {
    if message_id.chars().count() <= 240 {
        format!("email:{message_id}")
    } else {
        format!(
            "email:sha256:{}",
            hex::encode(Sha256::digest(message_id.as_bytes()))
        )
    }
}

/// Received mails are remembered for a year: long enough for answers to find their thread.
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM inbound_emails WHERE received_at < now() - interval '1 year'")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// The event's data: what a conversation's message carries (conversation, author, text) and
/// the mail itself under `email`.
fn event_data(
    email: &InboundEmail,
    conversation_id: &str,
    message_id: &str,
    provider: &str,
) -> Value {
    let text = |s: &Option<String>, max: usize| s.as_deref().map(|s| storable(&cut_bytes(s, max)));
    let customer = json!({
        "name": email.from_name.as_deref().map(storable),
        "email": email.from_email.as_deref().map(|e| storable(&e.to_ascii_lowercase())),
    });
    json!({
        "conversation_id": conversation_id,
        "message_id": message_id,
        "channel": "email",
        "author": {"type": "customer", "email": customer["email"]},
        "customer": customer,
        "text": text(&email.text, TEXT_BYTES),
        "html": text(&email.html, HTML_BYTES),
        "email": {
            "subject": storable(&email.subject),
            "to": email.to.iter().map(|a| storable(a)).collect::<Vec<_>>(),
            "cc": email.cc.iter().map(|a| storable(a)).collect::<Vec<_>>(),
            "reply_to": email.reply_to.as_deref().map(storable),
            "date": email.date,
            "message_id": email.message_id.as_deref().map(storable),
            "in_reply_to": email.in_reply_to.first().map(|s| storable(s)),
            "references": email.references.iter().map(|s| storable(s)).collect::<Vec<_>>(),
            "attachments": email.attachments.iter().take(100).map(|a| json!({
                "filename": storable(&a.filename), "content_type": storable(&a.content_type), "size": a.size,
            })).collect::<Vec<_>>(),
            "truncated": email.text.as_ref().is_some_and(|t| t.len() > TEXT_BYTES)
                || email.html.as_ref().is_some_and(|h| h.len() > HTML_BYTES),
            "received_via": provider,
        },
    })
}

/// At most `max` bytes, cut on a character boundary.
fn cut_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_message_ids_still_make_a_valid_idempotency_key() {
        assert_eq!(idempotency_key("m1@x.test"), "email:m1@x.test");
        let long = format!("{}@x.test", "a".repeat(900));
        let key = idempotency_key(&long);
        assert!(
            key.starts_with("email:sha256:") && key.len() <= 255,
            "{key}"
        );
        assert_eq!(key, idempotency_key(&long), "the same mail, the same key");
    }

    #[test]
    fn bodies_are_cut_on_character_boundaries() {
        assert_eq!(cut_bytes("ééé", 3), "é");
        assert_eq!(cut_bytes("abc", 10), "abc");
    }
}
