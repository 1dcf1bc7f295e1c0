//! The delivery pipeline: one queue for every destination kind. Publishing an event queues one
//! delivery per subscribed destination in the statement that stores it
//! ([`queue::enqueue_published_sql`]); the worker
//! claims due deliveries ([`queue::claim`]), hands each to its kind's adapter
//! ([`dispatch::deliver`]: a request built from the event, sent, its answer classified), decides
//! the outcome on the retry schedule ([`outcome`]) and records it ([`record`]). The delivery
//! log reads the same tables ([`log`]).
//!
//! The types here are what the API shows of a delivery; they are the same for every kind.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[cfg(feature = "ssr")]
pub mod attempt;
#[cfg(feature = "ssr")]
pub mod claim;
#[cfg(feature = "ssr")]
pub mod claimed;
#[cfg(feature = "ssr")]
pub mod dispatch;
#[cfg(feature = "ssr")]
pub mod filing;
#[cfg(feature = "ssr")]
pub mod log;
#[cfg(feature = "ssr")]
pub mod outcome;
#[cfg(feature = "ssr")]
pub mod partitions;
#[cfg(feature = "ssr")]
pub mod peers;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod record;
pub mod retry_policy;
#[cfg(feature = "ssr")]
pub mod sample;
#[cfg(feature = "ssr")]
pub mod statistics;
#[cfg(feature = "ssr")]
pub mod targets;
#[cfg(feature = "ssr")]
pub mod vacuum;

pub use retry_policy::{BackoffStrategy, RetryPolicy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Due, waiting for a retry, or being sent.
    Pending,
    /// Kept while its destination is switched off; due again when it is switched on.
    Parked,
    Succeeded,
    Failed,
}

impl DeliveryStatus {
    pub const EVERY: [DeliveryStatus; 4] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Parked,
        DeliveryStatus::Succeeded,
        DeliveryStatus::Failed,
    ];

    /// As stored in `deliveries.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Parked => "parked",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::EVERY
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One attempt as sent and as answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    pub attempt: u32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u32,
    /// As sent, with custom header values redacted.
    pub request_headers: BTreeMap<String, String>,
    pub request_body: String,
    pub response_status: Option<u16>,
    pub response_headers: Option<BTreeMap<String, String>>,
    /// Truncated at 64 KB.
    pub response_body: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    /// The webhook endpoint it goes to, for an endpoint's delivery.
    pub endpoint_id: Option<Uuid>,
    /// The connection it goes to, for a connection's action.
    pub connection_id: Option<Uuid>,
    pub event_id: String,
    pub event_type: String,
    /// Sent by "Send test" (the event type's example), not published.
    pub test: bool,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Newest first.
    pub attempt_log: Vec<AttemptView>,
}

/// A page of deliveries, newest first; pass `next_before` as `before` for the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    pub deliveries: Vec<DeliveryView>,
    pub next_before: Option<DateTime<Utc>>,
}

/// The installation's retry schedule, which destinations without a policy of their own follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetrySchedule {
    /// The waits before each retry, in seconds (the first attempt goes at once).
    pub default_waits_secs: Vec<u64>,
}

/// How many failed deliveries were queued again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetriedCount {
    pub retried: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_print_and_parse_as_stored_and_as_serialised() {
        for status in DeliveryStatus::EVERY {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert_eq!(DeliveryStatus::parse("lost"), None);
    }
}
