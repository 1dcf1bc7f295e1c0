use leptos::prelude::*;

use crate::components::deliveries::AttemptDetail;
use crate::delivery::{DeliveryStatus, DeliveryView};
use crate::error::AppError;

/// What the provider answered to "Send test": accepted, or its reason, with the attempt's
/// request and answer.
#[component]
pub fn SendTestResult(result: Result<DeliveryView, AppError>) -> impl IntoView {
    match result {
        Err(e) => view! { <p class="form-error" role="alert" data-testid="test-result">{e.to_string()}</p> }.into_any(),
        Ok(delivery) => {
            let ok = delivery.status == DeliveryStatus::Succeeded;
            let line = match ok {
                true => "The provider accepted the test.".to_string(),
                false => delivery
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "The provider refused the test.".to_string()),
            };
            let attempt = delivery.attempt_log.first().cloned();
            view! {
                <div class="send-test-result" data-testid="test-result">
                    <p class=if ok { "result-line result-ok" } else { "form-error" } role="status">{line}</p>
                    {attempt.map(|attempt| view! {
                        <details>
                            <summary>"Request and answer"</summary>
                            <AttemptDetail attempt/>
                        </details>
                    })}
                </div>
            }
            .into_any()
        }
    }
}
