use leptos::prelude::*;

use crate::components::ui::ConfirmModal;
use crate::webhooks::{delete_webhook, WebhookEndpointView};

/// Confirms deleting `endpoint`, naming its URL.
#[component]
pub fn DeleteEndpointModal(
    endpoint: WebhookEndpointView,
    on_close: Callback<()>,
    on_deleted: Callback<()>,
) -> impl IntoView {
    let id = endpoint.id;
    let url = endpoint.url;
    let action = Action::new(move |_: &()| delete_webhook(id));
    view! {
        <ConfirmModal title="Delete webhook endpoint" confirm="Delete endpoint" action
            done=format!("Deleted the webhook endpoint {url}.") on_close on_done=on_deleted>
            <p>"Delete the endpoint " <code class="mono break-anywhere">{url.clone()}</code> "?"</p>
            <p>"No more events are sent to it, and its delivery log is deleted too. This cannot be undone."</p>
        </ConfirmModal>
    }
}
