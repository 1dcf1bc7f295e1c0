//! Microsoft Teams: an Adaptive Card posted to the chosen team channel through Microsoft Graph
//! (`POST /teams/{team-id}/channels/{channel-id}/messages`, delegated `ChannelMessage.Send`).
//! The card is an attachment whose `content` is the card's JSON as a string, referenced from
//! the HTML body as `<attachment id="…"></attachment>`; Graph takes only `Action.OpenUrl`
//! actions in channel cards. Errors are `{"error": {"code", "message"}}`; throttling is 429 with
//! `Retry-After` (learn.microsoft.com/graph/api/channel-post-messages, /graph/errors,
//! /graph/throttling).

use serde_json::{json, Value};

use super::adapter::{self, Target};
use super::daily_summary;
use super::notice::{cut, notice, Notice};
use crate::delivery::attempt::{self, SentAttempt, Verdict};
use crate::delivery::queue::Claimed;
use crate::integrations::catalogue::Provider;
use crate::integrations::credentials::Credentials;
use crate::runtime::AppState;

/// A channel setting is `{team-id}/{channel-id}` (channel ids hold `:` and `@`, never `/`).
pub fn channel_value(team_id: &str, channel_id: &str) -> String {
    format!("{team_id}/{channel_id}")
}

const EXCERPT_CHARS: usize = 2_000;

pub async fn send(
    state: &AppState,
    provider: &Provider,
    target: &Target,
    credentials: &Credentials,
    claimed: &Claimed,
) -> (SentAttempt, Verdict) {
    let Credentials::OAuth { access_token, .. } = credentials else {
        return adapter::not_sent("Teams connections use OAuth.".into(), Verdict::Suspend);
    };
    let Some((team, channel)) = target.setting("channel").split_once('/') else {
        return adapter::not_sent(
            "No Teams channel is chosen in the connection's settings.".into(),
            Verdict::Stop { disable: false },
        );
    };
    let path = format!(
        "teams/{}/channels/{}/messages",
        segment(team),
        segment(channel)
    );
    let url = match adapter::endpoint(provider, &path) {
        Ok(url) => url,
        Err(e) => return adapter::not_sent(e, Verdict::Retry { after: None }),
    };
    let card = match claimed.event.event_type.as_str() {
        daily_summary::EVENT_TYPE => summary_card(&claimed.event.data()),
        _ => card(&notice(
            &claimed.event,
            state.config.conversation_url.as_deref(),
        )),
    };
    let body = message(&claimed.delivery_id.simple().to_string(), &card);
    let mut sent = adapter::post_json(&state.http, url, Some(access_token), &body).await;
    let (verdict, reason) = classify(&sent);
    if let Some(reason) = reason {
        sent.error.get_or_insert(reason);
    }
    (sent, verdict)
}

/// One path segment, percent-encoded (a channel id's `:` and `@` included).
fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The chatMessage: an HTML body that places the card, and the card as an attachment.
pub fn message(attachment_id: &str, card: &Value) -> Value {
    json!({
        "body": {
            "contentType": "html",
            "content": format!("<attachment id=\"{attachment_id}\"></attachment>"),
        },
        "attachments": [{
            "id": attachment_id,
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card.to_string(),
        }],
    })
}

/// The Adaptive Card for a notice: a title, the customer and details as facts, the excerpt,
/// and "View conversation".
pub fn card(notice: &Notice) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock", "text": notice.title, "weight": "Bolder", "size": "Medium", "wrap": true,
    })];
    let mut facts = Vec::new();
    if let Some(customer) = &notice.customer {
        facts.push(json!({"title": "Customer", "value": customer}));
    }
    for (label, value) in &notice.details {
        facts.push(json!({"title": label, "value": value}));
    }
    if !facts.is_empty() {
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    if let Some(excerpt) = &notice.excerpt {
        body.push(json!({
            "type": "TextBlock", "text": cut(excerpt, EXCERPT_CHARS), "wrap": true, "isSubtle": true,
        }));
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let Some(link) = &notice.link {
        card["actions"] =
            json!([{"type": "Action.OpenUrl", "title": "View conversation", "url": link}]);
    }
    card
}

/// The daily summary's four counts as facts.
pub fn summary_card(data: &Value) -> Value {
    let count = |name: &str| data.get(name).and_then(Value::as_i64).unwrap_or(0);
    let text = |name: &str| data.get(name).and_then(Value::as_str).unwrap_or_default();
    let fact = |title: &str, n: i64| json!({"title": title, "value": n.to_string()});
    json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": format!("Daily summary · {}", text("date")), "weight": "Bolder", "size": "Medium"},
            {"type": "FactSet", "facts": [
                fact("New conversations", count("conversations_created")),
                fact("Closed", count("conversations_closed")),
                fact("Escalations", count("escalations")),
                fact("Messages", count("messages")),
            ]},
            {"type": "TextBlock", "text": format!("The last 24 hours, {}", text("time_zone")), "isSubtle": true, "size": "Small"},
        ],
    })
}

