//! The delivery log, redelivery and test sends.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::attempt::{self, Job};
use super::outcome::{self, Outcome};
use super::{endpoints, AttemptView, DeliveryPage, DeliveryStatus, DeliveryView, RetriedCount};
use crate::error::AppError;
use crate::events::publish::public_id;
use crate::events::registry;
use crate::server::{db_error, AppState};

pub struct Filter {
    pub endpoint_id: Uuid,
    pub status: Option<DeliveryStatus>,
    pub event_type: Option<String>,
    pub before: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}

fn status_text(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::Succeeded => "succeeded",
        DeliveryStatus::Failed => "failed",
    }
}

type DeliveryRow = (
    Uuid,
    Uuid,
    Uuid,
    String,
    String,
    i32,
    DateTime<Utc>,
    Option<i32>,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

const SELECT_DELIVERY: &str = "SELECT d.id, d.endpoint_id, d.event_id, ev.event_type, d.status, d.attempts, d.next_attempt_at,
        d.last_status_code, d.last_error, d.created_at, d.completed_at
   FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id";

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
    let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
        "{SELECT_DELIVERY}
          WHERE d.company_id = $1 AND d.endpoint_id = $2
            AND ($3::text IS NULL OR d.status = $3) AND ($4::text IS NULL OR ev.event_type = $4)
            AND ($5::timestamptz IS NULL OR d.created_at < $5)
          ORDER BY d.created_at DESC, d.id DESC LIMIT $6"
    ))
    .bind(company_id)
    .bind(filter.endpoint_id)
    .bind(filter.status.map(status_text))
    .bind(filter.event_type.filter(|t| !t.is_empty()))
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(db_error)?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.9))
        .flatten();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let mut attempts = attempts_of(pool, &ids).await?;
    let deliveries = rows
        .into_iter()
        .map(|row| {
            let log = attempts.remove(&row.0).unwrap_or_default();
            view(row, log)
        })
        .collect();
    Ok(DeliveryPage {
        deliveries,
        next_before,
    })
}

async fn get(pool: &PgPool, company_id: Uuid, id: Uuid) -> Result<DeliveryView, AppError> {
    let row: DeliveryRow = sqlx::query_as(&format!(
        "{SELECT_DELIVERY} WHERE d.company_id = $1 AND d.id = $2"
    ))
    .bind(company_id)
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db_error)?
    .ok_or_else(|| AppError::NotFound("No such delivery.".into()))?;
    let log = attempts_of(pool, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(view(row, log))
}

type AttemptRow = (
    Uuid,
    i32,
    DateTime<Utc>,
    i32,
    sqlx::types::Json<BTreeMap<String, String>>,
    String,
    Option<i32>,
    Option<sqlx::types::Json<BTreeMap<String, String>>>,
    Option<String>,
    Option<String>,
);

async fn attempts_of(
    pool: &PgPool,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Vec<AttemptView>>, AppError> {
    let rows: Vec<AttemptRow> = sqlx::query_as(
        "SELECT delivery_id, attempt, started_at, duration_ms, request_headers, request_body, response_status,
                response_headers, response_body, error
           FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY attempt DESC",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
    .map_err(db_error)?;
    let mut by_delivery: BTreeMap<Uuid, Vec<AttemptView>> = BTreeMap::new();
    for (
        id,
        number,
        started_at,
        duration,
        req_headers,
        req_body,
        status,
        res_headers,
        res_body,
        error,
    ) in rows
    {
        by_delivery.entry(id).or_default().push(AttemptView {
            attempt: number.max(0) as u32,
            started_at,
            duration_ms: duration.max(0) as u32,
            request_headers: req_headers.0,
            request_body: req_body,
            response_status: status.and_then(|s| u16::try_from(s).ok()),
            response_headers: res_headers.map(|h| h.0),
            response_body: res_body,
            error,
        });
    }
    Ok(by_delivery)
}

fn view(row: DeliveryRow, attempt_log: Vec<AttemptView>) -> DeliveryView {
    let (
        id,
        endpoint_id,
        event_id,
        event_type,
        status,
        attempts,
        next_at,
        code,
        error,
        created_at,
        completed_at,
    ) = row;
    let status = match status.as_str() {
        "succeeded" => DeliveryStatus::Succeeded,
        "failed" => DeliveryStatus::Failed,
        _ => DeliveryStatus::Pending,
    };
    DeliveryView {
        id,
        endpoint_id,
        event_id: public_id(event_id),
        event_type,
        status,
        attempts: attempts.max(0) as u32,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(next_at),
        last_status_code: code.and_then(|c| u16::try_from(c).ok()),
        last_error: error,
        created_at,
        completed_at,
        attempt_log,
    }
}

/// A new delivery of the same event to the same endpoint, due now.
pub async fn redeliver(
    state: &AppState,
    company_id: Uuid,
    delivery_id: Uuid,
) -> Result<DeliveryView, AppError> {
    let id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO webhook_deliveries (id, company_id, endpoint_id, event_id, status, next_attempt_at)
         SELECT $3, company_id, endpoint_id, event_id, 'pending', now() FROM webhook_deliveries
          WHERE company_id = $1 AND id = $2",
    )
    .bind(company_id)
    .bind(delivery_id)
    .bind(id)
    .execute(&state.pool)
    .await
    .map_err(db_error)?;
    if inserted.rows_affected() == 0 {
        return Err(AppError::NotFound("No such delivery.".into()));
    }
    super::fanout::announce(state);
    get(&state.pool, company_id, id).await
}

/// Queues again the endpoint's failed deliveries created since `since`.
pub async fn retry_failed(
    state: &AppState,
    company_id: Uuid,
    endpoint_id: Uuid,
    since: DateTime<Utc>,
) -> Result<RetriedCount, AppError> {
    let since = crate::validate::timestamp("since", since)?;
    endpoints::get(state, company_id, endpoint_id).await?;
    let retried = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), completed_at = NULL
          WHERE company_id = $1 AND endpoint_id = $2 AND status = 'failed' AND created_at >= $3",
    )
    .bind(company_id)
    .bind(endpoint_id)
    .bind(since)
    .execute(&state.pool)
    .await
    .map_err(db_error)?
    .rows_affected();
    super::fanout::announce(state);
    Ok(RetriedCount {
        retried: u32::try_from(retried).unwrap_or(u32::MAX),
    })
}

