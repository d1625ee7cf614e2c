//! A caller without a node: what `clacks call --amqp URL --domain D` uses, and a worked example
//! of calling Clacks from any AMQP 0-9-1 client. It publishes the JSON-RPC request to
//! `D.command` and receives the reply through RabbitMQ's direct reply-to
//! (`amq.rabbitmq.reply-to`), so it declares nothing on the broker.

use clacks_runtime::call::{unix_millis_now, CallError, CallRequest};
use clacks_runtime::codec::json_rpc;
use futures_util::StreamExt;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, Consumer};
use serde_json::{json, Value};
use std::time::Duration;

use super::brokers::{connect_any, CONNECT_TIMEOUT};
use super::caller::{publish_request, routed};
use super::config::redact;
use super::consumers::consume_no_ack;
use super::error::AmqpError;
use super::properties::{self, text};
use super::replies::Reply;
use super::security::LinkSecurity;
use super::topology::{self, Names};

const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to";

/// A connected caller.
pub struct AmqpClient {
    connection: Connection,
    channel: Channel,
    replies: Consumer,
    names: Names,
    user: String,
    node_less_name: String,
}

impl AmqpClient {
    /// Connects to `url` for `domain`. The error says which broker could not be reached, and
    /// whether it refused our credentials ([`AmqpError::can_be_recovered`] is false then).
    pub async fn connect(url: &str, domain: &str) -> Result<AmqpClient, AmqpError> {
        Self::connect_secured(url, domain, &LinkSecurity::default()).await
    }

