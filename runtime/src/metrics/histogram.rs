//! A latency histogram made of atomic counters: recording is one `partition_point` over 17
//! bounds and two relaxed `fetch_add`s, with no lock, so the serving path never waits for a
//! reader. Readers take [`HistogramSnapshot`]s; the difference of two snapshots is the
//! histogram of one interval, from which percentiles are interpolated.

use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the buckets in microseconds (Prometheus-style, cumulative `le`); one more
/// bucket holds everything above the last bound.
pub const BOUNDS_US: [u64; 17] = [
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 5_000_000, 10_000_000,
];

/// Number of buckets (the bounds plus `+Inf`).
pub const BUCKETS: usize = BOUNDS_US.len() + 1;

/// Lock-free latency histogram.
#[derive(Debug, Default)]
pub struct AtomicHistogram {
    buckets: [AtomicU64; BUCKETS],
    sum_us: AtomicU64,
}

/// The counts of a histogram at one moment (or over one interval, as a difference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HistogramSnapshot {
    /// Samples per bucket (not cumulative).
    pub buckets: [u64; BUCKETS],
    /// Sum of all samples in microseconds.
    pub sum_us: u64,
}

impl AtomicHistogram {
    /// Records one latency in microseconds.
    pub fn record(&self, micros: u64) {
        let index = BOUNDS_US.partition_point(|&bound| bound < micros);
        self.buckets[index].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(micros, Ordering::Relaxed);
    }

    /// Reads the counts.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut buckets = [0; BUCKETS];
        for (out, bucket) in buckets.iter_mut().zip(&self.buckets) {
            *out = bucket.load(Ordering::Relaxed);
        }
        HistogramSnapshot {
            buckets,
            sum_us: self.sum_us.load(Ordering::Relaxed),
        }
    }
}

impl HistogramSnapshot {
    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// `self - earlier`: the samples recorded in between.
    pub fn since(&self, earlier: &HistogramSnapshot) -> HistogramSnapshot {
        let mut buckets = [0; BUCKETS];
        for (i, out) in buckets.iter_mut().enumerate() {
            *out = self.buckets[i].saturating_sub(earlier.buckets[i]);
        }
        HistogramSnapshot {
            buckets,
            sum_us: self.sum_us.saturating_sub(earlier.sum_us),
        }
    }

    /// The `p`-th percentile (0–100) in milliseconds, interpolated linearly inside its
    /// bucket; samples above the last bound count as the last bound. 0 without samples.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        let count = self.count();
        if count == 0 {
            return 0.0;
        }
        let rank = ((p / 100.0) * count as f64).ceil().clamp(1.0, count as f64);
        let mut below = 0u64;
        for (i, &n) in self.buckets.iter().enumerate() {
            if n > 0 && (below + n) as f64 >= rank {
                let lower = if i == 0 { 0 } else { BOUNDS_US[i - 1] } as f64;
                let Some(&upper) = BOUNDS_US.get(i) else {
                    return lower / 1000.0;
                };
                let within = (rank - below as f64) / n as f64;
                return (lower + (upper as f64 - lower) * within) / 1000.0;
            }
            below += n;
        }
        BOUNDS_US[BOUNDS_US.len() - 1] as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_land_in_the_bucket_of_their_upper_bound() {
        let h = AtomicHistogram::default();
        h.record(50);
        h.record(51);
        h.record(20_000_000);
        let s = h.snapshot();
        assert_eq!(s.buckets[0], 1);
        assert_eq!(s.buckets[1], 1);
        assert_eq!(s.buckets[BUCKETS - 1], 1);
        assert_eq!(s.count(), 3);
        assert_eq!(s.sum_us, 20_000_101);
    }

    #[test]
    fn percentiles_interpolate_inside_buckets_and_intervals_subtract() {
        let h = AtomicHistogram::default();
        for _ in 0..100 {
            h.record(700); // bucket 500..1000 µs
        }
        let first = h.snapshot();
        assert!((first.percentile_ms(50.0) - 0.75).abs() < 1e-9);
        assert!((first.percentile_ms(100.0) - 1.0).abs() < 1e-9);
        for _ in 0..10 {
            h.record(30);
        }
        let interval = h.snapshot().since(&first);
        assert_eq!(interval.count(), 10);
        assert!(interval.percentile_ms(99.0) <= 0.05);
        assert_eq!(HistogramSnapshot::default().percentile_ms(50.0), 0.0);
    }
}
