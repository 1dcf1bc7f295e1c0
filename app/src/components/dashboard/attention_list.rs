use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::ui::icons::{IconAlert, IconCheck};
use crate::dashboard::{AttentionItem, Severity};

/// What needs the admin, each with a link to where it is fixed; a calm line when nothing does.
#[component]
pub fn AttentionList(items: Vec<AttentionItem>) -> impl IntoView {
    let count = items.len();
    view! {
        <section class="card attention" aria-labelledby="attention-title" data-testid="attention">
            <div class="section-header">
                <h2 class="section-title" id="attention-title">"Needs attention"</h2>
                {(count > 0).then(|| view! { <span class="badge badge-bad">{count}</span> })}
            </div>
            {if items.is_empty() {
                view! {
                    <p class="attention-clear"><IconCheck/>"All clear: every connection and endpoint is working."</p>
                }.into_any()
            } else {
                view! {
                    <ul class="attention-list">
                        {items.into_iter().map(|item| {
                            let class = match item.severity {
                                Severity::Error => "attention-item attention-error",
                                Severity::Warning => "attention-item attention-warning",
                            };
                            view! {
                                <li class=class>
                                    <span class="attention-icon" aria-hidden="true"><IconAlert/></span>
                                    <div class="attention-text">
                                        <p class="attention-title break-anywhere">{item.title}</p>
                                        <p class="muted">{item.detail}</p>
                                    </div>
                                    <A href=item.link attr:class="button button-secondary">{item.action}</A>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
