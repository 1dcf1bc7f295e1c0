//! The other Plugboard processes on this database, as far as their notifications tell. A
//! process NOTIFYs that it queued deliveries only while another process is listening: alone, each
//! NOTIFY woke only its own listener (which ignores it) and cost the database a transaction and
//! two wake-ups per publish (3-7% of its CPU an event at 200-1,000 events/s, the README's
//! benchmark). Every process says hello on [`HELLO_CHANNEL`] as it starts and every
//! [`HELLO_EVERY`] after, so the others hear of a new process at once and it hears of them
//! within that time (meanwhile every worker still polls each second).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The channel processes say hello on.
pub const HELLO_CHANNEL: &str = "plugboard_processes";

/// How often a process says hello.
pub const HELLO_EVERY: Duration = Duration::from_secs(2);

/// Another process counts as listening this long after it was last heard.
const HEARD_FOR: Duration = Duration::from_secs(7);

/// When another process was last heard, and what this process sent and was woken by.
#[derive(Default)]
pub struct Peers {
    /// Milliseconds since the Unix epoch; 0 when none was ever heard.
    last_heard_ms: AtomicU64,
    announced: AtomicU64,
    woken: AtomicU64,
}

impl Peers {
    /// Another process's notification arrived.
    pub fn heard(&self) {
        self.last_heard_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Whether another process was heard lately, so a NOTIFY has someone to wake.
    pub fn listening(&self) -> bool {
        let last = self.last_heard_ms.load(Ordering::Relaxed);
        last != 0 && now_ms().saturating_sub(last) <= HEARD_FOR.as_millis() as u64
    }

    /// A NOTIFY of queued deliveries went out.
    pub fn note_announced(&self) {
        self.announced.fetch_add(1, Ordering::Relaxed);
    }

    /// NOTIFYs of queued deliveries this process sent.
    pub fn announced(&self) -> u64 {
        self.announced.load(Ordering::Relaxed)
    }

    /// Another process's queued deliveries woke this process's worker.
    pub fn note_woken(&self) {
        self.woken.fetch_add(1, Ordering::Relaxed);
    }

    /// Times other processes' queued deliveries woke this process's worker.
    pub fn woken(&self) -> u64 {
        self.woken.load(Ordering::Relaxed)
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_listens_once_heard_and_until_it_falls_silent() {
        let peers = Peers::default();
        assert!(!peers.listening(), "nobody heard yet");
        peers.heard();
        assert!(peers.listening());
        let long_ago = now_ms() - HEARD_FOR.as_millis() as u64 - 1;
        peers.last_heard_ms.store(long_ago, Ordering::Relaxed);
        assert!(!peers.listening(), "silent for longer than a few hellos");
    }
}
