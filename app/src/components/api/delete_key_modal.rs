use leptos::prelude::*;

use crate::api_keys::{delete_api_key, ApiKeyView};
use crate::components::ui::{use_toasts, Modal};

/// Confirms deleting `key`, naming it.
#[component]
pub fn DeleteKeyModal(
    key: ApiKeyView,
    on_close: Callback<()>,
    on_deleted: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let id = key.id;
    let name = key.name.clone();
    let action = Action::new(move |_: &()| delete_api_key(id));
    Effect::new({
        let name = name.clone();
        move |_| match action.value().get() {
            Some(Ok(())) => {
                toasts.success(format!("API key “{name}” deleted."));
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
                on:click=move |_| { action.dispatch(()); }>"Delete key"</button>
        }
    };
    view! {
        <Modal open=Signal::from(true) title=format!("Delete {name}") on_close footer=footer size="sm">
            <div class="modal-prose">
                <p><strong>{format!("Delete the API key “{name}”?")}</strong></p>
                <p>"Any code still using it is refused with 401 Unauthorized from now on. This cannot be undone."</p>
            </div>
        </Modal>
    }
}
