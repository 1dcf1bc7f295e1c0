//! Request rate limits (GCRA, from `governor`): per API key an hourly and a per-minute quota,
//! a separate per-second quota on the publish paths, and a per-address quota for anonymous
//! calls (sign-in, setup, bad keys).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{NotUntil, Quota, RateLimiter};
use uuid::Uuid;

type Limiter<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// The configured quotas; each must be at least 1.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitConfig {
    pub per_key_per_hour: NonZeroU32,
    pub per_key_per_minute: NonZeroU32,
    pub publish_per_key_per_second: NonZeroU32,
    pub anonymous_per_ip_per_minute: NonZeroU32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        let n = |v: u32| NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN);
        Self {
            per_key_per_hour: n(1000),
            per_key_per_minute: n(100),
            publish_per_key_per_second: n(200),
            anonymous_per_ip_per_minute: n(60),
        }
    }
}

/// The outcome of one check, as the `X-RateLimit-*` headers report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// `None` when no limit applies (signed-in admins in the browser).
    pub limit: Option<u32>,
    pub remaining: u32,
    /// Seconds until the quota is whole again.
    pub reset_secs: u64,
    /// Set when the request is refused.
    pub retry_after_secs: Option<u64>,
}

impl Verdict {
    pub fn unlimited() -> Self {
        Self {
            limit: None,
            remaining: 0,
            reset_secs: 0,
            retry_after_secs: None,
        }
    }
}

pub struct RateLimits {
    hourly: Limiter<Uuid>,
    minutely: Limiter<Uuid>,
    publish: Limiter<Uuid>,
    anonymous: Limiter<String>,
    clock: DefaultClock,
}

impl RateLimits {
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            hourly: keyed(Quota::per_hour(config.per_key_per_hour)),
            minutely: keyed(Quota::per_minute(config.per_key_per_minute)),
            publish: keyed(Quota::per_second(config.publish_per_key_per_second)),
            anonymous: keyed(Quota::per_minute(config.anonymous_per_ip_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// The key's general quotas (the tighter one is reported), or its publish quota.
    pub fn check_key(&self, key_id: Uuid, publishing: bool) -> Verdict {
        if publishing {
            return self.verdict(self.publish.check_key(&key_id));
        }
        let hourly = self.verdict(self.hourly.check_key(&key_id));
        if hourly.retry_after_secs.is_some() {
            return hourly;
        }
        let minutely = self.verdict(self.minutely.check_key(&key_id));
        if minutely.retry_after_secs.is_some() || minutely.remaining < hourly.remaining {
            minutely
        } else {
            hourly
        }
    }

    pub fn check_ip(&self, ip: &str) -> Verdict {
        self.verdict(self.anonymous.check_key(&ip.to_string()))
    }

    /// Forgets keys whose quotas are whole again, so the maps do not grow without bound.
    pub fn forget_idle(&self) {
        self.hourly.retain_recent();
        self.minutely.retain_recent();
        self.publish.retain_recent();
        self.anonymous.retain_recent();
    }

    fn verdict(
        &self,
        outcome: Result<
            governor::middleware::StateSnapshot,
            NotUntil<<DefaultClock as Clock>::Instant>,
        >,
    ) -> Verdict {
        match outcome {
            Ok(snapshot) => {
                let quota = snapshot.quota();
                let limit = quota.burst_size().get();
                let remaining = snapshot.remaining_burst_capacity();
                Verdict {
                    limit: Some(limit),
                    remaining,
                    reset_secs: ceil_secs(quota.replenish_interval() * (limit - remaining)),
                    retry_after_secs: None,
                }
            }
            Err(not_until) => {
                let quota = not_until.quota();
                let limit = quota.burst_size().get();
                let wait = not_until.wait_time_from(self.clock.now());
                Verdict {
                    limit: Some(limit),
                    remaining: 0,
                    reset_secs: ceil_secs(quota.replenish_interval() * limit),
                    retry_after_secs: Some(ceil_secs(wait).max(1)),
                }
            }
        }
    }
}

fn keyed<K: std::hash::Hash + Eq + Clone>(quota: Quota) -> Limiter<K> {
    RateLimiter::keyed(quota).with_middleware()
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32, per_hour: u32) -> RateLimits {
        RateLimits::new(RateLimitConfig {
            per_key_per_hour: NonZeroU32::new(per_hour).unwrap(),
            per_key_per_minute: NonZeroU32::new(per_minute).unwrap(),
            ..RateLimitConfig::default()
        })
    }

    #[test]
    fn counts_down_then_refuses_with_retry_after() {
        let limits = limits(3, 1000);
        let key = Uuid::new_v4();
        let remaining: Vec<u32> = (0..3)
            .map(|_| limits.check_key(key, false).remaining)
            .collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limits.check_key(key, false);
        assert_eq!(refused.limit, Some(3));
        assert!(refused
            .retry_after_secs
            .is_some_and(|s| (1..=20).contains(&s)));
        // Another key has its own quota.
        assert_eq!(limits.check_key(Uuid::new_v4(), false).remaining, 2);
    }

    #[test]
    fn reports_the_tighter_quota_and_keeps_publish_apart() {
        let limits = limits(100, 5);
        let key = Uuid::new_v4();
        let first = limits.check_key(key, false);
        assert_eq!((first.limit, first.remaining), (Some(5), 4));
        let publish = limits.check_key(key, true);
        assert_eq!((publish.limit, publish.remaining), (Some(200), 199));
    }
}
