//! WhatsApp Business: the host product's replies in WhatsApp conversations (`message.sent` whose
//! `channel` is `whatsapp`) go to the customer through the Cloud API
//! (`POST /{phone-number-id}/messages`, a text message). Free text is only allowed within 24
//! hours of the customer's last message: Meta refuses it with 131047, and then the follow-up
//! template from the settings is sent instead, if one is set. Errors are Graph errors
//! `{"error": {"message", "code", ...}}` (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).

use serde_json::{json, Value};

use super::adapter::{self, Target};
use super::notice::cut;
use crate::delivery::attempt::{self, SentAttempt, Verdict};
use crate::delivery::queue::Claimed;
use crate::integrations::catalogue::Provider;
use crate::integrations::credentials::Credentials;
use crate::runtime::AppState;

/// Graph's error code for free text outside the customer service window.
const OUTSIDE_WINDOW: i64 = 131_047;
const TEXT_CHARS: usize = 4_096;

pub async fn send(
    state: &AppState,
    provider: &Provider,
    target: &Target,
    credentials: &Credentials,
    claimed: &Claimed,
) -> (SentAttempt, Verdict) {
    let Credentials::ApiKey { values } = credentials else {
        return adapter::not_sent(
            "WhatsApp connections use an access token.".into(),
            Verdict::Suspend,
        );
    };
    let value = |name: &str| values.get(name).map(String::as_str).unwrap_or_default();
    let phone_number_id = value("phone_number_id");
    if phone_number_id.is_empty() || !phone_number_id.bytes().all(|b| b.is_ascii_digit()) {
        return adapter::not_sent(
            "The connection has no valid phone number ID.".into(),
            Verdict::Suspend,
        );
    }
    let Some(to) = recipient(&claimed.event.data()) else {
        return adapter::not_sent(
            "The event names no customer WhatsApp number (customer.phone).".into(),
            Verdict::Stop { disable: false },
        );
    };
    let Some(text) = text(&claimed.event.data()) else {
        return adapter::not_sent(
            "The event has no text to send.".into(),
            Verdict::Stop { disable: false },
        );
    };
    let url = match adapter::endpoint(provider, &format!("{phone_number_id}/messages")) {
        Ok(url) => url,
        Err(e) => return adapter::not_sent(e, Verdict::Retry { after: None }),
    };
    let token = Some(value("access_token"));
    let sent = adapter::post_json(&state.http, url.clone(), token, &text_message(&to, &text)).await;
    let (verdict, reason, code) = classify(&sent);
    let template = target.setting("handover_template");
    let (mut sent, verdict, reason) = match code {
        // Outside the window: the approved template re-opens the conversation.
        Some(OUTSIDE_WINDOW) if !template.is_empty() => {
            let language = match target.setting("template_language") {
                "" => "en_US",
                language => language,
            };
            let body = template_message(&to, template, language);
            let sent = adapter::post_json(&state.http, url, token, &body).await;
            let (verdict, reason, _) = classify(&sent);
            (sent, verdict, reason)
        }
        _ => (sent, verdict, reason),
    };
    if let Some(reason) = reason {
        sent.error.get_or_insert(reason);
    }
    (sent, verdict)
}

/// The customer's number as the Cloud API takes it: digits with the country code.
pub fn recipient(data: &Value) -> Option<String> {
    let raw = ["/customer/phone", "/customer/wa_id", "/to"]
        .iter()
        .find_map(|p| data.pointer(p).and_then(Value::as_str))?;
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
        .collect();
    (digits.len() >= 6 && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

fn text(data: &Value) -> Option<String> {
    ["/text", "/message/text"]
        .iter()
        .find_map(|p| data.pointer(p).and_then(Value::as_str))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| cut(t, TEXT_CHARS))
}

pub fn text_message(to: &str, text: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": false, "body": text},
    })
}

pub fn template_message(to: &str, name: &str, language: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": language}},
    })
}

