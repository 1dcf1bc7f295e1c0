use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::ui::PageHeader;

#[component]
pub fn HelpPage() -> impl IntoView {
    view! {
        <div class="page">
            <PageHeader title="Help">"How Plugboard is organised."</PageHeader>
            <div class="card prose">
                <h2>"Integrations"</h2>
                <p>"The " <A href="/integrations/available">"Available"</A> " tab lists the services you can connect. Connected services appear under "
                   <A href="/integrations/connected">"Connected"</A> ", where you configure or disconnect them."</p>
                <h2>"API & Webhooks"</h2>
                <p>"Under " <A href="/integrations/api">"API & Webhooks"</A> " you manage API keys for your own code and the endpoints that receive your company's events."</p>
                <h2>"Admins and your account"</h2>
                <p>"In " <A href="/settings">"Settings"</A> " you rename your company, add or remove admins and change your password."</p>
            </div>
        </div>
    }
}
