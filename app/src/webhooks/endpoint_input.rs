//! An endpoint's settings as sent, checked: URL (through the guard), description, event types
//! from the registry, custom headers, timeout, retry policy, delivery limits.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::url_guard::{self, UrlPolicy};
use crate::delivery::RetryPolicy;
use crate::error::AppError;
use crate::events::registry;
use crate::runtime::AppState;

const MAX_HEADERS: usize = 20;
/// Headers we set ourselves, or that would break the request.
const RESERVED_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "host",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "transfer-encoding",
    "connection",
];

pub struct EndpointInput {
    pub url: String,
    pub description: Option<String>,
    pub event_types: Vec<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub timeout_secs: Option<u32>,
    pub retry_policy: Option<RetryPolicy>,
    pub max_in_flight: Option<u32>,
    pub rate_limit_per_second: Option<u32>,
    pub enabled: Option<bool>,
}

/// An endpoint's settings, checked. `headers` is None when the caller left them out (an update
/// then keeps the stored ones).
pub struct CheckedEndpoint {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub timeout_secs: i32,
    /// None retries on the installation's schedule.
    pub retry_policy: Option<RetryPolicy>,
    /// None takes the installation's limit.
    pub max_in_flight: Option<i32>,
    /// None is no limit.
    pub rate_limit_per_second: Option<i32>,
    pub enabled: bool,
}

pub async fn validate(
    state: &AppState,
    company_id: Uuid,
    input: EndpointInput,
) -> Result<CheckedEndpoint, AppError> {
    let url = url_guard::check(&input.url, UrlPolicy::of(&state.config.webhooks)).await?;
    let description = input.description.unwrap_or_default();
    let sent = description.chars().count();
    let description = description.trim().to_string();
    if sent > 500 {
        return Err(AppError::bad_request(
            "description",
            "Keep the description under 500 characters.",
        ));
    }
    let mut event_types: Vec<String> = input
        .event_types
        .iter()
        .map(|t| t.trim().to_string())
        .collect();
    event_types.sort();
    event_types.dedup();
    if event_types.is_empty() {
        return Err(AppError::bad_request(
            "event_types",
            "Choose at least one event, or all events (*).",
        ));
    }
    if event_types.iter().any(|t| t == "*") {
        event_types = vec!["*".into()];
    } else {
        let known = registry::list(&state.pool, company_id).await?;
        if let Some(unknown) = event_types
            .iter()
            .find(|t| !known.iter().any(|k| &k.name == *t))
        {
            return Err(AppError::unknown_event_type("event_types", unknown));
        }
    }
    if let Some(headers) = &input.headers {
        check_headers(headers)?;
    }
    let timeout_secs = input.timeout_secs.unwrap_or(15);
    if !(1..=30).contains(&timeout_secs) {
        return Err(AppError::bad_request(
            "timeout_secs",
            "The timeout is 1 to 30 seconds.",
        ));
    }
    if let Some(policy) = &input.retry_policy {
        policy.check()?;
    }
    let max_in_flight = in_range(
        input.max_in_flight,
        "max_in_flight",
        1..=1000,
        "Deliveries in flight at once are 1 to 1,000.",
    )?;
    let rate_limit_per_second = in_range(
        input.rate_limit_per_second,
        "rate_limit_per_second",
        1..=100_000,
        "The rate limit is 1 to 100,000 deliveries a second.",
    )?;
    Ok(CheckedEndpoint {
        url: url.to_string(),
        description,
        event_types,
        headers: input.headers,
        timeout_secs: timeout_secs as i32,
        retry_policy: input.retry_policy,
        max_in_flight,
        rate_limit_per_second,
        enabled: input.enabled.unwrap_or(true),
    })
}

/// An optional limit, checked against `range` and named `field` when outside it.
fn in_range(
    value: Option<u32>,
    field: &str,
    range: std::ops::RangeInclusive<u32>,
    message: &str,
) -> Result<Option<i32>, AppError> {
    match value {
        None => Ok(None),
        Some(n) if range.contains(&n) => Ok(i32::try_from(n).ok()),
        Some(_) => Err(AppError::bad_request(field, message)),
    }
}

fn check_headers(headers: &BTreeMap<String, String>) -> Result<(), AppError> {
    if headers.len() > MAX_HEADERS {
        return Err(AppError::bad_request(
            "headers",
            format!("At most {MAX_HEADERS} custom headers."),
        ));
    }
    for (name, value) in headers {
        let valid_name = http::HeaderName::from_bytes(name.as_bytes()).is_ok();
        if !valid_name
            || name.len() > 256
            || RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str())
        {
            return Err(AppError::bad_request(
                "headers",
                format!("`{name}` cannot be used as a custom header."),
            ));
        }
        if http::HeaderValue::from_str(value).is_err() || value.chars().count() > 4096 {
            return Err(AppError::bad_request(
                "headers",
                format!("The value of `{name}` is not a valid header value."),
            ));
        }
    }
    Ok(())
}
