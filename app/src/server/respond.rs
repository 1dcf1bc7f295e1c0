//! Writing to the HTTP response of the current server function or page.

use axum::http::{header, HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// Sets the status of the response being built, if there is one (there is none when a server
/// function is called directly from server code).
pub fn set_status(status: StatusCode) {
    if let Some(options) = use_context::<ResponseOptions>() {
        options.set_status(status);
    }
}

pub fn set_header(name: header::HeaderName, value: &str) {
    if let (Some(options), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(value),
    ) {
        options.append_header(name, value);
    }
}

pub fn set_cookie(cookie: &cookie::Cookie<'_>) {
    set_header(header::SET_COOKIE, &cookie.encoded().to_string());
}
