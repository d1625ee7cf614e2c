//! Removing a domain from its broker. The domain's exchanges (`D.command`, `D.event`), the
//! plugins' shared queues (`D.command.P`) and the dead letters (`D.command.dead`) are durable:
//! they outlive every node on purpose, so calls published while no node runs wait for one and
//! dead letters wait for an operator. Everything else a node declares (private, reply and
//! event queues) goes away with its connection. Teardown deletes the durable names once no
//! node serves the domain any more; AMQP 0-9-1 cannot list queues, so the plugins' queues are
//! found by name.

use lapin::options::{ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};

use super::config::redact;
use super::error::AmqpError;
use super::topology::Names;

/// What became of one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// Deleted (with this many messages in it, for a queue).
    Deleted(u32),
    /// Not on the broker.
    Absent,
}

/// Why a teardown did not run.
#[derive(Debug)]
pub enum TeardownError {
    /// The broker could not be reached or refused us.
    Broker(AmqpError),
    /// Nodes still consume these queues: stop them first.
    InUse(Vec<(String, u32)>),
}

impl std::fmt::Display for TeardownError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TeardownError::Broker(e) => write!(f, "{e}"),
            TeardownError::InUse(queues) => {
                let list: Vec<String> = queues
                    .iter()
                    .map(|(q, n)| format!("{q} ({n} consumers)"))
                    .collect();
                write!(
                    f,
                    "nodes still serve the domain: {}; stop them first",
                    list.join(", ")
                )
            }
        }
    }
}

/// Deletes domain `domain`'s durable queues (the shared queues of `plugins` and, unless
/// `keep_dead`, the dead letters) and its exchanges, refusing while any of those queues has a
/// consumer. Returns each name with what became of it.
pub async fn teardown(
    url: &str,
    domain: &str,
    plugins: &[String],
    keep_dead: bool,
) -> Result<Vec<(String, Removed)>, TeardownError> {
    let broker = |e: lapin::Error| {
        TeardownError::Broker(AmqpError::from(e).context(format!("on {}", redact(url))))
    };
    let props =
        ConnectionProperties::default().with_connection_name("clacks domain teardown".into());
    let connection = Connection::connect(url, props).await.map_err(broker)?;
    let names = Names::new(domain);
    let mut queues: Vec<String> = plugins.iter().map(|p| names.shared_queue(p)).collect();
    if !keep_dead {
        queues.push(names.dead_queue());
    }
    // Look before deleting anything: a queue with consumers means a node still serves.
    let mut present = Vec::new();
    let mut busy = Vec::new();
    for queue in &queues {
        // A passive declare of a missing queue closes its channel: one channel per look.
        let channel = connection.create_channel().await.map_err(broker)?;
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        if let Ok(q) = channel
            .queue_declare(queue.as_str().into(), passive, FieldTable::default())
            .await
        {
            if q.consumer_count() > 0 {
                busy.push((queue.clone(), q.consumer_count()));
            }
            present.push(queue.clone());
        }
        let _ = channel.close(200, "looked".into()).await;
    }
    if !busy.is_empty() {
        let _ = connection.close(200, "teardown refused".into()).await;
        return Err(TeardownError::InUse(busy));
    }
    let channel = connection.create_channel().await.map_err(broker)?;
    let mut report = Vec::new();
    for queue in queues {
        if !present.contains(&queue) {
            report.push((queue, Removed::Absent));
            continue;
        }
        let messages = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await
            .map_err(broker)?;
        report.push((queue, Removed::Deleted(messages)));
    }
    for exchange in [names.command_exchange(), names.event_exchange()] {
        // An exchange that is not there is an error on some broker versions and closes the
        // channel: each delete gets its own.
        let channel = connection.create_channel().await.map_err(broker)?;
        let deleted = channel
            .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
            .await;
        let outcome = if deleted.is_ok() {
            Removed::Deleted(0)
        } else {
            Removed::Absent
        };
        report.push((exchange, outcome));
    }
    let _ = connection.close(200, "domain removed".into()).await;
    Ok(report)
}
