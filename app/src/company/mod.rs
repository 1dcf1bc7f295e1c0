//! The company's own settings: its name and its admins.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::ApiClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod admins;
#[cfg(feature = "ssr")]
pub mod service;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompanySettings {
    pub company_id: Uuid,
    pub name: String,
    /// An IANA time zone name (e.g. `Europe/Paris`): daily summaries go out by its clock.
    pub time_zone: String,
    pub admins: Vec<AdminSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdminSummary {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub added_at: DateTime<Utc>,
    /// The caller: the UI offers no "Remove" for yourself.
    pub is_you: bool,
}

/// The company's name and admins.
#[server(prefix = "/api/v1/company", endpoint = "get", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn get_company_settings() -> Result<CompanySettings, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::CompanyRead).await?;
    let state = crate::runtime::app_state()?;
    service::settings(&state.pool, caller.company_id, caller.user_id()).await
}

/// Renames the company.
#[server(prefix = "/api/v1/company", endpoint = "rename", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn rename_company(name: String) -> Result<CompanySettings, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::CompanyWrite).await?;
    let state = crate::runtime::app_state()?;
    let actor = crate::audit::service::Actor::of(&caller);
    service::rename(&state.pool, caller.company_id, &actor, &name).await?;
    service::settings(&state.pool, caller.company_id, caller.user_id()).await
}

/// Sets the company's time zone, an IANA name such as `Europe/Paris` (see `time_zones`).
#[server(prefix = "/api/v1/company", endpoint = "set_time_zone", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn set_time_zone(time_zone: String) -> Result<CompanySettings, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::CompanyWrite).await?;
    let state = crate::runtime::app_state()?;
    let actor = crate::audit::service::Actor::of(&caller);
    service::set_time_zone(&state.pool, caller.company_id, &actor, &time_zone).await?;
    service::settings(&state.pool, caller.company_id, caller.user_id()).await
}

/// The time zones a company can pick (IANA names, sorted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimeZones {
    pub zones: Vec<String>,
}

/// The time zones a company can pick.
#[server(prefix = "/api/v1/company", endpoint = "time_zones", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_time_zones() -> Result<TimeZones, AppError> {
    crate::auth::access::require(crate::auth::scope::Scope::CompanyRead).await?;
    Ok(TimeZones {
        zones: service::time_zones(),
    })
}

/// Adds an admin with an initial password, which they can change after signing in. Only a
/// signed-in admin can do this: no API key can create a person who could then mint keys.
#[server(prefix = "/api/v1/company", endpoint = "add_admin", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn add_admin(
    email: String,
    name: String,
    password: String,
) -> Result<AdminSummary, AppError> {
    let caller = crate::auth::access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    let actor = crate::audit::service::Actor::of(&(&caller).into());
    admins::add_admin(
        &state.pool,
        caller.company_id,
        &actor,
        &email,
        &name,
        password,
    )
    .await
}

/// Removes an admin from the company (not yourself, and never the last one); their sessions end.
/// Only a signed-in admin can do this.
#[server(prefix = "/api/v1/company", endpoint = "remove_admin", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn remove_admin(user_id: Uuid) -> Result<(), AppError> {
    let caller = crate::auth::access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    let actor = crate::audit::service::Actor::of(&(&caller).into());
    admins::remove_admin(
        &state.pool,
        caller.company_id,
        &actor,
        caller.user_id,
        user_id,
    )
    .await
}

/// Changes the caller's own password and signs out their other sessions.
#[server(prefix = "/api/v1/company", endpoint = "change_password", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let caller = crate::auth::access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    admins::change_password(&state.pool, &caller, current_password, new_password).await
}
