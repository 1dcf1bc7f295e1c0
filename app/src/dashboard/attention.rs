//! What needs an admin: a connection in error or failing, one that is not set up, an access
//! token that could not be renewed, a failing or switched-off endpoint, an API key about to
//! expire. Each item links to where it is fixed.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{AttentionItem, Severity};
use crate::api_keys::{ApiKeyStatus, ApiKeyView};
use crate::error::AppError;
use crate::integrations::{ConnectionStatus, ConnectionView};
use crate::webhooks::{EndpointStatus, WebhookEndpointView};

const CONNECTED: &str = "/integrations/connected";
const API: &str = "/integrations/api";
/// An API key is mentioned this long before it expires, and this long after.
const KEY_NOTICE_DAYS: i64 = 14;

/// Active connections whose access token expired: the renewal ahead of expiry did not work.
pub async fn expired_tokens(pool: &PgPool, company_id: Uuid) -> Result<Vec<Uuid>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM connections
          WHERE company_id = $1 AND status = 'active' AND token_expires_at < now()",
    )
    .bind(company_id)
    .fetch_all(pool)
    .await?)
}

pub fn items(
    connections: &[ConnectionView],
    endpoints: &[WebhookEndpointView],
    keys: &[ApiKeyView],
    expired_tokens: &[Uuid],
    now: DateTime<Utc>,
) -> Vec<AttentionItem> {
    let mut items: Vec<AttentionItem> = connections
        .iter()
        .filter_map(|c| connection_item(c, expired_tokens.contains(&c.id)))
        .chain(endpoints.iter().filter_map(endpoint_item))
        .chain(keys.iter().filter_map(|k| key_item(k, now)))
        .collect();
    // Errors first; the order within each follows the lists (oldest first).
    items.sort_by_key(|item| item.severity != Severity::Error);
    items
}

fn item(
    severity: Severity,
    title: String,
    detail: String,
    link: &str,
    action: &str,
) -> AttentionItem {
    AttentionItem {
        severity,
        title,
        detail,
        link: link.to_string(),
        action: action.to_string(),
    }
}

fn connection_name(c: &ConnectionView) -> String {
    match c.account_label.trim() {
        "" => c.display_name().to_string(),
        account => format!("{} ({account})", c.display_name()),
    }
}

fn connection_item(c: &ConnectionView, token_expired: bool) -> Option<AttentionItem> {
    let name = connection_name(c);
    if c.status == ConnectionStatus::Error {
        let detail = c
            .error_message
            .clone()
            .unwrap_or_else(|| "The provider refused its credentials.".into());
        return Some(item(
            Severity::Error,
            format!("{name} needs reconnecting"),
            detail,
            CONNECTED,
            "Reconnect",
        ));
    }
    if c.status != ConnectionStatus::Active {
        return None;
    }
    if token_expired {
        return Some(item(
            Severity::Warning,
            format!("{name}: its access expired"),
            "Plugboard could not renew its access token. Reconnect to restore it.".into(),
            CONNECTED,
            "Reconnect",
        ));
    }
    if c.last_action.is_some_and(|last| !last.ok) {
        let detail = match c.failures_24h {
            0 => "Its latest action failed; it is being retried.".to_string(),
            1 => "1 action failed in the last 24 hours.".to_string(),
            n => format!("{n} actions failed in the last 24 hours."),
        };
        return Some(item(
            Severity::Error,
            format!("{name} is failing"),
            detail,
            CONNECTED,
            "View activity",
        ));
    }
    c.setup_hint().map(|hint| {
        item(
            Severity::Warning,
            format!("{name} is not set up yet"),
            hint.to_string(),
            CONNECTED,
            "Configure",
        )
    })
}

fn endpoint_item(e: &WebhookEndpointView) -> Option<AttentionItem> {
    match e.status {
        EndpointStatus::Failing => {
            let answer = match e.last_status_code {
                Some(code) => format!("last answer HTTP {code}"),
                None => "no answer".to_string(),
            };
            let attempts = match e.failure_count {
                1 => "1 failed attempt".to_string(),
                n => format!("{n} failed attempts in a row"),
            };
            Some(item(
                Severity::Error,
                format!("Endpoint failing: {}", e.url),
                format!("{attempts}, {answer}. Deliveries are retried."),
                API,
                "View deliveries",
            ))
        }
        // Switched off by an admin: nothing to fix.
        EndpointStatus::Disabled => e.disabled_reason.as_ref().map(|reason| {
            item(
                Severity::Error,
                format!("Endpoint switched off: {}", e.url),
                format!("{reason} Its deliveries wait until it is switched on again."),
                API,
                "Review endpoint",
            )
        }),
        EndpointStatus::Active => None,
    }
}

fn key_item(k: &ApiKeyView, now: DateTime<Utc>) -> Option<AttentionItem> {
    let expires_at = k.expires_at?;
    let notice = Duration::days(KEY_NOTICE_DAYS);
    match k.status {
        ApiKeyStatus::Active if expires_at - now <= notice => {
            let left = expires_at - now;
            let when = match left.num_days() {
                0 => format!("in {} hours", left.num_hours().max(1)),
                1 => "tomorrow".to_string(),
                days => format!("in {days} days"),
            };
            Some(item(
                Severity::Warning,
                format!("API key \u{201c}{}\u{201d} expires {when}", k.name),
                "Calls with it will be refused. Regenerate it or create another and update your code.".into(),
                API,
                "Manage keys",
            ))
        }
        ApiKeyStatus::Expired if now - expires_at <= notice => Some(item(
            Severity::Warning,
            format!("API key \u{201c}{}\u{201d} has expired", k.name),
            "Calls with it are refused.".into(),
            API,
            "Manage keys",
        )),
        _ => None,
    }
}
