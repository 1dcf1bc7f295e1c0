//! The OAuth 2.0 authorization-code flow (state bound to the admin's session, single use, ten
//! minutes; PKCE S256 where the provider supports it), token refresh under a row lock, and
//! revocation on disconnect. Endpoints come from the catalogue and the environment.

use chrono::{Duration, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType as ClientAuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::catalogue::{ClientAuth, OAuthSettings, Provider};
use super::credentials::Credentials;
use super::service::{self, NewConnection};
use super::types::{AuthType, OAuthStart};
use crate::auth::session::Caller;
use crate::error::AppError;
use crate::server::{db_error, tokens, AppState};

/// How long an authorization request may take.
const STATE_TTL_MINUTES: i64 = 10;
/// Tokens expiring sooner than this are refreshed before use.
pub const REFRESH_AHEAD: Duration = Duration::minutes(5);

/// Every token-response field beyond the standard ones, so the catalogue's `token_fields` (for
/// example Salesforce's `instance_url`) can be kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherFields {
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}
impl ExtraTokenFields for OtherFields {}

type TokenResponseWithFields = StandardTokenResponse<OtherFields, BasicTokenType>;
type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponseWithFields,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

fn oauth_settings(provider: &Provider) -> Result<&OAuthSettings, AppError> {
    provider
        .oauth
        .as_ref()
        .filter(|_| provider.def.auth_type == AuthType::Oauth2)
        .ok_or_else(|| {
            AppError::bad_request(
                "provider",
                format!("{} does not connect with OAuth.", provider.def.name),
            )
        })
}

fn client(state: &AppState, provider: &Provider) -> Result<OAuthClient, AppError> {
    let settings = oauth_settings(provider)?;
    let (id, secret) = settings.client().ok_or_else(|| {
        AppError::conflict(
            "provider",
            format!(
                "{} is not configured on this server: set {}.",
                provider.def.name,
                provider.missing_env().join(" and ")
            ),
        )
    })?;
    let bad_url = |e: oauth2::url::ParseError| {
        tracing::error!(provider = %provider.def.slug, "bad OAuth URL: {e}");
        AppError::Internal
    };
    Ok(oauth2::Client::new(ClientId::new(id.to_string()))
        .set_client_secret(ClientSecret::new(secret.to_string()))
        .set_auth_uri(AuthUrl::new(settings.def.authorize_url.clone()).map_err(bad_url)?)
        .set_token_uri(TokenUrl::new(settings.def.token_url.clone()).map_err(bad_url)?)
        .set_redirect_uri(
            RedirectUrl::new(state.catalogue.redirect_uri().to_string()).map_err(bad_url)?,
        )
        .set_auth_type(match settings.def.client_auth {
            ClientAuth::Basic => ClientAuthType::BasicAuth,
            ClientAuth::RequestBody => ClientAuthType::RequestBody,
        }))
}

/// Records a single-use state bound to the caller's session and returns the provider's
/// authorization URL.
pub async fn start(state: &AppState, caller: &Caller, slug: &str) -> Result<OAuthStart, AppError> {
    let provider = service::find_provider(state, slug)?;
    let settings = oauth_settings(provider)?;
    let client = client(state, provider)?;
    if !provider.def.allow_multiple {
        let connected: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM connections WHERE company_id = $1 AND provider = $2)",
        )
        .bind(caller.company_id)
        .bind(slug)
        .fetch_one(&state.pool)
        .await
        .map_err(db_error)?;
        if connected {
            return Err(AppError::conflict(
                "provider",
                format!("{} is already connected.", provider.def.name),
            ));
        }
    }
    let state_token = tokens::random_token();
    let state_hash = tokens::sha256(&state_token);
    let scope = settings.def.scopes.join(&settings.def.scope_separator);
    let mut request = client.authorize_url(|| CsrfToken::new(state_token.clone()));
    if !scope.is_empty() {
        request = request.add_scope(Scope::new(scope));
    }
    for (key, value) in &settings.def.extra_authorize_params {
        request = request.add_extra_param(key.clone(), value.clone());
    }
    let mut sealed_verifier = None;
    if settings.def.pkce {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        sealed_verifier = Some(
            state
                .cipher
                .encrypt(verifier.secret().as_bytes(), &state_hash)?,
        );
    }
    let (url, _) = request.url();
    sqlx::query(
        "INSERT INTO oauth_states (state_hash, company_id, session_id, user_id, provider, pkce_verifier, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(mins => $7))",
    )
    .bind(&state_hash)
    .bind(caller.company_id)
    .bind(caller.session_id)
    .bind(caller.user_id)
    .bind(slug)
    .bind(sealed_verifier)
    .bind(STATE_TTL_MINUTES as i32)
    .execute(&state.pool)
    .await
    .map_err(db_error)?;
    Ok(OAuthStart {
        authorize_url: url.to_string(),
    })
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ClaimedState {
    company_id: Uuid,
    session_id: Uuid,
    provider: String,
    pkce_verifier: Option<Vec<u8>>,
    fresh: bool,
}

