//! Connections: list, connect with an API key or a catch-hook URL, configure, disconnect.
//! Every query is scoped to the caller's company.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::catalogue::Provider;
use super::credentials::Credentials;
use super::types::{AuthType, ConnectionStatus, ConnectionView, LastAction, ProviderView};
use super::{oauth, settings};
use crate::actions::subscriptions;
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::auth::access::Caller;
use crate::delivery::queue::{self, Destination};
use crate::delivery::retry_policy::{effective_waits, RetryPolicy};
use crate::error::AppError;
use crate::runtime::{unique_as_conflict, AppState};

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
                crate::inbound_email::mailbox::address(&state.pool, company_id, domain).await?;
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

/// The fields a new connection row starts with.
pub struct NewConnection<'a> {
    pub provider: &'a Provider,
    pub credentials: Credentials,
    pub account_label: String,
    pub connection_info: String,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub provider_data: serde_json::Value,
    /// Set for a Zap subscribed through REST Hooks: it receives this one event type, whatever
    /// its settings say.
    pub rest_hook: Option<RestHook>,
}

/// A REST Hooks subscription's routing, and its target URL's SHA-256 (to unsubscribe by URL).
pub struct RestHook {
    pub event_type: String,
    pub target_sha256: Vec<u8>,
}

/// Stores a connection, encrypted, with the provider's default settings. A provider that allows
/// one account per company refuses a second connection (409).
pub async fn insert(
    state: &AppState,
    caller: &Caller,
    new: NewConnection<'_>,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let sealed = new.credentials.seal(&state.cipher, caller.company_id, id)?;
    let config = settings::defaults(&new.provider.def.config_schema);
    let event_types = match &new.rest_hook {
        Some(hook) => vec![hook.event_type.clone()],
        None => subscriptions::event_types(&new.provider.def.slug, &config),
    };
    let mut tx = state.pool.begin().await?;
    // Who connected it is copied as text, so the card still says so after the admin is removed.
    sqlx::query(
        "INSERT INTO connections (id, company_id, provider, allow_multiple, status, account_label, connection_info,
                                  config, credentials, token_expires_at, provider_data, connected_by, connected_by_email,
                                  event_types, rest_hook_event, rest_hook_target_sha256, conversation_channel, label)
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 -- A second Zapier connection is named \"Zapier 2\", so the cards tell apart
                 -- (Zaps subscribed through REST Hooks share one card and need no name).
                 (SELECT CASE WHEN count(*) = 0 OR $14::text IS NOT NULL THEN ''
                              ELSE $17 || ' ' || (count(*) + 1) END
                    FROM connections
                   WHERE company_id = $2 AND provider = $3 AND rest_hook_event IS NULL))",
    )
    .bind(id)
    .bind(caller.company_id)
    .bind(&new.provider.def.slug)
    .bind(new.provider.def.allow_multiple)
    .bind(&new.account_label)
    .bind(&new.connection_info)
    .bind(config)
    .bind(sealed)
    .bind(new.token_expires_at)
    .bind(new.provider_data)
    .bind(caller.user_id())
    .bind(caller.label())
    .bind(&event_types)
    .bind(new.rest_hook.as_ref().map(|h| &h.event_type))
    .bind(new.rest_hook.as_ref().map(|h| &h.target_sha256))
    .bind(subscriptions::conversation_channel(&new.provider.def.slug))
    .bind(&new.provider.def.name)
    .execute(&mut *tx)
    .await
    .map_err(unique_as_conflict(
        "provider",
        format!("{} is already connected. Disconnect it first to connect another account.", new.provider.def.name),
    ))?;
    let target = match new.account_label.is_empty() {
        true => new.provider.def.name.clone(),
        false => format!("{} ({})", new.provider.def.name, new.account_label),
    };
    let change = Change::new(AuditAction::IntegrationConnected, id, &target)
        .with_details(serde_json::json!({ "provider": new.provider.def.slug }));
    audit::record(&mut tx, caller.company_id, &Actor::of(caller), change).await?;
    tx.commit().await?;
    tracing::info!(company_id = %caller.company_id, provider = %new.provider.def.slug, connection = %id, "connected");
    Ok(id)
}

/// Renews a connection's credentials (an OAuth reconnect, a new API key or hook URL from the
/// form): it is active again, keeps its settings, and the deliveries parked while it was in
/// Error are due now.
pub async fn reconnect(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    new: NewConnection<'_>,
) -> Result<Uuid, AppError> {
    let sealed = new.credentials.seal(&state.cipher, caller.company_id, id)?;
    let mut tx = state.pool.begin().await?;
    let renewed = sqlx::query(
        "UPDATE connections SET credentials = $4, token_expires_at = $5, provider_data = $6,
                account_label = CASE WHEN $7 = '' THEN account_label ELSE $7 END,
                connection_info = CASE WHEN $8 THEN $9 ELSE connection_info END,
                status = 'active', error_message = NULL, failed_attempts_in_row = 0,
                last_refreshed_at = NULL, updated_at = now()
          WHERE company_id = $1 AND id = $2 AND provider = $3",
    )
    .bind(caller.company_id)
    .bind(id)
    .bind(&new.provider.def.slug)
    .bind(sealed)
    .bind(new.token_expires_at)
    .bind(new.provider_data)
    .bind(&new.account_label)
    // A form's connection says what it was checked as (a bot, a hook host); an OAuth
    // connection's line follows its settings (Slack's channel) and stays.
    .bind(new.provider.def.auth_type != AuthType::Oauth2)
    .bind(&new.connection_info)
    .execute(&mut *tx)
    .await?;
    if renewed.rows_affected() == 0 {
        return Err(not_found());
    }
    let resumed = queue::resume(&mut tx, Destination::connection(id)).await?;
    let change = Change::new(
        AuditAction::IntegrationConnected,
        id,
        &new.provider.def.name,
    )
    .with_details(serde_json::json!({ "provider": new.provider.def.slug, "reconnected": true }));
    audit::record(&mut tx, caller.company_id, &Actor::of(caller), change).await?;
    tx.commit().await?;
    queue::announce(state);
    tracing::info!(company_id = %caller.company_id, provider = %new.provider.def.slug, connection = %id, resumed, "reconnected");
    Ok(id)
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
