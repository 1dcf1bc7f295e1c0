use leptos::prelude::*;
use serde_json::Value;

use super::integrations_page::use_integrations;
use super::send_test_result::SendTestResult;
use super::settings_form::SettingsForm;
use crate::components::deliveries::{RetryPolicyFields, RetryPolicyForm};
use crate::components::ui::{calendar_day, use_toasts, Modal, MonthName};
use crate::integrations::{save_config, send_connection_test, ConnectionView};

/// Who connected what and when, then the provider's settings, validated on save.
#[component]
pub fn ConfigureModal(
    connection: ConnectionView,
    on_close: Callback<()>,
    on_disconnect: Callback<ConnectionView>,
) -> impl IntoView {
    let data = use_integrations();
    let toasts = use_toasts();
    let provider = data.provider(&connection.provider);
    let sends_events = provider.as_ref().is_some_and(|p| p.sends_events);
    let schema = provider.map(|p| p.config_schema).unwrap_or(Value::Null);
    let values = RwSignal::new(connection.config.as_object().cloned().unwrap_or_default());
    let retries = RetryPolicyForm::new(connection.retry_policy);
    let label = RwSignal::new(connection.label.clone());
    let id = connection.id;
    let save = Action::new(move |config: &serde_json::Map<String, Value>| {
        save_config(
            id,
            Value::Object(config.clone()),
            retries.policy(),
            Some(label.get_untracked()),
        )
    });
    let save_error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let error = Signal::derive(move || {
        save_error
            .get()
            .map(|e| (e.field().unwrap_or_default().to_string(), e.to_string()))
            .filter(|(field, _)| !field.starts_with("retry_policy.") && field != "label")
    });
    let label_error = Signal::derive(move || {
        save_error
            .get()
            .filter(|e| e.field() == Some("label"))
            .map(|e| e.to_string())
    });
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            toasts.success(format!("{} settings saved.", saved.display_name()));
            data.connections.refetch();
            on_close.run(());
        }
    });
    // Saves what the form shows, then sends a sample through the provider: its answer (a
    // channel the bot cannot post to, say) shows here.
    let test = Action::new(move |config: &serde_json::Map<String, Value>| {
        let config = Value::Object(config.clone());
        async move {
            save_config(id, config, retries.policy(), Some(label.get_untracked())).await?;
            send_connection_test(id, None).await
        }
    });
    Effect::new(move |_| {
        if test.value().get().is_some() {
            data.connections.refetch();
        }
    });
    let acts = !connection.event_types.is_empty() || connection.last_action.is_some();
    let for_disconnect = connection.clone();
    let schema = StoredValue::new(schema);
    let facts = StoredValue::new(connection.clone());
    let footer = move || {
        let for_disconnect = for_disconnect.clone();
        view! {
            <button type="button" class="button button-danger-outline" on:click=move |_| on_disconnect.run(for_disconnect.clone())>"Disconnect"</button>
            <button type="button" class="button button-secondary" data-testid="send-test"
                disabled=move || test.pending().get() || save.pending().get()
                on:click=move |_| { test.dispatch(values.get_untracked()); }>
                {move || if test.pending().get() { "Sending..." } else { "Send test" }}
            </button>
            <button type="button" class="button button-primary" disabled=move || save.pending().get()
                on:click=move |_| { save.dispatch(values.get_untracked()); }>"Save Changes"</button>
        }
    };
    view! {
        <Modal open=Signal::from(true) title=format!("Configure {}", connection.display_name()) on_close footer=footer size="lg">
            {move || {
                let c = facts.get_value();
                view! {
                    <dl class="facts" data-testid="connection-facts">
                        {(!c.account_label.is_empty()).then(|| view! { <dt>{account_term(&c.provider)}</dt><dd>{c.account_label.clone()}</dd> })}
                        {c.inbound_address.clone().map(|address| view! { <dt>"Forwarding address"</dt><dd>{address}</dd> })}
                        <dt>"Connected by"</dt><dd>{c.connected_by.clone()}</dd>
                        <dt>"Connected"</dt><dd>{calendar_day(c.connected_at, MonthName::Long)}</dd>
                    </dl>
                }
            }}
            <div class="field">
                <label for="connection-label">"Name"</label>
                <input id="connection-label" type="text" maxlength="60" bind:value=label
                    placeholder=connection.provider_name.clone()
                    aria-invalid=move || label_error.get().is_some().to_string()
                    aria-describedby="connection-label-hint"/>
                <p class="field-hint" id="connection-label-hint">"Tells it apart from other connections of the same service. Leave empty to use the service's name."</p>
                {move || label_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </div>
            <SettingsForm schema=schema.get_value() connection_id=id values error/>
            {sends_events.then(|| view! { <RetryPolicyFields form=retries id="connection-retries" error=save_error/> })}
            <p class="form-error" role="alert">{move || error.get().filter(|(f, _)| f.is_empty()).map(|(_, m)| m)}</p>
            {move || test.value().get().map(|result| view! { <SendTestResult result/> })}
            {(!acts).then(|| view! {
                <p class="muted">"Choose what to send above; Send test posts a sample so you can see the provider's answer."</p>
            })}
        </Modal>
    }
}

/// What the provider calls the account a connection is made with.
fn account_term(provider: &str) -> &'static str {
    match provider {
        "slack" => "Connected workspace",
        "discord" => "Webhook",
        _ => "Connected account",
    }
}
