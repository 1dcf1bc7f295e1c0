//! What random ids cost an index once it outgrows memory. Two tables shaped like a primary key
//! on `events` or `deliveries`, `rows` rows each: one keyed by random ids (`gen_random_uuid()`,
//! as events and deliveries were), one by time-ordered ids (`uuid_v7()`, as now). After a
//! checkpoint, 20,000 more rows go into each in inserts of 500, the way group commit stores a
//! burst, and PostgreSQL's own counts for those inserts (`EXPLAIN (ANALYZE, BUFFERS, WAL)`, so
//! other work on the server does not blur them) give the pages read from outside its buffers,
//! the full-page images and the WAL written.

use serde_json::Value;
use sqlx::PgPool;

const NEW_ROWS: usize = 20_000;
const PER_INSERT: usize = 500;

#[derive(Default)]
struct Counts {
    pages_read: i64,
    full_pages: i64,
    wal_bytes: i64,
    ms: f64,
}

pub async fn run(pool: &PgPool, rows: usize) -> Result<(), Box<dyn std::error::Error>> {
    for (table, id) in [
        ("bench_random_ids", "gen_random_uuid()"),
        ("bench_ordered_ids", "uuid_v7()"),
    ] {
        sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
            .execute(pool)
            .await?;
        sqlx::query(&format!(
            "CREATE TABLE {table} (id uuid PRIMARY KEY, n int)"
        ))
        .execute(pool)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO {table} SELECT {id}, g FROM generate_series(1, $1) g"
        ))
        .bind(rows as i64)
        .execute(pool)
        .await?;
        sqlx::query(&format!("VACUUM ANALYZE {table}"))
            .execute(pool)
            .await?;
        let index_mb: i64 = sqlx::query_scalar(&format!(
            "SELECT pg_relation_size('{table}_pkey') / 1000000"
        ))
        .fetch_one(pool)
        .await?;
        sqlx::query("CHECKPOINT").execute(pool).await?;
        let mut counts = Counts::default();
        for _ in 0..NEW_ROWS / PER_INSERT {
            let plan: Value = sqlx::query_scalar(&format!(
                "EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON)
                 INSERT INTO {table} SELECT {id}, g FROM generate_series(1, {PER_INSERT}) g"
            ))
            .fetch_one(pool)
            .await?;
            let top = &plan[0];
            let count = |name: &str| top["Plan"][name].as_i64().unwrap_or(0);
            counts.pages_read += count("Shared Read Blocks");
            counts.full_pages += count("WAL FPI");
            counts.wal_bytes += count("WAL Bytes");
            counts.ms += top["Execution Time"].as_f64().unwrap_or(0.0);
        }
        println!(
            "ids, {id} into {rows} rows ({index_mb} MB index), {NEW_ROWS} more in inserts of {PER_INSERT} after a checkpoint: {} pages read, {} full-page images, {:.1} MB of WAL ({} bytes a row), {:.0} ms",
            counts.pages_read,
            counts.full_pages,
            counts.wal_bytes as f64 / 1e6,
            counts.wal_bytes / NEW_ROWS as i64,
            counts.ms,
        );
        sqlx::query(&format!("DROP TABLE {table}"))
            .execute(pool)
            .await?;
    }
    Ok(())
}
