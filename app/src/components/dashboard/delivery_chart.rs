use leptos::prelude::*;

use crate::dashboard::DeliveryDay;

/// Chart geometry, in SVG units (the chart scales to its card's width). Whole numbers, fine
/// enough at this scale: formatting `f64` coordinates would put core's float printing in the
/// shared wasm.
const WIDTH: u64 = 4800;
const HEIGHT: u64 = 1200;
const GAP: u64 = 40;

/// The last 24 hours of deliveries, one bar per hour: delivered below, failed stacked on top.
#[component]
pub fn DeliveryChart(day: DeliveryDay) -> impl IntoView {
    let peak = day
        .hours
        .iter()
        .map(|h| u64::from(h.succeeded) + u64::from(h.failed))
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = WIDTH / (day.hours.len() as u64).max(1);
    let bar_width = slot.saturating_sub(GAP);
    let scale = |n: u32| u64::from(n) * HEIGHT / peak;
    let last = day.hours.len().saturating_sub(1);
    let bars = day
        .hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let x = i as u64 * slot + GAP / 2;
            let ok_height = scale(h.succeeded);
            let failed_height = scale(h.failed);
            let ago = match last - i {
                0 => "This hour".to_string(),
                1 => "1 hour ago".to_string(),
                n => format!("{n} hours ago"),
            };
            let label = format!("{ago}: {} delivered, {} failed", h.succeeded, h.failed);
            view! {
                <g class="chart-bar">
                    <title>{label}</title>
                    <rect class="chart-slot" x=x y="0" width=bar_width height=HEIGHT/>
                    <rect class="chart-ok" x=x y=HEIGHT - ok_height width=bar_width height=ok_height/>
                    <rect class="chart-failed" x=x y=HEIGHT.saturating_sub(ok_height + failed_height) width=bar_width height=failed_height/>
                </g>
            }
        })
        .collect_view();
    let summary = format!(
        "Deliveries per hour over the last 24 hours: {} delivered, {} failed, busiest hour {peak}.",
        day.succeeded, day.failed
    );
    view! {
        <section class="card delivery-chart" aria-labelledby="delivery-chart-title" data-testid="delivery-chart">
            <div class="section-header">
                <h2 class="section-title" id="delivery-chart-title">"Deliveries"</h2>
                <ul class="chart-legend">
                    <li><span class="legend-swatch chart-ok-swatch"></span>"Delivered"</li>
                    <li><span class="legend-swatch chart-failed-swatch"></span>"Failed"</li>
                </ul>
            </div>
            <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none"
                role="img" aria-label=summary>
                {bars}
            </svg>
            <div class="chart-axis" aria-hidden="true">
                <span>"24 h ago"</span>
                <span>"12 h ago"</span>
                <span>"Now"</span>
            </div>
        </section>
    }
}
