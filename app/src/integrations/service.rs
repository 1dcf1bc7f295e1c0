//! Connections: the catalogue as a company sees it, its connections as views, disconnecting
//! (storing one is `new_connection`, configuring one `configure`). Every query is scoped to the
//! caller's company.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::catalogue::Provider;
use super::credentials::Credentials;
use super::oauth;
use super::types::{AuthType, ConnectionStatus, ConnectionView, LastAction, ProviderView};
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::auth::access::Caller;
use crate::delivery::retry_policy::{effective_waits, RetryPolicy};
use crate::error::AppError;
use crate::runtime::AppState;

pub async fn catalogue(state: &AppState, company_id: Uuid) -> Result<Vec<ProviderView>, AppError> {
    let counts = connection_counts(&state.pool, company_id).await?;
    let registered = super::apps::store::registered(&state.pool).await?;
    Ok(state
        .catalogue
        .providers()
        .iter()
        .map(|p| {
            let connections = counts.get(&p.def.slug).copied().unwrap_or(0);
            state
                .catalogue
                .view(p, connections, registered.contains(&p.def.slug))
        })
        .collect())
}

pub async fn provider(
    state: &AppState,
    company_id: Uuid,
    slug: &str,
) -> Result<ProviderView, AppError> {
    let provider = find_provider(state, slug)?;
    let counts = connection_counts(&state.pool, company_id).await?;
    let registered = super::apps::store::registered(&state.pool).await?;
    Ok(state.catalogue.view(
        provider,
        counts.get(slug).copied().unwrap_or(0),
        registered.contains(slug),
    ))
}

pub fn find_provider<'a>(state: &'a AppState, slug: &str) -> Result<&'a Provider, AppError> {
    state
        .catalogue
        .get(slug)
        .ok_or_else(|| AppError::NotFound(format!("No integration called {slug:?}.")))
}

async fn connection_counts(
    pool: &PgPool,
    company_id: Uuid,
) -> Result<HashMap<String, u32>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Count {
        provider: String,
        connections: i64,
    }
    let rows: Vec<Count> = sqlx::query_as(
        "SELECT provider, count(*) AS connections FROM connections WHERE company_id = $1 GROUP BY provider",
    )
    .bind(company_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|c| (c.provider, u32::try_from(c.connections).unwrap_or(u32::MAX)))
        .collect())
}

#[derive(sqlx::FromRow)]
struct ConnectionRow {
    id: Uuid,
    provider: String,
    label: String,
    status: String,
    account_label: String,
    connection_info: String,
    error_message: Option<String>,
    connected_by_email: String,
    connected_at: DateTime<Utc>,
    config: serde_json::Value,
    event_types: Vec<String>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_attempt_ok: Option<bool>,
    failures_24h: i64,
    rest_hook_event: Option<String>,
    retry_policy: Option<sqlx::types::Json<RetryPolicy>>,
    inbound_email_slug: Option<String>,
}

/// A connection's columns as `c`, with its failed deliveries of the last 24 hours.
const CONNECTION_COLUMNS: &str = "c.id, c.provider, c.label, c.status, c.account_label, c.connection_info, \
     c.error_message, c.connected_by_email, c.connected_at, c.config, c.event_types, \
     c.last_attempt_at, c.last_attempt_ok, c.rest_hook_event, c.retry_policy, \
     (SELECT co.inbound_email_slug FROM companies co WHERE co.id = c.company_id) AS inbound_email_slug, \
     (SELECT count(*) FROM deliveries d WHERE d.connection_id = c.id AND d.status = 'failed' \
         AND d.created_at > now() - interval '24 hours') AS failures_24h";

pub async fn list(state: &AppState, company_id: Uuid) -> Result<Vec<ConnectionView>, AppError> {
    let rows: Vec<ConnectionRow> = sqlx::query_as(&format!(
        "SELECT {CONNECTION_COLUMNS} FROM connections c WHERE c.company_id = $1 ORDER BY c.connected_at, c.id"
    ))
    .bind(company_id)
    .fetch_all(&state.pool)
    .await?;
    let rows = with_inbound_address(state, company_id, rows).await?;
    Ok(rows.into_iter().map(|row| view(state, row)).collect())
}

/// An Email forwarding connection shows the company's inbound address: given here on first
/// use when the installation receives mail.
async fn with_inbound_address(
    state: &AppState,
    company_id: Uuid,
    mut rows: Vec<ConnectionRow>,
) -> Result<Vec<ConnectionRow>, AppError> {
    let Some(domain) = state.config.email.inbound_domain.as_deref() else {
        return Ok(rows);
    };
    for row in &mut rows {
        if row.provider == "email-forwarding" && row.inbound_email_slug.is_none() {
            let address =
                crate::inbound_email::address::address(&state.pool, company_id, domain).await?;
            row.inbound_email_slug = address.split('@').next().map(str::to_string);
        }
    }
    Ok(rows)
}

