//! Assembles the overview from the domains that own each part (connections, endpoints, keys,
//! notifications); only the day of deliveries is read here.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    attention, ConnectionCounts, DashboardOverview, DeliveryDay, DeliveryHour, EndpointCounts,
    GettingStarted,
};
use crate::auth::access::Caller;
use crate::auth::session::Admin;
use crate::error::AppError;
use crate::integrations::{ConnectionStatus, ConnectionView};
use crate::runtime::AppState;
use crate::webhooks::{EndpointStatus, WebhookEndpointView};

/// How many notifications the overview lists.
const RECENT_NOTIFICATIONS: i64 = 5;

pub async fn overview(state: &AppState, admin: &Admin) -> Result<DashboardOverview, AppError> {
    let company_id = admin.company_id;
    let connections = crate::integrations::service::list(state, company_id).await?;
    let endpoints = crate::webhooks::endpoints::list(state, company_id).await?;
    let keys = crate::api_keys::service::list(state, &Caller::from(admin))
        .await?
        .keys;
    let expired = attention::expired_tokens(&state.pool, company_id).await?;
    let deliveries = delivery_day(&state.pool, company_id).await?;
    let getting_started = GettingStarted {
        connected_service: !connections.is_empty(),
        created_api_key: !keys.is_empty(),
        added_endpoint: !endpoints.is_empty(),
        delivered_event: any_delivery(&state.pool, company_id).await?,
    };
    let notifications = crate::notifications::service::feed(
        &state.pool,
        company_id,
        admin.user_id,
        RECENT_NOTIFICATIONS,
    )
    .await?
    .items;
    Ok(DashboardOverview {
        connections: connection_counts(&connections),
        endpoints: endpoint_counts(&endpoints),
        attention: attention::items(&connections, &endpoints, &keys, &expired, Utc::now()),
        deliveries,
        getting_started,
        notifications,
    })
}

fn connection_counts(connections: &[ConnectionView]) -> ConnectionCounts {
    let mut counts = ConnectionCounts::default();
    for c in connections {
        match c.status {
            ConnectionStatus::Active if c.setup_hint().is_some() => counts.needs_setup += 1,
            ConnectionStatus::Active => counts.active += 1,
            ConnectionStatus::Error => counts.error += 1,
            ConnectionStatus::Pending => counts.pending += 1,
        }
    }
    counts
}

fn endpoint_counts(endpoints: &[WebhookEndpointView]) -> EndpointCounts {
    let mut counts = EndpointCounts::default();
    for e in endpoints {
        match e.status {
            EndpointStatus::Active => counts.healthy += 1,
            EndpointStatus::Failing => counts.failing += 1,
            EndpointStatus::Disabled => counts.disabled += 1,
        }
    }
    counts
}

#[derive(sqlx::FromRow)]
struct HourRow {
    hour: DateTime<Utc>,
    succeeded: i64,
    failed: i64,
    retrying: i64,
}

/// The company's deliveries by hour of creation, through the per-destination indexes (there is
/// no company index on the largest table, and publishing should not pay for one).
const DELIVERY_HOURS: &str = "
    SELECT h.hour,
           count(d.id) FILTER (WHERE d.status = 'succeeded') AS succeeded,
           count(d.id) FILTER (WHERE d.status = 'failed') AS failed,
           count(d.id) FILTER (WHERE d.status IN ('pending', 'parked') AND d.attempts > 0) AS retrying
      FROM generate_series(date_trunc('hour', now()) - interval '23 hours', date_trunc('hour', now()),
                           interval '1 hour') AS h(hour)
      LEFT JOIN deliveries d
        ON d.company_id = $1 AND d.created_at >= h.hour AND d.created_at < h.hour + interval '1 hour'
       AND (d.endpoint_id IN (SELECT id FROM webhook_endpoints WHERE company_id = $1)
            OR d.connection_id IN (SELECT id FROM connections WHERE company_id = $1))
     GROUP BY h.hour
     ORDER BY h.hour";

async fn delivery_day(pool: &PgPool, company_id: Uuid) -> Result<DeliveryDay, AppError> {
    let rows: Vec<HourRow> = sqlx::query_as(DELIVERY_HOURS)
        .bind(company_id)
        .fetch_all(pool)
        .await?;
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    let mut day = DeliveryDay::default();
    for row in rows {
        day.succeeded = day.succeeded.saturating_add(count(row.succeeded));
        day.failed = day.failed.saturating_add(count(row.failed));
        day.retrying = day.retrying.saturating_add(count(row.retrying));
        day.hours.push(DeliveryHour {
            hour: row.hour,
            succeeded: count(row.succeeded),
            failed: count(row.failed),
        });
    }
    Ok(day)
}

/// Whether any event was ever sent to one of the company's destinations (tests included).
async fn any_delivery(pool: &PgPool, company_id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                         WHERE e.company_id = $1 AND d.company_id = $1)
             OR EXISTS (SELECT 1 FROM deliveries d JOIN connections c ON c.id = d.connection_id
                         WHERE c.company_id = $1 AND d.company_id = $1)",
    )
    .bind(company_id)
    .fetch_one(pool)
    .await?)
}
