//! Times, status codes, badges and bodies as the delivery log shows them.

use leptos::prelude::*;

use crate::delivery::DeliveryStatus;

/// "200 OK", "503 Service Unavailable", or just the number for unknown codes.
pub fn status_line(code: u16) -> String {
    match http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{code} {reason}"),
        None => code.to_string(),
    }
}

/// The colour class of an HTTP status: success, redirect/client error, server error.
pub fn code_class(code: u16) -> &'static str {
    match code {
        200..=299 => "badge badge-code badge-ok",
        300..=499 => "badge badge-code badge-warn",
        _ => "badge badge-code badge-bad",
    }
}

/// An HTTP status code as a coloured chip.
pub fn code_chip(code: u16) -> impl IntoView {
    view! { <span class=code_class(code) data-testid="status-code">{status_line(code)}</span> }
}

pub fn delivery_badge(status: DeliveryStatus) -> impl IntoView {
    let (class, label) = match status {
        DeliveryStatus::Succeeded => ("badge badge-dot badge-ok", "Succeeded"),
        DeliveryStatus::Pending => ("badge badge-dot badge-warn", "Pending"),
        // Waits for its endpoint to be switched on again.
        DeliveryStatus::Parked => ("badge badge-dot badge-off", "Paused"),
        DeliveryStatus::Failed => ("badge badge-dot badge-bad", "Failed"),
    };
    view! { <span class=class data-testid="delivery-status">{label}</span> }
}

/// JSON bodies indented for reading; anything else as it came.
pub fn pretty_body(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_string())
}
