use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::company::add_admin;
use crate::components::ui::{field_error, form_error, use_toasts, FormField, Modal};

#[derive(Clone)]
struct NewAdmin {
    email: String,
    name: String,
    password: String,
}

#[component]
pub fn AddAdminModal(open: RwSignal<bool>, on_added: Callback<()>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let toasts = use_toasts();
    let action = Action::new(|a: &NewAdmin| {
        let a = a.clone();
        add_admin(a.email, a.name, a.password)
    });
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(admin)) = action.value().get() {
            toasts.success(format!("{} can now sign in.", admin.email));
            email.set(String::new());
            name.set(String::new());
            password.set(String::new());
            action.value().set(None);
            on_added.run(());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        action.dispatch(NewAdmin {
            email: email.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
        });
    };
    let close = Callback::new(move |_| {
        action.value().set(None);
        open.set(false);
    });
    let fe = move |field: &'static str| Signal::derive(move || field_error(error.get(), field));
    view! {
        <Modal open=open title="Add admin".to_string() on_close=close>
            <form id="add-admin-form" class="form" on:submit=on_submit novalidate>
                <FormField id="admin-email" label="Email" value=email input_type="email" required=true error=fe("email")/>
                <FormField id="admin-name" label="Name" value=name error=fe("name")/>
                <FormField id="admin-password" label="Initial password" value=password input_type="password"
                    autocomplete="new-password" required=true hint="Share it with them securely; they can change it in Settings."
                    error=fe("password")/>
                <p class="form-error" role="alert">{move || form_error(error.get(), &["email", "name", "password"])}</p>
                <div class="modal-actions">
                    <button type="button" class="button button-secondary" on:click=move |_| close.run(())>"Cancel"</button>
                    <button type="submit" class="button button-primary" disabled=move || action.pending().get()>"Add admin"</button>
                </div>
            </form>
        </Modal>
    }
}
