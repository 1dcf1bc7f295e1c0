//! Webhook endpoints as a destination: a claimed delivery becomes a signed Standard Webhooks
//! POST (`webhook-id`, `webhook-timestamp`, `webhook-signature`, the custom headers), and the
//! answer is read as 2xx delivered, 410 stop and switch off, 429/503 retry when asked, anything
//! else (and any failure to connect or read) retry on the schedule.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use sqlx::PgPool;
use uuid::Uuid;

use super::signing::{self, open_headers, open_secret};
use super::url_guard::{self, UrlPolicy};
use crate::delivery::attempt::{self, SentAttempt, Verdict, REDACTED};
use crate::delivery::queue::Claimed;
use crate::delivery::targets::Versioned;
use crate::delivery::RetryPolicy;
use crate::events::publish::public_id;
use crate::runtime::crypto::Cipher;
use crate::runtime::untrusted::storable;

/// What sending to one endpoint needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Target {
    pub id: Uuid,
    pub url: String,
    pub enabled: bool,
    pub sealed_headers: Option<Vec<u8>>,
    pub timeout_secs: i32,
    pub secret: Vec<u8>,
    /// The previous secret while a rotation runs.
    pub previous_secret: Option<Vec<u8>>,
    pub retry_policy: Option<sqlx::types::Json<RetryPolicy>>,
    /// `url` parsed as it is loaded: the worker keeps a loaded endpoint for many sends, and
    /// parsing the URL was a few percent of the server's CPU in the benchmark. None when it
    /// does not parse (sending says why).
    #[sqlx(skip)]
    pub parsed_url: Option<reqwest::Url>,
}

/// The endpoints of a batch, in one query, each with its row's version; a rotated secret's
/// grace period ends the loaded copy's truth.
pub async fn load(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<Versioned<Target>>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut loaded: Vec<Versioned<Target>> = sqlx::query_as(
        "SELECT xmin::text::bigint AS version, id, url, enabled, sealed_headers, timeout_secs, secret, retry_policy,
                CASE WHEN previous_secret_until > now() THEN previous_secret END AS previous_secret,
                CASE WHEN previous_secret_until > now() THEN previous_secret_until END AS stale_after
           FROM webhook_endpoints WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    for endpoint in &mut loaded {
        endpoint.target.parsed_url = reqwest::Url::parse(&endpoint.target.url).ok();
    }
    Ok(loaded)
}

/// The JSON body: the same for every attempt of a delivery.
pub fn body(claimed: &Claimed) -> String {
    /// Borrows the event's data: `json!` would copy it into a new value first.
    #[derive(serde::Serialize)]
    struct Body<'a> {
        id: String,
        #[serde(rename = "type")]
        event_type: &'a str,
        timestamp: String,
        company_id: Uuid,
        data: &'a serde_json::value::RawValue,
    }
    let body = Body {
        id: public_id(claimed.event.id),
        event_type: &claimed.event.event_type,
        timestamp: claimed
            .event
            .created_at
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        company_id: claimed.company_id,
        data: &claimed.event.data_json,
    };
    // A struct of strings, an id and a JSON value always serialises.
    serde_json::to_string(&body).unwrap_or_default()
}

pub async fn send(
    client: &reqwest::Client,
    cipher: &Cipher,
    policy: UrlPolicy,
    target: &Target,
    claimed: &Claimed,
) -> (SentAttempt, Verdict) {
    let body = body(claimed);
    let started_at = Utc::now();
    let msg_id = public_id(claimed.event.id);
    let prepared = prepare(
        cipher,
        policy,
        target,
        claimed,
        &msg_id,
        started_at.timestamp(),
        body.as_bytes(),
    );
    let (url, headers, custom) = match prepared {
        Ok(ready) => ready,
        Err(error) => {
            let sent = SentAttempt::not_sent(started_at, body, error);
            return (sent, Verdict::Retry { after: None });
        }
    };
    let logged: BTreeMap<String, String> = headers
        .iter()
        .map(|(k, v)| {
            let value = match custom.contains(k) {
                true => REDACTED.to_string(),
                false => storable(v.to_str().unwrap_or_default()),
            };
            (k.to_string(), value)
        })
        .collect();
    let timeout = Duration::from_secs(target.timeout_secs.clamp(1, 30) as u64);
    let request = client.post(url).headers(headers).body(body.clone());
    let sent = attempt::exchange(request, timeout, logged, &body).await;
    let verdict = classify(&sent);
    (sent, verdict)
}

