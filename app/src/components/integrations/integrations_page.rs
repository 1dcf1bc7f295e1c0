use leptos::prelude::*;
use leptos::reactive::owner::WeakOwner;
use leptos_router::components::{Outlet, A};

use crate::components::ui::{server_data, PageHeader, ServerData};
use crate::error::AppError;
use crate::integrations::{list_catalogue, list_connections, ConnectionView, ProviderView};

/// The catalogue and the company's connections, loaded once for the Connected and Available tabs.
#[derive(Clone, Copy)]
pub struct IntegrationsData {
    pub catalogue: ServerData<Result<Vec<ProviderView>, AppError>>,
    pub connections: ServerData<Result<Vec<ConnectionView>, AppError>>,
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

/// The Connected and Available tabs' shared data, made by the first of them shown. The API tab
/// never asks: it neither waits for the catalogue and connections nor carries them in its HTML,
/// and (as only those two tabs call [`load_integrations`]) the resources' code, with their
/// results' deserialisers, sits in a wasm chunk of theirs, not one the API tab downloads.
#[derive(Clone, Copy)]
struct IntegrationsDataOnDemand {
    /// The page's owner (weakly: it holds this context): the data lives as long as the page,
    /// not as the tab that made it, so switching tabs does not load it again.
    page: StoredValue<Option<WeakOwner>>,
    made: StoredValue<Option<IntegrationsData>>,
}

/// The page's data, made on the first call; provided to the calling tab's dialogs
/// ([`use_integrations`]).
pub fn load_integrations() -> IntegrationsData {
    let on_demand = expect_context::<IntegrationsDataOnDemand>();
    let data = match on_demand.made.get_value() {
        Some(data) => data,
        None => {
            let load = || IntegrationsData {
                catalogue: server_data(|| (), |_| list_catalogue()),
                connections: server_data(|| (), |_| list_connections()),
            };
            let data = match on_demand.page.get_value().and_then(|page| page.upgrade()) {
                Some(page) => page.with(load),
                None => load(),
            };
            on_demand.made.set_value(Some(data));
            data
        }
    };
    provide_context(data);
    data
}

/// The data [`load_integrations`] gave the tab this is drawn in.
pub fn use_integrations() -> IntegrationsData {
    expect_context::<IntegrationsData>()
}

/// The Integrations page: three tabs, each its own route so deep links and Back work.
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    provide_context(IntegrationsDataOnDemand {
        page: StoredValue::new(Owner::current().map(|owner| owner.downgrade())),
        made: StoredValue::new(None),
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
