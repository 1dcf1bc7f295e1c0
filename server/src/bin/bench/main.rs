//! Delivery benchmark: starts the real `plugboard` binary on a fresh database, a fast receiver on
//! 127.0.0.1, publishes through the REST API and prints what it measured. Run it with
//! `scripts/bench` (release build). With `DATABASE_URL` the database server is that one;
//! otherwise a throw-away embedded cluster under target/bench-postgres.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use processes::{start_plugboard, start_receiver, wait_healthy};
use serde_json::{json, Value};
use server::embedded_pg::EmbeddedPostgres;

mod noisy;
mod processes;
mod single;
mod slack;

/// The scenarios to run: those named on the command line (`single`, `batches`, `latency`,
/// `noisy`, `slack`), or all of them.
fn runs(scenario: &str) -> bool {
    let named: Vec<String> = std::env::args().skip(1).collect();
    named.is_empty() || named.iter().any(|n| n == scenario)
}

/// When each delivery (event id, plus the endpoint for fan-out) first arrived.
pub type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (server_url, embedded) = match std::env::var("DATABASE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let pg = EmbeddedPostgres::new(std::path::Path::new("target/bench-postgres"))?;
            pg.start().await?;
            (pg.url("postgres"), Some(pg))
        }
    };
    let database = format!("plugboard_bench_{}", std::process::id());
    let database_url = match server_url.rsplit_once('/') {
        Some((base, rest)) => match rest.split_once('?') {
            Some((_, query)) => format!("{base}/{database}?{query}"),
            None => format!("{base}/{database}"),
        },
        None => return Err("DATABASE_URL has no database part".into()),
    };
    let pool = server::db::connect(&database_url).await?;
    #[derive(Debug, sqlx::FromRow)]
    struct Setting {
        name: String,
        setting: String,
    }
    let settings: Vec<Setting> = sqlx::query_as(
        "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')",
    )
    .fetch_all(&pool)
    .await?;
    let settings: Vec<String> = settings
        .iter()
        .map(|s| format!("{}={}", s.name, s.setting))
        .collect();
    println!(
        "PostgreSQL: {} (every state change committed)",
        settings.join(", ")
    );
    println!(
        "cores: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    let arrivals: Arrivals = Arc::default();
    let receiver_url = start_receiver(arrivals.clone()).await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let slack_api = slack::SlackContract::start()?;
    let plugboard = start_plugboard(&database_url, port, &slack_api.env())?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    wait_healthy(&http, &base).await?;

    let client = Api {
        http,
        base,
        key: String::new(),
    };
    let client = company_api(&pool, &client, "Bench", "bench@bench.test").await?;

    if runs("single") {
        let one = client
            .add_endpoints(&format!("{receiver_url}/single"), 1)
            .await?;
        single::throughput(&client, &pool, &arrivals, 20_000, 64).await?;
        client.delete_endpoints(&one).await?;
    }

    if runs("batches") {
        let one = client
            .add_endpoints(&format!("{receiver_url}/one"), 1)
            .await?;
        let (published, rate, delivered) = throughput(&client, &arrivals, 30_000, 1).await?;
        println!("1 endpoint:   published {published} events at {rate:.0} events/s (batches of 500); {delivered:.0} deliveries/s end to end");
        client.delete_endpoints(&one).await?;

        let ten = client
            .add_endpoints(&format!("{receiver_url}/ten"), 10)
            .await?;
        let (published, rate, delivered) = throughput(&client, &arrivals, 6_000, 10).await?;
        println!("10 endpoints: published {published} events at {rate:.0} events/s (batches of 500); {delivered:.0} deliveries/s end to end");
        client.delete_endpoints(&ten).await?;
    }

    if runs("latency") {
        let latency_endpoint = client
            .add_endpoints(&format!("{receiver_url}/latency"), 1)
            .await?;
        for rate in [200, 500, 1_000, 2_000] {
            latency(
                &client,
                &arrivals,
                rate,
                Duration::from_secs(10),
                "1 endpoint",
            )
            .await?;
        }
        client.delete_endpoints(&latency_endpoint).await?;
    }

    if runs("noisy") {
        let noisy = company_api(&pool, &client, "Noisy", "noisy@bench.test").await?;
        noisy::run(&client, &noisy, &arrivals, &receiver_url).await?;
    }

    if !runs("slack") {
        return finish(plugboard, pool, &server_url, &database, embedded).await;
    }
    // Connections that act: every customer message becomes a Slack message.
    let connection = slack::connect(&client.base, "bench@bench.test", "bench password 1").await?;
    connection.configure(false).await?;
    slack::throughput(&client, &slack_api, 20_000, "replies from Slack off").await?;
    connection.configure(true).await?;
    slack::throughput(
        &client,
        &slack_api,
        20_000,
        "replies from Slack on: threads remembered",
    )
    .await?;
    slack::latency(&client, &slack_api, 500, Duration::from_secs(10)).await?;
    finish(plugboard, pool, &server_url, &database, embedded).await
}

