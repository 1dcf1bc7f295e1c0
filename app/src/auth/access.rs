//! Who is calling an `/api` endpoint, resolved once per request by [`authenticate`]: a signed-in
//! admin (session cookie), an API key (`Authorization: Bearer sk_live_...`) or nobody. The
//! middleware also applies the rate limits; server functions then ask for what they need with
//! [`require`] (a scope) or [`require_admin`] (a person).

use std::ops::ControlFlow;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use leptos::prelude::use_context;
use uuid::Uuid;

pub use super::key_cache::KeyPrincipal;
use super::rate_limit::Verdict;
use super::scope::{grants, Scope};
use super::session::{caller_from_headers, check_csrf, Admin};
use crate::error::AppError;
use crate::runtime::{client_ip::client_ip, AppState};

/// The request's identity, stored in its extensions by [`authenticate`].
#[derive(Debug, Clone)]
pub enum Principal {
    Admin(Admin),
    ApiKey(KeyPrincipal),
    Anonymous,
}

/// The caller of a server function that admins and API keys may both call.
#[derive(Debug, Clone)]
pub struct Caller {
    pub company_id: Uuid,
    pub actor: Actor,
}

#[derive(Debug, Clone)]
pub enum Actor {
    Admin {
        user_id: Uuid,
        email: String,
    },
    ApiKey {
        key_id: Uuid,
        name: String,
        scopes: Vec<Scope>,
    },
}

impl From<&Admin> for Caller {
    fn from(admin: &Admin) -> Self {
        Caller {
            company_id: admin.company_id,
            actor: Actor::Admin {
                user_id: admin.user_id,
                email: admin.email.clone(),
            },
        }
    }
}

impl Caller {
    pub fn user_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::Admin { user_id, .. } => Some(*user_id),
            Actor::ApiKey { .. } => None,
        }
    }

    pub fn api_key_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::ApiKey { key_id, .. } => Some(*key_id),
            Actor::Admin { .. } => None,
        }
    }

    /// The scopes of an API key; `None` for an admin, who may do everything.
    pub fn scopes(&self) -> Option<&[Scope]> {
        match &self.actor {
            Actor::ApiKey { scopes, .. } => Some(scopes),
            Actor::Admin { .. } => None,
        }
    }

    /// Who did it, as shown in the UI ("connected by", "created by").
    pub fn label(&self) -> String {
        match &self.actor {
            Actor::Admin { email, .. } => email.clone(),
            Actor::ApiKey { name, .. } => format!("API key \u{201c}{name}\u{201d}"),
        }
    }
}

fn principal() -> Result<(http::request::Parts, Principal), AppError> {
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
    let principal = parts
        .extensions
        .get::<Principal>()
        .cloned()
        .ok_or_else(|| {
            tracing::error!(
                "no Principal on the request: is the authenticate middleware installed?"
            );
            AppError::Internal
        })?;
    Ok((parts, principal))
}

/// The caller, if it is an admin (with the CSRF token on state-changing calls) or an API key
/// holding `scope`: 401 without credentials, 403 for a key without the scope.
pub async fn require(scope: Scope) -> Result<Caller, AppError> {
    match principal()? {
        (parts, Principal::Admin(admin)) => {
            check_csrf(&parts, &admin)?;
            Ok(Caller::from(&admin))
        }
        (_, Principal::ApiKey(key)) if grants(&key.scopes, scope) => Ok(Caller {
            company_id: key.company_id,
            actor: Actor::ApiKey {
                key_id: key.key_id,
                name: key.name,
                scopes: key.scopes,
            },
        }),
        (_, Principal::ApiKey(_)) => Err(AppError::Forbidden(format!(
            "This API key lacks the `{}` scope.",
            scope.as_str()
        ))),
        (_, Principal::Anonymous) => Err(AppError::Unauthenticated),
    }
}

/// The signed-in admin, for what only a person can do (their profile, password, notifications,
/// OAuth consent): API keys get 403.
pub async fn require_admin() -> Result<Admin, AppError> {
    match principal()? {
        (parts, Principal::Admin(admin)) => {
            check_csrf(&parts, &admin)?;
            Ok(admin)
        }
        (_, Principal::ApiKey(_)) => Err(AppError::Forbidden(
            "This endpoint needs a signed-in admin; API keys cannot call it.".into(),
        )),
        (_, Principal::Anonymous) => Err(AppError::Unauthenticated),
    }
}

