//! Publishing: check the event, then store it (and its idempotency key) in one transaction
//! before answering.

use uuid::Uuid;

use super::{registry, PublishedEvent, MAX_PAYLOAD_BYTES};
use crate::auth::access::Caller;
use crate::error::AppError;
use crate::server::{db_error, AppState};

/// An event to publish, checked.
pub struct NewEvent {
    pub event_type: String,
    pub data: serde_json::Value,
    pub idempotency_key: Option<String>,
}

impl NewEvent {
    pub fn validate(
        event_type: String,
        data: serde_json::Value,
        idempotency_key: Option<String>,
    ) -> Result<Self, AppError> {
        if event_type.trim().is_empty() {
            return Err(AppError::bad_request("event_type", "Name the event type."));
        }
        if !data.is_object() {
            return Err(AppError::bad_request("data", "`data` must be a JSON object."));
        }
        let size = data.to_string().len();
        if size > MAX_PAYLOAD_BYTES {
            return Err(AppError::PayloadTooLarge {
                field: "data".into(),
                message: format!(
                    "`data` is {size} bytes; the limit is {MAX_PAYLOAD_BYTES} bytes (256 KB)."
                ),
            });
        }
        if let Some(key) = &idempotency_key {
            if key.is_empty() || key.len() > 255 {
                return Err(AppError::bad_request(
                    "idempotency_key",
                    "An idempotency key is 1 to 255 characters.",
                ));
            }
        }
        Ok(Self {
            event_type,
            data,
            idempotency_key,
        })
    }
}

/// The public form of an event id.
pub fn public_id(id: Uuid) -> String {
    format!("evt_{}", id.simple())
}

pub async fn publish(
    state: &AppState,
    caller: &Caller,
    event: NewEvent,
) -> Result<PublishedEvent, AppError> {
    let company_id = caller.company_id;
    if !registry::exists(&state.pool, company_id, &event.event_type).await? {
        return Err(AppError::Unprocessable {
            field: "event_type".into(),
            message: format!(
                "Unknown event type `{}`: add it to the event registry first.",
                event.event_type
            ),
        });
    }
    let id = Uuid::new_v4();
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    if let Some(key) = &event.idempotency_key {
        // A key seen in the last 24 hours keeps its event; an older one is taken over.
        // A concurrent publish with the same key waits here for ours to commit.
        let claimed: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO event_idempotency_keys (company_id, key, event_id) VALUES ($1, $2, $3)
             ON CONFLICT (company_id, key) DO UPDATE SET event_id = EXCLUDED.event_id, created_at = now()
               WHERE event_idempotency_keys.created_at < now() - interval '24 hours'
             RETURNING event_id",
        )
        .bind(company_id)
        .bind(key)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        if claimed.is_none() {
            tx.rollback().await.map_err(db_error)?;
            let first: Uuid = sqlx::query_scalar(
                "SELECT event_id FROM event_idempotency_keys WHERE company_id = $1 AND key = $2",
            )
            .bind(company_id)
            .bind(key)
            .fetch_one(&state.pool)
            .await
            .map_err(db_error)?;
            return Ok(PublishedEvent {
                id: public_id(first),
            });
        }
    }
    sqlx::query(
        "INSERT INTO events (id, company_id, event_type, data, idempotency_key, api_key_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(company_id)
    .bind(&event.event_type)
    .bind(&event.data)
    .bind(&event.idempotency_key)
    .bind(caller.api_key_id())
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    Ok(PublishedEvent { id: public_id(id) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads_over_256_kb_are_413_naming_data() {
        let big = json!({"blob": "x".repeat(MAX_PAYLOAD_BYTES)});
        let err = NewEvent::validate("message.sent".into(), big, None).err().unwrap();
        assert_eq!(err.status_code().as_u16(), 413);
        assert_eq!(err.field(), Some("data"));
        assert!(NewEvent::validate("message.sent".into(), json!({"a": 1}), None).is_ok());
        let not_object = NewEvent::validate("message.sent".into(), json!([1]), None).err().unwrap();
        assert_eq!(not_object.field(), Some("data"));
    }
}
