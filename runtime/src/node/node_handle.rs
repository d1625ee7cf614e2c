//! [`NodeHandle`]: the clonable front of a running node, for code outside the runtime (the
//! gateway, the binary, tests): call commands, read the node's plugins and the domain, reach
//! the node's narrow handles ([`Dispatcher`], [`EventBus`], [`TreeHandle`]) and shut it down.
//! Modules inside the runtime never take it: each gets the narrow handle it uses.

use actix::Addr;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

use crate::acl::AclEngine;
use crate::call::{CallError, CallRequest, CommandSpec};
use crate::config::Settings;
use crate::dispatch::Dispatcher;
use crate::events::EventBus;
use crate::membership::NodeRecord;
use crate::metrics::NodeStats;
use crate::plugin::{AuditSink, PluginHandle, PluginStatus};
use crate::supervision::{Shutdown, Supervisor, TreeHandle};
use crate::telemetry::prometheus;
use crate::transport::Transport;

/// How a node ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeExit {
    /// Shut down on request.
    Stopped,
    /// The root supervisor gave up: the node must exit non-zero.
    Failed(String),
}

pub(crate) struct NodeShared {
    pub(crate) name: Arc<str>,
    pub(crate) domain: String,
    pub(crate) settings: Arc<Settings>,
    pub(crate) dispatcher: Dispatcher,
    pub(crate) tree: TreeHandle,
    pub(crate) plugins: BTreeMap<String, PluginHandle>,
    pub(crate) root: Mutex<Option<Addr<Supervisor>>>,
    pub(crate) exit: watch::Sender<Option<NodeExit>>,
    pub(crate) bus: EventBus,
    pub(crate) stats: Arc<NodeStats>,
    pub(crate) acl: AclEngine,
    pub(crate) audit: AuditSink,
}

/// Clonable handle to a running node.
#[derive(Clone)]
pub struct NodeHandle {
    pub(crate) inner: Arc<NodeShared>,
}

impl NodeHandle {
    /// The node name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The domain.
    pub fn domain(&self) -> &str {
        &self.inner.domain
    }

    /// The settings the node runs with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The transport (`local` or `amqp`).
    pub fn transport(&self) -> &Arc<dyn Transport> {
        self.inner.dispatcher.transport()
    }

    /// Calls a command anywhere in the domain (routing, call types, deadlines).
    pub async fn call(&self, request: CallRequest) -> Result<Value, CallError> {
        self.inner.dispatcher.call(request).await
    }

    /// The node's ACL engine (every call this node serves is checked against it).
    pub fn acl(&self) -> &AclEngine {
        &self.inner.acl
    }

    /// Checks `rights` on `topic` for `user` at the ACL root (a path in that is no command:
    /// the gateway's event stream); a refusal is `-32003` and, like every refusal and permitted
    /// write, an `Audit` event.
    pub fn authorize(
        &self,
        user: &str,
        topic: &str,
        rights: crate::acl::Rights,
    ) -> Result<(), CallError> {
        crate::plugin::authorize(
            &self.inner.acl,
            &self.inner.audit,
            user,
            topic,
            rights,
            None,
            &serde_json::Map::new(),
        )
    }

    /// The node's dispatcher (what [`call`](Self::call) uses).
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.inner.dispatcher
    }

    /// The node's supervision tree: actor table, admin restart/stop, supervision events.
    pub fn tree(&self) -> &TreeHandle {
        &self.inner.tree
    }

    /// The node's event bus: publish validated XML events, subscribe with filters.
    pub fn event_bus(&self) -> &EventBus {
        &self.inner.bus
    }

    /// This node's plugins with their status.
    pub fn plugins(&self) -> BTreeMap<String, PluginStatus> {
        self.inner
            .plugins
            .iter()
            .map(|(n, h)| (n.clone(), h.status()))
            .collect()
    }

    /// This node's plugin handles (for tests that watch a plugin).
    pub fn plugin_handles(&self) -> &BTreeMap<String, PluginHandle> {
        &self.inner.plugins
    }

    /// Plugins that are not running, with why: empty means ready.
    pub fn not_ready(&self) -> BTreeMap<String, String> {
        self.plugins()
            .into_iter()
            .filter_map(|(name, status)| match status {
                PluginStatus::Running => None,
                PluginStatus::Failed(reason) => Some((name, format!("failed: {reason}"))),
                PluginStatus::Stopped(reason) => Some((name, format!("stopped: {reason}"))),
                other => Some((name, other.as_str().to_owned())),
            })
            .collect()
    }

    /// The domain's nodes as the transport sees them.
    pub fn nodes(&self) -> Vec<NodeRecord> {
        self.inner.dispatcher.nodes()
    }

    /// Every distinct command in the domain.
    pub fn domain_commands(&self) -> Vec<CommandSpec> {
        self.inner.dispatcher.membership().commands()
    }

    /// The node's per-command call statistics.
    pub fn node_stats(&self) -> &Arc<NodeStats> {
        &self.inner.stats
    }

    /// Every metric of the node in the Prometheus text format (`GET /metrics`).
    pub fn metrics_text(&self) -> String {
        prometheus::render(&prometheus::Sources {
            node: self.name(),
            stats: &self.inner.stats,
            bus: &self.inner.bus,
            transport_dropped: self.transport().dropped_events(),
            transport_counters: self.transport().counters(),
            plugins: &self.inner.plugins,
        })
    }

    /// Leaves the domain and stops every actor in reverse start order; resolves when done.
    pub async fn shutdown(&self) -> NodeExit {
        self.transport().detach(self.name()).await;
        self.stop_tree();
        self.wait().await
    }

    /// Asks the root supervisor to stop the tree.
    pub(crate) fn stop_tree(&self) {
        let root = self
            .inner
            .root
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(root) = root {
            root.do_send(Shutdown);
        }
    }

    /// Resolves when the node has ended (shutdown, or the root supervisor gave up).
    pub async fn wait(&self) -> NodeExit {
        let mut exit = self.inner.exit.subscribe();
        loop {
            if let Some(done) = exit.borrow_and_update().clone() {
                return done;
            }
            if exit.changed().await.is_err() {
                return NodeExit::Stopped;
            }
        }
    }
}
