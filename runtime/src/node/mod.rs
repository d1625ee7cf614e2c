//! The node: a root supervisor over the plugins subtree and the node's core children,
//! attached to a transport. [`NodeBuilder`] checks everything and starts it in one step inside
//! an actix `System`; [`NodeHandle`] is what code outside the runtime holds. Plugins are given
//! to a node as [`PluginDef`]s and built with a [`PluginContext`] of narrow handles.
//!
//! This is the top of the runtime: `node/` may use every other module, and no other module
//! uses `node/` (each gets the narrow handle it needs instead).
//!
//! ```text
//! node (root supervisor)
//! ├── events (supervisor: supervision events as XML and one `sub-N` supervisor per event
//! │           subscription, see crate::events)
//! ├── plugins (supervisor; children are temporary: a plugin that gives up is marked failed)
//! │   ├── core (supervisor, the plugin's own intensity)
//! │   │   └── actor (PluginActor)
//! │   └── host …
//! ├── stats (NodeStatistics once per interval, see crate::telemetry)
//! ├── transport (the transport's own actor, if it has one: the AMQP link)
//! └── gateway (HTTP JSON-RPC), added by whoever runs the node
//! ```

mod builder;
mod node_handle;
mod plugin_def;

pub use builder::NodeBuilder;
pub use node_handle::{NodeExit, NodeHandle};
pub use plugin_def::{PluginContext, PluginDef};
