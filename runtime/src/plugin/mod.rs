//! Plugins and commands. A plugin is a struct whose `#[command]` methods (see the `#[plugin]`
//! macro) become `plugin.command`s; its [`PluginDef`](crate::PluginDef) gives the node a factory and the command
//! specs; on the node it lives as a [`PluginActor`] behind a [`PluginHandle`].
//!
//! Data flow: a [`CallRequest`](crate::call::CallRequest) → [`PluginHandle::call`] (in-flight
//! limit, retry across restarts) → [`PluginActor`] (`catch_unwind`) → the macro-generated
//! [`Plugin::dispatch`] → [`ArgReader`] → your method → [`to_result`] → the reply. An `async`
//! command answers a [`Reply::Pending`] future instead, which the actor runs beside its other
//! calls on the plugin's thread until it resolves.

mod actor;
#[cfg(test)]
mod actor_tests;
mod args;
mod async_calls;
mod dispatch_message;
mod guard;
mod handle;
mod plugin_trait;

pub use crate::call::{schema_for_rust_type, ArgSpec, CommandSpec};
pub use actor::PluginActor;
pub(crate) use actor::StopPlugin;
pub use args::{to_result, ArgReader};
pub use clacks_macros::plugin;
pub use guard::{authorize, AuditRecord, AuditSink, CallGuard};
pub use handle::{PluginHandle, PluginStatus, StatusWatch};
pub use plugin_trait::{CommandFuture, Plugin, Reply};
