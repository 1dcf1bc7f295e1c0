use std::time::Duration;

use leptos::prelude::*;

use super::browser::copy_text;
use super::use_toasts;

/// How long the button says "Copied".
const FEEDBACK: Duration = Duration::from_secs(2);

/// Copies `text` to the clipboard and says "Copied" for a moment. `label` is the button's
/// accessible name ("Copy API key"); it stays the same while the visible text changes.
#[component]
pub fn CopyButton(
    #[prop(into)] text: Signal<String>,
    #[prop(into)] label: String,
    #[prop(optional)] small: bool,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let toasts = use_toasts();
    let on_click = move |_| {
        let value = text.get_untracked();
        leptos::task::spawn_local(async move {
            match copy_text(&value).await {
                Ok(()) => {
                    copied.try_set(true);
                    set_timeout(
                        move || {
                            copied.try_set(false);
                        },
                        FEEDBACK,
                    );
                }
                Err(e) => toasts.error(e),
            }
        });
    };
    view! {
        <button type="button" class="button button-secondary copy-button" class:button-sm=small
            class:copied=move || copied.get() aria-label=label on:click=on_click>
            {move || if copied.get() { "✓ Copied" } else { "Copy" }}
        </button>
        <span class="visually-hidden" role="status">{move || copied.get().then_some("Copied to the clipboard.")}</span>
    }
}
