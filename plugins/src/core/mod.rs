//! The `core` plugin: liveness (`ping`), self-description (`describe`, an OpenRPC document of
//! every command in the domain), membership (`nodes`, `departed`) and the admin view of the
//! supervision tree (`actor_tree`, `restart`, `stop`), and the calls the domain gave up on
//! (`dead_letters`, `replay_dead_letters`). Every node runs it.

use clacks_runtime::call::{unix_millis_now, CallContext, CallError};
use clacks_runtime::dispatch::Dispatcher;
use clacks_runtime::plugin::plugin;
use clacks_runtime::serde_json::{json, Value};
use clacks_runtime::supervision::{ActorInfo, ControlOp, TreeHandle};
use clacks_runtime::transport::DeadLetter;
use clacks_runtime::{PluginContext, PluginDef};
use std::sync::Arc;

/// The `core` plugin's state: the node's supervision tree and its view of the domain.
pub struct CorePlugin {
    node: Arc<str>,
    domain: Arc<str>,
    tree: TreeHandle,
    domain_view: Dispatcher,
}

impl CorePlugin {
    /// The plugin definition to add to a node.
    pub fn definition() -> PluginDef {
        PluginDef::new(|ctx: &PluginContext| {
            Ok(CorePlugin {
                node: ctx.node.clone(),
                domain: ctx.domain.clone(),
                tree: ctx.tree.clone(),
                domain_view: ctx.calls.clone(),
            })
        })
    }

    fn control(&self, path: &str, op: ControlOp) -> Result<Value, CallError> {
        self.tree.control_nowait(path, op)?;
        let verb = match op {
            ControlOp::Restart => "restart",
            ControlOp::Stop => "stop",
        };
        Ok(json!({"node": &*self.node, "path": path, "requested": verb}))
    }
}

/// Node administration: liveness, self-description, membership and the actor tree.
#[plugin(name = "core")]
impl CorePlugin {
    /// Answers with the serving node's name: proves the domain routes calls to a live node.
    #[command(timeout = 10)]
    fn ping(&self, ctx: &CallContext) -> Value {
        json!({"pong": true, "node": ctx.node(), "domain": &*self.domain, "time_ms": unix_millis_now()})
    }

    /// Every command in the domain with its signature, docs, call type, timeout and right, as
    /// an OpenRPC 1.2 document.
    #[command]
    fn describe(&self) -> Value {
        let methods: Vec<Value> = self
            .domain_view
            .membership()
            .commands()
            .iter()
            .map(|c| c.to_openrpc())
            .collect();
        json!({
            "openrpc": "1.2.6",
            "info": {
                "title": format!("Clacks domain {}", self.domain),
                "version": env!("CARGO_PKG_VERSION"),
            },
            "methods": methods,
        })
    }

    /// The nodes of the domain: name, plugins with their status, commands, join and last-seen
    /// times (Unix ms).
    #[command]
    fn nodes(&self) -> Value {
        let nodes: Vec<Value> = self
            .domain_view
            .nodes()
            .into_iter()
            .map(|n| {
                let commands: Vec<String> = n.commands.iter().map(|c| c.method()).collect();
                json!({
                    "name": n.name,
                    "domain": n.domain,
                    "plugins": n.plugins,
                    "commands": commands,
                    "joined_ms": n.joined_ms,
                    "last_seen_ms": n.last_seen_ms,
                })
            })
            .collect();
        Value::Array(nodes)
    }

    /// The nodes that offered `plugin` and left the domain or were evicted (and have not come
    /// back), sorted: CUMULATIVE calls name them missing at once, and so does `clacks call
    /// --all`.
    #[command]
    fn departed(&self, plugin: String) -> Vec<String> {
        self.domain_view.membership().departed_providers(&plugin)
    }

    /// Who serves `plugin` and who offered it and left (as `departed` names them), from this
    /// node's one view of the domain, so a node evicted a moment ago is in one list or the
    /// other: `{"node": answering node, "serving": [...], "departed": [...]}`. `clacks call
    /// --all` asks this (`core.nodes` and `core.departed` may be answered by two nodes whose
    /// views differ around an eviction).
    #[command]
    fn providers(&self, plugin: String) -> Value {
        let (serving, departed) = self
            .domain_view
            .membership()
            .providers_and_departed(&plugin);
        json!({"node": &*self.node, "serving": serving, "departed": departed})
    }

    /// Every actor of every node: path, kind, state, restarts in the intensity window, mailbox
    /// depth, uptime and last error. Target one node with `call_on` (`--node`).
    #[command(call_type = "cumulative")]
    fn actor_tree(&self) -> Vec<ActorInfo> {
        self.tree.snapshot()
    }

    /// Restarts the actor at `path` (as `core.actor_tree` names it) on the serving node; a
    /// failed plugin comes back this way. Target the node with `call_on` (`--node`).
    #[command(right = "x")]
    fn restart(&self, path: String) -> Result<Value, CallError> {
        self.control(&path, ControlOp::Restart)
    }

    /// Stops the actor at `path` on the serving node and leaves it stopped.
    #[command(right = "x")]
    fn stop(&self, path: String) -> Result<Value, CallError> {
        self.control(&path, ControlOp::Stop)
    }

    /// Calls the domain gave up on (over AMQP: `D.command.dead`), oldest first, at most
    /// `limit`: id, method, request, caller, reason, routing key and when. They stay where
    /// they are; replay them with `core.replay_dead_letters`.
    #[command(right = "r")]
    async fn dead_letters(
        &self,
        #[arg(default = 100)] limit: usize,
    ) -> Result<Vec<DeadLetter>, CallError> {
        self.domain_view
            .transport()
            .dead_letters(limit.min(10_000))
            .await
            .map_err(|e| CallError::unavailable("core", e.to_string()))
    }

    /// Publishes the dead letters with these ids again as new calls (a fresh deadline, the
    /// crash count reset) and removes them from the dead letters; answers the ids replayed.
    #[command(right = "x")]
    async fn replay_dead_letters(&self, ids: Vec<String>) -> Result<Vec<String>, CallError> {
        self.domain_view
            .transport()
            .replay_dead_letters(ids)
            .await
            .map_err(|e| CallError::unavailable("core", e.to_string()))
    }
}
