//! Companies and their admins. Every query is scoped to the caller's company.

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::admins::insert_admin;
use super::{AdminSummary, CompanySettings};
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::auth::passwords;
use crate::error::AppError;
use crate::runtime::db_error;
use crate::validate;

pub const MAX_COMPANY_NAME: usize = 200;
pub const MAX_PERSON_NAME: usize = 200;
/// Serialises first-run setups so two racing forms cannot both succeed.
const SETUP_LOCK: i64 = 0x706c_7567_0001;

/// First-run setup: only while no admin exists anywhere.
pub async fn create_first_company(
    pool: &PgPool,
    company_name: &str,
    name: &str,
    email: &str,
    password: String,
) -> Result<(Uuid, Uuid), AppError> {
    let company_name = validate::required_text(
        "company_name",
        "Company name",
        company_name,
        MAX_COMPANY_NAME,
    )?;
    let name = validate::optional_text("name", "Name", name, MAX_PERSON_NAME)?;
    let email = validate::email("email", email)?;
    passwords::validate_new_password("password", &password)?;
    let hash = passwords::hash(password).await?;

    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(SETUP_LOCK)
        .execute(&mut *tx)
        .await?;
    let done: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM memberships)")
        .fetch_one(&mut *tx)
        .await?;
    if done {
        return Err(AppError::conflict(
            "company_name",
            "Setup is already complete. Sign in instead.",
        ));
    }
    let company_id = insert_company(&mut tx, &company_name).await?;
    let user_id = insert_admin(&mut tx, company_id, &email, &name, &hash).await?;
    let change = Change::new(AuditAction::AdminAdded, user_id, &email)
        .with_details(serde_json::json!({ "first_run_setup": true }));
    audit::record(&mut tx, company_id, &Actor::admin(user_id, &email), change).await?;
    tx.commit().await?;
    tracing::info!(%company_id, "first-run setup complete");
    Ok((company_id, user_id))
}

/// For `plugboard admin create`: adds an admin to the company of that name, creating it first
/// if there is none.
pub async fn create_admin_in_company(
    pool: &PgPool,
    company_name: &str,
    email: &str,
    password: String,
) -> Result<(Uuid, Uuid), AppError> {
    let company_name =
        validate::required_text("company", "Company name", company_name, MAX_COMPANY_NAME)?;
    let email = validate::email("email", email)?;
    passwords::validate_new_password("password", &password)?;
    let hash = passwords::hash(password).await?;
    let mut tx = pool.begin().await?;
    let existing: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM companies WHERE lower(name) = lower($1)")
            .bind(&company_name)
            .fetch_all(&mut *tx)
            .await?;
    let company_id = match existing.as_slice() {
        [] => insert_company(&mut tx, &company_name).await?,
        [id] => *id,
        _ => {
            return Err(AppError::conflict(
                "company",
                "Several companies have this name.",
            ))
        }
    };
    let user_id = insert_admin(&mut tx, company_id, &email, "", &hash).await?;
    let change = Change::new(AuditAction::AdminAdded, user_id, &email);
    audit::record(&mut tx, company_id, &Actor::command_line(), change).await?;
    tx.commit().await?;
    Ok((company_id, user_id))
}

pub async fn settings(
    pool: &PgPool,
    company_id: Uuid,
    caller_id: Option<Uuid>,
) -> Result<CompanySettings, AppError> {
    #[derive(sqlx::FromRow)]
    struct CompanyRow {
        name: String,
        time_zone: String,
    }
    let company: CompanyRow = sqlx::query_as("SELECT name, time_zone FROM companies WHERE id = $1")
        .bind(company_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::NotFound("Company not found.".into()))?;
    #[derive(sqlx::FromRow)]
    struct AdminRow {
        user_id: Uuid,
        email: String,
        name: String,
        added_at: chrono::DateTime<chrono::Utc>,
    }
    let rows: Vec<AdminRow> = sqlx::query_as(
        "SELECT u.id AS user_id, u.email, u.name, m.created_at AS added_at
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.company_id = $1 ORDER BY m.created_at, u.email",
    )
    .bind(company_id)
    .fetch_all(pool)
    .await?;
    let admins = rows
        .into_iter()
        .map(|row| AdminSummary {
            is_you: Some(row.user_id) == caller_id,
            user_id: row.user_id,
            email: row.email,
            name: row.name,
            added_at: row.added_at,
        })
        .collect();
    Ok(CompanySettings {
        company_id,
        name: company.name,
        time_zone: company.time_zone,
        admins,
    })
}

pub async fn rename(
    pool: &PgPool,
    company_id: Uuid,
    actor: &Actor,
    name: &str,
) -> Result<(), AppError> {
    let name = validate::required_text("name", "Company name", name, MAX_COMPANY_NAME)?;
    let mut tx = pool.begin().await?;
    let previous: String =
        sqlx::query_scalar("SELECT name FROM companies WHERE id = $1 FOR UPDATE")
            .bind(company_id)
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query("UPDATE companies SET name = $2 WHERE id = $1")
        .bind(company_id)
        .bind(&name)
        .execute(&mut *tx)
        .await?;
    if previous != name {
        let change = Change::new(AuditAction::CompanyRenamed, company_id, &name)
            .with_details(serde_json::json!({ "previous_name": previous }));
        audit::record(&mut tx, company_id, actor, change).await?;
    }
    tx.commit().await.map_err(db_error)
}

/// Every IANA zone name, sorted.
pub fn time_zones() -> Vec<String> {
    let mut zones: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| zone.name().to_string())
        .collect();
    zones.sort();
    zones
}

pub async fn set_time_zone(
    pool: &PgPool,
    company_id: Uuid,
    actor: &Actor,
    time_zone: &str,
) -> Result<(), AppError> {
    let zone: chrono_tz::Tz = time_zone.trim().parse().map_err(|_| {
        AppError::bad_request(
            "time_zone",
            format!("{time_zone:?} is not a time zone. Use an IANA name such as Europe/Paris."),
        )
    })?;
    let mut tx = pool.begin().await?;
    let previous: String =
        sqlx::query_scalar("SELECT time_zone FROM companies WHERE id = $1 FOR UPDATE")
            .bind(company_id)
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query("UPDATE companies SET time_zone = $2 WHERE id = $1")
        .bind(company_id)
        .bind(zone.name())
        .execute(&mut *tx)
        .await?;
    if previous != zone.name() {
        let change = Change::new(AuditAction::CompanyTimeZoneChanged, company_id, zone.name())
            .with_details(serde_json::json!({ "previous_time_zone": previous }));
        audit::record(&mut tx, company_id, actor, change).await?;
    }
    tx.commit().await.map_err(db_error)
}

async fn insert_company(tx: &mut Transaction<'_, Postgres>, name: &str) -> Result<Uuid, AppError> {
    sqlx::query_scalar("INSERT INTO companies (name) VALUES ($1) RETURNING id")
        .bind(name)
        .fetch_one(&mut **tx)
        .await
        .map_err(db_error)
}
