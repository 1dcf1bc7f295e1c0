//! Storing webhook endpoints. Every query is scoped to the caller's company; switching an
//! endpoint off parks its pending deliveries and switching it on resumes them.

use uuid::Uuid;

use super::endpoint_input::CheckedEndpoint;
use super::signing::{self, seal_headers, seal_secret};
use super::{EndpointWithSecret, WebhookEndpointView};
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::delivery::queue::{self, Destination};
use crate::error::AppError;
use crate::runtime::{db_error, found, AppState};

mod view;
use view::{view, ViewRow, SELECT_VIEW};

pub const NOT_FOUND: &str = "No such webhook endpoint.";

pub fn not_found() -> AppError {
    AppError::NotFound(NOT_FOUND.into())
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
    .await?;
    Ok(rows.into_iter().map(|row| view(state, row)).collect())
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
        .await?
        .map(|row| view(state, row))
        .ok_or_else(not_found)
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
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, company_id, url, description, event_types, header_names, sealed_headers,
                                        timeout_secs, enabled, secret, retry_policy, max_in_flight,
                                        rate_limit_per_second)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
    .bind(new.retry_policy.map(sqlx::types::Json))
    .bind(new.max_in_flight)
    .bind(new.rate_limit_per_second)
    .execute(&mut *tx)
    .await?;
    let change = Change::new(AuditAction::WebhookCreated, id, &new.url).with_details(
        serde_json::json!({ "event_types": new.event_types, "header_names": header_names }),
    );
    audit::record(&mut tx, company_id, actor, change).await?;
    tx.commit().await?;
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
    let mut tx = state.pool.begin().await?;
    found(sqlx::query(
        "UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5, timeout_secs = $6,
                enabled = $7, retry_policy = $11, max_in_flight = $12, rate_limit_per_second = $13,
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
    .bind(new.retry_policy.map(sqlx::types::Json))
    .bind(new.max_in_flight)
    .bind(new.rate_limit_per_second)
    .execute(&mut *tx)
    .await?, NOT_FOUND)?;
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
        switch_deliveries(&mut tx, id, new.enabled).await?;
    }
    if before.retry_policy != new.retry_policy {
        changed.push("retry_policy");
    }
    let limit = |n: Option<u32>| n.and_then(|n| i32::try_from(n).ok());
    if limit(before.max_in_flight) != new.max_in_flight
        || limit(before.rate_limit_per_second) != new.rate_limit_per_second
    {
        changed.push("limits");
    }
    if before.timeout_secs as i32 != new.timeout_secs || before.description != new.description {
        changed.push("settings");
    }
    let change = Change::new(AuditAction::WebhookUpdated, id, &new.url)
        .with_details(serde_json::json!({ "changed": changed, "previous_url": before.url }));
    audit::record(&mut tx, company_id, actor, change).await?;
    tx.commit().await?;
    get(state, company_id, id).await
}

/// Switches an endpoint on or off (without checking its URL again). On, it starts clean: the
/// failure runs and the reason it was switched off are cleared.
pub async fn set_enabled(
    state: &AppState,
    company_id: Uuid,
    actor: &Actor,
    id: Uuid,
    enabled: bool,
) -> Result<WebhookEndpointView, AppError> {
    let mut tx = state.pool.begin().await?;
    #[derive(sqlx::FromRow)]
    struct Switched {
        url: String,
        was_enabled: bool,
    }
    let row: Option<Switched> = sqlx::query_as(
        "WITH old AS (SELECT enabled FROM webhook_endpoints WHERE company_id = $1 AND id = $2)
         UPDATE webhook_endpoints SET enabled = $3,
                disabled_reason = CASE WHEN $3 THEN NULL ELSE disabled_reason END,
                failed_attempts_in_row = CASE WHEN $3 AND NOT enabled THEN 0 ELSE failed_attempts_in_row END,
                failed_deliveries_in_row = CASE WHEN $3 AND NOT enabled THEN 0 ELSE failed_deliveries_in_row END,
                updated_at = now()
          WHERE company_id = $1 AND id = $2
          RETURNING url, (SELECT enabled FROM old) AS was_enabled",
    )
    .bind(company_id)
    .bind(id)
    .bind(enabled)
    .fetch_optional(&mut *tx)
    .await?;
    let Switched { url, was_enabled } = row.ok_or_else(not_found)?;
    if was_enabled != enabled {
        switch_deliveries(&mut tx, id, enabled).await?;
        let change = Change::new(AuditAction::WebhookUpdated, id, &url)
            .with_details(serde_json::json!({ "changed": ["enabled"], "enabled": enabled }));
        audit::record(&mut tx, company_id, actor, change).await?;
    }
    tx.commit().await?;
    get(state, company_id, id).await
}

/// Off parks the endpoint's pending deliveries; on makes its parked ones due now.
async fn switch_deliveries(
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    enabled: bool,
) -> Result<(), AppError> {
    let destination = Destination::webhook(id);
    let moved = match enabled {
        true => queue::resume(tx, destination).await,
        false => queue::park(tx, destination).await,
    };
    moved.map(|_| ()).map_err(db_error)
}

pub async fn delete(
    state: &AppState,
    company_id: Uuid,
    actor: &Actor,
    id: Uuid,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let url: String = sqlx::query_scalar(
        "DELETE FROM webhook_endpoints WHERE company_id = $1 AND id = $2 RETURNING url",
    )
    .bind(company_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
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
