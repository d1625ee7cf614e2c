//! Benchmark nodes on the real broker: one node with the AMQP transport and given settings and
//! plugins, and the removal of what its domain declared once the benchmark is done.

use clacks_amqp::{AmqpConfig, AmqpTransport};
use clacks_runtime::config;
use clacks_runtime::transport::Transport;
use clacks_runtime::PluginDef;
use clacks_runtime::{NodeBuilder, NodeHandle};
use lapin::options::QueueDeleteOptions;
use lapin::{Connection, ConnectionProperties};
use std::sync::Arc;
use std::time::Duration;

/// The broker benchmarks use: `CLACKS_BENCH_AMQP_URL`, default the local RabbitMQ.
pub fn broker_url() -> String {
    std::env::var("CLACKS_BENCH_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// Starts node `name` of `domain` on the broker with `overrides` (dotted config keys) and
/// `plugins`, and waits until it has joined the domain.
pub async fn start(
    name: &str,
    domain: &str,
    prefetch: u16,
    overrides: &[(&str, &str)],
    plugins: Vec<PluginDef>,
) -> NodeHandle {
    let (url, prefetch) = (broker_url(), prefetch.to_string());
    let mut all: Vec<(&str, String)> = vec![
        ("node.domain", domain.to_owned()),
        ("amqp.url", url),
        ("amqp.prefetch", prefetch),
    ];
    all.extend(overrides.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let settings = config::load(None, Vec::<(String, String)>::new(), &all)
        .unwrap_or_else(|e| panic!("bench settings: {e}"));
    let Ok(Some(amqp)) = AmqpConfig::from_settings(&settings, name) else {
        panic!("bench node {name}: no broker configured")
    };
    let transport: Arc<dyn Transport> = Arc::new(AmqpTransport::new(amqp));
    let mut builder = NodeBuilder::new(settings)
        .name(name)
        .transport(transport.clone());
    for plugin in plugins {
        builder = builder.plugin(plugin);
    }
    let node = builder
        .start()
        .unwrap_or_else(|e| panic!("bench node {name}: {e}"));
    assert!(
        transport.wait_joined(Duration::from_secs(20)).await == Ok(true),
        "bench node {name} did not join its domain"
    );
    node
}

/// Deletes the durable queues (`D.command.P` for each plugin, `D.command.dead`) and the
/// exchanges of `domain`.
pub async fn remove_domain(domain: &str, plugins: &[&str]) {
    remove_domain_at(&broker_url(), domain, plugins).await;
}

/// [`remove_domain`] on the broker at `url`.
pub async fn remove_domain_at(url: &str, domain: &str, plugins: &[&str]) {
    let Ok(connection) = Connection::connect(url, ConnectionProperties::default()).await else {
        return;
    };
    if let Ok(channel) = connection.create_channel().await {
        let queues = plugins.iter().copied().chain(["dead"]);
        for queue in queues {
            let name = format!("{domain}.command.{queue}");
            let _ = channel
                .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        for exchange in ["command", "event"] {
            let name = format!("{domain}.{exchange}");
            let _ = channel
                .exchange_delete(name.as_str().into(), Default::default())
                .await;
        }
    }
    let _ = connection.close(200, "bench done".into()).await;
}
