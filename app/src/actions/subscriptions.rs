//! Which events a connection receives, from its settings: the routing the delivery queue reads
//! (stored in `connections.event_types` whenever settings are saved, so publishing never parses
//! settings). Only providers with an adapter subscribe to anything.

use serde_json::Value;

/// Whether `slug`'s connections send events anywhere (have an adapter and settings that route).
pub fn acts(slug: &str) -> bool {
    matches!(
        slug,
        "slack"
            | "microsoft-teams"
            | "telegram"
            | "discord"
            | "whatsapp-business"
            | "email-forwarding"
            | "zapier"
            | "make"
            | "n8n"
    )
}

/// The conversation channel whose events alone reach `slug`'s connections (`data.channel`):
/// WhatsApp answers WhatsApp conversations. None: every event of the subscribed types.
pub fn conversation_channel(slug: &str) -> Option<&'static str> {
    match slug {
        "whatsapp-business" => Some("whatsapp"),
        _ => None,
    }
}

/// The event types `slug`'s connection with these settings subscribes to, sorted. Empty while a
/// setting the messages need (Slack's channel, Telegram's chat) is missing.
pub fn event_types(slug: &str, config: &Value) -> Vec<String> {
    let on = |name: &str| config.get(name).and_then(Value::as_bool).unwrap_or(false);
    let filled = |name: &str| {
        config
            .get(name)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.trim().is_empty())
    };
    let rules: &[(&str, &[&str])] = match slug {
        "slack" if filled("channel") => &[
            ("notify_new_conversations", &["conversation.created"]),
            ("notify_escalations", &["escalation.triggered"]),
            ("notify_all_messages", &["message.received", "message.sent"]),
        ],
        "microsoft-teams" if filled("channel") => &[
            ("notify_new_conversations", &["conversation.created"]),
            ("notify_escalations", &["escalation.triggered"]),
        ],
        // The channel is the one the webhook of the grant posts to.
        "discord" => &[
            ("notify_new_conversations", &["conversation.created"]),
            ("notify_escalations", &["escalation.triggered"]),
        ],
        "whatsapp-business" => &[("send_replies", &["message.sent"])],
        "email-forwarding" => &[
            ("forward_escalations", &["escalation.triggered"]),
            ("forward_all_conversations", &["conversation.created"]),
        ],
        "telegram" if filled("alert_chat_id") => &[
            ("notify_new_conversations", &["conversation.created"]),
            ("notify_escalations", &["escalation.triggered"]),
        ],
        "zapier" | "make" | "n8n" => &[
            ("send_new_conversations", &["conversation.created"]),
            ("send_escalations", &["escalation.triggered"]),
            ("send_conversation_closed", &["conversation.closed"]),
            ("send_contact_created", &["contact.created"]),
        ],
        _ => &[],
    };
    let mut types: Vec<String> = rules
        .iter()
        .filter(|(setting, _)| on(setting))
        .flat_map(|(_, types)| types.iter().map(|t| t.to_string()))
        .collect();
    types.sort();
    types.dedup();
    types
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn slack_settings_pick_the_events_once_a_channel_is_chosen() {
        let mut config = json!({"notify_new_conversations": true, "notify_escalations": true,
                                "notify_all_messages": false});
        assert!(
            event_types("slack", &config).is_empty(),
            "nowhere to post yet"
        );
        config["channel"] = json!("#support-alerts");
        assert_eq!(
            event_types("slack", &config),
            ["conversation.created", "escalation.triggered"]
        );
        config["notify_all_messages"] = json!(true);
        config["notify_escalations"] = json!(false);
        assert_eq!(
            event_types("slack", &config),
            ["conversation.created", "message.received", "message.sent"]
        );
    }

    #[test]
    fn automation_hooks_and_telegram_follow_their_own_settings() {
        let config = json!({"send_new_conversations": true, "send_conversation_closed": true,
                            "send_escalations": false});
        assert_eq!(
            event_types("zapier", &config),
            ["conversation.closed", "conversation.created"]
        );
        assert!(event_types("telegram", &json!({"notify_escalations": true})).is_empty());
        assert_eq!(
            event_types(
                "telegram",
                &json!({"alert_chat_id": "-100123", "notify_escalations": true})
            ),
            ["escalation.triggered"]
        );
        assert!(
            event_types("salesforce", &json!({"notify_escalations": true})).is_empty(),
            "no adapter, no deliveries"
        );
    }
}
