use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::ui::icons::IconDashboard;
use crate::components::ui::EmptyState;
use crate::components::ui::PageHeader;

/// The home for the integration health overview (connection status, delivery success rates).
#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <div class="page">
            <PageHeader title="Dashboard">"The health of your integrations at a glance."</PageHeader>
            <div class="card">
                <EmptyState
                    icon=view! { <IconDashboard/> }.into_any()
                    title="Nothing to report yet"
                    message="Once you connect services and register webhook endpoints, their status, recent failures and delivery rates appear here."
                >
                    <A href="/integrations/available" attr:class="button button-primary">"Connect an integration"</A>
                </EmptyState>
            </div>
        </div>
    }
}
