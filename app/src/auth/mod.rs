//! Signing in and out, first-run setup, and who is signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::ApiClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
pub mod key_cache;
#[cfg(feature = "ssr")]
pub mod key_usage;
#[cfg(feature = "ssr")]
pub mod passwords;
#[cfg(feature = "ssr")]
pub mod rate_limit;
pub mod scope;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub company_id: Uuid,
    pub company_name: String,
}

impl CurrentUser {
    /// Up to two initials for the avatar: from the name, else from the email. As written: the
    /// avatar's style already shows them in capitals, and Rust's `to_uppercase` would bring
    /// Unicode's case tables into every page's wasm.
    pub fn initials(&self) -> String {
        let source = if self.name.trim().is_empty() {
            &self.email
        } else {
            &self.name
        };
        source
            .split(|c: char| c.is_whitespace() || c == '.' || c == '@')
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SetupStatus {
    pub needs_setup: bool,
}

/// The signed-in admin and their company.
#[server(prefix = "/api/v1/auth", endpoint = "me", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_current_user() -> Result<CurrentUser, AppError> {
    let caller = access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    service::current_user(&state, caller.user_id, caller.company_id).await
}

/// Whether the one-time setup form should be offered (no admin exists yet).
#[server(prefix = "/api/v1/auth", endpoint = "setup_status", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_setup_status() -> Result<SetupStatus, AppError> {
    let state = crate::runtime::app_state()?;
    Ok(SetupStatus {
        needs_setup: service::needs_setup(&state).await?,
    })
}

/// Creates the first company and its admin, and signs them in. Takes a form body
/// (`application/x-www-form-urlencoded`) so that the setup page works before its script loads;
/// `confirm_password`, when sent, must equal `password`.
#[server(prefix = "/api/v1/auth", endpoint = "setup", input = server_fn::codec::PostUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn complete_setup(
    company_name: String,
    #[server(default)] name: String,
    email: String,
    password: String,
    #[server(default)] confirm_password: Option<String>,
) -> Result<CurrentUser, AppError> {
    if confirm_password.is_some_and(|c| c != password) {
        return Err(AppError::bad_request(
            "confirm_password",
            "Passwords do not match.",
        ));
    }
    let state = crate::runtime::app_state()?;
    service::complete_setup(&state, &company_name, &name, &email, password).await
}

/// Signs an admin in: sets the session cookie (HttpOnly) and the CSRF cookie. Throttled per
/// account and per address. Takes a form body (`application/x-www-form-urlencoded`), so the
/// sign-in page works before its script loads.
#[server(prefix = "/api/v1/auth", endpoint = "sign_in", input = server_fn::codec::PostUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn sign_in(email: String, password: String) -> Result<CurrentUser, AppError> {
    let state = crate::runtime::app_state()?;
    let parts = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
    let ip = crate::runtime::client_ip::client_ip(
        &parts.headers,
        &parts.extensions,
        state.config.trust_proxy_headers,
    );
    service::sign_in(&state, &ip, &email, password).await
}

/// Ends the caller's session and clears its cookies.
#[server(prefix = "/api/v1/auth", endpoint = "sign_out", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn sign_out() -> Result<(), AppError> {
    let caller = access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    session::end(&state.pool, &state.config, caller.session_id).await
}
