//! Writing to the HTTP response of the current server function or page.

use axum::http::{header, HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// Sets the status of the response being built, if there is one (there is none when a server
/// function is called directly from server code). A plain HTML form post (a page used before
/// its script loaded) is answered with a redirect back to the form carrying the error in its
/// URL; a status here would replace that redirect, so it keeps the framework's 302.
pub fn set_status(status: StatusCode) {
    if is_plain_form_post() {
        return;
    }
    if let Some(options) = use_context::<ResponseOptions>() {
        options.set_status(status);
    }
}

/// A browser submitting a `<form>` itself asks for HTML; the app's script and REST clients ask
/// for JSON.
fn is_plain_form_post() -> bool {
    use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.method == http::Method::POST
            && parts
                .headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
    })
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
