use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::company::rename_company;
use crate::components::shell::use_current_user;
use crate::components::ui::{field_error, form_error, use_toasts, FormField};

#[component]
pub fn CompanyNameForm(initial: String, on_saved: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(initial);
    let toasts = use_toasts();
    let user = use_current_user().0;
    let action = Action::new(|name: &String| rename_company(name.clone()));
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            toasts.success("Company name saved.");
            user.refetch();
            on_saved.run(());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        action.dispatch(name.get_untracked());
    };
    view! {
        <section class="card">
            <h2 class="section-title">"Company"</h2>
            <form class="form form-inline" method="post" on:submit=on_submit novalidate>
                <FormField id="company-name" label="Company name" value=name required=true
                    error=Signal::derive(move || field_error(error.get(), "name"))/>
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>"Save"</button>
            </form>
            <p class="form-error" role="alert">{move || form_error(error.get(), &["name"])}</p>
        </section>
    }
}
