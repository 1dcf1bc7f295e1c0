use leptos::prelude::*;

use super::integrations_page::use_integrations;
use crate::components::ui::icons::IconAlert;
use crate::components::ui::ConfirmModal;
use crate::integrations::{disconnect, ConnectionView};

#[component]
pub fn DisconnectModal(connection: ConnectionView, on_close: Callback<()>) -> impl IntoView {
    let data = use_integrations();
    let id = connection.id;
    let name = connection.display_name().to_string();
    let action = Action::new(move |_: &()| disconnect(id));
    let effects = connection.disconnect_effects;
    let question = format!("Are you sure you want to disconnect {name}?");
    view! {
        <ConfirmModal title=format!("Disconnect {name}") confirm="Disconnect" action
            done=format!("{name} disconnected.") on_close
            on_done=Callback::new(move |_| { data.refetch(); on_close.run(()); })>
            <div class="confirm-lead">
                <span class="confirm-icon" aria-hidden="true"><IconAlert/></span>
                <p><strong>{question.clone()}</strong></p>
            </div>
            <p>"This will:"</p>
            <ul class="bullets">{effects.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}</ul>
            <p class="muted">"Its credentials and settings are deleted. You can reconnect at any time."</p>
        </ConfirmModal>
    }
}
