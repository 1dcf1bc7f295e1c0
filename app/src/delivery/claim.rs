//! Claiming due deliveries, fairly across destinations and under a lease: the part of the
//! queue's SQL the worker runs in a loop ([`super::queue`] holds the rest of the table's life).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Executor, FromRow, PgConnection, PgPool, Row};
use uuid::Uuid;

use super::claimed::{Claimed, Destination, DestinationKind, EventPayload};
use crate::runtime::config::WebhookConfig;
use crate::runtime::db::OwnConnection;

/// Claims a delivery may take beyond its attempts, for attempts whose outcome was never
/// recorded (a crash mid-send): enough to ride out a restart, never a retry loop.
pub const LOST_CLAIM_ALLOWANCE: usize = 2;

#[derive(sqlx::FromRow)]
struct ClaimRow {
    delivery_id: Uuid,
    company_id: Uuid,
    destination_kind: String,
    endpoint_id: Option<Uuid>,
    connection_id: Option<Uuid>,
    attempts: i32,
    event_id: Uuid,
    event_type: String,
    data: sqlx::types::Json<Box<serde_json::value::RawValue>>,
    event_created_at: DateTime<Utc>,
    destination_version: Option<i64>,
    destination_room: Option<i64>,
}

impl ClaimRow {
    fn claimed(self, claim_id: Uuid) -> Option<Claimed> {
        let kind = DestinationKind::parse(&self.destination_kind)?;
        let id = match kind {
            DestinationKind::Webhook => self.endpoint_id?,
            DestinationKind::Connection => self.connection_id?,
        };
        Some(Claimed {
            delivery_id: self.delivery_id,
            claim_id,
            company_id: self.company_id,
            destination: Destination { kind, id },
            event: EventPayload::from_stored(
                self.event_id,
                self.event_type,
                self.data.0,
                self.event_created_at,
            ),
            attempt: self.attempts,
            destination_version: self.destination_version,
        })
    }
}

/// How a claim is bounded.
#[derive(Debug, Clone, Copy)]
pub struct ClaimLimits {
    /// Deliveries taken at most.
    pub limit: usize,
    /// How long a claim holds before another worker may take the delivery over.
    pub lease: std::time::Duration,
    /// Attempts the most generous retry policy allows.
    pub attempts: usize,
    /// Deliveries of one destination in flight at once, unless its endpoint sets its own.
    pub max_in_flight: usize,
}

impl ClaimLimits {
    /// A claim of up to `limit` deliveries under the installation's settings.
    pub fn of(config: &WebhookConfig, limit: usize) -> Self {
        Self {
            limit,
            lease: config.lease,
            // Any destination's policy may allow more attempts than the default schedule.
            attempts: config
                .retry_schedule
                .len()
                .max(super::RetryPolicy::MAX_ATTEMPTS),
            max_in_flight: config.max_in_flight,
        }
    }
}

/// What a claim took.
pub struct Claim {
    pub deliveries: Vec<Claimed>,
    /// Each destination the claim took from, and whether it took all the room the destination
    /// had (so more of its deliveries may be waiting for room; the others' due ones were all
    /// taken).
    pub rooms: Vec<(Uuid, bool)>,
}

impl Claim {
    /// What the claim `claim_id` took, from its rows.
    fn of(rows: Vec<ClaimRow>, claim_id: Uuid) -> Self {
        let mut taken: HashMap<Uuid, (i64, i64)> = HashMap::new();
        for row in &rows {
            if let Some(destination) = row.endpoint_id.or(row.connection_id) {
                let (count, room) = taken.entry(destination).or_default();
                *count += 1;
                *room = row.destination_room.unwrap_or_default();
            }
        }
        Claim {
            deliveries: rows
                .into_iter()
                .filter_map(|row| row.claimed(claim_id))
                .collect(),
            rooms: taken
                .into_iter()
                .map(|(destination, (count, room))| (destination, count >= room))
                .collect(),
        }
    }
}

/// Claims serialise on this advisory lock, so each sees the deliveries the previous one put in
/// flight and no destination goes past its limits, however many processes claim.
const CLAIM_LOCK: i64 = 0x706c_7567_626f_6172; // "plugboar"

/// The claim loop's own database connection, outside the pool, on which the claim is a
/// prepared statement (`PREPARE`) sent with its transaction in one round trip.
///
/// Each connection plans the claim for itself, and again after every change to the queue's
/// statistics: claims spread over the pool were planned once per connection each time. And
/// `BEGIN` with the lock, the statement and `COMMIT` were three round trips, each a wake-up of
/// the database's process and then of the worker's task: on a busy 2-core machine, most of the
/// time between a publish and its first attempt (the README's benchmark). After an error the
/// connection is closed (its transaction may be left open) and the next claim opens another.
pub struct Claimer {
    conn: OwnConnection,
}

