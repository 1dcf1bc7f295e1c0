use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::company::change_password;
use crate::components::ui::{field_error, form_error, use_toasts, FormField};
use crate::error::AppError;

#[component]
pub fn ChangePasswordForm() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let mismatch = RwSignal::new(None::<AppError>);
    let toasts = use_toasts();
    let action = Action::new(|(c, n): &(String, String)| change_password(c.clone(), n.clone()));
    let error = Signal::derive(move || {
        mismatch
            .get()
            .or_else(|| action.value().get().and_then(|r| r.err()))
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            toasts.success("Password changed. Your other sessions were signed out.");
            current.set(String::new());
            new.set(String::new());
            confirm.set(String::new());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if new.get_untracked() != confirm.get_untracked() {
            mismatch.set(Some(AppError::bad_request(
                "confirm_password",
                "Passwords do not match.",
            )));
            return;
        }
        mismatch.set(None);
        action.dispatch((current.get_untracked(), new.get_untracked()));
    };
    let fe = move |field: &'static str| Signal::derive(move || field_error(error.get(), field));
    // Until the page is hydrated the form cannot send JSON: the button stays disabled (which
    // also stops Enter from submitting), and the form says POST, so passwords never go into a
    // URL (a form without a method sends its fields as a query string).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <section class="card">
            <h2 class="section-title">"Your password"</h2>
            <form class="form" method="post" on:submit=on_submit novalidate>
                <FormField id="current_password" label="Current password" value=current input_type="password"
                    autocomplete="current-password" required=true error=fe("current_password")/>
                <FormField id="new_password" label="New password" value=new input_type="password"
                    autocomplete="new-password" required=true hint="At least 8 characters." error=fe("new_password")/>
                <FormField id="confirm_password" label="Confirm new password" value=confirm input_type="password"
                    autocomplete="new-password" required=true error=fe("confirm_password")/>
                <p class="form-error" role="alert">{move || form_error(error.get(), &["current_password", "new_password", "confirm_password"])}</p>
                <div><button type="submit" class="button button-primary" disabled=move || !hydrated.get() || action.pending().get()>"Change password"</button></div>
            </form>
        </section>
    }
}
