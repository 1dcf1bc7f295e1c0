//! Using, refreshing and revoking stored tokens.

use chrono::{Duration, Utc};
use oauth2::{RefreshToken, RequestTokenError, TokenResponse};
use uuid::Uuid;

use super::{client, describe_server_error, describe_token_error, expiry};
use crate::error::AppError;
use crate::integrations::catalogue::{ClientAuth, Provider};
use crate::integrations::credentials::Credentials;
use crate::integrations::service;
use crate::runtime::AppState;

/// Tokens expiring sooner than this are refreshed before use.
pub const REFRESH_AHEAD: Duration = Duration::minutes(5);

/// The access token of an OAuth connection, refreshed first if it expires within `ahead`.
/// Concurrent callers queue on the row lock, so one refresh reaches the provider.
pub async fn access_token(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
    ahead: Duration,
) -> Result<String, AppError> {
    let mut tx = state.pool.begin().await?;
    #[derive(sqlx::FromRow)]
    struct Locked {
        provider: String,
        credentials: Vec<u8>,
        token_expires_at: Option<chrono::DateTime<Utc>>,
    }
    let row: Option<Locked> = sqlx::query_as(
        "SELECT provider, credentials, token_expires_at FROM connections
          WHERE company_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(company_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Locked {
        provider: slug,
        credentials: blob,
        token_expires_at: expires_at,
    } = row.ok_or_else(service::not_found)?;
    let Credentials::OAuth {
        access_token,
        refresh_token,
        grant,
    } = Credentials::open(&blob, &state.cipher, company_id, id)?
    else {
        return Err(AppError::bad_request(
            "id",
            "This connection does not use OAuth.",
        ));
    };
    let due = expires_at.is_some_and(|at| at <= Utc::now() + ahead);
    let Some(refresh_token) = refresh_token.filter(|_| due) else {
        tx.commit().await?;
        return Ok(access_token);
    };
    let provider = service::find_provider(state, &slug)?;
    let result = client(state, provider)
        .await?
        .exchange_refresh_token(&RefreshToken::new(refresh_token.clone()))
        .request_async(&state.oauth_http)
        .await;
    match result {
        Ok(token) => {
            let new_access_token = token.access_token().secret().clone();
            let credentials = Credentials::OAuth {
                access_token: new_access_token.clone(),
                // Keep a rotated refresh token; otherwise the old one stays valid.
                refresh_token: Some(
                    token
                        .refresh_token()
                        .map(|t| t.secret().clone())
                        .unwrap_or(refresh_token),
                ),
                grant,
            };
            sqlx::query(
                "UPDATE connections SET credentials = $3, token_expires_at = $4, last_refreshed_at = now(),
                        status = 'active', error_message = NULL, updated_at = now()
                  WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .bind(credentials.seal(&state.cipher, company_id, id)?)
            .bind(expiry(token.expires_in()))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(new_access_token)
        }
        Err(RequestTokenError::ServerResponse(resp)) => {
            let message = describe_server_error(&resp);
            sqlx::query(
                "UPDATE connections SET status = 'error', error_message = $3, updated_at = now()
                  WHERE company_id = $1 AND id = $2",
            )
            .bind(company_id)
            .bind(id)
            .bind(format!(
                "{} refused to refresh access: {message}",
                provider.def.name
            ))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            crate::notifications::service::post(
                &state.pool,
                company_id,
                "integration.error",
                &format!("{} needs to be reconnected", provider.def.name),
                &format!("{} refused to refresh our access ({message}). Reconnect it from the Connected tab.", provider.def.name),
                Some("/integrations/connected"),
            )
            .await?;
            Err(AppError::conflict(
                "id",
                format!("{} needs to be reconnected: {message}", provider.def.name),
            ))
        }
        Err(other) => {
            // Provider text goes into the log as a quoted, escaped field: it cannot forge lines.
            tracing::warn!(connection = %id, error = ?describe_token_error(&other), "token refresh failed");
            Err(AppError::Network(format!(
                "Could not reach {} to refresh access.",
                provider.def.name
            )))
        }
    }
}

/// Refreshes, ahead of expiry, the tokens of every company's OAuth connections.
pub async fn refresh_expiring(state: &AppState) -> Result<usize, AppError> {
    #[derive(sqlx::FromRow)]
    struct Due {
        company_id: Uuid,
        id: Uuid,
    }
    let due: Vec<Due> = sqlx::query_as(
        "SELECT company_id, id FROM connections
          WHERE status = 'active' AND token_expires_at IS NOT NULL AND token_expires_at < now() + interval '10 minutes'
          ORDER BY token_expires_at LIMIT 100",
    )
    .fetch_all(&state.pool)
    .await?;
    let mut refreshed = 0;
    for Due { company_id, id } in due {
        match access_token(state, company_id, id, Duration::minutes(10)).await {
            Ok(_) => refreshed += 1,
            Err(e) => tracing::warn!(connection = %id, "background refresh: {e}"),
        }
    }
    Ok(refreshed)
}

/// Revokes an OAuth grant at the provider (RFC 7009), if it offers revocation: the refresh token
/// where there is one (ending the whole grant), else the access token. Failures are logged only:
/// disconnecting must not depend on the provider answering. (The `oauth2` crate refuses
/// non-https revocation URLs, which local and test providers use, so this is a plain form POST.)
pub async fn revoke(state: &AppState, provider: &Provider, credentials: &Credentials) {
    let (
        Credentials::OAuth {
            access_token,
            refresh_token,
            ..
        },
        Some(settings),
    ) = (credentials, &provider.oauth)
    else {
        return;
    };
    let Some(url) = settings.def.revoke_url.as_deref() else {
        return;
    };
    let client = match crate::integrations::apps::store::credentials(state, provider).await {
        Ok(Some(client)) => client,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(provider = %provider.def.slug, "no client credentials to revoke with: {e}");
            return;
        }
    };
    let (client_id, client_secret) = (client.id.as_str(), client.secret.as_str());
    let (token, hint) = match refresh_token {
        Some(rt) => (rt.as_str(), "refresh_token"),
        None => (access_token.as_str(), "access_token"),
    };
    let mut form = vec![("token", token), ("token_type_hint", hint)];
    let mut request = state.oauth_http.post(url);
    match settings.def.client_auth {
        ClientAuth::Basic => request = request.basic_auth(client_id, Some(client_secret)),
        ClientAuth::RequestBody => {
            form.extend([("client_id", client_id), ("client_secret", client_secret)])
        }
    }
    match request.form(&form).send().await {
        Ok(res) if res.status().is_success() => {
            tracing::info!(provider = %provider.def.slug, "revoked the grant at the provider");
        }
        Ok(res) => {
            tracing::warn!(provider = %provider.def.slug, status = %res.status(), "token revocation refused")
        }
        Err(e) => tracing::warn!(provider = %provider.def.slug, "token revocation failed: {e}"),
    }
}
