//! How busy this node is, as `NodeStatus` reports it: a moving average of call latency (calls
//! served here and calls sent from here), updated lock-free on every call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The node's measured call latency.
#[derive(Default)]
pub struct Load {
    latency_us: AtomicU64,
    served: AtomicU64,
}

impl Load {
    /// Folds one call's latency into the moving average.
    pub fn record(&self, elapsed: Duration) {
        let sample = elapsed.as_micros().min(u128::from(u64::MAX)) as u64;
        let old = self.latency_us.load(Ordering::Relaxed);
        // Exponential moving average with weight 1/8: cheap, and stale values fade quickly.
        let new = if old == 0 {
            sample
        } else {
            old - old / 8 + sample / 8
        };
        self.latency_us.store(new, Ordering::Relaxed);
        self.served.fetch_add(1, Ordering::Relaxed);
    }

    /// The moving average.
    pub fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_us.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_starts_at_the_first_sample_and_moves_an_eighth_per_call() {
        let load = Load::default();
        load.record(Duration::from_micros(800));
        assert_eq!(load.latency(), Duration::from_micros(800));
        load.record(Duration::from_micros(0));
        assert_eq!(load.latency(), Duration::from_micros(700));
    }
}
