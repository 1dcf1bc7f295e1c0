//! REST Hooks subscriptions as Zapier connections routed to one event type.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{HookSubscription, UnsubscribedHooks};
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::auth::access::Caller;
use crate::error::AppError;
use crate::events::registry;
use crate::integrations::connect::check_hook_url;
use crate::integrations::credentials::Credentials;
use crate::integrations::new_connection::{self, NewConnection, RestHook};
use crate::integrations::service::{self as connections, find_provider};
use crate::runtime::AppState;

/// The provider REST Hooks subscribe to.
const ZAPIER: &str = "zapier";

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: Uuid,
    rest_hook_event: String,
    connected_at: chrono::DateTime<chrono::Utc>,
}

pub async fn subscribe(
    state: &AppState,
    caller: &Caller,
    target_url: &str,
    event_type: &str,
) -> Result<HookSubscription, AppError> {
    let provider = find_provider(state, ZAPIER)?;
    let event_type = event_type.trim();
    if event_type.is_empty() {
        return Err(AppError::bad_request(
            "event_type",
            "Name the event type the Zap receives, e.g. conversation.created.",
        ));
    }
    if !registry::exists(&state.pool, caller.company_id, event_type).await? {
        return Err(AppError::unknown_event_type("event_type", event_type));
    }
    let hook = check_hook_url(provider, target_url).map_err(|e| match e {
        AppError::BadRequest { message, .. } => AppError::bad_request("target_url", message),
        other => other,
    })?;
    let target_sha256 = Sha256::digest(hook.url.as_bytes()).to_vec();
    // Zapier retries a subscribe it did not see answered: the same Zap gets the same id.
    let existing: Option<SubscriptionRow> = sqlx::query_as(
        "SELECT id, rest_hook_event, connected_at FROM connections
          WHERE company_id = $1 AND rest_hook_target_sha256 = $2 AND rest_hook_event = $3",
    )
    .bind(caller.company_id)
    .bind(&target_sha256)
    .bind(event_type)
    .fetch_optional(&state.pool)
    .await?;
    if let Some(row) = existing {
        return Ok(HookSubscription {
            id: row.id,
            target_url: hook.url,
            event_type: row.rest_hook_event,
            created_at: row.connected_at,
        });
    }
    let id = new_connection::insert(
        state,
        caller,
        NewConnection {
            provider,
            credentials: Credentials::Webhook {
                url: hook.url.clone(),
            },
            account_label: String::new(),
            connection_info: format!("Sends to {}", hook.host),
            token_expires_at: None,
            provider_data: serde_json::json!({}),
            rest_hook: Some(RestHook {
                event_type: event_type.to_string(),
                target_sha256,
            }),
        },
    )
    .await?;
    let created = connections::get(state, caller.company_id, id).await?;
    Ok(HookSubscription {
        id,
        target_url: hook.url,
        event_type: event_type.to_string(),
        created_at: created.connected_at,
    })
}

pub async fn unsubscribe(
    state: &AppState,
    caller: &Caller,
    id: Option<Uuid>,
    target_url: Option<&str>,
) -> Result<UnsubscribedHooks, AppError> {
    let target_sha256 = target_url
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .map(|url| Sha256::digest(url.as_bytes()).to_vec());
    if id.is_none() && target_sha256.is_none() {
        return Err(AppError::bad_request(
            "id",
            "Pass the subscription's id (or its target_url) to unsubscribe.",
        ));
    }
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM connections
          WHERE company_id = $1 AND rest_hook_event IS NOT NULL
            AND ($2::uuid IS NULL OR id = $2) AND ($3::bytea IS NULL OR rest_hook_target_sha256 = $3)
          ORDER BY id",
    )
    .bind(caller.company_id)
    .bind(id)
    .bind(&target_sha256)
    .fetch_all(&state.pool)
    .await?;
    if ids.is_empty() {
        return Err(AppError::NotFound(
            "No REST Hooks subscription matches in your company.".into(),
        ));
    }
    for id in &ids {
        connections::disconnect(state, caller, *id).await?;
    }
    Ok(UnsubscribedHooks { removed: ids })
}

/// Removes a subscription whose target answered 410 Gone (Zapier's signal that the Zap is off).
pub async fn remove_gone(
    state: &AppState,
    company_id: Uuid,
    connection_id: Uuid,
) -> Result<(), AppError> {
    let mut tx = state.pool.begin().await?;
    let removed: Option<String> = sqlx::query_scalar(
        "DELETE FROM connections WHERE company_id = $1 AND id = $2 AND rest_hook_event IS NOT NULL
         RETURNING rest_hook_event",
    )
    .bind(company_id)
    .bind(connection_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(event_type) = removed {
        let change = Change::new(
            AuditAction::IntegrationDisconnected,
            connection_id,
            "Zapier",
        )
        .with_details(
            serde_json::json!({ "provider": ZAPIER, "rest_hook_event": event_type,
                                              "reason": "The Zap's hook answered 410 Gone." }),
        );
        audit::record(&mut tx, company_id, &Actor::system("Zapier"), change).await?;
        tracing::info!(%company_id, connection = %connection_id, "REST hook gone; unsubscribed");
    }
    tx.commit().await?;
    Ok(())
}
