//! Request guards in front of the router.

use app::auth::access::Principal;
use app::error::AppError;
use app::server::AppState;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use app::validate::local_redirect;

use crate::router::json_error;

/// Pages need a session: without one, a redirect to sign-in that comes back afterwards. The
/// sign-in page itself sends signed-in admins on to the app. Server functions answer 401 JSON
/// themselves; assets and the health check are public.
pub async fn pages_require_session(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if req.method() != Method::GET || is_public(path) {
        return next.run(req).await;
    }
    // `authenticate` (the layer outside this one) already looked the session up.
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
            Redirect::to(&local_redirect(next.as_deref())).into_response()
        }
        (false, false) => {
            let here = req
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str())
                .unwrap_or("/");
            let next_param: String =
                url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
            Redirect::to(&format!("/signin?next={next_param}")).into_response()
        }
        _ => next.run(req).await,
    }
}

fn is_public(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/pkg/")
        || path == "/healthz"
        // Static files from `public/` (anything with an extension) hold no secrets.
        || path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// A browser always names the page that sent a POST in `Origin`; one from another site is
/// refused before it reaches a server function (login CSRF included). Clients that send no
/// `Origin` (curl, SDKs) are unaffected; their calls carry no cookies to abuse.
pub async fn reject_cross_site_posts(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return next.run(req).await;
    }
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return next.run(req).await;
    };
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
        return next.run(req).await;
    }
    json_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        "Cross-site request refused.",
    )
}

/// The largest request body the API reads (a batch of events is the biggest legitimate one).
pub const MAX_API_BODY: usize = 16 * 1024 * 1024;

/// The API's input boundary: bodies over [`MAX_API_BODY`] are refused with 413, and text
/// containing U+0000 anywhere (query parameters, form fields, JSON strings or object keys) with
/// 400 naming the field. PostgreSQL stores no NUL in `text` or `jsonb`; refusing here keeps
/// every function from answering 500 for it, and the message never echoes the value.
pub async fn check_api_input(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    if let Some(field) = req.uri().query().and_then(nul_in_form) {
        return nul_refused(&field);
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_API_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return AppError::PayloadTooLarge {
                field: "body".into(),
                message: format!(
                    "The request body is larger than {} MB.",
                    MAX_API_BODY / (1024 * 1024)
                ),
            }
            .into_response()
        }
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let nul_field = if content_type.starts_with("application/x-www-form-urlencoded") {
        std::str::from_utf8(&bytes).ok().and_then(nul_in_form)
    } else if contains(&bytes, b"\\u0000") {
        // Only a JSON escape can put a NUL in a JSON string; most bodies skip the parse.
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|value| nul_in_json(&value, ""))
    } else {
        None
    };
    if let Some(field) = nul_field {
        return nul_refused(&field);
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The first form field (or query parameter) whose name or value holds a NUL.
fn nul_in_form(text: &str) -> Option<String> {
    url::form_urlencoded::parse(text.as_bytes()).find_map(|(name, value)| {
        match (name.contains('\0'), value.contains('\0')) {
            (true, _) => Some("query".to_string()),
            (false, true) => Some(name.into_owned()),
            _ => None,
        }
    })
}

/// The path (`data.items[2].note`) of the first JSON string or key holding a NUL.
fn nul_in_json(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    let at = |path: &str| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(at(path)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in_json(item, &format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(at(path));
            }
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            nul_in_json(item, &child)
        }),
        _ => None,
    }
}

fn nul_refused(field: &str) -> Response {
    AppError::bad_request(
        field,
        format!("`{field}` contains a NUL character (U+0000), which cannot be stored."),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_characters_are_found_by_field_path() {
        let body =
            json!({"event_type": "x", "data": {"items": [{"ok": "fine"}, {"note": "a\u{0}b"}]}});
        assert_eq!(
            nul_in_json(&body, "").as_deref(),
            Some("data.items[1].note")
        );
        let key = json!({"data": {"bad\u{0}key": 1}});
        assert_eq!(nul_in_json(&key, "").as_deref(), Some("data"));
        assert_eq!(nul_in_json(&json!({"text": "clean"}), ""), None);
        assert_eq!(
            nul_in_form("email=a%00b&password=x").as_deref(),
            Some("email")
        );
        assert_eq!(nul_in_form("email=ok&password=x"), None);
    }
}
