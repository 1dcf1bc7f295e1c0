use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::dialogs::{dialog_view, Dialog};
use super::key_row::{KeyRow, SHOWN_ONCE};
use crate::api_keys::{list_api_keys, set_api_key_enabled, ApiKeyView, IssuedApiKey};
use crate::components::ui::icons::IconKey;
use crate::components::ui::CopyButton;
use crate::components::ui::{
    preload_after_hydration, server_data, use_toasts, EmptyState, SectionCard,
};

/// Where the API documentation lives.
pub const DOCS_PATH: &str = "/developers/api";

/// The "API Access" block of the API & Webhooks tab: the company's keys and their actions,
/// the API's base URL and a link to the docs.
#[component]
pub fn ApiAccess() -> impl IntoView {
    let toasts = use_toasts();
    let keys = server_data(|| (), |_| list_api_keys());
    let creating = RwSignal::new(false);
    let issued = RwSignal::new(None::<(IssuedApiKey, bool)>);
    let regenerating = RwSignal::new(None::<ApiKeyView>);
    let deleting = RwSignal::new(None::<ApiKeyView>);
    let toggle = Action::new(|key: &ApiKeyView| set_api_key_enabled(key.id, !key.enabled));
    let toggling = RwSignal::new(None::<Uuid>);
    Effect::new(move |_| match toggle.value().get() {
        Some(Ok(key)) => {
            toasts.success(format!(
                "API key “{}” {}.",
                key.name,
                if key.enabled { "enabled" } else { "disabled" }
            ));
            toggling.set(None);
            keys.refetch();
        }
        Some(Err(e)) => {
            toggling.set(None);
            toasts.error(e.to_string());
        }
        None => {}
    });
    let on_toggle = Callback::new(move |key: ApiKeyView| {
        toggling.set(Some(key.id));
        toggle.dispatch(key);
    });
    let show_secret = move |key: IssuedApiKey, regenerated: bool| {
        issued.set(Some((key, regenerated)));
        keys.refetch();
    };
    let showing_secret = Memo::new(move |_| issued.with(Option::is_some));
    // Made here, not in the dialogs' views: a dialog calls them as it closes itself.
    let on_created = Callback::new(move |key| show_secret(key, false));
    let close_regenerate = Callback::new(move |_| regenerating.set(None));
    let on_regenerated = Callback::new(move |key| {
        regenerating.set(None);
        show_secret(key, true);
    });
    let close_delete = Callback::new(move |_| deleting.set(None));
    let on_deleted = Callback::new(move |_| {
        deleting.set(None);
        keys.refetch();
    });
    preload_after_hydration(|| dialog_view(None));

    view! {
        <SectionCard id="api-access-title" title="API Access" testid="api-access" extra_class="api-access"
            actions=ViewFn::from(move || view! {
                <button type="button" class="button button-primary" on:click=move |_| creating.set(true)>"+ Create API key"</button>
            })>
            <p class="section-intro">
                "API keys let your own code call the Plugboard API and publish events. " {SHOWN_ONCE}
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading API keys..."</p> }>
                {move || keys.get().map(|res| match res {
                    Ok(list) if list.keys.is_empty() => view! {
                        <EmptyState icon=view! { <IconKey/> }.into_any() title="No API keys yet"
                            message="Create a key for each system that calls Plugboard, with only the scopes it needs."/>
                        <ApiEndpoint url=list.api_base_url/>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="key-list" data-testid="api-keys">
                            {list.keys.into_iter().map(|key| {
                                let id = key.id;
                                view! {
                                    <KeyRow key
                                        on_regenerate=Callback::new(move |k| regenerating.set(Some(k)))
                                        on_toggle
                                        on_delete=Callback::new(move |k| deleting.set(Some(k)))
                                        busy=Signal::derive(move || toggling.get() == Some(id))/>
                                }
                            }).collect_view()}
                        </ul>
                        <ApiEndpoint url=list.api_base_url/>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </SectionCard>
        {move || creating.get().then(|| Suspend::new(dialog_view(Some(Dialog::CreateKey { open: creating, on_created }))))}
        {move || showing_secret.get().then(|| Suspend::new(dialog_view(Some(Dialog::Secret { issued }))))}
        {move || regenerating.get().map(|key| Suspend::new(dialog_view(Some(Dialog::Regenerate {
            key,
            on_close: close_regenerate,
            on_regenerated,
        }))))}
        {move || deleting.get().map(|key| Suspend::new(dialog_view(Some(Dialog::DeleteKey {
            key,
            on_close: close_delete,
            on_deleted,
        }))))}
    }
}

/// The API's base URL with a Copy button, and the way to the docs.
#[component]
fn ApiEndpoint(url: String) -> impl IntoView {
    let copy = Signal::<String>::stored(url.clone());
    view! {
        <div class="api-endpoint" data-testid="api-endpoint">
            <div class="api-endpoint-url">
                <span class="api-endpoint-label">"API Endpoint"</span>
                <code class="mono">{url}</code>
                <CopyButton text=copy label="Copy API endpoint" small=true/>
            </div>
            <A href=DOCS_PATH attr:class="button button-secondary docs-link">"View API Documentation →"</A>
        </div>
    }
}