/// The raw token of an `Authorization: Bearer` header; `Some(None)` when the header is there
/// but is not a bearer token.
fn bearer_token(headers: &HeaderMap) -> Option<Option<&str>> {
    let value = headers.get(http::header::AUTHORIZATION)?;
    let token = value.to_str().ok().and_then(|v| {
        let (scheme, token) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    Some(token)
}

/// Resolves the principal of every `/api` request and applies the rate limits: per API key
/// (a separate, higher one on the publish paths), per client address for anonymous calls.
/// Every limited response carries the `X-RateLimit-*` headers: a refusal here at once, and a
/// request let through on its response, by [`Authenticated::finish`].
pub async fn authenticate(
    state: &AppState,
    req: &mut Request,
) -> ControlFlow<Response, Authenticated> {
    let path = req.uri().path();
    if !path.starts_with("/api/") {
        // Pages: the server functions their resources call while rendering act for the
        // session's admin (no API keys, no rate limit); the page guard reads the same principal.
        // Static files (the wasm bundle, styles, images) need no lookup.
        let principal = match crate::runtime::paths::is_static_file(path) {
            true => Principal::Anonymous,
            false => match caller_from_headers(state, req.headers()).await {
                Ok(Some(admin)) => Principal::Admin(admin),
                Ok(None) => Principal::Anonymous,
                Err(_) => {
                    return ControlFlow::Break(
                        (
                            http::StatusCode::SERVICE_UNAVAILABLE,
                            "Service unavailable, try again shortly.",
                        )
                            .into_response(),
                    )
                }
            },
        };
        req.extensions_mut().insert(principal);
        return ControlFlow::Continue(Authenticated {
            key_id: None,
            verdict: Verdict::unlimited(),
        });
    }
    let publishing = path.starts_with("/api/v1/events/publish");
    let limits = &state.access.limits;
    let (principal, verdict) = match bearer_token(req.headers()) {
        Some(token) => {
            let outcome = match token {
                Some(token) => state.access.keys.authenticate(&state.pool, token).await,
                None => Ok(Err(super::key_cache::Rejection::Malformed)),
            };
            match outcome {
                Ok(Ok(key)) => {
                    let verdict = limits.check_key(key.key_id, publishing);
                    (Principal::ApiKey(key), verdict)
                }
                Ok(Err(rejection)) => {
                    // Guessing keys costs the guesser's address its anonymous allowance.
                    let ip = client_ip(
                        req.headers(),
                        req.extensions(),
                        state.config.trust_proxy_headers,
                    );
                    let verdict = limits.check_ip(&ip);
                    let err = match verdict.retry_after_secs {
                        Some(retry_after_secs) => AppError::TooManyRequests { retry_after_secs },
                        None => AppError::InvalidApiKey(rejection.message().into()),
                    };
                    return ControlFlow::Break(with_rate_headers(err.into_response(), &verdict));
                }
                Err(err) => return ControlFlow::Break(err.into_response()),
            }
        }
        None => match caller_from_headers(state, req.headers()).await {
            Ok(Some(admin)) => (Principal::Admin(admin), Verdict::unlimited()),
            Ok(None) => {
                let ip = client_ip(
                    req.headers(),
                    req.extensions(),
                    state.config.trust_proxy_headers,
                );
                (Principal::Anonymous, limits.check_ip(&ip))
            }
            Err(err) => return ControlFlow::Break(err.into_response()),
        },
    };
    if let Some(retry_after_secs) = verdict.retry_after_secs {
        let response = AppError::TooManyRequests { retry_after_secs }.into_response();
        return ControlFlow::Break(with_rate_headers(response, &verdict));
    }
    let key_id = match &principal {
        Principal::ApiKey(key) => Some(key.key_id),
        _ => None,
    };
    req.extensions_mut().insert(principal);
    ControlFlow::Continue(Authenticated { key_id, verdict })
}

/// A request [`authenticate`] let through, until its response is made.
pub struct Authenticated {
    key_id: Option<Uuid>,
    verdict: Verdict,
}

impl Authenticated {
    /// The response with the rate limit's headers; the key's use noted.
    pub fn finish(self, state: &AppState, response: Response) -> Response {
        // "Last used" is for calls the key may make: a scope refusal is not a use.
        if let Some(key_id) = self.key_id {
            if response.status() != http::StatusCode::FORBIDDEN {
                state.access.usage.touch(key_id);
            }
        }
        with_rate_headers(response, &self.verdict)
    }
}

fn with_rate_headers(mut response: Response, verdict: &Verdict) -> Response {
    let Some(limit) = verdict.limit else {
        return response;
    };
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", limit as u64),
        ("x-ratelimit-remaining", verdict.remaining as u64),
        ("x-ratelimit-reset", verdict.reset_secs),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    response
}
