//! The Connected tab's dialogs behind one lazily loaded function: their code (the settings
//! form, the activity log, reconnecting and disconnecting) is a wasm chunk of its own, fetched
//! once the page is idle or when a dialog first opens, so the tab hydrates without it.

use leptos::prelude::*;

use super::configure_modal::ConfigureModal;
use super::disconnect_modal::DisconnectModal;
use super::renew_modal::RenewModal;
use crate::components::deliveries::{DeliveryLog, LogSource};
use crate::events::EventTypeView;
use crate::integrations::ConnectionView;

/// A dialog on a connection, with what it is given.
pub enum Dialog {
    Configure {
        connection: ConnectionView,
        on_close: Callback<()>,
        on_disconnect: Callback<ConnectionView>,
    },
    /// The connection's delivery log.
    Activity {
        connection: ConnectionView,
        on_close: Callback<()>,
    },
    Renew {
        connection: ConnectionView,
        on_close: Callback<()>,
    },
    Disconnect {
        connection: ConnectionView,
        on_close: Callback<()>,
    },
}

/// The view of `dialog`; `None` only loads the code (nothing to show).
#[lazy]
pub fn dialog_view(dialog: Option<Dialog>) -> AnyView {
    match dialog {
        None => ().into_any(),
        Some(Dialog::Configure {
            connection,
            on_close,
            on_disconnect,
        }) => view! { <ConfigureModal connection on_close on_disconnect/> }.into_any(),
        Some(Dialog::Activity {
            connection: c,
            on_close,
        }) => {
            let subject = match c.connection_info.is_empty() {
                true => c.provider_name.clone(),
                false => format!("{} ({})", c.provider_name, c.connection_info),
            };
            let types: Vec<EventTypeView> = c
                .event_types
                .iter()
                .map(|name| EventTypeView {
                    name: name.clone(),
                    description: String::new(),
                    example: serde_json::Value::Null,
                    builtin: true,
                })
                .collect();
            view! {
                <DeliveryLog source=LogSource::Connection(c.id) title=format!("{} activity", c.provider_name) subject
                    event_types=Signal::from(types) on_close/>
            }
            .into_any()
        }
        Some(Dialog::Renew {
            connection,
            on_close,
        }) => view! { <RenewModal connection on_close/> }.into_any(),
        Some(Dialog::Disconnect {
            connection,
            on_close,
        }) => view! { <DisconnectModal connection on_close/> }.into_any(),
    }
}
