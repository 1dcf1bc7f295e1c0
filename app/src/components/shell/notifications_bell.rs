use leptos::html;
use leptos::prelude::*;
use send_wrapper::SendWrapper;

use super::notification_item::NotificationItem;
use crate::components::ui::icons::IconBell;
use crate::components::ui::{close_on_outside_click, server_data};
use crate::notifications::{list_notifications, mark_all_notifications_read};

/// How often the bell asks for new notifications while the page is open.
const POLL_MS: u32 = 30_000;

#[component]
pub fn NotificationsBell() -> impl IntoView {
    let feed = server_data(|| (), |_| list_notifications());
    let open = RwSignal::new(false);
    let container = NodeRef::<html::Div>::new();
    close_on_outside_click(container, open);

    // Poll in the browser only; the interval stops with the component.
    Effect::new(move |_| {
        let interval = gloo_timers::callback::Interval::new(POLL_MS, move || feed.refetch());
        // gloo's Interval is not Send, but it only ever lives on the browser's one thread.
        let interval = SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    });

    let mark_read = Action::new(|_: &()| mark_all_notifications_read());
    Effect::new(move |_| {
        if let Some(Ok(())) = mark_read.value().get() {
            feed.refetch();
        }
    });

    let unread = move || {
        feed.get()
            .and_then(|f| f.ok())
            .map(|f| f.unread)
            .unwrap_or(0)
    };

    view! {
        <div class="popover-anchor" node_ref=container>
            <button
                type="button"
                class="icon-button bell"
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <IconBell/>
                // The name is the text, read under the Transition like the badge, so it follows
                // the feed once hydrated (an attribute bound to the resource kept its SSR value).
                // One span: separate hidden spans read as "Notifications , 1 unread".
                <Transition fallback=|| view! { <span class="visually-hidden">"Notifications"</span> }>
                    <span class="visually-hidden">{move || match unread() {
                        0 => "Notifications".to_string(),
                        n => format!("Notifications, {n} unread"),
                    }}</span>
                    <Show when=move || { unread() > 0 }>
                        <span class="count-badge" aria-hidden="true">{move || unread().min(99)}</span>
                    </Show>
                </Transition>
            </button>
            <Show when=move || open.get()>
                <div class="popover notifications-panel" role="region" aria-label="Notifications">
                    <div class="popover-header">
                        <strong>"Notifications"</strong>
                        <button type="button" class="link-button" disabled=move || unread() == 0
                            on:click=move |_| { mark_read.dispatch(()); }>
                            "Mark all as read"
                        </button>
                    </div>
                    <Transition fallback=|| view! { <p class="muted">"Loading..."</p> }>
                        {move || feed.get().map(|res| match res {
                            Ok(f) if f.items.is_empty() => view! {
                                <p class="popover-empty">"You're all caught up. Alerts about your integrations and webhooks appear here."</p>
                            }.into_any(),
                            Ok(f) => view! {
                                <ul class="notification-list">
                                    // Each leads to what it is about.
                                    {f.items.into_iter().map(|n| view! {
                                        <NotificationItem notification=n on_follow=Callback::new(move |_| open.set(false))/>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p class="field-error">{e.to_string()}</p> }.into_any(),
                        })}
                    </Transition>
                </div>
            </Show>
        </div>
    }
}
