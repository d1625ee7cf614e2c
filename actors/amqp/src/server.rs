//! Serving this node's plugins from their queues. Each plugin has a private queue (always
//! consumed) and a share of the plugin's shared queue, consumed only while the plugin runs: when
//! it goes down its consumer is cancelled so the load drains to healthy nodes, and it comes back
//! when the plugin does.
//!
//! ```text
//! lapin I/O thread ─► pump (on the plugin's thread) ─► delivery::serve_delivery
//!                      └─► PluginHandle::call ─► actor ─► reply published
//!                      └─► reply confirmed ─► ack on the queue's channel
//! ```
//!
//! Each consumer's pump runs on the plugin's own thread ([`PluginHandle::home`]): the delivery
//! wakes that thread directly, the actor answers on it and the reply is published from it: one
//! thread switch in and one out per call, as in a bare request/reply loop. The confirm-then-ack
//! tail stays in the delivery's task on that thread, so no other thread of ours wakes for a
//! call. A plugin that never ran has no thread yet: its private queue is pumped on the
//! session's thread.

use clacks_runtime::plugin::{PluginHandle, PluginStatus};
use futures_util::StreamExt;
use lapin::options::{BasicCancelOptions, BasicQosOptions};
use lapin::{Channel, Connection, Consumer};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::task::JoinSet;

use super::consumers::consume_acked;
use super::delivery::{serve_delivery, QueueKind};
use super::error::{AmqpError, AmqpErrorKind};
use super::state::NodeState;

/// A channel for one queue's consumers, with the node's prefetch.
async fn open_channel(connection: &Connection, prefetch: u16) -> lapin::Result<Channel> {
    let channel = connection.create_channel().await?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await?;
    Ok(channel)
}

/// Cancels consumer `tag`; the broker sends nothing more to it, and its pump ends once what
/// was already sent has been taken. A failure is logged: closing the connection ends it too.
async fn cancel(channel: &Channel, tag: &str) {
    if let Err(e) = channel
        .basic_cancel(tag.into(), BasicCancelOptions::default())
        .await
    {
        tracing::warn!(consumer = tag, error = %e, "cancelling a consumer failed");
    }
}

/// Everything a delivery of one plugin queue needs to be served.
#[derive(Clone)]
struct QueueServer {
    state: Arc<NodeState>,
    /// The channel the queue is consumed on (deliveries are acked on it).
    channel: Channel,
    plugin: String,
    handle: PluginHandle,
    kind: QueueKind,
}

impl QueueServer {
    /// Serves every delivery of `consumer`, each in its own task on this thread, until the
    /// consumer ends: `Ok` when it was cancelled, the error when its channel failed.
    async fn pump(self, mut consumer: Consumer) -> lapin::Result<()> {
        while let Some(delivery) = consumer.next().await {
            tokio::spawn(serve_delivery(
                self.state.clone(),
                self.channel.clone(),
                delivery?,
                self.plugin.clone(),
                self.handle.clone(),
                self.kind,
            ));
        }
        Ok(())
    }
}

/// Where pumps run: on the plugin's thread once it has one, else on the session's.
struct Pumps {
    tasks: JoinSet<lapin::Result<()>>,
    session: tokio::runtime::Handle,
    /// Pumps of consumers we cancelled ourselves: their end is expected.
    retired: HashSet<tokio::task::Id>,
}

impl Pumps {
    fn start(&mut self, server: &QueueServer, consumer: Consumer) -> tokio::task::Id {
        let home = server.handle.home().unwrap_or_else(|| self.session.clone());
        self.tasks
            .spawn_on(server.clone().pump(consumer), &home)
            .id()
    }

    /// Waits until every pump has ended (their consumers cancelled by us).
    async fn drain(&mut self) {
        while self.tasks.join_next().await.is_some() {}
    }

    /// Waits for a pump to end by itself, which ends serving: the broker cancelled a consumer
    /// (queue deleted) or a channel failed. With no pump running, waits for ever.
    async fn ended(&mut self) -> AmqpError {
        loop {
            let (id, outcome) = match self.tasks.join_next_with_id().await {
                Some(Ok((id, outcome))) => (id, outcome),
                Some(Err(e)) if e.is_panic() => {
                    return AmqpError::new(AmqpErrorKind::Ended("a panicking queue pump"))
                }
                Some(Err(_)) => continue,
                None => std::future::pending().await,
            };
            if self.retired.remove(&id) {
                continue;
            }
            return match outcome {
                Err(e) => AmqpError::from(e),
                Ok(()) => AmqpError::new(AmqpErrorKind::Ended(
                    "a plugin queue consumer (cancelled by the broker)",
                )),
            };
        }
    }
}

