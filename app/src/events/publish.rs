//! Publishing: check the events, then have them stored with their idempotency keys and
//! deliveries ([`super::store`], several publishes to a transaction by
//! [`super::group_commit`]) before answering. A single publish is a batch of one.

use uuid::Uuid;

use super::{registry, store, EventInput, PublishedEvent, MAX_BATCH, MAX_PAYLOAD_BYTES};
use crate::auth::access::Caller;
use crate::error::AppError;
use crate::runtime::AppState;

/// An event to publish, checked.
pub struct NewEvent {
    pub event_type: String,
    pub data: serde_json::Value,
    pub idempotency_key: Option<String>,
}

impl NewEvent {
    /// `field` prefixes the names in errors (`events[3].` in a batch).
    pub fn validate(input: EventInput, field: &str) -> Result<Self, AppError> {
        let EventInput {
            event_type,
            data,
            idempotency_key,
        } = input;
        if event_type.trim().is_empty() {
            return Err(AppError::bad_request(
                format!("{field}event_type"),
                "Name the event type.",
            ));
        }
        if !data.is_object() {
            return Err(AppError::bad_request(
                format!("{field}data"),
                "`data` must be a JSON object.",
            ));
        }
        let size = json_len(&data);
        if size > MAX_PAYLOAD_BYTES {
            return Err(AppError::PayloadTooLarge {
                field: format!("{field}data"),
                message: format!(
                    "`data` is {size} bytes; the limit is {MAX_PAYLOAD_BYTES} bytes (256 KB)."
                ),
            });
        }
        if idempotency_key
            .as_ref()
            .is_some_and(|k| k.is_empty() || k.chars().count() > 255)
        {
            return Err(AppError::bad_request(
                format!("{field}idempotency_key"),
                "An idempotency key is 1 to 255 characters.",
            ));
        }
        Ok(Self {
            event_type,
            data,
            idempotency_key,
        })
    }
}

/// The length of `value` written as JSON, counted without writing it anywhere.
fn json_len(value: &serde_json::Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Writing a Value into a sink that never fails cannot fail.
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

pub fn validate_batch(events: Vec<EventInput>) -> Result<Vec<NewEvent>, AppError> {
    if events.is_empty() || events.len() > MAX_BATCH {
        return Err(AppError::bad_request(
            "events",
            format!("Send 1 to {MAX_BATCH} events."),
        ));
    }
    events
        .into_iter()
        .enumerate()
        .map(|(i, e)| NewEvent::validate(e, &format!("events[{i}].")))
        .collect()
}

/// The public form of an event id.
pub fn public_id(id: Uuid) -> String {
    format!("evt_{}", id.simple())
}

/// Stores the events (in order) and returns their ids; `field` names them in errors.
pub async fn publish(
    state: &AppState,
    caller: &Caller,
    events: Vec<NewEvent>,
    field: impl Fn(usize) -> String,
) -> Result<Vec<PublishedEvent>, AppError> {
    publish_for(
        state,
        caller.company_id,
        caller.api_key_id(),
        None,
        events,
        field,
    )
    .await
}

/// As [`publish`], for `company_id`: by the API key `api_key_id`, or by Plugboard itself (an
/// event a provider sent in, like a reply from Slack) when it is None. `origin` is the
/// connection the events came in through: it is not sent them back (a reply typed in Slack
/// is not posted to Slack again).
pub async fn publish_for(
    state: &AppState,
    company_id: Uuid,
    api_key_id: Option<Uuid>,
    origin: Option<Uuid>,
    events: Vec<NewEvent>,
    field: impl Fn(usize) -> String,
) -> Result<Vec<PublishedEvent>, AppError> {
    let unknown = events
        .iter()
        .position(|e| !registry::is_builtin(&e.event_type));
    if let Some(first_custom) = unknown {
        let known = registry::list(&state.pool, company_id).await?;
        for (i, event) in events.iter().enumerate().skip(first_custom) {
            if !known.iter().any(|t| t.name == event.event_type) {
                return Err(AppError::unknown_event_type(
                    format!("{}event_type", field(i)),
                    &event.event_type,
                ));
            }
        }
    }
    let publish = store::Publish::new(company_id, api_key_id, origin, events);
    let ids = state.publishing.publish(publish).await?;
    Ok(ids
        .into_iter()
        .map(|id| PublishedEvent { id: public_id(id) })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(data: serde_json::Value) -> EventInput {
        EventInput {
            event_type: "message.sent".into(),
            data,
            idempotency_key: None,
        }
    }

    #[test]
    fn payloads_over_256_kb_are_413_naming_data() {
        let big = json!({"blob": "x".repeat(MAX_PAYLOAD_BYTES)});
        let err = NewEvent::validate(input(big), "").err().unwrap();
        assert_eq!(err.status_code().as_u16(), 413);
        assert_eq!(err.field(), Some("data"));
        assert!(NewEvent::validate(input(json!({"a": 1})), "").is_ok());
        let not_object = NewEvent::validate(input(json!([1])), "").err().unwrap();
        assert_eq!(not_object.field(), Some("data"));
    }

    #[test]
    fn the_payload_is_measured_as_written() {
        let data = json!({"text": "héllo \"x\"", "n": [1, 2.5, null]});
        assert_eq!(json_len(&data), data.to_string().len());
    }

    #[test]
    fn batches_name_the_failing_event_and_hold_1_to_1000() {
        let mut events: Vec<EventInput> = (0..3).map(|_| input(json!({}))).collect();
        events[2].data = json!("nope");
        assert_eq!(
            validate_batch(events).err().unwrap().field(),
            Some("events[2].data")
        );
        assert_eq!(
            validate_batch(vec![]).err().unwrap().field(),
            Some("events")
        );
        let too_many = (0..=MAX_BATCH).map(|_| input(json!({}))).collect();
        assert_eq!(
            validate_batch(too_many).err().unwrap().field(),
            Some("events")
        );
    }
}
