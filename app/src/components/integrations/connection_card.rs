use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use super::available_tab::available_url;
use crate::components::ui::use_toasts;
use crate::integrations::{disconnect, ConnectionStatus, ConnectionView};

#[component]
pub fn ConnectionCard(
    connection: ConnectionView,
    on_configure: Callback<Uuid>,
    on_disconnect: Callback<ConnectionView>,
) -> impl IntoView {
    let id = connection.id;
    let for_disconnect = connection.clone();
    let status = connection.status;
    // A connection the provider stopped honouring: drop it and start connecting afresh.
    let toasts = use_toasts();
    let navigate = use_navigate();
    let slug = connection.provider.clone();
    let reconnect = Action::new(move |_: &()| disconnect(id));
    toasts.follow(reconnect, move |()| {
        navigate(&available_url("", "", &slug), Default::default());
        None
    });
    view! {
        <li class="connection-card card" data-testid=format!("connection-{}", connection.provider)>
            <img src=connection.logo.clone() alt="" width="44" height="44"/>
            <div class="connection-body">
                <div class="connection-title">
                    <h3>{connection.provider_name.clone()}</h3>
                    <span class=format!("status status-{}", status.id())>
                        <span class="status-dot" aria-hidden="true"></span>
                        {status.label()}
                    </span>
                </div>
                <p class="muted">{connection.short_description.clone()}</p>
                {(!connection.connection_info.is_empty()).then(|| view! { <p class="connection-info">{connection.connection_info.clone()}</p> })}
                {(status == ConnectionStatus::Error).then(|| view! {
                    <p class="field-error" role="alert">{connection.error_message.clone().unwrap_or_default()} " Reconnect to restore it."</p>
                })}
            </div>
            <div class="connection-actions">
                {(status == ConnectionStatus::Error).then(|| view! {
                    <button type="button" class="button button-primary" disabled=move || reconnect.pending().get()
                        on:click=move |_| { reconnect.dispatch(()); }>"Reconnect"</button>
                })}
                <button type="button" class="button button-secondary" on:click=move |_| on_configure.run(id)
                    aria-label=format!("Configure {}", connection.provider_name)>"Configure"</button>
                <button type="button" class="button button-danger-outline" on:click=move |_| on_disconnect.run(for_disconnect.clone())
                    aria-label=format!("Disconnect {}", connection.provider_name)>"Disconnect"</button>
            </div>
        </li>
    }
}
