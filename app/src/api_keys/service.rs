//! Storing and changing API keys. Every query is scoped to the caller's company.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

pub use super::rules::NewKey;
use super::rules::{ensure_may_manage, generate_secret, missing_scope, preview};
use super::{ApiKeyList, ApiKeyStatus, ApiKeyView, IssuedApiKey};
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::auth::access::Caller;
use crate::auth::scope::Scope;
use crate::error::AppError;
use crate::runtime::{found, tokens, unique_as_conflict, AppState};

const MAX_GRACE_SECS: u32 = 7 * 24 * 60 * 60;

const SELECT_VIEW: &str = "SELECT id, name, scopes, preview, enabled, expires_at, created_by_label, created_at,
        regenerated_at, CASE WHEN previous_valid_until > now() THEN previous_valid_until END AS previous_valid_until,
        last_used_at
   FROM api_keys";

#[derive(sqlx::FromRow)]
struct ViewRow {
    id: Uuid,
    name: String,
    scopes: Vec<String>,
    preview: String,
    enabled: bool,
    expires_at: Option<DateTime<Utc>>,
    created_by_label: String,
    created_at: DateTime<Utc>,
    regenerated_at: Option<DateTime<Utc>>,
    previous_valid_until: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

fn view(row: ViewRow) -> ApiKeyView {
    let ViewRow {
        id,
        name,
        scopes,
        preview,
        enabled,
        expires_at,
        created_by_label: created_by,
        created_at,
        regenerated_at,
        previous_valid_until,
        last_used_at,
    } = row;
    let status = if !enabled {
        ApiKeyStatus::Disabled
    } else if expires_at.is_some_and(|at| at <= Utc::now()) {
        ApiKeyStatus::Expired
    } else {
        ApiKeyStatus::Active
    };
    ApiKeyView {
        id,
        name,
        scopes: scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
        preview,
        enabled,
        status,
        expires_at,
        created_by,
        created_at,
        regenerated_at,
        previous_valid_until,
        last_used_at,
    }
}

/// The keys the caller may see: all of them for an admin, for an API key those whose scopes
/// it holds.
pub async fn list(state: &AppState, caller: &Caller) -> Result<ApiKeyList, AppError> {
    let rows: Vec<ViewRow> = sqlx::query_as(&format!(
        "{SELECT_VIEW} WHERE company_id = $1 ORDER BY created_at DESC"
    ))
    .bind(caller.company_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(ApiKeyList {
        api_base_url: api_base_url(state),
        keys: rows
            .into_iter()
            .map(view)
            .filter(|key| missing_scope(caller, &key.scopes).is_none())
            .collect(),
    })
}

pub fn api_base_url(state: &AppState) -> String {
    format!(
        "{}/api/v1",
        state.config.public_url.as_str().trim_end_matches('/')
    )
}

pub async fn get(pool: &PgPool, company_id: Uuid, id: Uuid) -> Result<ApiKeyView, AppError> {
    sqlx::query_as(&format!("{SELECT_VIEW} WHERE company_id = $1 AND id = $2"))
        .bind(company_id)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(view)
        .ok_or_else(|| AppError::NotFound("No such API key.".into()))
}

/// Stores a new key, recording who created it.
pub async fn create(
    pool: &PgPool,
    company_id: Uuid,
    actor: &Actor,
    new: NewKey,
) -> Result<IssuedApiKey, AppError> {
    let id = Uuid::new_v4();
    let secret = generate_secret();
    let scopes: Vec<&str> = new.scopes.iter().map(|s| s.as_str()).collect();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO api_keys (id, company_id, name, scopes, key_hash, preview, expires_at, created_by, created_by_label)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7), $8, $9)",
    )
    .bind(id)
    .bind(company_id)
    .bind(&new.name)
    .bind(&scopes)
    .bind(tokens::sha256(&secret))
    .bind(preview(&secret))
    .bind(new.expires_in_days.map(|d| d as i32))
    .bind(actor.user_id())
    .bind(actor.label())
    .execute(&mut *tx)
    .await
    .map_err(unique_as_conflict(
        "name",
        "A key with this name already exists.".into(),
    ))?;
    let change = Change::new(AuditAction::ApiKeyCreated, id, &new.name).with_details(
        serde_json::json!({ "scopes": scopes, "expires_in_days": new.expires_in_days }),
    );
    audit::record(&mut tx, company_id, actor, change).await?;
    tx.commit().await?;
    tracing::info!(%company_id, key = %id, "API key created");
    Ok(IssuedApiKey {
        key: get(pool, company_id, id).await?,
        secret,
    })
}

