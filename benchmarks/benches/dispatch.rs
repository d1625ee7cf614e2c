//! Full in-process dispatch against a raw actix round trip, in one run.
//!
//! Clacks: `NodeHandle::call("bench.echo", [n])` → route lookup → local transport → plugin
//! handle → plugin actor (its own arbiter, `catch_unwind`) → macro-generated argument parsing →
//! handler → JSON result. Baseline: `Addr::send` of the same integer to a bare actix actor that
//! echoes it, placed like the plugin actor (its own arbiter); a same-thread variant is printed
//! for reference. Goal (issue 3): Clacks costs at most 2× the comparable raw round trip.

use actix::prelude::*;
use clacks_benchmarks::{report, Samples};
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::config;
use clacks_runtime::plugin::plugin;
use clacks_runtime::PluginDef;
use clacks_runtime::NodeBuilder;
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

fn main() {
    let n = count();
    actix_rt::System::new().block_on(async move {
        let settings = config::load(None, Vec::<(String, String)>::new(), &[])
            .unwrap_or_else(|e| panic!("default settings: {e}"));
        let node = NodeBuilder::new(settings)
            .name("bench")
            .plugin(PluginDef::new(|_| Ok(Bench)))
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
        node.shutdown().await;
        arbiter.stop();
    });
}
