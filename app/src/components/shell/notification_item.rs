use leptos::prelude::*;

use crate::components::ui::{LocalTime, TimeStyle};
use crate::notifications::Notification;

/// One notification in a list (the bell's, the dashboard's): a link to what it is about when
/// it has one. `on_follow` runs when the link is followed (the bell closes its panel).
#[component]
pub fn NotificationItem(
    notification: Notification,
    #[prop(optional)] on_follow: Option<Callback<()>>,
) -> impl IntoView {
    let n = notification;
    let content = view! {
        <p class="notification-title">{n.title}</p>
        <p class="notification-body">{n.body}</p>
        <LocalTime at=n.created_at style=TimeStyle::Short/>
    };
    view! {
        <li class:unread=!n.read>
            {match n.link {
                Some(link) => view! {
                    <a class="notification-link" href=link
                        on:click=move |_| { if let Some(follow) = on_follow { follow.run(()) } }>{content}</a>
                }.into_any(),
                None => content.into_any(),
            }}
        </li>
    }
}
