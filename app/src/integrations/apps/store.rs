//! Where provider OAuth apps live: the environment (which takes precedence) or the
//! `provider_apps` table, sealed; who may register them; and the view the setup panel shows.

use std::collections::HashSet;

use sqlx::PgPool;

use super::{check, AppSource, ProviderAppView};
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::auth::access::Caller;
use crate::auth::session::Admin;
use crate::error::AppError;
use crate::integrations::catalogue::Provider;
use crate::integrations::service::find_provider;
use crate::runtime::AppState;

/// Who may register provider apps, as the panel and the README say it.
pub const WHO_MAY: &str = "Admins of the installation's first company, and admins an operator \
     marked with `plugboard admin operator`, may set up provider apps.";

const ID_MAX: usize = 256;
const SECRET_MAX: usize = 1024;

/// A provider app's client credentials (the secret opened).
pub struct ClientCredentials {
    pub id: String,
    pub secret: String,
}

#[derive(sqlx::FromRow)]
struct AppRow {
    client_id: String,
    client_secret: Vec<u8>,
    check_note: String,
    updated_by_email: String,
    updated_at: chrono::DateTime<chrono::Utc>,
}

/// The sealed secret is bound to its provider, so a blob copied to another row does not open.
fn aad(slug: &str) -> Vec<u8> {
    format!("provider_app:{slug}").into_bytes()
}

async fn row(pool: &PgPool, slug: &str) -> Result<Option<AppRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT client_id, client_secret, check_note, updated_by_email, updated_at
           FROM provider_apps WHERE provider = $1",
    )
    .bind(slug)
    .fetch_optional(pool)
    .await?)
}

/// The client credentials in force for an OAuth provider: the environment's, else the
/// registered app's; none when neither is set.
pub async fn credentials(
    state: &AppState,
    provider: &Provider,
) -> Result<Option<ClientCredentials>, AppError> {
    let Some(settings) = &provider.oauth else {
        return Ok(None);
    };
    if let Some((id, secret)) = settings.client() {
        return Ok(Some(ClientCredentials {
            id: id.to_string(),
            secret: secret.to_string(),
        }));
    }
    let Some(row) = row(&state.pool, &provider.def.slug).await? else {
        return Ok(None);
    };
    let secret = state
        .cipher
        .decrypt(&row.client_secret, &aad(&provider.def.slug))?;
    Ok(Some(ClientCredentials {
        id: row.client_id,
        secret: String::from_utf8_lossy(&secret).into_owned(),
    }))
}

/// The providers with an app registered in Plugboard.
pub async fn registered(pool: &PgPool) -> Result<HashSet<String>, AppError> {
    let slugs: Vec<String> = sqlx::query_scalar("SELECT provider FROM provider_apps")
        .fetch_all(pool)
        .await?;
    Ok(slugs.into_iter().collect())
}

/// Whether `admin` may register provider apps: an admin of the first company set up on this
/// installation, or one an operator marked with `plugboard admin operator`.
pub async fn may_manage(pool: &PgPool, admin: &Admin) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT (SELECT id FROM companies ORDER BY created_at, id LIMIT 1) = $1
                OR EXISTS (SELECT 1 FROM users WHERE id = $2 AND installation_operator)",
    )
    .bind(admin.company_id)
    .bind(admin.user_id)
    .fetch_one(pool)
    .await?)
}

fn oauth_provider<'a>(state: &'a AppState, slug: &str) -> Result<&'a Provider, AppError> {
    let provider = find_provider(state, slug)?;
    match provider.oauth {
        Some(_) => Ok(provider),
        None => Err(AppError::bad_request(
            "slug",
            format!(
                "{} does not connect with OAuth: it has no app to set up.",
                provider.def.name
            ),
        )),
    }
}

