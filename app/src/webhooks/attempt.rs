//! One delivery attempt: build the signed request, send it, and keep what happened.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use uuid::Uuid;

use super::endpoints::{open_headers, open_secret};
use super::signing;
use super::url_guard::{self, UrlPolicy};
use crate::events::publish::public_id;
use crate::server::crypto::Cipher;
use crate::server::untrusted::{into_storable, storable};

/// Bodies kept in the log are cut here.
pub const LOG_BODY_LIMIT: usize = 64 * 1024;
/// What the attempt log shows instead of a custom header's value (they often carry credentials).
pub const REDACTED: &str = "[redacted]";

/// A claimed delivery with everything needed to send it.
#[derive(Debug, Clone)]
pub struct Job {
    pub delivery_id: Uuid,
    pub claim_id: Uuid,
    pub company_id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub event_created_at: DateTime<Utc>,
    pub data: serde_json::Value,
    /// This attempt's number, from 1.
    pub attempt: i32,
    pub url: String,
    /// The endpoint's custom headers, sealed.
    pub sealed_headers: Option<Vec<u8>>,
    pub timeout_secs: i32,
    pub secret: Vec<u8>,
    /// The previous secret while a rotation runs.
    pub previous_secret: Option<Vec<u8>>,
}

/// What one attempt sent and got back, as stored: custom header values redacted, and the
/// receiver's answer made storable (it is untrusted input).
#[derive(Debug, Clone)]
pub struct Attempt {
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub request_headers: BTreeMap<String, String>,
    pub request_body: String,
    pub response_status: Option<u16>,
    pub response_headers: Option<BTreeMap<String, String>>,
    pub response_body: Option<String>,
    pub error: Option<String>,
    /// `Retry-After` of a 429 or 503, in seconds form.
    pub retry_after: Option<Duration>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.response_status
            .is_some_and(|s| (200..300).contains(&s))
    }

    /// The attempt without what the receiver sent back, for when the database refused to store
    /// it: the status (and so the outcome) stays, the reason is logged in its place.
    pub fn without_answer(&self, refused: &dyn std::fmt::Display) -> Attempt {
        Attempt {
            response_headers: None,
            response_body: None,
            error: Some(storable(&format!(
                "The receiver's answer could not be stored: {refused}"
            ))),
            ..self.clone()
        }
    }
}

/// The JSON body: the same for every attempt of a delivery.
pub fn body(job: &Job) -> String {
    serde_json::json!({
        "id": public_id(job.event_id),
        "type": job.event_type,
        "timestamp": job.event_created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "company_id": job.company_id,
        "data": job.data,
    })
    .to_string()
}

pub async fn send(
    client: &reqwest::Client,
    cipher: &Cipher,
    policy: UrlPolicy,
    job: &Job,
) -> Attempt {
    let started_at = Utc::now();
    let clock = Instant::now();
    let body = body(job);
    let msg_id = public_id(job.event_id);
    let timestamp = started_at.timestamp();
    let mut attempt = Attempt {
        started_at,
        duration_ms: 0,
        request_headers: BTreeMap::new(),
        request_body: truncate(&body),
        response_status: None,
        response_headers: None,
        response_body: None,
        error: None,
        retry_after: None,
    };
    let prepared = prepare(cipher, policy, job, &msg_id, timestamp, body.as_bytes());
    let (url, headers, custom) = match prepared {
        Ok(ready) => ready,
        Err(error) => {
            attempt.error = Some(error);
            return attempt;
        }
    };
    attempt.request_headers = headers
        .iter()
        .map(|(k, v)| {
            let value = match custom.contains(k) {
                true => REDACTED.to_string(),
                false => storable(v.to_str().unwrap_or_default()),
            };
            (k.to_string(), value)
        })
        .collect();
    let result = client
        .post(url)
        .headers(headers)
        .timeout(Duration::from_secs(job.timeout_secs.clamp(1, 30) as u64))
        .body(body)
        .send()
        .await;
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            attempt.response_status = Some(status);
            attempt.response_headers = Some(
                response
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            storable(k.as_str()),
                            into_storable(String::from_utf8_lossy(v.as_bytes()).into_owned()),
                        )
                    })
                    .collect(),
            );
            if status == 429 || status == 503 {
                attempt.retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
            }
            let mut kept = Vec::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        kept.extend_from_slice(&chunk);
                        if kept.len() >= LOG_BODY_LIMIT {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        attempt.error = Some(format!("reading the response: {}", describe(&e)));
                        break;
                    }
                }
            }
            kept.truncate(LOG_BODY_LIMIT);
            attempt.response_body = Some(into_storable(truncate(&String::from_utf8_lossy(&kept))));
        }
        Err(e) => {
            attempt.error = Some(if e.is_timeout() {
                format!("timed out after {} s", job.timeout_secs)
            } else {
                describe(&e)
            });
        }
    }
    attempt.error = attempt.error.map(into_storable);
    attempt.duration_ms = i32::try_from(clock.elapsed().as_millis()).unwrap_or(i32::MAX);
    attempt
}

/// The URL and headers of a request (with the names of the custom ones), or why it cannot be
/// sent.
fn prepare(
    cipher: &Cipher,
    policy: UrlPolicy,
    job: &Job,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<(reqwest::Url, HeaderMap, Vec<HeaderName>), String> {
    let url = reqwest::Url::parse(&job.url).map_err(|e| format!("invalid URL: {e}"))?;
    url_guard::check_literal_host(&url, policy)?;
    let mut keys = Vec::new();
    for sealed in std::iter::once(&job.secret).chain(job.previous_secret.as_ref()) {
        let secret = open_secret(cipher, job.company_id, job.endpoint_id, sealed)
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
        job.company_id,
        job.endpoint_id,
        job.sealed_headers.as_deref(),
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

/// An error and its causes, e.g. "error sending request: refused: x resolves to a private address".
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn truncate(text: &str) -> String {
    if text.len() <= LOG_BODY_LIMIT {
        return text.to_string();
    }
    let mut end = LOG_BODY_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
