//! Server-only plumbing shared by the domain services: state, configuration, the caller's
//! identity and HTTP response helpers. Compiled only with the `ssr` feature.

pub mod client_ip;
pub mod config;
pub mod crypto;
pub mod respond;
pub mod state;
pub mod tokens;
pub mod untrusted;

pub use config::Config;
pub use state::{app_state, AppState};

/// Logs a database failure and reports it as an internal error, with no details sent.
pub fn db_error(err: sqlx::Error) -> crate::error::AppError {
    tracing::error!("database error: {err}");
    crate::error::AppError::Internal
}

/// True when `err` is a unique-constraint violation (PostgreSQL 23505).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("23505"))
}