/// Sends the registry's example of `event_type` to the endpoint now, as a logged delivery with
/// a single attempt, and returns it.
pub async fn send_test(
    state: &AppState,
    company_id: Uuid,
    endpoint_id: Uuid,
    event_type: &str,
) -> Result<DeliveryView, AppError> {
    let types = registry::list(&state.pool, company_id).await?;
    let Some(kind) = types.into_iter().find(|t| t.name == event_type) else {
        return Err(AppError::bad_request(
            "event_type",
            format!("Unknown event type `{event_type}`."),
        ));
    };
    #[derive(sqlx::FromRow)]
    struct EndpointRow {
        url: String,
        sealed_headers: Option<Vec<u8>>,
        timeout_secs: i32,
        secret: Vec<u8>,
        previous_secret: Option<Vec<u8>>,
    }
    let endpoint: EndpointRow = sqlx::query_as(
        "SELECT url, sealed_headers, timeout_secs, secret,
                CASE WHEN previous_secret_until > now() THEN previous_secret END AS previous_secret
           FROM webhook_endpoints WHERE company_id = $1 AND id = $2",
    )
    .bind(company_id)
    .bind(endpoint_id)
    .fetch_optional(&state.pool)
    .await
    .map_err(db_error)?
    .ok_or_else(|| AppError::NotFound("No such webhook endpoint.".into()))?;
    let (event_id, delivery_id, claim_id) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let created_at: DateTime<Utc> = sqlx::query_scalar(
        "INSERT INTO events (id, company_id, event_type, data) VALUES ($1, $2, $3, $4) RETURNING created_at",
    )
    .bind(event_id)
    .bind(company_id)
    .bind(&kind.name)
    .bind(&kind.example)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_error)?;
    // Claimed by this request from the start, so no worker sends it as well.
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, company_id, endpoint_id, event_id, status, attempts, next_attempt_at, claim_id)
         VALUES ($1, $2, $3, $4, 'pending', 1, now() + interval '5 minutes', $5)",
    )
    .bind(delivery_id)
    .bind(company_id)
    .bind(endpoint_id)
    .bind(event_id)
    .bind(claim_id)
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    let job = Job {
        delivery_id,
        claim_id,
        company_id,
        endpoint_id,
        event_id,
        event_type: kind.name,
        event_created_at: created_at,
        data: kind.example,
        attempt: 1,
        url: endpoint.url,
        sealed_headers: endpoint.sealed_headers,
        timeout_secs: endpoint.timeout_secs,
        secret: endpoint.secret,
        previous_secret: endpoint.previous_secret,
    };
    let sent = attempt::send(
        &state.webhook_http,
        &state.cipher,
        endpoints::policy(state),
        &job,
    )
    .await;
    let decided = outcome::decide(&sent, 1, &state.config.webhooks.retry_schedule, true);
    let decided = if decided == (Outcome::Failed { gone: true }) {
        Outcome::Failed { gone: false }
    } else {
        decided
    };
    outcome::record(&state.pool, &state.config.webhooks, &[(job, sent, decided)])
        .await
        .map_err(db_error)?;
    get(&state.pool, company_id, delivery_id).await
}
