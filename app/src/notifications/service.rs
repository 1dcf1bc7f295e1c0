use sqlx::PgPool;
use uuid::Uuid;

use super::{Notification, NotificationFeed};
use crate::error::AppError;
use crate::runtime::db::one_snapshot;
use crate::runtime::db_error;

/// Posts a notification to every admin of `company_id`.
pub async fn post(
    pool: &PgPool,
    company_id: Uuid,
    kind: &str,
    title: &str,
    body: &str,
    link: Option<&str>,
) -> Result<Uuid, AppError> {
    sqlx::query_scalar(
        "INSERT INTO notifications (company_id, kind, title, body, link) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(company_id)
    .bind(kind)
    .bind(title)
    .bind(body)
    .bind(link)
    .fetch_one(pool)
    .await
    .map_err(db_error)
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: Uuid,
    kind: String,
    title: String,
    body: String,
    link: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    read: bool,
}

pub async fn feed(
    pool: &PgPool,
    company_id: Uuid,
    user_id: Uuid,
    limit: i64,
) -> Result<NotificationFeed, AppError> {
    // The list and the unread count of one moment: a notification posted between two separate
    // reads showed a count of 1 beside an empty list.
    let mut snapshot = one_snapshot(pool).await?;
    let rows: Vec<NotificationRow> = sqlx::query_as(
        "SELECT n.id, n.kind, n.title, n.body, n.link, n.created_at, r.user_id IS NOT NULL AS read
           FROM notifications n
           LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $2
          WHERE n.company_id = $1
          ORDER BY n.created_at DESC LIMIT $3",
    )
    .bind(company_id)
    .bind(user_id)
    .bind(limit)
    .fetch_all(&mut *snapshot)
    .await?;
    let unread: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications n
          WHERE n.company_id = $1
            AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = $2)",
    )
    .bind(company_id)
    .bind(user_id)
    .fetch_one(&mut *snapshot)
    .await?;
    snapshot.commit().await?;
    let items = rows
        .into_iter()
        .map(|row| Notification {
            id: row.id,
            kind: row.kind,
            title: row.title,
            body: row.body,
            link: row.link,
            created_at: row.created_at,
            read: row.read,
        })
        .collect();
    Ok(NotificationFeed { unread, items })
}

pub async fn mark_all_read(pool: &PgPool, company_id: Uuid, user_id: Uuid) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO notification_reads (notification_id, user_id)
         SELECT id, $2 FROM notifications WHERE company_id = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(company_id)
    .bind(user_id)
    .execute(pool)
    .await?;
    Ok(())
}
