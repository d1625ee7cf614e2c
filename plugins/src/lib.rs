//! # clacks-plugins: the plugins shipped with Clacks
//!
//! Each plugin is a module with a struct, its `#[plugin]` impl and a `definition()` that a node
//! adds with `NodeBuilder::plugin`.
//!
//! ## Layout
//! - [`core`]: `core.ping`, `describe` (OpenRPC), `nodes`, `actor_tree` (CUMULATIVE),
//!   `restart`, `stop`: every node runs it.
//! - [`host`]: `host.facts`, `load`, `disks`, `interfaces`: real facts of the machine.
//! - [`events`]: `events.publish` (validated), `schemas`, `subscriptions`: the event bus.
//! - [`stats`]: `stats.query`: telephony statistics from `PhoneCall` events, and the
//!   periodic `PhoneStatistics` event.
//! - `chaos` (feature `chaos`): fault injection for tests of the real binary.
//!
//! ## Data flow
//! ```text
//! NodeBuilder::plugin(CorePlugin::definition()) → the node starts a supervised actor per plugin
//!   → a call `core.ping` is routed to some node's core actor → CorePlugin::ping → JSON result
//! ```
//! [`standard`] lists the plugins a plain `clacks node` runs.

#![warn(missing_docs)]

#[cfg(feature = "chaos")]
pub mod chaos;
pub mod core;
pub mod events;
pub mod host;
pub mod stats;

use clacks_runtime::config::Settings;
use clacks_runtime::PluginDef;

/// The plugins a `clacks node` with `settings` runs (each may still be disabled by
/// `[plugins.NAME] enabled = false`). `chaos` joins only when compiled in (feature `chaos`) and
/// configured with a `[plugins.chaos]` section.
pub fn standard(settings: &Settings) -> Vec<PluginDef> {
    let chaos_configured = settings.plugins.contains_key("chaos");
    let chaos: Option<PluginDef> = match chaos_configured {
        #[cfg(feature = "chaos")]
        true => Some(chaos::Chaos::definition()),
        #[cfg(not(feature = "chaos"))]
        true => {
            tracing::warn!(
                "[plugins.chaos] is configured, but this binary was built without the chaos feature"
            );
            None
        }
        false => None,
    };
    [
        core::CorePlugin::definition(),
        host::HostPlugin::definition(),
        events::EventsPlugin::definition(),
        stats::StatsPlugin::definition(),
    ]
    .into_iter()
    .chain(chaos)
    .collect()
}
