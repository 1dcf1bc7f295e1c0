use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::sign_in_page::go_to;
use crate::auth::sign_in;
use crate::components::ui::{field_error, form_error, FormField};

#[component]
pub fn SignInForm(next: Signal<String>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let action = Action::new(|(email, password): &(String, String)| {
        sign_in(email.clone(), password.clone())
    });
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            go_to(&next.get_untracked());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        action.dispatch((email.get_untracked(), password.get_untracked()));
    };
    view! {
        <h1>"Sign in"</h1>
        <p class="muted">"Manage your company's integrations, API keys and webhooks."</p>
        <form class="form" on:submit=on_submit novalidate>
            <FormField id="email" label="Email" value=email input_type="email" autocomplete="username" required=true
                error=Signal::derive(move || field_error(error.get(), "email"))/>
            <FormField id="password" label="Password" value=password input_type="password" autocomplete="current-password" required=true
                error=Signal::derive(move || field_error(error.get(), "password"))/>
            <p class="form-error" role="alert" data-testid="sign-in-error">
                {move || form_error(error.get(), &["email", "password"])}
            </p>
            <button type="submit" class="button button-primary button-block" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Signing in..." } else { "Sign in" }}
            </button>
        </form>
    }
}
