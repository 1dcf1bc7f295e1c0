use std::collections::BTreeMap;

use leptos::prelude::*;

use super::format::ALL_EVENTS;
use super::headers_editor::{HeaderRows, HeadersEditor};
use crate::components::deliveries::{RetryPolicyFields, RetryPolicyForm};
use crate::components::ui::{field_error, FormField, NumberField};
use crate::delivery::RetryPolicy;
use crate::error::AppError;
use crate::events::EventTypeView;
use crate::webhooks::WebhookEndpointView;

pub const DEFAULT_TIMEOUT: u32 = 15;

/// What the add/edit form sends.
#[derive(Clone)]
pub struct Draft {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub headers: BTreeMap<String, String>,
    pub timeout_secs: u32,
    pub retry_policy: Option<RetryPolicy>,
    pub max_in_flight: Option<u32>,
    pub rate_limit_per_second: Option<u32>,
    pub enabled: bool,
}

/// The form's state, filled from an endpoint when editing.
#[derive(Clone, Copy)]
pub struct EndpointForm {
    url: RwSignal<String>,
    description: RwSignal<String>,
    events: RwSignal<Vec<String>>,
    headers: HeaderRows,
    timeout: RwSignal<String>,
    retries: RetryPolicyForm,
    max_in_flight: RwSignal<String>,
    rate_limit: RwSignal<String>,
    enabled: RwSignal<bool>,
}

impl EndpointForm {
    /// The form, filled from `from` when editing: header names only, until [`Self::fill_headers`]
    /// brings their values.
    pub fn new(from: Option<&WebhookEndpointView>) -> Self {
        let names: BTreeMap<String, String> = from
            .map(|e| {
                e.header_names
                    .iter()
                    .map(|n| (n.clone(), String::new()))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            url: RwSignal::new(from.map(|e| e.url.clone()).unwrap_or_default()),
            description: RwSignal::new(from.map(|e| e.description.clone()).unwrap_or_default()),
            events: RwSignal::new(from.map(|e| e.event_types.clone()).unwrap_or_default()),
            headers: HeaderRows::new(&names),
            timeout: RwSignal::new(from.map_or(DEFAULT_TIMEOUT, |e| e.timeout_secs).to_string()),
            retries: RetryPolicyForm::new(from.and_then(|e| e.retry_policy)),
            max_in_flight: RwSignal::new(number_text(from.and_then(|e| e.max_in_flight))),
            rate_limit: RwSignal::new(number_text(from.and_then(|e| e.rate_limit_per_second))),
            enabled: RwSignal::new(from.is_none_or(|e| e.enabled)),
        }
    }

    pub fn fill_headers(&self, values: &BTreeMap<String, String>) {
        self.headers.fill(values);
    }

    fn all(&self) -> bool {
        self.events.with(|e| e.iter().any(|t| t == ALL_EVENTS))
    }

    pub fn draft(&self) -> Draft {
        Draft {
            url: self.url.get_untracked().trim().to_string(),
            description: self.description.get_untracked(),
            event_types: if self.all() {
                vec![ALL_EVENTS.to_string()]
            } else {
                self.events.get_untracked()
            },
            headers: self.headers.collect(),
            // Not a number: 0, which the server refuses with the allowed range.
            timeout_secs: self.timeout.get_untracked().trim().parse().unwrap_or(0),
            retry_policy: self.retries.policy(),
            max_in_flight: optional_number(self.max_in_flight.get_untracked()),
            rate_limit_per_second: optional_number(self.rate_limit.get_untracked()),
            enabled: self.enabled.get_untracked(),
        }
    }
}

fn number_text(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// Blank is None (the default); not a number is 0, which the server refuses with the range.
fn optional_number(text: String) -> Option<u32> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.parse().unwrap_or(0))
}

/// The fields of the add/edit dialog; `error` is the last save's.
#[component]
pub fn EndpointFields(
    form: EndpointForm,
    event_types: Signal<Vec<EventTypeView>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let fe = move |field: &'static str| Signal::derive(move || field_error(error.get(), field));
    let events_error = fe("event_types");
    let all = move || form.all();
    let checkbox = move |name: String, description: String| {
        let is_all = name == ALL_EVENTS;
        let greyed = move || !is_all && all();
        let value = name.clone();
        let toggled = name.clone();
        view! {
            <label class="wh-event-option" class:wh-event-option-off=greyed>
                <input type="checkbox" disabled=greyed
                    prop:checked=move || form.events.with(|e| e.contains(&value)) || greyed()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        form.events.update(|e| {
                            e.retain(|x| *x != toggled);
                            if on { e.push(toggled.clone()); }
                        });
                    }/>
                <span class="wh-event-option-text">
                    <span class="mono">{if is_all { "All events (*)".to_string() } else { name.clone() }}</span>
                    {(!description.is_empty()).then(|| view! { <span class="muted">{description}</span> })}
                </span>
            </label>
        }
    };
    view! {
        <FormField id="webhook-url" label="Endpoint URL" value=form.url input_type="url" required=true
            hint="Where we POST each event, e.g. https://api.example.com/webhooks." error=fe("url")/>
        <FormField id="webhook-description" label="Description (optional)" value=form.description
            error=fe("description")/>
        <fieldset class="field fieldset" class:field-invalid=move || events_error.get().is_some()
            aria-describedby="webhook-events-error">
            <legend class="required">"Events to subscribe"</legend>
            <div class="wh-event-options" data-testid="event-options">
                {checkbox(ALL_EVENTS.to_string(), "Every event type, including ones added later.".to_string())}
                {move || event_types.get().into_iter().map(|t| checkbox(t.name, t.description)).collect_view()}
            </div>
            <p class="field-error" id="webhook-events-error" role="alert">{move || events_error.get()}</p>
        </fieldset>
        <HeadersEditor rows=form.headers error=fe("headers")/>
        <div class="wh-field-pair">
            <NumberField id="webhook-timeout" label="Timeout (seconds)" value=form.timeout min=1 max=30
                hint="1 to 30; slower answers count as failures." error=fe("timeout_secs")/>
            <div class="field wh-enabled">
                <span class="fieldset-label">"Delivery"</span>
                <label class="switch">
                    <input type="checkbox" role="switch" aria-describedby="webhook-enabled-hint" bind:checked=form.enabled/>
                    <span class="switch-track" aria-hidden="true"></span>
                    <span>"Enabled"</span>
                </label>
                <p class="field-hint" id="webhook-enabled-hint">"While disabled, no events are sent to it."</p>
            </div>
        </div>
        <div class="wh-field-pair">
            <NumberField id="webhook-max-in-flight" label="Sent at once (optional)" value=form.max_in_flight
                min=1 max=1000 placeholder="Default" error=fe("max_in_flight")
                hint="Deliveries in flight to it at once, 1 to 1,000; blank takes the installation's default."/>
            <NumberField id="webhook-rate-limit" label="Rate limit per second (optional)" value=form.rate_limit
                min=1 max=100_000 placeholder="No limit" error=fe("rate_limit_per_second")
                hint="Deliveries started each second; the rest wait their turn."/>
        </div>
        <RetryPolicyFields form=form.retries id="webhook-retries" error/>
    }
}
