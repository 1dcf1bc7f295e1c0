//! A destination's own retry policy (the fastenr guide's `retry_config`): how many retries
//! follow a failed first attempt, the first retry's wait, and how the waits grow. A destination
//! without one retries on the installation's schedule (immediately, 30 s, 2 min, 10 min, 30 min).
//!
//! Shared with the browser, which previews the waits while the admin edits them.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackoffStrategy {
    /// The n-th retry waits n times the delay.
    Linear,
    /// Each retry waits twice as long as the one before.
    Exponential,
}

impl BackoffStrategy {
    pub const EVERY: [BackoffStrategy; 2] = [BackoffStrategy::Linear, BackoffStrategy::Exponential];

    pub fn id(self) -> &'static str {
        match self {
            BackoffStrategy::Linear => "linear",
            BackoffStrategy::Exponential => "exponential",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BackoffStrategy::Linear => "Linear",
            BackoffStrategy::Exponential => "Exponential",
        }
    }

    pub fn from_id(id: &str) -> Option<BackoffStrategy> {
        BackoffStrategy::EVERY.into_iter().find(|b| b.id() == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Retries after a failed first attempt, 0 to 15.
    pub max_retries: u32,
    /// Seconds before the first retry, 1 to 86,400.
    pub retry_delay_secs: u32,
    pub backoff_strategy: BackoffStrategy,
}

impl RetryPolicy {
    pub const MAX_RETRIES: u32 = 15;
    pub const MAX_DELAY_SECS: u32 = 86_400;
    /// No wait grows past a day: an exponential policy stays within the log's retention.
    pub const MAX_WAIT_SECS: u64 = 86_400;

    /// Refuses a policy out of bounds, naming the field.
    pub fn check(&self) -> Result<(), AppError> {
        if self.max_retries > Self::MAX_RETRIES {
            return Err(AppError::bad_request(
                "retry_policy.max_retries",
                format!("Retries are 0 to {}.", Self::MAX_RETRIES),
            ));
        }
        if !(1..=Self::MAX_DELAY_SECS).contains(&self.retry_delay_secs) {
            return Err(AppError::bad_request(
                "retry_policy.retry_delay_secs",
                "The retry delay is 1 second to 1 day (86400 seconds).",
            ));
        }
        Ok(())
    }

    /// The waits before each retry, in seconds: `[delay, 2·delay, …]` (linear) or
    /// `[delay, 2·delay, 4·delay, …]` (exponential), each at most a day.
    pub fn waits_secs(&self) -> Vec<u64> {
        let delay = u64::from(self.retry_delay_secs);
        (1..=u64::from(self.max_retries.min(Self::MAX_RETRIES)))
            .map(|n| {
                let factor = match self.backoff_strategy {
                    BackoffStrategy::Linear => n,
                    BackoffStrategy::Exponential => 1u64 << (n - 1),
                };
                delay.saturating_mul(factor).min(Self::MAX_WAIT_SECS)
            })
            .collect()
    }

    /// As the worker's schedule: attempt 1 at once, then the waits.
    pub fn schedule(&self) -> Vec<Duration> {
        std::iter::once(Duration::ZERO)
            .chain(self.waits_secs().into_iter().map(Duration::from_secs))
            .collect()
    }

    /// Attempts a delivery may take under any policy: the queue's bound on claims.
    pub const MAX_ATTEMPTS: usize = 1 + Self::MAX_RETRIES as usize;
}

/// The waits before each retry a destination gets: its policy's, or the installation's
/// `schedule` (whose first entry is the first attempt's, not a retry's).
pub fn effective_waits(policy: Option<&RetryPolicy>, schedule: &[Duration]) -> Vec<u64> {
    match policy {
        Some(policy) => policy.waits_secs(),
        None => schedule.iter().skip(1).map(Duration::as_secs).collect(),
    }
}

/// A wait as an admin reads it: "immediately", "45 s", "2 min", "1 h 30 min", "1 day".
pub fn wait_label(secs: u64) -> String {
    match secs {
        0 => "immediately".into(),
        s if s < 60 => format!("{s} s"),
        s if s < 3600 && s % 60 == 0 => format!("{} min", s / 60),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s if s < 86_400 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s < 86_400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s if s % 86_400 == 0 && s / 86_400 == 1 => "1 day".into(),
        s => format!("{} days", s / 86_400),
    }
}

/// "Retried after 10 s, 20 s and 40 s, then marked failed." for a list of waits.
pub fn describe_waits(waits: &[u64]) -> String {
    let labels: Vec<String> = waits.iter().map(|w| wait_label(*w)).collect();
    match labels.as_slice() {
        [] => "Not retried: one failed attempt marks the delivery failed.".into(),
        [one] => format!("Retried once, after {one}, then marked failed."),
        [rest @ .., last] => {
            format!(
                "Retried after {} and {last}, then marked failed.",
                rest.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_retries: u32, delay: u32, backoff: BackoffStrategy) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            retry_delay_secs: delay,
            backoff_strategy: backoff,
        }
    }

    #[test]
    fn linear_and_exponential_waits_grow_as_named_and_stop_at_a_day() {
        assert_eq!(
            policy(4, 10, BackoffStrategy::Linear).waits_secs(),
            [10, 20, 30, 40]
        );
        assert_eq!(
            policy(4, 10, BackoffStrategy::Exponential).waits_secs(),
            [10, 20, 40, 80]
        );
        let long = policy(15, 3600, BackoffStrategy::Exponential).waits_secs();
        assert_eq!(long.len(), 15);
        assert_eq!(long[..5], [3600, 7200, 14_400, 28_800, 57_600]);
        assert!(long[5..].iter().all(|w| *w == 86_400));
        assert_eq!(
            policy(2, 5, BackoffStrategy::Linear).schedule(),
            [
                Duration::ZERO,
                Duration::from_secs(5),
                Duration::from_secs(10)
            ]
        );
        assert!(policy(0, 5, BackoffStrategy::Linear)
            .waits_secs()
            .is_empty());
    }

    #[test]
    fn out_of_bounds_policies_name_their_field() {
        let field = |p: RetryPolicy| p.check().unwrap_err().field().map(str::to_string);
        assert_eq!(
            field(policy(16, 10, BackoffStrategy::Linear)).as_deref(),
            Some("retry_policy.max_retries")
        );
        assert_eq!(
            field(policy(3, 0, BackoffStrategy::Linear)).as_deref(),
            Some("retry_policy.retry_delay_secs")
        );
        assert_eq!(
            field(policy(3, 86_401, BackoffStrategy::Linear)).as_deref(),
            Some("retry_policy.retry_delay_secs")
        );
        assert!(policy(15, 86_400, BackoffStrategy::Exponential)
            .check()
            .is_ok());
    }

    #[test]
    fn waits_read_as_an_admin_would_say_them() {
        assert_eq!(
            describe_waits(&[30, 120, 600, 1800]),
            "Retried after 30 s, 2 min, 10 min and 30 min, then marked failed."
        );
        assert_eq!(
            describe_waits(&[90]),
            "Retried once, after 1 min 30 s, then marked failed."
        );
        assert_eq!(wait_label(5400), "1 h 30 min");
        assert_eq!(wait_label(86_400), "1 day");
        assert_eq!(wait_label(172_800), "2 days");
        assert!(describe_waits(&[]).starts_with("Not retried"));
    }
}
