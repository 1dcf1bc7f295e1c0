use leptos::prelude::*;
use uuid::Uuid;

use crate::components::ui::{use_toasts, CopyButton, LocalTime};
use crate::integrations::{start_oauth, AuthType, ConnectionStatus, ConnectionView, LastAction};

#[component]
pub fn ConnectionCard(
    connection: ConnectionView,
    on_configure: Callback<Uuid>,
    on_activity: Callback<ConnectionView>,
    on_disconnect: Callback<ConnectionView>,
    /// A key or hook URL the provider refused: new credentials from the form, in place.
    on_renew: Callback<ConnectionView>,
) -> impl IntoView {
    let acts = !connection.event_types.is_empty() || connection.last_action.is_some();
    let for_activity = connection.clone();
    let id = connection.id;
    let for_disconnect = connection.clone();
    let status = connection.status;
    let toasts = use_toasts();
    let slug = connection.provider.clone();
    // A connection the provider stopped honouring is renewed in place (its settings and
    // waiting notifications kept): through the provider's consent for OAuth, else the form.
    let renew = connection.auth_type == AuthType::Oauth2;
    let reconnect = Action::new(move |_: &()| {
        let slug = slug.clone();
        async move { start_oauth(slug, Some(id)).await.map(|s| s.authorize_url) }
    });
    toasts.follow(reconnect, move |authorize_url| {
        let _ = window().location().assign(&authorize_url);
        None
    });
    let for_renew = connection.clone();
    let on_reconnect = move |_| match renew {
        true => {
            reconnect.dispatch(());
        }
        false => on_renew.run(for_renew.clone()),
    };
    let activity = activity_line(connection.last_action, connection.failures_24h);
    view! {
        <li class="connection-card card" data-testid=format!("connection-{}", connection.provider)>
            <img src=connection.logo.clone() alt="" width="44" height="44"/>
            <div class="connection-body">
                <div class="connection-title">
                    <h3 data-testid="connection-name">{connection.display_name().to_string()}</h3>
                    <span class=format!("status status-{}", status.id())>
                        <span class="status-dot" aria-hidden="true"></span>
                        {status.label()}
                    </span>
                </div>
                {account_line(&connection).map(|line| view! { <p class="connection-account" data-testid="connection-account">{line}</p> })}
                <p class="muted">{connection.short_description.clone()}</p>
                {connection.inbound_address.clone().map(|address| view! {
                    <p class="connection-info inbound-address" data-testid="inbound-address">
                        "Forward emails to "<strong>{address.clone()}</strong>
                        <CopyButton text=address label="Copy forwarding address" small=true/>
                    </p>
                })}
                {(!connection.connection_info.is_empty()).then(|| view! { <p class="connection-info">{connection.connection_info.clone()}</p> })}
                {connection.setup_hint().map(|hint| view! { <p class="connection-hint" data-testid="setup-hint">{hint}</p> })}
                {activity}
                {(status == ConnectionStatus::Error).then(|| view! {
                    <p class="field-error" role="alert">{connection.error_message.clone().unwrap_or_default()} " Reconnect to restore it."</p>
                })}
            </div>
            <div class="connection-actions">
                {(status == ConnectionStatus::Error).then(|| view! {
                    <button type="button" class="button button-primary" disabled=move || reconnect.pending().get()
                        on:click=on_reconnect>"Reconnect"</button>
                })}
                {acts.then(|| view! {
                    <button type="button" class="button button-secondary" on:click=move |_| on_activity.run(for_activity.clone())
                        aria-label=format!("Activity of {}", connection.display_name())>"Activity"</button>
                })}
                <button type="button" class="button button-secondary" on:click=move |_| on_configure.run(id)
                    aria-label=format!("Configure {}", connection.display_name())>"Configure"</button>
                <button type="button" class="button button-danger-outline" on:click=move |_| on_disconnect.run(for_disconnect.clone())
                    aria-label=format!("Disconnect {}", connection.display_name())>"Disconnect"</button>
            </div>
        </li>
    }
}

/// Under the name: the provider, when the connection has a name of its own, and the account
/// (Slack's workspace) it is connected with.
fn account_line(c: &ConnectionView) -> Option<String> {
    let mut parts = Vec::new();
    if !c.label.is_empty() {
        parts.push(c.provider_name.clone());
    }
    if !c.account_label.is_empty() {
        parts.push(c.account_label.clone());
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// "Last action: Mar 4, 2025, 14:05:09 UTC · ok · 2 failures in 24 h", when it has acted.
pub(super) fn activity_line(last: Option<LastAction>, failures_24h: u32) -> Option<impl IntoView> {
    let last = last?;
    let (class, outcome) = match last.ok {
        true => ("badge badge-dot badge-ok", "Delivered"),
        false => ("badge badge-dot badge-bad", "Failed"),
    };
    let failures = match failures_24h {
        0 => String::new(),
        1 => " · 1 failure in 24 h".to_string(),
        n => format!(" · {n} failures in 24 h"),
    };
    Some(view! {
        <p class="connection-activity muted" data-testid="last-action">
            "Last action: "<LocalTime at=last.at/>" "
            <span class=class>{outcome}</span>{failures}
        </p>
    })
}
