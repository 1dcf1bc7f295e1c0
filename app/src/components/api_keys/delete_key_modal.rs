use leptos::prelude::*;

use crate::api_keys::{delete_api_key, ApiKeyView};
use crate::components::ui::ConfirmModal;

/// Confirms deleting `key`, naming it.
#[component]
pub fn DeleteKeyModal(
    key: ApiKeyView,
    on_close: Callback<()>,
    on_deleted: Callback<()>,
) -> impl IntoView {
    let id = key.id;
    let name = key.name;
    let action = Action::new(move |_: &()| delete_api_key(id));
    let question = format!("Delete the API key “{name}”?");
    view! {
        <ConfirmModal title=format!("Delete {name}") confirm="Delete key" action
            done=format!("API key “{name}” deleted.") on_close on_done=on_deleted>
            <p><strong>{question.clone()}</strong></p>
            <p>"Any code still using it is refused with 401 Unauthorized from now on. This cannot be undone."</p>
        </ConfirmModal>
    }
}
