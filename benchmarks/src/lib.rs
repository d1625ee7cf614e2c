//! # clacks-benchmarks: speed goals as ratios against a baseline from the same run
//!
//! Machines here are shared and noisy, so no benchmark asserts a time: each measures Clacks
//! and a baseline doing the same work in one process, in alternating rounds
//! ([`Samples::interleaved`]), and prints both with their ratio. Goals (from the issues) are stated beside the ratio.
//!
//! ## Layout
//! - [`Samples`]: latency samples with percentiles and throughput.
//! - [`report`]: the printed table row.
//! - [`amqp_node`]: benchmark nodes on the real broker, and their domain's removal.
//! - `benches/amqp.rs`: calls over RabbitMQ beside two raw lapin request/reply loops: a bare
//!   one, and one doing the broker work Clacks' delivery guarantees ask for (confirms both
//!   ways, ack after the reply's confirm), so Clacks' own cost shows apart from theirs.
//! - `benches/events.rs`: event publish+deliver with and without validation (in-process and
//!   over RabbitMQ, beside raw lapin), and the stats actor's cost on calls.
//! - `benches/dispatch.rs`: full in-process dispatch (macro → registry → actor → reply) vs a raw
//!   actix `send` round trip. Run with `cargo bench -p clacks-benchmarks --bench dispatch`.

#![warn(missing_docs)]

pub mod amqp_node;

use std::time::{Duration, Instant};

/// One side of a comparison: an operation to run again and again.
pub type Side<'a> = Box<dyn FnMut() -> futures_util::future::LocalBoxFuture<'a, ()> + 'a>;

/// Per-operation latencies of one measured run.
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

    /// Measures every side sequentially, `count` operations each, in `rounds` blocks whose
    /// order rotates (a b c, b c a, c a b, …), so all sides see the same machine: a noisy
    /// neighbour or a broker hiccup lands on each instead of skewing their ratios.
    pub async fn interleaved(
        warmup: usize,
        count: usize,
        rounds: usize,
        sides: &mut [Side<'_>],
    ) -> Vec<Samples> {
        let rounds = rounds.max(1);
        let block = (count / rounds).max(1);
        let mut all: Vec<Samples> = sides.iter().map(|_| Samples::empty()).collect();
        for round in 0..rounds {
            let warm = if round == 0 { warmup } else { 0 };
            for step in 0..sides.len() {
                let i = (round + step) % sides.len();
                let samples = Samples::measure(warm, block, &mut sides[i]).await;
                all[i].absorb(samples);
            }
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
    fn interleaved_runs_every_side_the_same_number_of_times_in_rotating_order() {
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
        let samples = runtime.block_on(Samples::interleaved(0, 6, 3, &mut sides));
        drop(sides);
        // 3 rounds of 2 (6 / 3) each, the first side rotating.
        assert!(samples.iter().all(|s| s.latencies.len() == 6));
        let order: String = order.borrow().iter().collect();
        assert_eq!(order, "aabbccbbccaaccaabb");
    }
}
