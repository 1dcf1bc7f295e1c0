//! Storing webhook endpoints and their sealed signing secrets. Every query is scoped to the
//! caller's company.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::url_guard::{self, UrlPolicy};
use super::{signing, EndpointSecrets, EndpointStatus, EndpointWithSecret, WebhookEndpointView};
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
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

/// An endpoint's settings, checked. `headers` is None when the caller left them out (an update
/// then keeps the stored ones).
pub struct CheckedEndpoint {
    url: String,
    description: String,
    event_types: Vec<String>,
    headers: Option<BTreeMap<String, String>>,
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
            return Err(AppError::bad_request(
                "event_types",
                format!("Unknown event type `{unknown}`."),
            ));
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
    Ok(CheckedEndpoint {
        url: url.to_string(),
        description,
        event_types,
        headers: input.headers,
        timeout_secs: timeout_secs as i32,
        enabled: input.enabled.unwrap_or(true),
    })
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

/// The associated data that binds an endpoint's sealed custom headers to it.
fn headers_aad(company_id: Uuid, endpoint_id: Uuid) -> Vec<u8> {
    format!("webhook-headers:{company_id}:{endpoint_id}").into_bytes()
}

/// Custom headers as one sealed blob (None when there are none).
pub fn seal_headers(
    cipher: &Cipher,
    company_id: Uuid,
    id: Uuid,
    headers: &BTreeMap<String, String>,
) -> Result<Option<Vec<u8>>, AppError> {
    if headers.is_empty() {
        return Ok(None);
    }
    let json = serde_json::to_vec(headers).map_err(|_| AppError::Internal)?;
    cipher
        .encrypt(&json, &headers_aad(company_id, id))
        .map(Some)
}

pub fn open_headers(
    cipher: &Cipher,
    company_id: Uuid,
    id: Uuid,
    sealed: Option<&[u8]>,
) -> Result<BTreeMap<String, String>, AppError> {
    let Some(sealed) = sealed else {
        return Ok(BTreeMap::new());
    };
    let json = cipher.decrypt(sealed, &headers_aad(company_id, id))?;
    serde_json::from_slice(&json).map_err(|_| AppError::Internal)
}

const SELECT_VIEW: &str =
    "SELECT id, url, description, event_types, header_names, timeout_secs, enabled, disabled_reason,
        failed_attempts_in_row, last_attempt_at, last_status_code,
        CASE WHEN previous_secret_until > now() THEN previous_secret_until END AS previous_secret_until,
        created_at
   FROM webhook_endpoints";

#[derive(sqlx::FromRow)]
struct ViewRow {
    id: Uuid,
    url: String,
    description: String,
    event_types: Vec<String>,
    header_names: Vec<String>,
    timeout_secs: i32,
    enabled: bool,
    disabled_reason: Option<String>,
    failed_attempts_in_row: i32,
    last_attempt_at: Option<DateTime<Utc>>,
    last_status_code: Option<i32>,
    previous_secret_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

fn view(row: ViewRow) -> WebhookEndpointView {
    let failures = row.failed_attempts_in_row;
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

#[derive(sqlx::FromRow)]
struct SealedRow {
    secret: Vec<u8>,
    sealed_headers: Option<Vec<u8>>,
}

/// The signing secret and custom header values, opened.
pub async fn secrets(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
) -> Result<EndpointSecrets, AppError> {
    let row: SealedRow = sqlx::query_as(
        "SELECT secret, sealed_headers FROM webhook_endpoints WHERE company_id = $1 AND id = $2",
    )
    .bind(company_id)
    .bind(id)
    .fetch_optional(&state.pool)
    .await
    .map_err(db_error)?
    .ok_or_else(not_found)?;
    Ok(EndpointSecrets {
        secret: open_secret(&state.cipher, company_id, id, &row.secret)?,
        headers: open_headers(&state.cipher, company_id, id, row.sealed_headers.as_deref())?,
    })
}

/// Seals the plain header values that endpoints saved before values were sealed (the
/// migration cannot: only the server holds the key). Runs at start-up; a no-op afterwards.
pub async fn seal_legacy_headers(pool: &sqlx::PgPool, cipher: &Cipher) -> Result<u64, AppError> {
    #[derive(sqlx::FromRow)]
    struct Legacy {
        id: Uuid,
        company_id: Uuid,
        legacy_plain_headers: sqlx::types::Json<BTreeMap<String, String>>,
    }
    let rows: Vec<Legacy> = sqlx::query_as(
        "SELECT id, company_id, legacy_plain_headers FROM webhook_endpoints
          WHERE legacy_plain_headers IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .map_err(db_error)?;
    let mut sealed_count = 0;
    for row in rows {
        let headers = row.legacy_plain_headers.0;
        let sealed = seal_headers(cipher, row.company_id, row.id, &headers)?;
        let names: Vec<&str> = headers.keys().map(String::as_str).collect();
        sealed_count += sqlx::query(
            "UPDATE webhook_endpoints SET sealed_headers = $2, header_names = $3, legacy_plain_headers = NULL
              WHERE id = $1 AND legacy_plain_headers IS NOT NULL",
        )
        .bind(row.id)
        .bind(sealed)
        .bind(names)
        .execute(pool)
        .await
        .map_err(db_error)?
        .rows_affected();
    }
    Ok(sealed_count)
}

pub async fn create(
    state: &AppState,
    company_id: Uuid,
    actor: &Actor,
    new: CheckedEndpoint,
) -> Result<EndpointWithSecret, AppError> {
    let id = Uuid::new_v4();
    let secret = signing::generate_secret();
    let sealed = seal_secret(&state.cipher, company_id, id, &secret)?;
    let headers = new.headers.unwrap_or_default();
    let sealed_headers = seal_headers(&state.cipher, company_id, id, &headers)?;
    let header_names: Vec<&str> = headers.keys().map(String::as_str).collect();
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, company_id, url, description, event_types, header_names, sealed_headers,
                                        timeout_secs, enabled, secret)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(company_id)
    .bind(&new.url)
    .bind(&new.description)
    .bind(&new.event_types)
    .bind(&header_names)
    .bind(sealed_headers)
    .bind(new.timeout_secs)
    .bind(new.enabled)
    .bind(sealed)
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    let change = Change::new(AuditAction::WebhookCreated, id, &new.url).with_details(
        serde_json::json!({ "event_types": new.event_types, "header_names": header_names }),
    );
    audit::record(&mut tx, company_id, actor, change).await?;
    tx.commit().await.map_err(db_error)?;
    tracing::info!(%company_id, endpoint = %id, "webhook endpoint created");
    Ok(EndpointWithSecret {
        endpoint: get(state, company_id, id).await?,
        secret,
    })
}

pub async fn update(
    state: &AppState,
    company_id: Uuid,
    actor: &Actor,
    id: Uuid,
    new: CheckedEndpoint,
) -> Result<WebhookEndpointView, AppError> {
    let before = get(state, company_id, id).await?;
    let replace_headers = new.headers.is_some();
    let headers = new.headers.unwrap_or_default();
    let sealed_headers = seal_headers(&state.cipher, company_id, id, &headers)?;
    let header_names: Vec<&str> = headers.keys().map(String::as_str).collect();
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let updated = sqlx::query(
        "UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5, timeout_secs = $6,
                enabled = $7,
                header_names = CASE WHEN $8 THEN $9 ELSE header_names END,
                sealed_headers = CASE WHEN $8 THEN $10 ELSE sealed_headers END,
                disabled_reason = CASE WHEN $7 THEN NULL ELSE disabled_reason END,
                failed_attempts_in_row = CASE WHEN $7 AND NOT enabled THEN 0 ELSE failed_attempts_in_row END,
                failed_deliveries_in_row = CASE WHEN $7 AND NOT enabled THEN 0 ELSE failed_deliveries_in_row END,
                updated_at = now()
          WHERE company_id = $1 AND id = $2",
    )
    .bind(company_id)
    .bind(id)
    .bind(&new.url)
    .bind(&new.description)
    .bind(&new.event_types)
    .bind(new.timeout_secs)
    .bind(new.enabled)
    .bind(replace_headers)
    .bind(&header_names)
    .bind(sealed_headers)
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    if updated.rows_affected() == 0 {
        return Err(not_found());
    }
    // Which settings changed, never the header values themselves.
    let mut changed = Vec::new();
    if before.url != new.url {
        changed.push("url");
    }
    if before.event_types != new.event_types {
        changed.push("event_types");
    }
    if replace_headers {
        changed.push("headers");
    }
    if before.enabled != new.enabled {
        changed.push("enabled");
    }
    if before.timeout_secs as i32 != new.timeout_secs || before.description != new.description {
        changed.push("settings");
    }
    let change = Change::new(AuditAction::WebhookUpdated, id, &new.url)
        .with_details(serde_json::json!({ "changed": changed, "previous_url": before.url }));
    audit::record(&mut tx, company_id, actor, change).await?;
    tx.commit().await.map_err(db_error)?;
    get(state, company_id, id).await
}

pub async fn delete(
    state: &AppState,
    company_id: Uuid,
    actor: &Actor,
    id: Uuid,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let url: String = sqlx::query_scalar(
        "DELETE FROM webhook_endpoints WHERE company_id = $1 AND id = $2 RETURNING url",
    )
    .bind(company_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_error)?
    .ok_or_else(not_found)?;
    audit::record(
        &mut tx,
        company_id,
        actor,
        Change::new(AuditAction::WebhookDeleted, id, &url),
    )
    .await?;
    tx.commit().await.map_err(db_error)
}

/// A new secret; the current one becomes the previous one and keeps signing for 24 hours.
pub async fn rotate_secret(
    state: &AppState,
    company_id: Uuid,
    actor: &Actor,
    id: Uuid,
) -> Result<EndpointWithSecret, AppError> {
    let secret = signing::generate_secret();
    let sealed = seal_secret(&state.cipher, company_id, id, &secret)?;
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let url: String = sqlx::query_scalar(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = now() + interval '24 hours',
                secret = $3, updated_at = now()
          WHERE company_id = $1 AND id = $2 RETURNING url",
    )
    .bind(company_id)
    .bind(id)
    .bind(sealed)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_error)?
    .ok_or_else(not_found)?;
    let change = Change::new(AuditAction::WebhookSecretRotated, id, &url);
    audit::record(&mut tx, company_id, actor, change).await?;
    tx.commit().await.map_err(db_error)?;
    Ok(EndpointWithSecret {
        endpoint: get(state, company_id, id).await?,
        secret,
    })
}
