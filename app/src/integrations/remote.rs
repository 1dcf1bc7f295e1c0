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

/// A Graph collection: `{"value": [...]}`.
#[derive(Deserialize)]
struct GraphList<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
}

#[derive(Deserialize)]
struct GraphNamed {
    id: String,
    #[serde(rename = "displayName", default)]
    display_name: String,
}

/// The label of `value` among `source`'s options (a Teams channel's "Support › Escalations"),
/// for the card's connection line; None when the provider cannot say now.
pub async fn option_label(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
    source: &str,
    value: &str,
) -> Option<String> {
    options(state, company_id, id, source)
        .await
        .ok()?
        .into_iter()
        .find(|o| o.value == value)
        .map(|o| o.label)
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
        ("microsoft-teams", "channels") => {
            let token = oauth::access_token(state, company_id, id, REFRESH_AHEAD).await?;
            teams_channels(state, &provider.def.api_base_url, &token).await
        }
        _ => Err(AppError::bad_request(
            "source",
            format!("{} has no option list {source:?}.", provider.def.name),
        )),
    }
}

/// Every channel of every team the connected account belongs to, as `{team-id}/{channel-id}`
/// labelled "Team › Channel" (`GET /me/joinedTeams`, then `GET /teams/{id}/channels`).
async fn teams_channels(
    state: &AppState,
    api_base_url: &str,
    token: &str,
) -> Result<Vec<RemoteOption>, AppError> {
    let base = api_base_url.trim_end_matches('/');
    let get = |url: String| async move {
        let response = state
            .http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!("Teams channel list failed: {}", e.without_url());
                AppError::Network(
                    "Could not load channels from Microsoft Teams. Try again in a moment.".into(),
                )
            })?;
        let status = response.status();
        if !status.is_success() {
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            let code = body
                .pointer("/error/code")
                .and_then(serde_json::Value::as_str)
                .map(crate::runtime::untrusted::storable)
                .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
            return Err(AppError::Network(format!(
                "Microsoft Teams refused to list channels: {code}."
            )));
        }
        response
            .json::<GraphList<GraphNamed>>()
            .await
            .map(|list| list.value)
            .map_err(|_| {
                AppError::Network(
                    "Microsoft Teams answered with an unreadable channel list.".into(),
                )
            })
    };
    let mut options = Vec::new();
    for team in get(format!("{base}/me/joinedTeams")).await? {
        let segment =
            percent_encoding::utf8_percent_encode(&team.id, percent_encoding::NON_ALPHANUMERIC);
        for channel in get(format!("{base}/teams/{segment}/channels")).await? {
            options.push(RemoteOption {
                value: crate::actions::teams::channel_value(&team.id, &channel.id),
                label: format!("{} › {}", team.display_name, channel.display_name),
            });
        }
    }
    options.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(options)
}
