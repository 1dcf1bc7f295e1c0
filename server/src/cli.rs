use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Plugboard: the self-hostable integrations hub.
#[derive(Debug, Parser)]
#[command(name = "plugboard", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app (the default).
    Serve,
    /// Manage company admins.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Manage API keys.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Manage the embedded PostgreSQL cluster (used when DATABASE_URL is not set).
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin, and the company if no company has that name yet.
    Create {
        #[arg(long)]
        company: String,
        #[arg(long)]
        email: String,
        /// Also read from PLUGBOARD_ADMIN_PASSWORD, which keeps it out of the process list.
        #[arg(long, env = "PLUGBOARD_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Let an admin set up provider OAuth apps for the whole installation (admins of the first
    /// company may already), or with --revoke take that away again.
    Operator {
        /// The admin's company, by its exact name.
        #[arg(long)]
        company: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        revoke: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key and print it (only the key, on stdout); it is not shown again.
    Create {
        /// The company's exact name.
        #[arg(long)]
        company: String,
        /// The key's name, unique within the company.
        #[arg(long)]
        name: String,
        /// Comma-separated, e.g. events:write,webhooks:read. Default: * (everything).
        #[arg(long, value_delimiter = ',', default_value = "*")]
        scopes: Vec<String>,
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Start the embedded cluster (initialising it if needed) and print its DATABASE_URL.
    Start {
        /// Default: PLUGBOARD_DATA_DIR or .data
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The database the printed URL names.
        #[arg(long, default_value = "plugboard")]
        database: String,
    },
    /// Stop the embedded cluster.
    Stop {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Drop a database on the server DATABASE_URL names (for throw-away test databases).
    Drop {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
    },
}
