//! What the queue hands out: a claimed delivery, with the event it carries and the destination
//! (a kind and an id) it goes to.

use chrono::{DateTime, Utc};
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
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
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
