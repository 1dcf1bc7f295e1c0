use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};

/// The Integrations page: three tabs, each its own route so deep links and Back work.
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    view! {
        <Title text="Integrations"/>
        <div class="page">
            <header class="page-header">
                <h1>"Integrations"</h1>
                <p class="muted">"Connect third-party services, manage API access and webhooks."</p>
            </header>
            <nav class="tabs" aria-label="Integrations sections">
                <A href="/integrations/connected" attr:class="tab">"Connected"</A>
                <A href="/integrations/available" attr:class="tab">"Available"</A>
                <A href="/integrations/api" attr:class="tab">"API & Webhooks"</A>
            </nav>
            <section class="tab-panel">
                <Outlet/>
            </section>
        </div>
    }
}
