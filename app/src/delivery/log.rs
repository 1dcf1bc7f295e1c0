//! Reading the delivery log: a destination's deliveries, newest first, with their attempts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::queue::Destination;
use super::{AttemptView, DeliveryPage, DeliveryStatus, DeliveryView};
use crate::error::AppError;
use crate::events::publish::public_id;
use crate::runtime::db::one_snapshot;

pub struct Filter {
    pub destination: Destination,
    pub status: Option<DeliveryStatus>,
    pub event_type: Option<String>,
    pub before: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    endpoint_id: Option<Uuid>,
    connection_id: Option<Uuid>,
    event_id: Uuid,
    event_type: String,
    is_test: bool,
    status: String,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    delivery_id: Uuid,
    attempt: i32,
    started_at: DateTime<Utc>,
    duration_ms: i32,
    request_headers: sqlx::types::Json<BTreeMap<String, String>>,
    request_body: String,
    response_status: Option<i32>,
    response_headers: Option<sqlx::types::Json<BTreeMap<String, String>>>,
    response_body: Option<String>,
    error: Option<String>,
}

const SELECT_DELIVERY: &str =
    "SELECT d.id, d.endpoint_id, d.connection_id, d.event_id, ev.event_type, ev.is_test, d.status, d.attempts,
        d.next_attempt_at, d.last_status_code, d.last_error, d.created_at, d.completed_at
   FROM deliveries d JOIN events ev ON ev.id = d.event_id";

pub async fn list(
    pool: &PgPool,
    company_id: Uuid,
    filter: Filter,
) -> Result<DeliveryPage, AppError> {
    let limit = crate::validate::limit("limit", filter.limit, 20, 100)?;
    let before = filter
        .before
        .map(|b| crate::validate::timestamp("before", b))
        .transpose()?;
    let mut snapshot = one_snapshot(pool).await?;
    let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
        "{SELECT_DELIVERY}
          WHERE d.company_id = $1 AND d.{} = $2
            AND ($3::text IS NULL OR d.status = $3) AND ($4::text IS NULL OR ev.event_type = $4)
            AND ($5::timestamptz IS NULL OR d.created_at < $5)
          ORDER BY d.created_at DESC, d.id DESC LIMIT $6",
        filter.destination.kind.column()
    ))
    .bind(company_id)
    .bind(filter.destination.id)
    .bind(filter.status.map(DeliveryStatus::as_str))
    .bind(filter.event_type.filter(|t| !t.is_empty()))
    .bind(before)
    .bind(limit)
    .fetch_all(&mut *snapshot)
    .await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.created_at))
        .flatten();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut attempts = attempts_of(&mut snapshot, &ids).await?;
    snapshot.commit().await?;
    let deliveries = rows
        .into_iter()
        .map(|row| {
            let log = attempts.remove(&row.id).unwrap_or_default();
            view(row, log)
        })
        .collect();
    Ok(DeliveryPage {
        deliveries,
        next_before,
    })
}

pub async fn get(pool: &PgPool, company_id: Uuid, id: Uuid) -> Result<DeliveryView, AppError> {
    let mut snapshot = one_snapshot(pool).await?;
    let row: DeliveryRow = sqlx::query_as(&format!(
        "{SELECT_DELIVERY} WHERE d.company_id = $1 AND d.id = $2"
    ))
    .bind(company_id)
    .bind(id)
    .fetch_optional(&mut *snapshot)
    .await?
    .ok_or_else(|| AppError::NotFound("No such delivery.".into()))?;
    let log = attempts_of(&mut snapshot, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    snapshot.commit().await?;
    Ok(view(row, log))
}

async fn attempts_of(
    snapshot: &mut Transaction<'static, Postgres>,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Vec<AttemptView>>, AppError> {
    let rows: Vec<AttemptRow> = sqlx::query_as(
        "SELECT delivery_id, attempt, started_at, duration_ms, request_headers, request_body, response_status,
                response_headers, response_body, error
           FROM delivery_attempts WHERE delivery_id = ANY($1) ORDER BY attempt DESC",
    )
    .bind(ids)
    .fetch_all(&mut **snapshot)
    .await?;
    let mut by_delivery: BTreeMap<Uuid, Vec<AttemptView>> = BTreeMap::new();
    for row in rows {
        by_delivery
            .entry(row.delivery_id)
            .or_default()
            .push(AttemptView {
                attempt: row.attempt.max(0) as u32,
                started_at: row.started_at,
                duration_ms: row.duration_ms.max(0) as u32,
                request_headers: row.request_headers.0,
                request_body: row.request_body,
                response_status: row.response_status.and_then(|s| u16::try_from(s).ok()),
                response_headers: row.response_headers.map(|h| h.0),
                response_body: row.response_body,
                error: row.error,
            });
    }
    Ok(by_delivery)
}

fn view(row: DeliveryRow, attempt_log: Vec<AttemptView>) -> DeliveryView {
    let status = DeliveryStatus::parse(&row.status).unwrap_or(DeliveryStatus::Pending);
    DeliveryView {
        id: row.id,
        endpoint_id: row.endpoint_id,
        connection_id: row.connection_id,
        event_id: public_id(row.event_id),
        event_type: row.event_type,
        test: row.is_test,
        status,
        attempts: row.attempts.max(0) as u32,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(row.next_attempt_at),
        last_status_code: row.last_status_code.and_then(|c| u16::try_from(c).ok()),
        last_error: row.last_error,
        created_at: row.created_at,
        completed_at: row.completed_at,
        attempt_log,
    }
}
