use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::api::{ApiAccess, EventTypes};
use crate::components::ui::icons::IconWebhook;
use crate::components::ui::EmptyState;

#[component]
pub fn ApiTab() -> impl IntoView {
    view! {
        <Title text="API & Webhooks"/>
        <div class="stack">
            <ApiAccess/>
            <section class="card">
                <h2 class="section-title">"Webhooks"</h2>
                <EmptyState
                    icon=view! { <IconWebhook/> }.into_any()
                    title="No webhook endpoints yet"
                    message="Receive real-time updates when events occur: add an endpoint and we will sign and deliver each event to it."
                />
            </section>
            <EventTypes/>
        </div>
    }
}
