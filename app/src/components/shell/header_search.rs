use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::ui::icons::IconSearch;

/// Searches the integrations catalogue: submitting opens the Available tab filtered by the text.
/// On a phone the field hides behind a search button and opens as a row under the header.
#[component]
pub fn HeaderSearch() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let input = NodeRef::<html::Input>::new();
    let navigate = use_navigate();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        let q = q.trim();
        let target = if q.is_empty() {
            "/integrations/available".to_string()
        } else {
            let encoded: String = js_sys::encode_uri_component(q).into();
            format!("/integrations/available?q={encoded}")
        };
        open.set(false);
        navigate(&target, Default::default());
    };
    // Opening moves the focus into the field, so the keyboard comes up at once.
    Effect::new(move |_| {
        if open.get() {
            if let Some(input) = input.get() {
                let _ = input.focus();
            }
        }
    });
    view! {
        <button
            type="button"
            class="icon-button search-toggle"
            aria-label="Search integrations"
            aria-controls="global-search-form"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            <IconSearch/>
        </button>
        <form id="global-search-form" class="topbar-search" class:open=move || open.get()
            role="search" action="/integrations/available" method="get" on:submit=on_submit>
            <label for="global-search" class="visually-hidden">"Search integrations"</label>
            <IconSearch/>
            <input id="global-search" name="q" type="search" placeholder="Search integrations..."
                node_ref=input bind:value=query
                on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }/>
        </form>
    }
}