impl Claimer {
    /// Connects (when it claims) as `pool` does.
    pub fn new(pool: &PgPool) -> Self {
        Self {
            conn: OwnConnection::new(
                pool,
                format!(
                    "SET synchronous_commit = off; SET plan_cache_mode = force_generic_plan; \
                     PREPARE {STATEMENT}{PARAMETERS} AS {CLAIM}"
                ),
            ),
        }
    }

    /// Claims due deliveries fairly: it walks every destination with pending deliveries (a loose
    /// index scan) and takes from each, oldest first, only what its room allows (its in-flight
    /// limit less what is in flight, and what its rate limit leaves of the current second);
    /// then the oldest `limit` of those, each with its destination row's version. Each gets a
    /// new claim id, its attempt count goes up, and its due time moves past the lease. A
    /// delivery claimed as often as it may be without an outcome (its attempts plus
    /// [`LOST_CLAIM_ALLOWANCE`]) is failed here instead, so nothing can be retried forever.
    /// Parked deliveries are not in the due index at all. Every step names
    /// `finished_on = 'infinity'`, so it reads only the live partition, not the finished log.
    ///
    /// `answered` lists, per destination, this process's deliveries whose answers are in but
    /// not yet recorded: they are no longer in flight, though the table still shows them
    /// claimed.
    #[tracing::instrument(level = "debug", name = "claim", skip_all, fields(claimed))]
    pub async fn claim(
        &mut self,
        limits: ClaimLimits,
        answered: &[(Uuid, i64)],
    ) -> Result<Claim, sqlx::Error> {
        let claim_id = Uuid::new_v4();
        let rows = self
            .conn
            .run(async |conn| claim_on(conn, claim_id, limits, answered).await)
            .await?;
        tracing::Span::current().record("claimed", rows.len());
        Ok(Claim::of(rows, claim_id))
    }
}

/// The prepared claim's name and parameter types, in [`CLAIM`]'s order.
const STATEMENT: &str = "plugboard_claim";
const PARAMETERS: &str = "(bigint, uuid, float8, integer, bigint, uuid[], bigint[])";

/// The claim (see [`Claimer::claim`]): $1 deliveries at most, $2 the claim id, $3 the lease in
/// seconds, $4 claims a delivery may take, $5 the default in-flight limit, $6 and $7 the
/// answered counts by destination.
const CLAIM: &str = "WITH RECURSIVE destinations(dest) AS (
            SELECT (SELECT coalesce(x.endpoint_id, x.connection_id) FROM deliveries x WHERE x.finished_on = 'infinity' AND x.status = 'pending'
                     ORDER BY coalesce(x.endpoint_id, x.connection_id) LIMIT 1)
          UNION ALL
            SELECT (SELECT coalesce(x.endpoint_id, x.connection_id) FROM deliveries x
                     WHERE x.finished_on = 'infinity' AND x.status = 'pending'
                       AND coalesce(x.endpoint_id, x.connection_id) > d.dest
                     ORDER BY coalesce(x.endpoint_id, x.connection_id) LIMIT 1)
              FROM destinations d WHERE d.dest IS NOT NULL),
         room AS (
            SELECT d.dest,
                   least(coalesce(e.max_in_flight, $5)
                           - (SELECT count(*) FROM deliveries f
                               WHERE f.finished_on = 'infinity' AND f.status = 'pending' AND f.claim_id IS NOT NULL AND f.next_attempt_at > now()
                                 AND coalesce(f.endpoint_id, f.connection_id) = d.dest)
                           + coalesce((SELECT a.n FROM unnest($6::uuid[], $7::bigint[]) AS a(dest, n)
                                        WHERE a.dest = d.dest), 0),
                         coalesce(e.rate_limit_per_second
                                    - (SELECT w.claimed FROM endpoint_rate_windows w
                                        WHERE w.endpoint_id = d.dest AND w.second = date_trunc('second', now())),
                                  e.rate_limit_per_second, $1)) AS free,
                   coalesce(e.xmin, cn.xmin)::text::bigint AS version
              FROM destinations d LEFT JOIN webhook_endpoints e ON e.id = d.dest
                   LEFT JOIN connections cn ON cn.id = d.dest
             WHERE d.dest IS NOT NULL),
         candidates AS (
            SELECT c.id, c.next_attempt_at FROM room r
             CROSS JOIN LATERAL (
                SELECT x.id, x.next_attempt_at FROM deliveries x
                 WHERE x.finished_on = 'infinity' AND x.status = 'pending' AND x.next_attempt_at <= now()
                   AND coalesce(x.endpoint_id, x.connection_id) = r.dest
                 ORDER BY x.next_attempt_at LIMIT greatest(r.free, 0)) c
             ORDER BY c.next_attempt_at LIMIT $1),
         due AS (
            SELECT d.id FROM deliveries d
             WHERE d.finished_on = 'infinity' AND d.id = ANY(ARRAY(SELECT id FROM candidates))
               AND d.status = 'pending' AND d.next_attempt_at <= now()
             FOR UPDATE SKIP LOCKED),
         given_up AS (
            UPDATE deliveries d
               SET status = 'failed', claim_id = NULL, completed_at = now(),
                   last_error = format('Gave up after %s attempts whose outcome was never recorded.', d.attempts)
             WHERE d.finished_on = 'infinity' AND d.id = ANY(ARRAY(SELECT id FROM due)) AND d.attempts >= $4
            RETURNING d.id),
         claimed AS (
            UPDATE deliveries d
               SET claim_id = $2, attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $3)
             WHERE d.finished_on = 'infinity' AND d.id = ANY(ARRAY(SELECT id FROM due)) AND d.attempts < $4
            RETURNING d.id AS delivery_id, d.company_id, d.destination_kind, d.endpoint_id, d.connection_id, d.attempts,
                      d.event_id),
         counted AS (
            INSERT INTO endpoint_rate_windows (endpoint_id, second, claimed)
            SELECT c.endpoint_id, date_trunc('second', now()), count(*)
              FROM claimed c JOIN webhook_endpoints e ON e.id = c.endpoint_id
             WHERE e.rate_limit_per_second IS NOT NULL
             GROUP BY c.endpoint_id
            ON CONFLICT (endpoint_id) DO UPDATE
               SET claimed = CASE WHEN endpoint_rate_windows.second = EXCLUDED.second
                                  THEN endpoint_rate_windows.claimed + EXCLUDED.claimed
                                  ELSE EXCLUDED.claimed END,
                   second = EXCLUDED.second)
         SELECT c.delivery_id, c.company_id, c.destination_kind, c.endpoint_id, c.connection_id, c.attempts,
                c.event_id, ev.event_type, ev.data, ev.created_at AS event_created_at,
                r.version AS destination_version, r.free AS destination_room
           FROM claimed c
           JOIN events_by_ids(ARRAY(SELECT event_id FROM claimed)) ev ON ev.id = c.event_id
           LEFT JOIN room r ON r.dest = coalesce(c.endpoint_id, c.connection_id)";

