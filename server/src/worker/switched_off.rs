//! Admins hear of a destination the worker switched off: an endpoint disabled after failing
//! for too long, a connection suspended on a refused credential; a REST hook its subscriber
//! deleted is removed.

use app::delivery::record::SwitchedOff;
use app::runtime::AppState;

pub async fn notify(state: &AppState, switched_off: Vec<SwitchedOff>) {
    for destination in switched_off {
        let (company_id, kind, title, body, link) = match destination {
            SwitchedOff::Endpoint(endpoint) => {
                tracing::warn!(endpoint = %endpoint.endpoint_id, reason = %endpoint.reason, "webhook endpoint disabled");
                let body = format!(
                    "{} was disabled: {} Fix the endpoint, then enable it again on the API & Webhooks tab.",
                    endpoint.url, endpoint.reason
                );
                (
                    endpoint.company_id,
                    "webhook_disabled",
                    "Webhook endpoint disabled".to_string(),
                    body,
                    "/integrations/api",
                )
            }
            SwitchedOff::HookGone(gone) => {
                let removed = app::rest_hooks::service::remove_gone(
                    state,
                    gone.company_id,
                    gone.connection_id,
                )
                .await;
                if let Err(e) = removed {
                    tracing::warn!(connection = %gone.connection_id, "removing a gone REST hook: {e}");
                }
                continue;
            }
            SwitchedOff::Connection(connection) => {
                tracing::warn!(connection = %connection.connection_id, reason = %connection.reason, "connection suspended");
                let name = state
                    .catalogue
                    .get(&connection.provider)
                    .map(|p| p.def.name.clone())
                    .unwrap_or(connection.provider);
                let body = format!(
                    "{name} stopped accepting our requests: {} Its notifications wait until you reconnect it on the Connected tab.",
                    connection.reason
                );
                (
                    connection.company_id,
                    "integration.error",
                    format!("{name} needs to be reconnected"),
                    body,
                    "/integrations/connected",
                )
            }
        };
        let posted = app::notifications::service::post(
            &state.pool,
            company_id,
            kind,
            &title,
            &body,
            Some(link),
        )
        .await;
        if let Err(e) = posted {
            tracing::warn!("notifying admins of a destination switched off: {e}");
        }
    }
}
