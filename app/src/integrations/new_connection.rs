//! Storing a connection: a new one (its credentials sealed, its settings the provider's
//! defaults) or new credentials for an existing one, which resumes what waited for it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::catalogue::Provider;
use super::credentials::Credentials;
use super::service::not_found;
use super::settings;
use super::types::AuthType;
use crate::actions::subscriptions;
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::auth::access::Caller;
use crate::delivery::queue::{self, Destination};
use crate::error::AppError;
use crate::runtime::{unique_as_conflict, AppState};

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