pub async fn get(state: &AppState, company_id: Uuid, id: Uuid) -> Result<ConnectionView, AppError> {
    let row: Option<ConnectionRow> = sqlx::query_as(&format!(
        "SELECT {CONNECTION_COLUMNS} FROM connections c WHERE c.company_id = $1 AND c.id = $2"
    ))
    .bind(company_id)
    .bind(id)
    .fetch_optional(&state.pool)
    .await?;
    let row = row.ok_or_else(not_found)?;
    let mut rows = with_inbound_address(state, company_id, vec![row]).await?;
    rows.pop().map(|row| view(state, row)).ok_or_else(not_found)
}

pub fn not_found() -> AppError {
    AppError::NotFound("No such connection in your company.".into())
}

fn view(state: &AppState, row: ConnectionRow) -> ConnectionView {
    let def = state.catalogue.get(&row.provider).map(|p| &p.def);
    let retry_policy = row.retry_policy.map(|p| p.0);
    let inbound_address = match (&row.inbound_email_slug, &state.config.email.inbound_domain) {
        (Some(slug), Some(domain)) if row.provider == "email-forwarding" => {
            Some(format!("{slug}@{domain}"))
        }
        _ => None,
    };
    ConnectionView {
        id: row.id,
        provider_name: def
            .map(|d| d.name.clone())
            .unwrap_or_else(|| row.provider.clone()),
        logo: def.map(|d| d.logo.clone()).unwrap_or_default(),
        short_description: def.map(|d| d.short_description.clone()).unwrap_or_default(),
        disconnect_effects: def
            .map(|d| d.disconnect_effects.clone())
            .unwrap_or_default(),
        status: match row.status.as_str() {
            "active" => ConnectionStatus::Active,
            "error" => ConnectionStatus::Error,
            _ => ConnectionStatus::Pending,
        },
        provider: row.provider,
        label: row.label,
        account_label: row.account_label,
        connection_info: row.connection_info,
        error_message: row.error_message,
        connected_by: row.connected_by_email,
        connected_at: row.connected_at,
        config: row.config,
        auth_type: def.map(|d| d.auth_type).unwrap_or(AuthType::ApiKey),
        event_types: row.event_types,
        last_action: row.last_attempt_at.map(|at| LastAction {
            at,
            ok: row.last_attempt_ok.unwrap_or(false),
        }),
        failures_24h: u32::try_from(row.failures_24h).unwrap_or(u32::MAX),
        rest_hook_event: row.rest_hook_event,
        retry_policy,
        inbound_address,
        retry_waits_secs: effective_waits(
            retry_policy.as_ref(),
            &state.config.webhooks.retry_schedule,
        ),
    }
}

/// Revokes the token at the provider where it can, and deletes what the grant made there (a
/// Discord webhook); failures are logged, never blocking. Then deletes the credentials and
/// settings.
pub async fn disconnect(state: &AppState, caller: &Caller, id: Uuid) -> Result<(), AppError> {
    #[derive(sqlx::FromRow)]
    struct Sealed {
        provider: String,
        credentials: Vec<u8>,
    }
    let row: Option<Sealed> = sqlx::query_as(
        "SELECT provider, credentials FROM connections WHERE company_id = $1 AND id = $2",
    )
    .bind(caller.company_id)
    .bind(id)
    .fetch_optional(&state.pool)
    .await?;
    let Sealed {
        provider: slug,
        credentials: blob,
    } = row.ok_or_else(not_found)?;
    if let Some(provider) = state.catalogue.get(&slug) {
        match Credentials::open(&blob, &state.cipher, caller.company_id, id) {
            Ok(credentials) => {
                oauth::revoke(state, provider, &credentials).await;
                if provider.def.slug == "discord" {
                    crate::actions::discord::delete_webhook(state, provider, &credentials).await;
                }
            }
            Err(_) => {
                tracing::warn!(connection = %id, "credentials unreadable; deleting without revoking")
            }
        }
    }
    let mut tx = state.pool.begin().await?;
    let deleted = sqlx::query("DELETE FROM connections WHERE company_id = $1 AND id = $2")
        .bind(caller.company_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() > 0 {
        let name = state
            .catalogue
            .get(&slug)
            .map(|p| p.def.name.clone())
            .unwrap_or_else(|| slug.clone());
        let change = Change::new(AuditAction::IntegrationDisconnected, id, &name)
            .with_details(serde_json::json!({ "provider": slug }));
        audit::record(&mut tx, caller.company_id, &Actor::of(caller), change).await?;
    }
    tx.commit().await?;
    tracing::info!(company_id = %caller.company_id, provider = %slug, connection = %id, "disconnected");
    Ok(())
}
