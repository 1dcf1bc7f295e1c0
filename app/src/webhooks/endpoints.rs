//! Storing webhook endpoints and their sealed signing secrets. Every query is scoped to the
//! caller's company.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::url_guard::{self, UrlPolicy};
use super::{signing, EndpointStatus, EndpointWithSecret, WebhookEndpointView};
use crate::error::AppError;
use crate::events::registry;
use crate::server::{crypto::Cipher, db_error, AppState};

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
    pub enabled: Option<bool>,
}

/// An endpoint's settings, checked.
pub struct CheckedEndpoint {
    url: String,
    description: String,
    event_types: Vec<String>,
    headers: BTreeMap<String, String>,
    timeout_secs: i32,
    enabled: bool,
}

pub fn policy(state: &AppState) -> UrlPolicy {
    UrlPolicy {
        allow_http: state.config.webhooks.allow_http,
        allow_private: state.config.webhooks.allow_private,
    }
}

pub async fn validate(
    state: &AppState,
    company_id: Uuid,
    input: EndpointInput,
) -> Result<CheckedEndpoint, AppError> {
    let url = url_guard::check(&input.url, policy(state)).await?;
    let description = input.description.unwrap_or_default().trim().to_string();
    if description.chars().count() > 500 {
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
            return Err(AppError::bad_request(
                "event_types",
                format!("Unknown event type `{unknown}`."),
            ));
        }
    }
    let headers = input.headers.unwrap_or_default();
    if headers.len() > MAX_HEADERS {
        return Err(AppError::bad_request(
            "headers",
            format!("At most {MAX_HEADERS} custom headers."),
        ));
    }
    for (name, value) in &headers {
        let valid_name = http::HeaderName::from_bytes(name.as_bytes()).is_ok();
        if !valid_name || RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(AppError::bad_request(
                "headers",
                format!("`{name}` cannot be used as a custom header."),
            ));
        }
        if http::HeaderValue::from_str(value).is_err() || value.len() > 4096 {
            return Err(AppError::bad_request(
                "headers",
                format!("The value of `{name}` is not a valid header value."),
            ));
        }
    }
    let timeout_secs = input.timeout_secs.unwrap_or(15);
    if !(1..=30).contains(&timeout_secs) {
        return Err(AppError::bad_request(
            "timeout_secs",
            "The timeout is 1 to 30 seconds.",
        ));
    }
    Ok(CheckedEndpoint {
        url: url.to_string(),
        description,
        event_types,
        headers,
        timeout_secs: timeout_secs as i32,
        enabled: input.enabled.unwrap_or(true),
    })
}

fn not_found() -> AppError {
    AppError::NotFound("No such webhook endpoint.".into())
}

/// The associated data that binds a sealed secret to its endpoint.
pub fn secret_aad(company_id: Uuid, endpoint_id: Uuid) -> Vec<u8> {
    format!("webhook-secret:{company_id}:{endpoint_id}").into_bytes()
}

pub fn seal_secret(
    cipher: &Cipher,
    company_id: Uuid,
    id: Uuid,
    secret: &str,
) -> Result<Vec<u8>, AppError> {
    cipher.encrypt(secret.as_bytes(), &secret_aad(company_id, id))
}

pub fn open_secret(
    cipher: &Cipher,
    company_id: Uuid,
    id: Uuid,
    sealed: &[u8],
) -> Result<String, AppError> {
    let bytes = cipher.decrypt(sealed, &secret_aad(company_id, id))?;
    String::from_utf8(bytes).map_err(|_| AppError::Internal)
}

const SELECT_VIEW: &str =
    "SELECT id, url, description, event_types, headers, timeout_secs, enabled, disabled_reason,
        failed_attempts_in_row, last_attempt_at, last_status_code,
        CASE WHEN previous_secret_until > now() THEN previous_secret_until END, created_at
   FROM webhook_endpoints";

