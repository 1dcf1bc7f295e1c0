use leptos::prelude::*;

use crate::components::ui::{use_toasts, Modal};
use crate::webhooks::{delete_webhook, WebhookEndpointView};

/// Confirms deleting `endpoint`, naming its URL.
#[component]
pub fn DeleteEndpointModal(
    endpoint: WebhookEndpointView,
    on_close: Callback<()>,
    on_deleted: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let id = endpoint.id;
    let url = endpoint.url.clone();
    let action = Action::new(move |_: &()| delete_webhook(id));
    Effect::new({
        let url = url.clone();
        move |_| match action.value().get() {
            Some(Ok(())) => {
                toasts.success(format!("Deleted the webhook endpoint {url}."));
                on_deleted.run(());
            }
            Some(Err(e)) => toasts.error(e.to_string()),
            None => {}
        }
    });
    let footer = move || {
        view! {
            <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
            <button type="button" class="button button-danger" disabled=move || action.pending().get()
                on:click=move |_| { action.dispatch(()); }>"Delete endpoint"</button>
        }
    };
    view! {
        <Modal open=Signal::from(true) title="Delete webhook endpoint".to_string() on_close footer=footer size="sm">
            <div class="modal-prose">
                <p>"Delete the endpoint " <code class="wh-mono wh-break">{url.clone()}</code> "?"</p>
                <p>"No more events are sent to it, and its delivery log is deleted too. This cannot be undone."</p>
            </div>
        </Modal>
    }
}
