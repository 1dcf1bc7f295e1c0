use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::ui::icons::{IconKey, IconWebhook};
use crate::components::ui::EmptyState;

#[component]
pub fn ApiTab() -> impl IntoView {
    view! {
        <Title text="API & Webhooks"/>
        <div class="stack">
            <section class="card">
                <h2 class="section-title">"API Access"</h2>
                <EmptyState
                    icon=view! { <IconKey/> }.into_any()
                    title="No API keys yet"
                    message="API keys let your own code call Plugboard and publish events. Each key is shown once, when it is created."
                />
            </section>
            <section class="card">
                <h2 class="section-title">"Webhooks"</h2>
                <EmptyState
                    icon=view! { <IconWebhook/> }.into_any()
                    title="No webhook endpoints yet"
                    message="Receive real-time updates when events occur: add an endpoint and we will sign and deliver each event to it."
                />
            </section>
        </div>
    }
}
