//! The [`Plugin`] trait: what a plugin's actor calls to serve a command. The `#[plugin]` macro
//! implements it for an `impl` block whose methods are marked `#[command]`; writing it by hand is
//! possible but rarely useful.

use serde_json::Value;

use super::CommandSpec;
use crate::call::{CallContext, CallError, Params};

/// A plugin: a named set of commands over some state. Its actor owns it and calls
/// [`dispatch`](Plugin::dispatch) for one call at a time, so `&mut self` needs no locking.
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
    /// bad arguments are -32602; a handler error is -32603.
    fn dispatch(
        &mut self,
        ctx: &CallContext,
        command: &str,
        params: &Params,
    ) -> Result<Value, CallError>;
}