type ViewRow = (
    Uuid,
    String,
    String,
    Vec<String>,
    sqlx::types::Json<BTreeMap<String, String>>,
    i32,
    bool,
    Option<String>,
    i32,
    Option<DateTime<Utc>>,
    Option<i32>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

fn view(row: ViewRow) -> WebhookEndpointView {
    let (
        id,
        url,
        description,
        event_types,
        headers,
        timeout,
        enabled,
        disabled_reason,
        failures,
        last_attempt_at,
        last_status,
        previous_until,
        created_at,
    ) = row;
    let status = match (enabled, failures) {
        (false, _) => EndpointStatus::Disabled,
        (true, 0) => EndpointStatus::Active,
        (true, _) => EndpointStatus::Failing,
    };
    WebhookEndpointView {
        id,
        url,
        description,
        event_types,
        headers: headers.0,
        timeout_secs: timeout.max(0) as u32,
        enabled,
        status,
        disabled_reason,
        failure_count: failures.max(0) as u32,
        last_attempt_at,
        last_status_code: last_status.and_then(|s| u16::try_from(s).ok()),
        previous_secret_until: previous_until,
        created_at,
    }
}

pub async fn list(
    state: &AppState,
    company_id: Uuid,
) -> Result<Vec<WebhookEndpointView>, AppError> {
    let rows: Vec<ViewRow> = sqlx::query_as(&format!(
        "{SELECT_VIEW} WHERE company_id = $1 ORDER BY created_at"
    ))
    .bind(company_id)
    .fetch_all(&state.pool)
    .await
    .map_err(db_error)?;
    Ok(rows.into_iter().map(view).collect())
}

pub async fn get(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
) -> Result<WebhookEndpointView, AppError> {
    sqlx::query_as(&format!("{SELECT_VIEW} WHERE company_id = $1 AND id = $2"))
        .bind(company_id)
        .bind(id)
        .fetch_optional(&state.pool)
        .await
        .map_err(db_error)?
        .map(view)
        .ok_or_else(not_found)
}

pub async fn get_with_secret(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
) -> Result<EndpointWithSecret, AppError> {
    let endpoint = get(state, company_id, id).await?;
    let sealed: Vec<u8> = sqlx::query_scalar(
        "SELECT secret FROM webhook_endpoints WHERE company_id = $1 AND id = $2",
    )
    .bind(company_id)
    .bind(id)
    .fetch_optional(&state.pool)
    .await
    .map_err(db_error)?
    .ok_or_else(not_found)?;
    let secret = open_secret(&state.cipher, company_id, id, &sealed)?;
    Ok(EndpointWithSecret { endpoint, secret })
}

pub async fn create(
    state: &AppState,
    company_id: Uuid,
    new: CheckedEndpoint,
) -> Result<EndpointWithSecret, AppError> {
    let id = Uuid::new_v4();
    let secret = signing::generate_secret();
    let sealed = seal_secret(&state.cipher, company_id, id, &secret)?;
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, company_id, url, description, event_types, headers, timeout_secs, enabled, secret)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(company_id)
    .bind(&new.url)
    .bind(&new.description)
    .bind(&new.event_types)
    .bind(sqlx::types::Json(&new.headers))
    .bind(new.timeout_secs)
    .bind(new.enabled)
    .bind(sealed)
    .execute(&state.pool)
    .await
    .map_err(db_error)?;
    tracing::info!(%company_id, endpoint = %id, "webhook endpoint created");
    Ok(EndpointWithSecret {
        endpoint: get(state, company_id, id).await?,
        secret,
    })
}

pub async fn update(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
    new: CheckedEndpoint,
) -> Result<WebhookEndpointView, AppError> {
    let updated = sqlx::query(
        "UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5, headers = $6, timeout_secs = $7,
                enabled = $8,
                disabled_reason = CASE WHEN $8 THEN NULL ELSE disabled_reason END,
                failed_attempts_in_row = CASE WHEN $8 AND NOT enabled THEN 0 ELSE failed_attempts_in_row END,
                failed_deliveries_in_row = CASE WHEN $8 AND NOT enabled THEN 0 ELSE failed_deliveries_in_row END,
                updated_at = now()
          WHERE company_id = $1 AND id = $2",
    )
    .bind(company_id)
    .bind(id)
    .bind(&new.url)
    .bind(&new.description)
    .bind(&new.event_types)
    .bind(sqlx::types::Json(&new.headers))
    .bind(new.timeout_secs)
    .bind(new.enabled)
    .execute(&state.pool)
    .await
    .map_err(db_error)?;
    if updated.rows_affected() == 0 {
        return Err(not_found());
    }
    get(state, company_id, id).await
}

pub async fn delete(state: &AppState, company_id: Uuid, id: Uuid) -> Result<(), AppError> {
    let deleted = sqlx::query("DELETE FROM webhook_endpoints WHERE company_id = $1 AND id = $2")
        .bind(company_id)
        .bind(id)
        .execute(&state.pool)
        .await
        .map_err(db_error)?;
    if deleted.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// A new secret; the current one becomes the previous one and keeps signing for 24 hours.
pub async fn rotate_secret(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
) -> Result<EndpointWithSecret, AppError> {
    let secret = signing::generate_secret();
    let sealed = seal_secret(&state.cipher, company_id, id, &secret)?;
    let updated = sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = now() + interval '24 hours',
                secret = $3, updated_at = now()
          WHERE company_id = $1 AND id = $2",
    )
    .bind(company_id)
    .bind(id)
    .bind(sealed)
    .execute(&state.pool)
    .await
    .map_err(db_error)?;
    if updated.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(EndpointWithSecret {
        endpoint: get(state, company_id, id).await?,
        secret,
    })
}
