use leptos::prelude::*;

use super::rich_text::{rich_text, CodeBlock};
use crate::openapi_reader::KEY_VAR;
use crate::openapi_reader::{ApiDoc, Field};

const ERROR_EXAMPLE: &str = r#"{
  "error": {
    "code": "bad_request",
    "message": "Name the key (1 to 100 characters).",
    "field": "name"
  }
}"#;

fn header_meaning(name: &str) -> &'static str {
    match name {
        "X-RateLimit-Limit" => "The size of the quota that applies to this call.",
        "X-RateLimit-Remaining" => "Calls left before the quota runs out.",
        "X-RateLimit-Reset" => "Seconds until the quota is whole again.",
        "Retry-After" => "On a 429 response: seconds to wait before trying again.",
        _ => "",
    }
}

/// Fields as a list that reads well at any width: name, type, required, what it is.
#[component]
pub fn FieldList(fields: Vec<Field>) -> impl IntoView {
    view! {
        <ul class="field-list">
            {fields.into_iter().map(|f| view! {
                <li>
                    <div class="field-list-head">
                        <code class="field-name">{f.name}</code>
                        <span class="field-type">{f.ty}</span>
                        {f.required.then(|| view! { <span class="field-required">"required"</span> })}
                    </div>
                    {(!f.description.is_empty()).then(|| view! { <p class="field-desc">{rich_text(&f.description)}</p> })}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// What every call shares: base URL, authentication, errors and rate limits.
#[component]
pub fn DocsOverview(doc: ApiDoc) -> impl IntoView {
    let scheme = |name: &str| {
        doc.schemes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.clone())
            .unwrap_or_default()
    };
    let (bearer, session) = (scheme("apiKey"), scheme("session"));
    let auth_example = format!(
        "curl -H \"Authorization: Bearer {KEY_VAR}\" \\\n  \"{}/api/v1/events/types\"",
        doc.server
    );
    let rate_headers: Vec<String> = doc.headers.clone();
    view! {
        <section class="card docs-section" id="overview" aria-labelledby="docs-overview">
            <h2 class="section-title" id="docs-overview">"Overview"</h2>
            <p class="docs-text">{rich_text(&doc.intro)}</p>
            <div class="docs-base-url">
                <span class="api-endpoint-label">"Base URL"</span>
                <code class="mono" data-testid="docs-base-url">{format!("{}/api/v1", doc.server)}</code>
            </div>
        </section>
        <section class="card docs-section" id="authentication" aria-labelledby="docs-auth">
            <h2 class="section-title" id="docs-auth">"Authentication"</h2>
            <div class="docs-columns">
                <div>
                    <h3>"API key (your code)"</h3>
                    <p class="docs-text">{rich_text(&bearer)}</p>
                    <p class="docs-text">"Create keys under API & Webhooks. Keep them on your servers: never in a browser or a mobile app."</p>
                </div>
                <div>
                    <h3>"Admin session (this app)"</h3>
                    <p class="docs-text">{rich_text(&session)}</p>
                    <p class="docs-text">"The token is the value of the " <code class="mono">"pb_csrf"</code>
                        " cookie. Endpoints marked " <em>"Admin session"</em> " accept only a session; API keys get 403."</p>
                </div>
            </div>
            <CodeBlock caption="Example" code=auth_example copy_label="Copy authentication example"/>
        </section>
        <section class="card docs-section" id="errors" aria-labelledby="docs-errors">
            <h2 class="section-title" id="docs-errors">"Errors"</h2>
            <p class="docs-text">"Every error has the same shape, with a matching HTTP status: 400 for bad input (naming the field), 401 without a valid key or session, 403 for a missing scope or CSRF token, 404, 409 for conflicts, 413 for an oversized payload, 422 for an unknown event type, 429 when throttled."</p>
            <div class="docs-columns">
                <FieldList fields=doc.error_fields.clone()/>
                <CodeBlock caption="Example: 400 Bad Request" code=ERROR_EXAMPLE copy_label="Copy error example"/>
            </div>
        </section>
        <section class="card docs-section" id="rate-limits" aria-labelledby="docs-limits">
            <h2 class="section-title" id="docs-limits">"Rate limits"</h2>
            <p class="docs-text">"Quotas count per API key (the overview gives this server's numbers). Every response reports where the key stands; slow down when " <code class="mono">"X-RateLimit-Remaining"</code> " nears zero."</p>
            <ul class="field-list header-list">
                {rate_headers.into_iter().map(|h| {
                    let meaning = header_meaning(&h);
                    view! {
                        <li>
                            <div class="field-list-head"><code class="field-name">{h}</code></div>
                            {(!meaning.is_empty()).then(|| view! { <p class="field-desc">{meaning}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
