//! The actor that owns one plugin instance and serves its calls. Handlers run under
//! `catch_unwind` because actix catches no panics: a panic becomes a `-32603 panic` reply to its
//! caller, the actor stops with a failure its supervisor counts, and the calls still queued
//! behind it are re-sent by the [`PluginHandle`](super::PluginHandle) to the restarted actor.
//!
//! An exclusive plugin (no async command) is served one call at a time with `&mut self`, as
//! the call arrives. A concurrent plugin is shared (`Arc`): its synchronous commands are served
//! the same way, and each async command's future joins the actor's
//! [`AsyncCalls`](super::async_calls::AsyncCalls), which the actor polls on its own thread
//! beside new calls; how many run at once is bounded by the handle's in-flight limit.
//!
//! When the actor ends while async calls run:
//! - after a panic (in any call), the other running calls are dropped and answered `-32002
//!   unavailable` with `data.reason` naming the panic; they are not re-sent, since each may
//!   have done part of its work. Calls not yet started are re-sent to the restarted actor.
//! - on a stop (admin stop, restart, shutdown) the actor first drains: running calls finish or
//!   reach their deadline (`-32000`), calls arriving meanwhile wait and are then re-sent to
//!   the successor (or answered `-32002` when the plugin stays stopped). If the actor is torn
//!   down before the drain ends (its thread stops), the calls left are answered `-32002`.

use actix::dev::MessageResponse;
use actix::prelude::*;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use super::async_calls::{AsyncCalls, Finished, Outcome, ReplySlot, Responder};
use super::dispatch_message::Dispatch;
use super::plugin_trait::Reply;
use super::{Plugin, PluginHandle, PluginStatus};
use crate::call::{CallContext, CallError};
use crate::metrics::PluginStats;
use crate::supervision::{panic_message, ExitGuard};

/// Asks the actor to stop (admin stop, restart of a sibling, shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct StopPlugin;

/// How the actor holds its plugin.
enum Instance {
    /// No async command: owned, one call at a time with `&mut self`.
    Exclusive(Box<dyn Plugin>),
    /// Async commands: shared with the futures of its running calls.
    Shared(Arc<dyn Plugin>),
}

/// The plugin's actor.
pub struct PluginActor {
    // Field order is drop order: the plugin and the calls holding it go before the guard
    // reports the exit, so a restarted instance never overlaps this one.
    plugin: Instance,
    calls: AsyncCalls,
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
        let name: Arc<str> = Arc::from(handle.name());
        let plugin = if plugin.concurrent() {
            Instance::Shared(Arc::from(plugin))
        } else {
            Instance::Exclusive(plugin)
        };
        PluginActor {
            plugin,
            calls: AsyncCalls::new(name.clone(), node.clone(), stats.clone()),
            name,
            node,
            handle,
            guard,
            stop_requested: false,
            stats,
        }
    }

    /// A handler panicked serving `method`: fail and stop the actor, and return the caller's
    /// `-32603 panic` answer.
    fn panicked(
        &mut self,
        ctx: &mut Context<Self>,
        method: &str,
        payload: &(dyn std::any::Any + Send),
    ) -> CallError {
        let reason = panic_message(payload);
        tracing::error!(node = %self.node, plugin = %self.name, method = %method,
            reason = %reason, "command handler panicked; restarting plugin actor");
        self.guard.fail(format!("panic in {method}: {reason}"));
        ctx.stop();
        CallError::panic(&self.name, &reason).with("node", &*self.node)
    }

    /// Answers the async calls that ended; stops the actor after a panic, or once drained
    /// when a stop was asked for.
    fn answer_finished(&mut self, ctx: &mut Context<Self>, task: &mut std::task::Context<'_>) {
        while let Poll::Ready(Some(Finished { outcome, answer })) = self.calls.poll_finished(task) {
            match outcome {
                Outcome::Done(result) => answer.send(result),
                Outcome::TimedOut => {
                    let err = CallError::timeout(answer.method());
                    answer.send(Err(err));
                }
                Outcome::Panicked(payload) => {
                    let err = self.panicked(ctx, answer.method(), &*payload);
                    answer.send(Err(err));
                    return;
                }
            }
            if self.stop_requested && self.calls.is_empty() {
                ctx.stop();
                return;
            }
        }
    }
}

