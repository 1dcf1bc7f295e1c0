//! Start-up configuration from the environment, validated with messages that name the variable.

mod email;
mod env;
mod master_key;
mod webhooks;

use std::path::PathBuf;
use std::time::Duration;

use app::integrations::catalogue::{self, Catalogue};
use app::runtime::config::{Config, SignInThrottle};
use leptos::config::LeptosOptions;

use crate::error::ServerError;
use env::{env_var, flag, number};
pub use master_key::cipher;
use webhooks::{publish_config, rate_limits, webhook_config};

/// Where the site settings live, relative to the working directory (the repository root).
pub const SITE_SETTINGS_FILE: &str = "Leptos.toml";

/// Everything `serve` needs before it can build the state.
pub struct ServeSettings {
    pub config: Config,
    pub leptos_options: LeptosOptions,
    pub database: DatabaseChoice,
}

pub enum DatabaseChoice {
    /// `DATABASE_URL` names a server.
    Url(String),
    /// No `DATABASE_URL`: the embedded cluster under this directory.
    Embedded(PathBuf),
}

pub fn site_settings() -> Result<LeptosOptions, ServerError> {
    let mut options = leptos::config::get_configuration(Some(SITE_SETTINGS_FILE))
        .map(|conf| conf.leptos_options)
        .map_err(|e| ServerError::SiteSettings(e.to_string()))?;
    // Hashed names are listed in the hash file cargo-leptos writes beside the binary it builds;
    // Leptos would panic rendering a page without it (a binary built by plain `cargo build`).
    if options.hash_files {
        let beside_binary = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
        if !beside_binary.is_some_and(|file| file.exists()) {
            tracing::warn!(
                "no {} beside the binary (not built by cargo-leptos): serving the site's files by their plain names",
                options.hash_file
            );
            options.hash_files = false;
        }
    }
    Ok(options)
}

pub fn database_choice() -> DatabaseChoice {
    match env_var("DATABASE_URL") {
        Some(url) => DatabaseChoice::Url(url),
        None => DatabaseChoice::Embedded(data_dir()),
    }
}

/// `PLUGBOARD_DATA_DIR`, default `.data` in the working directory.
pub fn data_dir() -> PathBuf {
    env_var("PLUGBOARD_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".data"))
}

pub fn load() -> Result<ServeSettings, ServerError> {
    let leptos_options = site_settings()?;
    let config = config_from_env(&leptos_options)?;
    Ok(ServeSettings {
        config,
        leptos_options,
        database: database_choice(),
    })
}

pub fn config_from_env(leptos_options: &LeptosOptions) -> Result<Config, ServerError> {
    let default_public = format!("http://{}", leptos_options.site_addr);
    let public_url = env_var("PUBLIC_URL").unwrap_or(default_public);
    let public_url = reqwest::Url::parse(&public_url).map_err(|e| {
        ServerError::config(
            "PUBLIC_URL",
            format!("not an absolute URL ({e}): {public_url}"),
        )
    })?;
    if !matches!(public_url.scheme(), "http" | "https") || public_url.host_str().is_none() {
        return Err(ServerError::config(
            "PUBLIC_URL",
            "must be an http(s) URL with a host",
        ));
    }
    let defaults = SignInThrottle::default();
    let email = email::email_config(&public_url)?;
    Ok(Config {
        public_url,
        session_idle_timeout: Duration::from_secs(
            60 * number("PLUGBOARD_SESSION_IDLE_MINUTES", 120, 1, 60 * 24 * 30)?,
        ),
        session_max_age: Duration::from_secs(
            3600 * number("PLUGBOARD_SESSION_MAX_HOURS", 24 * 7, 1, 24 * 365)?,
        ),
        sign_in_throttle: SignInThrottle {
            per_account: number(
                "PLUGBOARD_SIGNIN_FAILURES_PER_ACCOUNT",
                defaults.per_account as u64,
                1,
                10_000,
            )? as i64,
            per_ip: number(
                "PLUGBOARD_SIGNIN_FAILURES_PER_IP",
                defaults.per_ip as u64,
                1,
                100_000,
            )? as i64,
            window: Duration::from_secs(
                60 * number(
                    "PLUGBOARD_SIGNIN_WINDOW_MINUTES",
                    defaults.window.as_secs() / 60,
                    1,
                    24 * 60,
                )?,
            ),
        },
        trust_proxy_headers: flag("PLUGBOARD_TRUST_PROXY")?,
        rate_limits: rate_limits()?,
        api_key_cache_ttl: Duration::from_secs(number(
            "PLUGBOARD_API_KEY_CACHE_SECONDS",
            5,
            0,
            300,
        )?),
        key_usage_flush_every: Duration::from_secs(number(
            "PLUGBOARD_KEY_USAGE_FLUSH_SECONDS",
            30,
            1,
            3600,
        )?),
        webhooks: webhook_config()?,
        publishing: publish_config()?,
        conversation_url: conversation_url()?,
        daily_summary_every: Duration::from_secs(60),
        email,
    })
}

/// `PLUGBOARD_CONVERSATION_URL`: an http(s) URL with `{conversation_id}` in it.
fn conversation_url() -> Result<Option<String>, ServerError> {
    let Some(template) = env_var("PLUGBOARD_CONVERSATION_URL") else {
        return Ok(None);
    };
    let name = "PLUGBOARD_CONVERSATION_URL";
    if !template.contains("{conversation_id}") {
        return Err(ServerError::config(
            name,
            "must contain {conversation_id}, e.g. https://app.example.com/conversations/{conversation_id}",
        ));
    }
    match reqwest::Url::parse(&template.replace("{conversation_id}", "x")) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
            Ok(Some(template))
        }
        _ => Err(ServerError::config(
            name,
            "must be an http(s) URL with a host",
        )),
    }
}

/// The provider catalogue: the built-in one, or the file `PLUGBOARD_CATALOGUE` names, completed
/// with each provider's variables from the environment.
pub fn catalogue(public_url: &reqwest::Url) -> Result<Catalogue, ServerError> {
    let text = match env_var("PLUGBOARD_CATALOGUE") {
        Some(path) => std::fs::read_to_string(&path).map_err(|e| {
            ServerError::config("PLUGBOARD_CATALOGUE", format!("cannot read {path}: {e}"))
        })?,
        None => catalogue::BUILTIN.to_string(),
    };
    Catalogue::load(&text, &env_var, public_url).map_err(ServerError::Catalogue)
}
