use leptos::prelude::*;

/// A card with a titled header (and its actions, e.g. "+ Add ..."), labelled by its title.
/// `id` names the title element; `extra_class` adds the area's own class to the card.
#[component]
pub fn SectionCard(
    #[prop(into)] id: String,
    #[prop(into)] title: String,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] extra_class: Option<&'static str>,
    #[prop(optional, into)] actions: Option<ViewFn>,
    children: Children,
) -> impl IntoView {
    let class = match extra_class {
        Some(extra) => format!("card {extra}"),
        None => "card".to_string(),
    };
    let labelled_by = id.clone();
    view! {
        <section class=class aria-labelledby=labelled_by data-testid=testid>
            <div class="section-header">
                <h2 class="section-title" id=id>{title}</h2>
                {actions.map(|actions| actions.run())}
            </div>
            {children()}
        </section>
    }
}
