#![recursion_limit = "512"]
//! The Plugboard server: configuration, the embedded database, the router and the background
//! tasks. `main.rs` is only the command line around it; tests drive it through [`serve`].

pub mod cli;
pub mod config;
pub mod db;
pub mod embedded_pg;
pub mod error;
pub mod gate;
pub mod guards;
pub mod headers;
pub mod input;
pub mod maintenance;
pub mod page_renders;
pub mod router;
pub mod static_files;
pub mod worker;

use std::net::SocketAddr;

use app::runtime::AppState;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use error::ServerError;
pub use router::PageRoutes;

/// Serves `state` on `listener` until `shutdown` flips to true, with the background tasks
/// alongside. Returns once in-flight requests have finished. `pages` comes from
/// [`PageRoutes::generate`], once per process, before any server in it starts.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    pages: &PageRoutes,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ServerError> {
    let sealed = app::webhooks::secrets::seal_legacy_headers(&state.pool, &state.cipher).await?;
    if sealed > 0 {
        tracing::info!("sealed the custom header values of {sealed} webhook endpoints");
    }
    let maintenance = tokio::spawn(maintenance::run(state.clone(), shutdown.clone()));
    let refresher = tokio::spawn(maintenance::refresh_tokens(state.clone(), shutdown.clone()));
    let key_usage = tokio::spawn(maintenance::record_key_usage(
        state.clone(),
        shutdown.clone(),
    ));
    let summaries = tokio::spawn(maintenance::daily_summaries(
        state.clone(),
        shutdown.clone(),
    ));
    let deliveries = tokio::spawn(worker::run(state.clone(), shutdown.clone()));
    let app =
        router::build_router(state, pages).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await?;
    let _ = maintenance.await;
    let _ = refresher.await;
    let _ = key_usage.await;
    let _ = summaries.await;
    let _ = deliveries.await;
    Ok(())
}
