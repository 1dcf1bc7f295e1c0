//! Delivery and rate-limit settings, and the refusal to start behind an unaccepted proxy.

use std::num::NonZeroU32;
use std::time::Duration;

use app::auth::rate_limit::RateLimitConfig;
use app::runtime::config::{PublishConfig, WebhookConfig};

use super::env::{env_var, flag, number};
use crate::error::ServerError;

pub fn publish_config() -> Result<PublishConfig, ServerError> {
    let defaults = PublishConfig::default();
    Ok(PublishConfig {
        committers: number(
            "PLUGBOARD_PUBLISH_COMMITTERS",
            defaults.committers as u64,
            1,
            32,
        )? as usize,
        queue_limit: number(
            "PLUGBOARD_PUBLISH_QUEUE_LIMIT",
            defaults.queue_limit as u64,
            1,
            1_000_000,
        )? as usize,
        max_wait: Duration::from_millis(number(
            "PLUGBOARD_PUBLISH_MAX_WAIT_MS",
            defaults.max_wait.as_millis() as u64,
            1,
            60_000,
        )?),
        max_in_flight: number(
            "PLUGBOARD_PUBLISH_MAX_IN_FLIGHT",
            defaults.max_in_flight as u64,
            1,
            1_000_000,
        )? as usize,
    })
}

pub fn webhook_config() -> Result<WebhookConfig, ServerError> {
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
        max_in_flight: number(
            "PLUGBOARD_DESTINATION_MAX_IN_FLIGHT",
            defaults.max_in_flight as u64,
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

pub fn rate_limits() -> Result<RateLimitConfig, ServerError> {
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
