//! Configuring a connection: its settings (validated against the provider's schema, which
//! also decide what it is subscribed to), its retry policy and its name.

use uuid::Uuid;

use super::service::{find_provider, get};
use super::types::ConnectionView;
use super::{remote, settings};
use crate::actions::subscriptions;
use crate::auth::access::Caller;
use crate::delivery::retry_policy::RetryPolicy;
use crate::error::AppError;
use crate::runtime::AppState;

/// The longest name an admin may give a connection, in characters.
pub const LABEL_MAX: usize = 60;

/// Validates settings against the provider's schema and saves them with the retry policy.
pub async fn save_config(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    config: serde_json::Value,
    retry_policy: Option<RetryPolicy>,
    label: Option<String>,
) -> Result<ConnectionView, AppError> {
    let label = label.map(|l| check_label(&l)).transpose()?;
    let current = get(state, caller.company_id, id).await?;
    let provider = find_provider(state, &current.provider)?;
    if let Some(event_type) = &current.rest_hook_event {
        return Err(AppError::conflict(
            "id",
            format!("This Zap subscribed to {event_type} through REST Hooks: change it in Zapier, which sends its events here."),
        ));
    }
    settings::validate(&provider.def.config_schema, &config)?;
    if let Some(policy) = &retry_policy {
        policy.check()?;
    }
    let config = settings::with_defaults(&provider.def.config_schema, config);
    let channel = |c: &serde_json::Value| {
        c.get("channel")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let info = match (provider.def.slug.as_str(), channel(&config)) {
        // A Teams channel is stored by id: the card names it as Graph lists it.
        ("microsoft-teams", Some(picked))
            if channel(&current.config).as_deref() != Some(&picked) =>
        {
            remote::option_label(state, caller.company_id, id, "channels", &picked)
                .await
                .map(|label| format!("Posts to: {label}"))
        }
        (slug, _) => settings::connection_info(slug, &config),
    }
    .unwrap_or(current.connection_info);
    // Routing follows the settings from the next publish on.
    let event_types = subscriptions::event_types(&provider.def.slug, &config);
    sqlx::query(
        "UPDATE connections SET config = $3, connection_info = $4, event_types = $5, retry_policy = $6,
                label = coalesce($7, label), updated_at = now()
          WHERE company_id = $1 AND id = $2",
    )
    .bind(caller.company_id)
    .bind(id)
    .bind(config)
    .bind(info)
    .bind(&event_types)
    .bind(retry_policy.map(sqlx::types::Json))
    .bind(label)
    .execute(&state.pool)
    .await?;
    get(state, caller.company_id, id).await
}

/// A connection's name: trimmed, at most [`LABEL_MAX`] characters, no control characters; empty
/// means "call it by the provider's name".
pub fn check_label(label: &str) -> Result<String, AppError> {
    if label.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "label",
            "The name must not contain control characters (line breaks, tabs).",
        ));
    }
    crate::validate::optional_text("label", "The name", label, LABEL_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_trimmed_bounded_and_single_line() {
        assert_eq!(check_label("  Support alerts ").unwrap(), "Support alerts");
        assert_eq!(check_label("").unwrap(), "");
        assert_eq!(
            check_label(&"é".repeat(LABEL_MAX)).unwrap().chars().count(),
            LABEL_MAX
        );
        for bad in [
            "two\nlines".to_string(),
            "tab\there".to_string(),
            "x".repeat(LABEL_MAX + 1),
        ] {
            let err = check_label(&bad).unwrap_err();
            assert_eq!(err.field(), Some("label"), "{bad:?}");
        }
    }
}
