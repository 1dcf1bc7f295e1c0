//! What a chat notification says about an event, whatever the provider renders it as: a title,
//! the customer, an excerpt, a few details and a link to the conversation in the host product.
//! Event data is the publisher's JSON: every field is optional and read defensively.

use serde_json::Value;

use crate::delivery::queue::EventPayload;

/// What a conversation id may keep in a URL: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Excerpts are cut here (in characters), with an ellipsis.
pub const EXCERPT_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub customer: Option<String>,
    pub excerpt: Option<String>,
    /// Label and value pairs, e.g. ("Priority", "high").
    pub details: Vec<(String, String)>,
    pub conversation_id: Option<String>,
    /// "View conversation", when the host product's URL template is configured.
    pub link: Option<String>,
}

/// `template` is `PLUGBOARD_CONVERSATION_URL`, e.g. `https://app.example.com/conversations/{conversation_id}`.
pub fn notice(event: &EventPayload, template: Option<&str>) -> Notice {
    let data = &event.data();
    let text = |path: &[&str]| -> Option<String> {
        let mut value = data;
        for key in path {
            value = value.get(key)?;
        }
        match value {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let title = match event.event_type.as_str() {
        "conversation.created" => "New conversation".to_string(),
        "conversation.updated" => "Conversation updated".to_string(),
        "conversation.closed" => "Conversation closed".to_string(),
        "escalation.triggered" => "Escalated to a human".to_string(),
        "message.received" => "New message from a customer".to_string(),
        "message.sent" => "Reply sent".to_string(),
        other => format!("Event: {other}"),
    };
    let customer = match (text(&["customer", "name"]), text(&["customer", "email"])) {
        (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
        (name, email) => name.or(email),
    };
    let excerpt = text(&["text"])
        .or_else(|| text(&["message", "text"]))
        .map(|t| cut(&t, EXCERPT_CHARS));
    let mut details = Vec::new();
    for (label, path) in [
        ("Reason", &["reason"][..]),
        ("Priority", &["priority"]),
        ("Channel", &["channel"]),
        ("Author", &["author", "type"]),
        ("Resolution", &["resolution"]),
    ] {
        if let Some(value) = text(path) {
            details.push((label.to_string(), value.replace('_', " ")));
        }
    }
    let conversation_id = text(&["conversation_id"]);
    let link = match (template, &conversation_id) {
        (Some(template), Some(id)) => Some(template.replace(
            "{conversation_id}",
            &percent_encoding::utf8_percent_encode(id, UNRESERVED).to_string(),
        )),
        _ => None,
    };
    Notice {
        title,
        customer,
        excerpt,
        details,
        conversation_id,
        link,
    }
}

/// At most `max` characters, cut on a character boundary with an ellipsis.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some(_) => {
            let kept: String = text.chars().take(max.saturating_sub(1)).collect();
            format!("{}…", kept.trim_end())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(event_type: &str, data: Value) -> EventPayload {
        EventPayload::new(
            uuid::Uuid::nil(),
            event_type.into(),
            &data,
            chrono::Utc::now(),
        )
    }

    #[test]
    fn a_new_conversation_names_the_customer_and_links_to_it() {
        let data = json!({"conversation_id": "conv_8 /f", "channel": "web",
                          "customer": {"name": "Dana Whitfield", "email": "dana@example.com"}});
        let n = notice(
            &event("conversation.created", data),
            Some("https://app.example.com/c/{conversation_id}"),
        );
        assert_eq!(n.title, "New conversation");
        assert_eq!(
            n.customer.as_deref(),
            Some("Dana Whitfield <dana@example.com>")
        );
        assert_eq!(n.details, [("Channel".to_string(), "web".to_string())]);
        assert_eq!(
            n.link.as_deref(),
            Some("https://app.example.com/c/conv_8%20%2Ff"),
            "the id cannot change the URL's path"
        );
    }

    #[test]
    fn odd_data_gives_a_plain_notice_and_long_text_is_cut() {
        let n = notice(
            &event("invoice.paid", json!({"text": 5, "customer": [1]})),
            None,
        );
        assert_eq!(n.title, "Event: invoice.paid");
        assert_eq!((n.customer, n.link), (None, None));
        assert_eq!(n.excerpt.as_deref(), Some("5"));
        let long = "é".repeat(EXCERPT_CHARS + 10);
        let n = notice(&event("message.received", json!({"text": long})), None);
        assert_eq!(n.excerpt.unwrap().chars().count(), EXCERPT_CHARS);
    }
}
