//! An endpoint as its row is read and as the API shows it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::super::{EndpointStatus, WebhookEndpointView};
use crate::delivery::retry_policy::{effective_waits, RetryPolicy};
use crate::runtime::AppState;

pub(super) const SELECT_VIEW: &str =
    "SELECT id, url, description, event_types, header_names, timeout_secs, retry_policy, max_in_flight,
        rate_limit_per_second, enabled, disabled_reason,
        failed_attempts_in_row, last_attempt_at, last_status_code,
        CASE WHEN previous_secret_until > now() THEN previous_secret_until END AS previous_secret_until,
        created_at
   FROM webhook_endpoints";

#[derive(sqlx::FromRow)]
pub(super) struct ViewRow {
    id: Uuid,
    url: String,
    description: String,
    event_types: Vec<String>,
    header_names: Vec<String>,
    timeout_secs: i32,
    retry_policy: Option<sqlx::types::Json<RetryPolicy>>,
    max_in_flight: Option<i32>,
    rate_limit_per_second: Option<i32>,
    enabled: bool,
    disabled_reason: Option<String>,
    failed_attempts_in_row: i32,
    last_attempt_at: Option<DateTime<Utc>>,
    last_status_code: Option<i32>,
    previous_secret_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

pub(super) fn view(state: &AppState, row: ViewRow) -> WebhookEndpointView {
    let failures = row.failed_attempts_in_row;
    let retry_policy = row.retry_policy.map(|p| p.0);
    let status = match (row.enabled, failures) {
        (false, _) => EndpointStatus::Disabled,
        (true, 0) => EndpointStatus::Active,
        (true, _) => EndpointStatus::Failing,
    };
    WebhookEndpointView {
        id: row.id,
        url: row.url,
        description: row.description,
        event_types: row.event_types,
        header_names: row.header_names,
        timeout_secs: row.timeout_secs.max(0) as u32,
        retry_policy,
        retry_waits_secs: effective_waits(
            retry_policy.as_ref(),
            &state.config.webhooks.retry_schedule,
        ),
        max_in_flight: row.max_in_flight.and_then(|n| u32::try_from(n).ok()),
        max_in_flight_in_force: row
            .max_in_flight
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(state.config.webhooks.max_in_flight as u32),
        rate_limit_per_second: row
            .rate_limit_per_second
            .and_then(|n| u32::try_from(n).ok()),
        enabled: row.enabled,
        status,
        disabled_reason: row.disabled_reason,
        failure_count: failures.max(0) as u32,
        last_attempt_at: row.last_attempt_at,
        last_status_code: row.last_status_code.and_then(|s| u16::try_from(s).ok()),
        previous_secret_until: row.previous_secret_until,
        created_at: row.created_at,
    }
}
