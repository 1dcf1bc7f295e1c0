use leptos::prelude::*;

use crate::dashboard::DeliveryDay;

/// Chart geometry, in SVG units (the chart scales to its card's width).
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 120.0;
const GAP: f64 = 4.0;

/// The last 24 hours of deliveries, one bar per hour: delivered below, failed stacked on top.
#[component]
pub fn DeliveryChart(day: DeliveryDay) -> impl IntoView {
    let peak = day
        .hours
        .iter()
        .map(|h| h.succeeded + h.failed)
        .max()
        .unwrap_or(0)
        .max(1);
    let slots = day.hours.len().max(1) as f64;
    let bar_width = WIDTH / slots - GAP;
    let scale = |n: u32| f64::from(n) / f64::from(peak) * HEIGHT;
    let last = day.hours.len().saturating_sub(1);
    let bars = day
        .hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let x = i as f64 * (WIDTH / slots) + GAP / 2.0;
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
                    <rect class="chart-failed" x=x y=HEIGHT - ok_height - failed_height width=bar_width height=failed_height/>
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
