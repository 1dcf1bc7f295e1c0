//! Measuring: throughput of batched publishes, and latency of single publishes offered at a
//! steady rate, as order statistics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{Api, Arrivals};

/// A latency sample's order statistics, in milliseconds.
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
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

/// Waits until `expected` deliveries have arrived, five minutes at most.
pub async fn wait_for_arrivals(
    arrivals: &Arrivals,
    expected: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let deadline = Instant::now() + Duration::from_secs(300);
    while arrivals.lock().map(|a| a.len()).unwrap_or(0) < expected {
        if Instant::now() > deadline {
            return Err("deliveries did not all arrive within 5 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// Publishes `events` in batches of 500 (four requests in flight) and waits for every delivery.
pub async fn throughput(
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
    wait_for_arrivals(arrivals, expected).await?;
    let delivered_in = started.elapsed();
    Ok((
        events,
        events as f64 / published_in.as_secs_f64(),
        (events * fan_out) as f64 / delivered_in.as_secs_f64(),
    ))
}

/// What offering single publishes at a steady rate gave.
pub struct Offered<T> {
    /// For every acknowledged publish: its tag and when the response came.
    pub acked: Vec<(String, T)>,
    /// Response times of acknowledged publishes, in milliseconds.
    pub acked_ms: Vec<f64>,
    /// Response times of publishes refused as overload (503 or 429), in milliseconds.
    pub refused_ms: Vec<f64>,
    /// Publishes that failed otherwise (another status, or no answer).
    pub failed: usize,
    /// Publishes offered.
    pub total: usize,
    /// How long offering took.
    pub offered_in: Duration,
}

/// Publishes `body(n)` as a single event `rate` times a second for `duration`, each request on
/// its own task; `tag(n, response)` names each acknowledged publish, stamped with `now()`.
pub async fn offer<T: Send + 'static>(
    api: &Api,
    rate: u32,
    duration: Duration,
    body: impl Fn(usize) -> Value,
    tag: impl Fn(usize, &Value) -> Option<String> + Send + Sync + Copy + 'static,
    now: fn() -> T,
) -> Offered<T> {
    enum Answer<T> {
        Acked(Option<(String, T)>, f64),
        Refused(f64),
        Failed,
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let total = (rate as u64 * duration.as_secs()) as usize;
    let api = Arc::new(api.clone());
    let mut tasks = Vec::new();
    for n in 0..total {
        ticker.tick().await;
        let (api, body) = (api.clone(), body(n));
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let res = api
                .http
                .post(format!("{}/api/v1/events/publish", api.base))
                .bearer_auth(&api.key)
                .json(&body)
                .send()
                .await;
            let Ok(res) = res else { return Answer::Failed };
            let status = res.status().as_u16();
            let answer = res.json::<Value>().await;
            let took = sent.elapsed().as_secs_f64() * 1000.0;
            match (status, answer) {
                (200..=299, Ok(answer)) => Answer::Acked(tag(n, &answer).map(|t| (t, now())), took),
                (503 | 429, _) => Answer::Refused(took),
                _ => Answer::Failed,
            }
        }));
    }
    let mut offered = Offered {
        acked: Vec::new(),
        acked_ms: Vec::new(),
        refused_ms: Vec::new(),
        failed: 0,
        total,
        offered_in: Duration::ZERO,
    };
    for task in tasks {
        match task.await {
            Ok(Answer::Acked(tagged, took)) => {
                offered.acked.extend(tagged);
                offered.acked_ms.push(took);
            }
            Ok(Answer::Refused(took)) => offered.refused_ms.push(took),
            Ok(Answer::Failed) | Err(_) => offered.failed += 1,
        }
    }
    offered.offered_in = started.elapsed();
    offered
}

/// Single-event publishes at `rate` per second for `duration`; latency is from the publish
/// response to the delivery's arrival at the receiver. Past capacity, publishes refused as
/// overload are counted with their response times.
/// Offered at each rate before the measured run.
const WARM_UP: Duration = Duration::from_secs(2);

pub async fn latency(
    api: &Api,
    pool: &sqlx::PgPool,
    arrivals: &Arrivals,
    rate: u32,
    duration: Duration,
    label: &str,
) -> Result<Percentiles, Box<dyn std::error::Error>> {
    let body = |n| json!({"event_type": "message.sent", "data": {"n": n}});
    // The first second at a rate opens the pool's connections and prepares their statements
    // (at 200/s a p99 of 2.4-2.8 ms, against 1.1-1.4 ms after it): what is measured is the
    // steady state, after this warm-up at the same rate.
    offer(
        api,
        rate,
        WARM_UP,
        body,
        |_, _| None::<String>,
        Instant::now,
    )
    .await;
    let cpu_before = super::cpu::CpuSnapshot::take();
    let background_before = super::background::Background::take(pool).await;
    let sampler = super::activity::Sampler::start(pool).await;
    let offered = offer(
        api,
        rate,
        duration,
        body,
        // The receiver keys arrivals by event id and endpoint header ("0").
        |_, res| res["id"].as_str().map(|id| format!("{id}0")),
        Instant::now,
    )
    .await;
    let activity = match sampler {
        Some(sampler) => Some(sampler.finish().await),
        None => None,
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cpu = super::cpu::CpuSnapshot::take()
        .zip(cpu_before)
        .map(|(after, before)| after.report_since(&before, offered.acked.len(), "event"));
    let background = super::background::Background::take(pool)
        .await
        .zip(background_before)
        .map(|(after, before)| after.since(&before));
    let arrivals = arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    let latencies: Vec<f64> = offered
        .acked
        .iter()
        .filter_map(|(id, at)| {
            arrivals
                .get(id)
                .map(|arrived| arrived.saturating_duration_since(*at).as_secs_f64() * 1000.0)
        })
        .collect();
    let p = Percentiles::of(latencies);
    println!(
        "latency, {label}, at {rate} events/s offered (after {} s of warm-up, {} published in {:.1} s, {} acknowledged, {} delivered): publish response -> first attempt {p}",
        WARM_UP.as_secs(),
        offered.total,
        offered.offered_in.as_secs_f64(),
        offered.acked.len(),
        p.count,
    );
    println!(
        "  publish response times: acknowledged {}",
        Percentiles::of(offered.acked_ms)
    );
    super::phases::print(pool, &offered.acked, &arrivals).await?;
    if let Some(cpu) = cpu {
        println!("  {cpu}");
    }
    if let Some(background) = background {
        println!("  {background}");
    }
    if let Some(activity) = activity {
        println!("  {}", activity.report());
    }
    if !offered.refused_ms.is_empty() || offered.failed > 0 {
        println!(
            "  refused as overload (503/429): {}, answered in {}; failed otherwise: {}",
            offered.refused_ms.len(),
            Percentiles::of(offered.refused_ms),
            offered.failed,
        );
    }
    Ok(p)
}
