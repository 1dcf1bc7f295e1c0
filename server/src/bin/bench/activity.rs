//! What the database's backends were doing during a latency round, sampled from
//! `pg_stat_activity` on one connection kept for it. A round whose tail stands out (a stall after
//! a flood, a slow p99) is then read beside what the statements were waiting on and the longest
//! one seen running, not guessed at afterwards.
//!
//! Only the bench database's active backends are read, every [`interval`]: a `psql` started for
//! each sample (a new backend each time) put the p99 at 200/s from about 1 ms to 3-4 ms, so the
//! sampler keeps its connection and `PLUGBOARD_BENCH_SAMPLE_MS=0` turns it off to compare.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the backends are read (`PLUGBOARD_BENCH_SAMPLE_MS`, default 200; 0: never).
fn interval() -> Option<Duration> {
    let ms = std::env::var("PLUGBOARD_BENCH_SAMPLE_MS")
        .ok()
        .and_then(|ms| ms.trim().parse().ok())
        .unwrap_or(200);
    (ms > 0).then(|| Duration::from_millis(ms))
}

/// How much of a waiting statement's text names it.
const STATEMENT_CHARS: usize = 24;

/// One active backend at one sample.
#[derive(sqlx::FromRow)]
struct ActiveBackend {
    /// `type:event`, or `None` while it runs on a CPU (or waits on one).
    wait: Option<String>,
    running_ms: f64,
    query: String,
}

/// What the samples of one round saw.
#[derive(Default)]
pub struct Activity {
    samples: usize,
    active: usize,
    waits: BTreeMap<String, usize>,
    longest: Option<(f64, String)>,
}

impl Activity {
    fn add(&mut self, backends: Vec<ActiveBackend>) {
        self.samples += 1;
        self.active += backends.len();
        for backend in backends {
            if let Some(wait) = backend.wait {
                // Which statement waited tells a publish's commit from the claim's or a
                // recorder's.
                let statement: String = backend.query.chars().take(STATEMENT_CHARS).collect();
                *self
                    .waits
                    .entry(format!("{wait} in `{statement}`"))
                    .or_default() += 1;
            }
            if self
                .longest
                .as_ref()
                .is_none_or(|(ms, _)| backend.running_ms > *ms)
            {
                self.longest = Some((backend.running_ms, backend.query));
            }
        }
    }

    /// The round's line of the report.
    pub fn report(&self) -> String {
        if self.samples == 0 {
            return "database activity: no sample taken".into();
        }
        let mut waits: Vec<_> = self.waits.iter().collect();
        waits.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let waits = if waits.is_empty() {
            "none".to_string()
        } else {
            waits
                .iter()
                .map(|(wait, n)| format!("{wait} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let longest = match &self.longest {
            Some((ms, query)) => format!("{ms:.1} ms `{query}`"),
            None => "none".into(),
        };
        format!(
            "database activity ({} samples): {:.2} active statements a sample; seen waiting on: {waits}; longest seen running: {longest}",
            self.samples,
            self.active as f64 / self.samples as f64,
        )
    }
}

/// Samples running until [`Sampler::finish`].
pub struct Sampler {
    stop: watch::Sender<bool>,
    task: JoinHandle<Activity>,
}

impl Sampler {
    /// Starts sampling on a connection of its own, as `pool` connects; `None` when it is turned
    /// off or cannot connect (the round is then measured without it).
    pub async fn start(pool: &PgPool) -> Option<Self> {
        let every = interval()?;
        let mut conn = PgConnection::connect_with(&pool.connect_options())
            .await
            .ok()?;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut activity = Activity::default();
            let mut ticks = tokio::time::interval(every);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = stopped.changed() => break,
                }
                let sample = sqlx::query_as::<_, ActiveBackend>(
                    "SELECT wait_event_type || ':' || wait_event AS wait,
                            extract(epoch FROM clock_timestamp() - query_start)::float8 * 1000 AS running_ms,
                            left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS query
                       FROM pg_stat_activity
                      WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'",
                )
                .fetch_all(&mut conn)
                .await;
                match sample {
                    Ok(backends) => activity.add(backends),
                    Err(_) => break,
                }
            }
            let _ = conn.close().await;
            activity
        });
        Some(Self { stop, task })
    }

    /// Stops sampling and returns what was seen.
    pub async fn finish(self) -> Activity {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or_default()
    }
}
