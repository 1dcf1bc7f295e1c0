use leptos::prelude::*;

/// A friendly panel for "nothing here yet", with an optional call to action as children.
#[component]
pub fn EmptyState(
    /// One of `ui::icons`, rendered large.
    icon: AnyView,
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            <div class="empty-state-icon" aria-hidden="true">{icon}</div>
            <h3>{title}</h3>
            <p>{message}</p>
            {children.map(|c| view! { <div class="empty-state-actions">{c()}</div> })}
        </div>
    }
}