/// One round trip: the lock, the prepared claim and `COMMIT`, as one query string (each
/// statement takes its own snapshot, so the claim sees what the last claim put in flight). The
/// arguments are numbers and ids, written as literals. The settings below are the claim
/// connection's own, set once as it opens (as `SET LOCAL` in each claim, two more statements
/// to parse and undo every time).
///
/// The claim commits without waiting for its WAL flush: sending waits on it, and a claim lost
/// in a database crash only means the delivery is due again, as a process that dies mid-send
/// already leaves it (at least once). An outcome's commit, which does wait, flushes the WAL up
/// to it and so the claim before it. The claim runs on its generic plan: planning it takes
/// about 1 ms (its CTEs over a partitioned table) against 0.1-0.2 ms running it, and
/// PostgreSQL's default made five custom plans after every ANALYZE of the queue (24% of the
/// claims in `bench single`, a 1-2 ms stall each at 200 events/s); the generic plan takes the
/// same indexes. The events are read through `events_by_ids` (a migration), not joined: a
/// cached plan locks every relation it names each time it runs, and a join would lock every
/// day's partition of `events` and its indexes for every claim.
async fn claim_on(
    conn: &mut PgConnection,
    claim_id: Uuid,
    limits: ClaimLimits,
    answered: &[(Uuid, i64)],
) -> Result<Vec<ClaimRow>, sqlx::Error> {
    let max_claims = limits.attempts + LOST_CLAIM_ALLOWANCE;
    let destinations: Vec<String> = answered.iter().map(|a| a.0.to_string()).collect();
    let counts: Vec<String> = answered.iter().map(|a| a.1.to_string()).collect();
    let query = format!(
        "BEGIN; SELECT pg_advisory_xact_lock({CLAIM_LOCK}); \
         EXECUTE {STATEMENT}({}, '{claim_id}', {}, {}, {}, '{{{}}}', '{{{}}}'); COMMIT",
        limits.limit,
        limits.lease.as_secs_f64(),
        max_claims,
        limits.max_in_flight,
        destinations.join(","),
        counts.join(","),
    );
    conn.fetch_all(sqlx::raw_sql(&query))
        .await?
        .iter()
        // The lock's row comes back too.
        .filter(|row| row.columns().len() > 1)
        .map(ClaimRow::from_row)
        .collect()
}
