use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;
use leptos_router::SsrMode;

use crate::components::api_docs::ApiDocsPage;
use crate::components::auth::SignInPage;
use crate::components::dashboard::DashboardPage;
use crate::components::integrations::{ApiTab, AvailableTab, ConnectedTab, IntegrationsPage};
use crate::components::pages::{HelpPage, NotFound};
use crate::components::settings::SettingsPage;
use crate::components::shell::AppShell;
use crate::components::ui::{provide_toasts, ToastRegion};

/// Applies a stored theme choice before first paint, so dark mode never flashes light.
pub const THEME_BOOT_SCRIPT: &str = "try{var t=localStorage.getItem('pb-theme');if(t==='dark'||t==='light'){document.documentElement.setAttribute('data-theme',t);}}catch(e){}";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script inner_html=THEME_BOOT_SCRIPT></script>
                // Named by its content hash in release builds (cached for a year).
                <HashedStylesheet id="leptos" options=options.clone()/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    // A marker for end-to-end tests (and nothing else): the page is interactive from here on.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title formatter=|text: String| if text.is_empty() { "Plugboard".to_string() } else { format!("{text} · Plugboard") }/>
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                // Rendered whole before it is sent (no streamed parts), so the form is there and
                // works before the script loads, or without it.
                <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=AppShell>
                    <Route path=path!("") view=|| view! { <Redirect path="/dashboard"/> }/>
                    <Route path=path!("dashboard") view=DashboardPage/>
                    <ParentRoute path=path!("integrations") view=IntegrationsPage>
                        <Route path=path!("") view=|| view! { <Redirect path="/integrations/connected"/> }/>
                        <Route path=path!("connected") view=ConnectedTab/>
                        <Route path=path!("available") view=AvailableTab/>
                        <Route path=path!("api") view=ApiTab/>
                    </ParentRoute>
                    <Route path=path!("developers/api") view=ApiDocsPage/>
                    <Route path=path!("settings") view=SettingsPage/>
                    <Route path=path!("help") view=HelpPage/>
                </ParentRoute>
            </Routes>
        </Router>
        <ToastRegion/>
    }
}
