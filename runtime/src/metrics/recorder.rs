//! Per-command call statistics, recorded on the serving side by the plugin actor after every
//! call: a count, an error count and a latency histogram per command, all atomics in a table
//! fixed when the plugin is built (its commands are known then), so recording takes no lock
//! and allocates nothing. Readers ([`NodeStats::snapshot`]) copy the counters.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::histogram::{AtomicHistogram, HistogramSnapshot};
use crate::call::CommandSpec;

/// The slot for calls of a command the plugin does not declare.
pub const UNKNOWN_COMMAND: &str = "(unknown)";

#[derive(Debug)]
struct CommandCounters {
    command: String,
    calls: AtomicU64,
    errors: AtomicU64,
    latency: AtomicHistogram,
}

impl CommandCounters {
    fn new(command: &str) -> Self {
        CommandCounters {
            command: command.to_owned(),
            calls: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            latency: AtomicHistogram::default(),
        }
    }
}

/// The counters of one plugin's commands.
#[derive(Debug)]
pub struct PluginStats {
    plugin: String,
    /// Sorted by command name; the last entry is [`UNKNOWN_COMMAND`].
    commands: Vec<CommandCounters>,
}

/// One command's counters at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandSnapshot {
    /// `plugin.command`.
    pub method: String,
    /// Calls served (success or error).
    pub calls: u64,
    /// Calls that ended in an error.
    pub errors: u64,
    /// Latency histogram.
    #[serde(skip)]
    pub latency: HistogramSnapshot,
}

impl PluginStats {
    /// A table for `plugin` with one slot per command (plus one for undeclared names).
    pub fn new(plugin: &str, commands: &[CommandSpec]) -> Self {
        let mut names: Vec<&str> = commands.iter().map(|c| c.command.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let mut table: Vec<CommandCounters> = names.into_iter().map(CommandCounters::new).collect();
        table.push(CommandCounters::new(UNKNOWN_COMMAND));
        PluginStats {
            plugin: plugin.to_owned(),
            commands: table,
        }
    }

    /// Records one served call of `command` (the part after the dot).
    pub fn record(&self, command: &str, ok: bool, elapsed: Duration) {
        let declared = &self.commands[..self.commands.len() - 1];
        let slot = match declared.binary_search_by(|c| c.command.as_str().cmp(command)) {
            Ok(i) => &self.commands[i],
            Err(_) => &self.commands[self.commands.len() - 1],
        };
        slot.calls.fetch_add(1, Ordering::Relaxed);
        if !ok {
            slot.errors.fetch_add(1, Ordering::Relaxed);
        }
        slot.latency
            .record(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
    }

    /// Every command's counters.
    pub fn snapshot(&self) -> Vec<CommandSnapshot> {
        self.commands
            .iter()
            .map(|c| CommandSnapshot {
                method: format!("{}.{}", self.plugin, c.command),
                calls: c.calls.load(Ordering::Relaxed),
                errors: c.errors.load(Ordering::Relaxed),
                latency: c.latency.snapshot(),
            })
            .collect()
    }
}

/// Every plugin's statistics on one node. The table is filled while the node is built; the
/// serving path holds its plugin's `Arc` and never touches the lock.
#[derive(Debug, Default)]
pub struct NodeStats {
    enabled: bool,
    plugins: RwLock<BTreeMap<String, Arc<PluginStats>>>,
}

impl NodeStats {
    /// Statistics for a node; `enabled = false` records nothing.
    pub fn new(enabled: bool) -> Self {
        NodeStats {
            enabled,
            plugins: RwLock::new(BTreeMap::new()),
        }
    }

    /// Whether calls are recorded.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The table of `plugin` (created on first use), or `None` when statistics are off.
    pub fn plugin(&self, plugin: &str, commands: &[CommandSpec]) -> Option<Arc<PluginStats>> {
        if !self.enabled {
            return None;
        }
        let mut plugins = self.plugins.write().unwrap_or_else(|p| p.into_inner());
        Some(
            plugins
                .entry(plugin.to_owned())
                .or_insert_with(|| Arc::new(PluginStats::new(plugin, commands)))
                .clone(),
        )
    }

    /// Every command of every plugin, sorted by method.
    pub fn snapshot(&self) -> Vec<CommandSnapshot> {
        let plugins = self.plugins.read().unwrap_or_else(|p| p.into_inner());
        plugins.values().flat_map(|p| p.snapshot()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::CallType;

    fn spec(command: &str) -> CommandSpec {
        CommandSpec {
            plugin: "p".into(),
            command: command.into(),
            doc: String::new(),
            args: Vec::new(),
            returns: "()".into(),
            returns_schema: serde_json::Value::Null,
            call_type: CallType::Normal,
            timeout_ms: None,
            right: None,
        }
    }

    #[test]
    fn calls_errors_and_unknown_names_are_counted_per_command() {
        let stats = PluginStats::new("p", &[spec("b"), spec("a")]);
        stats.record("a", true, Duration::from_micros(10));
        stats.record("a", false, Duration::from_micros(10));
        stats.record("zzz", true, Duration::from_millis(3));
        let snap = stats.snapshot();
        let a = snap.iter().find(|c| c.method == "p.a").unwrap();
        assert_eq!((a.calls, a.errors, a.latency.count()), (2, 1, 2));
        let unknown = snap.iter().find(|c| c.method == "p.(unknown)").unwrap();
        assert_eq!(unknown.calls, 1);
        assert_eq!(snap.iter().find(|c| c.method == "p.b").unwrap().calls, 0);
    }

    #[test]
    fn disabled_node_stats_hand_out_nothing() {
        assert!(NodeStats::new(false).plugin("p", &[]).is_none());
        let on = NodeStats::new(true);
        let first = on.plugin("p", &[spec("a")]).unwrap();
        let again = on.plugin("p", &[spec("a")]).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "restarts keep the counters");
    }
}