/// What an endpoint's answer means.
pub fn classify(sent: &SentAttempt) -> Verdict {
    match sent.response_status {
        Some(status) if (200..300).contains(&status) => Verdict::Delivered,
        Some(410) => Verdict::Stop { disable: true },
        Some(429 | 503) => Verdict::Retry {
            after: attempt::retry_after(sent),
        },
        _ => Verdict::Retry { after: None },
    }
}

/// The URL and headers of a request (with the names of the custom ones), or why it cannot be
/// sent.
fn prepare(
    cipher: &Cipher,
    policy: UrlPolicy,
    target: &Target,
    claimed: &Claimed,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<(reqwest::Url, HeaderMap, Vec<HeaderName>), String> {
    let url = match &target.parsed_url {
        Some(url) => url.clone(),
        None => reqwest::Url::parse(&target.url).map_err(|e| format!("invalid URL: {e}"))?,
    };
    url_guard::check_literal_host(&url, policy)?;
    let company_id = claimed.company_id;
    let mut keys = Vec::new();
    for sealed in std::iter::once(&target.secret).chain(target.previous_secret.as_ref()) {
        let secret = open_secret(cipher, company_id, target.id, sealed)
            .map_err(|_| "the signing secret could not be decrypted".to_string())?;
        keys.push(
            signing::secret_key(&secret)
                .map_err(|_| "the signing secret is malformed".to_string())?,
        );
    }
    let signature =
        signing::signature_header(&keys, msg_id, timestamp, body).map_err(|e| e.to_string())?;
    let custom_headers = open_headers(
        cipher,
        company_id,
        target.id,
        target.sealed_headers.as_deref(),
    )
    .map_err(|_| "the custom headers could not be decrypted".to_string())?;
    let mut headers = HeaderMap::new();
    let mut custom = Vec::new();
    for (name, value) in &custom_headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            custom.push(name.clone());
            headers.insert(name, value);
        }
    }
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let signed = [
        ("webhook-id", msg_id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ];
    for (name, value) in signed {
        let value = HeaderValue::from_str(&value).map_err(|e| e.to_string())?;
        headers.insert(HeaderName::from_static(name), value);
    }
    Ok((url, headers, custom))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::queue::{Destination, EventPayload};
    use chrono::TimeZone;

    #[test]
    fn the_body_is_the_event_its_data_in_the_order_published() {
        let event_id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
        let company_id = Uuid::from_u128(7);
        let claimed = Claimed {
            delivery_id: Uuid::from_u128(1),
            claim_id: Uuid::from_u128(2),
            company_id,
            destination: Destination::webhook(Uuid::from_u128(3)),
            event: EventPayload::new(
                event_id,
                "message.sent".into(),
                &serde_json::json!({"z": "\"quoted\"", "a": [1, null]}),
                Utc.with_ymd_and_hms(2026, 3, 4, 15, 5, 6).unwrap(),
            ),
            attempt: 1,
            destination_version: None,
        };
        assert_eq!(
            body(&claimed),
            format!(
                r#"{{"id":"evt_{}","type":"message.sent","timestamp":"2026-03-04T15:05:06.000Z","company_id":"{company_id}","data":{{"z":"\"quoted\"","a":[1,null]}}}}"#,
                event_id.simple()
            )
        );
    }
}
