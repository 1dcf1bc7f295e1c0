//! What the queue hands out: a claimed delivery, with the event it carries and the destination
//! (a kind and an id) it goes to.

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use uuid::Uuid;

/// What a delivery goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DestinationKind {
    /// A webhook endpoint (`deliveries.endpoint_id`).
    Webhook,
    /// A connection to a third-party service (`deliveries.connection_id`).
    Connection,
}

impl DestinationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DestinationKind::Webhook => "webhook",
            DestinationKind::Connection => "connection",
        }
    }

    /// The `deliveries` column holding this kind's destination id.
    pub fn column(self) -> &'static str {
        match self {
            DestinationKind::Webhook => "endpoint_id",
            DestinationKind::Connection => "connection_id",
        }
    }

    pub fn parse(text: &str) -> Option<DestinationKind> {
        match text {
            "webhook" => Some(DestinationKind::Webhook),
            "connection" => Some(DestinationKind::Connection),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Destination {
    pub kind: DestinationKind,
    pub id: Uuid,
}

impl Destination {
    pub fn webhook(endpoint_id: Uuid) -> Self {
        Destination {
            kind: DestinationKind::Webhook,
            id: endpoint_id,
        }
    }

    pub fn connection(connection_id: Uuid) -> Self {
        Destination {
            kind: DestinationKind::Connection,
            id: connection_id,
        }
    }

    /// The id as `deliveries.endpoint_id`, when it is an endpoint.
    pub fn endpoint_id(self) -> Option<Uuid> {
        (self.kind == DestinationKind::Webhook).then_some(self.id)
    }

    /// The id as `deliveries.connection_id`, when it is a connection.
    pub fn connection_id(self) -> Option<Uuid> {
        (self.kind == DestinationKind::Connection).then_some(self.id)
    }
}

/// The event a delivery carries.
#[derive(Debug, Clone)]
pub struct EventPayload {
    pub id: Uuid,
    pub event_type: String,
    /// The event's `data` as the database returned it: a webhook's body carries it as it is,
    /// without reading it into a [`serde_json::Value`] and writing it out again (a few percent
    /// of the server's CPU an event in the benchmark). Adapters that read it use [`Self::data`].
    pub data_json: Box<RawValue>,
    pub created_at: DateTime<Utc>,
}

impl EventPayload {
    pub fn new(
        id: Uuid,
        event_type: String,
        data: &serde_json::Value,
        created_at: DateTime<Utc>,
    ) -> Self {
        EventPayload {
            id,
            event_type,
            // A Value always writes out as JSON.
            data_json: serde_json::value::to_raw_value(data).unwrap_or_default(),
            created_at,
        }
    }

    /// As [`Self::new`], for data as the database returns it (`jsonb`'s text, with a space
    /// after every `:` and `,`): kept as compact JSON, as a body always carried it.
    pub fn from_stored(
        id: Uuid,
        event_type: String,
        data: Box<RawValue>,
        created_at: DateTime<Utc>,
    ) -> Self {
        EventPayload {
            id,
            event_type,
            data_json: compact(data),
            created_at,
        }
    }

    /// The event's `data`, read.
    pub fn data(&self) -> serde_json::Value {
        // It was stored as JSON (the database's jsonb), so it reads back.
        serde_json::from_str(self.data_json.get()).unwrap_or_default()
    }
}

/// `json` without the whitespace between its tokens (what separates them outside strings).
fn compact(json: Box<RawValue>) -> Box<RawValue> {
    let text = json.get();
    let mut kept = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            (in_string, escaped) = match (escaped, c) {
                (true, _) => (true, false),
                (false, '\\') => (true, true),
                (false, '"') => (false, false),
                (false, _) => (true, false),
            };
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, ' ' | '\n' | '\r' | '\t') {
            continue;
        }
        kept.push(c);
    }
    if kept.len() == text.len() {
        return json;
    }
    // Whitespace between tokens is all JSON allows outside strings, so this cannot fail.
    RawValue::from_string(kept).unwrap_or(json)
}

/// A delivery claimed for one attempt.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery_id: Uuid,
    pub claim_id: Uuid,
    pub company_id: Uuid,
    pub destination: Destination,
    pub event: EventPayload,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// The version of the destination's row (its `xmin`) as the claim saw it, so the worker can
    /// reuse the destination it loaded before while the row is unchanged; None when not known.
    pub destination_version: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_data_is_kept_compact_and_reads_back_the_same() {
        // As `jsonb` writes them out: a space after `:` and `,`, text as is but for quotes,
        // backslashes and control characters.
        let cases = [
            r#"{"a": 1, "b": [1, 2.5, null, true], "c": {"d": "x y"}}"#,
            r#"{"text": "a \"quoted\" , : word\\", "e": "é \n\u001f"}"#,
            r#"{"back\\": "slash\\", "t": "tab\there"}"#,
            " [ ] ",
            r#""just a string with : and , ""#,
        ];
        for case in cases {
            let raw = RawValue::from_string(case.to_string()).unwrap();
            let event = EventPayload::from_stored(Uuid::nil(), "x.y".into(), raw, Utc::now());
            let value: serde_json::Value = serde_json::from_str(case).unwrap();
            assert_eq!(event.data_json.get(), value.to_string(), "{case}");
            assert_eq!(event.data(), value);
        }
    }
}