/// The key, if the caller may manage it (404 for another company's key, 403 for a stronger one).
async fn manageable(state: &AppState, caller: &Caller, id: Uuid) -> Result<ApiKeyView, AppError> {
    let key = get(&state.pool, caller.company_id, id).await?;
    ensure_may_manage(caller, &key.scopes)?;
    Ok(key)
}

pub async fn regenerate(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    grace_period_secs: u32,
) -> Result<IssuedApiKey, AppError> {
    if grace_period_secs > MAX_GRACE_SECS {
        return Err(AppError::bad_request(
            "grace_period_secs",
            "The grace period can be at most 7 days (604800 seconds).",
        ));
    }
    let key = manageable(state, caller, id).await?;
    let company_id = caller.company_id;
    let secret = generate_secret();
    let grace = (grace_period_secs > 0).then_some(f64::from(grace_period_secs));
    let mut tx = state.pool.begin().await?;
    found(
        sqlx::query(
            "UPDATE api_keys
            SET previous_key_hash = CASE WHEN $4::float8 IS NULL THEN NULL ELSE key_hash END,
                previous_valid_until = now() + make_interval(secs => $4::float8),
                key_hash = $3, preview = $5, regenerated_at = now()
          WHERE company_id = $1 AND id = $2",
        )
        .bind(company_id)
        .bind(id)
        .bind(tokens::sha256(&secret))
        .bind(grace)
        .bind(preview(&secret))
        .execute(&mut *tx)
        .await?,
        "No such API key.",
    )?;
    let change = Change::new(AuditAction::ApiKeyRegenerated, id, &key.name)
        .with_details(serde_json::json!({ "grace_period_secs": grace_period_secs }));
    audit::record(&mut tx, company_id, &Actor::of(caller), change).await?;
    tx.commit().await?;
    state.access.keys.forget(id);
    tracing::info!(%company_id, key = %id, grace_period_secs, "API key regenerated");
    Ok(IssuedApiKey {
        key: get(&state.pool, company_id, id).await?,
        secret,
    })
}

pub async fn set_enabled(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    enabled: bool,
) -> Result<ApiKeyView, AppError> {
    let key = manageable(state, caller, id).await?;
    let company_id = caller.company_id;
    let mut tx = state.pool.begin().await?;
    found(
        sqlx::query("UPDATE api_keys SET enabled = $3 WHERE company_id = $1 AND id = $2")
            .bind(company_id)
            .bind(id)
            .bind(enabled)
            .execute(&mut *tx)
            .await?,
        "No such API key.",
    )?;
    if key.enabled != enabled {
        let action = match enabled {
            true => AuditAction::ApiKeyEnabled,
            false => AuditAction::ApiKeyDisabled,
        };
        audit::record(
            &mut tx,
            company_id,
            &Actor::of(caller),
            Change::new(action, id, &key.name),
        )
        .await?;
    }
    tx.commit().await?;
    state.access.keys.forget(id);
    get(&state.pool, company_id, id).await
}

pub async fn delete(state: &AppState, caller: &Caller, id: Uuid) -> Result<(), AppError> {
    let key = manageable(state, caller, id).await?;
    let company_id = caller.company_id;
    let mut tx = state.pool.begin().await?;
    found(
        sqlx::query("DELETE FROM api_keys WHERE company_id = $1 AND id = $2")
            .bind(company_id)
            .bind(id)
            .execute(&mut *tx)
            .await?,
        "No such API key.",
    )?;
    let change = Change::new(AuditAction::ApiKeyDeleted, id, &key.name);
    audit::record(&mut tx, company_id, &Actor::of(caller), change).await?;
    tx.commit().await?;
    state.access.keys.forget(id);
    tracing::info!(%company_id, key = %id, "API key deleted");
    Ok(())
}

/// For `plugboard api-key create`: a key for the named company, created by the command line.
pub async fn create_for_company_named(
    pool: &PgPool,
    company: &str,
    new: NewKey,
) -> Result<IssuedApiKey, AppError> {
    let company_id: Uuid = sqlx::query_scalar("SELECT id FROM companies WHERE name = $1")
        .bind(company)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!("No company named \u{201c}{company}\u{201d}."))
        })?;
    create(pool, company_id, &Actor::command_line(), new).await
}