/// Drives a concurrent plugin's async calls: spawned once on the actor's context, polled with
/// the actor whenever one of the calls (or a new message) wakes it.
struct CallDriver;

impl ActorFuture<PluginActor> for CallDriver {
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        act: &mut PluginActor,
        ctx: &mut Context<PluginActor>,
        task: &mut std::task::Context<'_>,
    ) -> Poll<()> {
        act.answer_finished(ctx, task);
        Poll::Pending
    }
}

impl Actor for PluginActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(self.handle.limit());
        if matches!(self.plugin, Instance::Shared(_)) {
            ctx.spawn(CallDriver);
        }
        self.handle.set_running(ctx.address().recipient());
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        let ending = match (self.guard.failure(), self.stop_requested) {
            (Some(failure), _) => format!("the plugin restarted ({failure}) while this call ran"),
            (None, true) => "the plugin was stopped while this call ran".to_owned(),
            (None, false) => "the plugin's actor ended while this call ran".to_owned(),
        };
        self.calls.end(ending);
        let status = if self.stop_requested {
            PluginStatus::Stopped("stopped by its supervisor".to_owned())
        } else {
            PluginStatus::Restarting
        };
        self.handle.set_status(status);
    }
}

/// The actor's answer to one [`Dispatch`]: now, or later through the call's slot.
pub(crate) enum Served {
    /// A synchronous command's result.
    Now(Result<Value, CallError>),
    /// An async call started (or parked while draining): answered through this slot.
    Later(ReplySlot),
}

impl MessageResponse<PluginActor, Dispatch> for Served {
    fn handle(self, _ctx: &mut Context<PluginActor>, tx: Option<Responder>) {
        match self {
            Served::Now(result) => {
                if let Some(tx) = tx {
                    let _ = tx.send(result);
                }
            }
            Served::Later(slot) => slot.fill(tx),
        }
    }
}

impl Handler<Dispatch> for PluginActor {
    type Result = Served;

    fn handle(&mut self, msg: Dispatch, ctx: &mut Context<Self>) -> Served {
        let request = msg.call.request().clone();
        if self.stop_requested {
            // Draining async calls before a stop: this one waits and goes to the successor.
            return Served::Later(self.calls.park());
        }
        // Work past its deadline is dropped: the caller has already been told it timed out.
        if request.remaining() == Some(Duration::ZERO) {
            return Served::Now(Err(
                CallError::timeout(&request.method).with("node", &*self.node)
            ));
        }
        let command = msg.call.command().to_owned();
        let call = CallContext::new(self.node.clone(), request.clone());
        let plugin = &mut self.plugin;
        let started = self.stats.as_ref().map(|_| std::time::Instant::now());
        let outcome = catch_unwind(AssertUnwindSafe(|| match plugin {
            Instance::Exclusive(plugin) => plugin
                .dispatch(&call, &command, &request.params)
                .map(Reply::Ready),
            Instance::Shared(plugin) => {
                Arc::clone(plugin).dispatch_shared(&call, &command, &request.params)
            }
        }));
        let result = match outcome {
            Ok(Ok(Reply::Pending(future))) => {
                return Served::Later(self.calls.start(future, request, command, started))
            }
            Ok(Ok(Reply::Ready(value))) => Ok(value),
            Ok(Err(err)) => Err(err.with_node_default(&self.node)),
            Err(payload) => Err(self.panicked(ctx, &request.method, &*payload)),
        };
        if let (Some(stats), Some(started)) = (&self.stats, started) {
            stats.record(&command, result.is_ok(), started.elapsed());
        }
        Served::Now(result)
    }
}

impl Handler<StopPlugin> for PluginActor {
    type Result = ();

    fn handle(&mut self, _: StopPlugin, ctx: &mut Context<Self>) {
        self.stop_requested = true;
        // Running async calls drain first: each ends by its deadline at the latest, and the
        // last one to end stops the actor (`answer_finished`).
        if self.calls.is_empty() {
            ctx.stop();
        }
    }
}
