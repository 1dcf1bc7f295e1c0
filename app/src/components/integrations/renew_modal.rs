use leptos::prelude::*;

use super::connect_form::ConnectForm;
use super::integrations_page::use_integrations;
use crate::components::ui::{use_toasts, Modal};
use crate::integrations::ConnectionView;

/// New credentials for a key or hook URL the provider refused, checked as at connect time and
/// stored in place: the connection keeps its settings, and what waited while it was in Error is
/// sent.
#[component]
pub fn RenewModal(connection: ConnectionView, on_close: Callback<()>) -> impl IntoView {
    let data = use_integrations();
    let toasts = use_toasts();
    let provider = StoredValue::new(data.provider(&connection.provider));
    let id = connection.id;
    let title = format!("Reconnect {}", connection.provider_name);
    let reason = StoredValue::new(connection.error_message.clone().unwrap_or_default());
    let on_renewed = Callback::new(move |renewed: ConnectionView| {
        toasts.success(format!(
            "{} reconnected. Waiting notifications are being sent.",
            renewed.provider_name
        ));
        on_close.run(());
    });
    view! {
        <Modal open=Signal::from(true) title on_close size="md">
            <div data-testid="renew-connection">
                {move || reason.with_value(|r| (!r.is_empty()).then(|| view! { <p class="notice notice-warning">{r.clone()}</p> }))}
                <p class="muted">"Enter working credentials. Settings stay as they are."</p>
                {move || match provider.get_value() {
                    Some(provider) => view! {
                        <ConnectForm provider on_cancel=on_close renew=id on_renewed/>
                    }.into_any(),
                    None => view! {
                        <p class="form-error" role="alert">"This provider is no longer in the catalogue."</p>
                    }.into_any(),
                }}
            </div>
        </Modal>
    }
}
