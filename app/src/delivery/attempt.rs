//! One attempt over HTTP, whatever the destination: the request as logged, the answer kept
//! (bounded, made storable), and what the answer means ([`Verdict`]), which each destination
//! kind's adapter decides.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::runtime::untrusted::{into_storable, storable};

/// Bodies kept in the log are cut here.
pub const LOG_BODY_LIMIT: usize = 64 * 1024;
/// What the attempt log shows instead of a credential-bearing header's value.
pub const REDACTED: &str = "[redacted]";

/// What one attempt sent and got back, as stored: credential-bearing header values redacted
/// and the answer made storable (it is untrusted input).
#[derive(Debug, Clone)]
pub struct SentAttempt {
    pub started_at: DateTime<Utc>,
    pub duration_ms: i32,
    pub request_headers: BTreeMap<String, String>,
    pub request_body: String,
    pub response_status: Option<u16>,
    pub response_headers: Option<BTreeMap<String, String>>,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

/// What an answer means for the delivery, as the destination's adapter reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Try again on the schedule, or after `after` when the destination asked (Retry-After).
    Retry {
        after: Option<Duration>,
    },
    /// Trying again cannot help; `disable` switches the destination off (410 Gone).
    Stop {
        disable: bool,
    },
    /// The destination refused our credentials (a revoked token): it is switched off until an
    /// admin reconnects it, and this delivery waits with it instead of failing.
    Suspend,
}

impl SentAttempt {
    /// A provider's answer as an adapter's classification sees it, for its unit tests.
    #[cfg(test)]
    pub fn answered(status: u16, body: &str, headers: &[(&str, &str)]) -> Self {
        SentAttempt {
            error: None,
            response_status: Some(status),
            response_body: Some(body.into()),
            response_headers: Some(
                headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..SentAttempt::not_sent(Utc::now(), String::new(), String::new())
        }
    }

    /// An attempt that could not be sent at all (no request left our side).
    pub fn not_sent(started_at: DateTime<Utc>, request_body: String, error: String) -> Self {
        SentAttempt {
            started_at,
            duration_ms: 0,
            request_headers: BTreeMap::new(),
            request_body: truncate(&request_body),
            response_status: None,
            response_headers: None,
            response_body: None,
            error: Some(into_storable(error)),
        }
    }

    /// The attempt without what the receiver sent back, for when the database refused to store
    /// it: the status (and so the outcome) stays, the reason is logged in its place.
    pub fn without_answer(&self, refused: &dyn std::fmt::Display) -> SentAttempt {
        SentAttempt {
            response_headers: None,
            response_body: None,
            error: Some(storable(&format!(
                "The receiver's answer could not be stored: {refused}"
            ))),
            ..self.clone()
        }
    }
}

/// Sends `request` and keeps what happened. `logged_headers` is the request's headers as the
/// log may show them; the answer's body is read up to [`LOG_BODY_LIMIT`] and no further.
pub async fn exchange(
    request: reqwest::RequestBuilder,
    timeout: Duration,
    logged_headers: BTreeMap<String, String>,
    request_body: &str,
) -> SentAttempt {
    let started_at = Utc::now();
    let clock = Instant::now();
    let mut attempt = SentAttempt {
        request_headers: logged_headers,
        ..SentAttempt::not_sent(started_at, request_body.to_string(), String::new())
    };
    attempt.error = None;
    let request = request.timeout(timeout);
    // Kept for one more try when a kept-alive connection turns out closed (see below).
    let again = request.try_clone();
    let sent = match (request.send().await, again) {
        (Err(e), Some(again)) if closed_before_answering(&e) => again.send().await,
        (sent, _) => sent,
    };
    match sent {
        Ok(mut response) => {
            attempt.response_status = Some(response.status().as_u16());
            attempt.response_headers = Some(
                response
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                        (storable(k.as_str()), into_storable(value))
                    })
                    .collect(),
            );
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
                format!("timed out after {} s", timeout.as_secs())
            } else {
                describe(&e)
            });
        }
    }
    attempt.error = attempt.error.map(into_storable);
    attempt.duration_ms = i32::try_from(clock.elapsed().as_millis()).unwrap_or(i32::MAX);
    attempt
}

/// Whether the connection closed under a request before any answer came: what a receiver does
/// when it closes a kept-alive connection as our request arrives on it (Node's servers close
/// theirs after 5 idle seconds, so the race is common). The receiver has not answered, so
/// sending again at once on a new connection is what the retry schedule would do later,
/// without logging a failure the receiver never had.
fn closed_before_answering(error: &reqwest::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset};
    std::iter::successors(std::error::Error::source(error), |cause| cause.source()).any(|cause| {
        cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
            || cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| matches!(e.kind(), ConnectionReset | BrokenPipe))
    })
}

/// `Retry-After` in seconds form, when the answer carried one.
pub fn retry_after(attempt: &SentAttempt) -> Option<Duration> {
    attempt
        .response_headers
        .as_ref()?
        .get("retry-after")?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// An error and its causes, e.g. "error sending request: refused: x resolves to a private address".
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    for cause in std::iter::successors(error.source(), |cause| cause.source()) {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
    }
    text
}

pub fn truncate(text: &str) -> String {
    if text.len() <= LOG_BODY_LIMIT {
        return text.to_string();
    }
    let mut end = LOG_BODY_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
