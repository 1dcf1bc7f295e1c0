//! Database failures as the API reports them: details are logged, never sent (500); a unique
//! violation is a 409 naming the field; an update or delete that touched nothing is a 404.

use sqlx::postgres::PgQueryResult;

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
