use leptos::prelude::*;
use leptos_router::components::A;

use super::header_search::HeaderSearch;
use super::notifications_bell::NotificationsBell;
use super::theme_toggle::ThemeToggle;
use super::use_current_user;
use super::user_menu::UserMenu;
use crate::components::ui::icons::{IconHelp, IconMenu, Logo};

#[component]
pub fn Header(nav_open: RwSignal<bool>) -> impl IntoView {
    let user = use_current_user().0;
    let company = move || {
        user.get()
            .and_then(|u| u.ok())
            .map(|u| u.company_name)
            .unwrap_or_default()
    };
    view! {
        <header class="topbar">
            <button
                type="button"
                class="icon-button hamburger"
                aria-label="Open navigation"
                aria-controls="sidebar"
                aria-expanded=move || nav_open.get().to_string()
                on:click=move |_| nav_open.update(|o| *o = !*o)
            >
                <IconMenu/>
            </button>
            <A href="/dashboard" attr:class="brand">
                <Logo/>
                <span class="brand-name">"Plugboard"</span>
            </A>
            <Transition fallback=|| view! { <span class="company-name"></span> }>
                <span class="company-name" data-testid="company-name">{company}</span>
            </Transition>
            <HeaderSearch/>
            <div class="topbar-actions">
                <A href="/help" attr:class="icon-button" attr:aria-label="Help" attr:title="Help">
                    <IconHelp/>
                </A>
                <ThemeToggle/>
                <NotificationsBell/>
                <UserMenu/>
            </div>
        </header>
    }
}