/// Serves `plugin` until the connection fails (the error ends the session) or the node leaves.
/// `ready` fires once its consumers are open (the shared one only if the plugin runs), so the
/// node announces itself only when calls routed to it will be taken. On leaving, both
/// consumers are cancelled and this returns once every delivery pushed to them has been taken
/// (served, or handed back by `serve_delivery` since the node is leaving).
pub async fn serve_plugin(
    state: Arc<NodeState>,
    connection: Arc<Connection>,
    plugin: String,
    handle: PluginHandle,
    ready: tokio::sync::oneshot::Sender<()>,
) -> Result<(), AmqpError> {
    let mut ready = Some(ready);
    let node = state.config.node.clone();
    let prefetch = state.config.prefetch;
    let mut status = handle.watch_status();
    // Let the plugin start first, so that its queues are pumped on its own thread.
    while status.current() == PluginStatus::Starting {
        if status.changed().await.is_none() {
            return Ok(());
        }
    }
    let mut pumps = Pumps {
        tasks: JoinSet::new(),
        session: tokio::runtime::Handle::current(),
        retired: HashSet::new(),
    };
    let private_channel = open_channel(&connection, prefetch).await?;
    let server = QueueServer {
        state: state.clone(),
        channel: private_channel.clone(),
        plugin: plugin.clone(),
        handle: handle.clone(),
        kind: QueueKind::Private,
    };
    let private_queue = state.names.private_queue(&plugin, &node);
    let private_tag = format!("{node}.{plugin}.private");
    let private = consume_acked(&private_channel, &private_queue, &private_tag).await?;
    let private_pump = pumps.start(&server, private);
    // One channel for the shared queue for the whole session: cancelling the consumer leaves
    // the deliveries in progress on it free to finish and be acked.
    let shared_channel = open_channel(&connection, prefetch).await?;
    let server = QueueServer {
        kind: QueueKind::Shared,
        channel: shared_channel.clone(),
        ..server
    };
    let shared_queue = state.names.shared_queue(&plugin);
    loop {
        // Wait until the plugin runs before taking work from the shared queue.
        while status.current() != PluginStatus::Running {
            if let Some(ready) = ready.take() {
                let _ = ready.send(());
            }
            tokio::select! {
                changed = status.changed() => if changed.is_none() {
                    return Ok(());
                },
                error = pumps.ended() => return Err(error),
                () = state.link.leave_requested() => {
                    pumps.retired.insert(private_pump);
                    cancel(&private_channel, &private_tag).await;
                    pumps.drain().await;
                    // The channels must outlive the acks of what is still in service: an
                    // ack on a closing channel is lost and the broker delivers the call again.
                    state.settle.idle(state.config.shutdown_grace).await;
                    return Ok(());
                }
            }
        }
        let tag = format!("{node}.{plugin}.shared.{}", uuid::Uuid::new_v4().simple());
        let consumer = consume_acked(&shared_channel, &shared_queue, &tag).await?;
        let pump = pumps.start(&server, consumer);
        tracing::debug!(node = %node, plugin = %plugin, queue = %shared_queue, "consuming");
        if let Some(ready) = ready.take() {
            let _ = ready.send(());
        }
        loop {
            tokio::select! {
                error = pumps.ended() => return Err(error),
                () = state.link.leave_requested() => {
                    pumps.retired.extend([private_pump, pump]);
                    cancel(&private_channel, &private_tag).await;
                    cancel(&shared_channel, &tag).await;
                    pumps.drain().await;
                    // The channels must outlive the acks of what is still in service: an
                    // ack on a closing channel is lost and the broker delivers the call again.
                    state.settle.idle(state.config.shutdown_grace).await;
                    return Ok(());
                }
                changed = status.changed() => match changed {
                    Some(PluginStatus::Running) => {}
                    Some(other) => {
                        tracing::info!(node = %node, plugin = %plugin, status = other.as_str(),
                            "plugin down; cancelling its shared-queue consumer");
                        break;
                    }
                    None => return Ok(()),
                },
            }
        }
        // The pump ends by itself once the cancel is through; deliveries already pushed to
        // us are handed back by `serve_delivery` (the plugin is down), so healthy nodes take
        // them.
        pumps.retired.insert(pump);
        shared_channel
            .basic_cancel(tag.as_str().into(), BasicCancelOptions::default())
            .await?;
    }
}