/// Why a callback did not produce a connection: a code for the UI and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackFailure {
    pub provider: Option<String>,
    pub code: &'static str,
    pub detail: String,
}

fn failure(
    provider: Option<&str>,
    code: &'static str,
    detail: impl Into<String>,
) -> CallbackFailure {
    CallbackFailure {
        provider: provider.map(str::to_string),
        code,
        detail: detail.into(),
    }
}

/// Checks the state (known, unused, unexpired, this session's), exchanges the code and stores
/// the connection. Nothing is stored on any failure.
pub async fn complete(
    state: &AppState,
    caller: &Caller,
    query: CallbackQuery,
) -> Result<(String, Uuid), CallbackFailure> {
    let internal = |_| failure(None, "internal", "Something went wrong on our side.");
    let Some(state_token) = query.state.as_deref().filter(|s| !s.is_empty()) else {
        return Err(failure(
            None,
            "invalid_state",
            "The provider's answer carried no state.",
        ));
    };
    let state_hash = tokens::sha256(state_token);
    // Deleting claims the state: a replayed callback finds nothing.
    let row: Option<ClaimedState> = sqlx::query_as(
        "DELETE FROM oauth_states WHERE state_hash = $1
         RETURNING company_id, session_id, provider, pkce_verifier, expires_at > now() AS fresh",
    )
    .bind(&state_hash)
    .fetch_optional(&state.pool)
    .await
    .map_err(|e| internal(db_error(e)))?;
    let Some(ClaimedState {
        company_id,
        session_id,
        provider: slug,
        pkce_verifier: sealed_verifier,
        fresh,
    }) = row
    else {
        return Err(failure(
            None,
            "invalid_state",
            "This sign-in attempt is unknown or was already used.",
        ));
    };
    if company_id != caller.company_id || session_id != caller.session_id {
        return Err(failure(
            Some(&slug),
            "invalid_state",
            "This sign-in attempt belongs to another session.",
        ));
    }
    if !fresh {
        return Err(failure(
            Some(&slug),
            "expired_state",
            "The sign-in attempt took longer than 10 minutes.",
        ));
    }
    if let Some(error) = query.error.as_deref() {
        let detail = query
            .error_description
            .clone()
            .unwrap_or_else(|| error.to_string());
        let code = if error == "access_denied" {
            "access_denied"
        } else {
            "provider_error"
        };
        return Err(failure(Some(&slug), code, detail));
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return Err(failure(
            Some(&slug),
            "provider_error",
            "The provider sent no authorization code.",
        ));
    };
    let provider = service::find_provider(state, &slug).map_err(internal)?;
    let client = client(state, provider).map_err(internal)?;
    let mut exchange = client.exchange_code(AuthorizationCode::new(code));
    if let Some(sealed) = sealed_verifier {
        let verifier = state
            .cipher
            .decrypt(&sealed, &state_hash)
            .map_err(internal)?;
        exchange = exchange.set_pkce_verifier(PkceCodeVerifier::new(
            String::from_utf8_lossy(&verifier).into_owned(),
        ));
    }
    let token = exchange
        .request_async(&state.oauth_http)
        .await
        .map_err(|e| failure(Some(&slug), "exchange_failed", describe_token_error(&e)))?;
    let settings = oauth_settings(provider).map_err(internal)?;
    let kept: serde_json::Map<String, serde_json::Value> = settings
        .def
        .token_fields
        .iter()
        .filter_map(|f| {
            token
                .extra_fields()
                .fields
                .get(f)
                .map(|v| (f.clone(), v.clone()))
        })
        .collect();
    let account_label = settings
        .def
        .account_label_field
        .as_deref()
        .and_then(|path| lookup(&token.extra_fields().fields, path))
        .unwrap_or_default();
    let new = NewConnection {
        provider,
        credentials: Credentials::OAuth {
            access_token: token.access_token().secret().clone(),
            refresh_token: token.refresh_token().map(|t| t.secret().clone()),
        },
        connection_info: if account_label.is_empty() {
            String::new()
        } else {
            format!("Account: {account_label}")
        },
        account_label,
        token_expires_at: expiry(token.expires_in()),
        provider_data: serde_json::Value::Object(kept),
    };
    let id = service::insert(state, caller, new)
        .await
        .map_err(|e| match e {
            AppError::Conflict { message, .. } => {
                failure(Some(&slug), "already_connected", message)
            }
            other => internal(other),
        })?;
    Ok((slug, id))
}

