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
        "stripe" => stripe(state, provider, values).await,
        "zendesk" => zendesk(state, provider, values).await.map(Some),
        "whatsapp-business" => whatsapp(state, provider, values).await.map(Some),
        _ => Ok(None),
    }
}

fn value<'a>(values: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    values.get(name).map(String::as_str).unwrap_or_default()
}

fn unreachable(provider: &Provider) -> impl Fn(reqwest::Error) -> AppError + '_ {
    move |e| {
        tracing::warn!("checking {} credentials failed: {e}", provider.def.name);
        AppError::Network(format!(
            "Could not reach {} to check the credentials. Try again in a moment.",
            provider.def.name
        ))
    }
}

/// Stripe's `GET /v1/account`: the account's name. A restricted key without the account
/// permission is still a valid key (403 names the permission it lacks): accepted, unnamed.
async fn stripe(
    state: &AppState,
    provider: &Provider,
    values: &BTreeMap<String, String>,
) -> Result<Option<String>, AppError> {
    let url = format!(
        "{}/account",
        provider.def.api_base_url.trim_end_matches('/')
    );
    let url = reqwest::Url::parse(&url).map_err(|_| AppError::Internal)?;
    let response = state
        .http
        .get(url)
        .bearer_auth(value(values, "api_key"))
        .send()
        .await
        .map_err(unreachable(provider))?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    let message = answer
        .pointer("/error/message")
        .and_then(Value::as_str)
        .map(storable)
        .unwrap_or_else(|| format!("HTTP {status}"));
    match status.as_u16() {
        200 => Ok([
            "/business_profile/name",
            "/settings/dashboard/display_name",
            "/id",
        ]
        .iter()
        .find_map(|path| answer.pointer(path).and_then(Value::as_str))
        .filter(|name| !name.is_empty())
        .map(storable)),
        403 => Ok(None),
        401 | 400 => Err(AppError::bad_request(
            "api_key",
            format!("Stripe refused this key: {message}"),
        )),
        _ => Err(AppError::Network(format!(
            "Stripe could not check the key ({message}). Try again in a moment."
        ))),
    }
}

/// Zendesk's `GET /api/v2/users/me.json` with the agent's email and API token: the agent's
/// name. Zendesk answers a wrong token with 401 (or, for some accounts, the anonymous user).
async fn zendesk(
    state: &AppState,
    provider: &Provider,
    values: &BTreeMap<String, String>,
) -> Result<String, AppError> {
    let subdomain = value(values, "subdomain").to_ascii_lowercase();
    let valid = !subdomain.is_empty()
        && subdomain.len() <= 63
        && subdomain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !subdomain.starts_with('-');
    if !valid {
        return Err(AppError::bad_request(
            "subdomain",
            "Enter the part before .zendesk.com: letters, digits and dashes.",
        ));
    }
    let base = provider.def.api_base_url.replace("{subdomain}", &subdomain);
    let url = format!("{}/users/me.json", base.trim_end_matches('/'));
    let url = reqwest::Url::parse(&url).map_err(|_| AppError::Internal)?;
    let user = format!("{}/token", value(values, "email"));
    let response = state
        .http
        .get(url)
        .basic_auth(user, Some(value(values, "api_token")))
        .send()
        .await
        .map_err(unreachable(provider))?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    let refused = |reason: String| {
        AppError::bad_request(
            "api_token",
            format!("Zendesk refused these credentials: {reason}. Check the agent email and the API token."),
        )
    };
    match status.as_u16() {
        200 => {
            let user = answer.get("user").cloned().unwrap_or(Value::Null);
            if user.get("id").is_none_or(Value::is_null) {
                return Err(refused("it signed in no one".into()));
            }
            let name = user.get("name").and_then(Value::as_str).unwrap_or_default();
            Ok(storable(name))
        }
        401 | 403 => {
            let reason = answer
                .get("error")
                .and_then(Value::as_str)
                .map(storable)
                .unwrap_or_else(|| format!("HTTP {status}"));
            Err(refused(reason))
        }
        404 => Err(AppError::bad_request(
            "subdomain",
            format!("There is no Zendesk account at {subdomain}.zendesk.com."),
        )),
        _ => Err(AppError::Network(format!(
            "Zendesk could not check the credentials (HTTP {status}). Try again in a moment."
        ))),
    }
}

/// The Cloud API's phone number (`GET /{phone-number-id}`) with the access token: its verified
/// name and number. 190 is a refused token; 100 a phone number ID the token cannot see.
async fn whatsapp(
    state: &AppState,
    provider: &Provider,
    values: &BTreeMap<String, String>,
) -> Result<String, AppError> {
    let id = value(values, "phone_number_id");
    if id.is_empty() || id.len() > 30 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::bad_request(
            "phone_number_id",
            "The phone number ID is the number under WhatsApp Manager → API setup: digits only.",
        ));
    }
    let url = format!("{}/{id}", provider.def.api_base_url.trim_end_matches('/'));
    let url = reqwest::Url::parse(&url).map_err(|_| AppError::Internal)?;
    let response = state
        .http
        .get(url)
        .query(&[("fields", "display_phone_number,verified_name")])
        .bearer_auth(value(values, "access_token"))
        .send()
        .await
        .map_err(unreachable(provider))?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    let text = |pointer: &str| {
        answer
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(storable)
            .unwrap_or_default()
    };
    match (status.as_u16(), answer.pointer("/error/code").and_then(Value::as_i64)) {
        (200, _) => Ok(format!(
            "{} ({})",
            text("/verified_name"),
            text("/display_phone_number")
        )),
        (_, Some(190)) | (401, _) => Err(AppError::bad_request(
            "access_token",
            format!("WhatsApp refused the access token: {}", text("/error/message")),
        )),
        (_, Some(100)) => Err(AppError::bad_request(
            "phone_number_id",
            "This access token cannot use that phone number ID. Check it in WhatsApp Manager → API setup.",
        )),
        _ => Err(AppError::Network(format!(
            "WhatsApp could not check the credentials (HTTP {status}). Try again in a moment."
        ))),
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
    let response = state
        .http
        .get(url)
        .send()
        .await
        .map_err(unreachable(provider))?;
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
