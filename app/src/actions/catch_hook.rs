//! Zapier, Make and n8n: the event POSTed as JSON (the same body webhook endpoints get) to the
//! catch-hook URL the admin pasted, or the target URL a Zap subscribed through REST Hooks. A
//! pasted hook that is gone (404, 410) suspends the connection until a new URL is pasted; a
//! subscribed one answering 410 is unsubscribed (Zapier's signal that the Zap is off); 429 and
//! 5xx are retried.

use serde_json::Value;

use super::adapter::{self, Target};
use crate::delivery::attempt::{self, SentAttempt, Verdict};
use crate::delivery::queue::Claimed;
use crate::integrations::catalogue::Provider;
use crate::integrations::credentials::Credentials;
use crate::runtime::AppState;
use crate::webhooks::adapter::body;

pub async fn send(
    state: &AppState,
    provider: &Provider,
    target: &Target,
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
    let mut sent = adapter::post_json(client, url, None, &payload).await;
    let verdict = classify(&sent, target.rest_hook_event.is_some());
    if verdict == (Verdict::Stop { disable: true }) {
        sent.error = Some("The Zap is off (410 Gone): its subscription was removed.".into());
    }
    (sent, verdict)
}

/// `subscribed`: the hook came from a REST Hooks subscribe, which a 410 ends.
pub fn classify(sent: &SentAttempt, subscribed: bool) -> Verdict {
    match sent.response_status {
        Some(status) if (200..300).contains(&status) => Verdict::Delivered,
        Some(410) if subscribed => Verdict::Stop { disable: true },
        Some(404 | 410) => Verdict::Suspend,
        Some(429 | 503) => Verdict::Retry {
            after: attempt::retry_after(sent),
        },
        Some(status) if status >= 500 => Verdict::Retry { after: None },
        Some(_) => Verdict::Stop { disable: false },
        None => Verdict::Retry { after: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16) -> SentAttempt {
        SentAttempt::answered(status, "", &[])
    }

    #[test]
    fn gone_ends_a_subscription_but_only_suspends_a_pasted_hook() {
        assert_eq!(classify(&answer(200), true), Verdict::Delivered);
        assert_eq!(
            classify(&answer(410), true),
            Verdict::Stop { disable: true }
        );
        assert_eq!(classify(&answer(410), false), Verdict::Suspend);
        assert_eq!(classify(&answer(404), true), Verdict::Suspend);
        assert_eq!(classify(&answer(503), true), Verdict::Retry { after: None });
        assert_eq!(
            classify(&answer(400), false),
            Verdict::Stop { disable: false }
        );
    }
}
