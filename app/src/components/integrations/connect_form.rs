use std::collections::BTreeMap;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use super::integrations_page::use_integrations;
use crate::components::ui::{field_error, form_error};
use crate::error::AppError;
use crate::integrations::CredentialField;
use crate::integrations::{
    connect_api_key, connect_webhook, AuthType, ConnectionView, ProviderView,
};

/// The credential form of an `api_key` provider, or the catch-hook URL of a `webhook` one.
/// With `renew`, it replaces that connection's credentials in place and calls `on_renewed`.
#[component]
pub fn ConnectForm(
    provider: ProviderView,
    on_cancel: Callback<()>,
    #[prop(optional)] renew: Option<Uuid>,
    #[prop(optional)] on_renewed: Option<Callback<ConnectionView>>,
) -> impl IntoView {
    let data = use_integrations();
    let navigate = use_navigate();
    let values = RwSignal::new(BTreeMap::<String, String>::new());
    let slug = provider.slug.clone();
    let is_webhook = provider.auth_type == AuthType::Webhook;
    let action = Action::new(move |values: &BTreeMap<String, String>| {
        let slug = slug.clone();
        let values = values.clone();
        async move {
            if is_webhook {
                let url = values.get("url").cloned().unwrap_or_default();
                connect_webhook(slug, url, renew).await
            } else {
                connect_api_key(slug, values, renew).await
            }
        }
    });
    let error = Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(|r: Result<ConnectionView, AppError>| r.err())
    });
    Effect::new(move |_| {
        if let Some(Ok(connection)) = action.value().get() {
            data.refetch();
            if let Some(done) = on_renewed {
                done.run(connection);
                return;
            }
            navigate(
                &format!(
                    "/integrations/connected?connected={}&provider={}",
                    connection.id, connection.provider
                ),
                Default::default(),
            );
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        action.dispatch(values.get_untracked());
    };
    // A webhook provider's one input is its catch-hook URL.
    let fields: Vec<CredentialField> = match (&provider.webhook, is_webhook) {
        (Some(spec), true) => vec![CredentialField {
            name: "url".into(),
            label: "Webhook URL".into(),
            secret: false,
            required: true,
            placeholder: Some(spec.url_example.clone()),
            help: Some(format!("Paste the catch-hook URL from {}.", provider.name)),
            kind: "url".into(),
        }],
        _ => provider.fields.clone(),
    };
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    view! {
        <form class="form" on:submit=on_submit novalidate data-testid="connect-form">
            {fields.into_iter().map(|CredentialField { name, label, kind, placeholder, help, required, .. }| {
                let id = format!("connect-{name}");
                let key = name.clone();
                let err_name = name.clone();
                let input_type = match kind.as_str() { "password" => "password", "url" => "url", "email" => "email", _ => "text" };
                view! {
                    <div class="field" class:field-invalid=move || field_error(error.get(), &err_name).is_some()>
                        <label for=id.clone() class:required=required>{label}</label>
                        <input id=id type=input_type placeholder=placeholder.unwrap_or_default() autocomplete="off"
                            on:input=move |ev| values.update(|v| { v.insert(key.clone(), event_target_value(&ev)); })/>
                        {help.map(|h| view! { <p class="field-hint">{h}</p> })}
                        <p class="field-error" role="alert">{move || field_error(error.get(), &name)}</p>
                    </div>
                }
            }).collect_view()}
            <p class="form-error" role="alert">{move || {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                form_error(error.get(), &names)
            }}</p>
            <div class="modal-actions">
                <button type="button" class="button button-secondary" on:click=move |_| on_cancel.run(())>"Back"</button>
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {match renew {
                        Some(_) => format!("Reconnect {}", provider.name),
                        None => format!("Connect {}", provider.name),
                    }}
                </button>
            </div>
        </form>
    }
}
