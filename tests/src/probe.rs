//! Test plugins with known behaviour: `probe` (answers with its node, sleeps, fails, panics,
//! has one command per call type, and async commands that meet each other or panic) and
//! `flaky` (panics on every Nth call, counting across restarts). Both the conformance suite and
//! the gateway tests use them.

use clacks_runtime::call::{CallContext, CallError};
use clacks_runtime::plugin::plugin;
use clacks_runtime::PluginDef;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The `probe` plugin. Its async commands make it concurrent, so its state is interior:
/// a `RefCell` is enough on the plugin's own thread, never borrowed across an `.await`.
#[derive(Default)]
pub struct Probe {
    /// Calls of `meet` that arrived, per group.
    arrived: RefCell<HashMap<String, usize>>,
    /// Wakes the waiting `meet` calls when one arrives.
    arrival: tokio::sync::Notify,
}

impl Probe {
    /// Its definition.
    pub fn definition() -> PluginDef {
        PluginDef::new(|_| Ok(Probe::default()))
    }

    fn count(&self, group: &str) -> usize {
        self.arrived.borrow().get(group).copied().unwrap_or(0)
    }
}

/// Commands with predictable behaviour for tests.
#[plugin(name = "probe")]
impl Probe {
    /// The serving node's name.
    #[command]
    fn whoami(&self, ctx: &CallContext) -> String {
        ctx.node().to_owned()
    }

    /// Returns its argument.
    #[command]
    fn echo(&self, value: Value) -> Value {
        value
    }

    /// `a + b`.
    #[command]
    fn add(&self, a: i64, #[arg(default = 0)] b: i64) -> i64 {
        a + b
    }

    /// Blocks its actor for `ms` milliseconds, then names the node.
    #[command]
    fn sleep(&self, ctx: &CallContext, ms: u64) -> String {
        std::thread::sleep(Duration::from_millis(ms));
        ctx.node().to_owned()
    }

    /// Fails with `reason`.
    #[command]
    fn fail(&self, reason: String) -> Result<(), CallError> {
        Err(CallError::internal(reason))
    }

    /// Panics.
    #[command]
    fn boom(&self) {
        panic!("probe.boom was called")
    }

    /// Async: arrives in `group`, then waits until `n` calls of the group arrived on this
    /// node and names it. Served one at a time, the first would wait for ever.
    #[command]
    async fn meet(&self, ctx: &CallContext, group: String, n: usize) -> String {
        *self.arrived.borrow_mut().entry(group.clone()).or_default() += 1;
        self.arrival.notify_waiters();
        loop {
            // Registered before the check, so an arrival in between is not missed.
            let next = self.arrival.notified();
            if self.count(&group) >= n {
                return ctx.node().to_owned();
            }
            next.await;
        }
    }

    /// How many `meet` calls of `group` arrived on this node (since the plugin started).
    #[command]
    fn arrived(&self, group: String) -> usize {
        self.count(&group)
    }

    /// Async: panics after yielding once.
    #[command]
    async fn boom_later(&self) {
        tokio::task::yield_now().await;
        panic!("probe.boom_later was called")
    }

    /// FIRSTRESULT: only the node named `winner` answers non-null.
    #[command(call_type = "firstresult")]
    fn first(&self, ctx: &CallContext, winner: String) -> Option<String> {
        (ctx.node() == winner).then(|| ctx.node().to_owned())
    }

    /// CUMULATIVE: every node answers its name; the node named `slow` first sleeps `ms`.
    #[command(call_type = "cumulative")]
    fn gather(
        &self,
        ctx: &CallContext,
        slow: Option<String>,
        #[arg(default = 0)] ms: u64,
    ) -> String {
        if slow.as_deref() == Some(ctx.node()) {
            std::thread::sleep(Duration::from_millis(ms));
        }
        ctx.node().to_owned()
    }

    /// CUMULATIVE: the node named `bad` fails, the others answer their name.
    #[command(call_type = "cumulative")]
    fn gather_failing(&self, ctx: &CallContext, bad: String) -> Result<String, CallError> {
        if ctx.node() == bad {
            Err(CallError::internal("this node fails on purpose"))
        } else {
            Ok(ctx.node().to_owned())
        }
    }
}

/// The `flaky` plugin: panics on every `every`-th call (0: never). The call counter lives
/// outside the instance so it keeps counting across restarts.
pub struct Flaky {
    calls: Arc<AtomicU64>,
    every: u64,
}

impl Flaky {
    /// A definition panicking on every `every`-th call.
    pub fn definition(every: u64) -> PluginDef {
        let calls = Arc::new(AtomicU64::new(0));
        PluginDef::new(move |_| {
            Ok(Flaky {
                calls: calls.clone(),
                every,
            })
        })
    }
}

/// Panics on schedule.
#[plugin(name = "flaky")]
impl Flaky {
    /// Counts the call; panics when the count is a multiple of the period.
    #[command]
    fn work(&mut self) -> u64 {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.every > 0 && n % self.every == 0 {
            panic!("flaky call {n} panics on purpose");
        }
        n
    }
}
