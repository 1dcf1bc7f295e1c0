use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use uuid::Uuid;

use super::browser::{local_input_hours_ago, parse_local_input};
use super::delivery_row::DeliveryRow;
use super::log_pages::{merge_head, merge_older};
use super::source::LogSource;
use crate::components::ui::{browser_zone_label, use_toasts, Modal};
use crate::delivery::{DeliveryStatus, DeliveryView};
use crate::events::EventTypeView;
use crate::webhooks::retry_failed;

const PAGE: u32 = 20;
/// How often the open log asks for news.
const POLL_MS: u32 = 3_000;

const STATUSES: [(&str, &str); 5] = [
    ("", "All statuses"),
    ("pending", "Pending"),
    ("parked", "Paused"),
    ("succeeded", "Succeeded"),
    ("failed", "Failed"),
];

fn parse_status(value: &str) -> Option<DeliveryStatus> {
    DeliveryStatus::parse(value)
}

/// A destination's deliveries, newest first, filtered, paged and refreshed while open; each
/// expands to its attempts and can be redelivered; an endpoint's failed ones since a time can
/// be retried. `title` heads the dialog; `subject` (a URL, a channel) says where they went.
#[component]
pub fn DeliveryLog(
    source: LogSource,
    title: String,
    subject: String,
    event_types: Signal<Vec<EventTypeView>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let status = RwSignal::new(String::new());
    let event_type = RwSignal::new(String::new());
    let known = RwSignal::new(Vec::<DeliveryView>::new());
    // Older deliveries exist before this moment ("Load more").
    let cursor = RwSignal::new(None::<DateTime<Utc>>);
    let loaded = RwSignal::new(false);
    let loading_more = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let expanded = RwSignal::new(Vec::<Uuid>::new());
    // Bumped when the filters change: answers to older requests are dropped.
    let generation = StoredValue::new(0u64);
    let in_flight = StoredValue::new(None::<u64>);
    let filters = move || {
        let kind = Some(event_type.get_untracked()).filter(|t| !t.is_empty());
        (parse_status(&status.get_untracked()), kind)
    };

    let refresh = move || {
        let current = generation.get_value();
        if in_flight.get_value() == Some(current) {
            return;
        }
        in_flight.set_value(Some(current));
        let (s, t) = filters();
        spawn_local(async move {
            let result = source.page(s, t, None, PAGE).await;
            // Closed, or filtered differently, meanwhile.
            if generation.try_get_value() != Some(current) {
                return;
            }
            in_flight.set_value(None);
            match result {
                Ok(page) => {
                    if !loaded.get_untracked() || page.next_before.is_none() {
                        cursor.set(page.next_before);
                    }
                    known.update(|k| merge_head(k, page));
                    loaded.set(true);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    Effect::new(move |_| {
        status.track();
        event_type.track();
        generation.update_value(|g| *g += 1);
        known.set(Vec::new());
        cursor.set(None);
        loaded.set(false);
        refresh();
    });
    // Browser only: the interval stops when the dialog closes.
    Effect::new(move |_| {
        let interval = SendWrapper::new(gloo_timers::callback::Interval::new(POLL_MS, refresh));
        on_cleanup(move || drop(interval));
    });

    let load_more = move |_| {
        let Some(before) = cursor.get_untracked() else {
            return;
        };
        let current = generation.get_value();
        let (s, t) = filters();
        loading_more.set(true);
        spawn_local(async move {
            let result = source.page(s, t, Some(before), PAGE).await;
            if generation.try_get_value() != Some(current) {
                loading_more.try_set(false);
                return;
            }
            loading_more.set(false);
            match result {
                Ok(page) => {
                    known.update(|k| merge_older(k, page.deliveries));
                    cursor.set(page.next_before);
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };

    let again = Action::new(move |id: &Uuid| source.redeliver(*id));
    toasts.follow(again, move |d| {
        refresh();
        Some(format!("Redelivery of {} queued.", d.event_id))
    });
    let since = RwSignal::new(String::new());
    Effect::new(move |_| since.set(local_input_hours_ago(24.0)));
    // The picker takes the browser's local time: say which, as every time in the log is shown.
    let zone = RwSignal::new(String::new());
    Effect::new(move |_| zone.set(format!("({})", browser_zone_label())));
    let endpoint_id = match source {
        LogSource::Endpoint(id) => Some(id),
        LogSource::Connection(_) => None,
    };
    let retry = Action::new(move |since: &DateTime<Utc>| {
        let since = *since;
        async move {
            match endpoint_id {
                Some(id) => retry_failed(id, since).await,
                None => Ok(crate::delivery::RetriedCount { retried: 0 }),
            }
        }
    });
    toasts.follow(retry, move |done| {
        refresh();
        match done.retried {
            0 => {
                toasts.info("No failed deliveries since then.");
                None
            }
            1 => Some("Retrying 1 failed delivery.".into()),
            n => Some(format!("Retrying {n} failed deliveries.")),
        }
    });
    let on_retry = move |_| match parse_local_input(&since.get_untracked()) {
        Some(at) => {
            retry.dispatch(at);
        }
        None => toasts.error("Choose the date and time to retry from."),
    };

    let ids = move || known.with(|k| k.iter().map(|d| d.id).collect::<Vec<_>>());
    let row = move |id: Uuid| {
        let delivery = Memo::new(move |_| known.with(|k| k.iter().find(|d| d.id == id).cloned()));
        let is_open = Signal::derive(move || expanded.with(|e| e.contains(&id)));
        let toggle = Callback::new(move |_| {
            expanded.update(|e| match e.iter().position(|x| *x == id) {
                Some(i) => {
                    e.remove(i);
                }
                None => e.push(id),
            })
        });
        let busy = Signal::derive(move || again.input().get() == Some(id));
        view! { <DeliveryRow delivery expanded=is_open on_toggle=toggle on_redeliver=Callback::new(move |id| { again.dispatch(id); }) busy/> }
    };
    let footer = move || view! { <button type="button" class="button button-primary" on:click=move |_| on_close.run(())>"Done"</button> };
    view! {
        <Modal open=Signal::from(true) title on_close footer=footer size="lg">
            <p class="wh-modal-lead">
                "Deliveries to " <code class="mono break-anywhere">{subject.clone()}</code> ", newest first. "
                <span class="wh-live"><span class="wh-live-dot" aria-hidden="true"></span>"Updates every 3 seconds"</span>
            </p>
            <div class="wh-log-toolbar">
                <div class="field">
                    <label for="log-status">"Status"</label>
                    <select id="log-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        {STATUSES.into_iter().map(|(value, label)| view! {
                            <option value=value selected=move || status.get() == value>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="log-event-type">"Event type"</label>
                    <select id="log-event-type" on:change=move |ev| event_type.set(event_target_value(&ev))>
                        <option value="">"All event types"</option>
                        {move || event_types.get().into_iter().map(|t| {
                            let (name, value) = (t.name.clone(), t.name.clone());
                            view! { <option value=value selected=move || event_type.get() == name>{t.name}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <Show when=move || endpoint_id.is_some()>
                <div class="field wh-retry">
                    <label for="retry-since">"Retry all failed since" <span class="muted" data-testid="retry-zone">{move || zone.get()}</span></label>
                    <div class="wh-retry-row">
                        <input id="retry-since" type="datetime-local" bind:value=since/>
                        <button type="button" class="button button-secondary" disabled=move || retry.pending().get()
                            on:click=on_retry>"Retry failed"</button>
                    </div>
                </div>
                </Show>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <Show when=move || loaded.get() fallback=|| view! { <p class="muted wh-log-empty">"Loading deliveries..."</p> }>
                <Show when=move || known.with(|k| !k.is_empty())
                    fallback=move || view! {
                        <p class="muted wh-log-empty" data-testid="log-empty">
                            {move || if status.with(String::is_empty) && event_type.with(String::is_empty) {
                                "No deliveries yet. Publish an event or send a test to see it here."
                            } else {
                                "No deliveries match these filters."
                            }}
                        </p>
                    }>
                    <ul class="wh-deliveries" data-testid="deliveries">
                        <For each=ids key=|id| *id let:id>{row(id)}</For>
                    </ul>
                </Show>
                <Show when=move || cursor.with(Option::is_some)>
                    <button type="button" class="button button-secondary wh-load-more" disabled=move || loading_more.get()
                        on:click=load_more>{move || if loading_more.get() { "Loading..." } else { "Load more" }}</button>
                </Show>
            </Show>
        </Modal>
    }
}
