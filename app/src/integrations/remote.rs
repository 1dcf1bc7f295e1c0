//! Choices a settings form offers that come from the provider's own API, fetched with the
//! connection's stored token (refreshed first if it is about to expire).

use serde::Deserialize;
use uuid::Uuid;

use super::oauth::{self, REFRESH_AHEAD};
use super::service;
use super::types::RemoteOption;
use crate::error::AppError;
use crate::runtime::AppState;

#[derive(Deserialize)]
struct SlackChannels {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    channels: Vec<SlackChannel>,
}

#[derive(Deserialize)]
struct SlackChannel {
    name: String,
}

pub async fn options(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
    source: &str,
) -> Result<Vec<RemoteOption>, AppError> {
    let connection = service::get(state, company_id, id).await?;
    let provider = service::find_provider(state, &connection.provider)?;
    match (provider.def.slug.as_str(), source) {
        ("slack", "channels") => {
            let token = oauth::access_token(state, company_id, id, REFRESH_AHEAD).await?;
            let url = format!(
                "{}/conversations.list",
                provider.def.api_base_url.trim_end_matches('/')
            );
            let unreachable = |e: reqwest::Error| {
                tracing::warn!(connection = %id, "Slack channel list failed: {e}");
                AppError::Network(
                    "Could not load channels from Slack. Try again in a moment.".into(),
                )
            };
            let response: SlackChannels = state
                .http
                .get(url)
                .bearer_auth(token)
                .query(&[
                    ("types", "public_channel,private_channel"),
                    ("exclude_archived", "true"),
                    ("limit", "200"),
                ])
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(unreachable)?
                .json()
                .await
                .map_err(unreachable)?;
            if !response.ok {
                let error = response.error.unwrap_or_else(|| "unknown error".into());
                return Err(AppError::Network(format!(
                    "Slack refused to list channels: {error}"
                )));
            }
            let mut options: Vec<RemoteOption> = response
                .channels
                .into_iter()
                .map(|c| RemoteOption {
                    value: format!("#{}", c.name),
                    label: format!("#{}", c.name),
                })
                .collect();
            options.sort_by(|a, b| a.label.cmp(&b.label));
            Ok(options)
        }
        _ => Err(AppError::bad_request(
            "source",
            format!("{} has no option list {source:?}.", provider.def.name),
        )),
    }
}
