use leptos::prelude::*;

use crate::components::shell::NotificationItem;
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
                        {items.into_iter().map(|n| view! { <NotificationItem notification=n/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
