use leptos::prelude::*;

use super::docs_overview::FieldList;
use super::rich_text::{rich_text, CodeBlock};
use crate::openapi_reader::{Access, Op};

fn access_badge(access: &Access) -> impl IntoView {
    let (class, label) = match access {
        Access::Public => ("access-badge access-public", "Public".to_string()),
        Access::Session => ("access-badge access-session", "Admin session".to_string()),
        Access::Scope(scope) => ("access-badge access-scope", format!("Scope: {scope}")),
    };
    view! { <span class=class>{label}</span> }
}

/// One endpoint: method, path, who may call it, its fields, response and a curl example.
#[component]
pub fn OperationCard(op: Op) -> impl IntoView {
    let method_class = format!("method method-{}", op.method.to_ascii_lowercase());
    let (inputs_title, inputs) = if op.method == "GET" {
        ("Query parameters", op.params.clone())
    } else {
        ("Request body (JSON)", op.body.clone())
    };
    let errors = op.errors.clone();
    view! {
        <article class="card op-card" id=format!("op-{}", op.id) data-testid="operation" data-path=op.path.clone()>
            <header class="op-head">
                <span class=method_class>{op.method.clone()}</span>
                <code class="op-path">{op.path.clone()}</code>
                {access_badge(&op.access)}
            </header>
            <h3 class="op-summary">{op.summary.clone()}</h3>
            {op.description.iter().map(|p| view! { <p class="docs-text">{rich_text(p)}</p> }).collect_view()}
            {(!op.access_note.is_empty()).then(|| view! { <p class="op-access muted">{rich_text(&op.access_note)}</p> })}
            <div class="op-columns">
                <div class="op-fields">
                    <h4>{inputs_title}</h4>
                    {if inputs.is_empty() {
                        view! { <p class="muted">"None."</p> }.into_any()
                    } else {
                        view! { <FieldList fields=inputs/> }.into_any()
                    }}
                </div>
                <div class="op-fields">
                    <h4>"Response " {(!op.response_type.is_empty()).then(|| view! { <code class="op-type">{op.response_type.clone()}</code> })}</h4>
                    {if op.response.is_empty() {
                        let text = if op.response_type == "null" { "null on success." } else { "See the type above." };
                        view! { <p class="muted">{text}</p> }.into_any()
                    } else {
                        view! { <details class="op-response"><summary>"Fields"</summary><FieldList fields=op.response.clone()/></details> }.into_any()
                    }}
                    <p class="op-errors">
                        <span class="muted">"Errors: "</span>
                        {errors.into_iter().map(|(status, text)| view! {
                            <span class="status-code" title=text>{status}</span>
                        }).collect_view()}
                    </p>
                </div>
            </div>
            <CodeBlock caption="curl" code=op.curl.clone() copy_label=format!("Copy curl example for {}", op.path)/>
        </article>
    }
}
