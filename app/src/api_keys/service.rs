//! Storing and changing API keys. Every query is scoped to the caller's company.

use chrono::{DateTime, Utc};
use rand::distributions::{Alphanumeric, DistString};
use sqlx::PgPool;
use uuid::Uuid;

use super::{ApiKeyList, ApiKeyStatus, ApiKeyView, IssuedApiKey};
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::auth::access::Caller;
use crate::auth::key_cache::{KEY_PREFIX, KEY_RANDOM_LEN};
use crate::auth::scope::{grants, Scope};
use crate::error::AppError;
use crate::server::{found, tokens, unique_as_conflict, AppState};

const MAX_GRACE_SECS: u32 = 7 * 24 * 60 * 60;

/// A key's fields, checked.
pub struct NewKey {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub expires_in_days: Option<u32>,
}

impl NewKey {
    pub fn validate(
        name: &str,
        mut scopes: Vec<Scope>,
        expires_in_days: Option<u32>,
    ) -> Result<Self, AppError> {
        let sent = name.chars().count();
        let name = name.trim();
        if name.is_empty() || sent > 100 {
            return Err(AppError::bad_request(
                "name",
                "Name the key (1 to 100 characters).",
            ));
        }
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(AppError::bad_request(
                "scopes",
                "Choose at least one scope.",
            ));
        }
        if expires_in_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(AppError::bad_request(
                "expires_in_days",
                "Expiry must be between 1 and 3650 days.",
            ));
        }
        Ok(Self {
            name: name.to_string(),
            scopes,
            expires_in_days,
        })
    }
}

/// An API key may only hand out scopes it holds itself, so no key can mint a stronger one.
pub fn ensure_may_grant(caller: &Caller, scopes: &[Scope]) -> Result<(), AppError> {
    match missing_scope(caller, scopes) {
        Some(s) => Err(AppError::Forbidden(format!(
            "An API key cannot grant the `{}` scope it does not hold.",
            s.as_str()
        ))),
        None => Ok(()),
    }
}

/// An API key may only see, regenerate, disable or delete keys whose every scope it holds:
/// otherwise `api_keys:write` would be a way to take over a stronger key.
fn ensure_may_manage(caller: &Caller, target: &[Scope]) -> Result<(), AppError> {
    match missing_scope(caller, target) {
        Some(s) => Err(AppError::Forbidden(format!(
            "This key holds the `{}` scope, which your API key does not; only a key holding all of its scopes (or an admin) can manage it.",
            s.as_str()
        ))),
        None => Ok(()),
    }
}

/// The first of `scopes` the caller lacks; admins lack none.
fn missing_scope(caller: &Caller, scopes: &[Scope]) -> Option<Scope> {
    let held = caller.scopes()?;
    scopes.iter().copied().find(|s| !grants(held, *s))
}

/// A fresh key: the prefix and 48 base62 characters from the OS's CSPRNG.
fn generate_secret() -> String {
    let random = Alphanumeric.sample_string(&mut rand::rngs::OsRng, KEY_RANDOM_LEN);
    format!("{KEY_PREFIX}{random}")
}

fn preview(secret: &str) -> String {
    let random = &secret[KEY_PREFIX.len()..];
    format!(
        "{KEY_PREFIX}{}...{}",
        &random[..4],
        &random[random.len() - 4..]
    )
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_previewed_by_their_ends() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), KEY_PREFIX.len() + KEY_RANDOM_LEN);
        let p = preview(&a);
        assert!(p.starts_with(&a[..KEY_PREFIX.len() + 4]) && p.ends_with(&a[a.len() - 4..]));
        assert_eq!(p.len(), KEY_PREFIX.len() + 11);
    }

    #[test]
    fn new_keys_need_a_name_and_a_scope() {
        assert_eq!(
            NewKey::validate(" ", vec![Scope::All], None)
                .err()
                .unwrap()
                .field(),
            Some("name")
        );
        assert_eq!(
            NewKey::validate("ci", vec![], None).err().unwrap().field(),
            Some("scopes")
        );
        assert_eq!(
            NewKey::validate("ci", vec![Scope::All], Some(0))
                .err()
                .unwrap()
                .field(),
            Some("expires_in_days")
        );
        let ok =
            NewKey::validate("ci", vec![Scope::EventsWrite, Scope::EventsWrite], Some(30)).unwrap();
        assert_eq!(ok.scopes, vec![Scope::EventsWrite]);
    }
}
