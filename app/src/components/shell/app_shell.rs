use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;

use super::header::Header;
use super::sidebar::Sidebar;
use crate::auth::{get_current_user, CurrentUser};
use crate::components::ui::{server_data, ServerData};
use crate::error::AppError;

/// The signed-in admin, loaded once by the shell and shared with every page under it.
#[derive(Clone, Copy)]
pub struct CurrentUserResource(pub ServerData<Result<CurrentUser, AppError>>);

pub fn use_current_user() -> CurrentUserResource {
    expect_context::<CurrentUserResource>()
}

/// Header, sidebar and the page. Below 768 px the sidebar slides in from the hamburger.
#[component]
pub fn AppShell() -> impl IntoView {
    let user = server_data(|| (), |_| get_current_user());
    provide_context(CurrentUserResource(user));

    let nav_open = RwSignal::new(false);
    let location = use_location();
    // Following a link from the mobile menu closes it.
    Effect::new(move |_| {
        location.pathname.track();
        nav_open.set(false);
    });

    view! {
        <div class="app" class:nav-open=move || nav_open.get()>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header nav_open/>
            <Sidebar nav_open/>
            <div class="nav-overlay" aria-hidden="true" on:click=move |_| nav_open.set(false)></div>
            <main id="main" class="main" tabindex="-1">
                <Outlet/>
            </main>
        </div>
    }
}
