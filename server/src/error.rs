//! The server crate's one error type: what can stop start-up or a CLI command.

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("configuration: {var}: {message}")]
    Config { var: &'static str, message: String },
    #[error("site settings (Leptos.toml): {0}")]
    SiteSettings(String),
    #[error("{0}")]
    Catalogue(String),
    #[error("embedded PostgreSQL: {0}")]
    EmbeddedPostgres(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("http client: {0}")]
    HttpClient(#[from] reqwest::Error),
    #[error("{0}")]
    App(#[from] app::error::AppError),
    /// A command-line argument that cannot be used.
    #[error("{0}")]
    Usage(String),
}

impl ServerError {
    pub fn config(var: &'static str, message: impl Into<String>) -> Self {
        Self::Config {
            var,
            message: message.into(),
        }
    }
}
