use leptos::prelude::*;
use send_wrapper::SendWrapper;
use uuid::Uuid;

use super::dialogs::{dialog_view, Dialog, DialogContext};
use super::endpoint_row::{EndpointRow, RowAction};
use crate::components::ui::icons::IconWebhook;
use crate::components::ui::{
    browser_data, preload_after_hydration, server_data, use_toasts, EmptyState, SectionCard,
};
use crate::events::list_event_types;
use crate::webhooks::{list_webhooks, set_webhook_enabled, WebhookEndpointView};

/// How often the list refreshes itself (status, last delivery, failures).
const POLL_MS: u32 = 10_000;

/// The "Webhooks" block of the API & Webhooks tab.
#[component]
pub fn WebhooksSection() -> impl IntoView {
    let toasts = use_toasts();
    let endpoints = server_data(|| (), |_| list_webhooks());
    // Only the dialogs need the registry: fetched in the browser, after hydration.
    let types = browser_data(list_event_types);
    let event_types = Signal::derive(move || types.get().and_then(Result::ok).unwrap_or_default());
    let dialog = RwSignal::new(None::<Dialog>);
    let toggling = RwSignal::new(None::<Uuid>);
    let toggle = Action::new(|e: &WebhookEndpointView| set_webhook_enabled(e.id, !e.enabled));
    Effect::new(move |_| match toggle.value().get() {
        Some(Ok(e)) => {
            let done = if e.enabled { "enabled" } else { "disabled" };
            toasts.success(format!("Webhook endpoint {done}."));
            toggling.set(None);
            endpoints.refetch();
        }
        Some(Err(e)) => {
            toggling.set(None);
            toasts.error(e.to_string());
        }
        None => {}
    });
    // Browser only: keep statuses fresh while the tab is open.
    Effect::new(move |_| {
        let interval = gloo_timers::callback::Interval::new(POLL_MS, move || endpoints.refetch());
        let interval = SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    });
    let on_action = Callback::new(move |action: RowAction| {
        // The registry may have grown since the page loaded (custom event types).
        if !matches!(action, RowAction::Toggle(_)) {
            types.refetch();
        }
        match action {
            RowAction::Edit(e) => dialog.set(Some(Dialog::Edit(e))),
            RowAction::Test(e) => dialog.set(Some(Dialog::Test(e))),
            RowAction::Logs(e) => dialog.set(Some(Dialog::Logs(e))),
            RowAction::Delete(e) => dialog.set(Some(Dialog::Delete(e))),
            RowAction::Toggle(e) => {
                toggling.set(Some(e.id));
                toggle.dispatch(e);
            }
        }
    });
    let close = Callback::new(move |_| {
        dialog.set(None);
        endpoints.refetch();
    });
    let changed = Callback::new(move |_| endpoints.refetch());
    let context = DialogContext {
        event_types,
        on_close: close,
        on_changed: changed,
    };
    preload_after_hydration(move || dialog_view(None, context));
    let add = move |_| {
        types.refetch();
        dialog.set(Some(Dialog::Add));
    };

    view! {
        <SectionCard id="webhooks-title" title="Webhooks" testid="webhooks" extra_class="wh-section"
            actions=ViewFn::from(move || view! {
                <button type="button" class="button button-primary" on:click=add>"+ Add Webhook Endpoint"</button>
            })>
            <p class="section-intro">"Receive real-time updates when events occur."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading webhook endpoints..."</p> }>
                {move || {
                    // Rebuild the list only when it goes from empty to not (or fails); rows
                    // themselves are keyed on their content, so a refresh keeps focus in place.
                    let shape = Memo::new(move |_| endpoints.get().map(|r| r.map(|l| l.is_empty())));
                    move || shape.get().map(|res| match res {
                        Ok(true) => view! {
                            <EmptyState icon=view! { <IconWebhook/> }.into_any() title="No webhook endpoints yet"
                                message="Add an endpoint and we will sign and deliver each event you subscribe to, with retries and a delivery log."/>
                        }.into_any(),
                        Ok(false) => view! {
                            <ul class="wh-list" data-testid="webhook-endpoints">
                                <For
                                    each=move || endpoints.get().and_then(Result::ok).unwrap_or_default()
                                    key=WebhookEndpointView::clone
                                    let:endpoint
                                >
                                    {
                                        let id = endpoint.id;
                                        view! { <EndpointRow endpoint on_action busy=Signal::derive(move || toggling.get() == Some(id))/> }
                                    }
                                </For>
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    })
                }}
            </Transition>
        </SectionCard>
        {move || dialog.get().map(|d| Suspend::new(dialog_view(Some(d), context)))}
    }
}
