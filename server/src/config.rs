//! Start-up configuration from the environment, validated with messages that name the variable.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use std::path::Path;

use app::auth::rate_limit::RateLimitConfig;
use app::integrations::catalogue::{self, Catalogue};
use app::server::config::{Config, SignInThrottle, WebhookConfig};
use app::server::crypto::{Cipher, MasterKey};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use leptos::config::LeptosOptions;

use crate::error::ServerError;

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
    leptos::config::get_configuration(Some(SITE_SETTINGS_FILE))
        .map(|conf| conf.leptos_options)
        .map_err(|e| ServerError::SiteSettings(e.to_string()))
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
    })
}

fn webhook_config() -> Result<WebhookConfig, ServerError> {
    let defaults = WebhookConfig::default();
    let secs = |d: Duration| d.as_secs();
    let schedule = match env_var("PLUGBOARD_WEBHOOK_RETRY_SCHEDULE") {
        None => defaults.retry_schedule.clone(),
        Some(raw) => raw
            .split(',')
            .map(|part| {
                part.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|s| *s <= 7 * 24 * 3600)
                    .map(Duration::from_secs)
                    .ok_or_else(|| {
                        ServerError::config(
                            "PLUGBOARD_WEBHOOK_RETRY_SCHEDULE",
                            format!("expected comma-separated seconds (e.g. 0,30,120,600,1800), got {raw:?}"),
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let allow_private = flag("PLUGBOARD_ALLOW_PRIVATE_WEBHOOKS")?;
    check_proxy(&env_var, allow_private, flag("PLUGBOARD_ALLOW_PROXY")?)?;
    if schedule.is_empty() || schedule.len() > 20 {
        return Err(ServerError::config(
            "PLUGBOARD_WEBHOOK_RETRY_SCHEDULE",
            "give 1 to 20 delays",
        ));
    }
    Ok(WebhookConfig {
        allow_http: flag("PLUGBOARD_ALLOW_HTTP_WEBHOOKS")?,
        allow_private,
        workers: number("PLUGBOARD_WEBHOOK_WORKERS", defaults.workers as u64, 1, 64)? as usize,
        batch_size: number(
            "PLUGBOARD_WEBHOOK_BATCH_SIZE",
            defaults.batch_size as u64,
            1,
            1000,
        )? as usize,
        retry_schedule: schedule,
        auto_disable_after: number(
            "PLUGBOARD_WEBHOOK_AUTO_DISABLE_AFTER",
            u64::from(defaults.auto_disable_after),
            1,
            1000,
        )? as u32,
        // Longer than the longest request (30 s), so a live worker always finishes first.
        lease: Duration::from_secs(number(
            "PLUGBOARD_WEBHOOK_LEASE_SECONDS",
            secs(defaults.lease),
            35,
            3600,
        )?),
        retention: Duration::from_secs(
            86_400
                * number(
                    "PLUGBOARD_WEBHOOK_LOG_RETENTION_DAYS",
                    secs(defaults.retention) / 86_400,
                    1,
                    3650,
                )?,
        ),
    })
}

/// The variables through which the HTTP client would send requests to a proxy.
const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Through a proxy, the private-address guard sees only the proxy's address, never the
/// target's: refuse to start with one unless private targets are allowed anyway or
/// `PLUGBOARD_ALLOW_PROXY` says the proxy itself keeps requests off internal addresses.
fn check_proxy(
    lookup: &dyn Fn(&str) -> Option<String>,
    allow_private: bool,
    allow_proxy: bool,
) -> Result<(), ServerError> {
    let set: Vec<&str> = PROXY_VARS
        .into_iter()
        .filter(|name| lookup(name).is_some())
        .collect();
    if set.is_empty() || allow_private || allow_proxy {
        return Ok(());
    }
    Err(ServerError::config(
        "PLUGBOARD_ALLOW_PROXY",
        format!(
            "{} is set, so outgoing requests would go through a proxy, where the check that keeps \
             webhooks off private and internal addresses cannot see their targets. Unset it, or \
             set PLUGBOARD_ALLOW_PROXY=true if the proxy itself refuses internal addresses.",
            set.join(" and ")
        ),
    ))
}

fn rate_limits() -> Result<RateLimitConfig, ServerError> {
    let defaults = RateLimitConfig::default();
    let quota = |var: &'static str, default: NonZeroU32| -> Result<NonZeroU32, ServerError> {
        let value = number(var, u64::from(default.get()), 1, 1_000_000)?;
        Ok(u32::try_from(value)
            .ok()
            .and_then(NonZeroU32::new)
            .unwrap_or(default))
    };
    Ok(RateLimitConfig {
        per_key_per_hour: quota("PLUGBOARD_RATE_LIMIT_PER_HOUR", defaults.per_key_per_hour)?,
        per_key_per_minute: quota(
            "PLUGBOARD_RATE_LIMIT_PER_MINUTE",
            defaults.per_key_per_minute,
        )?,
        publish_per_key_per_second: quota(
            "PLUGBOARD_PUBLISH_RATE_LIMIT_PER_SECOND",
            defaults.publish_per_key_per_second,
        )?,
        anonymous_per_ip_per_minute: quota(
            "PLUGBOARD_ANONYMOUS_RATE_LIMIT_PER_MINUTE",
            defaults.anonymous_per_ip_per_minute,
        )?,
    })
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn number(var: &'static str, default: u64, min: u64, max: u64) -> Result<u64, ServerError> {
    let Some(raw) = env_var(var) else {
        return Ok(default);
    };
    let value: u64 = raw
        .trim()
        .parse()
        .map_err(|_| ServerError::config(var, format!("expected a whole number, got {raw:?}")))?;
    if !(min..=max).contains(&value) {
        return Err(ServerError::config(
            var,
            format!("must be between {min} and {max}, got {value}"),
        ));
    }
    Ok(value)
}

fn flag(var: &'static str) -> Result<bool, ServerError> {
    match env_var(var)
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(other) => Err(ServerError::config(
            var,
            format!("expected true or false, got {other:?}"),
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

/// The key that encrypts credentials at rest: `PLUGBOARD_MASTER_KEY` (32 bytes, base64), plus
/// any older keys in `PLUGBOARD_MASTER_KEY_PREVIOUS` (comma-separated) that still decrypt old
/// values. With the embedded database and no key set, one is generated into the data directory.
pub fn cipher(database: &DatabaseChoice) -> Result<Cipher, ServerError> {
    let current = match (env_var("PLUGBOARD_MASTER_KEY"), database) {
        (Some(key), _) => decode_key("PLUGBOARD_MASTER_KEY", &key)?,
        (None, DatabaseChoice::Embedded(dir)) => embedded_master_key(dir)?,
        (None, DatabaseChoice::Url(_)) => {
            return Err(ServerError::config(
                "PLUGBOARD_MASTER_KEY",
                "required when DATABASE_URL is set: 32 random bytes in base64 (for example `openssl rand -base64 32`)",
            ))
        }
    };
    let previous = env_var("PLUGBOARD_MASTER_KEY_PREVIOUS")
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| decode_key("PLUGBOARD_MASTER_KEY_PREVIOUS", k))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(Cipher::new(&current, &previous))
}

fn decode_key(var: &'static str, value: &str) -> Result<MasterKey, ServerError> {
    let bytes = STANDARD
        .decode(value.trim())
        .map_err(|_| ServerError::config(var, "not valid base64"))?;
    bytes
        .try_into()
        .map_err(|_| ServerError::config(var, "must decode to exactly 32 bytes"))
}

fn embedded_master_key(dir: &Path) -> Result<MasterKey, ServerError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join("master.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return decode_key("PLUGBOARD_MASTER_KEY", &text);
    }
    std::fs::create_dir_all(dir)?;
    let key = Cipher::random_key();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(STANDARD.encode(key).as_bytes())?;
    tracing::info!(path = %path.display(), "generated a master key for the embedded database; back it up with the data");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_is_refused_unless_accepted() {
        let with_proxy =
            |name: &str| (name == "https_proxy").then(|| "http://proxy:3128".to_string());
        let without = |_: &str| None;
        let err = check_proxy(&with_proxy, false, false).unwrap_err();
        assert!(err.to_string().contains("https_proxy"), "{err}");
        assert!(err.to_string().contains("PLUGBOARD_ALLOW_PROXY"), "{err}");
        assert!(check_proxy(&with_proxy, false, true).is_ok());
        assert!(check_proxy(&with_proxy, true, false).is_ok());
        assert!(check_proxy(&without, false, false).is_ok());
    }
}
