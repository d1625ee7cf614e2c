//! The async calls a concurrent plugin's actor has in flight. Each one is a
//! [`CommandFuture`] run on the plugin's own thread under `catch_unwind` and bounded by the
//! call's deadline, beside the others, and each is answered exactly once: with its result, a
//! timeout, a panic, or, when the actor ends first (a panic in another call, a stop, the node
//! shutting down), `-32002 unavailable` naming why. A started call is never re-sent, since it
//! may already have done part of its work; calls that had not started when the actor ended are
//! left unanswered on purpose ([`AsyncCalls::park`]) so the
//! [`PluginHandle`](super::PluginHandle) re-sends them to the restarted actor.
//!
//! The futures live in the actor (not spawned on its own context), so that when it ends it can
//! drop them, and with them every `Arc` of the plugin, before it reports its exit: a restart
//! never overlaps the old instance.

use actix::dev::OneshotSender;
use futures_util::future::LocalBoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use super::plugin_trait::CommandFuture;
use crate::call::{CallError, CallRequest};
use crate::metrics::PluginStats;

/// The caller's end of one call, as actix hands it to a response.
pub(crate) type Responder = OneshotSender<Result<Value, CallError>>;

/// Where one call's answer goes: actix hands the actor the caller's sender only after the
/// handler returned, so the handler returns this slot and the response fills it.
pub(crate) struct ReplySlot(Rc<Cell<Option<Responder>>>);

impl ReplySlot {
    fn new() -> Self {
        ReplySlot(Rc::new(Cell::new(None)))
    }

    fn share(&self) -> Self {
        ReplySlot(self.0.clone())
    }

    /// Stores the caller's sender (`None` when the caller wants no answer).
    pub(crate) fn fill(&self, sender: Option<Responder>) {
        self.0.set(sender);
    }

    fn send(&self, result: Result<Value, CallError>) {
        if let Some(sender) = self.0.take() {
            // The caller may have given up (deadline): nobody to tell then.
            let _ = sender.send(result);
        }
    }
}

/// What every call of one actor shares.
struct Common {
    plugin: Arc<str>,
    node: Arc<str>,
    stats: Option<Arc<PluginStats>>,
    /// Why the actor ended, for the calls it could not finish.
    ending: RefCell<String>,
}

/// The promise to answer one call: [`send`](Answer::send) answers it; dropping it unanswered
/// (its future was dropped) answers `-32002 unavailable` with the actor's ending reason.
/// Either way the call is counted in the plugin's statistics.
pub(crate) struct Answer {
    slot: ReplySlot,
    request: Arc<CallRequest>,
    command: String,
    started: Option<Instant>,
    common: Rc<Common>,
    done: bool,
}

impl Answer {
    /// The call's `plugin.command`.
    pub(crate) fn method(&self) -> &str {
        &self.request.method
    }

    /// Answers with `result` (errors name this node unless an inner layer named another).
    pub(crate) fn send(mut self, result: Result<Value, CallError>) {
        self.finish(result);
    }

    fn finish(&mut self, result: Result<Value, CallError>) {
        self.done = true;
        if let (Some(stats), Some(started)) = (&self.common.stats, self.started) {
            stats.record(&self.command, result.is_ok(), started.elapsed());
        }
        self.slot
            .send(result.map_err(|e| e.with_node_default(&self.common.node)));
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if !self.done {
            let reason = self.common.ending.borrow().clone();
            let err = CallError::unavailable(&self.common.plugin, reason)
                .with("method", self.request.method.as_str());
            self.finish(Err(err));
        }
    }
}

/// How an async call's future ended.
pub(crate) enum Outcome {
    /// It resolved.
    Done(Result<Value, CallError>),
    /// It panicked, with this payload.
    Panicked(Box<dyn std::any::Any + Send>),
    /// Its deadline passed first; the future was dropped.
    TimedOut,
}

/// A finished call: how it ended and its answer, still to be sent.
pub(crate) struct Finished {
    pub(crate) outcome: Outcome,
    pub(crate) answer: Answer,
}

/// One actor's async calls in flight, and the calls it holds unanswered while it drains.
pub(crate) struct AsyncCalls {
    running: FuturesUnordered<LocalBoxFuture<'static, Finished>>,
    parked: Vec<ReplySlot>,
    common: Rc<Common>,
}

impl AsyncCalls {
    /// No calls yet, for `plugin` on `node`, counting into `stats`.
    pub(crate) fn new(plugin: Arc<str>, node: Arc<str>, stats: Option<Arc<PluginStats>>) -> Self {
        AsyncCalls {
            running: FuturesUnordered::new(),
            parked: Vec::new(),
            common: Rc::new(Common {
                plugin,
                node,
                stats,
                ending: RefCell::new(String::new()),
            }),
        }
    }

    /// No async call is running.
    pub(crate) fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Starts `future` serving `request` (command `command`, begun at `started` when
    /// statistics are on); it is first polled by the next [`poll_finished`](Self::poll_finished).
    pub(crate) fn start(
        &mut self,
        future: CommandFuture,
        request: Arc<CallRequest>,
        command: String,
        started: Option<Instant>,
    ) -> ReplySlot {
        let slot = ReplySlot::new();
        let deadline = request
            .remaining()
            .map(|left| tokio::time::Instant::now() + left);
        let answer = Answer {
            slot: slot.share(),
            request,
            command,
            started,
            common: self.common.clone(),
            done: false,
        };
        let call = AssertUnwindSafe(future).catch_unwind();
        self.running.push(
            async move {
                let ended = match deadline {
                    Some(deadline) => tokio::time::timeout_at(deadline, call).await.ok(),
                    None => Some(call.await),
                };
                let outcome = match ended {
                    Some(Ok(result)) => Outcome::Done(result),
                    Some(Err(payload)) => Outcome::Panicked(payload),
                    None => Outcome::TimedOut,
                };
                Finished { outcome, answer }
            }
            .boxed_local(),
        );
        slot
    }

    /// Holds a call that arrived while the actor drains before a stop: it is not served here,
    /// and when the actor ends its sender is dropped unanswered, which tells the
    /// [`PluginHandle`](super::PluginHandle) to re-send it to the successor.
    pub(crate) fn park(&mut self) -> ReplySlot {
        let slot = ReplySlot::new();
        self.parked.push(slot.share());
        slot
    }

    /// Polls the running calls; the next one that ended, if any.
    pub(crate) fn poll_finished(&mut self, task: &mut Context<'_>) -> Poll<Option<Finished>> {
        self.running.poll_next_unpin(task)
    }

    /// The actor ends for `reason`: every running call is dropped and answered `-32002`
    /// naming it; parked calls are released for re-sending.
    pub(crate) fn end(&mut self, reason: String) {
        if !self.running.is_empty() {
            tracing::warn!(plugin = %self.common.plugin, node = %self.common.node,
                calls = self.running.len(), reason = %reason,
                "async calls still running when the plugin actor ended; answering them unavailable");
        }
        *self.common.ending.borrow_mut() = reason;
        self.running.clear();
        self.parked.clear();
    }
}
