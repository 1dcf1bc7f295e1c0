//! Telegram: the Bot API's `sendMessage` to the connection's alert chat, as HTML, with the bot
//! token the admin pasted. Errors come as `{"ok": false, "error_code", "description"}`; a 429
//! carries `parameters.retry_after` (https://core.telegram.org/bots/api#making-requests).

use std::time::Duration;

use serde_json::{json, Value};

use super::adapter::{self, Target};
use super::notice::{cut, notice, Notice};
use crate::delivery::attempt::{SentAttempt, Verdict};
use crate::delivery::queue::Claimed;
use crate::integrations::catalogue::Provider;
use crate::integrations::credentials::Credentials;
use crate::runtime::AppState;

/// A message's text may be 4,096 characters; the excerpt is the part that grows.
const TEXT_CHARS: usize = 3_500;

pub async fn send(
    state: &AppState,
    provider: &Provider,
    target: &Target,
    credentials: &Credentials,
    claimed: &Claimed,
) -> (SentAttempt, Verdict) {
    let token = match credentials {
        Credentials::ApiKey { values } => values.get("bot_token").map(String::as_str),
        _ => None,
    };
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return adapter::not_sent("The connection has no bot token.".into(), Verdict::Suspend);
    };
    let chat_id = target.setting("alert_chat_id");
    if chat_id.is_empty() {
        return adapter::not_sent(
            "No alert chat ID is set in the connection's settings.".into(),
            Verdict::Stop { disable: false },
        );
    }
    // The token is part of the path; the attempt log keeps headers and bodies, never the URL.
    let url = match adapter::endpoint(provider, &format!("bot{token}/sendMessage")) {
        Ok(url) => url,
        Err(_) => {
            return adapter::not_sent(
                "The bot token does not fit in a URL.".into(),
                Verdict::Suspend,
            )
        }
    };
    let body = message(
        chat_id,
        &notice(&claimed.event, state.config.conversation_url.as_deref()),
    );
    let mut sent = adapter::post_json(&state.http, url, None, &body).await;
    let (verdict, reason) = classify(&sent);
    if let Some(reason) = reason {
        sent.error.get_or_insert(reason);
    }
    (sent, verdict)
}

/// `sendMessage`'s arguments: an HTML text and, with a link, a "View conversation" button.
pub fn message(chat_id: &str, notice: &Notice) -> Value {
    let mut text = format!("<b>{}</b>", escape(&notice.title));
    if let Some(customer) = &notice.customer {
        text.push_str(&format!("\n<b>Customer:</b> {}", escape(customer)));
    }
    for (label, value) in &notice.details {
        text.push_str(&format!("\n<b>{}:</b> {}", escape(label), escape(value)));
    }
    if let Some(excerpt) = &notice.excerpt {
        text.push_str(&format!(
            "\n\n<blockquote>{}</blockquote>",
            escape(&cut(excerpt, TEXT_CHARS))
        ));
    }
    let mut body = json!({
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
    });
    if let Some(link) = &notice.link {
        body["reply_markup"] =
            json!({"inline_keyboard": [[{"text": "View conversation", "url": link}]]});
    }
    body
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn classify(sent: &SentAttempt) -> (Verdict, Option<String>) {
    let Some(status) = sent.response_status else {
        return (Verdict::Retry { after: None }, None);
    };
    let answer = adapter::json_body(sent).unwrap_or(Value::Null);
    if (200..300).contains(&status) && answer.get("ok").and_then(Value::as_bool) == Some(true) {
        return (Verdict::Delivered, None);
    }
    let description = answer
        .get("description")
        .and_then(Value::as_str)
        .map(|d| crate::runtime::untrusted::storable(&cut(d, 200)));
    let reason = Some(match &description {
        Some(d) => format!("Telegram answered {status}: {d}."),
        None => format!("Telegram answered HTTP {status}."),
    });
    let verdict = match status {
        429 => Verdict::Retry {
            after: answer
                .pointer("/parameters/retry_after")
                .and_then(Value::as_u64)
                .map(Duration::from_secs),
        },
        401 | 404 => Verdict::Suspend,
        s if s >= 500 => Verdict::Retry { after: None },
        _ => Verdict::Stop { disable: false },
    };
    (verdict, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> SentAttempt {
        SentAttempt::answered(status, body, &[])
    }

    #[test]
    fn the_message_is_escaped_html_with_a_button() {
        let notice = Notice {
            title: "Escalated to a human".into(),
            customer: Some("Dana <d@x.test>".into()),
            excerpt: None,
            details: vec![("Priority".into(), "high".into())],
            conversation_id: Some("c1".into()),
            link: Some("https://app.example.com/c/c1".into()),
        };
        let body = message("-1001", &notice);
        assert_eq!(body["chat_id"], "-1001");
        assert_eq!(body["parse_mode"], "HTML");
        assert_eq!(
            body["text"],
            "<b>Escalated to a human</b>\n<b>Customer:</b> Dana &lt;d@x.test&gt;\n<b>Priority:</b> high"
        );
        assert_eq!(
            body["reply_markup"]["inline_keyboard"][0][0]["url"],
            "https://app.example.com/c/c1"
        );
    }

    #[test]
    fn answers_are_classified_as_the_bot_api_documents_them() {
        assert_eq!(
            classify(&answer(200, r#"{"ok":true,"result":{"message_id":1}}"#)).0,
            Verdict::Delivered
        );
        let limited = answer(
            429,
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}"#,
        );
        assert_eq!(
            classify(&limited).0,
            Verdict::Retry {
                after: Some(Duration::from_secs(5))
            }
        );
        assert_eq!(
            classify(&answer(
                401,
                r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#
            ))
            .0,
            Verdict::Suspend
        );
        let (verdict, reason) = classify(&answer(
            400,
            r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
        ));
        assert_eq!(verdict, Verdict::Stop { disable: false });
        assert_eq!(
            reason.unwrap(),
            "Telegram answered 400: Bad Request: chat not found."
        );
    }
}
