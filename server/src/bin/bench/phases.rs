//! Where a delivery's latency goes: from the publish response to its first attempt starting
//! (waking the worker, claiming, loading the destination, signing) and from there to its arrival
//! (the request on the wire and the receiver reading it). The attempt's start is the time the
//! worker stamped in the attempt log, so the two processes' readings of one wall clock meet.

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Percentiles;

#[derive(sqlx::FromRow)]
struct FirstAttempt {
    event_id: Uuid,
    started_at: DateTime<Utc>,
}

/// The split of each acknowledged publish (tagged `evt_{event id}0`, stamped when its response came)
/// that arrived, and of the slowest 1% of them.
pub async fn print(
    pool: &PgPool,
    acked: &[(String, Instant)],
    arrivals: &HashMap<String, Instant>,
) -> Result<(), sqlx::Error> {
    // One reading of both clocks turns the bench's instants into wall-clock times.
    let (instant_0, wall_0) = (Instant::now(), DateTime::<Utc>::from(SystemTime::now()));
    let wall = |at: Instant| match instant_0.checked_duration_since(at) {
        Some(before) => wall_0 - before,
        None => wall_0 + at.duration_since(instant_0),
    };
    let ids: Vec<Uuid> = acked.iter().filter_map(|(tag, _)| event_id(tag)).collect();
    let started: HashMap<Uuid, DateTime<Utc>> = sqlx::query_as::<_, FirstAttempt>(
        "SELECT d.event_id, a.started_at FROM deliveries d
           JOIN delivery_attempts a ON a.delivery_id = d.id AND a.attempt = 1
          WHERE d.event_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|row| (row.event_id, row.started_at))
    .collect();
    let ms = |from: DateTime<Utc>, to: DateTime<Utc>| (to - from).as_seconds_f64() * 1000.0;
    // (whole, to the attempt's start, from there to arrival), in milliseconds.
    let mut splits: Vec<(f64, f64, f64)> = acked
        .iter()
        .filter_map(|(tag, answered)| {
            let arrived = wall(*arrivals.get(tag)?);
            let started = *started.get(&event_id(tag)?)?;
            let answered = wall(*answered);
            Some((
                ms(answered, arrived),
                ms(answered, started),
                ms(started, arrived),
            ))
        })
        .collect();
    if splits.is_empty() {
        return Ok(());
    }
    splits.sort_by(|a, b| a.0.total_cmp(&b.0));
    let slowest = &splits[splits.len() - splits.len().div_ceil(100)..];
    let mean =
        |f: fn(&(f64, f64, f64)) -> f64| slowest.iter().map(f).sum::<f64>() / slowest.len() as f64;
    println!(
        "  publish response -> attempt started {}\n  attempt started -> arrival {}\n  the slowest 1% ({}): {:.2} ms to the attempt's start, {:.2} ms from there, on average",
        Percentiles::of(splits.iter().map(|s| s.1).collect()),
        Percentiles::of(splits.iter().map(|s| s.2).collect()),
        slowest.len(),
        mean(|s| s.1),
        mean(|s| s.2),
    );
    Ok(())
}

/// The event id in a tag: the public id (`evt_` and the id's 32 hex digits), then the endpoint.
fn event_id(tag: &str) -> Option<Uuid> {
    tag.strip_prefix("evt_")?.get(..32)?.parse().ok()
}
