//! Labels and badges of the webhook components.

use leptos::prelude::*;

use crate::webhooks::EndpointStatus;

/// Subscribing to this means every event type.
pub const ALL_EVENTS: &str = "*";

pub fn endpoint_badge(status: EndpointStatus, reason: Option<String>) -> impl IntoView {
    let (class, label) = match status {
        EndpointStatus::Active => ("badge badge-dot badge-ok", "Active"),
        EndpointStatus::Failing => ("badge badge-dot badge-warn", "Failing"),
        EndpointStatus::Disabled => ("badge badge-dot badge-off badge-alert", "Disabled"),
    };
    view! { <span class=class title=reason data-testid="endpoint-status">{label}</span> }
}

/// Subscribed event types as chips; `*` reads "All events".
pub fn event_chips(types: &[String]) -> impl IntoView {
    let chips = if types.iter().any(|t| t == ALL_EVENTS) {
        vec![view! { <li class="badge">"All events"</li> }.into_any()]
    } else {
        types
            .iter()
            .map(|t| view! { <li class="badge badge-code">{t.clone()}</li> }.into_any())
            .collect()
    };
    view! { <ul class="badge-list" aria-label="Subscribed events">{chips}</ul> }
}
