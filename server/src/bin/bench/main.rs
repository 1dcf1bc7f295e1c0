//! Delivery benchmark: starts the real `plugboard` binary on a fresh database, a fast receiver on
//! 127.0.0.1, publishes through the REST API and prints what it measured. Run it with
//! `scripts/bench` (release build). With `DATABASE_URL` the database server is that one;
//! otherwise a throw-away embedded cluster under target/bench-postgres.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use api::{company_api, Api};
pub use measure::{latency, throughput, Percentiles};
use processes::{start_plugboard, start_receiver, wait_healthy};
use server::embedded_pg::EmbeddedPostgres;

mod activity;
mod api;
mod background;
mod cpu;
mod ids;
mod measure;
mod noisy;
mod phases;
mod processes;
mod prune;
mod single;
mod slack;

/// The scenarios to run: those named on the command line (`single`, `processes`, `batches`,
/// `latency`, `noisy`, `prune`, `ids`, `slack`), or all of them.
fn runs(scenario: &str) -> bool {
    let named: Vec<String> = std::env::args().skip(1).collect();
    named.is_empty() || named.iter().any(|n| n == scenario)
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
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
        "PostgreSQL: {} (publishes and outcomes wait for their commit's flush; claims do not)",
        settings.join(", ")
    );
    println!(
        "cores: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    let arrivals: Arrivals = Arc::default();
    let repeats = Arc::new(AtomicUsize::new(0));
    let receiver_url = start_receiver(arrivals.clone(), repeats.clone()).await?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let slack_api = slack::SlackContract::start()?;
    let master_key = processes::master_key();
    let plugboard = start_plugboard(&master_key, &database_url, port, &slack_api.env())?;
    // Whatever fails from here on, the server is stopped and the database dropped.
    let outcome: Result<(), Box<dyn std::error::Error>> = async {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?;
        wait_healthy(&http, &base).await?;
        keep_days(&pool).await?;

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
            single::throughput(std::slice::from_ref(&client), &pool, &arrivals, 20_000, 64).await?;
            client.delete_endpoints(&one).await?;
        }

        if runs("processes") {
            // A second server process on the same database: publishes go to both, both workers
            // claim from the same queue.
            let port = free_port()?;
            let mut second = start_plugboard(&master_key, &database_url, port, &slack_api.env())?;
            let beside = Api {
                base: format!("http://127.0.0.1:{port}"),
                ..client.clone()
            };
            let measured = async {
                wait_healthy(&client.http, &beside.base).await?;
                let one = client
                    .add_endpoints(&format!("{receiver_url}/processes"), 1)
                    .await?;
                let repeated_before = repeats.load(Ordering::Relaxed);
                single::throughput(&[client.clone(), beside], &pool, &arrivals, 20_000, 64).await?;
                let repeated = repeats.load(Ordering::Relaxed) - repeated_before;
                let attempts: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                      WHERE d.endpoint_id = $1::uuid",
                )
                .bind(&one[0])
                .fetch_one(&pool)
                .await?;
                println!("  2 server processes: {attempts} attempts recorded for 20000 deliveries; {repeated} deliveries arrived more than once");
                client.delete_endpoints(&one).await
            }
            .await;
            let _ = second.kill();
            let _ = second.wait();
            measured?;
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
            // PLUGBOARD_BENCH_RATES=200,200 measures only those rates, in that order.
            let rates: Vec<u32> = std::env::var("PLUGBOARD_BENCH_RATES")
                .ok()
                .map(|rates| {
                    rates
                        .split(',')
                        .filter_map(|r| r.trim().parse().ok())
                        .collect()
                })
                .unwrap_or_else(|| vec![200, 500, 1_000, 2_000, 5_000]);
            for rate in rates {
                latency(
                    &client,
                    &pool,
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
            noisy::run(&client, &noisy, &pool, &arrivals, &receiver_url).await?;
        }

        if runs("prune") {
            let endpoint = client
                .add_endpoints(&format!("{receiver_url}/prune"), 1)
                .await?;
            let rows = std::env::var("PLUGBOARD_BENCH_PRUNE_ROWS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(500_000);
            prune::run(&pool, &endpoint[0], rows).await?;
            client.delete_endpoints(&endpoint).await?;
        }

        if runs("ids") {
            let rows = std::env::var("PLUGBOARD_BENCH_IDS_ROWS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(2_000_000);
            ids::run(&pool, rows).await?;
        }

        if runs("slack") {
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
        }
        Ok(())
    }
    .await;
    let finished = finish(plugboard, pool, &server_url, &database, embedded).await;
    outcome.and(finished)
}

/// Makes the past days' partitions of the delivery log (attempts, finished deliveries, events)
/// that an installation keeping its log for the default 30 days has, empty:
/// `PLUGBOARD_BENCH_DAYS_KEPT` days (30 unless set; 0 leaves the fresh database's today and
/// week ahead). Statements whose plans name every day cost more with more days.
async fn keep_days(pool: &sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
    use app::delivery::partitions::{make_day, LogTable};
    let days: u64 = std::env::var("PLUGBOARD_BENCH_DAYS_KEPT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(30);
    let today = chrono::Utc::now().date_naive();
    for back in 1..=days {
        let Some(day) = today.checked_sub_days(chrono::Days::new(back)) else {
            break;
        };
        for table in [LogTable::Attempts, LogTable::Deliveries, LogTable::Events] {
            make_day(pool, table, day).await?;
        }
    }
    println!("log kept: {days} past days of partitions (empty) besides today and the week ahead");
    Ok(())
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
    // Not `server::db::connect`: that would run Plugboard's migrations on the server's own
    // database (`postgres`), which is only where the benchmark's database is dropped from.
    let admin = sqlx::PgPool::connect(server_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .execute(&admin)
        .await?;
    if let Some(pg) = embedded {
        pg.stop().await?;
    }
    Ok(())
}
