use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::sign_in_page::go_to;
use crate::auth::complete_setup;
use crate::components::ui::{field_error, form_error, FormField};
use crate::error::AppError;

#[derive(Clone)]
struct SetupInput {
    company_name: String,
    name: String,
    email: String,
    password: String,
}

/// Shown once, while the installation has no admin: creates the company and its first admin.
#[component]
pub fn SetupForm(next: Signal<String>) -> impl IntoView {
    let company_name = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let mismatch = RwSignal::new(None::<AppError>);

    let action = Action::new(|input: &SetupInput| {
        let input = input.clone();
        complete_setup(input.company_name, input.name, input.email, input.password)
    });
    let error = Signal::derive(move || {
        mismatch
            .get()
            .or_else(|| action.value().get().and_then(|r| r.err()))
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            go_to(&next.get_untracked());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if password.get_untracked() != confirm.get_untracked() {
            mismatch.set(Some(AppError::bad_request(
                "confirm",
                "Passwords do not match.",
            )));
            return;
        }
        mismatch.set(None);
        action.dispatch(SetupInput {
            company_name: company_name.get_untracked(),
            name: name.get_untracked(),
            email: email.get_untracked(),
            password: password.get_untracked(),
        });
    };
    let fe = move |field: &'static str| Signal::derive(move || field_error(error.get(), field));
    view! {
        <h1>"Set up Plugboard"</h1>
        <p class="muted">"Welcome! Create your company and its first admin account. This form is shown only once."</p>
        <form class="form" on:submit=on_submit novalidate data-testid="setup-form">
            <FormField id="company_name" label="Company name" value=company_name required=true autocomplete="organization" error=fe("company_name")/>
            <FormField id="name" label="Your name" value=name autocomplete="name" error=fe("name")/>
            <FormField id="email" label="Email" value=email input_type="email" autocomplete="username" required=true error=fe("email")/>
            <FormField id="password" label="Password" value=password input_type="password" autocomplete="new-password" required=true
                hint="At least 8 characters." error=fe("password")/>
            <FormField id="confirm" label="Confirm password" value=confirm input_type="password" autocomplete="new-password" required=true error=fe("confirm")/>
            <p class="form-error" role="alert">
                {move || form_error(error.get(), &["company_name", "name", "email", "password", "confirm"])}
            </p>
            <button type="submit" class="button button-primary button-block" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Creating..." } else { "Create company and sign in" }}
            </button>
        </form>
    }
}
