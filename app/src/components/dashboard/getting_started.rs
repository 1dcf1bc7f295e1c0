use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::ui::icons::IconCheck;
use crate::dashboard::GettingStarted;

/// The four steps from nothing to a delivered event, each ticked once the company has done it.
#[component]
pub fn GettingStartedCard(steps: GettingStarted) -> impl IntoView {
    let items = [
        (
            steps.connected_service,
            "Connect a service",
            "Slack, your CRM, a Zap: pick one from the catalogue.",
            "/integrations/available",
            "Browse integrations",
        ),
        (
            steps.created_api_key,
            "Create an API key",
            "Your product calls Plugboard with it to publish events.",
            "/integrations/api",
            "Create a key",
        ),
        (
            steps.added_endpoint,
            "Add a webhook endpoint",
            "A URL of yours that receives your company's events, signed.",
            "/integrations/api",
            "Add an endpoint",
        ),
        (
            steps.delivered_event,
            "Send a test event",
            "Use Send test on an endpoint (or publish one with your key) and watch it arrive.",
            "/integrations/api",
            "Send a test",
        ),
    ];
    let done = steps.done();
    view! {
        <section class="card getting-started" aria-labelledby="getting-started-title" data-testid="getting-started">
            <div class="section-header">
                <h2 class="section-title" id="getting-started-title">"Get started with Plugboard"</h2>
                <span class="muted">{format!("{done} of 4 done")}</span>
            </div>
            <progress class="getting-started-progress" max="4" value=done.to_string()
                aria-label=format!("{done} of 4 steps done")></progress>
            <ol class="getting-started-steps">
                {items.into_iter().enumerate().map(|(i, (is_done, title, hint, href, action))| view! {
                    <li class="getting-started-step" class:done=is_done>
                        <span class="step-marker" aria-hidden="true">
                            {if is_done { view! { <IconCheck/> }.into_any() } else { (i + 1).to_string().into_any() }}
                        </span>
                        <div class="step-text">
                            <p class="step-title">
                                {title}
                                {is_done.then(|| view! { <span class="visually-hidden">" (done)"</span> })}
                            </p>
                            <p class="muted">{hint}</p>
                        </div>
                        {(!is_done).then(|| view! { <A href=href attr:class="button button-secondary">{action}</A> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}
