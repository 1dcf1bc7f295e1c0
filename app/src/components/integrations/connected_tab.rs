use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use uuid::Uuid;

use super::connection_card::ConnectionCard;
use super::connection_dialogs::{dialog_view, Dialog};
use super::integrations_page::load_integrations;
use super::zaps_card::ZapsCard;
use crate::components::ui::icons::IconPlug;
use crate::components::ui::{preload_after_hydration, EmptyState, Modal};
use crate::integrations::ConnectionView;

/// How often open cards refresh their last action.
const REFRESH_MS: u32 = 5_000;

#[component]
pub fn ConnectedTab() -> impl IntoView {
    let data = load_integrations();
    let query = use_query_map();
    let navigate = use_navigate();
    let configuring = RwSignal::new(None::<Uuid>);
    let disconnecting = RwSignal::new(None::<ConnectionView>);
    let watching = RwSignal::new(None::<ConnectionView>);
    let renewing = RwSignal::new(None::<ConnectionView>);
    // Browser only: the cards' last action stays current while the tab is open.
    Effect::new(move |_| {
        let interval = send_wrapper::SendWrapper::new(gloo_timers::callback::Interval::new(
            REFRESH_MS,
            move || data.connections.refetch(),
        ));
        on_cleanup(move || drop(interval));
    });
    // Set by the OAuth callback (and the key/URL forms) after a successful connection.
    let just_connected = Signal::derive(move || {
        query
            .read()
            .get("connected")
            .and_then(|id| id.parse::<Uuid>().ok())
    });
    let connections = move || {
        data.connections
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
    };
    let find = move |id: Uuid| connections().into_iter().find(|c| c.id == id);
    // The dialog opens once its connection is loaded, on the connection as it is then: the
    // cards' refreshes must not rebuild it (and lose what the admin is editing).
    let configure_open = Memo::new(move |_| configuring.get().filter(|id| find(*id).is_some()));
    let clear_query = Callback::new(move |_| {
        navigate(
            "/integrations/connected",
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        )
    });
    preload_after_hydration(|| dialog_view(None));
    // Made here, not in the dialogs' views: a dialog calls them as it closes itself.
    let close_configure = Callback::new(move |_| {
        configuring.set(None);
        clear_query.run(());
    });
    let configure_to_disconnect = Callback::new(move |c| {
        configuring.set(None);
        disconnecting.set(Some(c));
    });
    let close_activity = Callback::new(move |_| watching.set(None));
    let close_renew = Callback::new(move |_| renewing.set(None));
    let close_disconnect = Callback::new(move |_| disconnecting.set(None));

    view! {
        <Title text="Connected integrations"/>
        <Transition fallback=|| view! { <p class="muted">"Loading..."</p> }>
            {move || data.connections.get().map(|res| match res {
                Ok(list) if list.is_empty() => view! {
                    <h2 class="section-title">"Connected Integrations (0)"</h2>
                    <EmptyState icon=view! { <IconPlug/> }.into_any() title="No integrations connected yet"
                        message="Connect a CRM, a chat tool or an automation platform and it will show up here with its status and settings.">
                        <A href="/integrations/available" attr:class="button button-primary">"Browse available integrations"</A>
                    </EmptyState>
                }.into_any(),
                Ok(list) => {
                    // Zaps subscribed through REST Hooks share one Zapier card.
                    let (zaps, cards): (Vec<_>, Vec<_>) = list.into_iter().partition(|c| c.rest_hook_event.is_some());
                    let shown = cards.len() + usize::from(!zaps.is_empty());
                    view! {
                        <h2 class="section-title">{format!("Connected Integrations ({shown})")}</h2>
                        <ul class="connection-list" data-testid="connection-list">
                            {cards.into_iter().map(|c| view! {
                                <ConnectionCard connection=c
                                    on_configure=Callback::new(move |id| configuring.set(Some(id)))
                                    on_activity=Callback::new(move |c| watching.set(Some(c)))
                                    on_disconnect=Callback::new(move |c| disconnecting.set(Some(c)))
                                    on_renew=Callback::new(move |c| renewing.set(Some(c)))/>
                            }).collect_view()}
                            {(!zaps.is_empty()).then(|| view! {
                                <ZapsCard zaps
                                    on_activity=Callback::new(move |c| watching.set(Some(c)))
                                    on_remove=Callback::new(move |c| disconnecting.set(Some(c)))/>
                            })}
                        </ul>
                    }.into_any()
                }
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
        <Modal
            open=Signal::derive(move || just_connected.get().is_some() && configuring.get().is_none())
            title="Connection Successful".to_string()
            on_close=clear_query
            size="sm"
            footer=move || view! {
                <button type="button" class="button button-secondary"
                    on:click=move |_| { configuring.set(just_connected.get_untracked()); }>"Configure Settings"</button>
                <button type="button" class="button button-primary" on:click=move |_| clear_query.run(())>"Done"</button>
            }
        >
            <div class="result result-success" data-testid="connect-success">
                <div class="result-icon" aria-hidden="true">"✓"</div>
                <Transition fallback=|| view! { <p>"Successfully connected!"</p> }>
                    <p>{move || format!("Successfully connected to {}!", just_connected.get().and_then(find).map(|c| c.provider_name).unwrap_or_else(|| "the integration".into()))}</p>
                </Transition>
                <p class="muted">"Review its settings now, or later from its card."</p>
            </div>
        </Modal>
        {move || configure_open.get().and_then(|id| untrack(move || find(id))).map(|connection| {
            Suspend::new(dialog_view(Some(Dialog::Configure {
                connection,
                on_close: close_configure,
                on_disconnect: configure_to_disconnect,
            })))
        })}
        {move || watching.get().map(|connection| Suspend::new(dialog_view(Some(Dialog::Activity {
            connection,
            on_close: close_activity,
        }))))}
        {move || renewing.get().map(|connection| Suspend::new(dialog_view(Some(Dialog::Renew {
            connection,
            on_close: close_renew,
        }))))}
        {move || disconnecting.get().map(|connection| Suspend::new(dialog_view(Some(Dialog::Disconnect {
            connection,
            on_close: close_disconnect,
        }))))}
    }
}
