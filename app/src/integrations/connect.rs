//! Connections from a credential form: API keys and catch-hook URLs, new or renewed in place
//! (`reconnect`: the provider refused the old credentials; settings and waiting deliveries are
//! kept).

use std::collections::BTreeMap;

use super::catalogue::Provider;
use super::credentials::Credentials;
use super::new_connection::{insert, reconnect, NewConnection};
use super::service::{find_provider, get};
use super::settings;
use super::types::{AuthType, ConnectionView};
use crate::auth::access::Caller;
use crate::error::AppError;
use crate::runtime::AppState;
use uuid::Uuid;

/// Connects an `api_key` provider from its credential form, or renews the credentials of the
/// connection `renew` names.
pub async fn connect_api_key(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    mut values: BTreeMap<String, String>,
    renew: Option<Uuid>,
) -> Result<ConnectionView, AppError> {
    let provider = find_provider(state, slug)?;
    if let Some(id) = renew {
        check_renewable(state, caller, provider, id).await?;
    }
    if provider.def.auth_type != AuthType::ApiKey {
        return Err(AppError::bad_request(
            "provider",
            format!("{} does not connect with an API key.", provider.def.name),
        ));
    }
    let mut kept = BTreeMap::new();
    for field in &provider.def.fields {
        let value = values
            .remove(&field.name)
            .unwrap_or_default()
            .trim()
            .to_string();
        if value.is_empty() {
            if field.required {
                return Err(AppError::bad_request(
                    &field.name,
                    format!("{} is required.", field.label),
                ));
            }
            continue;
        }
        if value.chars().count() > 4096 {
            return Err(AppError::bad_request(
                &field.name,
                format!("{} is too long.", field.label),
            ));
        }
        match field.kind.as_str() {
            "url" => settings::check_url(&field.name, &field.label, &value)?,
            "email" => {
                crate::validate::email(&field.name, &value)?;
            }
            _ => {}
        }
        kept.insert(field.name.clone(), value);
    }
    if let Some(unknown) = values.keys().next() {
        return Err(AppError::bad_request(
            unknown,
            format!("{} has no field {unknown:?}.", provider.def.name),
        ));
    }
    let account = super::verify::check(state, provider, &kept).await?;
    // The connection-info line shows the checked account, or the first non-secret value (a
    // subdomain, a store URL).
    let info = provider
        .def
        .fields
        .iter()
        .find(|f| !f.secret && kept.contains_key(&f.name))
        .and_then(|f| kept.get(&f.name).cloned())
        .unwrap_or_else(|| "API key connected".to_string());
    let info = match &account {
        Some(account) => format!("Connected as {account}"),
        None if provider.def.slug == "email-forwarding" => format!("Forwards to {info}"),
        None => info,
    };
    let new = NewConnection {
        provider,
        credentials: Credentials::ApiKey { values: kept },
        account_label: account.unwrap_or_default(),
        connection_info: info,
        token_expires_at: None,
        provider_data: serde_json::json!({}),
        rest_hook: None,
    };
    let id = match renew {
        Some(id) => reconnect(state, caller, id, new).await?,
        None => insert(state, caller, new).await?,
    };
    get(state, caller.company_id, id).await
}

/// A connection can be renewed from the form when it is this company's, of this provider, and
/// not a Zap that Zapier manages through REST Hooks.
async fn check_renewable(
    state: &AppState,
    caller: &Caller,
    provider: &Provider,
    id: Uuid,
) -> Result<(), AppError> {
    let existing = get(state, caller.company_id, id).await?;
    if existing.provider != provider.def.slug {
        return Err(AppError::bad_request(
            "reconnect",
            format!("That connection is not a {} connection.", provider.def.name),
        ));
    }
    if existing.rest_hook_event.is_some() {
        return Err(AppError::conflict(
            "reconnect",
            "This Zap subscribed through REST Hooks: Zapier renews it when the Zap is turned on again.",
        ));
    }
    Ok(())
}

/// Connects a `webhook` provider (Zapier, Make, n8n) to its catch-hook URL, or points the
/// connection `renew` names at a new one.
pub async fn connect_webhook(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    url: &str,
    renew: Option<Uuid>,
) -> Result<ConnectionView, AppError> {
    let provider = find_provider(state, slug)?;
    if let Some(id) = renew {
        check_renewable(state, caller, provider, id).await?;
    }
    let hook = check_hook_url(provider, url)?;
    let new = NewConnection {
        provider,
        credentials: Credentials::Webhook { url: hook.url },
        account_label: String::new(),
        connection_info: format!("Sends to {}", hook.host),
        token_expires_at: None,
        provider_data: serde_json::json!({}),
        rest_hook: None,
    };
    let id = match renew {
        Some(id) => reconnect(state, caller, id, new).await?,
        None => insert(state, caller, new).await?,
    };
    get(state, caller.company_id, id).await
}

/// A hook URL that passed [`check_hook_url`].
pub struct HookUrl {
    pub url: String,
    pub host: String,
}

/// A `webhook` provider's hook URL (pasted, or subscribed through REST Hooks): https, short
/// enough, and on one of the provider's hosts. Errors name the field `url`.
pub fn check_hook_url(provider: &Provider, url: &str) -> Result<HookUrl, AppError> {
    let spec = match (&provider.def.auth_type, &provider.def.webhook) {
        (AuthType::Webhook, Some(spec)) => spec,
        _ => {
            return Err(AppError::bad_request(
                "provider",
                format!("{} does not connect with a webhook URL.", provider.def.name),
            ))
        }
    };
    let url = crate::validate::uri_text("url", url)?;
    if url.chars().count() > crate::webhooks::url_guard::MAX_URL_LEN {
        return Err(AppError::bad_request(
            "url",
            "Keep the URL under 2048 characters.",
        ));
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| {
        AppError::bad_request("url", "Paste the full webhook URL, starting with https://.")
    })?;
    if parsed.scheme() != "https" {
        return Err(AppError::bad_request(
            "url",
            "The webhook URL must start with https://.",
        ));
    }
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let host_ok = spec.allowed_hosts.is_empty()
        || spec
            .allowed_hosts
            .iter()
            .any(|allowed| host == *allowed || host.ends_with(&format!(".{allowed}")));
    if !host_ok {
        return Err(AppError::bad_request(
            "url",
            format!(
                "That is not a {} webhook URL. It looks like {}",
                provider.def.name, spec.url_example
            ),
        ));
    }
    Ok(HookUrl {
        url: url.to_string(),
        host,
    })
}
