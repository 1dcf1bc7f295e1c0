//! Replies from Slack through its Events API. Slack POSTs the events of the workspaces that
//! installed the app to `/inbound/slack/events`, signed with the app's signing secret
//! (`SLACK_SIGNING_SECRET`). A person's threaded reply to one of our notifications becomes a
//! `message.sent` event of that notification's company (conversation id, author, text), when
//! its connection allows agents to reply from Slack. Slack retries an event it saw no answer
//! to with the same `event_id`: the event id is the publish's idempotency key, so a retry
//! publishes nothing new.
//! (api.slack.com: "Verifying requests from Slack", "The Events API", `url_verification`.)

use std::time::Duration;

use hmac::{Hmac, Mac};
use http::HeaderMap;
use serde_json::{json, Value};
use sha2::Sha256;
use uuid::Uuid;

use super::adapter::Target;
use crate::delivery::attempt::SentAttempt;
use crate::error::AppError;
use crate::events::publish::{publish_for, NewEvent};
use crate::events::EventInput;
use crate::runtime::untrusted::storable;
use crate::runtime::AppState;

/// Slack's advice: refuse requests signed more than five minutes ago (replays).
const MAX_AGE_SECS: i64 = 5 * 60;
const REPLIES_SETTING: &str = "allow_agent_replies";

/// What to answer Slack.
#[derive(Debug, PartialEq)]
pub enum Answer {
    /// `url_verification`, when the app's Request URL is saved: echo the challenge.
    Challenge(String),
    /// Taken: published, a retry already published, or nothing for us.
    Accepted,
}

/// Verifies and handles one request from Slack.
pub async fn receive(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Answer, AppError> {
    let secret = state
        .catalogue
        .get("slack")
        .and_then(|p| p.signing_secret.as_deref())
        .ok_or_else(|| {
            AppError::NotFound(
                "Slack events are not set up on this server: set SLACK_SIGNING_SECRET.".into(),
            )
        })?;
    verify(secret, headers, body, chrono::Utc::now().timestamp())?;
    let payload: Value = serde_json::from_slice(body)
        .map_err(|_| AppError::bad_request("body", "The body is not JSON."))?;
    match payload.get("type").and_then(Value::as_str) {
        Some("url_verification") => {
            let challenge = payload
                .get("challenge")
                .and_then(Value::as_str)
                .ok_or_else(|| AppError::bad_request("challenge", "No challenge to answer."))?;
            Ok(Answer::Challenge(challenge.to_string()))
        }
        Some("event_callback") => {
            publish_reply(state, &payload).await?;
            Ok(Answer::Accepted)
        }
        _ => Ok(Answer::Accepted),
    }
}

/// Slack's v0 signature: `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<body>`, with the
/// timestamp at most five minutes from `now` (Unix seconds). Refusals are 401.
pub fn verify(secret: &str, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), AppError> {
    let refused = |why: &str| AppError::InvalidApiKey(format!("Slack request refused: {why}."));
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp = header("x-slack-request-timestamp")
        .ok_or_else(|| refused("no X-Slack-Request-Timestamp"))?;
    let signed_at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| refused("X-Slack-Request-Timestamp is not a number"))?;
    if (now - signed_at).abs() > MAX_AGE_SECS {
        return Err(refused("it was signed more than five minutes ago"));
    }
    let signature = header("x-slack-signature")
        .and_then(|s| s.strip_prefix("v0="))
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or_else(|| refused("no v0 signature in X-Slack-Signature"))?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| AppError::Internal)?;
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| refused("the signature does not match"))
}

#[derive(sqlx::FromRow)]
struct Thread {
    connection_id: Uuid,
    company_id: Uuid,
    conversation_id: String,
    config: Value,
}

