use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::ui::icons::{IconGrid, IconSearch};
use crate::components::ui::EmptyState;

#[component]
pub fn AvailableTab() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    view! {
        <Title text="Available integrations"/>
        <h2 class="section-title">"Available Integrations"</h2>
        {move || {
            let q = search();
            if q.trim().is_empty() {
                view! {
                    <EmptyState
                        icon=view! { <IconGrid/> }.into_any()
                        title="The catalogue is empty"
                        message="No integrations are available on this installation yet. Services appear here once the catalogue is loaded."
                    />
                }.into_any()
            } else {
                view! {
                    <EmptyState
                        icon=view! { <IconSearch/> }.into_any()
                        title="No matching integrations"
                        message=format!("Nothing in the catalogue matches “{q}”. Try another name or category.")
                    />
                }.into_any()
            }
        }}
    }
}
