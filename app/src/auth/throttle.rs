//! Brute-force protection: failed sign-ins are counted per account and per client address in a
//! sliding window, in the database so that limits hold across restarts and server processes.

use sqlx::PgPool;

use crate::error::AppError;
use crate::runtime::config::SignInThrottle;
use crate::runtime::db_error;

/// A failed attempt recorded before the password is checked; cleared if it succeeds.
#[derive(Debug, Clone, Copy)]
pub struct Reservation(i64);

/// Refuses with 429 (and how long to wait) when the account or the address has used up its
/// failures in the window; otherwise records this attempt as failed before the password is
/// checked. The check and the record are one step under a lock per account and per address,
/// so parallel guesses cannot all pass the check before any is counted.
pub async fn reserve(
    pool: &PgPool,
    limits: &SignInThrottle,
    email: &str,
    ip: &str,
) -> Result<Reservation, AppError> {
    let mut tx = pool.begin().await?;
    // Both locks, always in the same order, so two sign-ins never wait on each other in a cycle.
    let mut keys = [
        format!("sign-in:email:{}", email.to_lowercase()),
        format!("sign-in:ip:{ip}"),
    ];
    keys.sort();
    for key in &keys {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    let window = limits.window.as_secs_f64();
    #[derive(sqlx::FromRow)]
    struct Recent {
        by_email: i64,
        by_ip: i64,
        email_wait: Option<f64>,
        ip_wait: Option<f64>,
    }
    let recent: Recent = sqlx::query_as(
        "WITH recent AS (
             SELECT lower(email) = lower($1) AS same_email, ip = $2 AS same_ip, attempted_at
               FROM sign_in_attempts
              WHERE NOT succeeded AND attempted_at > now() - make_interval(secs => $3)
                AND (lower(email) = lower($1) OR ip = $2))
         SELECT count(*) FILTER (WHERE same_email) AS by_email,
                count(*) FILTER (WHERE same_ip) AS by_ip,
                extract(epoch FROM min(attempted_at) FILTER (WHERE same_email)
                                  + make_interval(secs => $3) - now())::float8 AS email_wait,
                extract(epoch FROM min(attempted_at) FILTER (WHERE same_ip)
                                  + make_interval(secs => $3) - now())::float8 AS ip_wait
           FROM recent",
    )
    .bind(email)
    .bind(ip)
    .bind(window)
    .fetch_one(&mut *tx)
    .await?;
    let wait = if recent.by_email >= limits.per_account {
        Some(recent.email_wait)
    } else if recent.by_ip >= limits.per_ip {
        Some(recent.ip_wait)
    } else {
        None
    };
    if let Some(wait) = wait {
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait.unwrap_or(1.0).ceil().max(1.0) as u64,
        });
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sign_in_attempts (email, ip, succeeded) VALUES ($1, $2, false) RETURNING id",
    )
    .bind(email)
    .bind(ip)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reservation(id))
}

/// The reserved attempt succeeded: it no longer counts, and the account's earlier failures are
/// cleared (they still count for the addresses they came from).
pub async fn succeeded(pool: &PgPool, attempt: Reservation, email: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE sign_in_attempts SET succeeded = true WHERE id = $1")
        .bind(attempt.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE sign_in_attempts SET email = '' WHERE lower(email) = lower($1) AND NOT succeeded",
    )
    .bind(email)
    .execute(&mut *tx)
    .await?;
    tx.commit().await.map_err(db_error)
}
