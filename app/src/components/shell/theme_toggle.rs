use leptos::prelude::*;

use crate::components::ui::icons::{IconMoon, IconSun};

/// Where the choice is kept; the boot script in the page head applies it before first paint.
pub const THEME_STORAGE_KEY: &str = "pb-theme";

/// Flips between light and dark. With no stored choice the page follows `prefers-color-scheme`;
/// once toggled, the choice persists in localStorage.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    // Unknown until the browser says; the server renders the neutral label.
    let dark = RwSignal::new(None::<bool>);
    Effect::new(move |_| {
        dark.set(Some(effective_dark()));
    });
    let toggle = move |_| {
        let next = !effective_dark();
        let theme = if next { "dark" } else { "light" };
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-theme", theme);
        }
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item(THEME_STORAGE_KEY, theme);
        }
        dark.set(Some(next));
    };
    let label = move || match dark.get() {
        Some(true) => "Switch to light mode",
        Some(false) => "Switch to dark mode",
        None => "Toggle dark mode",
    };
    view! {
        <button
            type="button"
            class="icon-button theme-toggle"
            data-testid="theme-toggle"
            aria-label=label
            title=label
            aria-pressed=move || dark.get().unwrap_or(false).to_string()
            on:click=toggle
        >
            {move || if dark.get().unwrap_or(false) { view! { <IconSun/> }.into_any() } else { view! { <IconMoon/> }.into_any() }}
        </button>
    }
}

/// The theme in force: the explicit choice on <html>, else the system preference.
fn effective_dark() -> bool {
    let explicit = document()
        .document_element()
        .and_then(|root| root.get_attribute("data-theme"));
    match explicit.as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .map(|mq| mq.matches())
            .unwrap_or(false),
    }
}
