use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::AppError;

/// A labelled input bound to `value`, showing `error` under it and marking itself invalid.
#[component]
pub fn FormField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional)] input_type: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] hint: Option<String>,
) -> impl IntoView {
    if let Some(typed) = typed_before_hydration(&id) {
        value.set(typed);
    }
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let error_id = error_id.clone();
        let hint_id = hint_id.clone();
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label for=id.clone() class:required=required>{label}</label>
            <input
                id=id.clone()
                name=id
                type=input_type.unwrap_or("text")
                autocomplete=autocomplete.unwrap_or("off")
                required=required
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
                bind:value=value
            />
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{h}</p> })}
            <p class="field-error" id=error_id role="alert">{move || error.get()}</p>
        </div>
    }
}

/// What the page's input `id` holds while the page hydrates: what was typed before its script
/// loaded, which hydration would otherwise replace with the signal's (empty) value.
fn typed_before_hydration(id: &str) -> Option<String> {
    let hydrating = Owner::current_shared_context()
        .is_some_and(|context| context.is_browser() && context.during_hydration());
    if !hydrating {
        return None;
    }
    let input = document().get_element_by_id(id)?;
    Some(input.dyn_into::<web_sys::HtmlInputElement>().ok()?.value())
}

/// The message for `field` if `error` is about it.
pub fn field_error(error: Option<AppError>, field: &str) -> Option<String> {
    error
        .filter(|e| e.field() == Some(field))
        .map(|e| e.to_string())
}

/// The message of an error no single field owns.
pub fn form_error(error: Option<AppError>, fields: &[&str]) -> Option<String> {
    error
        .filter(|e| e.field().map(|f| !fields.contains(&f)).unwrap_or(true))
        .map(|e| e.to_string())
}
