//! Discord: Execute Webhook (`POST /webhooks/{id}/{token}?wait=true`) on the incoming webhook
//! that the OAuth grant (scope `webhook.incoming`) created in the channel the admin picked on
//! Discord's consent screen. The message is one embed; errors come as `{"message", "code"}`
//! (10015 Unknown Webhook when a server admin deleted it, 50027 Invalid Webhook Token), rate
//! limits as HTTP 429 with `Retry-After` and a JSON `retry_after` in seconds
//! (discord.com/developers/docs/resources/webhook#execute-webhook, topics/rate-limits).

use std::time::Duration;

use serde_json::{json, Value};

use super::adapter::{self, Target};
use super::daily_summary;
use super::notice::{cut, notice, Notice};
use crate::delivery::attempt::{self, SentAttempt, Verdict};
use crate::delivery::queue::Claimed;
use crate::integrations::catalogue::Provider;
use crate::integrations::credentials::Credentials;
use crate::runtime::AppState;

/// Discord's embed limits: title 256, description 4,096, field value 1,024, 25 fields.
const TITLE_CHARS: usize = 256;
const DESCRIPTION_CHARS: usize = 3_500;
const FIELD_CHARS: usize = 1_000;
/// Plugboard's accent (#4F46E5), and amber for escalations.
const COLOUR: u32 = 0x4F46E5;
const ESCALATION_COLOUR: u32 = 0xD97706;

pub async fn send(
    state: &AppState,
    provider: &Provider,
    target: &Target,
    credentials: &Credentials,
    claimed: &Claimed,
) -> (SentAttempt, Verdict) {
    let Some((id, token)) = webhook(credentials) else {
        return adapter::not_sent(
            "The connection holds no Discord webhook: reconnect Discord and pick a channel.".into(),
            Verdict::Suspend,
        );
    };
    // The token is part of the path; the attempt log keeps headers and bodies, never the URL.
    let url = match adapter::endpoint(provider, &format!("webhooks/{id}/{token}?wait=true")) {
        Ok(url) => url,
        Err(e) => return adapter::not_sent(e, Verdict::Retry { after: None }),
    };
    let body = match claimed.event.event_type.as_str() {
        daily_summary::EVENT_TYPE => summary(&claimed.event.data()),
        _ => {
            let mention = target.config.get("mention_here").and_then(Value::as_bool) == Some(true)
                && claimed.event.event_type == "escalation.triggered";
            let conversation_url = state.config.conversation_url.as_deref();
            message(&notice(&claimed.event, conversation_url), mention)
        }
    };
    let mut sent = adapter::post_json(&state.http, url, None, &body).await;
    let (verdict, reason) = classify(&sent);
    if let Some(reason) = reason {
        sent.error.get_or_insert(reason);
    }
    (sent, verdict)
}

/// Deletes the grant's webhook (Delete Webhook with Token) when the connection goes, so the
/// channel keeps no integration that nobody uses. A failure is logged, never blocking.
pub async fn delete_webhook(state: &AppState, provider: &Provider, credentials: &Credentials) {
    let Some((id, token)) = webhook(credentials) else {
        return;
    };
    let Ok(url) = adapter::endpoint(provider, &format!("webhooks/{id}/{token}")) else {
        return;
    };
    let sent = state
        .http
        .delete(url)
        .timeout(adapter::PROVIDER_TIMEOUT)
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() || res.status() == 404 => {
            tracing::info!(webhook = %id, "deleted the Discord webhook")
        }
        Ok(res) => {
            tracing::warn!(webhook = %id, status = %res.status(), "Discord refused to delete the webhook")
        }
        // Without the URL: it holds the webhook's token.
        Err(e) => {
            tracing::warn!(webhook = %id, "deleting the Discord webhook: {}", e.without_url())
        }
    }
}

/// The grant's webhook id and token, when they look like Discord's (a snowflake and a URL-safe
/// token): they come from the provider and go into a URL path.
fn webhook(credentials: &Credentials) -> Option<(&str, &str)> {
    let Credentials::OAuth { grant, .. } = credentials else {
        return None;
    };
    let hook = grant.get("webhook")?;
    let id = hook.get("id")?.as_str()?;
    let token = hook.get("token")?.as_str()?;
    let url_safe = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.len() <= 200
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    };
    (url_safe(id, &[]) && url_safe(token, &['-', '_'])).then_some((id, token))
}

