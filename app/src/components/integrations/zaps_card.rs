//! The Zaps subscribed through REST Hooks, as the one Zapier card the seed shows ("3 active
//! Zaps"): each Zap's event and target, its last action, its activity log and its removal.

use leptos::prelude::*;

use super::connection_card::activity_line;
use crate::integrations::{ConnectionStatus, ConnectionView};

#[component]
pub fn ZapsCard(
    zaps: Vec<ConnectionView>,
    on_activity: Callback<ConnectionView>,
    on_remove: Callback<ConnectionView>,
) -> impl IntoView {
    let active = zaps
        .iter()
        .filter(|z| z.status == ConnectionStatus::Active)
        .count();
    let count = match active {
        1 => "1 active Zap".to_string(),
        n => format!("{n} active Zaps"),
    };
    let logo = zaps.first().map(|z| z.logo.clone()).unwrap_or_default();
    view! {
        <li class="connection-card card" data-testid="connection-zapier-rest-hooks">
            <img src=logo alt="" width="44" height="44"/>
            <div class="connection-body">
                <div class="connection-title">
                    <h3>"Zapier"</h3>
                    <span class="status status-active">
                        <span class="status-dot" aria-hidden="true"></span>
                        "Connected"
                    </span>
                </div>
                <p class="muted">"Zaps subscribe here when they are turned on and leave when they are turned off."</p>
                <p class="connection-info" data-testid="active-zaps">{count}</p>
                <ul class="zap-list">
                    {zaps.into_iter().map(|zap| view! { <ZapRow zap on_activity on_remove/> }).collect_view()}
                </ul>
            </div>
        </li>
    }
}

#[component]
fn ZapRow(
    zap: ConnectionView,
    on_activity: Callback<ConnectionView>,
    on_remove: Callback<ConnectionView>,
) -> impl IntoView {
    let event_type = zap.rest_hook_event.clone().unwrap_or_default();
    let label = format!("the Zap on {event_type}");
    let for_activity = zap.clone();
    let for_remove = zap.clone();
    let error = (zap.status == ConnectionStatus::Error).then(|| {
        view! { <p class="field-error" role="alert">{zap.error_message.clone().unwrap_or_default()}</p> }
    });
    view! {
        <li class="zap-row" data-testid="zap">
            <div class="zap-body">
                <code>{event_type}</code>
                <span class="muted">" "{zap.connection_info.clone()}</span>
                {activity_line(zap.last_action, zap.failures_24h)}
                {error}
            </div>
            <div class="connection-actions">
                <button type="button" class="button button-secondary button-sm" aria-label=format!("Activity of {label}")
                    on:click=move |_| on_activity.run(for_activity.clone())>"Activity"</button>
                <button type="button" class="button button-danger-outline button-sm" aria-label=format!("Remove {label}")
                    on:click=move |_| on_remove.run(for_remove.clone())>"Remove"</button>
            </div>
        </li>
    }
}
