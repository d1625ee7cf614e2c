//! # clacks-benchmarks: speed goals as ratios against a baseline from the same run
//!
//! Machines here are shared and noisy, so no benchmark asserts a time: each measures Clacks
//! and a baseline doing the same work in one process, in rounds whose order alternates
//! ([`Samples::paired_rounds`], [`round_order`]), and prints both with the median of the
//! per-round ratios. Goals (from the issues) are stated beside the ratio.
//! `benchmarks/compare-commits BASE_REV BENCH` pairs a bench against an older commit's build.
//!
//! ## Layout
//! - [`Samples`]: latency samples with percentiles and throughput.
//! - [`report`]: the printed table row; [`median`] of per-round ratios.
//! - [`amqp_node`]: benchmark nodes on the real broker, and their domain's removal.
//! - [`cpu`]: CPU time of this process and of the broker, read around a measured run.
//! - [`knobs`]: run sizes from the environment (`CLACKS_BENCH_CALLS`, …), bad values refused.
//! - [`ready`]: calling a fresh node until it answers, before anything is measured.
//! - `benches/amqp.rs`: calls over RabbitMQ beside two raw lapin request/reply loops: a bare
//!   one, and one doing the broker work Clacks' delivery guarantees ask for (confirms both
//!   ways, ack after the reply's confirm), so Clacks' own cost shows apart from theirs.
//! - `benches/events.rs`: event publish+deliver with and without validation (in-process and
//!   over RabbitMQ, beside raw lapin), and the stats actor's cost on calls.
//! - `benches/dispatch.rs`: full in-process dispatch (macro → registry → actor → reply) vs a raw
//!   actix `send` round trip. Run with `cargo bench -p clacks-benchmarks --bench dispatch`.

#![warn(missing_docs)]

pub mod amqp_node;
pub mod cpu;
pub mod knobs;
pub mod ready;

use std::time::{Duration, Instant};

/// One side of a comparison: an operation to run again and again.
pub type Side<'a> = Box<dyn FnMut() -> futures_util::future::LocalBoxFuture<'a, ()> + 'a>;

/// Per-operation latencies of one measured run.
#[derive(Default)]
pub struct Samples {
    latencies: Vec<Duration>,
    total: Duration,
}

impl Samples {
    /// Runs `op` `count` times sequentially (after `warmup` unmeasured runs).
    pub async fn measure<F, Fut>(warmup: usize, count: usize, mut op: F) -> Samples
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        for _ in 0..warmup {
            op().await;
        }
        let mut latencies = Vec::with_capacity(count);
        let started = Instant::now();
        for _ in 0..count {
            let t = Instant::now();
            op().await;
            latencies.push(t.elapsed());
        }
        let total = started.elapsed();
        latencies.sort();
        Samples { latencies, total }
    }

    /// Measures every side `rounds` times, `count / rounds` operations each time, the sides
    /// of each round in the order [`round_order`] gives (so that each pair of sides runs in
    /// either order equally often); returns the samples of each round, `[round][side]`, for
    /// per-round ratios whose median survives a noisy round. [`Samples::pooled`] joins them.
    pub async fn paired_rounds(
        warmup: usize,
        count: usize,
        rounds: usize,
        sides: &mut [Side<'_>],
    ) -> Vec<Vec<Samples>> {
        let rounds = rounds.max(1);
        let block = (count / rounds).max(1);
        let mut all = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let warm = if round == 0 { warmup } else { 0 };
            let mut this: Vec<Option<Samples>> = sides.iter().map(|_| None).collect();
            for i in round_order(round, sides.len()) {
                this[i] = Some(Samples::measure(warm, block, &mut sides[i]).await);
            }
            all.push(this.into_iter().map(Option::unwrap_or_default).collect());
        }
        all
    }

    /// All samples of `parts` as one run.
    pub fn pooled(parts: impl IntoIterator<Item = Samples>) -> Samples {
        let mut all = Samples::empty();
        for part in parts {
            all.absorb(part);
        }
        all
    }

    fn empty() -> Samples {
        Samples {
            latencies: Vec::new(),
            total: Duration::ZERO,
        }
    }

    fn absorb(&mut self, other: Samples) {
        self.latencies.extend(other.latencies);
        self.latencies.sort();
        self.total += other.total;
    }

    /// The `p`-th percentile (0–100).
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * (self.latencies.len() - 1) as f64).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)]
    }

    /// Operations per second over the whole run.
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.total.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// The order in which round `round` runs `sides` sides: a rotation that advances every other
/// round, reversed on odd rounds (two sides: a b, b a, b a, a b, …; three: abc, cba, bca,
/// acb, cab, bac), so that over a few rounds every pair runs in either order equally often.
pub fn round_order(round: usize, sides: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sides).map(|i| (i + round / 2) % sides).collect();
    if round % 2 == 1 {
        order.reverse();
    }
    order
}

/// The median of `values` (the upper one of an even count); 0 when there are none.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// One printed row: name, p50, p99, ops/s.
pub fn report(name: &str, s: &Samples) {
    println!(
        "{name:<44} p50 {:>9.2} µs   p99 {:>9.2} µs   {:>11.0} ops/s",
        s.percentile(50.0).as_secs_f64() * 1e6,
        s.percentile(99.0).as_secs_f64() * 1e6,
        s.per_second()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_ranks() {
        let s = Samples {
            latencies: (1..=100).map(Duration::from_micros).collect(),
            total: Duration::from_secs(1),
        };
        assert_eq!(s.percentile(50.0), Duration::from_micros(51));
        assert_eq!(s.percentile(99.0), Duration::from_micros(99));
        assert_eq!(s.per_second().round(), 100.0);
    }

    #[test]
    fn paired_rounds_run_every_side_the_same_number_of_times_in_round_order() {
        use futures_util::FutureExt;
        use std::cell::RefCell;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let order = RefCell::new(Vec::new());
        let side = |name: char| -> Side<'_> {
            let order = &order;
            Box::new(move || {
                order.borrow_mut().push(name);
                std::future::ready(()).boxed_local()
            })
        };
        let mut sides = [side('a'), side('b'), side('c')];
        let rounds = runtime.block_on(Samples::paired_rounds(0, 6, 3, &mut sides));
        drop(sides);
        // 3 rounds of 2 (6 / 3) per side, in round_order.
        assert_eq!(rounds.len(), 3);
        assert!(rounds.iter().flatten().all(|s| s.latencies.len() == 2));
        let pooled = Samples::pooled(rounds.into_iter().map(|mut r| r.remove(0)));
        assert_eq!(pooled.latencies.len(), 6);
        let order: String = order.borrow().iter().collect();
        assert_eq!(order, "aabbccccbbaabbccaa");
    }

    #[test]
    fn round_order_runs_each_pair_in_either_order_equally_often() {
        let name = |round| -> String {
            round_order(round, 3)
                .into_iter()
                .map(|i| (b'a' + i as u8) as char)
                .collect()
        };
        let orders: Vec<String> = (0..6).map(name).collect();
        assert_eq!(orders, ["abc", "cba", "bca", "acb", "cab", "bac"]);
        let two: Vec<Vec<usize>> = (0..4).map(|r| round_order(r, 2)).collect();
        assert_eq!(two, [vec![0, 1], vec![1, 0], vec![1, 0], vec![0, 1]]);
        assert_eq!(median([3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median([]), 0.0);
    }
}
