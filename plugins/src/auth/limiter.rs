//! Counting failed logins, per user and per client address: past `max_failures` within the
//! window, further attempts are refused (HTTP 429) without checking any password, until the
//! oldest counted failure leaves the window. Both keys count, so neither guessing many
//! passwords of one user from many addresses nor many users from one address gets far.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most keys kept; beyond it, keys whose failures have all left the window are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// Failure counts per key (`user:NAME`, `address:IP`).
pub struct Limiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    /// At most `max_failures` within `window`.
    pub fn new(max_failures: u32, window: Duration) -> Limiter {
        Limiter {
            max_failures: max_failures.max(1) as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `None` when every key may try now, else how long until the first that may not can.
    pub fn blocked(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = None;
        for key in keys {
            let Some(times) = failures.get_mut(key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                times.pop_front();
            }
            if times.len() >= self.max_failures {
                let oldest = times.front().copied().unwrap_or(now);
                let left = self.window.saturating_sub(now.duration_since(oldest));
                wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
            }
        }
        wait
    }

    /// Counts a failure for every key.
    pub fn failed(&self, keys: &[String], now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > PRUNE_ABOVE {
            let window = self.window;
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
        }
        for key in keys {
            failures.entry(key.clone()).or_default().push_back(now);
        }
    }

    /// Forgets `key`'s failures (a user who got its password right).
    pub fn succeeded(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nth_failure_blocks_until_the_oldest_leaves_the_window() {
        let limiter = Limiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        let keys = ["user:alice".to_owned(), "address:10.0.0.1".to_owned()];
        for i in 0..3 {
            assert_eq!(limiter.blocked(&keys, t0), None, "after {i} failures");
            limiter.failed(&keys, t0 + Duration::from_secs(i));
        }
        let wait = limiter.blocked(&keys, t0 + Duration::from_secs(10));
        assert_eq!(wait, Some(Duration::from_secs(50)));
        // Another user from the same address is blocked too; the same user elsewhere as well.
        let other_user = ["user:bob".to_owned(), "address:10.0.0.1".to_owned()];
        assert!(limiter
            .blocked(&other_user, t0 + Duration::from_secs(10))
            .is_some());
        let elsewhere = ["user:alice".to_owned(), "address:10.0.0.2".to_owned()];
        assert!(limiter
            .blocked(&elsewhere, t0 + Duration::from_secs(10))
            .is_some());
        assert_eq!(limiter.blocked(&keys, t0 + Duration::from_secs(61)), None);
        limiter.succeeded("user:alice");
        assert_eq!(
            limiter.blocked(&elsewhere, t0 + Duration::from_secs(10)),
            None
        );
    }
}