    /// Connects to `url` for `domain` with `security` (TLS against a CA file, a client
    /// certificate, SASL `external`).
    pub async fn connect_secured(
        url: &str,
        domain: &str,
        security: &LinkSecurity,
    ) -> Result<AmqpClient, AmqpError> {
        let on = |what: &str| {
            let what = format!("{what} {}", redact(url));
            move |e: lapin::Error| AmqpError::from(e).context(what)
        };
        // Several addresses (a broker cluster): the first that answers. A list the settings
        // would refuse is tried as one URL, and the broker library says what is wrong with it.
        let addresses = clacks_runtime::config::broker_addresses(url)
            .ok()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| vec![url.to_owned()]);
        let user = security.user(&addresses[0]).map_err(|e| {
            AmqpError::from(lapin::Error::from(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                e.to_string(),
            )))
        })?;
        let props = ConnectionProperties::default().with_connection_name("clacks call".into());
        let (connection, _) = connect_any(&addresses, 0, CONNECT_TIMEOUT, |address| {
            let props = props.clone();
            async move { security.connect(&address, props).await }
        })
        .await?;
        let channel = connection
            .create_channel()
            .await
            .map_err(on("cannot open a channel on"))?;
        channel
            .confirm_select(Default::default())
            .await
            .map_err(on("confirm mode refused by"))?;
        let replies = consume_no_ack(&channel, DIRECT_REPLY_TO, "clacks-call")
            .await
            .map_err(on(&format!("cannot consume {DIRECT_REPLY_TO} on")))?;
        Ok(AmqpClient {
            connection,
            channel,
            replies,
            names: Names::new(domain),
            user,
            node_less_name: format!("clacks-call-{}", std::process::id()),
        })
    }

    /// What the broker says of `queue` (a passive declare on a throwaway channel, since a
    /// passive declare of a missing queue closes its channel).
    async fn look(&self, plugin: &str, queue: &str) -> Result<Queue, CallError> {
        let probe = self
            .connection
            .create_channel()
            .await
            .map_err(|e| CallError::unavailable(plugin, format!("broker channel: {e}")))?;
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let declared = probe
            .queue_declare(queue.into(), passive, FieldTable::default())
            .await;
        let _ = probe.close(200, "probe done".into()).await;
        Ok(match declared {
            Ok(q) => Queue::Consumers(q.consumer_count()),
            Err(e) if is_not_found(&e) => Queue::Missing,
            // A node's private queue is exclusive to its connection: locked means it is there.
            // A caller that may not look at all learns nothing; the deadline bounds its call.
            Err(_) => Queue::Unknown,
        })
    }

    /// Refuses a call that cannot be served before it is sent, saying why: a plugin nobody
    /// in the domain ever served is an unknown method (-32601, as over HTTP); a plugin nobody
    /// serves now, an unknown node, or a node without the plugin is -32002.
    async fn check(&self, request: &CallRequest, plugin: &str) -> Result<(), CallError> {
        let domain = self.names.domain();
        match request.node.as_deref() {
            None => match self.look(plugin, &self.names.shared_queue(plugin)).await? {
                Queue::Missing => Err(CallError::method_not_found(&request.method).with(
                    "detail",
                    format!("no node of domain {domain} has ever served plugin '{plugin}'"),
                )),
                Queue::Consumers(0) => Err(CallError::unavailable(
                    plugin,
                    "no node in the domain provides it now",
                )),
                _ => Ok(()),
            },
            Some(node) => match self
                .look(plugin, &self.names.private_queue(plugin, node))
                .await?
            {
                Queue::Missing => {
                    // Every node runs `core`: its private queue tells whether the node is there.
                    let core = self.names.private_queue("core", node);
                    let why = match self.look(plugin, &core).await? {
                        Queue::Missing => format!("node {node} is not in domain {domain}"),
                        _ => format!("node {node} does not serve plugin '{plugin}'"),
                    };
                    Err(CallError::unavailable(plugin, why).with("node", node))
                }
                _ => Ok(()),
            },
        }
    }

    /// Calls `request` and waits up to `timeout` for the reply.
    pub async fn call(
        &mut self,
        request: &CallRequest,
        timeout: Duration,
    ) -> Result<Value, CallError> {
        let (plugin, _) = request.split_method()?;
        self.check(request, plugin).await?;
        let id = format!("{}-{}", self.node_less_name, uuid::Uuid::new_v4().simple());
        let deadline_ms = unix_millis_now() + timeout.as_millis() as u64;
        let props = properties::request(
            clacks_runtime::codec::wire::JSON,
            DIRECT_REPLY_TO,
            &id,
            &self.user,
            None,
            deadline_ms,
            timeout.as_millis() as u64,
        );
        let body = json_rpc::request_object(json!(id), request).to_string();
        let confirm = publish_request(
            &self.channel,
            &self.names,
            plugin,
            request.node.as_deref(),
            body.as_bytes(),
            props,
        )
        .await?;
        let confirmation = confirm.await;
        // Returned unroutable: nothing in the domain is bound to the plugin's key.
        if request.node.is_none() && matches!(confirmation, Ok(lapin::Confirmation::Ack(Some(_)))) {
            return Err(CallError::method_not_found(&request.method));
        }
        routed(plugin, confirmation)?;
        let wait = async {
            while let Some(delivery) = self.replies.next().await {
                let Ok(delivery) = delivery else { break };
                if text(delivery.properties.correlation_id()) != Some(id.as_str()) {
                    continue; // a late reply to an earlier call
                }
                return Reply::from_delivery(delivery).read();
            }
            Err(CallError::unavailable(plugin, "the reply channel closed"))
        };
        tokio::time::timeout(timeout, wait)
            .await
            .unwrap_or_else(|_| Err(CallError::timeout(&request.method)))
    }

    /// A consumer of the domain's events named in `names` (every event when empty), on a
    /// server-named exclusive queue: what `clacks listen --amqp` reads.
    pub async fn events(&self, names: &[String]) -> Result<Consumer, AmqpError> {
        let channel = self
            .connection
            .create_channel()
            .await
            .map_err(|e| AmqpError::from(e).context("cannot open a channel"))?;
        let name = topology::declare_event_queue(&channel, &self.names, "", names)
            .await
            .map_err(|e| {
                let exchange = self.names.event_exchange();
                AmqpError::from(e).context(format!("cannot bind an event queue to {exchange}"))
            })?;
        consume_no_ack(&channel, &name, "clacks-listen")
            .await
            .map_err(|e| AmqpError::from(e).context(format!("cannot consume {name}")))
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = self.connection.close(200, "done".into()).await;
    }
}

/// What a passive declare found.
enum Queue {
    /// The queue is there, with this many consumers.
    Consumers(u32),
    /// No such queue.
    Missing,
    /// Not known: the queue is exclusive to a node's connection (so it is there), or this
    /// user may not look.
    Unknown,
}

/// `NOT_FOUND`: no such queue.
fn is_not_found(error: &lapin::Error) -> bool {
    use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
    matches!(
        error.kind(),
        lapin::ErrorKind::ProtocolError(e)
            if matches!(e.kind(), AMQPErrorKind::Soft(AMQPSoftError::NOTFOUND))
    )
}
