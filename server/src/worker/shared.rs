//! What the claim loop and the recorders share about destinations.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use uuid::Uuid;

/// This process's deliveries answered and not yet recorded, per destination. The table shows
/// them claimed until the recorder gets to them; the claim counts them out of flight, so a
/// destination's limit bounds requests open to it, not the recorder's backlog.
#[derive(Clone, Default)]
pub(super) struct Answered(Arc<std::sync::Mutex<HashMap<Uuid, i64>>>);

impl Answered {
    pub(super) fn add(&self, destination: Uuid, n: i64) {
        if let Ok(mut counts) = self.0.lock() {
            let count = counts.entry(destination).or_default();
            *count += n;
            if *count <= 0 {
                counts.remove(&destination);
            }
        }
    }

    pub(super) fn counts(&self) -> Vec<(Uuid, i64)> {
        self.0
            .lock()
            .map(|counts| counts.iter().map(|(d, n)| (*d, *n)).collect())
            .unwrap_or_default()
    }
}

/// Destinations whose last claim took all the room they had (their in-flight or rate limit), so
/// deliveries of theirs may be waiting: a recorded outcome of theirs makes room, and the claim
/// loop is woken for it. A destination whose claim left room had nothing more due.
#[derive(Clone, Default)]
pub(super) struct HeldBack(Arc<std::sync::Mutex<HashSet<Uuid>>>);

/// Destinations kept at most; past it the set starts afresh, and a destination dropped from it
/// waits for the next publish or poll.
const HELD_BACK_AT_MOST: usize = 10_000;

impl HeldBack {
    /// Notes what a claim took: `(destination, took all its room)`.
    pub(super) fn note(&self, rooms: &[(Uuid, bool)]) {
        if let Ok(mut held) = self.0.lock() {
            for (destination, full) in rooms {
                match full {
                    true => held.insert(*destination),
                    false => held.remove(destination),
                };
            }
            if held.len() > HELD_BACK_AT_MOST {
                held.clear();
            }
        }
    }

    /// Whether any of these destinations was held back.
    pub(super) fn any(&self, mut destinations: impl Iterator<Item = Uuid>) -> bool {
        self.0
            .lock()
            .map(|held| destinations.any(|d| held.contains(&d)))
            .unwrap_or(true)
    }
}
