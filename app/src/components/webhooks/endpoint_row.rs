use leptos::prelude::*;

use super::format::{endpoint_badge, event_chips};
use crate::components::deliveries::format::code_chip;
use crate::components::ui::LocalTime;
use crate::webhooks::{EndpointStatus, WebhookEndpointView};

/// What a row's buttons ask the section to do.
#[derive(Clone)]
pub enum RowAction {
    Edit(WebhookEndpointView),
    Test(WebhookEndpointView),
    Logs(WebhookEndpointView),
    Toggle(WebhookEndpointView),
    Delete(WebhookEndpointView),
}

/// One endpoint: URL, description, events, status, last delivery, failures and actions.
#[component]
pub fn EndpointRow(
    endpoint: WebhookEndpointView,
    on_action: Callback<RowAction>,
    /// An enable/disable for this endpoint is on its way.
    busy: Signal<bool>,
) -> impl IntoView {
    let url_id = format!("webhook-url-{}", endpoint.id);
    let last = match (&endpoint.last_attempt_at, endpoint.last_status_code) {
        (None, _) => view! { <span>"No deliveries yet"</span> }.into_any(),
        (Some(at), Some(code)) => view! { <span><LocalTime at=*at/></span> {code_chip(code)} }.into_any(),
        (Some(at), None) => view! {
            <span><LocalTime at=*at/></span> <span class="badge badge-code badge-bad">"No response"</span>
        }
        .into_any(),
    };
    let reason = endpoint.disabled_reason.clone();
    let reason_line = (endpoint.status == EndpointStatus::Disabled)
        .then(|| reason.clone())
        .flatten()
        .map(|r| view! { <p class="wh-reason" data-testid="disabled-reason">{r}</p> });
    let failures = endpoint.failure_count;
    let toggle_label = if endpoint.enabled {
        "Disable"
    } else {
        "Enable"
    };
    let stored = StoredValue::new(endpoint.clone());
    let act = move |make: fn(WebhookEndpointView) -> RowAction| {
        move |_| on_action.run(make(stored.get_value()))
    };
    let button = move |label: &'static str,
                       make: fn(WebhookEndpointView) -> RowAction,
                       url_id: String| {
        view! {
            <button type="button" class="button button-secondary button-sm" aria-describedby=url_id
                on:click=act(make)>{label}</button>
        }
    };
    view! {
        <li class="wh-row" data-testid="webhook-endpoint" data-url=endpoint.url.clone()>
            <div class="wh-row-main">
                <div class="wh-row-title">
                    <code class="wh-url" id=url_id.clone() title=endpoint.url.clone()>{endpoint.url.clone()}</code>
                    {endpoint_badge(endpoint.status, reason)}
                </div>
                {(!endpoint.description.is_empty()).then(|| view! { <p class="wh-description">{endpoint.description.clone()}</p> })}
                {reason_line}
                {event_chips(&endpoint.event_types)}
                <dl class="wh-meta">
                    <div><dt>"Last delivery"</dt><dd data-testid="last-delivery">{last}</dd></div>
                    <div>
                        <dt>"Failures"</dt>
                        <dd class=(failures > 0).then_some("wh-failures") data-testid="failure-count">{failures}</dd>
                    </div>
                    <div><dt>"Timeout"</dt><dd>{format!("{} s", endpoint.timeout_secs)}</dd></div>
                </dl>
            </div>
            <div class="wh-row-actions">
                {button("Edit", RowAction::Edit, url_id.clone())}
                {button("Test", RowAction::Test, url_id.clone())}
                {button("Logs", RowAction::Logs, url_id.clone())}
                <button type="button" class="button button-secondary button-sm" aria-describedby=url_id.clone()
                    disabled=move || busy.get() on:click=act(RowAction::Toggle)>{toggle_label}</button>
                <button type="button" class="button button-danger-outline button-sm" aria-describedby=url_id
                    on:click=act(RowAction::Delete)>"Delete"</button>
            </div>
        </li>
    }
}