/// The Execute Webhook body: one embed (title linking to the conversation, the excerpt, the
/// customer and details as fields); `mention` adds `@here`, allowed explicitly. Nothing else
/// in the text can ping anyone.
pub fn message(notice: &Notice, mention: bool) -> Value {
    let mut description = notice
        .excerpt
        .as_deref()
        .map(|e| quote(&escape(&cut(e, DESCRIPTION_CHARS))))
        .unwrap_or_default();
    if let Some(link) = &notice.link {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&format!("[View conversation]({link})"));
    }
    let mut fields = Vec::new();
    if let Some(customer) = &notice.customer {
        fields.push(field("Customer", customer));
    }
    for (label, value) in &notice.details {
        fields.push(field(label, value));
    }
    fields.truncate(25);
    let escalation = notice.title == "Escalated to a human";
    let mut embed = json!({
        "title": cut(&notice.title, TITLE_CHARS),
        "color": if escalation { ESCALATION_COLOUR } else { COLOUR },
        "fields": fields,
    });
    if !description.is_empty() {
        embed["description"] = json!(description);
    }
    if let Some(link) = &notice.link {
        embed["url"] = json!(link);
    }
    let mut body = json!({
        "embeds": [embed],
        "allowed_mentions": {"parse": if mention { vec!["everyone"] } else { vec![] }},
    });
    if mention {
        body["content"] = json!("@here");
    }
    body
}

/// The daily summary as an embed of four counts.
pub fn summary(data: &Value) -> Value {
    let count = |name: &str| data.get(name).and_then(Value::as_i64).unwrap_or(0);
    let text = |name: &str| data.get(name).and_then(Value::as_str).unwrap_or_default();
    let field = |name: &str, n: i64| json!({"name": name, "value": n.to_string(), "inline": true});
    json!({
        "embeds": [{
            "title": format!("Daily summary · {}", text("date")),
            "color": COLOUR,
            "fields": [
                field("New conversations", count("conversations_created")),
                field("Closed", count("conversations_closed")),
                field("Escalations", count("escalations")),
                field("Messages", count("messages")),
            ],
            "footer": {"text": format!("The last 24 hours, {}", text("time_zone"))},
        }],
        "allowed_mentions": {"parse": []},
    })
}

fn field(name: &str, value: &str) -> Value {
    json!({"name": name, "value": escape(&cut(value, FIELD_CHARS)), "inline": true})
}

/// Discord markdown's special characters, escaped so a customer's text renders as typed.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '[' | ']' | '(' | ')' | '#' | '-' | '@'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn quote(text: &str) -> String {
    format!("> {}", text.replace('\n', "\n> "))
}

