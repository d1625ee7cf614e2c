//! Hosts, not just ports: the broker, each node and the test itself on a host of their own (a
//! network namespace on a switch, [`clacks_tests::netns`]), so nodes reach the broker over a
//! real interface from their own address, and bind their gateways to that address (with
//! `http.insecure_public`: the callers here are anonymous). The partition test of [`super::partition`] runs
//! here too, the fault being the node host's link taken down (`ip link set … down`): its
//! packets are dropped, nobody gets a reset. Needs root and iproute2; skipped with a message
//! otherwise.

use clacks_tests::broker::PrivateBroker;
use clacks_tests::caller::AmqpCaller;
use clacks_tests::chaos_node::chaos_node_bin;
use clacks_tests::netns::Network;
use serde_json::json;
use std::sync::Arc;

use super::deployed::{Deployed, Here};
use super::partition::{
    partition_under_load, Fault, GatewayCaller, GATEWAY_DEADLINE, PARTITION_ENV,
};
use super::{BIN, SEC};

/// A JSON-RPC POST of the body in `argv[2]` to `argv[1]`, printing the answer (an HTTP error
/// status still carries a JSON-RPC body); python3 is there wherever the deploy scripts run.
const POST: &str = "import sys, urllib.request, urllib.error\n\
req = urllib.request.Request(sys.argv[1], sys.argv[2].encode(), {'content-type': 'application/json'})\n\
try:\n    print(urllib.request.urlopen(req, timeout=float(sys.argv[3])).read().decode())\n\
except urllib.error.HTTPError as e:\n    print(e.read().decode())\n";

/// A caller of the gateway at `rpc` from a process on host `name` (python3 in its
/// namespace): the node's own host still reaches it while the host's link is down.
fn gateway_caller_on(network: &Network, name: &str, rpc: &str) -> GatewayCaller {
    let (netns, rpc) = (network.host(name).netns.clone(), rpc.to_owned());
    let limit = (4 * GATEWAY_DEADLINE).as_secs().to_string();
    Arc::new(move || {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "chaos.work", "params": [0]});
        let out = std::process::Command::new("ip")
            .args(["netns", "exec", &netns, "python3", "-c", POST, &rpc])
            .arg(body.to_string())
            .arg(&limit)
            .output()
            .map_err(|e| format!("python3 in {netns}: {e}"))?;
        serde_json::from_slice(&out.stdout).map_err(|e| {
            format!(
                "no answer from {rpc} ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    })
}

#[test]
fn nodes_on_hosts_of_their_own_serve_and_survive_a_downed_link() {
    if let Err(why) = Network::available() {
        println!("skipped: the multi-host test needs network namespaces: {why}");
        return;
    }
    // Built before any namespace is entered (cargo may look at the registry).
    chaos_node_bin(BIN);
    // Made first, dropped last (also when the test panics): the namespaces outlive the
    // broker and nodes in them. The test runs on a host of its own, `client`.
    let network = Network::create(&["client", "broker", "n1", "n2", "n3"]).expect("the hosts");
    network.on_host("client", || on_hosts(&network));
}

async fn on_hosts(network: &Network) {
    let broker_host = network.host("broker");
    let broker = PrivateBroker::start_in_netns(&broker_host.netns, broker_host.addr)
        .unwrap_or_else(|e| panic!("cannot start a private RabbitMQ node in a namespace: {e}"));
    let domain = Deployed::on_private(&broker, "hosts");
    let mut env = PARTITION_ENV.to_vec();
    env.push(("CLACKS_HTTP__INSECURE_PUBLIC", "true"));
    let nodes: Vec<_> = ["n1", "n2", "n3"]
        .iter()
        .map(|name| {
            let http = format!("{}:0", network.host(name).addr);
            domain.chaos_node_with(
                Some(network.exec(name)),
                name,
                &http,
                &domain.node_url(),
                &env,
            )
        })
        .collect();
    let caller = AmqpCaller::connect(&domain.caller_url(), &domain.domain)
        .await
        .expect("the caller user reaches the broker's host");
    domain.converged(&caller, &["n1", "n2", "n3"]).await;

    // Each gateway is bound to its host's address and answers from across the bridge.
    for (node, name) in nodes.iter().zip(["n1", "n2", "n3"]) {
        let addr = network.host(name).addr.to_string();
        assert!(
            node.url().starts_with(&format!("http://{addr}:")),
            "{name} binds its gateway to {addr}: {}",
            node.url()
        );
        let url = node.url().to_owned();
        let pong = tokio::task::spawn_blocking(move || {
            super::partition::post_rpc(&url, "core.ping", json!([]), 10 * SEC)
        })
        .await
        .expect("the HTTP call ran")
        .expect("an answer over the bridge");
        assert_eq!(pong["result"]["node"], json!(name), "{pong}");
    }
    // And each node's connection comes from its own address.
    let listed = tokio::task::block_in_place(|| {
        broker
            .rabbitmqctl()
            .args(["list_connections", "-q", "--no-table-headers", "-p"])
            .arg(&domain.domain)
            .args(["peer_host", "client_properties"])
            .output()
            .expect("rabbitmqctl runs")
    });
    let text = String::from_utf8_lossy(&listed.stdout);
    for name in ["n1", "n2", "n3"] {
        let connection = format!("clacks {} {name}", domain.domain);
        let line = text.lines().find(|l| l.contains(&connection));
        let from = line.and_then(|l| l.split_whitespace().next());
        assert_eq!(
            from,
            Some(network.host(name).addr.to_string().as_str()),
            "{text}"
        );
    }

    let measured = partition_under_load(
        &domain,
        &caller,
        gateway_caller_on(network, "n3", nodes[2].url()),
        Fault::LinkDown,
        || network.link_down("n3").expect("n3's link down"),
        || network.link_up("n3").expect("n3's link up"),
        5 * SEC,
    )
    .await;
    measured.assert_found_by_heartbeats();
    domain.converged(&caller, &["n1", "n2", "n3"]).await;
    caller.close().await;
}
