use leptos::html;
use leptos::prelude::*;

use crate::api_keys::IssuedApiKey;
use crate::components::ui::icons::IconAlert;
use crate::components::ui::CopyButton;
use crate::components::ui::Modal;

/// A key just created or regenerated, with its full secret: shown this once. Closing the
/// dialog drops the secret; only the masked preview remains in the list.
#[component]
pub fn SecretModal(
    /// The key and whether it was regenerated (rather than created).
    issued: RwSignal<Option<(IssuedApiKey, bool)>>,
) -> impl IntoView {
    let close = Callback::new(move |_| issued.set(None));
    let secret = Signal::derive(move || {
        issued.with(|i| {
            i.as_ref()
                .map(|(k, _)| k.secret.clone())
                .unwrap_or_default()
        })
    });
    let title = Signal::derive(move || {
        match issued.with(|i| i.as_ref().map(|(_, regenerated)| *regenerated)) {
            Some(true) => "API key regenerated".to_string(),
            _ => "API key created".to_string(),
        }
    });
    let input = NodeRef::<html::Input>::new();
    let name = move || {
        issued.with(|i| {
            i.as_ref()
                .map(|(k, _)| k.key.name.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <Modal open=Signal::derive(move || issued.with(Option::is_some)) title on_close=close size="md"
            footer=move || view! {
                <button type="button" class="button button-primary" on:click=move |_| close.run(())>"Done"</button>
            }>
            <div class="secret-reveal" data-testid="secret-reveal">
                <p>"Here is the key for " <strong>{name}</strong> ". Copy it now and store it somewhere safe, such as your deployment's secret manager."</p>
                <div class="field">
                    <label for="issued-secret">"API key"</label>
                    <div class="secret-field">
                        <input id="issued-secret" type="text" class="mono" readonly=true spellcheck="false" autocomplete="off"
                            prop:value=move || secret.get()
                            node_ref=input on:focus=move |_| {
                                if let Some(input) = input.get() {
                                    input.select();
                                }
                            }/>
                        <CopyButton text=secret label="Copy API key"/>
                    </div>
                </div>
                <div class="notice notice-warning secret-warning" role="note">
                    <IconAlert/>
                    <div>
                        <p><strong>"Keep this key secret. Never expose it in client-side code."</strong></p>
                        <p>"You won't be able to see it again."</p>
                    </div>
                </div>
            </div>
        </Modal>
    }
}
