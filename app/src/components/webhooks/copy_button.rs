use std::time::Duration;

use leptos::prelude::*;

use super::browser::copy_text;
use crate::components::ui::use_toasts;

/// Copies `text` and says "Copied" for a moment; `label` is the accessible name.
#[component]
pub fn CopyButton(
    #[prop(into)] text: Signal<String>,
    #[prop(into)] label: String,
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
                        Duration::from_secs(2),
                    );
                }
                Err(e) => toasts.error(e),
            }
        });
    };
    view! {
        <button type="button" class="button button-secondary wh-copy" class:wh-copied=move || copied.get()
            aria-label=label on:click=on_click>
            {move || if copied.get() { "✓ Copied" } else { "Copy" }}
        </button>
        <span class="visually-hidden" role="status">{move || copied.get().then_some("Copied to the clipboard.")}</span>
    }
}
