//! The AMQP side of the test harness: a [`TransportFactory`] that gives every node its own
//! connection to the real RabbitMQ (`CLACKS_TEST_AMQP_URL`, default the local broker), and
//! cleanup that deletes what a test domain declared on the broker.

use clacks_amqp::topology::Names;
use clacks_amqp::{AmqpConfig, AmqpTransport};
use clacks_runtime::transport::Transport;
use clacks_runtime::NodeBuilder;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Connection, ConnectionProperties};
use std::sync::Arc;
use std::time::Duration;

use crate::cluster::TransportFactory;

/// The broker tests use.
pub fn broker_url() -> String {
    std::env::var("CLACKS_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// AMQP settings for a test node: the defaults a node reads from its settings, with quick
/// status, eviction and reconnection so tests stay short.
pub fn test_config(url: &str, domain: &str, node: &str) -> AmqpConfig {
    let settings = crate::cluster::settings(domain, &[("amqp.url", url)]);
    let Ok(Some(defaults)) = AmqpConfig::from_settings(&settings, node) else {
        panic!("test node {node}: the broker URL {url} gives no AMQP settings")
    };
    AmqpConfig {
        prefetch: 16,
        status_interval: Duration::from_millis(500),
        eviction: Duration::from_secs(3),
        max_deliveries: 3,
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_secs(1),
        ..defaults
    }
}

/// One AMQP connection per node, on the test broker.
pub struct AmqpFactory {
    url: String,
    codec: &'static dyn clacks_runtime::codec::wire::BodyCodec,
}

impl Default for AmqpFactory {
    fn default() -> Self {
        AmqpFactory::new(&broker_url())
    }
}

impl AmqpFactory {
    /// A factory for the broker at `url`.
    pub fn new(url: &str) -> Self {
        AmqpFactory {
            url: url.to_owned(),
            codec: &clacks_runtime::codec::wire::JsonCodec,
        }
    }

    /// Nodes that send their calls as bincode (`amqp.codec = "bincode"`).
    pub fn bincode() -> Self {
        AmqpFactory {
            codec: &clacks_runtime::codec::wire::BincodeCodec,
            ..AmqpFactory::default()
        }
    }
}

/// Deletes a test domain's durable queues and exchanges.
pub async fn remove_domain(url: &str, domain: &str, plugins: &[String]) {
    let Ok(connection) = Connection::connect(url, ConnectionProperties::default()).await else {
        return;
    };
    let names = Names::new(domain);
    let mut queues: Vec<String> = plugins.iter().map(|p| names.shared_queue(p)).collect();
    queues.push(names.dead_queue());
    queues.extend(listed_queues(url, domain));
    queues.sort();
    queues.dedup();
    for queue in queues {
        // Each delete on its own channel: a failed one closes the channel it ran on.
        if let Ok(channel) = connection.create_channel().await {
            let _ = channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
    }
    for exchange in [names.command_exchange(), names.event_exchange()] {
        if let Ok(channel) = connection.create_channel().await {
            let _ = channel
                .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
                .await;
        }
    }
    let _ = connection.close(200, "test cleanup".into()).await;
}

/// Queues of `domain` as the local broker lists them (nodes of the domain may have declared
/// queues for plugins the test never named); empty when rabbitmqctl cannot tell.
fn listed_queues(url: &str, domain: &str) -> Vec<String> {
    let vhost = url
        .rsplit('/')
        .next()
        .unwrap_or("")
        .replace("%2f", "/")
        .replace("%2F", "/");
    let vhost = if vhost.is_empty() {
        "/".to_owned()
    } else {
        vhost
    };
    if !url.contains("@127.0.0.1:5672/") {
        return Vec::new();
    }
    let Ok(out) = std::process::Command::new("rabbitmqctl")
        .args(["list_queues", "-q", "-p", &vhost, "name"])
        .output()
    else {
        return Vec::new();
    };
    let prefix = format!("{domain}.");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|q| q.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

impl TransportFactory for AmqpFactory {
    fn name(&self) -> &'static str {
        "amqp"
    }

    fn attach(&self, domain: &str, node: &str, builder: NodeBuilder) -> NodeBuilder {
        let config = AmqpConfig {
            codec: self.codec,
            ..test_config(&self.url, domain, node)
        };
        builder.transport(Arc::new(AmqpTransport::new(config)) as Arc<dyn Transport>)
    }

    fn cleanup(&self, domain: &str, plugins: &[String]) -> BoxFuture<'static, ()> {
        let (url, domain, plugins) = (self.url.clone(), domain.to_owned(), plugins.to_vec());
        async move { remove_domain(&url, &domain, &plugins).await }.boxed()
    }
}
