use leptos::prelude::*;

use super::format::ALL_EVENTS;
use crate::components::deliveries::AttemptDetail;
use crate::components::ui::{form_error, Modal};
use crate::events::EventTypeView;
use crate::webhooks::{test_webhook, WebhookEndpointView};

/// Sends a registry example of a chosen event type to `endpoint` now and shows the answer.
#[component]
pub fn TestModal(
    endpoint: WebhookEndpointView,
    event_types: Signal<Vec<EventTypeView>>,
    on_close: Callback<()>,
    on_sent: Callback<()>,
) -> impl IntoView {
    let id = endpoint.id;
    // Start with a type the endpoint subscribes to.
    let subscribed = endpoint
        .event_types
        .iter()
        .find(|t| *t != ALL_EVENTS)
        .cloned();
    let chosen = RwSignal::new(subscribed.unwrap_or_default());
    Effect::new(move |_| {
        let types = event_types.get();
        if chosen.with_untracked(String::is_empty) {
            if let Some(first) = types.first() {
                chosen.set(first.name.clone());
            }
        }
    });
    let send = Action::new(move |event_type: &String| test_webhook(id, event_type.clone()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = send.value().get() {
            on_sent.run(());
        }
    });
    let footer = move || {
        view! {
            <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>"Done"</button>
            <button type="button" class="button button-primary"
                disabled=move || send.pending().get() || chosen.with(String::is_empty)
                on:click=move |_| { send.dispatch(chosen.get_untracked()); }>
                {move || if send.pending().get() { "Sending..." } else { "Send test event" }}
            </button>
        }
    };
    let url = endpoint.url.clone();
    view! {
        <Modal open=Signal::from(true) title="Send a test event".to_string() on_close footer=footer size="lg">
            <p class="wh-modal-lead">"Sends the event type's example payload to " <code class="mono">{url.clone()}</code>
                " now, signed like a real delivery, and shows the answer. It is logged like any delivery."</p>
            <div class="field wh-test-type">
                <label for="webhook-test-type">"Event type"</label>
                <select id="webhook-test-type" on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {move || event_types.get().into_iter().map(|t| {
                        let (name, value) = (t.name.clone(), t.name.clone());
                        view! { <option value=value selected=move || chosen.get() == name>{t.name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="wh-test-result" aria-live="polite" data-testid="test-result">
                {move || send.pending().get().then(|| view! { <p class="muted">"Waiting for the endpoint to answer..."</p> })}
                {move || match send.value().get() {
                    None => ().into_any(),
                    Some(Err(e)) => view! { <p class="form-error" role="alert">{form_error(Some(e), &[])}</p> }.into_any(),
                    Some(Ok(delivery)) => match delivery.attempt_log.into_iter().next() {
                        Some(attempt) => view! { <AttemptDetail attempt/> }.into_any(),
                        None => view! { <p class="muted">"The test was queued but not sent yet."</p> }.into_any(),
                    },
                }}
            </div>
        </Modal>
    }
}
