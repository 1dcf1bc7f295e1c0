//! Connecting to the database (creating it if missing) and running the embedded migrations.

use std::time::Duration;

use sqlx::migrate::{MigrateDatabase, Migrator};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgPool, Postgres};

use crate::error::ServerError;

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// How long a connection back in the pool counts as tested by the ping it had on its return.
const RECENTLY_PINGED: Duration = Duration::from_secs(1);

pub async fn connect(url: &str) -> Result<PgPool, ServerError> {
    if !Postgres::database_exists(url).await? {
        tracing::info!("creating the database");
        Postgres::create_database(url).await?;
    }
    // 14, with the six the process opens for itself (the claims, the NOTIFYs, two recorders, two
    // publishing committers): 20 a process, so PostgreSQL's default of 100 allows five.
    let pool = PgPoolOptions::new()
        .max_connections(14)
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings every connection as it goes back to the pool, and by default again as it is
        // taken out: a round trip before every statement a request or the worker runs (about
        // 60 µs of a first attempt's 0.9 ms here). Only a connection idle for a while, which the
        // database may have closed since its last ping, is tested again.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= RECENTLY_PINGED {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect(url)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}
