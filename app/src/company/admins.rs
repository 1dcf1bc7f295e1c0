//! A company's admins: adding (with an initial password), removing (never yourself, never the
//! last one), and changing one's own password. Accounts belong to one company.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::service::MAX_PERSON_NAME;
use super::AdminSummary;
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::auth::passwords;
use crate::auth::session::Admin;
use crate::error::AppError;
use crate::runtime::{db_error, unique_as_conflict};
use crate::validate;

pub async fn add_admin(
    pool: &PgPool,
    company_id: Uuid,
    actor: &Actor,
    email: &str,
    name: &str,
    password: String,
) -> Result<AdminSummary, AppError> {
    let email = validate::email("email", email)?;
    let name = validate::optional_text("name", "Name", name, MAX_PERSON_NAME)?;
    passwords::validate_new_password("password", &password)?;
    let hash = passwords::hash(password).await?;
    let mut tx = pool.begin().await?;
    let user_id = insert_admin(&mut tx, company_id, &email, &name, &hash).await?;
    let change = Change::new(AuditAction::AdminAdded, user_id, &email);
    audit::record(&mut tx, company_id, actor, change).await?;
    tx.commit().await?;
    Ok(AdminSummary {
        user_id,
        email,
        name,
        added_at: chrono::Utc::now(),
        is_you: false,
    })
}

/// Removes another admin of the caller's company; their sessions end with the membership.
pub async fn remove_admin(
    pool: &PgPool,
    company_id: Uuid,
    actor: &Actor,
    caller_id: Uuid,
    user_id: Uuid,
) -> Result<(), AppError> {
    if user_id == caller_id {
        return Err(AppError::conflict(
            "user_id",
            "You cannot remove yourself. Ask another admin to do it.",
        ));
    }
    let mut tx = pool.begin().await?;
    // Removals in one company wait for each other: two admins removing each other at once
    // must not both see the other as "remaining".
    sqlx::query("SELECT id FROM companies WHERE id = $1 FOR UPDATE")
        .bind(company_id)
        .execute(&mut *tx)
        .await?;
    let removed: Option<String> = sqlx::query_scalar(
        "WITH gone AS (DELETE FROM memberships WHERE company_id = $1 AND user_id = $2 RETURNING user_id)
         SELECT u.email FROM users u JOIN gone ON gone.user_id = u.id",
    )
    .bind(company_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(email) = removed else {
        return Err(AppError::NotFound("No such admin in your company.".into()));
    };
    // Never the last one.
    let remaining: i64 =
        sqlx::query_scalar("SELECT count(*) FROM memberships WHERE company_id = $1")
            .bind(company_id)
            .fetch_one(&mut *tx)
            .await?;
    if remaining == 0 {
        return Err(AppError::conflict(
            "user_id",
            "A company needs at least one admin.",
        ));
    }
    // The account belongs to this company only.
    sqlx::query("DELETE FROM users WHERE id = $1 AND company_id = $2")
        .bind(user_id)
        .bind(company_id)
        .execute(&mut *tx)
        .await?;
    let change = Change::new(AuditAction::AdminRemoved, user_id, &email);
    audit::record(&mut tx, company_id, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn change_password(
    pool: &PgPool,
    caller: &Admin,
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    passwords::validate_new_password("new_password", &new_password)?;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(caller.user_id)
            .fetch_optional(pool)
            .await?;
    if !passwords::verify(current_password, stored).await? {
        return Err(AppError::bad_request(
            "current_password",
            "Current password is incorrect.",
        ));
    }
    let hash = passwords::hash(new_password).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1")
        .bind(caller.user_id)
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(caller.user_id)
        .bind(caller.session_id)
        .execute(&mut *tx)
        .await?;
    let actor = Actor::of(&crate::auth::access::Caller::from(caller));
    let change = Change::new(AuditAction::PasswordChanged, caller.user_id, &caller.email);
    audit::record(&mut tx, caller.company_id, &actor, change).await?;
    tx.commit().await.map_err(db_error)
}

pub async fn insert_admin(
    tx: &mut Transaction<'_, Postgres>,
    company_id: Uuid,
    email: &str,
    name: &str,
    password_hash: &str,
) -> Result<Uuid, AppError> {
    // Accounts belong to one company, and an email is unique within it: whether the address
    // has an account in another company is none of this company's business.
    let user_id: Uuid = sqlx::query_scalar(
        "INSERT INTO users (company_id, email, name, password_hash) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(company_id)
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .fetch_one(&mut **tx)
    .await
    .map_err(unique_as_conflict(
        "email",
        "This company already has an admin with this email.".into(),
    ))?;
    sqlx::query(
        "INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, 'company_admin')",
    )
    .bind(company_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(user_id)
}

/// Marks (or unmarks) an admin as an installation operator, who may set up provider OAuth apps
/// for every company (`plugboard admin operator`).
pub async fn set_installation_operator(
    pool: &PgPool,
    company_name: &str,
    email: &str,
    operator: bool,
) -> Result<(), AppError> {
    let updated = sqlx::query(
        "UPDATE users u SET installation_operator = $3
           FROM companies c
          WHERE u.company_id = c.id AND lower(c.name) = lower($1) AND lower(u.email) = lower($2)",
    )
    .bind(company_name.trim())
    .bind(email.trim())
    .bind(operator)
    .execute(pool)
    .await?;
    match updated.rows_affected() {
        0 => Err(AppError::NotFound(format!(
            "No admin {email} in a company named {company_name:?}."
        ))),
        _ => Ok(()),
    }
}
