//! The node: a root supervisor over the plugins subtree and the node's core children (HTTP
//! gateway, later the AMQP bridge), attached to a transport. [`NodeBuilder`] assembles and
//! starts it inside an actix `System`; [`NodeHandle`] is what everyone else holds.
//!
//! ```text
//! node (root supervisor)
//! ├── events (supervisor: the supervision bridge and one `sub-N` supervisor per event
//! │           subscription, see crate::events)
//! ├── plugins (supervisor; children are temporary: a plugin that gives up is marked failed)
//! │   ├── core (supervisor, the plugin's own intensity)
//! │   │   └── actor (PluginActor)
//! │   └── host …
//! ├── stats (NodeStatistics once per interval, see crate::stats)
//! └── gateway (HTTP JSON-RPC), added by the binary
//! ```

mod builder;
mod dispatch;
mod handle;

pub use builder::NodeBuilder;
pub use handle::{NodeExit, NodeHandle};
