use leptos::prelude::*;
use leptos_router::components::A;

use crate::dashboard::{ConnectionCounts, DeliveryDay, EndpointCounts};

/// Three tiles: connections by state, endpoints by state, the day's deliveries.
#[component]
pub fn StatusTiles(
    connections: ConnectionCounts,
    endpoints: EndpointCounts,
    deliveries: DeliveryDay,
) -> impl IntoView {
    let total_connections =
        connections.active + connections.error + connections.pending + connections.needs_setup;
    let total_endpoints = endpoints.healthy + endpoints.failing + endpoints.disabled;
    let finished = deliveries.succeeded + deliveries.failed;
    let rate = match finished {
        0 => "No deliveries finished in the last 24 hours".to_string(),
        n => format!("{} delivered", percent(deliveries.succeeded, n)),
    };
    view! {
        <div class="status-tiles">
            <A href="/integrations/connected" attr:class="card status-tile" attr:data-testid="tile-connections">
                <p class="tile-label">"Connections"</p>
                <p class="tile-value">{total_connections}</p>
                <ul class="tile-breakdown">
                    <Count n=connections.active label="connected" class="badge-ok"/>
                    <Count n=connections.needs_setup label="need setup" class="badge-warn"/>
                    <Count n=connections.pending label="pending" class="badge-warn"/>
                    <Count n=connections.error label="in error" class="badge-bad"/>
                </ul>
            </A>
            <A href="/integrations/api" attr:class="card status-tile" attr:data-testid="tile-endpoints">
                <p class="tile-label">"Webhook endpoints"</p>
                <p class="tile-value">{total_endpoints}</p>
                <ul class="tile-breakdown">
                    <Count n=endpoints.healthy label="healthy" class="badge-ok"/>
                    <Count n=endpoints.failing label="failing" class="badge-bad"/>
                    <Count n=endpoints.disabled label="disabled" class="badge-off"/>
                </ul>
            </A>
            <div class="card status-tile" data-testid="tile-deliveries">
                <p class="tile-label">"Deliveries, last 24 h"</p>
                <p class="tile-value">{deliveries.succeeded + deliveries.failed + deliveries.retrying}</p>
                <ul class="tile-breakdown">
                    <Count n=deliveries.succeeded label="delivered" class="badge-ok"/>
                    <Count n=deliveries.retrying label="retrying" class="badge-warn"/>
                    <Count n=deliveries.failed label="failed" class="badge-bad"/>
                </ul>
                <p class="muted tile-note">{rate}</p>
            </div>
        </div>
    }
}

/// `part` of `whole` as a percentage to a tenth, rounded down so that "100.0%" means all of
/// it. In integers: formatting an `f64` would put core's float printing in the shared wasm.
fn percent(part: u32, whole: u32) -> String {
    let tenths = u64::from(part) * 1000 / u64::from(whole.max(1));
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// "3 connected", shown only when there are any (a zero says nothing).
#[component]
fn Count(n: u32, label: &'static str, class: &'static str) -> impl IntoView {
    (n > 0).then(|| {
        view! {
            <li><span class=format!("badge badge-dot {class}")>{format!("{n} {label}")}</span></li>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percentages_are_to_a_tenth_and_reach_100_only_when_whole() {
        assert_eq!(percent(2, 3), "66.6%");
        assert_eq!(percent(1, 8), "12.5%");
        assert_eq!(percent(0, 7), "0.0%");
        assert_eq!(percent(9_999, 10_000), "99.9%");
        assert_eq!(percent(10_000, 10_000), "100.0%");
        assert_eq!(percent(u32::MAX, u32::MAX), "100.0%");
    }
}
