use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::components::ui::PageHeader;
use crate::error::AppError;
use crate::integrations::{list_catalogue, list_connections, ConnectionView, ProviderView};

/// The catalogue and the company's connections, loaded once for all three tabs.
#[derive(Clone, Copy)]
pub struct IntegrationsData {
    pub catalogue: Resource<Result<Vec<ProviderView>, AppError>>,
    pub connections: Resource<Result<Vec<ConnectionView>, AppError>>,
}

impl IntegrationsData {
    pub fn refetch(&self) {
        self.catalogue.refetch();
        self.connections.refetch();
    }

    pub fn provider(&self, slug: &str) -> Option<ProviderView> {
        self.catalogue
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|p| p.slug == slug))
    }
}

pub fn use_integrations() -> IntegrationsData {
    expect_context::<IntegrationsData>()
}

/// The Integrations page: three tabs, each its own route so deep links and Back work.
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    provide_context(IntegrationsData {
        catalogue: Resource::new(|| (), |_| list_catalogue()),
        connections: Resource::new(|| (), |_| list_connections()),
    });
    view! {
        <div class="page">
            <PageHeader title="Integrations">"Connect third-party services, manage API access and webhooks."</PageHeader>
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
