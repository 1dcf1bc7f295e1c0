use chrono::{DateTime, Utc};
use leptos::html;
use leptos::prelude::*;
use uuid::Uuid;

use crate::components::ui::use_toasts;
use crate::components::ui::CopyButton;
use crate::components::ui::LocalTime;
use crate::error::AppError;
use crate::webhooks::{rotate_webhook_secret, EndpointSecrets};

pub const SECRET_HINT: &str = "Use this to verify webhook signatures";

/// A read-only signing secret with Copy, and a Show/Hide toggle when `masked`.
#[component]
pub fn SecretField(
    #[prop(into)] id: String,
    #[prop(into)] secret: Signal<String>,
    #[prop(optional)] masked: bool,
) -> impl IntoView {
    let hidden = RwSignal::new(masked);
    let input = NodeRef::<html::Input>::new();
    let shown = move || {
        let secret = secret.get();
        if hidden.get() {
            // Keep the prefix so the admin can tell which kind of secret this is.
            format!("whsec_{}", "•".repeat(24))
        } else {
            secret
        }
    };
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id.clone()>"Signing secret"</label>
            <div class="wh-secret">
                <input id=id type="text" class="mono" readonly=true spellcheck="false" autocomplete="off"
                    aria-describedby=hint_id.clone() prop:value=shown node_ref=input
                    data-testid="signing-secret"
                    on:focus=move |_| {
                        if let Some(input) = input.get() {
                            input.select();
                        }
                    }/>
                {masked.then(|| view! {
                    <button type="button" class="button button-secondary" aria-pressed=move || (!hidden.get()).to_string()
                        on:click=move |_| hidden.update(|h| *h = !*h)>
                        {move || if hidden.get() { "Show" } else { "Hide" }}
                    </button>
                })}
                <CopyButton text=secret label="Copy signing secret"/>
            </div>
            <p class="field-hint" id=hint_id>{SECRET_HINT}</p>
        </div>
    }
}

/// The edit dialog's Security block: the current secret (masked) and a confirmed rotation.
/// `fetched` is the endpoint's secrets, loaded by the dialog (which also needs the headers).
#[component]
pub fn SecretPanel(
    endpoint_id: Uuid,
    previous_until: Option<DateTime<Utc>>,
    fetched: Signal<Option<Result<EndpointSecrets, AppError>>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let rotated = RwSignal::new(None::<String>);
    let grace_until = RwSignal::new(previous_until);
    let confirming = RwSignal::new(false);
    let rotate = Action::new(move |_: &()| rotate_webhook_secret(endpoint_id));
    toasts.follow(rotate, move |done| {
        rotated.set(Some(done.secret));
        grace_until.set(done.endpoint.previous_secret_until);
        confirming.set(false);
        Some("Signing secret rotated. Update your receiver with the new secret.".into())
    });
    let secret = Signal::derive(move || {
        rotated.get().unwrap_or_else(|| {
            fetched
                .get()
                .and_then(|r| r.ok())
                .map(|e| e.secret)
                .unwrap_or_default()
        })
    });
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading the signing secret..."</p> }>
            {move || fetched.get().map(|res| match res {
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(_) => view! {
                    // A fresh secret is shown in full; the stored one starts masked.
                    {move || {
                        let fresh = rotated.with(Option::is_some);
                        view! { <SecretField id="webhook-secret" secret masked=!fresh/> }
                    }}
                }.into_any(),
            })}
        </Transition>
        {move || grace_until.get().map(|until| view! {
            <p class="wh-grace" data-testid="secret-grace">
                "The previous secret also signs deliveries until " <LocalTime at=until/> "."
            </p>
        })}
        <Show when=move || confirming.get()
            fallback=move || view! {
                <button type="button" class="button button-secondary wh-rotate" on:click=move |_| confirming.set(true)>
                    "Rotate secret"
                </button>
            }>
            <div class="notice notice-warning inline-confirm" role="group" aria-label="Rotate the signing secret">
                <p><strong>"Rotate the signing secret?"</strong></p>
                <p>"A new secret signs every delivery from now on. The old one keeps signing alongside it for 24 hours, so you can update your receiver without missing events."</p>
                <div class="inline-confirm-actions">
                    <button type="button" class="button button-secondary button-sm" on:click=move |_| confirming.set(false)>"Cancel"</button>
                    <button type="button" class="button button-primary button-sm" disabled=move || rotate.pending().get()
                        on:click=move |_| { rotate.dispatch(()); }>"Rotate now"</button>
                </div>
            </div>
        </Show>
    }
}
