//! Static files: the site's `pkg/` (wasm, JS, CSS built by cargo-leptos) and the `public/`
//! assets beside it. Both answer conditional requests (`Last-Modified`, 304) and serve the
//! precompressed `.br`/`.gz` a release build writes. A hashed build's `pkg/` names change with
//! their content, so those are cached for a year without asking again; everything else is
//! revalidated on each use, since its name stays when its content changes.
//! (leptos_axum's own file handler passes only `Accept-Encoding` on, so it never answers 304.)

use app::runtime::AppState;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::services::ServeDir;

/// Hashed names never change content.
const FOREVER: &str = "public, max-age=31536000, immutable";
/// Stored, but checked with the server (a 304 when unchanged) before each use.
const REVALIDATE: &str = "no-cache";

/// `router` with `/pkg` and the site's other files, falling back to `not_found` (the app's
/// 404 page) for paths that are not files.
pub fn serve<H, T>(router: Router<AppState>, state: &AppState, not_found: H) -> Router<AppState>
where
    H: axum::handler::Handler<T, AppState> + Clone + Send + Sync + 'static,
    T: 'static,
{
    let options = &state.leptos_options;
    let root = options.site_root.to_string();
    let pkg_dir = format!("{root}/{}", options.site_pkg_dir);
    let pkg_cache = if options.hash_files {
        FOREVER
    } else {
        REVALIDATE
    };
    let pkg = ServeDir::new(pkg_dir)
        .precompressed_br()
        .precompressed_gzip();
    let site = ServeDir::new(root)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found.with_state(state.clone()));
    router
        .nest_service(
            &format!("/{}", options.site_pkg_dir),
            Router::new()
                .fallback_service(pkg)
                .layer(middleware::from_fn(move |req, next| {
                    cache_for(pkg_cache, req, next)
                })),
        )
        .fallback_service(
            Router::new()
                .fallback_service(site)
                .layer(middleware::from_fn(move |req, next| {
                    cache_for(REVALIDATE, req, next)
                })),
        )
}

/// Files (found, or unchanged since the caller's copy) get `cache_control` and
/// `Vary: Accept-Encoding`; anything else keeps what it had (the 404 page is `no-store` like
/// every page). tower-http names the header on the uncompressed answer only, but a shared cache
/// (a CDN in front) must also know that the Brotli one it stored is not for every browser.
async fn cache_for(cache_control: &'static str, req: Request<Body>, next: Next) -> Response {
    let mut response = next.run(req).await;
    let is_file = response.status() == StatusCode::NOT_MODIFIED
        || (response.status() == StatusCode::OK
            && response.headers().contains_key(header::LAST_MODIFIED));
    if is_file {
        let headers = response.headers_mut();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}
