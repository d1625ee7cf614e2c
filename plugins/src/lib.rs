//! # clacks-plugins: the plugins shipped with Clacks
//!
//! Each plugin is a module with a struct, its `#[plugin]` impl and a `definition()` that a node
//! adds with `NodeBuilder::plugin`.
//!
//! ## Layout
//! - [`core`]: `core.ping`, `describe` (OpenRPC), `nodes`, `actor_tree` (CUMULATIVE),
//!   `restart`, `stop`: every node runs it.
//! - [`host`]: `host.facts`, `load`, `disks`, `interfaces`: real facts of the machine.
//!
//! ## Data flow
//! ```text
//! NodeBuilder::plugin(CorePlugin::definition()) → the node starts a supervised actor per plugin
//!   → a call `core.ping` is routed to some node's core actor → CorePlugin::ping → JSON result
//! ```
//! [`standard`] lists the plugins a plain `clacks node` runs.

#![warn(missing_docs)]

pub mod core;
pub mod host;

use clacks_runtime::plugin::PluginDef;

/// The plugins every `clacks node` runs unless disabled in `[plugins.NAME]`.
pub fn standard() -> Vec<PluginDef> {
    vec![
        core::CorePlugin::definition(),
        host::HostPlugin::definition(),
    ]
}
