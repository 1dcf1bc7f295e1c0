use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::api_keys::{ApiAccess, EventTypes};
use crate::components::webhooks::WebhooksSection;

#[component]
pub fn ApiTab() -> impl IntoView {
    view! {
        <Title text="API & Webhooks"/>
        <div class="stack">
            <ApiAccess/>
            <WebhooksSection/>
            <EventTypes/>
        </div>
    }
}
