//! What an attempt means for its delivery: done, retry when, or failed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use super::attempt::Verdict;

/// A `Retry-After` is honoured between these bounds.
const RETRY_AFTER_MIN: Duration = Duration::from_secs(1);
const RETRY_AFTER_MAX: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    RetryAt(DateTime<Utc>),
    /// Out of attempts, or stopped by the destination; `disable` switches it off (410 Gone).
    Failed {
        disable: bool,
    },
    /// Parked with its destination, which is switched off until it is reconnected.
    Suspended,
}

impl Outcome {
    /// Whether the delivery is over (succeeded or failed), no longer pending or parked.
    pub fn finishes(&self) -> bool {
        matches!(self, Outcome::Succeeded | Outcome::Failed { .. })
    }
}

/// After attempt `number` (from 1) fails, the next waits `schedule[number]` (with ±10% jitter),
/// or what the destination asked for; past the schedule's end the delivery has failed.
pub fn decide(
    verdict: Verdict,
    number: i32,
    schedule: &[Duration],
    single_attempt: bool,
) -> Outcome {
    let asked = match verdict {
        Verdict::Delivered => return Outcome::Succeeded,
        Verdict::Stop { disable } => return Outcome::Failed { disable },
        Verdict::Suspend if single_attempt => return Outcome::Failed { disable: false },
        Verdict::Suspend => return Outcome::Suspended,
        Verdict::Retry { after } => after,
    };
    let next = usize::try_from(number).unwrap_or(usize::MAX);
    if single_attempt || next >= schedule.len() {
        return Outcome::Failed { disable: false };
    }
    let delay = match asked {
        Some(asked) => asked.clamp(RETRY_AFTER_MIN, RETRY_AFTER_MAX),
        None => jitter(schedule[next]),
    };
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::zero());
    Outcome::RetryAt(Utc::now() + delay)
}

fn jitter(delay: Duration) -> Duration {
    if delay.is_zero() {
        return delay;
    }
    delay.mul_f64(rand::thread_rng().gen_range(0.9..1.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEDULE: [Duration; 3] = [
        Duration::ZERO,
        Duration::from_secs(30),
        Duration::from_secs(120),
    ];

    #[test]
    fn retries_follow_the_schedule_then_fail() {
        let retry = Verdict::Retry { after: None };
        let Outcome::RetryAt(at) = decide(retry, 1, &SCHEDULE, false) else {
            panic!("the first failure is retried");
        };
        let wait = (at - Utc::now()).num_seconds();
        assert!((26..=33).contains(&wait), "30 s ± 10%: {wait}");
        assert_eq!(
            decide(retry, 3, &SCHEDULE, false),
            Outcome::Failed { disable: false }
        );
        assert_eq!(
            decide(retry, 1, &SCHEDULE, true),
            Outcome::Failed { disable: false }
        );
    }

    #[test]
    fn a_requested_wait_is_honoured_within_bounds_and_gone_disables() {
        let asked = Verdict::Retry {
            after: Some(Duration::from_secs(7200)),
        };
        let Outcome::RetryAt(at) = decide(asked, 1, &SCHEDULE, false) else {
            panic!("retried");
        };
        assert!((at - Utc::now()).num_seconds() <= 3600);
        assert_eq!(
            decide(Verdict::Stop { disable: true }, 1, &SCHEDULE, false),
            Outcome::Failed { disable: true }
        );
        assert_eq!(
            decide(Verdict::Delivered, 5, &SCHEDULE, false),
            Outcome::Succeeded
        );
    }
}