/// Stops Plugboard and drops the benchmark's database (and the embedded cluster, if any).
async fn finish(
    mut plugboard: std::process::Child,
    pool: sqlx::PgPool,
    server_url: &str,
    database: &str,
    embedded: Option<EmbeddedPostgres>,
) -> Result<(), Box<dyn std::error::Error>> {
    let _ = plugboard.kill();
    let _ = plugboard.wait();
    pool.close().await;
    let admin = server::db::connect(server_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .execute(&admin)
        .await?;
    if let Some(pg) = embedded {
        pg.stop().await?;
    }
    Ok(())
}

/// A new company with an admin (`email`, password "bench password 1") and an API key that may
/// do anything, and a client calling as that key.
async fn company_api(
    pool: &sqlx::PgPool,
    api: &Api,
    name: &str,
    email: &str,
) -> Result<Api, Box<dyn std::error::Error>> {
    let (company_id, _) = app::company::service::create_admin_in_company(
        pool,
        name,
        email,
        "bench password 1".into(),
    )
    .await?;
    let new_key = app::api_keys::service::NewKey::validate(
        "bench",
        vec![app::auth::scope::Scope::All],
        None,
    )?;
    let key = app::api_keys::service::create(
        pool,
        company_id,
        &app::audit::service::Actor::command_line(),
        new_key,
    )
    .await?
    .secret;
    Ok(Api {
        http: api.http.clone(),
        base: api.base.clone(),
        key,
    })
}

pub struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

/// A latency sample's order statistics, in milliseconds.
pub struct Percentiles {
    count: usize,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.p50, self.p95, self.p99, self.max
        )
    }
}

impl Percentiles {
    pub fn of(mut latencies: Vec<f64>) -> Self {
        latencies.sort_by(|a, b| a.total_cmp(b));
        let at = |p: f64| {
            let i = ((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1));
            latencies.get(i).copied().unwrap_or(f64::NAN)
        };
        Self {
            count: latencies.len(),
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: latencies.last().copied().unwrap_or(f64::NAN),
        }
    }
}

impl Api {
    /// Publishes `events`, event `n` of batch `b` being `event(b, n)`, in batches of 500 with
    /// four requests in flight; returns how long publishing took.
    async fn publish_batches(
        &self,
        events: usize,
        event: impl Fn(usize, usize) -> Value,
    ) -> Result<Duration, Box<dyn std::error::Error>> {
        let started = Instant::now();
        let batches: Vec<Value> = (0..events.div_ceil(500))
            .map(|b| {
                let batch: Vec<Value> = (0..500.min(events - b * 500))
                    .map(|n| event(b, n))
                    .collect();
                json!({ "events": batch })
            })
            .collect();
        let results = futures::stream::iter(batches)
            .map(|batch| self.post("/api/v1/events/publish_batch", batch))
            .buffer_unordered(4)
            .collect::<Vec<_>>()
            .await;
        for result in results {
            result?;
        }
        Ok(started.elapsed())
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value, Box<dyn std::error::Error>> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await?;
        if !res.status().is_success() {
            return Err(format!("{path}: {} {}", res.status(), res.text().await?).into());
        }
        Ok(res.json().await?)
    }