/// A person's reply in the thread of one of our notifications, published as `message.sent`.
async fn publish_reply(state: &AppState, payload: &Value) -> Result<(), AppError> {
    let text = |v: &Value, name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let event = payload.get("event").cloned().unwrap_or(Value::Null);
    // People only: bots (our own notifications too) carry bot_id; edits, deletions and joins
    // carry a subtype.
    if text(&event, "type") != "message"
        || event.get("subtype").is_some()
        || event.get("bot_id").is_some()
    {
        return Ok(());
    }
    let (thread_ts, ts) = (text(&event, "thread_ts"), text(&event, "ts"));
    if thread_ts.is_empty() || thread_ts == ts {
        return Ok(());
    }
    let (team, channel, event_id) = (
        text(payload, "team_id"),
        text(&event, "channel"),
        text(payload, "event_id"),
    );
    if event_id.is_empty() {
        return Err(AppError::bad_request(
            "event_id",
            "The event has no event_id.",
        ));
    }
    let threads: Vec<Thread> = sqlx::query_as(
        "SELECT t.connection_id, t.company_id, t.conversation_id, c.config
           FROM slack_threads t JOIN connections c ON c.id = t.connection_id
          WHERE t.channel_id = $1 AND t.ts = $2 AND c.provider = 'slack'
            AND c.provider_data -> 'team' ->> 'id' = $3",
    )
    .bind(&channel)
    .bind(&thread_ts)
    .bind(&team)
    .fetch_all(&state.pool)
    .await?;
    for thread in threads {
        if thread.config.get(REPLIES_SETTING).and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let data = json!({
            "conversation_id": thread.conversation_id,
            "text": storable(&text(&event, "text")),
            "author": {"type": "agent", "slack_user_id": storable(&text(&event, "user"))},
            "source": "slack",
            "slack": {"team_id": storable(&team), "channel_id": storable(&channel),
                      "ts": storable(&ts), "thread_ts": storable(&thread_ts)},
        });
        let input = EventInput {
            event_type: "message.sent".into(),
            data,
            idempotency_key: Some(format!("slack:{}", storable(&event_id))),
        };
        let event = NewEvent::validate(input, "")?;
        publish_for(
            state,
            thread.company_id,
            None,
            Some(thread.connection_id),
            vec![event],
            |_| String::new(),
        )
        .await?;
    }
    Ok(())
}

/// After Slack accepted a notification of a conversation: its thread, so that replies in it
/// find the conversation. Only when the connection allows replies from Slack.
pub async fn remember(
    state: &AppState,
    target: &Target,
    conversation_id: Option<&str>,
    sent: &SentAttempt,
) {
    let Some(conversation_id) = conversation_id else {
        return;
    };
    if target.config.get(REPLIES_SETTING).and_then(Value::as_bool) != Some(true) {
        return;
    }
    let answer: Value = sent
        .response_body
        .as_deref()
        .and_then(|body| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    let (Some(channel), Some(ts)) = (
        answer.get("channel").and_then(Value::as_str),
        answer.get("ts").and_then(Value::as_str),
    ) else {
        return;
    };
    let stored = sqlx::query(
        "INSERT INTO slack_threads (connection_id, company_id, channel_id, ts, conversation_id)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(target.id)
    .bind(target.company_id)
    .bind(storable(channel))
    .bind(storable(ts))
    .bind(storable(conversation_id))
    .execute(&state.pool)
    .await;
    if let Err(e) = stored {
        tracing::warn!(connection = %target.id, "remembering a Slack thread: {e}");
    }
}

/// Threads older than the delivery logs' retention are forgotten.
pub async fn prune(pool: &sqlx::PgPool, retention: Duration) -> Result<u64, sqlx::Error> {
    let secs = retention.as_secs_f64();
    Ok(sqlx::query(
        "DELETE FROM slack_threads WHERE created_at < now() - make_interval(secs => $1)",
    )
    .bind(secs)
    .execute(pool)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

    fn signed(ts: i64, body: &str, secret: &str) -> HeaderMap {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("v0:{ts}:{body}").as_bytes());
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-slack-request-timestamp",
            ts.to_string().parse().expect("ts"),
        );
        let signature = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
        headers.insert("x-slack-signature", signature.parse().expect("sig"));
        headers
    }

    #[test]
    fn slacks_documented_example_verifies() {
        // The example of api.slack.com's "Verifying requests from Slack".
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-slack-request-timestamp",
            "1531420618".parse().expect("ts"),
        );
        headers.insert(
            "x-slack-signature",
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
                .parse()
                .expect("sig"),
        );
        assert_eq!(
            verify(SECRET, &headers, body.as_bytes(), 1531420618 + 60),
            Ok(())
        );
        assert!(verify(SECRET, &headers, b"tampered", 1531420618).is_err());
    }

    #[test]
    fn stale_wrong_or_missing_signatures_are_refused() {
        let now = 1_800_000_000;
        let body = r#"{"type":"event_callback"}"#;
        assert_eq!(
            verify(
                SECRET,
                &signed(now - 10, body, SECRET),
                body.as_bytes(),
                now
            ),
            Ok(())
        );
        let stale = verify(
            SECRET,
            &signed(now - 301, body, SECRET),
            body.as_bytes(),
            now,
        );
        assert!(matches!(stale, Err(AppError::InvalidApiKey(m)) if m.contains("five minutes")));
        assert!(verify(
            SECRET,
            &signed(now, body, "another secret"),
            body.as_bytes(),
            now
        )
        .is_err());
        assert!(verify(SECRET, &HeaderMap::new(), body.as_bytes(), now).is_err());
    }
}
