//! Zapier, Make and n8n: the event POSTed as JSON (the same body webhook endpoints get) to the
//! catch-hook URL the admin pasted. A hook that is gone (404, 410) suspends the connection until
//! a new URL is pasted; 429 and 5xx are retried.

use serde_json::Value;

use super::adapter;
use crate::delivery::attempt::{self, SentAttempt, Verdict};
use crate::delivery::queue::Claimed;
use crate::integrations::catalogue::Provider;
use crate::integrations::credentials::Credentials;
use crate::runtime::AppState;
use crate::webhooks::adapter::body;

pub async fn send(
    state: &AppState,
    provider: &Provider,
    credentials: &Credentials,
    claimed: &Claimed,
) -> (SentAttempt, Verdict) {
    let Credentials::Webhook { url } = credentials else {
        return adapter::not_sent("The connection has no hook URL.".into(), Verdict::Suspend);
    };
    let Ok(pasted) = reqwest::Url::parse(url) else {
        return adapter::not_sent("The hook URL is not a URL.".into(), Verdict::Suspend);
    };
    // With the API URL overridden, the pasted hook's path goes there (operator-configured, so
    // not through the guard that keeps pasted URLs off internal addresses).
    let (client, url) = match provider.api_base_overridden {
        true => {
            let mut path = pasted.path().to_string();
            if let Some(query) = pasted.query() {
                path = format!("{path}?{query}");
            }
            match adapter::endpoint(provider, &path) {
                Ok(url) => (&state.http, url),
                Err(e) => return adapter::not_sent(e, Verdict::Retry { after: None }),
            }
        }
        false => (&state.webhook_http, pasted),
    };
    let payload: Value = match serde_json::from_str(&body(claimed)) {
        Ok(payload) => payload,
        Err(e) => return adapter::not_sent(e.to_string(), Verdict::Stop { disable: false }),
    };
    let sent = adapter::post_json(client, url, None, &payload).await;
    let verdict = classify(&sent);
    (sent, verdict)
}

pub fn classify(sent: &SentAttempt) -> Verdict {
    match sent.response_status {
        Some(status) if (200..300).contains(&status) => Verdict::Delivered,
        Some(404 | 410) => Verdict::Suspend,
        Some(429 | 503) => Verdict::Retry {
            after: attempt::retry_after(sent),
        },
        Some(status) if status >= 500 => Verdict::Retry { after: None },
        Some(_) => Verdict::Stop { disable: false },
        None => Verdict::Retry { after: None },
    }
}
