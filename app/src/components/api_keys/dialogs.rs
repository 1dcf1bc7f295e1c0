//! The API keys' and event types' dialogs behind one lazily loaded function: their code (the
//! key form with its scopes, the show-once secret, regeneration, the event type form) is a wasm
//! chunk of its own, fetched once the page is idle or when a dialog first opens.

use leptos::prelude::*;

use super::add_event_type_modal::AddEventTypeModal;
use super::create_key_modal::CreateKeyModal;
use super::delete_key_modal::DeleteKeyModal;
use super::regenerate_modal::RegenerateModal;
use super::secret_modal::SecretModal;
use crate::api_keys::{ApiKeyView, IssuedApiKey};

/// A dialog with what it is given.
pub enum Dialog {
    CreateKey {
        open: RwSignal<bool>,
        on_created: Callback<IssuedApiKey>,
    },
    /// The key and whether it was regenerated (rather than created).
    Secret {
        issued: RwSignal<Option<(IssuedApiKey, bool)>>,
    },
    Regenerate {
        key: ApiKeyView,
        on_close: Callback<()>,
        on_regenerated: Callback<IssuedApiKey>,
    },
    DeleteKey {
        key: ApiKeyView,
        on_close: Callback<()>,
        on_deleted: Callback<()>,
    },
    AddEventType {
        open: RwSignal<bool>,
        on_added: Callback<()>,
    },
}

/// The view of `dialog`; `None` only loads the code (nothing to show).
#[lazy]
pub fn dialog_view(dialog: Option<Dialog>) -> AnyView {
    match dialog {
        None => ().into_any(),
        Some(Dialog::CreateKey { open, on_created }) => {
            view! { <CreateKeyModal open on_created/> }.into_any()
        }
        Some(Dialog::Secret { issued }) => view! { <SecretModal issued/> }.into_any(),
        Some(Dialog::Regenerate {
            key,
            on_close,
            on_regenerated,
        }) => view! { <RegenerateModal key on_close on_regenerated/> }.into_any(),
        Some(Dialog::DeleteKey {
            key,
            on_close,
            on_deleted,
        }) => view! { <DeleteKeyModal key on_close on_deleted/> }.into_any(),
        Some(Dialog::AddEventType { open, on_added }) => {
            view! { <AddEventTypeModal open on_added/> }.into_any()
        }
    }
}
