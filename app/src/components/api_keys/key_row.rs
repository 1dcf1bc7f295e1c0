use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::api_keys::{ApiKeyStatus, ApiKeyView};
use crate::components::ui::icons::IconInfo;
use crate::components::ui::{calendar_day, LocalTime, MonthName, TimeStyle};

/// Shown instead of a "Show" button: the key itself is never stored.
pub const SHOWN_ONCE: &str =
    "For security the full key is shown only once, when it is created or regenerated.";

pub fn day(at: &DateTime<Utc>) -> String {
    calendar_day(*at, MonthName::Short)
}

fn status_badge(status: ApiKeyStatus) -> impl IntoView {
    let (class, label) = match status {
        ApiKeyStatus::Active => ("badge badge-dot badge-ok", "Active"),
        ApiKeyStatus::Disabled => ("badge badge-dot badge-off", "Disabled"),
        ApiKeyStatus::Expired => ("badge badge-dot badge-warn", "Expired"),
    };
    view! { <span class=class data-testid="key-status">{label}</span> }
}

/// One API key: its name, masked preview, scopes, who made it and when, and its actions.
#[component]
pub fn KeyRow(
    key: ApiKeyView,
    on_regenerate: Callback<ApiKeyView>,
    on_toggle: Callback<ApiKeyView>,
    on_delete: Callback<ApiKeyView>,
    /// A change to this key is on its way to the server.
    busy: Signal<bool>,
) -> impl IntoView {
    let expiry = match (&key.expires_at, key.status) {
        (None, _) => "Never".to_string(),
        (Some(at), ApiKeyStatus::Expired) => format!("Expired {}", day(at)),
        (Some(at), _) => day(at),
    };
    let last_used = match key.last_used_at {
        Some(at) => view! { <LocalTime at style=TimeStyle::Minutes/> }.into_any(),
        None => "Never".into_any(),
    };
    let grace = key.previous_valid_until.as_ref().map(|until| {
        let until = *until;
        view! { <p class="key-grace">"The previous key keeps working until " <LocalTime at=until style=TimeStyle::Minutes/> "."</p> }
    });
    let (for_regen, for_toggle, for_delete) = (key.clone(), key.clone(), key.clone());
    let toggle_label = if key.enabled { "Disable" } else { "Enable" };
    view! {
        <li class="key-row" data-testid="api-key" data-key-name=key.name.clone()>
            <div class="key-main">
                <div class="key-title">
                    <h3>{key.name.clone()}</h3>
                    {status_badge(key.status)}
                </div>
                <div class="key-preview-line">
                    <code class="key-preview" data-testid="key-preview">{key.preview.clone()}</code>
                    <span class="tip" tabindex="0" role="img" data-tip=SHOWN_ONCE aria-label=SHOWN_ONCE title=SHOWN_ONCE>
                        <IconInfo/>
                    </span>
                </div>
                <ul class="scope-chips" aria-label="Scopes">
                    {key.scopes.iter().map(|s| view! { <li class="scope-chip" title=s.description()>{s.as_str()}</li> }).collect_view()}
                </ul>
                <dl class="key-meta">
                    <div><dt>"Created"</dt><dd>{format!("{} by {}", day(&key.created_at), key.created_by)}</dd></div>
                    <div><dt>"Last used"</dt><dd data-testid="key-last-used">{last_used}</dd></div>
                    <div><dt>"Expires"</dt><dd>{expiry}</dd></div>
                    {key.regenerated_at.as_ref().map(|at| view! { <div><dt>"Regenerated"</dt><dd>{day(at)}</dd></div> })}
                </dl>
                {grace}
            </div>
            <div class="key-actions">
                <button type="button" class="button button-secondary button-sm" aria-label=format!("Regenerate {}", key.name)
                    on:click=move |_| on_regenerate.run(for_regen.clone())>"Regenerate"</button>
                <button type="button" class="button button-secondary button-sm" aria-label=format!("{toggle_label} {}", key.name)
                    disabled=move || busy.get() on:click=move |_| on_toggle.run(for_toggle.clone())>{toggle_label}</button>
                <button type="button" class="button button-danger-outline button-sm" aria-label=format!("Delete {}", key.name)
                    on:click=move |_| on_delete.run(for_delete.clone())>"Delete"</button>
            </div>
        </li>
    }
}
