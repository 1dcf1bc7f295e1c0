//! The "Retries" part of the endpoint and connection dialogs: the installation's schedule, or a
//! policy of the destination's own (retries, first delay, linear or exponential), with the
//! waits it gives spelled out as the admin edits.

use leptos::prelude::*;

use crate::components::ui::{browser_data, field_error};
use crate::delivery::retry_policy::describe_waits;
use crate::delivery::{BackoffStrategy, RetryPolicy};
use crate::error::AppError;
use crate::webhooks::get_default_retry_schedule;

/// The error fields these inputs own.
pub const RETRY_FIELDS: [&str; 2] = ["retry_policy.max_retries", "retry_policy.retry_delay_secs"];

const DEFAULT_CUSTOM: RetryPolicy = RetryPolicy {
    max_retries: 5,
    retry_delay_secs: 60,
    backoff_strategy: BackoffStrategy::Exponential,
};

/// The inputs' state, filled from the destination's policy.
#[derive(Clone, Copy)]
pub struct RetryPolicyForm {
    custom: RwSignal<bool>,
    max_retries: RwSignal<String>,
    delay: RwSignal<String>,
    backoff: RwSignal<String>,
}

impl RetryPolicyForm {
    pub fn new(policy: Option<RetryPolicy>) -> Self {
        let shown = policy.unwrap_or(DEFAULT_CUSTOM);
        Self {
            custom: RwSignal::new(policy.is_some()),
            max_retries: RwSignal::new(shown.max_retries.to_string()),
            delay: RwSignal::new(shown.retry_delay_secs.to_string()),
            backoff: RwSignal::new(shown.backoff_strategy.id().to_string()),
        }
    }

    /// What to save: None for the installation's schedule. A number that does not parse is sent
    /// out of range, so the server's message names the field and its bounds.
    pub fn policy(&self) -> Option<RetryPolicy> {
        untrack(|| self.custom.get().then(|| self.read()))
    }

    fn read(&self) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.max_retries.get().trim().parse().unwrap_or(u32::MAX),
            retry_delay_secs: self.delay.get().trim().parse().unwrap_or(0),
            backoff_strategy: BackoffStrategy::from_id(&self.backoff.get())
                .unwrap_or(BackoffStrategy::Exponential),
        }
    }
}

/// The fieldset; `id` prefixes the inputs' ids, `error` is the last save's.
#[component]
pub fn RetryPolicyFields(
    form: RetryPolicyForm,
    #[prop(into)] id: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let schedule = browser_data(get_default_retry_schedule);
    let default_text = move || match schedule.get() {
        Some(Ok(s)) => describe_waits(&s.default_waits_secs),
        Some(Err(_)) => "Retried on the installation's schedule.".to_string(),
        None => "…".to_string(),
    };
    let preview = move || {
        let policy = form.read();
        match policy.check() {
            Ok(()) => describe_waits(&policy.waits_secs()),
            Err(e) => e.to_string(),
        }
    };
    let retries_error =
        Signal::derive(move || field_error(error.get(), "retry_policy.max_retries"));
    let delay_error =
        Signal::derive(move || field_error(error.get(), "retry_policy.retry_delay_secs"));
    let name = format!("{id}-mode");
    let (retries_id, delay_id, backoff_id) = (
        format!("{id}-max-retries"),
        format!("{id}-delay"),
        format!("{id}-backoff"),
    );
    view! {
        <fieldset class="field fieldset retry-policy" data-testid="retry-policy">
            <legend>"Retries"</legend>
            <label class="radio-option">
                <input type="radio" name=name.clone() prop:checked=move || !form.custom.get()
                    on:change=move |_| form.custom.set(false)/>
                <span class="radio-option-text">
                    <span>"Default schedule"</span>
                    <span class="muted">{default_text}</span>
                </span>
            </label>
            <label class="radio-option">
                <input type="radio" name=name prop:checked=move || form.custom.get()
                    on:change=move |_| form.custom.set(true)/>
                <span class="radio-option-text">
                    <span>"Custom policy"</span>
                    <span class="muted">"Your own number of retries, first delay and backoff."</span>
                </span>
            </label>
            <Show when=move || form.custom.get()>
                <div class="retry-policy-inputs">
                    <div class="field" class:field-invalid=move || retries_error.get().is_some()>
                        <label for=retries_id.clone()>"Max retries"</label>
                        <input id=retries_id.clone() type="number" min="0" max=RetryPolicy::MAX_RETRIES step="1"
                            inputmode="numeric" bind:value=form.max_retries/>
                        <p class="field-error" role="alert">{move || retries_error.get()}</p>
                    </div>
                    <div class="field" class:field-invalid=move || delay_error.get().is_some()>
                        <label for=delay_id.clone()>"First retry after (seconds)"</label>
                        <input id=delay_id.clone() type="number" min="1" max=RetryPolicy::MAX_DELAY_SECS step="1"
                            inputmode="numeric" bind:value=form.delay/>
                        <p class="field-error" role="alert">{move || delay_error.get()}</p>
                    </div>
                    <div class="field">
                        <label for=backoff_id.clone()>"Backoff"</label>
                        <select id=backoff_id.clone() class="select" bind:value=form.backoff>
                            {BackoffStrategy::EVERY.into_iter().map(|b| view! {
                                <option value=b.id()>{b.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <p class="field-hint retry-policy-preview" role="status" data-testid="retry-preview">{preview}</p>
            </Show>
        </fieldset>
    }
}
