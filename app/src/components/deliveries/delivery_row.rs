use leptos::prelude::*;
use uuid::Uuid;

use super::attempt_detail::AttemptDetail;
use super::format::{code_chip, delivery_badge};
use crate::components::ui::LocalTime;
use crate::delivery::{DeliveryStatus, DeliveryView};

/// One delivery in the log: a summary line that expands to its attempts, and Redeliver.
/// `delivery` changes only when the delivery itself does, so polling leaves an open row alone.
#[component]
pub fn DeliveryRow(
    delivery: Memo<Option<DeliveryView>>,
    expanded: Signal<bool>,
    on_toggle: Callback<()>,
    on_redeliver: Callback<Uuid>,
    /// A redelivery of this one is on its way.
    busy: Signal<bool>,
) -> impl IntoView {
    move || {
        delivery.get().map(|d| {
            let id = d.id;
            let panel_id = format!("delivery-{id}");
            let attempts = match d.attempts {
                1 => "1 attempt".to_string(),
                n => format!("{n} attempts"),
            };
            // A provider may refuse with a success code (Slack's HTTP 200 `ok: false`): its
            // reason says more than the code.
            let refused = matches!(d.status, DeliveryStatus::Failed | DeliveryStatus::Parked)
                .then(|| d.last_error.clone())
                .flatten();
            let outcome = match (d.last_status_code, d.last_error.clone()) {
                (Some(code), _) if (200..300).contains(&code) && refused.is_some() => {
                    Some(view! { <span class="badge badge-code badge-bad">"Refused"</span> }.into_any())
                }
                (Some(code), _) => Some(code_chip(code).into_any()),
                (None, Some(e)) => Some(view! { <span class="badge badge-code badge-bad" title=e>"No response"</span> }.into_any()),
                _ => None,
            };
            let next = d
                .next_attempt_at
                .filter(|_| d.status == DeliveryStatus::Pending)
                .map(|at| view! { <span class="muted">"next try " <LocalTime at/></span> });
            let (log, event_id, detail_id) = (d.attempt_log.clone(), d.event_id.clone(), panel_id.clone());
            view! {
                <li class="wh-delivery" data-testid="delivery" data-event-type=d.event_type.clone()
                    data-status=d.status.as_str() data-test=d.test.to_string()>
                    <div class="wh-delivery-summary">
                        <button type="button" class="wh-expand" aria-expanded=move || expanded.get().to_string()
                            aria-controls=panel_id.clone() on:click=move |_| on_toggle.run(())>
                            <span class="wh-caret" aria-hidden="true"></span>
                            <span class="mono wh-event-type">{d.event_type.clone()}</span>
                        </button>
                        <span class="wh-delivery-tags">
                            {d.test.then(|| view! { <span class="badge badge-test" title="Sent with Send test: the event type's example, not a published event">"Test"</span> })}
                            {delivery_badge(d.status)} {outcome}
                        </span>
                        <button type="button" class="button button-secondary button-sm wh-redeliver"
                            disabled=move || busy.get() on:click=move |_| on_redeliver.run(id)>"Redeliver"</button>
                        <span class="wh-delivery-meta">
                            <span><LocalTime at=d.created_at/></span>
                            <span>{attempts}</span>
                            {next}
                        </span>
                        {refused.map(|e| view! { <p class="wh-delivery-error" data-testid="delivery-error">{e}</p> })}
                    </div>
                    <Show when=move || expanded.get()>
                        <div class="wh-delivery-detail" id=detail_id.clone()>
                            <p class="muted wh-event-id">"Event " <code class="mono">{event_id.clone()}</code></p>
                            {if log.is_empty() {
                                view! { <p class="muted">"Not attempted yet."</p> }.into_any()
                            } else {
                                log.iter().cloned().map(|attempt| view! { <AttemptDetail attempt request_open=true/> }).collect_view().into_any()
                            }}
                        </div>
                    </Show>
                </li>
            }
        })
    }
}