fn expiry(expires_in: Option<std::time::Duration>) -> Option<chrono::DateTime<Utc>> {
    expires_in
        .and_then(|d| Duration::from_std(d).ok())
        .map(|d| Utc::now() + d)
}

/// A dot path (`team.name`) into the token response.
fn lookup(fields: &serde_json::Map<String, serde_json::Value>, path: &str) -> Option<String> {
    let mut parts = path.split('.');
    let mut value = fields.get(parts.next()?)?;
    for part in parts {
        value = value.get(part)?;
    }
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn describe_server_error(resp: &BasicErrorResponse) -> String {
    match resp.error_description() {
        Some(desc) => format!("{}: {desc}", resp.error()),
        None => resp.error().to_string(),
    }
}

fn describe_token_error<RE: std::error::Error + 'static>(
    err: &RequestTokenError<RE, BasicErrorResponse>,
) -> String {
    match err {
        RequestTokenError::ServerResponse(resp) => describe_server_error(resp),
        RequestTokenError::Request(e) => format!("could not reach the provider ({e})"),
        RequestTokenError::Parse(e, _) => format!("unreadable answer from the provider ({e})"),
        RequestTokenError::Other(e) => e.clone(),
    }
}

/// The access token of an OAuth connection, refreshed first if it expires within `ahead`.
/// Concurrent callers queue on the row lock, so one refresh reaches the provider.
pub async fn access_token(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
    ahead: Duration,
) -> Result<String, AppError> {
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let row: Option<(String, Vec<u8>, Option<chrono::DateTime<Utc>>)> = sqlx::query_as(
        "SELECT provider, credentials, token_expires_at FROM connections
          WHERE company_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(company_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_error)?;
    let (slug, blob, expires_at) = row.ok_or_else(service::not_found)?;
    let Credentials::OAuth {
        access_token,
        refresh_token,
    } = Credentials::open(&blob, &state.cipher, company_id, id)?
    else {
        return Err(AppError::bad_request(
            "id",
            "This connection does not use OAuth.",
        ));
    };
    let due = expires_at.is_some_and(|at| at <= Utc::now() + ahead);
    let Some(refresh_token) = refresh_token.filter(|_| due) else {
        tx.commit().await.map_err(db_error)?;
        return Ok(access_token);
    };
    let provider = service::find_provider(state, &slug)?;
    let result = client(state, provider)?
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
            .await
            .map_err(db_error)?;
            tx.commit().await.map_err(db_error)?;
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
            .await
            .map_err(db_error)?;
            tx.commit().await.map_err(db_error)?;
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
            tracing::warn!(connection = %id, "token refresh failed: {}", describe_token_error(&other));
            Err(AppError::Network(format!(
                "Could not reach {} to refresh access.",
                provider.def.name
            )))
        }
    }
}

/// Refreshes, ahead of expiry, the tokens of every company's OAuth connections.
pub async fn refresh_expiring(state: &AppState) -> Result<usize, AppError> {
    let due: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT company_id, id FROM connections
          WHERE status = 'active' AND token_expires_at IS NOT NULL AND token_expires_at < now() + interval '10 minutes'
          ORDER BY token_expires_at LIMIT 100",
    )
    .fetch_all(&state.pool)
    .await
    .map_err(db_error)?;
    let mut refreshed = 0;
    for (company_id, id) in due {
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
        },
        Some(settings),
    ) = (credentials, &provider.oauth)
    else {
        return;
    };
    let (Some(url), Some((client_id, client_secret))) =
        (settings.def.revoke_url.as_deref(), settings.client())
    else {
        return;
    };
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
