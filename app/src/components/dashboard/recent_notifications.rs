use leptos::prelude::*;

use crate::components::ui::{LocalTime, TimeStyle};
use crate::notifications::Notification;

/// The newest notifications (the bell holds the rest), each leading to what it is about.
#[component]
pub fn RecentNotifications(items: Vec<Notification>) -> impl IntoView {
    view! {
        <section class="card recent-notifications" aria-labelledby="recent-notifications-title">
            <div class="section-header">
                <h2 class="section-title" id="recent-notifications-title">"Recent notifications"</h2>
            </div>
            {if items.is_empty() {
                view! { <p class="muted">"Nothing yet. Alerts about your integrations and webhooks appear here."</p> }.into_any()
            } else {
                view! {
                    <ul class="notification-list">
                        {items.into_iter().map(|n| {
                            let content = view! {
                                <p class="notification-title">{n.title}</p>
                                <p class="notification-body">{n.body}</p>
                                <LocalTime at=n.created_at style=TimeStyle::Short/>
                            };
                            view! {
                                <li class:unread=!n.read>
                                    {match n.link {
                                        Some(link) => view! { <a class="notification-link" href=link>{content}</a> }.into_any(),
                                        None => content.into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
