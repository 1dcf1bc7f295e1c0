//! Housekeeping in the background: expired sessions and old sign-in attempts are deleted.

use std::time::Duration;

use app::runtime::AppState;
use tokio::sync::watch;

const EVERY: Duration = Duration::from_secs(10 * 60);

pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = prune(&state).await {
            tracing::warn!("maintenance: {e}");
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Writes API keys' "last used" times in batches, and once more on shutdown.
pub async fn record_key_usage(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        let stopping = tokio::select! {
            _ = tokio::time::sleep(state.config.key_usage_flush_every) => false,
            _ = shutdown.changed() => true,
        };
        if let Err(e) = state.access.usage.flush(&state.pool).await {
            tracing::warn!("recording API key usage: {e}");
        }
        if stopping {
            return;
        }
    }
}

/// Attempts, finished deliveries and events older than the retention are deleted, a whole day
/// at a time, and the delivery log's days ahead are made.
pub async fn prune_delivery_logs(
    state: &AppState,
) -> Result<app::delivery::partitions::LogPartitionChanges, sqlx::Error> {
    app::delivery::partitions::maintain(
        &state.pool,
        chrono::Utc::now(),
        state.config.webhooks.retention,
    )
    .await
}

pub async fn prune(state: &AppState) -> Result<(), sqlx::Error> {
    state.access.limits.forget_idle();
    // First, so a starting server has its attempt log's days before the worker records any; a
    // failure here (a drop that timed out waiting for its lock) does not hold up the rest.
    match prune_delivery_logs(state).await {
        Ok(pruned) if pruned != Default::default() => {
            tracing::info!(?pruned, "delivery log pruned")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("pruning the delivery log: {e}"),
    }
    sqlx::query(
        "DELETE FROM event_idempotency_keys WHERE created_at < now() - interval '24 hours'",
    )
    .execute(&state.pool)
    .await?;
    app::actions::slack_replies::prune(&state.pool, state.config.webhooks.retention).await?;
    app::inbound_email::mailbox::prune(&state.pool).await?;
    sqlx::query("DELETE FROM oauth_states WHERE expires_at < now()")
        .execute(&state.pool)
        .await?;
    let idle = state.config.session_idle_timeout.as_secs_f64();
    let window = state.config.sign_in_throttle.window.as_secs_f64();
    let sessions = sqlx::query(
        "DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(secs => $1)",
    )
    .bind(idle)
    .execute(&state.pool)
    .await?
    .rows_affected();
    let attempts = sqlx::query(
        "DELETE FROM sign_in_attempts WHERE attempted_at < now() - make_interval(secs => $1) - interval '1 day'",
    )
    .bind(window)
    .execute(&state.pool)
    .await?
    .rows_affected();
    if sessions + attempts > 0 {
        tracing::debug!(sessions, attempts, "pruned expired rows");
    }
    Ok(())
}

/// Queues the daily summaries that have come due, every `daily_summary_every`.
pub async fn daily_summaries(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(state.config.daily_summary_every) => {}
            _ = shutdown.changed() => return,
        }
        match app::actions::daily_summary::queue_due(&state).await {
            Ok(0) => {}
            Ok(queued) => tracing::info!(queued, "daily summaries queued"),
            Err(e) => tracing::warn!("queuing daily summaries: {e}"),
        }
    }
}

/// Refreshes OAuth tokens ahead of expiry, every minute.
pub async fn refresh_tokens(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        match app::integrations::oauth::refresh_expiring(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(refreshed = n, "refreshed OAuth tokens ahead of expiry"),
            Err(e) => tracing::warn!("token refresher: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
