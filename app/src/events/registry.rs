//! The event-type registry: the built-in types (in code) and each company's own (in the
//! database). Publishing checks the type against it.

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::EventTypeView;
use crate::error::AppError;
use crate::runtime::{db_error, found, unique_as_conflict};

/// The names of the types every company has, in the order they are listed.
///
/// Publishing checks every event's type against them: a list of names, not [`builtin`],
/// which builds each type's sample payload (dozens of allocations a publish).
pub const BUILTIN_NAMES: [&str; 6] = [
    "conversation.created",
    "conversation.updated",
    "conversation.closed",
    "message.received",
    "message.sent",
    "escalation.triggered",
];

/// The types every company has, with sample payloads, in [`BUILTIN_NAMES`]' order.
pub fn builtin() -> Vec<EventTypeView> {
    BUILTIN_NAMES
        .iter()
        .map(|name| {
            let (description, example) = described(name);
            EventTypeView {
                name: name.to_string(),
                description: description.into(),
                example,
                builtin: true,
            }
        })
        .collect()
}

/// A built-in type's description and sample payload.
fn described(name: &str) -> (&'static str, serde_json::Value) {
    let conversation = || {
        json!({
            "conversation_id": "conv_8f2k1x", "channel": "web", "status": "open",
            "customer": {"id": "cus_41", "name": "Dana Whitfield", "email": "dana@example.com"},
            "assigned_agent": null
        })
    };
    match name {
        "conversation.created" => ("A customer started a conversation.", conversation()),
        "conversation.updated" => (
            "A conversation's status, assignee or tags changed.",
            conversation(),
        ),
        "conversation.closed" => (
            "A conversation was resolved and closed.",
            json!({"conversation_id": "conv_8f2k1x", "closed_by": "agent_12", "resolution": "resolved"}),
        ),
        "message.received" => (
            "A customer sent a message.",
            json!({"conversation_id": "conv_8f2k1x", "message_id": "msg_77ab",
                   "author": {"type": "customer", "id": "cus_41"}, "text": "Hi, my order has not arrived."}),
        ),
        "message.sent" => (
            "An agent or the bot sent a message.",
            json!({"conversation_id": "conv_8f2k1x", "message_id": "msg_77ac",
                   "author": {"type": "agent", "id": "agent_12"}, "text": "Sorry about that, let me check."}),
        ),
        _ => (
            "A conversation was escalated to a human agent.",
            json!({"conversation_id": "conv_8f2k1x", "reason": "customer_requested", "priority": "high"}),
        ),
    }
}

pub fn is_builtin(name: &str) -> bool {
    BUILTIN_NAMES.contains(&name)
}

/// A company event type, checked.
pub struct NewEventType {
    pub name: String,
    pub description: String,
    pub example: serde_json::Value,
}

impl NewEventType {
    pub fn validate(
        name: &str,
        description: &str,
        example: Option<serde_json::Value>,
    ) -> Result<Self, AppError> {
        let name = name.trim();
        if !valid_name(name) {
            return Err(AppError::bad_request(
                "name",
                "Use lower-case words joined by dots, e.g. `invoice.paid` (at most 100 characters).",
            ));
        }
        if is_builtin(name) {
            return Err(AppError::conflict(
                "name",
                format!("`{name}` is a built-in event type."),
            ));
        }
        let sent = description.chars().count();
        let description = description.trim();
        if sent > 500 {
            return Err(AppError::bad_request(
                "description",
                "Keep the description under 500 characters.",
            ));
        }
        let example = example.unwrap_or_else(|| json!({}));
        if !example.is_object() {
            return Err(AppError::bad_request(
                "example",
                "The example payload must be a JSON object.",
            ));
        }
        if example.to_string().len() > 16 * 1024 {
            return Err(AppError::bad_request(
                "example",
                "Keep the example payload under 16 KB.",
            ));
        }
        Ok(Self {
            name: name.to_string(),
            description: description.to_string(),
            example,
        })
    }
}

/// Two or more dot-separated segments of lower-case letters, digits and underscores, each
/// starting with a letter.
pub fn valid_name(name: &str) -> bool {
    name.len() <= 100
        && name.split('.').count() >= 2
        && name.split('.').all(|segment| {
            segment.starts_with(|c: char| c.is_ascii_lowercase())
                && segment
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

pub async fn list(pool: &PgPool, company_id: Uuid) -> Result<Vec<EventTypeView>, AppError> {
    #[derive(sqlx::FromRow)]
    struct CustomType {
        name: String,
        description: String,
        example: serde_json::Value,
    }
    let custom: Vec<CustomType> = sqlx::query_as(
        "SELECT name, description, example FROM event_types WHERE company_id = $1 ORDER BY name",
    )
    .bind(company_id)
    .fetch_all(pool)
    .await?;
    let mut types = builtin();
    types.extend(custom.into_iter().map(|t| EventTypeView {
        name: t.name,
        description: t.description,
        example: t.example,
        builtin: false,
    }));
    Ok(types)
}

/// Whether the company may publish events of this type.
pub async fn exists(pool: &PgPool, company_id: Uuid, name: &str) -> Result<bool, AppError> {
    if is_builtin(name) {
        return Ok(true);
    }
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM event_types WHERE company_id = $1 AND name = $2)",
    )
    .bind(company_id)
    .bind(name)
    .fetch_one(pool)
    .await
    .map_err(db_error)
}

pub async fn create(
    pool: &PgPool,
    company_id: Uuid,
    new: NewEventType,
) -> Result<EventTypeView, AppError> {
    sqlx::query(
        "INSERT INTO event_types (company_id, name, description, example) VALUES ($1, $2, $3, $4)",
    )
    .bind(company_id)
    .bind(&new.name)
    .bind(&new.description)
    .bind(&new.example)
    .execute(pool)
    .await
    .map_err(unique_as_conflict(
        "name",
        format!("`{}` already exists.", new.name),
    ))?;
    Ok(EventTypeView {
        name: new.name,
        description: new.description,
        example: new.example,
        builtin: false,
    })
}

pub async fn delete(pool: &PgPool, company_id: Uuid, name: &str) -> Result<(), AppError> {
    if is_builtin(name) {
        return Err(AppError::bad_request(
            "name",
            "Built-in event types cannot be deleted.",
        ));
    }
    found(
        sqlx::query("DELETE FROM event_types WHERE company_id = $1 AND name = $2")
            .bind(company_id)
            .bind(name)
            .execute(pool)
            .await?,
        &format!("No event type `{name}`."),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dotted_lower_case() {
        for good in ["invoice.paid", "order.line_item.added", "a1.b2"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in [
            "invoice",
            "Invoice.paid",
            "invoice..paid",
            ".paid",
            "invoice.1paid",
            "in voice.paid",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_six_builtin_types_are_valid_and_have_object_examples() {
        let types = builtin();
        assert_eq!(types.len(), 6);
        assert!(types
            .iter()
            .all(|t| valid_name(&t.name) && t.example.is_object()));
        // Each has its own description (a name missing from `described` would get the last).
        let mut descriptions: Vec<&str> = types.iter().map(|t| t.description.as_str()).collect();
        descriptions.sort_unstable();
        descriptions.dedup();
        assert_eq!(descriptions.len(), 6);
        assert!(types.iter().all(|t| is_builtin(&t.name)));
        assert!(!is_builtin("invoice.paid") && !is_builtin("conversation"));
    }
}
