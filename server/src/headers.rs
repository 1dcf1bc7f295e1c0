//! Response headers that protect pages and API answers: a Content-Security-Policy for pages
//! (scripts only from this origin, the hydration scripts by a per-response nonce, the theme
//! boot script by its hash, wasm allowed to compile), `X-Frame-Options: DENY` and a
//! `Referrer-Policy`, and `Cache-Control: no-store` on everything that is not a static asset,
//! since pages and API answers carry private data and secrets shown once. Static assets (public
//! code, styles and images) get only `nosniff` (set for every answer in the router): framing
//! them or their referrers exposes nothing, and the two headers would cost some 70 bytes on each
//! of the dozen files a first page fetches. A file path that names no file gets the 404 page,
//! with the frame and referrer rules of a page.

use app::runtime::paths::is_static_file;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The nonce of this response's inline scripts; `leptos_axum` reads it back through the
/// request's parts (see the router's context).
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// What the policy needs to know once: the hash of the inline theme script.
#[derive(Debug, Clone)]
pub struct Csp {
    theme_script_hash: String,
}

impl Csp {
    pub fn new() -> Self {
        let digest = Sha256::digest(app::THEME_BOOT_SCRIPT.as_bytes());
        Self {
            theme_script_hash: STANDARD.encode(digest),
        }
    }

    fn policy(&self, nonce: &str) -> String {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'sha256-{hash}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            hash = self.theme_script_hash
        )
    }
}

impl Default for Csp {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`Csp::protect`] decided from the request, for its response.
pub struct Protection {
    asset: bool,
    nonce: Option<String>,
}

impl Csp {
    /// Looks at the request before it is answered: a page gets its nonce (in the request's
    /// extensions, for the hydration scripts).
    pub fn protect(&self, req: &mut Request) -> Protection {
        let path = req.uri().path();
        if is_static_file(path) {
            return Protection {
                asset: true,
                nonce: None,
            };
        }
        let page = !path.starts_with("/api/");
        let nonce = page.then(|| {
            let mut bytes = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            URL_SAFE_NO_PAD.encode(bytes)
        });
        if let Some(nonce) = &nonce {
            req.extensions_mut().insert(CspNonce(nonce.clone()));
        }
        Protection {
            asset: false,
            nonce,
        }
    }
}

impl Protection {
    /// The response with its protecting headers.
    pub fn apply(self, csp: &Csp, mut response: Response) -> Response {
        if self.asset {
            // A path that names no file gets the app's 404 page: a page all the same.
            if is_html(&response) {
                frame_and_referrer_rules(response.headers_mut());
            }
            return response;
        }
        let headers = response.headers_mut();
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
        frame_and_referrer_rules(headers);
        if let (Some(nonce), true) = (self.nonce, is_html(&response)) {
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&csp.policy(&nonce)) {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
        }
        response
    }
}

fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// Not to be framed (clickjacking), and no full address sent to other sites.
fn frame_and_referrer_rules(headers: &mut HeaderMap) {
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
}
