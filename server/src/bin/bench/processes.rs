//! The benchmark's moving parts: a fast receiver that records when each delivery arrived, and the
//! real `plugboard` binary started on a throw-away database.

use std::collections::hash_map::Entry;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;

use super::Arrivals;

/// A receiver on 127.0.0.1: records when each delivery first arrived in `arrivals` and counts
/// deliveries that arrived again in `repeats`.
pub async fn start_receiver(
    arrivals: Arrivals,
    repeats: Arc<AtomicUsize>,
) -> Result<String, Box<dyn std::error::Error>> {
    async fn receive(
        State((arrivals, repeats)): State<(Arrivals, Arc<AtomicUsize>)>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        _body: Bytes,
    ) -> &'static str {
        // A slow endpoint (the noisy neighbour's) answers after 2 s.
        if uri.path().starts_with("/slow") {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let at = Instant::now();
        let id = headers.get("webhook-id").and_then(|v| v.to_str().ok());
        if let (Some(id), Ok(mut arrivals)) = (id, arrivals.lock()) {
            // The first attempt counts; a repeat (if any) does not move it.
            let key = format!(
                "{id}{}",
                headers
                    .get("x-endpoint")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
            );
            match arrivals.entry(key) {
                Entry::Occupied(_) => {
                    repeats.fetch_add(1, Ordering::Relaxed);
                }
                Entry::Vacant(first) => {
                    first.insert(at);
                }
            }
        }
        "ok"
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let app = axum::Router::new()
        .fallback(receive)
        .with_state((arrivals, repeats));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

/// Starts `plugboard serve`; every process on one database needs the same `master_key`.
pub fn start_plugboard(
    master_key: &str,
    database_url: &str,
    port: u16,
    env: &[(String, String)],
) -> Result<Child, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?.with_file_name("plugboard");
    Ok(Command::new(exe)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("PLUGBOARD_MASTER_KEY", master_key)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("PLUGBOARD_ALLOW_HTTP_WEBHOOKS", "true")
        .env("PLUGBOARD_ALLOW_PRIVATE_WEBHOOKS", "true")
        .env("PLUGBOARD_PUBLISH_RATE_LIMIT_PER_SECOND", "100000")
        .env("PLUGBOARD_RATE_LIMIT_PER_MINUTE", "100000")
        .env("PLUGBOARD_RATE_LIMIT_PER_HOUR", "1000000")
        // The prune scenario writes days 40 days back and prunes them itself; the server's own
        // maintenance (every 10 minutes) must not drop them first.
        .env("PLUGBOARD_WEBHOOK_LOG_RETENTION_DAYS", "90")
        // PLUGBOARD_BENCH_SERVER_LOG=info,app::delivery=debug logs each delivery step's time.
        .env(
            "RUST_LOG",
            std::env::var("PLUGBOARD_BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .spawn()?)
}

/// A random master key, as `PLUGBOARD_MASTER_KEY` takes it.
pub fn master_key() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
}

pub async fn wait_healthy(
    http: &reqwest::Client,
    base: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    for _ in 0..300 {
        if let Ok(res) = http.get(format!("{base}/healthz")).send().await {
            if res.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("plugboard did not become healthy".into())
}
