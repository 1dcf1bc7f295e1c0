//! OAuth 2.0 for catalogue providers: the authorization-code flow (`flow`) and the tokens it
//! yields (`tokens`: refresh under a row lock, revocation). Endpoints come from the catalogue
//! and the environment.

mod flow;
mod tokens;

pub use flow::{complete, start, CallbackFailure, CallbackQuery};
pub use tokens::{access_token, refresh_expiring, revoke, REFRESH_AHEAD};

use chrono::{Duration, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType as ClientAuthType, AuthUrl, ClientId, ClientSecret, EndpointNotSet, EndpointSet,
    ExtraTokenFields, RedirectUrl, RequestTokenError, StandardRevocableToken,
    StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::apps;
use super::catalogue::{ClientAuth, OAuthSettings, Provider};
use super::types::AuthType;
use crate::error::AppError;
use crate::runtime::AppState;

/// Every token-response field beyond the standard ones, so the catalogue's `token_fields` (for
/// example Salesforce's `instance_url`) can be kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherFields {
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}
impl ExtraTokenFields for OtherFields {}

type TokenResponseWithFields = StandardTokenResponse<OtherFields, BasicTokenType>;
pub(super) type OAuthClient = oauth2::Client<
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

pub(super) fn oauth_settings(provider: &Provider) -> Result<&OAuthSettings, AppError> {
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

/// The provider's OAuth client with the credentials in force (the environment's, else the app
/// an operator registered).
async fn client(state: &AppState, provider: &Provider) -> Result<OAuthClient, AppError> {
    let credentials = apps::store::credentials(state, provider)
        .await?
        .ok_or_else(|| {
            AppError::conflict(
                "provider",
                format!(
                    "{} is not set up on this server: register its OAuth app on its page, or set {}.",
                    provider.def.name,
                    provider.missing_env().join(" and ")
                ),
            )
        })?;
    client_with(state, provider, &credentials.id, &credentials.secret)
}

/// The provider's OAuth client with the given credentials.
pub(super) fn client_with(
    state: &AppState,
    provider: &Provider,
    id: &str,
    secret: &str,
) -> Result<OAuthClient, AppError> {
    let settings = oauth_settings(provider)?;
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

/// The provider's error, as text that can be stored and shown (it is untrusted input).
pub(super) fn describe_server_error(resp: &BasicErrorResponse) -> String {
    let text = match resp.error_description() {
        Some(desc) => format!("{}: {desc}", resp.error()),
        None => resp.error().to_string(),
    };
    crate::runtime::untrusted::into_storable(text)
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
