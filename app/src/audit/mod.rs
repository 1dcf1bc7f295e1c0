//! The audit log: security-relevant changes (admins, API keys, webhook endpoints, connections),
//! who made them and from where. Written in the same transaction as the change itself, so a
//! change is never without its record. Admins read it in Settings; REST with `audit:read`.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::client::ApiClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod service;

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    Admin,
    ApiKey,
    CommandLine,
    System,
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum AuditAction {
    #[serde(rename = "admin.added")]
    AdminAdded,
    #[serde(rename = "admin.removed")]
    AdminRemoved,
    #[serde(rename = "admin.password_changed")]
    PasswordChanged,
    #[serde(rename = "company.renamed")]
    CompanyRenamed,
    #[serde(rename = "company.time_zone_changed")]
    CompanyTimeZoneChanged,
    #[serde(rename = "api_key.created")]
    ApiKeyCreated,
    #[serde(rename = "api_key.regenerated")]
    ApiKeyRegenerated,
    #[serde(rename = "api_key.enabled")]
    ApiKeyEnabled,
    #[serde(rename = "api_key.disabled")]
    ApiKeyDisabled,
    #[serde(rename = "api_key.deleted")]
    ApiKeyDeleted,
    #[serde(rename = "webhook.created")]
    WebhookCreated,
    #[serde(rename = "webhook.updated")]
    WebhookUpdated,
    #[serde(rename = "webhook.secret_rotated")]
    WebhookSecretRotated,
    #[serde(rename = "webhook.deleted")]
    WebhookDeleted,
    #[serde(rename = "integration.connected")]
    IntegrationConnected,
    #[serde(rename = "integration.disconnected")]
    IntegrationDisconnected,
    #[serde(rename = "integration.app_saved")]
    ProviderAppSaved,
    #[serde(rename = "integration.app_removed")]
    ProviderAppRemoved,
}

impl AuditAction {
    pub const EVERY: [AuditAction; 18] = [
        AuditAction::AdminAdded,
        AuditAction::AdminRemoved,
        AuditAction::PasswordChanged,
        AuditAction::CompanyRenamed,
        AuditAction::CompanyTimeZoneChanged,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRegenerated,
        AuditAction::ApiKeyEnabled,
        AuditAction::ApiKeyDisabled,
        AuditAction::ApiKeyDeleted,
        AuditAction::WebhookCreated,
        AuditAction::WebhookUpdated,
        AuditAction::WebhookSecretRotated,
        AuditAction::WebhookDeleted,
        AuditAction::IntegrationConnected,
        AuditAction::IntegrationDisconnected,
        AuditAction::ProviderAppSaved,
        AuditAction::ProviderAppRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::AdminAdded => "admin.added",
            AuditAction::AdminRemoved => "admin.removed",
            AuditAction::PasswordChanged => "admin.password_changed",
            AuditAction::CompanyRenamed => "company.renamed",
            AuditAction::CompanyTimeZoneChanged => "company.time_zone_changed",
            AuditAction::ApiKeyCreated => "api_key.created",
            AuditAction::ApiKeyRegenerated => "api_key.regenerated",
            AuditAction::ApiKeyEnabled => "api_key.enabled",
            AuditAction::ApiKeyDisabled => "api_key.disabled",
            AuditAction::ApiKeyDeleted => "api_key.deleted",
            AuditAction::WebhookCreated => "webhook.created",
            AuditAction::WebhookUpdated => "webhook.updated",
            AuditAction::WebhookSecretRotated => "webhook.secret_rotated",
            AuditAction::WebhookDeleted => "webhook.deleted",
            AuditAction::IntegrationConnected => "integration.connected",
            AuditAction::IntegrationDisconnected => "integration.disconnected",
            AuditAction::ProviderAppSaved => "integration.app_saved",
            AuditAction::ProviderAppRemoved => "integration.app_removed",
        }
    }

    pub fn parse(text: &str) -> Option<AuditAction> {
        AuditAction::EVERY.into_iter().find(|a| a.as_str() == text)
    }

    /// As the Settings page shows it: "Added admin", followed by the target.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::AdminAdded => "Added admin",
            AuditAction::AdminRemoved => "Removed admin",
            AuditAction::PasswordChanged => "Changed password",
            AuditAction::CompanyRenamed => "Renamed company",
            AuditAction::CompanyTimeZoneChanged => "Set the time zone to",
            AuditAction::ApiKeyCreated => "Created API key",
            AuditAction::ApiKeyRegenerated => "Regenerated API key",
            AuditAction::ApiKeyEnabled => "Enabled API key",
            AuditAction::ApiKeyDisabled => "Disabled API key",
            AuditAction::ApiKeyDeleted => "Deleted API key",
            AuditAction::WebhookCreated => "Added webhook endpoint",
            AuditAction::WebhookUpdated => "Changed webhook endpoint",
            AuditAction::WebhookSecretRotated => "Rotated signing secret of",
            AuditAction::WebhookDeleted => "Deleted webhook endpoint",
            AuditAction::IntegrationConnected => "Connected",
            AuditAction::IntegrationDisconnected => "Disconnected",
            AuditAction::ProviderAppSaved => "Set up the OAuth app of",
            AuditAction::ProviderAppRemoved => "Removed the OAuth app of",
        }
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    /// The admin's email, or the API key's name.
    pub actor: String,
    /// The client address the change came from (none for the command line).
    pub ip: Option<String>,
    pub action: AuditAction,
    /// What was changed: an email, a key or endpoint name, a provider.
    pub target: String,
    pub target_id: Option<String>,
    /// Particulars, e.g. a new key's scopes.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// A page of the log, newest first; pass `next_before` as `before` for the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_before: Option<i64>,
}

/// The company's audit log, newest first (`limit` 1 to 100, default 50).
#[server(prefix = "/api/v1/audit", endpoint = "list", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_audit_log(
    before: Option<i64>,
    limit: Option<u32>,
) -> Result<AuditPage, AppError> {
    let caller = crate::auth::access::require(crate::auth::scope::Scope::AuditRead).await?;
    let state = crate::runtime::app_state()?;
    service::list(&state.pool, caller.company_id, before, limit).await
}
