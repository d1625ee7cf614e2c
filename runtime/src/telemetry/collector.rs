//! The stats actor (`node/stats`): once per `stats.interval` it reads the lock-free call
//! counters of every plugin, takes the difference to the previous reading, and publishes ONE
//! `NodeStatistics` event on the bus for the whole interval, whatever the number of calls.
//! It never sits on the call path: calls only bump atomics.

use actix::prelude::*;
use clacks_xml::document::write::XmlWriter;
use clacks_xml::events::timestamp;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::call::unix_millis_now;
use crate::events::EventBus;
use crate::metrics::{CommandSnapshot, NodeStats};
use crate::supervision::{ChildHandle, ChildSpec, ExitGuard, RestartType};

/// One command's numbers over one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalCommand {
    /// `plugin.command`.
    pub method: String,
    /// Calls completed in the interval.
    pub calls: u64,
    /// Of those, errors.
    pub errors: u64,
    /// Latency percentiles in milliseconds: p50, p95, p99.
    pub latency_ms: [f64; 3],
}

/// The commands called between two readings, sorted by method.
pub fn interval_commands(
    now: &[CommandSnapshot],
    before: &BTreeMap<String, CommandSnapshot>,
) -> Vec<IntervalCommand> {
    let mut out: Vec<IntervalCommand> = now
        .iter()
        .filter_map(|c| {
            let (calls, errors, latency) = match before.get(&c.method) {
                Some(b) => (
                    c.calls.saturating_sub(b.calls),
                    c.errors.saturating_sub(b.errors),
                    c.latency.since(&b.latency),
                ),
                None => (c.calls, c.errors, c.latency),
            };
            (calls > 0).then(|| IntervalCommand {
                method: c.method.clone(),
                calls,
                errors,
                latency_ms: [
                    latency.percentile_ms(50.0),
                    latency.percentile_ms(95.0),
                    latency.percentile_ms(99.0),
                ],
            })
        })
        .collect();
    out.sort_by(|a, b| a.method.cmp(&b.method));
    out
}

/// The `NodeStatistics` event for one interval.
pub fn node_statistics_xml(
    node: &str,
    start_ms: u64,
    interval_ms: u64,
    commands: &[IntervalCommand],
) -> String {
    let mut w = XmlWriter::new();
    w.start("Event").attribute("xmlns", clacks_xml::EVENTS_NS);
    w.start("NodeStatistics");
    w.leaf("Node", node);
    w.leaf("Start", &timestamp::from_unix_millis(start_ms as i64));
    w.leaf("IntervalMs", &interval_ms.to_string());
    for c in commands {
        w.start("Command");
        w.leaf("Name", &c.method);
        w.leaf("Count", &c.calls.to_string());
        w.leaf("Errors", &c.errors.to_string());
        for (name, value) in ["LatencyP50", "LatencyP95", "LatencyP99"]
            .into_iter()
            .zip(c.latency_ms)
        {
            w.leaf(name, &format!("{value:.3}"));
        }
        w.end();
    }
    // Recording is atomics in a fixed table: no sample is ever dropped.
    w.leaf("DroppedSamples", "0");
    w.finish()
}

struct StatsCollector {
    node: Arc<str>,
    stats: Arc<NodeStats>,
    bus: EventBus,
    interval: Duration,
    before: BTreeMap<String, CommandSnapshot>,
    start_ms: u64,
    _guard: ExitGuard,
}

#[derive(Message)]
#[rtype(result = "()")]
struct StopCollector;

impl StatsCollector {
    fn emit(&mut self) {
        let now_ms = unix_millis_now();
        let snapshot = self.stats.snapshot();
        let commands = interval_commands(&snapshot, &self.before);
        let xml = node_statistics_xml(
            &self.node,
            self.start_ms,
            now_ms.saturating_sub(self.start_ms),
            &commands,
        );
        self.before = snapshot
            .into_iter()
            .map(|c| (c.method.clone(), c))
            .collect();
        self.start_ms = now_ms;
        if let Err(err) = self.bus.publish_detached(&xml) {
            tracing::warn!(node = %self.node, error = %err, "NodeStatistics event not published");
        }
    }
}

impl Actor for StatsCollector {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.before = self
            .stats
            .snapshot()
            .into_iter()
            .map(|c| (c.method.clone(), c))
            .collect();
        self.start_ms = unix_millis_now();
        ctx.run_interval(self.interval, |act, _| act.emit());
    }
}

impl Handler<StopCollector> for StatsCollector {
    type Result = ();

    fn handle(&mut self, _: StopCollector, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// The `node/stats` child publishing on `bus` every `interval`, or `None` when statistics
/// are off (`stats.enabled` false).
pub(crate) fn collector_child(
    stats: &Arc<NodeStats>,
    bus: &EventBus,
    interval: Duration,
) -> Option<ChildSpec> {
    if !stats.enabled() {
        return None;
    }
    let (stats, bus) = (stats.clone(), bus.clone());
    let name: Arc<str> = Arc::from(bus.node());
    Some(ChildSpec::new(
        "stats",
        "stats",
        RestartType::Permanent,
        move |link| {
            let addr = StatsCollector {
                node: name.clone(),
                stats: stats.clone(),
                bus: bus.clone(),
                interval,
                before: BTreeMap::new(),
                start_ms: 0,
                _guard: link.into_guard(),
            }
            .start();
            Ok(ChildHandle::new(move || addr.do_send(StopCollector)))
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::PluginStats;

    #[test]
    fn one_event_per_interval_holds_only_the_interval_and_validates() {
        let stats = PluginStats::new("p", &[]);
        stats.record("a", true, Duration::from_micros(700));
        let before: BTreeMap<String, CommandSnapshot> = stats
            .snapshot()
            .into_iter()
            .map(|c| (c.method.clone(), c))
            .collect();
        for _ in 0..3 {
            stats.record("a", false, Duration::from_micros(700));
        }
        let commands = interval_commands(&stats.snapshot(), &before);
        assert_eq!(commands.len(), 1);
        assert_eq!((commands[0].calls, commands[0].errors), (3, 3));
        let xml = node_statistics_xml("n1", 1_700_000_000_000, 10_000, &commands);
        let schemas = clacks_xml::SchemaSet::builtin().unwrap();
        let doc = clacks_xml::Document::parse(&xml).unwrap();
        assert_eq!(schemas.validate_event(&doc).unwrap().name, "NodeStatistics");
        let empty = node_statistics_xml("n1", 0, 1, &[]);
        let doc = clacks_xml::Document::parse(&empty).unwrap();
        assert!(schemas.validate_event(&doc).is_ok(), "{empty}");
    }
}
