use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::setup_form::SetupForm;
use super::sign_in_form::SignInForm;
use crate::auth::get_setup_status;
use crate::components::ui::icons::Logo;
use crate::components::ui::server_data;
use crate::validate::local_redirect;

/// Sign-in, or on a brand-new installation the one-time setup of the first company and admin.
#[component]
pub fn SignInPage() -> impl IntoView {
    let status = server_data(|| (), |_| get_setup_status());
    let query = use_query_map();
    let next = Signal::derive(move || local_redirect(query.read().get("next").as_deref()));
    view! {
        <Title text="Sign in"/>
        <div class="auth-page">
            <div class="auth-card">
                <div class="auth-brand">
                    <Logo/>
                    <span class="brand-name">"Plugboard"</span>
                </div>
                <Suspense fallback=|| view! { <p class="muted">"Loading..."</p> }>
                    {move || status.get().map(|res| match res {
                        Ok(s) if s.needs_setup => view! { <SetupForm next/> }.into_any(),
                        Ok(_) => view! { <SignInForm next/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    })}
                </Suspense>
            </div>
        </div>
    }
}
