use std::collections::BTreeMap;

use leptos::prelude::*;

use super::format::{code_chip, pretty_body};
use crate::components::ui::LocalTime;
use crate::delivery::AttemptView;

fn headers_list(headers: BTreeMap<String, String>) -> impl IntoView {
    if headers.is_empty() {
        return view! { <p class="muted text-xs">"No headers"</p> }.into_any();
    }
    view! {
        <dl class="wh-headers">
            {headers.into_iter().map(|(name, value)| view! {
                <div><dt>{name}</dt><dd>{value}</dd></div>
            }).collect_view()}
        </dl>
    }
    .into_any()
}

fn body_block(body: String, testid: &'static str) -> impl IntoView {
    if body.is_empty() {
        return view! { <p class="muted text-xs">"Empty body"</p> }.into_any();
    }
    view! { <pre class="wh-pre" tabindex="0" data-testid=testid><code>{pretty_body(&body)}</code></pre> }.into_any()
}

/// One attempt as sent and as answered: status (or error), duration, and both sides' headers
/// and bodies. The response is open; the request is folded unless `request_open`.
#[component]
pub fn AttemptDetail(attempt: AttemptView, #[prop(optional)] request_open: bool) -> impl IntoView {
    let AttemptView {
        attempt: number,
        started_at,
        duration_ms,
        request_headers,
        request_body,
        response_status,
        response_headers,
        response_body,
        error,
    } = attempt;
    let answered = response_status.is_some();
    view! {
        <div class="wh-attempt" data-testid="attempt">
            <div class="wh-attempt-head">
                <strong>{format!("Attempt {number}")}</strong>
                {match response_status {
                    Some(code) => code_chip(code).into_any(),
                    None => view! { <span class="badge badge-code badge-bad" data-testid="status-code">"No response"</span> }.into_any(),
                }}
                <span class="wh-duration" data-testid="duration">{format!("{duration_ms} ms")}</span>
                <span class="muted"><LocalTime at=started_at/></span>
            </div>
            {error.map(|e| view! { <p class="wh-error" data-testid="attempt-error">{e}</p> })}
            {answered.then(|| view! {
                <details class="wh-part" open=true>
                    <summary>"Response"</summary>
                    <h4>"Body"</h4>
                    {body_block(response_body.unwrap_or_default(), "response-body")}
                    <h4>"Headers"</h4>
                    {headers_list(response_headers.unwrap_or_default())}
                </details>
            })}
            <details class="wh-part" open=request_open>
                <summary>"Request"</summary>
                <h4>"Body"</h4>
                {body_block(request_body, "request-body")}
                <h4>"Headers"</h4>
                {headers_list(request_headers)}
            </details>
        </div>
    }
}
