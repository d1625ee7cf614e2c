//! A domain on a private three-node RabbitMQ cluster (issue 18, item 5): nodes list every
//! broker node in `amqp.url` and declare quorum command queues; the broker node they are
//! connected to is stopped under load.

use clacks_tests::broker::{BrokerCluster, ClusterUnavailable};
use clacks_tests::caller::AmqpCaller;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::deployed::Deployed;
use super::{failures, load, BIN, SEC};

/// The type rabbitmqctl reports for queue `queue` of `vhost`.
fn queue_type(cluster: &BrokerCluster, vhost: &str, queue: &str) -> String {
    let out = cluster.nodes[1]
        .rabbitmqctl()
        .args(["list_queues", "-p", vhost, "--no-table-headers", "-q"])
        .args(["name", "type"])
        .output()
        .expect("rabbitmqctl runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(queue)).then(|| words.next().unwrap_or("").to_owned())
        })
        .unwrap_or_default()
}

/// Stopping the broker node both Clacks nodes are connected to (the first address of their
/// list) while calls are in flight: both are back in the domain through another broker node
/// within 10 s, and every call, queued in a quorum queue or in service, is answered by its
/// deadline (a call a node was serving when its connection went is delivered again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_a_broker_node_moves_the_nodes_and_loses_no_call_from_a_quorum_queue() {
    let cluster = match BrokerCluster::start(3) {
        Ok(cluster) => cluster,
        Err(ClusterUnavailable::Memory(why)) => {
            println!("SKIPPED: no three-node broker cluster on this machine: {why}");
            return;
        }
        Err(ClusterUnavailable::Failed(why)) => panic!("private broker cluster: {why}"),
    };
    let domain = Deployed::on_cluster(BIN, &cluster, "brokers");
    let env = [
        ("CLACKS_AMQP__QUEUE_TYPE", "quorum"),
        ("CLACKS_AMQP__RECONNECT_MAX", "1"),
    ];
    let nodes: Vec<_> = ["q1", "q2"]
        .map(|n| domain.chaos_node(n, "off", &env))
        .into();
    assert!(
        nodes
            .iter()
            .all(|n| n.amqp().matches("@127.0.0.1:").count() == 3),
        "the nodes list the three broker nodes: {:?}",
        nodes[0].ready
    );
    // The caller stays on the third broker node, which is not stopped.
    let caller = AmqpCaller::connect(&domain.caller_url_at(2), &domain.domain)
        .await
        .expect("the caller user connects to the third broker node");
    domain.converged(&caller, &["q1", "q2"]).await;
    let shared = format!("{}.command.chaos", domain.domain);
    assert_eq!(queue_type(&cluster, &domain.domain, &shared), "quorum");

    let deadline = 20 * SEC;
    let calls = load(&caller, 400, 16, "chaos.work", json!([20]), deadline);
    let stop_first = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let first = &cluster.nodes[0];
        assert!(tokio::task::block_in_place(|| first.stop_app()), "stop_app");
        let stopped = Instant::now();
        // Back: each node answers on its private queue and sees the other.
        let mut moved = None;
        while stopped.elapsed() < 15 * SEC {
            let mut all = true;
            for node in ["q1", "q2"] {
                let seen = caller
                    .call_on(node, "core.nodes", json!([]), SEC)
                    .await
                    .unwrap_or_default();
                all &= seen.as_array().map_or(0, Vec::len) == 2;
            }
            if all {
                moved = Some(stopped.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        moved
    };
    let started = Instant::now();
    let (outcomes, moved) = tokio::join!(calls, stop_first);
    println!(
        "broker node stopped under load: nodes back after {moved:?}, 400 calls in {:?}",
        started.elapsed()
    );
    let moved = moved.expect("the nodes moved to another broker node within 15 s");
    assert!(moved <= 10 * SEC, "moved within 10 s: {moved:?}");
    assert_eq!(outcomes.len(), 400);
    assert_eq!(
        failures(&outcomes),
        BTreeMap::new(),
        "no call lost from the quorum queue"
    );
    caller.close().await;
}
