use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use crate::components::pages::NotFound;
use crate::components::shell::AppShell;
use crate::components::ui::{provide_toasts, ToastRegion};
use crate::routes::{
    ApiDocsRoute, ApiRoute, AvailableRoute, ConnectedRoute, DashboardRoute, HelpRoute,
    IntegrationsRoute, SettingsRoute, SignInRoute,
};

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

    view! {
        <Title formatter=|text: String| if text.is_empty() { "Plugboard".to_string() } else { format!("{text} · Plugboard") }/>
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                // Rendered whole before it is sent (no streamed parts), so the form is there and
                // works before the script loads, or without it.
                <Route path=path!("/signin") view={Lazy::<SignInRoute>::new()} ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=AppShell>
                    <Route path=path!("") view=|| view! { <Redirect path="/dashboard"/> }/>
                    <Route path=path!("dashboard") view={Lazy::<DashboardRoute>::new()}/>
                    <ParentRoute path=path!("integrations") view={Lazy::<IntegrationsRoute>::new()}>
                        <Route path=path!("") view=|| view! { <Redirect path="/integrations/connected"/> }/>
                        <Route path=path!("connected") view={Lazy::<ConnectedRoute>::new()}/>
                        <Route path=path!("available") view={Lazy::<AvailableRoute>::new()}/>
                        <Route path=path!("api") view={Lazy::<ApiRoute>::new()}/>
                    </ParentRoute>
                    <Route path=path!("developers/api") view={Lazy::<ApiDocsRoute>::new()}/>
                    <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()}/>
                    <Route path=path!("help") view={Lazy::<HelpRoute>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
        <ToastRegion/>
    }
}