/// What Discord's answer means, and the reason to log when it is not a success.
pub fn classify(sent: &SentAttempt) -> (Verdict, Option<String>) {
    let Some(status) = sent.response_status else {
        return (Verdict::Retry { after: None }, None);
    };
    if (200..300).contains(&status) {
        return (Verdict::Delivered, None);
    }
    let answer = adapter::json_body(sent).unwrap_or(Value::Null);
    if status == 429 {
        let asked = attempt::retry_after(sent).or_else(|| {
            answer
                .get("retry_after")
                .and_then(Value::as_f64)
                .filter(|s| s.is_finite() && *s >= 0.0 && *s < 86_400.0)
                .map(|s| Duration::from_secs_f64(s.ceil()))
        });
        return (
            Verdict::Retry { after: asked },
            Some("Discord is rate limiting this webhook (HTTP 429).".into()),
        );
    }
    let message = answer
        .get("message")
        .and_then(Value::as_str)
        .map(|m| crate::runtime::untrusted::storable(&cut(m, 200)));
    let code = answer.get("code").and_then(Value::as_i64);
    let explained = match (status, code) {
        (404, _) | (_, Some(10015)) => {
            ": the webhook was deleted in Discord; reconnect Discord to pick a channel"
        }
        (401, _) | (_, Some(50027)) => {
            ": Discord no longer accepts the webhook's token; reconnect Discord"
        }
        (403, _) => ": the webhook may not post in its channel; reconnect Discord",
        _ => "",
    };
    let reason = match (message, code) {
        (Some(m), Some(c)) => format!("Discord answered {status}: {m} (code {c}){explained}."),
        (Some(m), None) => format!("Discord answered {status}: {m}{explained}."),
        _ => format!("Discord answered HTTP {status}{explained}."),
    };
    let verdict = match status {
        401 | 403 | 404 => Verdict::Suspend,
        s if s >= 500 => Verdict::Retry { after: None },
        _ => Verdict::Stop { disable: false },
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
    fn the_message_is_one_embed_that_pings_nobody_unless_asked() {
        let notice = Notice {
            title: "Escalated to a human".into(),
            customer: Some("Dana *VIP* @everyone".into()),
            excerpt: Some("Where is my order?\nSecond line".into()),
            details: vec![("Priority".into(), "high".into())],
            conversation_id: Some("conv_1".into()),
            link: Some("https://app.example.com/c/conv_1".into()),
        };
        let body = message(&notice, false);
        let embed = &body["embeds"][0];
        assert_eq!(embed["title"], "Escalated to a human");
        assert_eq!(embed["url"], "https://app.example.com/c/conv_1");
        assert_eq!(embed["color"], ESCALATION_COLOUR);
        assert_eq!(
            embed["description"],
            "> Where is my order?\n> Second line\n\n[View conversation](https://app.example.com/c/conv_1)"
        );
        assert_eq!(embed["fields"][0]["name"], "Customer");
        assert_eq!(embed["fields"][0]["value"], "Dana \\*VIP\\* \\@everyone");
        assert_eq!(embed["fields"][1]["value"], "high");
        assert_eq!(body["allowed_mentions"]["parse"], json!([]));
        assert!(body.get("content").is_none());

        let pinged = message(&notice, true);
        assert_eq!(pinged["content"], "@here");
        assert_eq!(pinged["allowed_mentions"]["parse"], json!(["everyone"]));
    }

    #[test]
    fn the_webhook_comes_from_the_sealed_grant_and_must_fit_a_path() {
        let with = |hook: Value| Credentials::OAuth {
            access_token: "a".into(),
            refresh_token: None,
            grant: serde_json::Map::from_iter([("webhook".to_string(), hook)]),
        };
        let good = with(json!({"id": "347114750880120863", "token": "kKDd-jX_a1"}));
        assert_eq!(webhook(&good), Some(("347114750880120863", "kKDd-jX_a1")));
        assert_eq!(webhook(&with(json!({"id": "1/../2", "token": "t"}))), None);
        assert_eq!(webhook(&with(json!({"id": "1", "token": "a?b"}))), None);
        assert_eq!(webhook(&with(json!({"id": "1"}))), None);
    }

    #[test]
    fn answers_are_classified_as_discord_documents_them() {
        assert_eq!(
            classify(&answer(200, r#"{"id":"1","content":""}"#, &[])).0,
            Verdict::Delivered
        );
        assert_eq!(classify(&answer(204, "", &[])).0, Verdict::Delivered);
        let limited = answer(
            429,
            r#"{"message":"You are being rate limited.","retry_after":2.5,"global":false}"#,
            &[],
        );
        assert_eq!(
            classify(&limited).0,
            Verdict::Retry {
                after: Some(Duration::from_secs(3))
            }
        );
        let (verdict, reason) = classify(&answer(
            404,
            r#"{"message":"Unknown Webhook","code":10015}"#,
            &[],
        ));
        assert_eq!(verdict, Verdict::Suspend);
        assert_eq!(
            reason.unwrap(),
            "Discord answered 404: Unknown Webhook (code 10015): the webhook was deleted in Discord; reconnect Discord to pick a channel."
        );
        let (verdict, reason) = classify(&answer(
            400,
            r#"{"message":"Invalid Form Body","code":50035,"errors":{}}"#,
            &[],
        ));
        assert_eq!(verdict, Verdict::Stop { disable: false });
        assert_eq!(
            reason.unwrap(),
            "Discord answered 400: Invalid Form Body (code 50035)."
        );
        assert_eq!(
            classify(&answer(502, "bad gateway", &[])).0,
            Verdict::Retry { after: None }
        );
    }
}
