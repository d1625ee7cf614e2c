//! The AMQP transport: the domain on a real RabbitMQ (DESIGN.md §3–4, PROTOCOL.md "AMQP").
//!
//! ```text
//! NodeHandle::call ─► AmqpTransport::send ─► caller: publish to D.command (key P | P.NODE),
//!                                             wait on D.reply.NODE.<uuid> by correlation id
//! broker ─► server: D.command.P (shared, competing consumers) / D.command.P.NODE (private)
//!          ─► PluginHandle::call ─► plugin actor ─► reply (confirmed) ─► ack
//! membership: NodeAnnounce / NodeCapabilities / NodeStatus / NodeLeave on D.event
//! ```
//!
//! Parts: [`shared`] (state shared by front and bridge), [`topology`] (names and
//! declarations), [`properties`] (headers), [`caller`] (outgoing calls), [`server`] (serving
//! plugin queues), [`delivery`] (one delivery, request to acked reply), [`redelivery`] (the
//! crash-count rule), [`direct_consumer`] (consumers handed on from lapin's I/O thread),
//! [`membership`] (membership events), [`events`] (event publish/subscribe),
//! [`session`] (connection life and recovery), [`bridge`] (the supervised actor), [`client`]
//! (a node-less caller for the CLI).

#![warn(missing_docs)]

pub mod bridge;
pub mod caller;
pub mod client;
pub mod delivery;
pub mod direct_consumer;
pub mod events;
pub mod membership;
pub mod properties;
pub mod redelivery;
pub mod server;
pub mod session;
pub mod shared;
pub mod topology;

pub use client::AmqpClient;
pub use shared::{redact, AmqpConfig};

use clacks_runtime::call::{unix_millis_now, CallError, CallRequest};
use clacks_runtime::membership::{Membership, NodeRecord};
use clacks_runtime::supervision::ChildSpec;
use clacks_runtime::transport::{EventReceiver, LocalNode, RawEvent, Transport};
use clacks_runtime::{Error, NodeHandle};
use futures_util::future::{BoxFuture, FutureExt};
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

use shared::Shared;

/// The AMQP transport of one node (each node has its own connection).
#[derive(Clone)]
pub struct AmqpTransport {
    shared: Arc<Shared>,
}

impl AmqpTransport {
    /// A transport for `config`; it connects once its bridge child starts.
    pub fn new(config: AmqpConfig) -> Self {
        AmqpTransport {
            shared: Arc::new(Shared::new(config)),
        }
    }

    /// The settings.
    pub fn config(&self) -> &AmqpConfig {
        &self.shared.config
    }

    /// The bridge child to add under the node's root supervisor.
    pub fn bridge_child(&self, node: &NodeHandle) -> ChildSpec {
        let _ = self.shared.node.set(node.clone());
        bridge::bridge_child(self.shared.clone())
    }

    /// Waits until the node has joined the domain, its consumers open (true), or `timeout`
    /// passes (false).
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        let mut link = self.shared.joined.subscribe();
        let deadline = Instant::now() + timeout;
        loop {
            if *link.borrow_and_update() != 0 {
                return true;
            }
            match tokio::time::timeout_at(deadline, link.changed()).await {
                Ok(Ok(())) => {}
                _ => return false,
            }
        }
    }
}

impl Transport for AmqpTransport {
    fn kind(&self) -> &'static str {
        "amqp"
    }

    fn attach(&self, node: LocalNode) -> Result<(), Error> {
        let config = &self.shared.config;
        if node.domain != config.domain || node.name != config.node {
            return Err(Error::transport(
                "amqp",
                format!(
                    "this transport serves node {} of domain {}, not {} of {}",
                    config.node, config.domain, node.name, node.domain
                ),
            ));
        }
        let now = unix_millis_now();
        self.shared.membership.upsert(NodeRecord {
            name: node.name.clone(),
            domain: node.domain.clone(),
            plugins: node
                .plugins
                .iter()
                .map(|(n, h)| (n.clone(), h.status().as_str().to_owned()))
                .collect(),
            commands: node.commands.clone(),
            joined_ms: now,
            last_seen_ms: now,
        });
        self.shared.local.send_replace(Some(node));
        Ok(())
    }

    fn detach(&self, _node: &str) {
        self.shared.leaving.store(true, Ordering::SeqCst);
        self.shared.leave.notify_one();
    }

    fn send(
        &self,
        plugin: &str,
        node: Option<&str>,
        request: Arc<CallRequest>,
        deadline: Instant,
    ) -> BoxFuture<'static, Result<Value, CallError>> {
        caller::call(
            self.shared.clone(),
            plugin.to_owned(),
            node.map(str::to_owned),
            request,
            deadline,
        )
        .boxed()
    }

    fn publish_event(&self, event: RawEvent) -> BoxFuture<'static, Result<(), Error>> {
        let shared = self.shared.clone();
        async move { events::publish(&shared, &event.name, &event.origin, &event.xml).await }
            .boxed()
    }

    fn subscribe_events(
        &self,
        _node: &str,
        names: &[String],
    ) -> BoxFuture<'static, Result<EventReceiver, Error>> {
        let (shared, names) = (self.shared.clone(), names.to_vec());
        async move { Ok(events::subscribe(&shared, &names).await) }.boxed()
    }

    fn dropped_events(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    fn membership(&self) -> &Membership {
        &self.shared.membership
    }

    fn nodes(&self) -> Vec<NodeRecord> {
        let local = self.shared.local.borrow().clone();
        self.shared
            .membership
            .nodes()
            .into_iter()
            .map(|mut record| {
                if let Some(local) = local.as_ref().filter(|l| l.name == record.name) {
                    for (name, handle) in &local.plugins {
                        record
                            .plugins
                            .insert(name.clone(), handle.status().as_str().to_owned());
                    }
                    record.last_seen_ms = unix_millis_now();
                }
                record
            })
            .collect()
    }
}
