//! The `chaos` plugin: fault injection for the multi-process tests. It exists only in the
//! test-only `clacks-chaos-node` binary, never in `clacks`. Its knobs live outside the plugin
//! instance, so they survive the restarts they provoke.
//!
//! `[plugins.chaos] journal = "FILE"` names a file where `chaos.record` appends one line per
//! execution (`ID NODE first|redelivered`), shared by every node process of a test: an id
//! found twice ran twice.

use clacks_runtime::call::{CallContext, CallError};
use clacks_runtime::plugin::plugin;
use clacks_runtime::{Error, PluginDef};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
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
    journal: Option<PathBuf>,
}

/// The journal file of a `[plugins.chaos]` table, if it names one.
fn journal(config: &Value) -> Result<Option<PathBuf>, Error> {
    let Some(table) = config.as_object() else {
        return Ok(None);
    };
    if let Some(key) = table.keys().find(|k| *k != "journal") {
        return Err(Error::config(
            format!("plugins.chaos.{key}"),
            "unknown key: chaos takes journal",
        ));
    }
    match table.get("journal") {
        None => Ok(None),
        Some(Value::String(path)) => Ok(Some(PathBuf::from(path))),
        Some(other) => Err(Error::config(
            "plugins.chaos.journal",
            format!("value {other} is not allowed: a file path"),
        )),
    }
}

impl Chaos {
    /// Its definition.
    pub fn definition() -> PluginDef {
        let knobs = Arc::new(Knobs::default());
        PluginDef::new(move |ctx| {
            Ok(Chaos {
                knobs: knobs.clone(),
                journal: journal(&ctx.config)?,
            })
        })
        .with_config_check(|config| journal(config).map(drop))
    }

    fn factor(&self) -> f64 {
        match self.knobs.slowdown.load(Ordering::Relaxed) {
            0 => 1.0,
            bits => f64::from_bits(bits),
        }
    }

    fn pause(&self, ms: u64) {
        let pause = Duration::from_secs_f64(ms as f64 / 1000.0 * self.factor());
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }
}

/// Makes this node slow, fail or panic on demand, and tells what a handler sees (tests only).
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
        self.pause(ms);
        Ok(ctx.node().to_owned())
    }

    /// What the handler knows of the call after working `ms` milliseconds: the serving node,
    /// the caller (`CallContext::caller`) and whether it is a repeat.
    #[command]
    fn identity(&self, ctx: &CallContext, #[arg(default = 0)] ms: u64) -> Value {
        self.pause(ms);
        json!({"node": ctx.node(), "caller": ctx.caller(), "redelivered": ctx.redelivered()})
    }

    /// Appends `ID NODE first|redelivered` to the journal as it starts (one write, so lines of several
    /// processes never mix), works `ms` milliseconds, and answers `{"id", "node"}`.
    #[command]
    fn record(
        &self,
        ctx: &CallContext,
        id: String,
        #[arg(default = 0)] ms: u64,
    ) -> Result<Value, CallError> {
        let Some(path) = &self.journal else {
            return Err(CallError::internal("chaos: no [plugins.chaos] journal"));
        };
        let how = if ctx.redelivered() {
            "redelivered"
        } else {
            "first"
        };
        let line = format!("{id} {} {how}\n", ctx.node());
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| file.write_all(line.as_bytes()))
            .map_err(|e| CallError::internal(format!("chaos journal {}: {e}", path.display())))?;
        self.pause(ms);
        Ok(json!({"id": id, "node": ctx.node()}))
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
