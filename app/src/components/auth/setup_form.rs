use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use server_fn::ServerFn;

use super::go_to;
use super::submitted_form::SubmittedForm;
use crate::auth::CompleteSetup;
use crate::components::ui::{field_error, form_error, FormField};

const FIELDS: [&str; 5] = [
    "company_name",
    "name",
    "email",
    "password",
    "confirm_password",
];

/// Shown once, while the installation has no admin: creates the company and its first admin.
/// Like sign-in, it posts to its server function and works before the wasm has loaded.
#[component]
pub fn SetupForm(next: Signal<String>) -> impl IntoView {
    let company_name = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let action = ServerAction::<CompleteSetup>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            go_to(&next.get_untracked());
        }
    });
    // The server names the first field at fault; every other required field left empty is
    // marked too, so one try shows all that is missing.
    let required = move |field: &'static str| match field {
        "company_name" => Some(company_name),
        "email" => Some(email),
        "password" => Some(password),
        "confirm_password" => Some(confirm),
        _ => None,
    };
    let fe = move |field: &'static str| {
        Signal::derive(move || {
            let error = error.get()?;
            field_error(Some(error), field).or_else(|| {
                required(field)
                    .filter(|value| value.get().trim().is_empty())
                    .map(|_| "Required.".to_string())
            })
        })
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let form = SubmittedForm::from_event(&ev);
        action.dispatch(CompleteSetup {
            company_name: form.text("company_name"),
            name: form.text("name"),
            email: form.text("email"),
            password: form.text("password"),
            confirm_password: Some(form.text("confirm_password")),
        });
    };
    view! {
        <h1>"Set up Plugboard"</h1>
        <p class="muted">"Welcome! Create your company and its first admin account. This form is shown only once."</p>
        <form action=CompleteSetup::url() method="post" class="form" novalidate data-testid="setup-form" on:submit=on_submit>
            <FormField id="company_name" label="Company name" value=company_name required=true autocomplete="organization" error=fe("company_name")/>
            <FormField id="name" label="Your name" value=name autocomplete="name" error=fe("name")/>
            <FormField id="email" label="Email" value=email input_type="email" autocomplete="username" required=true error=fe("email")/>
            <FormField id="password" label="Password" value=password input_type="password" autocomplete="new-password" required=true
                hint="At least 8 characters." error=fe("password")/>
            <FormField id="confirm_password" label="Confirm password" value=confirm input_type="password" autocomplete="new-password" required=true error=fe("confirm_password")/>
            <p class="form-error" role="alert">
                {move || form_error(error.get(), &FIELDS)}
            </p>
            <button type="submit" class="button button-primary button-block" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Creating..." } else { "Create company and sign in" }}
            </button>
        </form>
    }
}
