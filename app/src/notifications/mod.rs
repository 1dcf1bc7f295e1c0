//! In-app notifications for a company's admins (the header's bell). Other domains post to it
//! through [`service::post`].

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::ApiClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod service;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct NotificationFeed {
    pub unread: i64,
    pub items: Vec<Notification>,
}

/// The newest notifications of the caller's company, with the caller's read state.
#[server(prefix = "/api/v1/notifications", endpoint = "list", input = server_fn::codec::GetUrl, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn list_notifications() -> Result<NotificationFeed, AppError> {
    let caller = crate::auth::access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    service::feed(&state.pool, caller.company_id, caller.user_id, 20).await
}

/// Marks every notification of the caller's company read for the caller.
#[server(prefix = "/api/v1/notifications", endpoint = "mark_all_read", input = server_fn::codec::Json, client = ApiClient,
         input_derive = (Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema))]
pub async fn mark_all_notifications_read() -> Result<(), AppError> {
    let caller = crate::auth::access::require_admin().await?;
    let state = crate::runtime::app_state()?;
    service::mark_all_read(&state.pool, caller.company_id, caller.user_id).await
}