    async fn add_endpoints(
        &self,
        url: &str,
        n: usize,
    ) -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let mut ids = Vec::new();
        for i in 0..n {
            let created = self.post("/api/v1/webhooks/create", json!({"url": format!("{url}/{i}"), "event_types": ["*"], "headers": {"X-Endpoint": i.to_string()}})).await?;
            ids.push(
                created["endpoint"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        Ok(ids)
    }

    async fn delete_endpoints(&self, ids: &[String]) -> Result<(), Box<dyn std::error::Error>> {
        for id in ids {
            self.post("/api/v1/webhooks/delete", json!({"id": id}))
                .await?;
        }
        Ok(())
    }
}

/// Publishes `events` in batches of 500 (four requests in flight) and waits for every delivery.
async fn throughput(
    api: &Api,
    arrivals: &Arrivals,
    events: usize,
    fan_out: usize,
) -> Result<(usize, f64, f64), Box<dyn std::error::Error>> {
    let before = arrivals.lock().map(|a| a.len()).unwrap_or(0);
    let started = Instant::now();
    let published_in = api
        .publish_batches(events, |b, n| {
            json!({"event_type": "message.sent", "data": {"batch": b, "n": n, "text": "benchmark payload"}})
        })
        .await?;
    let expected = before + events * fan_out;
    let deadline = Instant::now() + Duration::from_secs(300);
    while arrivals.lock().map(|a| a.len()).unwrap_or(0) < expected {
        if Instant::now() > deadline {
            return Err("deliveries did not all arrive within 5 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivered_in = started.elapsed();
    Ok((
        events,
        events as f64 / published_in.as_secs_f64(),
        (events * fan_out) as f64 / delivered_in.as_secs_f64(),
    ))
}

/// Single-event publishes at `rate` per second for `duration`; latency is from the publish
/// response to the delivery's arrival at the receiver.
async fn latency(
    api: &Api,
    arrivals: &Arrivals,
    rate: u32,
    duration: Duration,
    label: &str,
) -> Result<Percentiles, Box<dyn std::error::Error>> {
    let acked: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let total = (rate as u64 * duration.as_secs()) as usize;
    let api = Arc::new(Api {
        http: api.http.clone(),
        base: api.base.clone(),
        key: api.key.clone(),
    });
    for n in 0..total {
        ticker.tick().await;
        let (api, acked) = (api.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"event_type": "message.sent", "data": {"n": n}});
            if let Ok(res) = api.post("/api/v1/events/publish", body).await {
                let at = Instant::now();
                if let (Some(id), Ok(mut acked)) = (res["id"].as_str(), acked.lock()) {
                    // The receiver keys arrivals by event id and endpoint header ("0").
                    acked.push((format!("{id}0"), at));
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let offered_in = started.elapsed();
    let acked = acked.lock().map(|a| a.clone()).unwrap_or_default();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let arrivals = arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    let latencies: Vec<f64> = acked
        .iter()
        .filter_map(|(id, at)| {
            arrivals
                .get(id)
                .map(|arrived| arrived.saturating_duration_since(*at).as_secs_f64() * 1000.0)
        })
        .collect();
    let p = Percentiles::of(latencies);
    println!(
        "latency, {label}, at {rate} events/s offered ({} published in {:.1} s, {} acknowledged, {} delivered): publish response -> first attempt {p}",
        total,
        offered_in.as_secs_f64(),
        acked.len(),
        p.count,
    );
    Ok(p)
}
