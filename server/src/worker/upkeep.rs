//! The worker's upkeep beside claiming and sending: finished deliveries filed into their days,
//! the queue tables' statistics kept up with a flood, and the queue's dead rows vacuumed.

use std::time::Duration;

use app::delivery::{filing, statistics, vacuum};
use app::runtime::AppState;
use tokio::sync::watch;

/// How often finished deliveries are filed into their days: often, so each batch is small and
/// holds the CPU briefly (measured against once a second: a lower p99 at 500-5,000/s).
const FILING_EVERY: Duration = Duration::from_millis(250);

/// Files deliveries that finished in the live partition into their days
/// ([`filing::file_finished`]), in batches: what small batches of outcomes finished in place.
pub(super) async fn file_finished(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(FILING_EVERY) => {}
            _ = shutdown.changed() => return,
        }
        if let Err(e) = filing::file_all_finished(&state.pool).await {
            tracing::warn!("filing finished deliveries: {e}");
        }
    }
}

/// How often the queue tables' growth is checked when no publish says so first.
const STATISTICS_EVERY: Duration = Duration::from_secs(2);

/// Analyses the queue's tables once they outgrow their statistics
/// ([`statistics::refresh_outgrown`]), so the claim's and the recorder's plans follow a flood
/// within a fraction of a second rather than at autovacuum's next round. Woken by this
/// process's publishes as they queue deliveries, and every couple of seconds for everyone
/// else's.
pub(super) async fn keep_statistics(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let growth = &state.queue_growth;
    // This process's deliveries queued since `deliveries_live` was last analysed, less those
    // it has finished since (whoever queued them), and what the last check had seen.
    let (mut queued, mut checked): (u64, u64) = (0, 0);
    loop {
        let ticked = tokio::select! {
            _ = tokio::time::sleep(STATISTICS_EVERY) => true,
            _ = growth.grew.notified() => false,
            _ = shutdown.changed() => return,
        };
        queued = queued.saturating_add_signed(growth.take());
        // Between ticks, a check per publish would only cost: wait for a slack's worth more.
        if !ticked && (queued.saturating_sub(checked) as f64) < statistics::SLACK_ROWS {
            continue;
        }
        checked = queued;
        match statistics::refresh_outgrown(&state.pool, queued).await {
            Ok(analysed) => {
                if analysed.contains(&"deliveries_live") {
                    (queued, checked) = (0, 0);
                }
                if !analysed.is_empty() {
                    tracing::info!(
                        ?analysed,
                        "queue tables analysed: they had outgrown their statistics"
                    );
                }
            }
            Err(e) => tracing::warn!("analysing the queue tables: {e}"),
        }
    }
}

/// How often the queue's dead rows are counted (PostgreSQL's counts lag by a second or so).
const VACUUM_CHECK_EVERY: Duration = Duration::from_secs(2);

/// Vacuums the live partition once dead rows pile up in it and the queue is quiet, or they
/// pile up far ([`vacuum::QueueVacuum`]), so the claim and the recorder do not wade through them
/// until autovacuum comes round (or forever, where it is switched off).
pub(super) async fn vacuum_queue(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut vacuum = vacuum::QueueVacuum::default();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(VACUUM_CHECK_EVERY) => {}
            _ = shutdown.changed() => return,
        }
        let started = std::time::Instant::now();
        match vacuum.vacuum_if_due(&state.pool).await {
            Ok(Some(dead)) => {
                let took_ms = started.elapsed().as_millis();
                tracing::debug!(dead, took_ms, "deliveries_live vacuumed");
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("vacuuming the queue: {e}"),
        }
    }
}
