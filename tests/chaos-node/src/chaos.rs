//! The `chaos` plugin: fault injection for tests of the real binary. It is compiled in only with
//! the `chaos` cargo feature and runs only when the configuration has a `[plugins.chaos]`
//! section, so a production node cannot be made to misbehave by a call. Its knobs live outside
//! the plugin instance, so they survive the restarts they provoke.

use clacks_runtime::call::{CallContext, CallError};
use clacks_runtime::plugin::plugin;
use clacks_runtime::PluginDef;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Default)]
struct Knobs {
    /// Slowdown factor of `work`, as f64 bits (0 means 1.0).
    slowdown: AtomicU64,
    failing: AtomicBool,
}

/// The `chaos` plugin.
pub struct Chaos {
    knobs: Arc<Knobs>,
}

impl Chaos {
    /// Its definition.
    pub fn definition() -> PluginDef {
        let knobs = Arc::new(Knobs::default());
        PluginDef::new(move |_| {
            Ok(Chaos {
                knobs: knobs.clone(),
            })
        })
    }

    fn factor(&self) -> f64 {
        match self.knobs.slowdown.load(Ordering::Relaxed) {
            0 => 1.0,
            bits => f64::from_bits(bits),
        }
    }
}

/// Makes this node slow, fail or panic on demand (tests only).
#[plugin(name = "chaos")]
impl Chaos {
    /// Works for `ms` milliseconds times the slowdown factor and names the serving node;
    /// fails instead while `failing` is on.
    #[command]
    fn work(&self, ctx: &CallContext, #[arg(default = 0)] ms: u64) -> Result<String, CallError> {
        if self.knobs.failing.load(Ordering::Relaxed) {
            return Err(CallError::internal(format!(
                "chaos: node {} fails on purpose",
                ctx.node()
            )));
        }
        let pause = Duration::from_secs_f64(ms as f64 / 1000.0 * self.factor());
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
        Ok(ctx.node().to_owned())
    }

    /// Multiplies the duration of `work` on this node by `factor` (1 is normal speed).
    #[command]
    fn slow(&self, ctx: &CallContext, factor: f64) -> Result<String, CallError> {
        if !(factor.is_finite() && factor > 0.0 && factor <= 1000.0) {
            return Err(CallError::invalid_params("factor must be in (0, 1000]"));
        }
        self.knobs
            .slowdown
            .store(factor.to_bits(), Ordering::Relaxed);
        Ok(format!("{}: work is {factor}x slower", ctx.node()))
    }

    /// Makes `work` fail (`true`) or succeed again (`false`) on this node.
    #[command]
    fn failing(&self, ctx: &CallContext, on: bool) -> String {
        self.knobs.failing.store(on, Ordering::Relaxed);
        format!("{}: failing = {on}", ctx.node())
    }

    /// Panics in the handler (the plugin restarts; the caller gets -32603 panic).
    #[command]
    fn panic(&self) {
        panic!("chaos.panic was called");
    }

    /// Ends the whole node process at once, as `kill -9` would, in the middle of a call.
    #[command]
    fn abort(&self) {
        std::process::abort();
    }
}
