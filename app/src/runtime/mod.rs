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

pub mod db;
pub mod paths;

pub use db::{db_error, found, unique_as_conflict};
