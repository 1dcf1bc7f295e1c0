//! The HTTP surface: pages (SSR + hydration), server functions under `/api/v1/<area>/<action>`,
//! static assets and `/healthz`.

use app::error::AppError;
use app::runtime::AppState;
use app::{shell, App};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{middleware, Json, Router};
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use app::auth::session::caller_from_headers;
use app::integrations::catalogue::CALLBACK_PATH;
use app::integrations::oauth::{self, CallbackQuery};
use axum::extract::{DefaultBodyLimit, Path, Query};
use axum::http::HeaderMap;
use axum::response::Redirect;

use std::sync::Arc;

use crate::gate::{self, Gate};
use crate::{headers, input, page_renders, static_files};

/// The pages' routes, generated once per process before any page is served.
///
/// Generating them renders the app with resource loading switched off for the whole process
/// (leptos' `SuppressResourceLoad` is one global flag, and a resource checks it once, when first
/// polled): a page whose resource first polled while a second generation ran would never finish
/// rendering. So a process generates them once and hands them to every server it starts.
#[derive(Clone)]
pub struct PageRoutes(Vec<AxumRouteListing>);

impl PageRoutes {
    pub fn generate() -> Self {
        Self(generate_route_list(App))
    }
}

pub fn build_router(state: AppState, pages: &PageRoutes) -> Router {
    let routes = pages.0.clone();
    let options = state.leptos_options.clone();
    let context_state = state.clone();
    let csp = headers::Csp::new();
    // The document is built once; the input boundary reads each operation's arguments from it.
    let api_base = app::api_keys::service::api_base_url(&state);
    let openapi = Arc::new(app::openapi::document_json(&api_base, &state.catalogue));
    let shapes: input::InputShapes = Arc::new(app::openapi::input_shapes(&openapi));
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route(CALLBACK_PATH, get(oauth_callback))
        .route(SLACK_EVENTS_PATH, post(slack_events))
        // Mail with its attachments: SendGrid allows 30 MB.
        .route(
            "/inbound/email/{provider}",
            post(inbound_email).layer(DefaultBodyLimit::max(INBOUND_EMAIL_LIMIT)),
        )
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(openapi.as_ref().clone()).into_response() }),
        )
        // leptos_routes registers every server function at its own path; anything else under
        // /api gets the JSON error shape.
        .route("/api/{*rest}", any(api_not_found))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
                // The nonce the gate put in this response's policy (`headers::Csp::protect`).
                let nonce = use_context::<http::request::Parts>()
                    .and_then(|parts| parts.extensions.get::<headers::CspNonce>().cloned());
                if let Some(nonce) = nonce {
                    provide_context(Nonce::from_value(nonce.0));
                }
            },
            move || shell(options.clone()),
        );
    let not_found = leptos_axum::file_and_error_handler::<AppState, _>(shell);
    static_files::serve(routes, &state, not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(page_renders::render_to_the_end))
        // One body limit for the API: the input boundary's (413 beyond it), not the
        // extractors' 2 MB default, which would answer a 3 MB publish with a bare 400.
        .layer(DefaultBodyLimit::max(input::MAX_API_BODY))
        .layer(middleware::from_fn_with_state(
            Gate::new(state.clone(), csp, shapes),
            gate::gate,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // For what has no precompressed file beside it (API answers, pages, debug builds).
        // Quality 6 rather than the default (4 for Brotli): measured on the sign-in page and the
        // OpenAPI document, 10-17% and 7% smaller for under half a millisecond more per answer.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(6)))
        .layer(TraceLayer::new_for_http().on_failure(log_failure))
        .with_state(state)
}

/// Server errors are logged, except refusals as overload (503): past capacity they come by the
/// thousand a second, each answered in microseconds, and logging each would cost the CPU the
/// overloaded server is short of (the caller counts them; `Retry-After` tells it when to return).
fn log_failure(class: ServerErrorsFailureClass, latency: std::time::Duration, _: &tracing::Span) {
    match class {
        ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
            tracing::debug!(?latency, "refused as overload (503)")
        }
        class => tracing::error!(classification = %class, ?latency, "response failed"),
    }
}

/// Where Slack sends the Events API requests (the app's Request URL: `PUBLIC_URL` + this).
pub const SLACK_EVENTS_PATH: &str = "/inbound/slack/events";

async fn slack_events(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    use app::actions::slack_replies::{receive, Answer};
    match receive(&state, &headers, &body).await {
        Ok(Answer::Challenge(challenge)) => {
            Json(serde_json::json!({ "challenge": challenge })).into_response()
        }
        Ok(Answer::Accepted) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}

const INBOUND_EMAIL_LIMIT: usize = 32 * 1024 * 1024;

/// Postmark's, Mailgun's or SendGrid's inbound-parse webhook.
async fn inbound_email(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    use app::inbound_email::{receive, Provider};
    let Some(provider) = Provider::from_path(&provider) else {
        return AppError::NotFound(format!(
            "No inbound email provider {provider:?}: use postmark, mailgun or sendgrid."
        ))
        .into_response();
    };
    let (status, body) = receive(&state, provider, &headers, body).await;
    (status, Json(body)).into_response()
}

async fn api_not_found(req: Request<Body>) -> Response {
    AppError::NotFound(format!("No API endpoint at {}.", req.uri().path())).into_response()
}

async fn method_not_allowed(req: Request<Body>) -> Response {
    let message = format!("{} is not allowed on {}.", req.method(), req.uri().path());
    AppError::MethodNotAllowed(message).into_response()
}

/// Where providers send the browser back. Success lands on the Connected tab, which shows the
/// success dialog; any failure lands on the Available tab with an error code for its dialog.
async fn oauth_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let caller = match caller_from_headers(&state, &headers).await {
        Ok(Some(caller)) => caller,
        // The page guard already sent signed-out browsers to sign in; this is a lost race.
        _ => return Redirect::to("/signin").into_response(),
    };
    match oauth::complete(&state, &caller, query).await {
        Ok((slug, id)) => Redirect::to(&format!(
            "/integrations/connected?connected={id}&provider={slug}"
        ))
        .into_response(),
        Err(failure) => {
            // The detail is the provider's text: logged quoted and escaped (Debug), so a
            // newline in it cannot forge a log line.
            tracing::info!(code = failure.code, detail = ?failure.detail, "OAuth connection failed");
            let mut target = url::form_urlencoded::Serializer::new(String::new());
            target.append_pair("oauth_error", failure.code);
            target.append_pair("detail", &failure.detail);
            // Not `provider`, which would open that provider's details under the error.
            if let Some(provider) = failure
                .provider
                .as_deref()
                .and_then(|slug| state.catalogue.get(slug))
            {
                target.append_pair("oauth_provider", &provider.def.slug);
                target.append_pair("provider_name", &provider.def.name);
            }
            Redirect::to(&format!("/integrations/available?{}", target.finish())).into_response()
        }
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.pool)
        .await
    {
        Ok(_) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::warn!("health check: database unreachable: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "database": "unreachable"})),
            )
                .into_response()
        }
    }
}
