use leptos::prelude::*;

use super::integrations_page::use_integrations;
use crate::components::ui::{use_toasts, Modal};
use crate::integrations::{disconnect, ConnectionView};

#[component]
pub fn DisconnectModal(connection: ConnectionView, on_close: Callback<()>) -> impl IntoView {
    let data = use_integrations();
    let toasts = use_toasts();
    let id = connection.id;
    let name = connection.provider_name.clone();
    let action = Action::new(move |_: &()| disconnect(id));
    Effect::new({
        let name = name.clone();
        move |_| match action.value().get() {
            Some(Ok(())) => {
                toasts.success(format!("{name} disconnected."));
                data.refetch();
                on_close.run(());
            }
            Some(Err(e)) => toasts.error(e.to_string()),
            None => {}
        }
    });
    let footer = move || {
        view! {
            <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
            <button type="button" class="button button-danger" disabled=move || action.pending().get()
                on:click=move |_| { action.dispatch(()); }>"Disconnect"</button>
        }
    };
    view! {
        <Modal open=Signal::from(true) title=format!("Disconnect {name}") on_close footer=footer size="sm">
            <p><strong>{format!("Are you sure you want to disconnect {name}?")}</strong></p>
            <p>"This will:"</p>
            <ul class="bullets">{connection.disconnect_effects.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}</ul>
            <p class="muted">"Its credentials and settings are deleted. You can reconnect at any time."</p>
        </Modal>
    }
}
