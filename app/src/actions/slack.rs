//! Slack: `chat.postMessage` with Block Kit to the connection's channel. Slack answers most
//! errors as HTTP 200 `{"ok": false, "error": "..."}`; rate limits as HTTP 429 with
//! `Retry-After` (https://api.slack.com/methods/chat.postMessage).

use serde_json::{json, Value};

use super::adapter::{self, Target};
use super::notice::{cut, notice, Notice};
use super::{daily_summary, slack_replies};
use crate::delivery::attempt::{self, SentAttempt, Verdict};
use crate::delivery::queue::Claimed;
use crate::integrations::catalogue::Provider;
use crate::integrations::credentials::Credentials;
use crate::runtime::AppState;

/// Slack's limits: header text 150 characters, section text 3,000, a field 2,000.
const HEADER_CHARS: usize = 150;
const FIELD_CHARS: usize = 1_900;

pub async fn send(
    state: &AppState,
    provider: &Provider,
    target: &Target,
    credentials: &Credentials,
    claimed: &Claimed,
) -> (SentAttempt, Verdict) {
    let Credentials::OAuth { access_token, .. } = credentials else {
        return adapter::not_sent("Slack connections use OAuth.".into(), Verdict::Suspend);
    };
    let channel = target.setting("channel");
    if channel.is_empty() {
        return adapter::not_sent(
            "No Slack channel is chosen in the connection's settings.".into(),
            Verdict::Stop { disable: false },
        );
    }
    let url = match adapter::endpoint(provider, "chat.postMessage") {
        Ok(url) => url,
        Err(e) => return adapter::not_sent(e, Verdict::Retry { after: None }),
    };
    let conversation_url = state.config.conversation_url.as_deref();
    let notice = notice(&claimed.event, conversation_url);
    let body = match claimed.event.event_type.as_str() {
        daily_summary::EVENT_TYPE => daily_summary::message(channel, &claimed.event.data()),
        _ => message(channel, &notice),
    };
    let mut sent = adapter::post_json(&state.http, url, Some(access_token), &body).await;
    let (verdict, reason) = classify(&sent);
    if let Some(reason) = reason {
        sent.error.get_or_insert(reason);
    }
    if verdict == Verdict::Delivered {
        slack_replies::remember(state, target, notice.conversation_id.as_deref(), &sent).await;
    }
    (sent, verdict)
}

/// The `chat.postMessage` arguments for a notice: `text` is the notification's fallback, the
/// blocks are what the channel shows.
pub fn message(channel: &str, notice: &Notice) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": cut(&notice.title, HEADER_CHARS), "emoji": false},
    })];
    let mut fields = Vec::new();
    if let Some(customer) = &notice.customer {
        fields.push(field("Customer", customer));
    }
    for (label, value) in &notice.details {
        fields.push(field(label, value));
    }
    if !fields.is_empty() {
        fields.truncate(10);
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    if let Some(excerpt) = &notice.excerpt {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!(">{}", escape(excerpt).replace('\n', "\n>"))},
        }));
    }
    if let Some(link) = &notice.link {
        blocks.push(json!({
            "type": "actions",
            "elements": [{
                "type": "button",
                "action_id": "view_conversation",
                "text": {"type": "plain_text", "text": "View conversation"},
                "url": link,
            }],
        }));
    }
    let fallback = match &notice.customer {
        Some(customer) => format!("{}: {customer}", notice.title),
        None => notice.title.clone(),
    };
    json!({
        "channel": channel,
        "text": fallback,
        "blocks": blocks,
        "unfurl_links": false,
        "unfurl_media": false,
    })
}

fn field(label: &str, value: &str) -> Value {
    json!({"type": "mrkdwn", "text": format!("*{label}*\n{}", escape(&cut(value, FIELD_CHARS)))})
}

