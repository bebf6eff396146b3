//! Per-host politeness: at most one request per interval to each host.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Hands out request slots per host so that two requests to one host are at least the host's
/// interval apart, whichever source or task asks. Slots are reserved in order of asking, so
/// concurrent callers queue fairly instead of bursting when the interval ends.
#[derive(Debug)]
pub(crate) struct HostLimiter {
    default_interval: Duration,
    hosts: Mutex<HashMap<String, HostSlot>>,
}

#[derive(Debug, Clone, Copy)]
struct HostSlot {
    next: Instant,
    interval: Duration,
}

impl HostLimiter {
    pub(crate) fn new(default_interval: Duration) -> Self {
        HostLimiter {
            default_interval,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Raises one host's interval (a robots.txt `Crawl-delay` longer than the default).
    pub(crate) fn raise_interval(&self, host: &str, interval: Duration) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let default = self.default_interval;
        let slot = hosts.entry(host.to_owned()).or_insert(HostSlot {
            next: Instant::now(),
            interval: default,
        });
        if interval > slot.interval {
            slot.interval = interval;
        }
    }

    /// The instant at which the caller may send its request to `host` (reserving it).
    pub(crate) fn reserve(&self, host: &str) -> Instant {
        let now = Instant::now();
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let default = self.default_interval;
        let slot = hosts.entry(host.to_owned()).or_insert(HostSlot {
            next: now,
            interval: default,
        });
        let at = slot.next.max(now);
        slot.next = at + slot.interval;
        at
    }

    /// Waits for a slot for `host`.
    pub(crate) async fn wait(&self, host: &str) {
        let at = self.reserve(host);
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced_and_hosts_are_independent() {
        let limiter = HostLimiter::new(Duration::from_secs(2));
        let start = Instant::now();
        let a1 = limiter.reserve("a");
        let a2 = limiter.reserve("a");
        let a3 = limiter.reserve("a");
        let b1 = limiter.reserve("b");
        assert_eq!(a1 - start, Duration::ZERO);
        assert_eq!(a2 - start, Duration::from_secs(2));
        assert_eq!(a3 - start, Duration::from_secs(4));
        assert_eq!(b1 - start, Duration::ZERO);
        limiter.raise_interval("b", Duration::from_secs(10));
        assert_eq!(limiter.reserve("b") - start, Duration::from_secs(2));
        assert_eq!(limiter.reserve("b") - start, Duration::from_secs(12));
        limiter.wait("a").await;
        assert_eq!(Instant::now() - start, Duration::from_secs(6));
    }
}
