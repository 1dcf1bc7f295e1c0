use leptos::prelude::*;
use leptos_meta::Title;

/// A page's heading: the document title, the `h1`, and a line saying what the page is for
/// (`children`, which may hold links). `back` is an optional link above the heading.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional)] back: Option<ViewFn>,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=title.clone()/>
        <header class="page-header">
            {back.map(|back| back.run())}
            <h1>{title}</h1>
            <p class="muted">{children()}</p>
        </header>
    }
}
