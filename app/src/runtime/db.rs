//! Database failures as the API reports them: details are logged, never sent (500); a unique
//! violation is a 409 naming the field; an update or delete that touched nothing is a 404.

use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgQueryResult};
use sqlx::{Connection, Executor, PgConnection, PgPool};

use crate::error::AppError;

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!("database error: {err}");
        AppError::Internal
    }
}

/// For closures that need a function: the same as `AppError::from`.
pub fn db_error(err: sqlx::Error) -> AppError {
    AppError::from(err)
}

/// A unique-constraint violation (PostgreSQL 23505) as 409 naming `field`; anything else as an
/// internal error.
pub fn unique_as_conflict(
    field: &'static str,
    message: String,
) -> impl FnOnce(sqlx::Error) -> AppError {
    move |err| match &err {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            AppError::conflict(field, message)
        }
        _ => AppError::from(err),
    }
}

/// 404 with `message` when the statement touched no row.
pub fn found(result: PgQueryResult, message: &str) -> Result<PgQueryResult, AppError> {
    match result.rows_affected() {
        0 => Err(AppError::NotFound(message.to_string())),
        _ => Ok(result),
    }
}

/// A read-only transaction whose statements all see one moment. For a reader that shows two
/// things a writer changes together in one transaction (a delivery's state and its attempts, a
/// notification and the unread count): read in two statements, a commit between them shows a
/// picture that never was.
pub async fn one_snapshot(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
}

/// Begins a transaction on `conn` whose statements run on their prepared (generic) plans.
/// PostgreSQL's default plans a statement again on every execution when the custom plan looks
/// cheaper, and for the statements that take arrays (`unnest($1::uuid[])`) it always does:
/// queuing a publish's deliveries spent 0.34 ms planning it against 0.68 ms running it
/// (`pg_stat_statements`, 1,000 events/s). Their generic plans are the same plans. The
/// setting is `LOCAL`, sent with `BEGIN` in one round trip, and ends with the transaction.
pub async fn begin_on_generic_plans_with(
    conn: &mut sqlx::PgConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, sqlx::Error> {
    sqlx::Connection::begin_with(conn, BEGIN_ON_GENERIC_PLANS).await
}

const BEGIN_ON_GENERIC_PLANS: &str = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan";

/// A connection a loop keeps for itself, outside the pool: set up once as it opens (session
/// settings, prepared statements), and closed after any error, when its state (an open
/// transaction, a half-read answer) is unknown; the next use opens another. Spares the loop the
/// pool's hand-over and lets its statements run without a transaction's `BEGIN` for their
/// settings.
pub struct OwnConnection {
    options: PgConnectOptions,
    /// Sent as one query string on each new connection.
    setup: String,
    conn: Option<PgConnection>,
    last_used: Instant,
}

/// A connection idle this long is pinged before use, as the pool tests its idle ones: the
/// database may have closed it meanwhile (a restart, an administrator), and finding out from
/// the work itself would fail that work.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

impl OwnConnection {
    /// Connects (when first used) as `pool` does, then runs `setup`.
    pub fn new(pool: &PgPool, setup: String) -> Self {
        Self {
            options: (*pool.connect_options()).clone(),
            setup,
            conn: None,
            last_used: Instant::now(),
        }
    }

    /// Runs `work` on the connection, opening it first if need be; closes it if `work` fails.
    pub async fn run<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        if self.last_used.elapsed() > IDLE_BEFORE_PING {
            if let Some(conn) = &mut self.conn {
                if conn.ping().await.is_err() {
                    self.conn = None;
                }
            }
        }
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => {
                let mut conn = PgConnection::connect_with(&self.options).await?;
                conn.execute(sqlx::raw_sql(&self.setup)).await?;
                self.conn.insert(conn)
            }
        };
        let done = work(conn).await;
        self.last_used = Instant::now();
        if done.is_err() {
            self.conn = None;
        }
        done
    }
}
