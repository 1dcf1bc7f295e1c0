use leptos::prelude::*;

use crate::components::ui::{
    browser_data, field_error, form_error, use_toasts, CopyButton, FormField, LocalTime,
};
use crate::integrations::apps::{
    get_provider_app, remove_provider_app, save_provider_app, AppSource, ProviderAppView,
};

/// A provider's OAuth app on its details: where the credentials in force come from, the steps to
/// register one (the console, the redirect URI to copy), and, for installation operators, the
/// form that saves it after the provider accepted it.
#[component]
pub fn ProviderAppPanel(
    #[prop(into)] slug: String,
    /// Where the credentials come from, each time the panel learns it (loaded, saved, removed).
    on_source: Callback<AppSource>,
) -> impl IntoView {
    // Loaded in the browser: the dialog may be in the server's page (a deep link), which shows
    // "Loading..." here until the page has hydrated (browser_data says why not a LocalResource).
    let app = browser_data(move || get_provider_app(slug.clone()));
    view! {
        <section class="app-setup" aria-labelledby="app-setup-title" data-testid="app-setup">
            <h3 class="settings-group" id="app-setup-title">"OAuth app"</h3>
            {move || match app.get() {
                None => view! { <p class="muted">"Loading..."</p> }.into_any(),
                Some(Ok(view)) => {
                    on_source.run(view.source);
                    view! { <AppSetup app=view on_changed=Callback::new(move |_| app.refetch())/> }.into_any()
                }
                Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn AppSetup(app: ProviderAppView, on_changed: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let client_id = RwSignal::new(String::new());
    let client_secret = RwSignal::new(String::new());
    let slug = app.slug.clone();
    let save = Action::new({
        let slug = slug.clone();
        move |(id, secret): &(String, String)| {
            save_provider_app(slug.clone(), id.clone(), secret.clone())
        }
    });
    let remove = Action::new(move |_: &()| remove_provider_app(slug.clone()));
    let name = app.provider_name.clone();
    toasts.follow(save, {
        let name = name.clone();
        move |saved| {
            on_changed.run(());
            Some(format!(
                "{name}'s app is set up. {}",
                saved.check_note.unwrap_or_default()
            ))
        }
    });
    toasts.follow(remove, {
        let name = name.clone();
        move |_| {
            on_changed.run(());
            Some(format!("{name}'s app was removed."))
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let env = app.env_vars.join(" and ");
    let state = match app.source {
        AppSource::Environment => view! {
            <p class="app-state" data-testid="app-state">
                <span class="badge badge-dot badge-ok">"Set by the environment"</span>
                " Client ID " <code>{app.client_id.clone().unwrap_or_default()}</code> ", from "
                <code>{env.clone()}</code> ", which take precedence over an app set up here."
            </p>
        }
        .into_any(),
        AppSource::Plugboard => view! {
            <p class="app-state" data-testid="app-state">
                <span class="badge badge-dot badge-ok">"Set up in Plugboard"</span>
                " Client ID " <code>{app.client_id.clone().unwrap_or_default()}</code>
                {app.updated_by.clone().map(|by| view! { ", by " {by} })}
                {app.updated_at.map(|at| view! { " on " <LocalTime at/> })} ". "
                {app.check_note.clone()}
            </p>
        }
        .into_any(),
        AppSource::None => view! {
            <div class="notice notice-warning" data-testid="not-configured">
                <strong>"Not set up on this server yet."</strong>
                <p>{format!("Register {}'s OAuth app below, or set {env} and restart Plugboard.", app.provider_name)}</p>
            </div>
        }
        .into_any(),
    };
    let editable = app.may_manage && app.source != AppSource::Environment;
    let registered = app.source == AppSource::Plugboard;
    let console = app.console_url.clone().map(|url| {
        view! {
            <li>"Create an app in "
                <a href=url target="_blank" rel="noopener noreferrer">{format!("{}'s developer console", app.provider_name)}</a>
                "."</li>
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch((client_id.get_untracked(), client_secret.get_untracked()));
    };
    view! {
        {state}
        <ol class="app-steps">
            {console}
            <li>
                "Register this redirect URI with it:"
                <div class="copy-row">
                    <code class="copyable" data-testid="redirect-uri">{app.redirect_uri.clone()}</code>
                    <CopyButton text=app.redirect_uri.clone() label="Copy redirect URI" small=true/>
                </div>
            </li>
            <li>"Paste its client ID and secret here; Plugboard checks them with the provider and keeps the secret encrypted."</li>
        </ol>
        {if editable {
            view! {
                <form class="form app-form" on:submit=on_submit data-testid="app-form">
                    <FormField id="app-client-id" label="Client ID" value=client_id required=true
                        error=Signal::derive(move || field_error(error.get(), "client_id"))/>
                    <FormField id="app-client-secret" label="Client secret" value=client_secret required=true
                        input_type="password" autocomplete="new-password"
                        hint=if registered { "Enter it again to replace the saved app." } else { "Shown once by the provider; never shown here again." }
                        error=Signal::derive(move || field_error(error.get(), "client_secret"))/>
                    <p class="form-error" role="alert">{move || form_error(error.get(), &["client_id", "client_secret"])}</p>
                    <div class="app-form-actions">
                        {registered.then(|| view! {
                            <button type="button" class="button button-danger-outline" disabled=move || remove.pending().get()
                                on:click=move |_| { remove.dispatch(()); }>"Remove app"</button>
                        })}
                        <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                            {move || if save.pending().get() { "Checking..." } else { "Save and check" }}
                        </button>
                    </div>
                </form>
            }.into_any()
        } else if !app.may_manage {
            view! { <p class="muted" data-testid="app-who-may">{app.who_may.clone()}</p> }.into_any()
        } else {
            ().into_any()
        }}
    }
}
