use leptos::prelude::*;

use crate::integrations::ProviderView;

/// A catalogue tile: logo, name, category and what Connect would do.
#[component]
pub fn ProviderCard(provider: ProviderView, on_open: Callback<String>) -> impl IntoView {
    let slug = provider.slug.clone();
    let (status_class, status) = if provider.connections > 0 {
        ("badge badge-ok", "Connected")
    } else if !provider.configured {
        ("badge badge-off", "Not configured")
    } else {
        ("badge", "Connect")
    };
    view! {
        <li>
            <button type="button" class="provider-card" data-testid=format!("provider-{}", provider.slug)
                aria-label=format!("{}, {}, {}", provider.name, provider.category.label(), status)
                on:click=move |_| on_open.run(slug.clone())>
                <img src=provider.logo.clone() alt="" width="48" height="48" loading="lazy"/>
                <span class="provider-name">{provider.name.clone()}</span>
                <span class="provider-category">{provider.category.label()}</span>
                <span class=status_class>{status}</span>
            </button>
        </li>
    }
}