/// What the Cloud API's answer means, the reason to log, and Graph's error code.
pub fn classify(sent: &SentAttempt) -> (Verdict, Option<String>, Option<i64>) {
    let Some(status) = sent.response_status else {
        return (Verdict::Retry { after: None }, None, None);
    };
    if (200..300).contains(&status) {
        return (Verdict::Delivered, None, None);
    }
    let answer = adapter::json_body(sent).unwrap_or(Value::Null);
    let code = answer.pointer("/error/code").and_then(Value::as_i64);
    let text = |p: &str| {
        answer
            .pointer(p)
            .and_then(Value::as_str)
            .map(|t| crate::runtime::untrusted::storable(&cut(t, 200)))
    };
    let detail = text("/error/error_data/details").or_else(|| text("/error/message"));
    let explained = match code {
        Some(190) => " Meta no longer accepts the access token; reconnect WhatsApp with a new one.",
        Some(OUTSIDE_WINDOW) => {
            " Set a follow-up template in the settings to reach customers after 24 hours."
        }
        _ => "",
    };
    let reason = match (code, detail) {
        (Some(code), Some(detail)) => {
            format!("WhatsApp answered {status} (code {code}): {detail}{explained}")
        }
        _ => format!("WhatsApp answered HTTP {status}.{explained}"),
    };
    let verdict = match (status, code) {
        (_, Some(190)) | (401, _) => Verdict::Suspend,
        // Permissions, a locked or unregistered business account.
        (_, Some(10 | 131_031 | 133_010)) => Verdict::Suspend,
        // Throughput and pair rate limits, Meta's transient errors.
        (429, _) | (_, Some(4 | 80_007 | 130_429 | 131_056 | 1 | 2 | 131_000 | 131_016)) => {
            Verdict::Retry {
                after: attempt::retry_after(sent),
            }
        }
        (s, _) if s >= 500 => Verdict::Retry { after: None },
        _ => Verdict::Stop { disable: false },
    };
    (verdict, Some(reason), code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> SentAttempt {
        SentAttempt::answered(status, body, &[])
    }

    #[test]
    fn the_recipient_is_digits_with_the_country_code() {
        assert_eq!(
            recipient(&json!({"customer": {"phone": "+1 (555) 123-4567"}})).as_deref(),
            Some("15551234567")
        );
        assert_eq!(recipient(&json!({"customer": {"phone": "call me"}})), None);
        assert_eq!(recipient(&json!({"customer": {"name": "Dana"}})), None);
        let body = text_message("15551234567", "Hello");
        assert_eq!(body["messaging_product"], "whatsapp");
        assert_eq!(body["text"]["body"], "Hello");
        let template = template_message("15551234567", "follow_up", "en_US");
        assert_eq!(template["template"]["language"]["code"], "en_US");
    }

    #[test]
    fn answers_are_classified_by_graph_error_code() {
        let ok = r#"{"messaging_product":"whatsapp","messages":[{"id":"wamid.1"}]}"#;
        assert_eq!(classify(&answer(200, ok)).0, Verdict::Delivered);
        let (verdict, reason, code) = classify(&answer(
            401,
            r#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190}}"#,
        ));
        assert_eq!((verdict, code), (Verdict::Suspend, Some(190)));
        assert!(reason
            .unwrap()
            .ends_with("reconnect WhatsApp with a new one."));
        let window = r#"{"error":{"message":"Re-engagement message","code":131047,"error_data":{"details":"More than 24 hours have passed."}}}"#;
        let (verdict, _, code) = classify(&answer(400, window));
        assert_eq!(
            (verdict, code),
            (Verdict::Stop { disable: false }, Some(OUTSIDE_WINDOW))
        );
        assert_eq!(
            classify(&answer(
                429,
                r#"{"error":{"message":"(#130429) Rate limit hit","code":130429}}"#
            ))
            .0,
            Verdict::Retry { after: None }
        );
        assert_eq!(
            classify(&answer(
                400,
                r#"{"error":{"message":"Message undeliverable","code":131026}}"#
            ))
            .0,
            Verdict::Stop { disable: false }
        );
    }
}
