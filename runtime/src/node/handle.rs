//! [`NodeHandle`]: the clonable front of a running node. The gateway, plugins (`core`), tests
//! and the binary use it to call commands, read the actor tree and membership, run admin
//! operations and shut the node down. Everything it holds is shared, so clones are cheap.

use actix::Addr;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

use super::dispatch;
use crate::call::{CallError, CallRequest};
use crate::config::Settings;
use crate::events::EventBus;
use crate::membership::NodeRecord;
use crate::plugin::{CommandSpec, PluginHandle, PluginStatus};
use crate::stats::NodeStats;
use crate::supervision::{
    ActorInfo, ActorTable, ControlChild, ControlOp, EventSender, Shutdown, SupervisionEvent,
    Supervisor,
};
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
    pub(crate) default_timeout: Duration,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) table: ActorTable,
    pub(crate) events: EventSender,
    pub(crate) plugins: OnceLock<BTreeMap<String, PluginHandle>>,
    pub(crate) commands: OnceLock<Vec<CommandSpec>>,
    pub(crate) root: Mutex<Option<Addr<Supervisor>>>,
    pub(crate) exit: watch::Sender<Option<NodeExit>>,
    pub(crate) http_url: OnceLock<String>,
    pub(crate) bus: EventBus,
    pub(crate) stats: Arc<NodeStats>,
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
        &self.inner.transport
    }

    /// Calls a command anywhere in the domain (routing, call types, deadlines).
    pub async fn call(&self, request: CallRequest) -> Result<Value, CallError> {
        dispatch::dispatch(&self.inner, request).await
    }

    /// This node's plugins with their status.
    pub fn plugins(&self) -> BTreeMap<String, PluginStatus> {
        self.inner
            .plugins
            .get()
            .map(|p| p.iter().map(|(n, h)| (n.clone(), h.status())).collect())
            .unwrap_or_default()
    }

    /// This node's plugin handles (for transports and tests).
    pub fn plugin_handles(&self) -> BTreeMap<String, PluginHandle> {
        self.inner.plugins.get().cloned().unwrap_or_default()
    }

    /// The commands this node offers.
    pub fn local_commands(&self) -> Vec<CommandSpec> {
        self.inner.commands.get().cloned().unwrap_or_default()
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

    /// Every actor of this node.
    pub fn actor_tree(&self) -> Vec<ActorInfo> {
        self.inner.table.snapshot()
    }

    /// Restarts or stops the actor at `path` through its supervisor.
    pub async fn control(&self, path: &str, op: ControlOp) -> Result<(), CallError> {
        let link = self.inner.table.control(path).ok_or_else(|| {
            CallError::invalid_params(format!("no actor at path '{path}' on node {}", self.name()))
        })?;
        link.supervisor
            .send(ControlChild {
                index: link.index,
                op,
            })
            .await
            .map_err(|e| CallError::internal(format!("supervisor of {path} unreachable: {e}")))?
            .map_err(|e| CallError::internal(format!("{path}: {e}")))
    }

    /// Asks the supervisor of `path` to restart or stop it, without waiting for the outcome
    /// (for handlers, which run synchronously inside their actor).
    pub fn control_nowait(&self, path: &str, op: ControlOp) -> Result<(), CallError> {
        let link = self.inner.table.control(path).ok_or_else(|| {
            CallError::invalid_params(format!("no actor at path '{path}' on node {}", self.name()))
        })?;
        link.supervisor.do_send(ControlChild {
            index: link.index,
            op,
        });
        Ok(())
    }

    /// The domain's nodes as the transport sees them.
    pub fn nodes(&self) -> Vec<NodeRecord> {
        self.inner.transport.nodes()
    }

    /// Every distinct command in the domain.
    pub fn domain_commands(&self) -> Vec<CommandSpec> {
        self.inner.transport.membership().commands()
    }

    /// The node's event bus: publish validated XML events, subscribe with filters.
    pub fn event_bus(&self) -> &EventBus {
        &self.inner.bus
    }

    /// The node's per-command call statistics.
    pub fn node_stats(&self) -> &Arc<NodeStats> {
        &self.inner.stats
    }

    /// Every metric of the node in the Prometheus text format (`GET /metrics`).
    pub fn metrics_text(&self) -> String {
        crate::stats::prometheus::render(self)
    }

    /// Subscribes to supervision events.
    pub fn events(&self) -> broadcast::Receiver<SupervisionEvent> {
        self.inner.events.subscribe()
    }

    /// Records where the HTTP gateway answers (set once by the gateway).
    pub fn set_http_url(&self, url: String) {
        let _ = self.inner.http_url.set(url);
    }

    /// The gateway's URL, once it listens.
    pub fn http_url(&self) -> Option<&str> {
        self.inner.http_url.get().map(String::as_str)
    }

    /// Leaves the domain and stops every actor in reverse start order; resolves when done.
    pub async fn shutdown(&self) -> NodeExit {
        self.inner.transport.detach(self.name());
        let root = self
            .inner
            .root
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(root) = root {
            root.do_send(Shutdown);
        }
        self.wait().await
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
