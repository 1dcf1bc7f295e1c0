use leptos::prelude::*;

/// A labelled whole-number input from `min` to `max` bound to `value` (text, so blank stays
/// blank), with a hint under it and `error` below that, marking itself invalid.
#[component]
pub fn NumberField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    value: RwSignal<String>,
    min: u32,
    max: u32,
    #[prop(into)] hint: String,
    #[prop(into, optional)] placeholder: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input id=id type="number" min=min max=max step="1" inputmode="numeric" placeholder=placeholder
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=format!("{hint_id} {error_id}") bind:value=value/>
            <p class="field-hint" id=hint_id>{hint}</p>
            <p class="field-error" id=error_id role="alert">{move || error.get()}</p>
        </div>
    }
}
