//! The actor that owns one plugin instance and serves its calls one at a time. Handlers run
//! under `catch_unwind` because actix catches no panics: a panic becomes a `-32603 panic` reply
//! to its caller, the actor stops with a failure its supervisor counts, and the calls still queued
//! behind it are re-sent by the [`PluginHandle`](super::PluginHandle) to the restarted actor.

use actix::prelude::*;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use super::{Plugin, PluginHandle, PluginStatus};
use crate::call::{CallContext, CallError, CallRequest};
use crate::stats::PluginStats;
use crate::supervision::ExitGuard;

/// One call for the actor.
pub(crate) struct Dispatch {
    pub(crate) request: Arc<CallRequest>,
}

impl Message for Dispatch {
    type Result = Result<Value, CallError>;
}

/// Asks the actor to stop (admin stop, restart of a sibling, shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct StopPlugin;

/// The plugin's actor.
pub struct PluginActor {
    plugin: Box<dyn Plugin>,
    name: Arc<str>,
    node: Arc<str>,
    handle: PluginHandle,
    guard: ExitGuard,
    stop_requested: bool,
    /// Per-command counters (`None` when `stats.enabled` is false).
    stats: Option<Arc<PluginStats>>,
}

impl PluginActor {
    pub(crate) fn new(
        plugin: Box<dyn Plugin>,
        node: Arc<str>,
        handle: PluginHandle,
        guard: ExitGuard,
        stats: Option<Arc<PluginStats>>,
    ) -> Self {
        PluginActor {
            plugin,
            name: Arc::from(handle.name()),
            node,
            handle,
            guard,
            stop_requested: false,
            stats,
        }
    }
}

/// The text of a panic payload (`&str` or `String`; anything else is named as such).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

impl Actor for PluginActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(self.handle.limit());
        self.handle.set_running(ctx.address());
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        let status = if self.stop_requested {
            PluginStatus::Stopped("stopped by its supervisor".to_owned())
        } else {
            PluginStatus::Restarting
        };
        self.handle.set_status(status);
    }
}

impl Handler<Dispatch> for PluginActor {
    type Result = Result<Value, CallError>;

    fn handle(&mut self, msg: Dispatch, ctx: &mut Context<Self>) -> Self::Result {
        let request = msg.request;
        // Work past its deadline is dropped: the caller has already been told it timed out.
        if request.remaining() == Some(Duration::ZERO) {
            return Err(CallError::timeout(&request.method).with("node", &*self.node));
        }
        let command = request.split_method()?.1.to_owned();
        let call = CallContext::new(self.node.clone(), request.clone());
        let plugin = &mut self.plugin;
        let started = self.stats.as_ref().map(|_| std::time::Instant::now());
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            plugin.dispatch(&call, &command, &request.params)
        }));
        if let (Some(stats), Some(started)) = (&self.stats, started) {
            let ok = matches!(outcome, Ok(Ok(_)));
            stats.record(&command, ok, started.elapsed());
        }
        match outcome {
            Ok(result) => result.map_err(|e| e.with_node_default(&self.node)),
            Err(payload) => {
                let reason = panic_message(&*payload);
                tracing::error!(node = %self.node, plugin = %self.name, method = %request.method,
                    reason = %reason, "command handler panicked; restarting plugin actor");
                self.guard
                    .fail(format!("panic in {}: {reason}", request.method));
                ctx.stop();
                Err(CallError::panic(&self.name, &reason).with("node", &*self.node))
            }
        }
    }
}

impl Handler<StopPlugin> for PluginActor {
    type Result = ();

    fn handle(&mut self, _: StopPlugin, ctx: &mut Context<Self>) {
        self.stop_requested = true;
        ctx.stop();
    }
}
