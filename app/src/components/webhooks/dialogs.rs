//! The section's dialogs behind one lazily loaded function: their code (the endpoint form with
//! its headers and retry fields, the test sender, the delivery log) is a wasm chunk of its own,
//! fetched once the page is idle or when a dialog first opens, so the tab hydrates without it.

use leptos::prelude::*;

use super::delete_modal::DeleteEndpointModal;
use super::endpoint_modal::EndpointModal;
use super::test_modal::TestModal;
use crate::components::deliveries::{DeliveryLog, LogSource};
use crate::events::EventTypeView;
use crate::webhooks::WebhookEndpointView;

/// Which dialog is open.
#[derive(Clone)]
pub enum Dialog {
    Add,
    Edit(WebhookEndpointView),
    Test(WebhookEndpointView),
    Logs(WebhookEndpointView),
    Delete(WebhookEndpointView),
}

/// What every dialog is given beside its endpoint.
#[derive(Clone, Copy)]
pub struct DialogContext {
    pub event_types: Signal<Vec<EventTypeView>>,
    /// Closes the dialog (and refreshes the list).
    pub on_close: Callback<()>,
    /// Refreshes the list, the dialog staying open.
    pub on_changed: Callback<()>,
}

/// The view of `dialog`; `None` only loads the code (nothing to show).
#[lazy]
pub fn dialog_view(dialog: Option<Dialog>, context: DialogContext) -> AnyView {
    let DialogContext {
        event_types,
        on_close,
        on_changed,
    } = context;
    match dialog {
        None => ().into_any(),
        Some(Dialog::Add) => view! {
            <EndpointModal endpoint=None event_types on_close on_saved=on_changed/>
        }
        .into_any(),
        Some(Dialog::Edit(e)) => view! {
            <EndpointModal endpoint=Some(e) event_types on_close on_saved=on_changed/>
        }
        .into_any(),
        Some(Dialog::Test(e)) => view! {
            <TestModal endpoint=e event_types on_close on_sent=on_changed/>
        }
        .into_any(),
        Some(Dialog::Logs(e)) => view! {
            <DeliveryLog source=LogSource::Endpoint(e.id) title="Delivery log".to_string() subject=e.url
                event_types on_close/>
        }
        .into_any(),
        Some(Dialog::Delete(e)) => view! {
            <DeleteEndpointModal endpoint=e on_close on_deleted=on_close/>
        }
        .into_any(),
    }
}
