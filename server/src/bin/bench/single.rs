//! Single-event publishing, the way most host products publish: one event per request, many
//! requests in flight at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;

use super::{Api, Arrivals, Percentiles};

/// Publishes `events` single events, `concurrency` requests in flight (spread over `apis`, one
/// per server process), to a company with one endpoint, and waits for every delivery. Prints
/// acknowledged publishes a second, the publish response times and deliveries a second end to
/// end, and where the machine's CPU time went.
pub async fn throughput(
    apis: &[Api],
    pool: &sqlx::PgPool,
    arrivals: &Arrivals,
    events: usize,
    concurrency: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    if apis.is_empty() {
        return Err("no server to publish to".into());
    }
    let before = arrivals.lock().map(|a| a.len()).unwrap_or(0);
    let stats_before = DatabaseStats::read(pool).await?;
    let cpu_before = super::cpu::CpuSnapshot::take();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let lanes = futures::stream::iter(0..concurrency)
        .map(|lane| {
            let next = next.clone();
            let api = &apis[lane % apis.len()];
            async move {
                let mut took = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= events {
                        return Ok::<_, String>(took);
                    }
                    let body = json!({"event_type": "message.sent", "data": {"n": n, "text": "benchmark payload, one event per request, about the size a host product sends"}});
                    let sent = Instant::now();
                    api.post("/api/v1/events/publish", body)
                        .await
                        .map_err(|e| e.to_string())?;
                    took.push(sent.elapsed().as_secs_f64() * 1000.0);
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
    let published_in = started.elapsed();
    let mut took = Vec::with_capacity(events);
    for lane in lanes {
        took.extend(lane?);
    }
    let expected = before + events;
    super::measure::wait_for_arrivals(arrivals, expected).await?;
    let delivered_in = started.elapsed();
    let cpu = super::cpu::CpuSnapshot::take()
        .zip(cpu_before)
        .map(|(after, before)| {
            after.report_since(&before, events, "event published and delivered")
        });
    // Backends hand their counters to the statistics at most once a second. Waited for after
    // the last arrival: before it (as until 2026-12-05), the wait counted as delivery time.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let stats = DatabaseStats::read(pool).await?.since(&stats_before);
    let p = Percentiles::of(took);
    println!(
        "1 endpoint, {events} single-event publishes, {concurrency} in flight, {} server process(es): {:.0} publishes/s acknowledged (publish response {p}); {:.0} deliveries/s end to end",
        apis.len(),
        events as f64 / published_in.as_secs_f64(),
        events as f64 / delivered_in.as_secs_f64(),
    );
    println!(
        "  publishing (and the worker meanwhile): {} commits ({:.1} publishes a commit), {} WAL flushes ({:.1} publishes a flush); WAL an event published and delivered: {:.1} records, {:.0} bytes",
        stats.commits,
        events as f64 / stats.commits.max(1) as f64,
        stats.wal_syncs,
        events as f64 / stats.wal_syncs.max(1) as f64,
        stats.wal_records as f64 / events as f64,
        stats.wal_bytes as f64 / events as f64,
    );
    if let Some(cpu) = cpu {
        println!("  {cpu}");
    }
    Ok(())
}

/// Where a disk-bound publish spends its time: commits, and the WAL flushes they wait for; and
/// what the whole run wrote to the WAL (the cluster's, so the machine's other databases count
/// too: the bench's is the only busy one).
#[derive(sqlx::FromRow)]
struct DatabaseStats {
    commits: i64,
    wal_syncs: i64,
    wal_records: i64,
    wal_bytes: i64,
}

impl DatabaseStats {
    async fn read(pool: &sqlx::PgPool) -> Result<Self, sqlx::Error> {
        // The statistics collector publishes its counters at most every half second or so.
        sqlx::query("SELECT pg_stat_clear_snapshot()")
            .execute(pool)
            .await?;
        sqlx::query_as(
            "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
                    wal_sync AS wal_syncs, wal_records, wal_bytes::bigint AS wal_bytes
               FROM pg_stat_wal",
        )
        .fetch_one(pool)
        .await
    }

    fn since(&self, before: &Self) -> Self {
        Self {
            commits: self.commits - before.commits,
            wal_syncs: self.wal_syncs - before.wal_syncs,
            wal_records: self.wal_records - before.wal_records,
            wal_bytes: self.wal_bytes - before.wal_bytes,
        }
    }
}
