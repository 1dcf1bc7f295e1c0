use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::endpoint_fields::{Draft, EndpointFields, EndpointForm};
use super::secret_panel::{SecretField, SecretPanel};
use crate::components::deliveries::RETRY_FIELDS;
use crate::components::ui::{browser_data, form_error, use_toasts, Modal};
use crate::events::EventTypeView;
use crate::webhooks::{
    create_webhook, get_webhook_secrets, update_webhook, EndpointWithSecret, WebhookEndpointView,
};

const FIELDS: [&str; 9] = [
    "url",
    "description",
    "event_types",
    "headers",
    "timeout_secs",
    "max_in_flight",
    "rate_limit_per_second",
    RETRY_FIELDS[0],
    RETRY_FIELDS[1],
];

#[derive(Clone)]
enum Saved {
    Created(EndpointWithSecret),
    Updated(WebhookEndpointView),
}

/// Adds an endpoint (`endpoint` is None) or edits one. After a create the dialog stays open to
/// show the new signing secret; after an edit it closes.
#[component]
pub fn EndpointModal(
    endpoint: Option<WebhookEndpointView>,
    event_types: Signal<Vec<EventTypeView>>,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let form = EndpointForm::new(endpoint.as_ref());
    let id = endpoint.as_ref().map(|e| e.id);
    let previous_until = endpoint.as_ref().and_then(|e| e.previous_secret_until);
    let created = RwSignal::new(None::<EndpointWithSecret>);
    // Editing: the secret and the custom header values are sealed and come separately.
    let secrets = browser_data(move || async move {
        match id {
            Some(id) => Some(get_webhook_secrets(id).await),
            None => None,
        }
    });
    let secrets = Signal::derive(move || secrets.get().flatten());
    Effect::new(move |_| {
        if let Some(Ok(loaded)) = secrets.get() {
            form.fill_headers(&loaded.headers);
        }
    });
    // Saving before the values arrive would send the headers without them.
    let loading = Signal::derive(move || id.is_some() && secrets.with(Option::is_none));
    let save = Action::new(move |d: &Draft| {
        let d = d.clone();
        async move {
            let description = Some(d.description);
            let headers = Some(d.headers);
            let (timeout, enabled) = (Some(d.timeout_secs), Some(d.enabled));
            match id {
                None => create_webhook(
                    d.url,
                    description,
                    d.event_types,
                    headers,
                    timeout,
                    d.retry_policy,
                    d.max_in_flight,
                    d.rate_limit_per_second,
                    enabled,
                )
                .await
                .map(Saved::Created),
                Some(id) => update_webhook(
                    id,
                    d.url,
                    description,
                    d.event_types,
                    headers,
                    timeout,
                    d.retry_policy,
                    d.max_in_flight,
                    d.rate_limit_per_second,
                    enabled,
                )
                .await
                .map(Saved::Updated),
            }
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(Saved::Created(done))) => {
            created.set(Some(done));
            on_saved.run(());
        }
        Some(Ok(Saved::Updated(endpoint))) => {
            toasts.success(format!("Saved {}.", endpoint.url));
            on_saved.run(());
            on_close.run(());
        }
        _ => {}
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        save.dispatch(form.draft());
    };
    let title = Signal::derive(move || {
        match (created.with(Option::is_some), id) {
            (true, _) => "Webhook endpoint created",
            (false, None) => "Add Webhook Endpoint",
            (false, Some(_)) => "Edit webhook endpoint",
        }
        .to_string()
    });
    let footer = move || {
        view! {
            {move || if created.with(Option::is_some) {
                view! {
                    <button type="button" class="button button-primary" on:click=move |_| on_close.run(())>"Done"</button>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" form="webhook-form" class="button button-primary" disabled=move || save.pending().get() || loading.get()>
                        {if id.is_some() { "Save changes" } else { "Create Webhook" }}
                    </button>
                }.into_any()
            }}
        }
    };
    view! {
        <Modal open=Signal::from(true) title on_close footer=footer size="md">
            {move || match created.get() {
                Some(done) => view! { <Created done/> }.into_any(),
                None => view! {
                    <form id="webhook-form" class="form wh-form" on:submit=on_submit novalidate>
                        <EndpointFields form event_types error/>
                        <section class="wh-security" aria-labelledby="webhook-security-title">
                            <h3 id="webhook-security-title">"Security"</h3>
                            {match id {
                                Some(endpoint_id) => view! { <SecretPanel endpoint_id previous_until fetched=secrets/> }.into_any(),
                                None => view! {
                                    <p class="field-hint wh-secret-later">
                                        "Signing secret (auto-generated): a " <code class="mono">"whsec_…"</code>
                                        " secret is made when you create the endpoint. Copy it on the next step; it stays available under Edit."
                                    </p>
                                }.into_any(),
                            }}
                        </section>
                        <p class="form-error" role="alert">{move || form_error(error.get(), &FIELDS)}</p>
                    </form>
                }.into_any(),
            }}
        </Modal>
    }
}

/// The new endpoint's signing secret, right after "Create Webhook".
#[component]
fn Created(done: EndpointWithSecret) -> impl IntoView {
    let secret = Signal::<String>::stored(done.secret);
    view! {
        <div class="wh-created" data-testid="webhook-created">
            <p class="wh-created-note" role="status">
                <span class="wh-created-icon" aria-hidden="true">"✓"</span>
                <span>"Deliveries to " <code class="mono">{done.endpoint.url}</code> " start with the next event."</span>
            </p>
            <section class="wh-security" aria-labelledby="webhook-security-title">
                <h3 id="webhook-security-title">"Security"</h3>
                <SecretField id="webhook-new-secret" secret/>
            </section>
            <p class="muted">"Each request carries webhook-id, webhook-timestamp and webhook-signature headers (Standard Webhooks). You can see this secret again, or rotate it, under Edit."</p>
        </div>
    }
}
