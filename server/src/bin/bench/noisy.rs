//! The noisy neighbour: company A floods an endpoint that answers in 2 s while company B
//! publishes 50 events a second to a fast one. B's latency is measured idle, then under the
//! flood; fair claiming must keep it within 2x.

use std::time::Duration;

use serde_json::json;

use super::{latency, Api, Arrivals};

/// Events company A floods its slow endpoint with.
const FLOOD: usize = 20_000;

/// How long B's latency is measured, alone and beside the flood: 1,500 events at 50/s, so
/// that the p99 is the 15th slowest of them, not the 5th of 500 (whose ratio moved from 0.7x
/// to 3.2x between runs of one build).
const ROUND: Duration = Duration::from_secs(30);

pub async fn run(
    quiet: &Api,
    noisy: &Api,
    pool: &sqlx::PgPool,
    arrivals: &Arrivals,
    receiver_url: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let fast = quiet
        .add_endpoints(&format!("{receiver_url}/quiet"), 1)
        .await?;
    let idle = latency(quiet, pool, arrivals, 50, ROUND, "company B alone").await?;

    // The receiver answers anything under /slow after 2 s.
    let slow = noisy
        .add_endpoints(&format!("{receiver_url}/slow"), 1)
        .await?;
    noisy
        .publish_batches(
            FLOOD,
            |b, n| json!({"event_type": "message.sent", "data": {"flood": b * 500 + n}}),
        )
        .await?;
    let busy = latency(
        quiet,
        pool,
        arrivals,
        50,
        ROUND,
        "company B while company A floods a 2 s endpoint",
    )
    .await?;
    println!(
        "noisy neighbour: company B's p99 {:.1} ms alone, {:.1} ms beside the flood ({:.2}x; target at most 2x)",
        idle.p99,
        busy.p99,
        busy.p99 / idle.p99
    );
    // Deleting the endpoint drops the rest of the flood.
    noisy.delete_endpoints(&slow).await?;
    quiet.delete_endpoints(&fast).await?;
    Ok(())
}
