//! Checking pasted credentials with the provider before a connection is stored, where the
//! provider has a cheap call for it: a wrong key is refused with the provider's reason instead
//! of showing "Connected".

use std::collections::BTreeMap;

use serde_json::Value;

use super::catalogue::Provider;
use crate::error::AppError;
use crate::runtime::untrusted::storable;
use crate::runtime::AppState;

/// The account the credentials belong to (shown on the card), or why the provider refused them.
/// Providers without a check pass unchecked (`None`).
pub async fn check(
    state: &AppState,
    provider: &Provider,
    values: &BTreeMap<String, String>,
) -> Result<Option<String>, AppError> {
    match provider.def.slug.as_str() {
        "telegram" => telegram(state, provider, values).await.map(Some),
        _ => Ok(None),
    }
}

/// Telegram's `getMe`: the bot's username, or 401 for a wrong token.
async fn telegram(
    state: &AppState,
    provider: &Provider,
    values: &BTreeMap<String, String>,
) -> Result<String, AppError> {
    let token = values
        .get("bot_token")
        .map(String::as_str)
        .unwrap_or_default();
    let refused = |reason: &str| {
        AppError::bad_request(
            "bot_token",
            format!("Telegram refused this bot token: {reason}. Copy it again from @BotFather."),
        )
    };
    let url = format!(
        "{}/bot{token}/getMe",
        provider.def.api_base_url.trim_end_matches('/')
    );
    let url =
        reqwest::Url::parse(&url).map_err(|_| refused("it does not look like a bot token"))?;
    let unreachable = |e: reqwest::Error| {
        tracing::warn!("Telegram getMe failed: {e}");
        AppError::Network(
            "Could not reach Telegram to check the bot token. Try again in a moment.".into(),
        )
    };
    let response = state.http.get(url).send().await.map_err(unreachable)?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    let description = answer
        .get("description")
        .and_then(Value::as_str)
        .map(storable)
        .unwrap_or_else(|| format!("HTTP {status}"));
    if status.is_server_error() {
        return Err(AppError::Network(format!(
            "Telegram could not check the bot token ({description}). Try again in a moment."
        )));
    }
    if answer.get("ok").and_then(Value::as_bool) != Some(true) {
        return Err(refused(&description));
    }
    let username = answer
        .pointer("/result/username")
        .and_then(Value::as_str)
        .map(storable)
        .unwrap_or_default();
    Ok(format!("@{username}"))
}
