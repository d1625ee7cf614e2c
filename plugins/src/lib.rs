//! # clacks-plugins: the plugins shipped with Clacks
//!
//! Each plugin is a module with a struct, its `#[plugin]` impl and a `definition()` that a node
//! adds with `NodeBuilder::plugin`.
//!
//! ## Layout
//! - [`acl`]: `acl.list`, `roles`, `add`, `remove`, `add_role`, `remove_role`, `check`: the
//!   domain's ACL set at run time, the same on every node (`AclChanged` events).
//! - [`auth`]: `auth.revoke`, and the identity checks of HTTP callers (Basic against the
//!   object layer, signed bearer tokens, failure limits) the gateway asks with `[auth]` on.
//! - [`core`]: `core.ping`, `describe` (OpenRPC), `nodes`, `departed`, `actor_tree`
//!   (CUMULATIVE), `restart`, `stop`, `dead_letters`, `replay_dead_letters`: every node runs it.
//! - [`host`]: `host.facts`, `load`, `disks`, `interfaces`: real facts of the machine.
//! - [`events`]: `events.publish` (validated), `schemas`, `subscriptions`: the event bus.
//! - [`stats`]: `stats.query`: telephony statistics from `PhoneCall` events, and the
//!   periodic `PhoneStatistics` event.
//!
//! ## Data flow
//! ```text
//! NodeBuilder::plugin(CorePlugin::definition()) → the node starts a supervised actor per plugin
//!   → a call `core.ping` is routed to some node's core actor → CorePlugin::ping → JSON result
//! ```
//! [`standard`] lists the plugins a plain `clacks node` runs.

#![warn(missing_docs)]

pub mod acl;
pub mod auth;
pub mod core;
pub mod events;
pub mod host;
pub mod objects;
pub mod stats;

use clacks_runtime::config::Settings;
use clacks_runtime::PluginDef;

/// The name of every plugin a `clacks node` can run: [`standard`]'s, and `auth` (added with
/// `[auth] enabled`). `clacks domain teardown` deletes their shared queues by these names,
/// since AMQP cannot list a domain's queues.
pub const NODE_PLUGINS: [&str; 7] = ["core", "acl", "host", "events", "stats", "objects", "auth"];

/// The plugins a `clacks node` with `settings` runs (each may still be disabled by
/// `[plugins.NAME] enabled = false`). There is no other: the fault-injection plugin of the
/// tests lives in the test-only `clacks-chaos-node` binary.
pub fn standard(settings: &Settings) -> Vec<PluginDef> {
    vec![
        core::CorePlugin::definition(),
        acl::AclPlugin::definition(settings),
        host::HostPlugin::definition(),
        events::EventsPlugin::definition(),
        stats::StatsPlugin::definition(),
        objects::ObjectsPlugin::definition(settings),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_plugins_names_every_standard_plugin_and_auth() {
        let settings = clacks_runtime::config::load(None, Vec::<(String, String)>::new(), &[])
            .expect("default settings");
        for def in standard(&settings) {
            assert!(
                NODE_PLUGINS.contains(&def.name()),
                "{} is missing",
                def.name()
            );
        }
        assert!(NODE_PLUGINS.contains(&"auth"));
    }
}
