//! `quorum`: what quorum command queues cost beside classic ones, on a private three-node
//! RabbitMQ cluster (issue 18, item 5). Two domains on the same cluster, one per queue type,
//! each with one node connected to the first broker node and serving `qbench.echo`; calls from
//! the node to its own shared queue (published to `D.command`, consumed, replied, acked, all
//! through the cluster), 64 in flight, in paired rounds whose order alternates; calls/s of each
//! side over all rounds and the median of the per-round ratios quorum/classic.
//!
//! ```sh
//! cargo run --release -p clacks-benchmarks --bin quorum
//! ```
//!
//! Environment: `CLACKS_BENCH_CALLS` (calls per side and round, default 2000),
//! `CLACKS_BENCH_ROUNDS` (default 7).

use clacks_benchmarks::{amqp_node, knobs, median, round_order};
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::plugin::plugin;
use clacks_runtime::{NodeHandle, PluginDef};
use clacks_tests::broker::{BrokerCluster, ClusterUnavailable};
use serde_json::json;
use std::process::ExitCode;
use std::time::Instant;

struct QBench;

/// The benchmark's one command.
#[plugin(name = "qbench")]
impl QBench {
    /// Returns its argument.
    #[command]
    fn echo(&self, n: u64) -> u64 {
        n
    }
}

const IN_FLIGHT: usize = 64;

/// `total` calls, `IN_FLIGHT` at a time; calls per second.
async fn rate(node: &NodeHandle, total: usize) -> f64 {
    let started = Instant::now();
    let per_worker = total / IN_FLIGHT;
    let workers = (0..IN_FLIGHT).map(|_| async {
        for i in 0..per_worker {
            let params = Params::from_json(Some(json!([i]))).unwrap_or_default();
            if let Err(e) = node.call(CallRequest::new("qbench.echo", params)).await {
                panic!("a benchmark call failed: {e}");
            }
        }
    });
    futures_util::future::join_all(workers).await;
    (per_worker * IN_FLIGHT) as f64 / started.elapsed().as_secs_f64()
}

fn main() -> ExitCode {
    let cluster = match BrokerCluster::start(3) {
        Ok(cluster) => cluster,
        Err(ClusterUnavailable::Memory(why) | ClusterUnavailable::Failed(why)) => {
            eprintln!("quorum: no private broker cluster: {why}");
            return ExitCode::FAILURE;
        }
    };
    let urls: Vec<String> = cluster.nodes.iter().map(|b| b.url()).collect();
    let url = urls.join(",");
    let (calls, rounds) = (
        knobs::count("CLACKS_BENCH_CALLS", 2000),
        knobs::count("CLACKS_BENCH_ROUNDS", 7),
    );
    let system = actix_rt::System::new();
    system.block_on(async {
        let mut nodes = Vec::new();
        let mut domains = Vec::new();
        for kind in ["classic", "quorum"] {
            let domain = format!("qbench-{kind}-{}", std::process::id());
            let overrides = [("amqp.url", url.as_str()), ("amqp.queue_type", kind)];
            let plugins = vec![PluginDef::new(|_| Ok(QBench))];
            nodes.push(amqp_node::start("qb", &domain, 256, &overrides, plugins).await);
            domains.push(domain);
        }
        for node in &nodes {
            rate(node, IN_FLIGHT * 4).await; // warm-up
        }
        let mut per_round = Vec::new();
        let mut totals = [0.0f64; 2];
        for round in 0..rounds {
            let mut this = [0.0f64; 2];
            for side in round_order(round, 2) {
                this[side] = rate(&nodes[side], calls).await;
                totals[side] += this[side];
            }
            println!(
                "round {round}: classic {:>7.0}/s  quorum {:>7.0}/s",
                this[0], this[1]
            );
            per_round.push(this[1] / this[0]);
        }
        let (classic, quorum) = (totals[0] / rounds as f64, totals[1] / rounds as f64);
        let ratio = median(per_round.iter().copied());
        println!(
            "3-node cluster, {IN_FLIGHT} in flight: classic {classic:.0}/s  quorum {quorum:.0}/s  \
             ratio quorum/classic {ratio:.2}x (median of {rounds} paired rounds)"
        );
        println!(
            "RESULT rounds={rounds} classic_calls_per_s={classic:.0} quorum_calls_per_s={quorum:.0} quorum_vs_classic_x={ratio:.4}"
        );
        for node in &nodes {
            node.shutdown().await;
        }
        for domain in &domains {
            amqp_node::remove_domain_at(&urls[0], domain, &["qbench"]).await;
        }
    });
    ExitCode::SUCCESS
}
