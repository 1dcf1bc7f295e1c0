//! Starting a connection and finishing it at the callback.

use oauth2::{
    AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, Scope, TokenResponse,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{client, describe_token_error, expiry, lookup, oauth_settings};
use crate::auth::access::Caller;
use crate::auth::session::Admin;
use crate::error::AppError;
use crate::integrations::credentials::Credentials;
use crate::integrations::new_connection::{self, NewConnection};
use crate::integrations::service;
use crate::integrations::types::OAuthStart;
use crate::runtime::{db_error, tokens, AppState};

/// How long an authorization request may take.
const STATE_TTL_MINUTES: i64 = 10;

/// Records a single-use state bound to the caller's session and returns the provider's
/// authorization URL. With `reconnect`, the flow renews that connection's credentials in place
/// (its settings and waiting deliveries kept) instead of creating another.
pub async fn start(
    state: &AppState,
    caller: &Admin,
    slug: &str,
    reconnect: Option<Uuid>,
) -> Result<OAuthStart, AppError> {
    let provider = service::find_provider(state, slug)?;
    let settings = oauth_settings(provider)?;
    let client = client(state, provider).await?;
    if let Some(id) = reconnect {
        let existing = service::get(state, caller.company_id, id).await?;
        if existing.provider != slug {
            return Err(AppError::bad_request(
                "reconnect",
                format!("That connection is not a {} connection.", provider.def.name),
            ));
        }
    } else if !provider.def.allow_multiple {
        let connected: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM connections WHERE company_id = $1 AND provider = $2)",
        )
        .bind(caller.company_id)
        .bind(slug)
        .fetch_one(&state.pool)
        .await?;
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
        "INSERT INTO oauth_states (state_hash, company_id, session_id, user_id, provider, pkce_verifier, expires_at,
                                   reconnect_id)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(mins => $7), $8)",
    )
    .bind(&state_hash)
    .bind(caller.company_id)
    .bind(caller.session_id)
    .bind(caller.user_id)
    .bind(slug)
    .bind(sealed_verifier)
    .bind(STATE_TTL_MINUTES as i32)
    .bind(reconnect)
    .execute(&state.pool)
    .await?;
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
    provider: String,
    pkce_verifier: Option<Vec<u8>>,
    fresh: bool,
    reconnect_id: Option<Uuid>,
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
    caller: &Admin,
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
    // Deleting claims the state: a replayed callback finds nothing. Only the session that
    // started the flow can claim it, so a callback opened in someone else's browser (a forged
    // link) cannot burn the real admin's attempt.
    let row: Option<ClaimedState> = sqlx::query_as(
        "DELETE FROM oauth_states WHERE state_hash = $1 AND company_id = $2 AND session_id = $3
         RETURNING provider, pkce_verifier, expires_at > now() AS fresh, reconnect_id",
    )
    .bind(&state_hash)
    .bind(caller.company_id)
    .bind(caller.session_id)
    .fetch_optional(&state.pool)
    .await
    .map_err(|e| internal(db_error(e)))?;
    let Some(ClaimedState {
        provider: slug,
        pkce_verifier: sealed_verifier,
        fresh,
        reconnect_id,
    }) = row
    else {
        let foreign: Option<String> =
            sqlx::query_scalar("SELECT provider FROM oauth_states WHERE state_hash = $1")
                .bind(&state_hash)
                .fetch_optional(&state.pool)
                .await
                .map_err(|e| internal(db_error(e)))?;
        return Err(match foreign {
            Some(slug) => failure(
                Some(&slug),
                "invalid_state",
                "This sign-in attempt belongs to another session.",
            ),
            None => failure(
                None,
                "invalid_state",
                "This sign-in attempt is unknown or was already used.",
            ),
        });
    };
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
    let client = client(state, provider).await.map_err(internal)?;
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
    let pick = |names: &[String]| -> serde_json::Map<String, serde_json::Value> {
        names
            .iter()
            .filter_map(|f| {
                token
                    .extra_fields()
                    .fields
                    .get(f)
                    .map(|v| (f.clone(), v.clone()))
            })
            .collect()
    };
    let kept = pick(&settings.def.token_fields);
    let grant = pick(&settings.def.sealed_token_fields);
    let field = settings.def.account_label_field.as_deref();
    let account_label = match settings.def.account_label_endpoint.as_deref() {
        Some(endpoint) => {
            account_from_api(
                state,
                provider,
                endpoint,
                token.access_token().secret(),
                field,
            )
            .await
        }
        None => field.and_then(|path| lookup(&token.extra_fields().fields, path)),
    }
    .map(|label| crate::runtime::untrusted::storable(&label))
    .unwrap_or_default();
    let new = NewConnection {
        provider,
        credentials: Credentials::OAuth {
            access_token: token.access_token().secret().clone(),
            refresh_token: token.refresh_token().map(|t| t.secret().clone()),
            grant,
        },
        connection_info: if account_label.is_empty() {
            String::new()
        } else {
            format!("Account: {account_label}")
        },
        account_label,
        token_expires_at: expiry(token.expires_in()),
        provider_data: serde_json::Value::Object(kept),
        rest_hook: None,
    };
    let stored = match reconnect_id {
        Some(id) => new_connection::reconnect(state, &Caller::from(caller), id, new).await,
        None => new_connection::insert(state, &Caller::from(caller), new).await,
    };
    let id = stored.map_err(|e| match e {
        AppError::Conflict { message, .. } => failure(Some(&slug), "already_connected", message),
        other => internal(other),
    })?;
    Ok((slug, id))
}

/// The account's name from the provider's API (`GET {api_base_url}/{endpoint}` with the new
/// token), read at `field`. Best effort: a failure leaves the label empty and is logged.
async fn account_from_api(
    state: &AppState,
    provider: &crate::integrations::catalogue::Provider,
    endpoint: &str,
    access_token: &str,
    field: Option<&str>,
) -> Option<String> {
    let url = format!(
        "{}/{}",
        provider.def.api_base_url.trim_end_matches('/'),
        endpoint.trim_start_matches('/')
    );
    let answer = state
        .http
        .get(url)
        .bearer_auth(access_token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status);
    let answer: serde_json::Value = match answer {
        Ok(response) => response.json().await.ok()?,
        Err(e) => {
            tracing::warn!(provider = %provider.def.slug, "naming the connected account: {}", e.without_url());
            return None;
        }
    };
    lookup(answer.as_object()?, field?)
}
