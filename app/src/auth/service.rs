//! Sign-in, first-run setup and the signed-in user's profile.

use uuid::Uuid;

use super::{passwords, session, throttle, CurrentUser};
use crate::company;
use crate::error::AppError;
use crate::runtime::AppState;
use crate::validate;

/// At most this many accounts (one per company) are checked for one email.
const MAX_ACCOUNTS_PER_EMAIL: i64 = 20;

#[derive(sqlx::FromRow)]
struct Account {
    user_id: Uuid,
    company_id: Uuid,
    password_hash: String,
}

/// Reserves a failed attempt in the throttle (so parallel guesses count before any is checked),
/// then checks the password and starts a session on success.
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
    if password.chars().count() > passwords::MAX_PASSWORD_LEN {
        return Err(AppError::bad_request(
            "password",
            "Email or password is incorrect.",
        ));
    }
    let attempt =
        throttle::reserve(&state.pool, &state.config.sign_in_throttle, &email, ip).await?;

    // An email may have an account in several companies (accounts are per company). All are
    // checked at once, so the time taken hardly depends on how many there are; the oldest
    // account whose password matches signs in.
    let accounts: Vec<Account> = sqlx::query_as(
        "SELECT u.id AS user_id, u.company_id, u.password_hash
           FROM users u JOIN memberships m ON m.user_id = u.id AND m.company_id = u.company_id
          WHERE lower(u.email) = lower($1)
          ORDER BY u.created_at, u.id LIMIT $2",
    )
    .bind(&email)
    .bind(MAX_ACCOUNTS_PER_EMAIL)
    .fetch_all(&state.pool)
    .await?;
    let checks: Vec<_> = if accounts.is_empty() {
        vec![passwords::verify(password, None)]
    } else {
        accounts
            .iter()
            .map(|a| passwords::verify(password.clone(), Some(a.password_hash.clone())))
            .collect()
    };
    let results = futures::future::join_all(checks).await;
    let mut matched = None;
    for (account, ok) in accounts.iter().zip(&results) {
        if *ok.as_ref().map_err(Clone::clone)? {
            matched = Some(account);
            break;
        }
    }
    match matched {
        Some(account) => {
            throttle::succeeded(&state.pool, attempt, &email).await?;
            session::start(state, account.user_id, account.company_id).await?;
            current_user(state, account.user_id, account.company_id).await
        }
        None => {
            tracing::info!(%ip, "failed sign-in");
            Err(AppError::InvalidCredentials)
        }
    }
}

/// True until the first company admin exists.
pub async fn needs_setup(state: &AppState) -> Result<bool, AppError> {
    let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM memberships)")
        .fetch_one(&state.pool)
        .await?;
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
    #[derive(sqlx::FromRow)]
    struct Names {
        email: String,
        name: String,
        company_name: String,
    }
    let row: Option<Names> = sqlx::query_as(
        "SELECT u.email, u.name, c.name AS company_name FROM memberships m
           JOIN users u ON u.id = m.user_id JOIN companies c ON c.id = m.company_id
          WHERE m.user_id = $1 AND m.company_id = $2",
    )
    .bind(user_id)
    .bind(company_id)
    .fetch_optional(&state.pool)
    .await?;
    let names = row.ok_or(AppError::Unauthenticated)?;
    Ok(CurrentUser {
        user_id,
        email: names.email,
        name: names.name,
        company_id,
        company_name: names.company_name,
    })
}
