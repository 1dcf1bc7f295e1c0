use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api_keys::{create_api_key, IssuedApiKey};
use crate::auth::scope::Scope;
use crate::components::ui::{field_error, form_error, FormField, Modal};

#[derive(Clone)]
struct NewKey {
    name: String,
    scopes: Vec<Scope>,
    expires_in_days: Option<u32>,
}

/// Expiry choices: (value of the select, label).
const EXPIRY: [(&str, &str); 4] = [
    ("", "Never"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
];

/// Name, scopes and expiry of a new key. On success the caller shows the key, once.
#[component]
pub fn CreateKeyModal(open: RwSignal<bool>, on_created: Callback<IssuedApiKey>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<Scope>::new());
    let expiry = RwSignal::new(String::new());
    let action = Action::new(|k: &NewKey| {
        let k = k.clone();
        create_api_key(k.name, k.scopes, k.expires_in_days)
    });
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let reset = move || {
        name.set(String::new());
        scopes.set(Vec::new());
        expiry.set(String::new());
        action.value().set(None);
    };
    Effect::new(move |_| {
        if let Some(Ok(issued)) = action.value().get() {
            // The secret goes to the show-once dialog and nowhere else.
            reset();
            open.set(false);
            on_created.run(issued);
        }
    });
    let all = move || scopes.with(|s| s.contains(&Scope::All));
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let chosen = if all() {
            vec![Scope::All]
        } else {
            scopes.get_untracked()
        };
        action.dispatch(NewKey {
            name: name.get_untracked(),
            scopes: chosen,
            expires_in_days: expiry.get_untracked().parse().ok(),
        });
    };
    let close = Callback::new(move |_| {
        reset();
        open.set(false);
    });
    let fe = move |field: &'static str| Signal::derive(move || field_error(error.get(), field));
    let scope_error = fe("scopes");
    let expiry_error = fe("expires_in_days");
    let checkbox = move |scope: Scope| {
        let id = match scope {
            Scope::All => "scope-all".to_string(),
            _ => format!("scope-{}", scope.as_str().replace(':', "-")),
        };
        let greyed = move || scope != Scope::All && all();
        view! {
            <label class="scope-option" class:scope-option-off=greyed>
                <input type="checkbox" id=id disabled=greyed
                    prop:checked=move || scopes.with(|s| s.contains(&scope)) || greyed()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        // A "choose a scope" error is answered by choosing one.
                        if error.get_untracked().is_some_and(|e| e.field() == Some("scopes")) {
                            action.value().set(None);
                        }
                        scopes.update(|s| {
                            s.retain(|x| *x != scope);
                            if on { s.push(scope); }
                        });
                    }/>
                <span class="scope-option-text">
                    <code>{scope.as_str()}</code>
                    <span class="muted">{scope.description()}</span>
                </span>
            </label>
        }
    };
    view! {
        <Modal open=open title="Create API key".to_string() on_close=close size="md">
            <form id="create-key-form" class="form" on:submit=on_submit novalidate>
                <FormField id="key-name" label="Name" value=name required=true
                    hint="Where the key is used, e.g. “Production backend”." error=fe("name")/>
                <fieldset class="field scope-fieldset" class:field-invalid=move || scope_error.get().is_some()
                    aria-describedby="key-scopes-error">
                    <legend class="required">"Scopes"</legend>
                    <p class="field-hint">"What the key may do. Choose only what your code needs."</p>
                    <div class="scope-options">{Scope::EVERY.into_iter().map(checkbox).collect_view()}</div>
                    <p class="field-error" id="key-scopes-error" role="alert">{move || scope_error.get()}</p>
                </fieldset>
                <div class="field" class:field-invalid=move || expiry_error.get().is_some()>
                    <label for="key-expiry">"Expires"</label>
                    <select id="key-expiry" on:change=move |ev| expiry.set(event_target_value(&ev))>
                        {EXPIRY.into_iter().map(|(value, label)| view! {
                            <option value=value selected=move || expiry.get() == value>{label}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{move || expiry_error.get()}</p>
                </div>
                <p class="form-error" role="alert">{move || form_error(error.get(), &["name", "scopes", "expires_in_days"])}</p>
                <div class="modal-actions">
                    <button type="button" class="button button-secondary" on:click=move |_| close.run(())>"Cancel"</button>
                    <button type="submit" class="button button-primary" disabled=move || action.pending().get()>"Create key"</button>
                </div>
            </form>
        </Modal>
    }
}
