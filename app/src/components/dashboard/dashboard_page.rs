use leptos::prelude::*;
use send_wrapper::SendWrapper;

use super::attention_list::AttentionList;
use super::delivery_chart::DeliveryChart;
use super::getting_started::GettingStartedCard;
use super::recent_notifications::RecentNotifications;
use super::status_tiles::StatusTiles;
use crate::components::ui::{server_data, PageHeader};
use crate::dashboard::{get_dashboard_overview, DashboardOverview};

/// How often the overview refreshes itself while the page is open.
const POLL_MS: u32 = 30_000;

/// The company's integrations at a glance; a new company's first steps until it has taken them.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let overview = server_data(|| (), |_| get_dashboard_overview());
    Effect::new(move |_| {
        let interval = gloo_timers::callback::Interval::new(POLL_MS, move || overview.refetch());
        // Browser only, and the browser has one thread.
        let interval = SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    });
    view! {
        <div class="page dashboard">
            <PageHeader title="Dashboard">"The health of your integrations at a glance."</PageHeader>
            <Transition fallback=|| view! { <div class="card"><p class="muted">"Loading..."</p></div> }>
                {move || overview.get().map(|res| match res {
                    Ok(o) => view! { <Overview overview=o/> }.into_any(),
                    Err(e) => view! { <div class="card"><p class="form-error" role="alert">{e.to_string()}</p></div> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Overview(overview: DashboardOverview) -> impl IntoView {
    let steps = overview.getting_started;
    // A company that has done nothing yet sees its first steps only.
    if steps.done() == 0 {
        return view! { <GettingStartedCard steps/> }.into_any();
    }
    view! {
        {(!steps.complete()).then(|| view! { <GettingStartedCard steps/> })}
        <StatusTiles connections=overview.connections endpoints=overview.endpoints deliveries=overview.deliveries.clone()/>
        <div class="dashboard-grid">
            <DeliveryChart day=overview.deliveries/>
            <AttentionList items=overview.attention/>
        </div>
        <RecentNotifications items=overview.notifications/>
    }
    .into_any()
}
