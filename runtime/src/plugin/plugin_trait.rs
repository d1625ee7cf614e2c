//! The [`Plugin`] trait: what a plugin's actor calls to serve a command. The `#[plugin]` macro
//! implements it for an `impl` block whose methods are marked `#[command]`; writing it by hand is
//! possible but rarely useful.
//!
//! A plugin is served one of two ways, chosen by [`Plugin::concurrent`]:
//! - **exclusive** (no `async` command): the actor owns it and calls
//!   [`dispatch`](Plugin::dispatch) for one call at a time, so `&mut self` needs no locking;
//! - **concurrent** (at least one `async fn` command): the actor keeps it behind an `Arc` and
//!   calls [`dispatch_shared`](Plugin::dispatch_shared); an async command answers with a
//!   [`Reply::Pending`] future the actor runs on the plugin's own thread beside others, so every
//!   command of such a plugin takes `&self` and keeps mutable state in interior-mutable fields.

use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::CommandSpec;
use crate::call::{CallContext, CallError, Params};

/// The work of one async command: `'static` (it owns an `Arc` of the plugin and the call's
/// context) and not `Send`, since it never leaves the plugin's thread.
pub type CommandFuture = Pin<Box<dyn Future<Output = Result<Value, CallError>>>>;

/// What [`Plugin::dispatch_shared`] answers.
pub enum Reply {
    /// A synchronous command's value.
    Ready(Value),
    /// An async command's work, run by the plugin's actor until it resolves, panics or passes
    /// the call's deadline.
    Pending(CommandFuture),
}

/// A plugin: a named set of commands over some state, served by its actor (see the module
/// docs for exclusive and concurrent plugins).
pub trait Plugin: Send + 'static {
    /// The plugin name: the first half of `plugin.command`.
    fn name() -> &'static str
    where
        Self: Sized;

    /// The plugin's doc comment.
    fn doc() -> &'static str
    where
        Self: Sized;

    /// Every command with its signature.
    fn commands() -> Vec<CommandSpec>
    where
        Self: Sized;

    /// Serves `command` (the part after the dot) with `params`. An unknown command is -32601;
    /// bad arguments are -32602; a handler error is -32603. A concurrent plugin serves its
    /// synchronous commands here too, but its async ones only through
    /// [`dispatch_shared`](Self::dispatch_shared) (here they are -32603).
    fn dispatch(
        &mut self,
        ctx: &CallContext,
        command: &str,
        params: &Params,
    ) -> Result<Value, CallError>;

    /// True when the plugin has async commands: its actor then shares it (`Arc`) and serves
    /// every call through [`dispatch_shared`](Self::dispatch_shared).
    fn concurrent(&self) -> bool {
        false
    }

    /// Serves `command` of a concurrent plugin: a synchronous command answers
    /// [`Reply::Ready`], an async one [`Reply::Pending`] after its arguments were read (bad ones
    /// are -32602 at once). The default serves nothing: only concurrent plugins are called here.
    fn dispatch_shared(
        self: Arc<Self>,
        ctx: &CallContext,
        command: &str,
        params: &Params,
    ) -> Result<Reply, CallError> {
        let _ = (ctx, params);
        Err(CallError::internal(format!(
            "command '{command}' of a plugin that is not concurrent was dispatched as shared"
        )))
    }
}
