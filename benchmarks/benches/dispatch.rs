//! Full in-process dispatch against a raw actix round trip, in one run.
//!
//! Clacks: `NodeHandle::call("bench.echo", [n])` → route lookup → local transport → plugin
//! handle → plugin actor (its own arbiter, `catch_unwind`) → macro-generated argument parsing →
//! handler → JSON result. Baseline: `Addr::send` of the same integer to a bare actix actor that
//! echoes it, placed like the plugin actor (its own arbiter); a same-thread variant is printed
//! for reference. Goal (issue 3): Clacks costs at most 2× the comparable raw round trip.
//!
//! Then an async command against a sync one (issue 9): `bench_async.echo` (an `async fn` on a
//! concurrent plugin, run as a future by the plugin's actor) against `bench.echo`, in paired
//! rounds whose order alternates; the printed ratio is the median of the rounds' p50 ratios.
//! Goal: at most 1.2×.

use actix::prelude::*;
use clacks_benchmarks::{report, Samples};
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::config;
use clacks_runtime::plugin::plugin;
use clacks_runtime::PluginDef;
use clacks_runtime::{NodeBuilder, NodeHandle};
use serde_json::json;

struct Bench;

/// Benchmark commands.
#[plugin(name = "bench")]
impl Bench {
    /// Returns its argument.
    #[command]
    fn echo(&self, n: u64) -> u64 {
        n
    }
}

/// The same command as an `async fn`, which makes its plugin concurrent.
struct BenchAsync;

/// Async benchmark commands.
#[plugin(name = "bench_async")]
impl BenchAsync {
    /// Returns its argument.
    #[command]
    async fn echo(&self, n: u64) -> u64 {
        n
    }
}

struct Echo;

impl Actor for Echo {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "u64")]
struct Ping(u64);

impl Handler<Ping> for Echo {
    type Result = u64;
    fn handle(&mut self, msg: Ping, _: &mut Context<Self>) -> u64 {
        msg.0
    }
}

const WARMUP: usize = 5_000;

fn count() -> usize {
    std::env::var("CLACKS_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000)
}

fn rounds() -> usize {
    std::env::var("CLACKS_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11usize)
        .max(1)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn echo_calls(node: &NodeHandle, method: &'static str, count: usize) -> Samples {
    Samples::measure(0, count, || {
        let node = node.clone();
        async move {
            let request = CallRequest::new(method, Params::Positional(vec![json!(7)]));
            let _ = node.call(request).await;
        }
    })
    .await
}

/// `bench_async.echo` against `bench.echo`: paired rounds, the order alternating, the median
/// of the per-round p50 ratios.
async fn async_vs_sync(node: &NodeHandle, n: usize, rounds: usize) {
    let per_round = (n / rounds).max(1);
    println!(
        "\nasync vs sync command: {rounds} paired rounds of {per_round} sequential calls per side"
    );
    echo_calls(node, "bench.echo", WARMUP).await;
    echo_calls(node, "bench_async.echo", WARMUP).await;
    let (mut ratios, mut sync_p50, mut async_p50) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for round in 0..rounds {
        let (sync, asynchronous) = if round % 2 == 0 {
            let sync = echo_calls(node, "bench.echo", per_round).await;
            (sync, echo_calls(node, "bench_async.echo", per_round).await)
        } else {
            let asynchronous = echo_calls(node, "bench_async.echo", per_round).await;
            (
                echo_calls(node, "bench.echo", per_round).await,
                asynchronous,
            )
        };
        let (s, a) = (
            sync.percentile(50.0).as_secs_f64(),
            asynchronous.percentile(50.0).as_secs_f64(),
        );
        ratios.push(a / s);
        sync_p50.push(s * 1e6);
        async_p50.push(a * 1e6);
        last = Some((sync, asynchronous));
    }
    if let Some((sync, asynchronous)) = &last {
        report("sync command bench.echo (last round)", sync);
        report("async command bench_async.echo (last round)", asynchronous);
    }
    println!(
        "median p50: sync {:.2} µs, async {:.2} µs",
        median(sync_p50),
        median(async_p50)
    );
    println!(
        "ratio async/sync (median of paired rounds): {:.3}x   goal: <= 1.20x",
        median(ratios)
    );
}

fn main() {
    let n = count();
    actix_rt::System::new().block_on(async move {
        let settings = config::load(None, Vec::<(String, String)>::new(), &[])
            .unwrap_or_else(|e| panic!("default settings: {e}"));
        let node = NodeBuilder::new(settings)
            .name("bench")
            .plugin(PluginDef::new(|_| Ok(Bench)))
            .plugin(PluginDef::new(|_| Ok(BenchAsync)))
            .start()
            .unwrap_or_else(|e| panic!("bench node: {e}"));
        while !node.not_ready().is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let arbiter = Arbiter::new();
        let remote = Echo::start_in_arbiter(&arbiter.handle(), |_| Echo);
        let local = Echo.start();

        println!("dispatch benchmark: {n} sequential calls each (warm-up {WARMUP})");
        let raw_remote = Samples::measure(WARMUP, n, || {
            let remote = remote.clone();
            async move {
                let _ = remote.send(Ping(7)).await;
            }
        })
        .await;
        let raw_local = Samples::measure(WARMUP, n, || {
            let local = local.clone();
            async move {
                let _ = local.send(Ping(7)).await;
            }
        })
        .await;
        let clacks = Samples::measure(WARMUP, n, || {
            let node = node.clone();
            async move {
                let request = CallRequest::new("bench.echo", Params::Positional(vec![json!(7)]));
                let _ = node.call(request).await;
            }
        })
        .await;
        report("raw actix send (actor on own arbiter)", &raw_remote);
        report("raw actix send (same thread, reference)", &raw_local);
        report("clacks call bench.echo (full dispatch)", &clacks);
        let p50 = clacks.percentile(50.0).as_secs_f64() / raw_remote.percentile(50.0).as_secs_f64();
        let tput = raw_remote.per_second() / clacks.per_second();
        println!(
            "ratio clacks/raw (own arbiter): p50 {p50:.2}x, time per call {tput:.2}x   goal: <= 2.00x"
        );
        async_vs_sync(&node, n, rounds()).await;
        node.shutdown().await;
        arbiter.stop();
    });
}
