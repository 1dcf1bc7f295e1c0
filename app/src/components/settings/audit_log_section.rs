use leptos::prelude::*;

use crate::audit::{list_audit_log, AuditEntry};
use crate::components::ui::{LocalTime, SectionCard, TimeStyle};

/// The audit log: who changed admins, API keys, webhook endpoints and connections, when and
/// from where, newest first, with "Show older".
#[component]
pub fn AuditLogSection() -> impl IntoView {
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next_before = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let load = Action::new(move |before: &Option<i64>| {
        let before = *before;
        async move { list_audit_log(before, Some(25)).await }
    });
    Effect::new(move |_| match load.value().get() {
        Some(Ok(page)) => {
            entries.update(|list| list.extend(page.entries));
            next_before.set(page.next_before);
            loaded.set(true);
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    Effect::new(move |_| {
        load.dispatch(None);
    });
    view! {
        <SectionCard id="audit-title" title="Audit log" testid="audit-log">
            <p class="muted">"Security-relevant changes: admins, API keys, webhook endpoints and connections."</p>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <Show when=move || loaded.get() && entries.with(Vec::is_empty)>
                <p class="muted">"Nothing recorded yet."</p>
            </Show>
            <ul class="list audit-list">
                <For each=move || entries.get() key=|e| e.id let:entry>
                    <AuditRow entry/>
                </For>
            </ul>
            <Show when=move || next_before.get().is_some()>
                <button type="button" class="button button-secondary" disabled=move || load.pending().get()
                    on:click=move |_| { load.dispatch(next_before.get_untracked()); }>
                    "Show older"
                </button>
            </Show>
        </SectionCard>
    }
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    let who = entry.actor;
    let from = entry
        .ip
        .map(|ip| format!(" · from {ip}"))
        .unwrap_or_default();
    view! {
        <li class="list-row audit-row">
            <div>
                <p>
                    <strong>{entry.action.label()}</strong>" "
                    <span class="audit-target">{entry.target}</span>
                </p>
                <p class="muted">{who}" · "<LocalTime at=entry.occurred_at style=TimeStyle::Minutes/>{from}</p>
            </div>
        </li>
    }
}
