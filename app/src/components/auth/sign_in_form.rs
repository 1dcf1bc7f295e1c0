use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use server_fn::ServerFn;

use super::go_to;
use super::submitted_form::SubmittedForm;
use crate::auth::SignIn;
use crate::components::ui::{field_error, form_error, FormField};

/// Posts to the sign-in server function: with JavaScript it stays on the page and goes on to
/// `next`; before the wasm loads (or without it) the browser posts the form itself and the
/// server answers with a redirect, so the password never lands in a URL.
#[component]
pub fn SignInForm(next: Signal<String>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            go_to(&next.get_untracked());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let form = SubmittedForm::from_event(&ev);
        action.dispatch(SignIn {
            email: form.text("email"),
            password: form.text("password"),
        });
    };
    view! {
        <h1>"Sign in"</h1>
        <p class="muted">"Manage your company's integrations, API keys and webhooks."</p>
        <form action=SignIn::url() method="post" class="form" novalidate data-testid="sign-in-form" on:submit=on_submit>
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
