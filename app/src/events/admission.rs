//! Admission of publishes, in front of everything else a request goes through. Past capacity,
//! refusing a publish only once it reached the group-commit queue was too late: by then the
//! server had authenticated it, read its body and checked it against the schema, and on a
//! saturated machine each of those waits its turn behind every other request, so refusals took
//! seconds. A bound on publishes in flight keeps the admitted ones' latency at about the bound
//! over the commit rate (Little's law), and the rest hear 503 before their body is read.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::runtime::AppState;

/// Where publishes come in (`publish` and `publish_batch`).
pub const PUBLISH_PATHS: &str = "/api/v1/events/publish";

/// Publish requests admitted and not yet answered, against a limit.
#[derive(Debug)]
pub struct Admission {
    in_flight: AtomicUsize,
    limit: usize,
}

/// An admitted request's place; given back when dropped, however the request ends.
#[derive(Debug)]
pub struct Ticket<'a>(&'a Admission);

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Release);
    }
}

impl Admission {
    pub fn new(limit: usize) -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            limit: limit.max(1),
        }
    }

    /// A place, if fewer than the limit are in flight.
    pub fn admit(&self) -> Option<Ticket<'_>> {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Ticket(self))
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}

/// A publish past the in-flight limit, or while the group-commit queue is behind, is refused:
/// 503 `overloaded` with `Retry-After: 1`, at once. Who calls does not matter (the server is
/// full for everyone), so this comes before authentication and reads nothing but the path; a
/// small body already received is drained by the HTTP server, keeping the connection. Anything
/// else passes with no ticket. The ticket is held until the response is made.
pub fn admit_publishes<'a>(
    state: &'a AppState,
    path: &str,
) -> ControlFlow<Response, Option<Ticket<'a>>> {
    if !path.starts_with(PUBLISH_PATHS) {
        return ControlFlow::Continue(None);
    }
    let ticket = match state.publishing.is_behind() {
        true => None,
        false => state.publish_admission.admit(),
    };
    match ticket {
        Some(ticket) => ControlFlow::Continue(Some(ticket)),
        None => ControlFlow::Break(
            AppError::Overloaded {
                retry_after_secs: 1,
            }
            .into_response(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_up_to_the_limit_and_again_once_a_place_is_given_back() {
        let admission = Admission::new(2);
        let first = admission.admit();
        let second = admission.admit();
        assert!(first.is_some() && second.is_some());
        assert!(admission.admit().is_none(), "a third is over the limit");
        assert_eq!(admission.in_flight(), 2);
        drop(first);
        assert_eq!(admission.in_flight(), 1);
        assert!(
            admission.admit().is_some(),
            "the given-back place is free again"
        );
    }
}
