//! Sign-in, first-run setup and the signed-in user's profile.

use uuid::Uuid;

use super::{passwords, session, throttle, CurrentUser};
use crate::company;
use crate::error::AppError;
use crate::server::{db_error, AppState};
use crate::validate;

/// Checks the throttle, then the password, and starts a session on success.
pub async fn sign_in(
    state: &AppState,
    ip: &str,
    email: &str,
    password: String,
) -> Result<CurrentUser, AppError> {
    let email = validate::email("email", email)?;
    if password.is_empty() {
        return Err(AppError::bad_request("password", "Enter your password."));
    }
    throttle::check(&state.pool, &state.config.sign_in_throttle, &email, ip).await?;

    let account: Option<(Uuid, String, Option<Uuid>)> = sqlx::query_as(
        "SELECT u.id, u.password_hash,
                (SELECT m.company_id FROM memberships m WHERE m.user_id = u.id
                  ORDER BY m.created_at LIMIT 1)
           FROM users u WHERE lower(u.email) = lower($1)",
    )
    .bind(&email)
    .fetch_optional(&state.pool)
    .await
    .map_err(db_error)?;

    let (user_id, hash, company_id) = match account {
        Some((id, hash, company)) => (Some(id), Some(hash), company),
        None => (None, None, None),
    };
    let password_ok = passwords::verify(password, hash).await?;
    match (user_id, company_id, password_ok) {
        (Some(user_id), Some(company_id), true) => {
            throttle::record(&state.pool, &email, ip, true).await?;
            session::start(state, user_id, company_id).await?;
            current_user(state, user_id, company_id).await
        }
        _ => {
            throttle::record(&state.pool, &email, ip, false).await?;
            tracing::info!(%ip, "failed sign-in");
            Err(AppError::InvalidCredentials)
        }
    }
}

/// True until the first company admin exists.
pub async fn needs_setup(state: &AppState) -> Result<bool, AppError> {
    let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM memberships)")
        .fetch_one(&state.pool)
        .await
        .map_err(db_error)?;
    Ok(!any)
}

/// The one-time setup: creates the first company and its admin and signs them in. Refused
/// (409) once any admin exists, including when two setups race.
pub async fn complete_setup(
    state: &AppState,
    company_name: &str,
    name: &str,
    email: &str,
    password: String,
) -> Result<CurrentUser, AppError> {
    let (company_id, user_id) =
        company::service::create_first_company(&state.pool, company_name, name, email, password)
            .await?;
    session::start(state, user_id, company_id).await?;
    current_user(state, user_id, company_id).await
}

pub async fn current_user(
    state: &AppState,
    user_id: Uuid,
    company_id: Uuid,
) -> Result<CurrentUser, AppError> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT u.email, u.name, c.name FROM memberships m
           JOIN users u ON u.id = m.user_id JOIN companies c ON c.id = m.company_id
          WHERE m.user_id = $1 AND m.company_id = $2",
    )
    .bind(user_id)
    .bind(company_id)
    .fetch_optional(&state.pool)
    .await
    .map_err(db_error)?;
    let (email, name, company_name) = row.ok_or(AppError::Unauthenticated)?;
    Ok(CurrentUser {
        user_id,
        email,
        name,
        company_id,
        company_name,
    })
}
