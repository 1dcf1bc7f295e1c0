use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::ui::icons::IconPlug;
use crate::components::ui::EmptyState;

#[component]
pub fn ConnectedTab() -> impl IntoView {
    view! {
        <Title text="Connected integrations"/>
        <h2 class="section-title">"Connected Integrations (0)"</h2>
        <EmptyState
            icon=view! { <IconPlug/> }.into_any()
            title="No integrations connected yet"
            message="Connect a CRM, a chat tool or an automation platform and it will show up here with its status and settings."
        >
            <A href="/integrations/available" attr:class="button button-primary">"Browse available integrations"</A>
        </EmptyState>
    }
}
