use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::ui::icons::IconSearch;

/// Searches the integrations catalogue: submitting opens the Available tab filtered by the text.
#[component]
pub fn HeaderSearch() -> impl IntoView {
    let query = RwSignal::new(String::new());
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
        navigate(&target, Default::default());
    };
    view! {
        <form class="topbar-search" role="search" action="/integrations/available" method="get" on:submit=on_submit>
            <label for="global-search" class="visually-hidden">"Search integrations"</label>
            <IconSearch/>
            <input id="global-search" name="q" type="search" placeholder="Search integrations..." bind:value=query/>
        </form>
    }
}