/// Slack's control characters in mrkdwn text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What Slack's answer means, and the reason to log when it is not a success.
pub fn classify(sent: &SentAttempt) -> (Verdict, Option<String>) {
    let retry_after = attempt::retry_after(sent);
    match sent.response_status {
        None => return (Verdict::Retry { after: None }, None),
        Some(429) => {
            return (
                Verdict::Retry { after: retry_after },
                Some("Slack is rate limiting this app (HTTP 429).".into()),
            )
        }
        Some(status) if status >= 500 => return (Verdict::Retry { after: None }, None),
        Some(_) => {}
    }
    let answer = adapter::json_body(sent).unwrap_or(Value::Null);
    if answer.get("ok").and_then(Value::as_bool) == Some(true) {
        return (Verdict::Delivered, None);
    }
    let Some(error) = answer.get("error").and_then(Value::as_str) else {
        return (
            Verdict::Retry { after: None },
            Some("Slack's answer was not the JSON its API sends.".into()),
        );
    };
    let error = crate::runtime::untrusted::storable(&cut(error, 100));
    let verdict = match error.as_str() {
        "ratelimited" | "rate_limited" => Verdict::Retry { after: retry_after },
        "fatal_error" | "internal_error" | "service_unavailable" | "request_timeout" => {
            Verdict::Retry { after: None }
        }
        "invalid_auth"
        | "not_authed"
        | "account_inactive"
        | "token_revoked"
        | "token_expired"
        | "no_permission"
        | "missing_scope"
        | "team_access_not_granted"
        | "org_login_required"
        | "ekm_access_denied" => Verdict::Suspend,
        _ => Verdict::Stop { disable: false },
    };
    let explained = match error.as_str() {
        "channel_not_found" => "the channel does not exist, or the app cannot see it",
        "not_in_channel" => "the app is not a member of the channel: invite it with /invite",
        "is_archived" => "the channel is archived",
        "token_revoked" | "invalid_auth" | "account_inactive" | "token_expired" => {
            "Slack no longer accepts this connection's token; reconnect Slack"
        }
        "missing_scope" => "the app lacks a permission it needs; reconnect Slack",
        "ratelimited" | "rate_limited" => "Slack is rate limiting this app",
        _ => "",
    };
    let reason = match explained {
        "" => format!("Slack answered {error}."),
        explained => format!("Slack answered {error}: {explained}."),
    };
    (verdict, Some(reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str, headers: &[(&str, &str)]) -> SentAttempt {
        SentAttempt::answered(status, body, headers)
    }

    #[test]
    fn the_message_has_the_documented_shape() {
        let notice = Notice {
            title: "New conversation".into(),
            customer: Some("Dana <dana@example.com>".into()),
            excerpt: Some("Where is my <order> & refund?".into()),
            details: vec![("Channel".into(), "web".into())],
            conversation_id: Some("conv_1".into()),
            link: Some("https://app.example.com/c/conv_1".into()),
        };
        let body = message("#support-alerts", &notice);
        assert_eq!(body["channel"], "#support-alerts");
        assert_eq!(body["text"], "New conversation: Dana <dana@example.com>");
        let blocks = body["blocks"].as_array().unwrap();
        let kinds: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["header", "section", "section", "actions"]);
        assert_eq!(blocks[0]["text"]["text"], "New conversation");
        assert_eq!(
            blocks[1]["fields"][0]["text"],
            "*Customer*\nDana &lt;dana@example.com&gt;"
        );
        assert_eq!(
            blocks[2]["text"]["text"],
            ">Where is my &lt;order&gt; &amp; refund?"
        );
        assert_eq!(
            blocks[3]["elements"][0]["url"],
            "https://app.example.com/c/conv_1"
        );
        let bare = Notice {
            customer: None,
            excerpt: None,
            details: vec![],
            link: None,
            ..notice
        };
        let kinds: Vec<Value> = message("C1", &bare)["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["type"].clone())
            .collect();
        assert_eq!(kinds, [json!("header")]);
    }

    #[test]
    fn answers_are_classified_as_slack_documents_them() {
        assert_eq!(
            classify(&answer(200, r#"{"ok":true,"ts":"1.2"}"#, &[])).0,
            Verdict::Delivered
        );
        let limited = answer(429, "", &[("retry-after", "7")]);
        assert_eq!(
            classify(&limited).0,
            Verdict::Retry {
                after: Some(std::time::Duration::from_secs(7))
            }
        );
        let (verdict, reason) =
            classify(&answer(200, r#"{"ok":false,"error":"token_revoked"}"#, &[]));
        assert_eq!(verdict, Verdict::Suspend);
        assert!(reason.unwrap().contains("token_revoked"));
        let (verdict, reason) = classify(&answer(
            200,
            r#"{"ok":false,"error":"channel_not_found"}"#,
            &[],
        ));
        assert_eq!(verdict, Verdict::Stop { disable: false });
        assert_eq!(
            reason.unwrap(),
            "Slack answered channel_not_found: the channel does not exist, or the app cannot see it."
        );
        assert_eq!(
            classify(&answer(503, "upstream", &[])).0,
            Verdict::Retry { after: None }
        );
        assert_eq!(
            classify(&answer(200, "<html>", &[])).0,
            Verdict::Retry { after: None }
        );
    }
}
