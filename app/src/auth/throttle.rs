//! Brute-force protection: failed sign-ins are counted per account and per client address in a
//! sliding window, in the database so that limits hold across restarts and server processes.

use sqlx::PgPool;

use crate::error::AppError;
use crate::server::config::SignInThrottle;
use crate::server::db_error;

/// Refuses with 429 (and how long to wait) when the account or the address has used up its
/// failures in the window.
pub async fn check(
    pool: &PgPool,
    limits: &SignInThrottle,
    email: &str,
    ip: &str,
) -> Result<(), AppError> {
    let window = limits.window.as_secs_f64();
    let (by_email, by_ip, email_wait, ip_wait): (i64, i64, Option<f64>, Option<f64>) =
        sqlx::query_as(
            "WITH recent AS (
             SELECT lower(email) = lower($1) AS same_email, ip = $2 AS same_ip, attempted_at
               FROM sign_in_attempts
              WHERE NOT succeeded AND attempted_at > now() - make_interval(secs => $3)
                AND (lower(email) = lower($1) OR ip = $2))
         SELECT count(*) FILTER (WHERE same_email),
                count(*) FILTER (WHERE same_ip),
                extract(epoch FROM min(attempted_at) FILTER (WHERE same_email)
                                  + make_interval(secs => $3) - now())::float8,
                extract(epoch FROM min(attempted_at) FILTER (WHERE same_ip)
                                  + make_interval(secs => $3) - now())::float8
           FROM recent",
        )
        .bind(email)
        .bind(ip)
        .bind(window)
        .fetch_one(pool)
        .await
        .map_err(db_error)?;
    let wait = if by_email >= limits.per_account {
        email_wait
    } else if by_ip >= limits.per_ip {
        ip_wait
    } else {
        return Ok(());
    };
    Err(AppError::TooManyRequests {
        retry_after_secs: wait.unwrap_or(1.0).ceil().max(1.0) as u64,
    })
}

pub async fn record(pool: &PgPool, email: &str, ip: &str, succeeded: bool) -> Result<(), AppError> {
    if succeeded {
        // A successful sign-in clears the account's failures; they still count for the
        // addresses they came from.
        sqlx::query("UPDATE sign_in_attempts SET email = '' WHERE lower(email) = lower($1) AND NOT succeeded")
            .bind(email)
            .execute(pool)
            .await
            .map_err(db_error)?;
        return Ok(());
    }
    sqlx::query("INSERT INTO sign_in_attempts (email, ip, succeeded) VALUES ($1, $2, false)")
        .bind(email)
        .bind(ip)
        .execute(pool)
        .await
        .map_err(db_error)?;
    Ok(())
}
