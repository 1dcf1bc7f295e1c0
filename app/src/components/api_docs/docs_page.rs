use leptos::prelude::*;
use leptos_router::components::A;

use super::docs_operation::OperationCard;
use super::docs_overview::DocsOverview;
use crate::components::ui::browser::fetch_json;
use crate::components::ui::icons::IconSearch;
use crate::components::ui::{browser_data, PageHeader};
use crate::openapi_reader::{parse, ApiDoc};

/// The OpenAPI document this page renders.
pub const OPENAPI_URL: &str = "/api/v1/openapi.json";

fn anchor(tag: &str) -> String {
    format!("tag-{}", tag.to_ascii_lowercase().replace(' ', "-"))
}

/// `/developers/api`: the REST API, rendered in the browser from the live OpenAPI document.
#[component]
pub fn ApiDocsPage() -> impl IntoView {
    // Fetched by the browser (the server's page says it is loading; browser_data says why not
    // a LocalResource under a Suspense).
    let doc = browser_data(|| async { fetch_json(OPENAPI_URL).await.map(|v| parse(&v)) });
    view! {
        <div class="page docs-page">
            <PageHeader title="API documentation"
                back=ViewFn::from(|| view! { <A href="/integrations/api" attr:class="back-link">"← API & Webhooks"</A> })>
                "Call Plugboard from your own code: publish events, manage integrations, keys and admins. Generated from the live "
                <a href=OPENAPI_URL>"OpenAPI document"</a> "."
            </PageHeader>
            {move || match doc.get() {
                None => view! { <div class="card"><p class="muted">"Loading the API reference..."</p></div> }.into_any(),
                Some(Ok(doc)) => view! {
                    <div class="stack">
                        <DocsOverview doc=doc.clone()/>
                        <Endpoints doc/>
                    </div>
                }.into_any(),
                Some(Err(e)) => view! {
                    <div class="card"><p class="form-error" role="alert">{format!("The API reference could not be loaded. {e}")}</p></div>
                }.into_any(),
            }}
        </div>
    }
}

/// Every operation, grouped by tag, with a filter over path, summary and description.
#[component]
fn Endpoints(doc: ApiDoc) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let groups = StoredValue::new(doc.groups);
    let visible = move || {
        let q = filter.get().trim().to_lowercase();
        groups.with_value(|groups| {
            groups
                .iter()
                .map(|g| {
                    (
                        g.tag.clone(),
                        g.operations
                            .iter()
                            .filter(|op| op.matches(&q))
                            .cloned()
                            .collect::<Vec<_>>(),
                    )
                })
                .filter(|(_, ops)| !ops.is_empty())
                .collect::<Vec<_>>()
        })
    };
    let tags: Vec<String> = groups.with_value(|g| g.iter().map(|g| g.tag.clone()).collect());
    view! {
        <section class="docs-endpoints" aria-labelledby="docs-endpoints">
            <div class="docs-endpoints-head">
                <h2 class="section-title" id="docs-endpoints">"Endpoints"</h2>
                <div class="search-field">
                    <IconSearch/>
                    <label for="docs-filter" class="visually-hidden">"Filter endpoints"</label>
                    <input id="docs-filter" type="search" placeholder="Filter endpoints, e.g. publish"
                        prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev))/>
                </div>
                <nav class="chips" aria-label="Endpoint groups">
                    {tags.into_iter().map(|tag| view! { <a class="chip" href=format!("#{}", anchor(&tag))>{tag.clone()}</a> }).collect_view()}
                </nav>
            </div>
            {move || {
                let groups = visible();
                if groups.is_empty() {
                    return view! { <div class="card"><p class="muted">{format!("No endpoint matches “{}”.", filter.get())}</p></div> }.into_any();
                }
                groups.into_iter().map(|(tag, ops)| view! {
                    <section class="docs-group" id=anchor(&tag) aria-label=tag.clone()>
                        <h2 class="docs-group-title">{tag.clone()}</h2>
                        {ops.into_iter().map(|op| view! { <OperationCard op/> }).collect_view()}
                    </section>
                }).collect_view().into_any()
            }}
        </section>
    }
}