pub async fn view(
    state: &AppState,
    admin: &Admin,
    slug: &str,
) -> Result<ProviderAppView, AppError> {
    let provider = oauth_provider(state, slug)?;
    let env_client = provider
        .oauth
        .as_ref()
        .and_then(|o| o.client())
        .map(|(id, _)| id.to_string());
    let row = match env_client {
        Some(_) => None,
        None => row(&state.pool, slug).await?,
    };
    let source = match (&env_client, &row) {
        (Some(_), _) => AppSource::Environment,
        (None, Some(_)) => AppSource::Plugboard,
        (None, None) => AppSource::None,
    };
    let prefix = &provider.env_prefix;
    Ok(ProviderAppView {
        slug: provider.def.slug.clone(),
        provider_name: provider.def.name.clone(),
        source,
        client_id: env_client.or_else(|| row.as_ref().map(|r| r.client_id.clone())),
        env_vars: vec![
            format!("{prefix}_CLIENT_ID"),
            format!("{prefix}_CLIENT_SECRET"),
        ],
        redirect_uri: state.catalogue.redirect_uri().to_string(),
        console_url: provider
            .oauth
            .as_ref()
            .and_then(|o| o.def.console_url.clone())
            .or_else(|| provider.def.docs_url.clone()),
        may_manage: may_manage(&state.pool, admin).await?,
        who_may: WHO_MAY.to_string(),
        updated_by: row.as_ref().map(|r| r.updated_by_email.clone()),
        updated_at: row.as_ref().map(|r| r.updated_at),
        check_note: row.map(|r| r.check_note),
    })
}

/// A single-line value without spaces: client ids and secrets are opaque tokens.
fn token(field: &str, label: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = crate::validate::required_text(field, label, value, max)?;
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::bad_request(
            field,
            format!("{label} must not contain spaces or line breaks."),
        ));
    }
    Ok(value)
}

async fn require_operator(state: &AppState, admin: &Admin) -> Result<(), AppError> {
    match may_manage(&state.pool, admin).await? {
        true => Ok(()),
        false => Err(AppError::Forbidden(format!(
            "Only installation operators may set up provider apps. {WHO_MAY}"
        ))),
    }
}

fn environment_in_force(provider: &Provider) -> Result<(), AppError> {
    match provider.oauth.as_ref().and_then(|o| o.client()) {
        Some(_) => Err(AppError::conflict(
            "slug",
            format!(
                "{}'s app is set by {p}_CLIENT_ID and {p}_CLIENT_SECRET on this server, which take \
                 precedence: change it there.",
                provider.def.name,
                p = provider.env_prefix
            ),
        )),
        None => Ok(()),
    }
}

pub async fn save(
    state: &AppState,
    admin: &Admin,
    slug: &str,
    client_id: &str,
    client_secret: &str,
) -> Result<ProviderAppView, AppError> {
    let provider = oauth_provider(state, slug)?;
    require_operator(state, admin).await?;
    environment_in_force(provider)?;
    let client_id = token("client_id", "The client ID", client_id, ID_MAX)?;
    let client_secret = token(
        "client_secret",
        "The client secret",
        client_secret,
        SECRET_MAX,
    )?;
    // Refused credentials are not saved; the error names the field the provider blamed.
    let note = check::check(state, provider, &client_id, &client_secret).await?;
    let sealed = state.cipher.encrypt(client_secret.as_bytes(), &aad(slug))?;
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO provider_apps (provider, client_id, client_secret, check_note, updated_by_email)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (provider) DO UPDATE
            SET client_id = EXCLUDED.client_id, client_secret = EXCLUDED.client_secret,
                check_note = EXCLUDED.check_note, updated_by_email = EXCLUDED.updated_by_email,
                updated_at = now()",
    )
    .bind(slug)
    .bind(&client_id)
    .bind(sealed)
    .bind(&note)
    .bind(&admin.email)
    .execute(&mut *tx)
    .await?;
    let caller = Caller::from(admin);
    let change = Change::new(AuditAction::ProviderAppSaved, slug, &provider.def.name)
        .with_details(serde_json::json!({ "client_id": client_id }));
    audit::record(&mut tx, admin.company_id, &Actor::of(&caller), change).await?;
    tx.commit().await?;
    tracing::info!(provider = %slug, by = %admin.email, "provider app saved");
    view(state, admin, slug).await
}

pub async fn remove(
    state: &AppState,
    admin: &Admin,
    slug: &str,
) -> Result<ProviderAppView, AppError> {
    let provider = oauth_provider(state, slug)?;
    require_operator(state, admin).await?;
    let mut tx = state.pool.begin().await?;
    let removed = sqlx::query("DELETE FROM provider_apps WHERE provider = $1")
        .bind(slug)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(AppError::NotFound(format!(
            "{} has no app set up in Plugboard.",
            provider.def.name
        )));
    }
    let caller = Caller::from(admin);
    let change = Change::new(AuditAction::ProviderAppRemoved, slug, &provider.def.name);
    audit::record(&mut tx, admin.company_id, &Actor::of(&caller), change).await?;
    tx.commit().await?;
    view(state, admin, slug).await
}
