use leptos::prelude::*;

use crate::api_keys::{regenerate_api_key, ApiKeyView, IssuedApiKey};
use crate::components::ui::{form_error, Modal};

/// When the old key stops working: (seconds of grace, label).
const GRACE: [(u32, &str); 4] = [
    (0, "Immediately"),
    (3_600, "In 1 hour"),
    (86_400, "In 24 hours"),
    (604_800, "In 7 days"),
];

/// Issues a new secret for `key`; the old one stops at once or after a grace period.
#[component]
pub fn RegenerateModal(
    key: ApiKeyView,
    on_close: Callback<()>,
    on_regenerated: Callback<IssuedApiKey>,
) -> impl IntoView {
    let grace = RwSignal::new(0u32);
    let id = key.id;
    let action =
        Action::new(move |secs: &u32| regenerate_api_key(id, (*secs > 0).then_some(*secs)));
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(issued)) = action.value().get() {
            action.value().set(None);
            on_regenerated.run(issued);
        }
    });
    let footer = move || {
        view! {
            <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
            <button type="button" class="button button-primary" disabled=move || action.pending().get()
                on:click=move |_| { action.dispatch(grace.get_untracked()); }>"Regenerate key"</button>
        }
    };
    let name = key.name.clone();
    view! {
        <Modal open=Signal::from(true) title=format!("Regenerate {name}") on_close footer=footer size="sm">
            <p>"A new secret replaces " <code class="mono">{key.preview.clone()}</code>
               ". Its name, scopes and expiry stay the same. Update your deployments with the new key."</p>
            <fieldset class="grace-options">
                <legend>"When should the old key stop working?"</legend>
                {GRACE.into_iter().map(|(secs, label)| view! {
                    <label class="radio-option">
                        <input type="radio" name="grace" value=secs.to_string()
                            prop:checked=move || grace.get() == secs
                            on:change=move |_| grace.set(secs)/>
                        <span>{label}</span>
                    </label>
                }).collect_view()}
            </fieldset>
            <p class="form-error" role="alert">{move || form_error(error.get(), &[])}</p>
        </Modal>
    }
}