/// What Graph's answer means, and the reason to log when it is not a success.
pub fn classify(sent: &SentAttempt) -> (Verdict, Option<String>) {
    let Some(status) = sent.response_status else {
        return (Verdict::Retry { after: None }, None);
    };
    if (200..300).contains(&status) {
        return (Verdict::Delivered, None);
    }
    let answer = adapter::json_body(sent).unwrap_or(Value::Null);
    let text = |pointer: &str| {
        answer
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(|t| crate::runtime::untrusted::storable(&cut(t, 200)))
    };
    let code = text("/error/code");
    let explained = match status {
        401 => " Microsoft no longer accepts this connection's token; reconnect Teams.",
        403 => " The connected account may not post in this channel; pick another channel.",
        404 => " The team or channel no longer exists; pick another channel.",
        _ => "",
    };
    let message = text("/error/message").map(|m| m.trim_end_matches('.').to_string());
    let reason = match (&code, message) {
        (Some(code), Some(message)) => {
            format!("Microsoft Graph answered {status} {code}: {message}.{explained}")
        }
        (Some(code), None) => format!("Microsoft Graph answered {status} {code}.{explained}"),
        _ => format!("Microsoft Graph answered HTTP {status}.{explained}"),
    };
    let verdict = match status {
        429 | 503 => Verdict::Retry {
            after: attempt::retry_after(sent),
        },
        401 => Verdict::Suspend,
        s if s >= 500 => Verdict::Retry { after: None },
        _ => Verdict::Stop { disable: false },
    };
    (verdict, Some(reason))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn answer(status: u16, body: &str, headers: &[(&str, &str)]) -> SentAttempt {
        SentAttempt::answered(status, body, headers)
    }

    #[test]
    fn the_card_is_an_attachment_the_body_places_with_only_open_url_actions() {
        let notice = Notice {
            title: "New conversation".into(),
            customer: Some("Dana <dana@example.com>".into()),
            excerpt: Some("Where is my order?".into()),
            details: vec![("Channel".into(), "web".into())],
            conversation_id: Some("conv_1".into()),
            link: Some("https://app.example.com/c/conv_1".into()),
        };
        let body = message("abc123", &card(&notice));
        assert_eq!(body["body"]["contentType"], "html");
        assert_eq!(
            body["body"]["content"],
            "<attachment id=\"abc123\"></attachment>"
        );
        let attachment = &body["attachments"][0];
        assert_eq!(attachment["id"], "abc123");
        assert_eq!(
            attachment["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        let card: Value = serde_json::from_str(attachment["content"].as_str().unwrap()).unwrap();
        assert_eq!(card["type"], "AdaptiveCard");
        assert_eq!(card["body"][0]["text"], "New conversation");
        assert_eq!(
            card["body"][1]["facts"][0]["value"],
            "Dana <dana@example.com>"
        );
        assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
        assert_eq!(
            card["actions"][0]["url"],
            "https://app.example.com/c/conv_1"
        );
        assert_eq!(
            segment("19:escalations@thread.tacv2"),
            "19%3Aescalations%40thread%2Etacv2"
        );
    }

    #[test]
    fn answers_are_classified_as_graph_documents_them() {
        assert_eq!(
            classify(&answer(201, r#"{"id":"1"}"#, &[])).0,
            Verdict::Delivered
        );
        assert_eq!(
            classify(&answer(429, "", &[("retry-after", "4")])).0,
            Verdict::Retry {
                after: Some(Duration::from_secs(4))
            }
        );
        let (verdict, reason) = classify(&answer(
            401,
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#,
            &[],
        ));
        assert_eq!(verdict, Verdict::Suspend);
        assert_eq!(
            reason.unwrap(),
            "Microsoft Graph answered 401 InvalidAuthenticationToken: Lifetime validation failed, the token is expired. Microsoft no longer accepts this connection's token; reconnect Teams."
        );
        assert_eq!(
            classify(&answer(
                403,
                r#"{"error":{"code":"Forbidden","message":"Only owners can post."}}"#,
                &[]
            ))
            .0,
            Verdict::Stop { disable: false }
        );
        assert_eq!(
            classify(&answer(
                503,
                r#"{"error":{"code":"ServiceNotAvailable"}}"#,
                &[]
            ))
            .0,
            Verdict::Retry { after: None }
        );
    }
}
