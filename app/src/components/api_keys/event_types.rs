use leptos::prelude::*;

use super::dialogs::{dialog_view, Dialog};
use crate::components::ui::{preload_after_hydration, server_data, use_toasts, Modal, SectionCard};
use crate::events::{delete_event_type, list_event_types, EventTypeView};

/// "Available Events": the event registry, built-in types and the company's own.
#[component]
pub fn EventTypes() -> impl IntoView {
    let toasts = use_toasts();
    let types = server_data(|| (), |_| list_event_types());
    let adding = RwSignal::new(false);
    let deleting = RwSignal::new(None::<String>);
    let delete = Action::new(|name: &String| delete_event_type(name.clone()));
    toasts.follow(delete, move |()| {
        deleting.set(None);
        types.refetch();
        Some("Event type deleted.".into())
    });
    preload_after_hydration(|| dialog_view(None));
    let on_added = Callback::new(move |_| types.refetch());
    view! {
        <SectionCard id="event-types-title" title="Available Events" testid="event-types"
            actions=ViewFn::from(move || view! {
                <button type="button" class="button button-secondary" on:click=move |_| adding.set(true)>"+ Add event type"</button>
            })>
            <p class="section-intro">
                "Your code publishes these with " <code class="mono">"POST /api/v1/events/publish"</code>
                "; webhook endpoints subscribe to them. Add your own types next to the built-in ones."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading event types..."</p> }>
                {move || types.get().map(|res| match res {
                    Ok(list) => view! {
                        <ul class="event-list" data-testid="event-type-list">
                            {list.into_iter().map(|t| view! { <EventTypeRow event_type=t on_delete=Callback::new(move |n| deleting.set(Some(n)))/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </SectionCard>
        {move || adding.get().then(|| Suspend::new(dialog_view(Some(Dialog::AddEventType { open: adding, on_added }))))}
        <Modal
            open=Signal::derive(move || deleting.get().is_some())
            title=Signal::derive(move || deleting.get().map(|n| format!("Delete {n}")).unwrap_or_default())
            on_close=Callback::new(move |_| deleting.set(None))
            size="sm"
            footer=move || view! {
                <button type="button" class="button button-secondary" on:click=move |_| deleting.set(None)>"Cancel"</button>
                <button type="button" class="button button-danger" disabled=move || delete.pending().get()
                    on:click=move |_| { if let Some(n) = deleting.get_untracked() { delete.dispatch(n); } }>"Delete event type"</button>
            }
        >
            <p>"Publishing this type will be refused from now on. Events already published keep their type."</p>
        </Modal>
    }
}

#[component]
fn EventTypeRow(event_type: EventTypeView, on_delete: Callback<String>) -> impl IntoView {
    let EventTypeView {
        name,
        description,
        example,
        builtin,
    } = event_type;
    let example = serde_json::to_string_pretty(&example).unwrap_or_default();
    let for_delete = name.clone();
    view! {
        <li class="event-row" data-testid="event-type" data-event-name=name.clone()>
            <div class="event-main">
                <code class="event-name">{name.clone()}</code>
                {(!description.is_empty()).then(|| view! { <p class="muted">{description}</p> })}
                <details class="event-example">
                    <summary>"Example payload"</summary>
                    <pre class="code-block-body"><code>{example}</code></pre>
                </details>
            </div>
            {if builtin {
                view! { <span class="badge badge-off">"Built-in"</span> }.into_any()
            } else {
                view! {
                    <button type="button" class="button button-danger-outline button-sm" aria-label=format!("Delete {name}")
                        on:click=move |_| on_delete.run(for_delete.clone())>"Delete"</button>
                }.into_any()
            }}
        </li>
    }
}
