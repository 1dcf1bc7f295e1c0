use leptos::prelude::*;

use super::connect_form::ConnectForm;
use super::integrations_page::use_integrations;
use super::provider_app_panel::ProviderAppPanel;
use crate::components::ui::{use_toasts, Modal};
use crate::integrations::apps::AppSource;
use crate::integrations::{start_oauth, AuthType, ProviderView};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Details,
    Authorize,
    Credentials,
}

/// The provider's details, then the way it connects: the pre-authorize notice and redirect for
/// OAuth, or the credential form for API keys and catch-hook URLs.
#[component]
pub fn ProviderDetailModal(provider: ProviderView, on_close: Callback<()>) -> impl IntoView {
    let data = use_integrations();
    let step = RwSignal::new(Step::Details);
    let toasts = use_toasts();
    let slug = provider.slug.clone();
    let redirect = Action::new(move |_: &()| start_oauth(slug.clone(), None));
    toasts.follow(redirect, |start| {
        let _ = window().location().assign(&start.authorize_url);
        None
    });

    let name = provider.name.clone();
    let blocked = provider.connections > 0 && !provider.allow_multiple;
    // Follows the OAuth app panel: setting the app up here enables Connect at once. The
    // catalogue (its "Not configured" chips) is refreshed when the dialog closes, not while it
    // is open, which would open it afresh.
    let configured = RwSignal::new(provider.configured);
    let app_changed =
        Callback::new(move |source: AppSource| configured.set(source != AppSource::None));
    let on_close = Callback::new(move |_| {
        data.refetch();
        on_close.run(());
    });
    let can_connect = move || configured.get() && !blocked;
    let auth_type = provider.auth_type;
    let title = {
        let name = name.clone();
        Signal::derive(move || match step.get() {
            Step::Details => format!("{name} Integration"),
            _ => format!("Connect to {name}"),
        })
    };
    let footer = {
        let name = name.clone();
        move || {
            let name = name.clone();
            match step.get() {
                Step::Details => view! {
                    <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="button" class="button button-primary" disabled=move || !can_connect()
                        on:click=move |_| step.set(if auth_type == AuthType::Oauth2 { Step::Authorize } else { Step::Credentials })>
                        {format!("Connect with {name}")}
                    </button>
                }.into_any(),
                Step::Authorize => view! {
                    <button type="button" class="button button-secondary" on:click=move |_| step.set(Step::Details)>"Cancel"</button>
                    <button type="button" class="button button-primary" disabled=move || redirect.pending().get()
                        on:click=move |_| { redirect.dispatch(()); }>
                        {format!("Continue to {name}")}
                    </button>
                }.into_any(),
                Step::Credentials => ().into_any(),
            }
        }
    };
    let details = StoredValue::new(provider.clone());
    let logo = provider.logo.clone();
    let logo_alt = format!("{} logo", provider.name);
    view! {
        <Modal open=Signal::from(true) title on_close footer=footer size="md">
            <div class="provider-detail" data-testid="provider-detail">
                <img src=logo.clone() alt=logo_alt.clone() width="56" height="56"/>
                {move || {
                    let provider = details.get_value();
                    match step.get() {
                        Step::Details => view! { <Details provider blocked app_changed/> }.into_any(),
                        Step::Authorize => view! {
                            <p>"You will be redirected to " <strong>{provider.name.clone()}</strong> " to authorize access."</p>
                            <p>"We will request permission to:"</p>
                            <ul class="bullets">{provider.permissions.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
                        }.into_any(),
                        Step::Credentials => view! { <ConnectForm provider on_cancel=Callback::new(move |_| step.set(Step::Details))/> }.into_any(),
                    }
                }}
            </div>
        </Modal>
    }
}

#[component]
fn Details(
    provider: ProviderView,
    blocked: bool,
    app_changed: Callback<AppSource>,
) -> impl IntoView {
    view! {
        <p>{provider.description.clone()}</p>
        {blocked.then(|| view! { <p class="notice">{format!("{} is already connected. Disconnect it on the Connected tab to connect another account.", provider.name)}</p> })}
        <h3 class="settings-group">"Features"</h3>
        <ul class="bullets">{provider.features.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}</ul>
        <h3 class="settings-group">"Permissions required"</h3>
        <ul class="bullets">{provider.permissions.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
        {(provider.auth_type == AuthType::Oauth2).then(|| view! { <ProviderAppPanel slug=provider.slug.clone() on_source=app_changed/> })}
    }
}
