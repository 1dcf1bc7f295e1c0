//! Request guards in front of the router.

use app::auth::access::Principal;
use app::error::AppError;
use app::runtime::AppState;
use axum::extract::Request;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Redirect, Response};

use app::runtime::paths::is_static_file;
use app::validate::local_redirect;

/// Pages need a session: without one, a redirect to sign-in that comes back afterwards. The
/// sign-in page itself sends signed-in admins on to the app. Server functions answer 401 JSON
/// themselves; assets and the health check are public. `None` lets the request through.
pub fn page_redirect(req: &Request) -> Option<Response> {
    let path = req.uri().path();
    if req.method() != Method::GET || is_public(path) {
        return None;
    }
    // `authenticate` (before this guard) already looked the session up.
    let signed_in = matches!(
        req.extensions().get::<Principal>(),
        Some(Principal::Admin(_))
    );
    let is_sign_in = path == "/signin";
    match (signed_in, is_sign_in) {
        // Also where a sign-in form posted without JavaScript comes back to (its Referer).
        (true, true) => {
            let next = req.uri().query().and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "next")
                    .map(|(_, v)| v.into_owned())
            });
            Some(Redirect::to(&local_redirect(next.as_deref())).into_response())
        }
        (false, false) => {
            let here = req
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str())
                .unwrap_or("/");
            let next_param: String =
                url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
            Some(Redirect::to(&format!("/signin?next={next_param}")).into_response())
        }
        _ => None,
    }
}

fn is_public(path: &str) -> bool {
    path.starts_with("/api/")
        || path == "/healthz"
        // Requests providers send us (Slack's Events API), each verified by its own signature.
        || path.starts_with("/inbound/")
        || is_static_file(path)
}

/// A browser always names the page that sent a POST in `Origin`; one from another site is
/// refused before it reaches a server function (login CSRF included). Clients that send no
/// `Origin` (curl, SDKs) are unaffected; their calls carry no cookies to abuse. `None` lets
/// the request through.
pub fn cross_site_refusal(state: &AppState, req: &Request) -> Option<Response> {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return None;
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())?;
    let public_origin = state.config.public_url.origin().ascii_serialization();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let same_host = reqwest::Url::parse(origin)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .is_some_and(|authority| authority == host);
    if origin == public_origin || same_host {
        return None;
    }
    Some(AppError::Forbidden("Cross-site request refused.".into()).into_response())
}
