use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::JsCast;

use crate::components::ui::icons::{IconCode, IconDashboard, IconPlug, IconSettings};

/// Navigation in the seed's two groups. Collapses behind the hamburger on narrow screens.
#[component]
pub fn Sidebar(nav_open: RwSignal<bool>) -> impl IntoView {
    view! {
        <nav id="sidebar" class="sidebar" aria-label="Main navigation" on:click=move |ev| {
            // A click on a link (or inside one) closes the mobile drawer.
            let on_link = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("a").ok().flatten())
                .is_some();
            if on_link {
                nav_open.set(false);
            }
        }>
            <div class="sidebar-header">
                <span class="brand-name">"Plugboard"</span>
                <button type="button" class="icon-button sidebar-close" aria-label="Close navigation"
                    on:click=move |_| nav_open.set(false)>
                    "×"
                </button>
            </div>
            <p class="nav-group">"Main menu"</p>
            <ul>
                <li><A href="/dashboard"><IconDashboard/><span>"Dashboard"</span></A></li>
                <li><A href="/integrations"><IconPlug/><span>"Integrations"</span></A></li>
            </ul>
            <p class="nav-group">"Configure"</p>
            <ul>
                <li><A href="/settings"><IconSettings/><span>"Settings"</span></A></li>
            </ul>
            <p class="nav-group">"Developers"</p>
            <ul>
                <li><A href="/developers/api"><IconCode/><span>"API docs"</span></A></li>
            </ul>
        </nav>
    }
}
