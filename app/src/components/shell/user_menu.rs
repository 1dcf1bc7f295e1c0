use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;

use super::use_current_user;
use crate::auth::sign_out;
use crate::components::ui::{close_on_outside_click, use_toasts};

#[component]
pub fn UserMenu() -> impl IntoView {
    let user = use_current_user().0;
    let open = RwSignal::new(false);
    let container = NodeRef::<html::Div>::new();
    close_on_outside_click(container, open);
    let toasts = use_toasts();

    let sign_out_action = Action::new(|_: &()| sign_out());
    toasts.follow(sign_out_action, |()| {
        let _ = window().location().assign("/signin");
        None
    });

    let current = move || user.get().and_then(|u| u.ok());
    view! {
        <div class="popover-anchor" node_ref=container>
            <button
                type="button"
                class="avatar-button"
                data-testid="user-menu"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                // The button's name is its hidden text, read under the Transition like the
                // initials: an attribute read outside it would keep the server's first value.
                <Transition fallback=|| view! {
                    <span class="visually-hidden">"Account menu"</span>
                    <span class="avatar" aria-hidden="true"></span>
                }>
                    <span class="visually-hidden">{move || match current() {
                        Some(u) => format!("Account menu for {}", u.email),
                        None => "Account menu".to_string(),
                    }}</span>
                    <span class="avatar" aria-hidden="true">{move || current().map(|u| u.initials()).unwrap_or_default()}</span>
                </Transition>
                <span class="caret" aria-hidden="true">"▾"</span>
            </button>
            <Show when=move || open.get()>
                <div class="popover user-menu" role="menu">
                    <div class="user-menu-identity">
                        <strong>{move || current().map(|u| if u.name.is_empty() { u.email.clone() } else { u.name.clone() })}</strong>
                        <span class="muted">{move || current().map(|u| u.email)}</span>
                    </div>
                    <A href="/settings" attr:role="menuitem" attr:class="menu-item">"Settings"</A>
                    <button type="button" role="menuitem" class="menu-item" data-testid="sign-out"
                        disabled=move || sign_out_action.pending().get()
                        on:click=move |_| { sign_out_action.dispatch(()); }>
                        "Sign out"
                    </button>
                </div>
            </Show>
        </div>
    }
}
