use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::ui::{use_toasts, Modal};
use crate::integrations::start_oauth;

/// Why an OAuth connection ended without one, from the codes the callback puts in the URL.
fn explain(code: &str) -> &'static str {
    match code {
        "access_denied" => {
            "Access was not granted on the provider's consent screen, so nothing was connected."
        }
        "invalid_state" => {
            "This sign-in attempt was unknown, already used or started in another browser session."
        }
        "expired_state" => "The sign-in attempt took longer than 10 minutes. Please start again.",
        "exchange_failed" => "The provider did not accept the authorization code.",
        "already_connected" => "This integration is already connected.",
        "provider_error" => "The provider reported an error.",
        _ => "Something went wrong while connecting.",
    }
}

#[component]
pub fn OAuthErrorModal(on_close: Callback<()>) -> impl IntoView {
    let query = use_query_map();
    let code = Signal::derive(move || query.read().get("oauth_error"));
    let detail = move || query.read().get("detail").unwrap_or_default();
    let provider_name = move || {
        query
            .read()
            .get("provider_name")
            .unwrap_or_else(|| "the integration".into())
    };
    // "Try again" starts the same provider's consent over (not after "already connected").
    let retry_slug = Signal::derive(move || {
        let query = query.read();
        query
            .get("oauth_provider")
            .filter(|_| query.get("oauth_error").as_deref() != Some("already_connected"))
    });
    let retry = Action::new(|slug: &String| start_oauth(slug.clone(), None));
    use_toasts().follow(retry, |start| {
        let _ = window().location().assign(&start.authorize_url);
        None
    });
    let footer = move || {
        match retry_slug.get() {
        Some(slug) => view! {
            <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>"Close"</button>
            <button type="button" class="button button-primary" disabled=move || retry.pending().get()
                on:click=move |_| { retry.dispatch(slug.clone()); }>"Try again"</button>
        }
        .into_any(),
        None => view! {
            <button type="button" class="button button-primary" on:click=move |_| on_close.run(())>"Close"</button>
        }
        .into_any(),
    }
    };
    view! {
        <Modal
            open=Signal::derive(move || code.get().is_some())
            title=Signal::derive(move || format!("Could not connect {}", provider_name()))
            on_close
            size="sm"
            footer=footer
        >
            <div class="result result-error" data-testid="oauth-error">
                <div class="result-icon" aria-hidden="true">"!"</div>
                <p>{move || explain(&code.get().unwrap_or_default())}</p>
                {move || (!detail().is_empty()).then(|| view! { <p class="muted">"Details: " {detail()}</p> })}
                <p class="muted">"Nothing was saved."</p>
            </div>
        </Modal>
    }
}
