use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::integrations_page::load_integrations;
use super::oauth_error_modal::OAuthErrorModal;
use super::provider_card::ProviderCard;
use super::provider_detail_modal::ProviderDetailModal;
use crate::components::ui::icons::{IconGrid, IconSearch};
use crate::components::ui::EmptyState;
use crate::integrations::{Category, ProviderView};

const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);

/// `/integrations/available` with the given search, category and open provider.
pub fn available_url(q: &str, category: &str, provider: &str) -> String {
    let mut params = Vec::new();
    for (key, value) in [("q", q), ("category", category), ("provider", provider)] {
        if !value.is_empty() {
            let encoded: String = js_sys::encode_uri_component(value).into();
            params.push(format!("{key}={encoded}"));
        }
    }
    if params.is_empty() {
        "/integrations/available".into()
    } else {
        format!("/integrations/available?{}", params.join("&"))
    }
}

fn matches(p: &ProviderView, q: &str, category: &str) -> bool {
    let q = q.trim().to_lowercase();
    (category.is_empty() || p.category.id() == category)
        && (q.is_empty()
            || p.name.to_lowercase().contains(&q)
            || p.short_description.to_lowercase().contains(&q)
            || p.category.label().to_lowercase().contains(&q))
}

/// The catalogue: search as you type (debounced), category chips, cards; search, category and
/// the open provider live in the URL.
#[component]
pub fn AvailableTab() -> impl IntoView {
    let data = load_integrations();
    let query = use_query_map();
    let param = move |key: &str| query.read().get(key).unwrap_or_default();
    let q = Signal::derive(move || param("q"));
    let category = Signal::derive(move || param("category"));
    let open_slug = Signal::derive(move || param("provider"));
    let navigate = use_navigate();

    let go = {
        let navigate = navigate.clone();
        move |url: String, replace: bool| {
            navigate(
                &url,
                NavigateOptions {
                    replace,
                    scroll: false,
                    ..Default::default()
                },
            )
        }
    };
    let search_text = RwSignal::new(q.get_untracked());
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let on_search = {
        let go = go.clone();
        move |ev| {
            search_text.set(event_target_value(&ev));
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            let go = go.clone();
            let handle = set_timeout_with_handle(
                move || {
                    pending.set_value(None);
                    go(
                        available_url(&search_text.get_untracked(), &category.get_untracked(), ""),
                        true,
                    )
                },
                SEARCH_DEBOUNCE,
            )
            .ok();
            pending.set_value(handle);
        }
    };
    // The URL can change under us (Back, the header search): follow it unless the admin is
    // mid-typing.
    Effect::new(move |_| {
        let q = q.get();
        if pending.get_value().is_none() && search_text.get_untracked() != q {
            search_text.set(q);
        }
    });
    let open = {
        let go = go.clone();
        Callback::new(move |slug: String| {
            go(
                available_url(&q.get_untracked(), &category.get_untracked(), &slug),
                false,
            )
        })
    };
    let close = {
        let go = go.clone();
        Callback::new(move |_| {
            go(
                available_url(&q.get_untracked(), &category.get_untracked(), ""),
                true,
            )
        })
    };
    let chip = {
        let go = go.clone();
        move |id: &'static str, label: &'static str| {
            let go = go.clone();
            view! {
                <button type="button" class="chip" aria-pressed=move || (category.get() == id).to_string()
                    on:click=move |_| go(available_url(&q.get_untracked(), id, ""), false)>
                    {label}
                </button>
            }
        }
    };
    let visible = move || {
        data.catalogue.get().map(|res| {
            res.map(|list| {
                list.into_iter()
                    .filter(|p| matches(p, &q.get(), &category.get()))
                    .collect::<Vec<_>>()
            })
        })
    };

    view! {
        <Title text="Available integrations"/>
        <h2 class="section-title">"Available Integrations"</h2>
        <div class="catalogue-toolbar">
            <div class="search-field">
                <IconSearch/>
                <label for="catalogue-search" class="visually-hidden">"Filter integrations"</label>
                <input id="catalogue-search" type="search" placeholder="Filter by name or category..."
                    prop:value=move || search_text.get() on:input=on_search/>
            </div>
            <div class="chips" role="group" aria-label="Categories">
                {chip("", "All")}
                {Category::ALL.into_iter().map(|c| chip(c.id(), c.label())).collect_view()}
            </div>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading the catalogue..."</p> }>
            {move || visible().map(|res| match res {
                Ok(list) if list.is_empty() => view! {
                    <EmptyState icon=view! { <IconSearch/> }.into_any() title="No matching integrations"
                        message=format!("Nothing in the catalogue matches “{}”. Try another name or category.", q.get())/>
                }.into_any(),
                Ok(list) => view! {
                    <ul class="provider-grid" data-testid="provider-grid">
                        {list.into_iter().map(|p| view! { <ProviderCard provider=p on_open=open/> }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! {
                    <EmptyState icon=view! { <IconGrid/> }.into_any() title="The catalogue could not be loaded" message=e.to_string()/>
                }.into_any(),
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || {
                let slug = open_slug.get();
                (!slug.is_empty()).then(|| data.provider(&slug)).flatten().map(|provider| view! {
                    <ProviderDetailModal provider on_close=close/>
                })
            }}
        </Transition>
        <OAuthErrorModal on_close=close/>
    }
}
