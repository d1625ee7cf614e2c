//! `GET /metrics`: the node's counters in the Prometheus text exposition format (version
//! 0.0.4): per-command calls, errors and latency histograms, the event bus counters, and the
//! plugins' in-flight calls and status. Everything is read from atomics; rendering takes no
//! lock the serving path uses.

use std::fmt::Write;

use crate::events::EventBus;
use crate::metrics::histogram::BOUNDS_US;
use crate::metrics::recorder::UNKNOWN_COMMAND;
use crate::metrics::{CommandSnapshot, NodeStats};
use crate::plugin::{PluginHandle, PluginStatus};
use std::collections::BTreeMap;

/// The `Content-Type` of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A label value with `\`, `"` and line feeds escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// What `/metrics` reads: the node's call counters, its event bus (with the transport's drop
/// count) and its plugins.
pub struct Sources<'a> {
    /// The node name (every sample's `node` label).
    pub node: &'a str,
    /// Per-command call statistics.
    pub stats: &'a NodeStats,
    /// The event bus and its counters.
    pub bus: &'a EventBus,
    /// Events the transport dropped because a subscriber was full.
    pub transport_dropped: u64,
    /// The transport's own counters: (name, help, value).
    pub transport_counters: Vec<(&'static str, &'static str, u64)>,
    /// The node's plugins.
    pub plugins: &'a BTreeMap<String, PluginHandle>,
}

/// Renders every metric of one node.
pub fn render(node: &Sources<'_>) -> String {
    let mut out = String::new();
    let n = label(node.node);
    let commands: Vec<_> = node
        .stats
        .snapshot()
        .into_iter()
        .filter(|c| c.calls > 0 || !c.method.ends_with(UNKNOWN_COMMAND))
        .collect();

    type Count = fn(&CommandSnapshot) -> u64;
    let per_command: [(&str, &str, Count); 2] = [
        (
            "clacks_command_calls_total",
            "Calls served per command on this node.",
            |c| c.calls,
        ),
        (
            "clacks_command_errors_total",
            "Served calls that ended in an error.",
            |c| c.errors,
        ),
    ];
    for (name, help, count) in per_command {
        header(&mut out, name, "counter", help);
        for c in &commands {
            let _ = writeln!(
                out,
                "{name}{{node=\"{n}\",method=\"{}\"}} {}",
                label(&c.method),
                count(c)
            );
        }
    }
    header(
        &mut out,
        "clacks_command_latency_seconds",
        "histogram",
        "Time the plugin actor spent serving a call.",
    );
    for c in &commands {
        let m = label(&c.method);
        let mut cumulative = 0u64;
        for (i, bound) in BOUNDS_US.iter().enumerate() {
            cumulative += c.latency.buckets[i];
            let le = *bound as f64 / 1e6;
            let _ = writeln!(out, "clacks_command_latency_seconds_bucket{{node=\"{n}\",method=\"{m}\",le=\"{le}\"}} {cumulative}");
        }
        let count = c.latency.count();
        let _ = writeln!(out, "clacks_command_latency_seconds_bucket{{node=\"{n}\",method=\"{m}\",le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "clacks_command_latency_seconds_sum{{node=\"{n}\",method=\"{m}\"}} {}",
            c.latency.sum_us as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "clacks_command_latency_seconds_count{{node=\"{n}\",method=\"{m}\"}} {count}"
        );
    }

    let bus = node.bus;
    let events = bus.counters();
    for (name, value, help) in [
        (
            "clacks_events_published_total",
            events.published,
            "Events this node validated and published.",
        ),
        (
            "clacks_events_refused_total",
            events.refused,
            "Events refused at publish (malformed or failing their schema).",
        ),
        (
            "clacks_events_publish_failed_total",
            events.publish_failed,
            "Accepted events the transport failed to take.",
        ),
        (
            "clacks_events_received_total",
            events.received,
            "Events received by this node's subscriptions.",
        ),
        (
            "clacks_events_invalid_total",
            events.invalid,
            "Received events dropped because they failed validation.",
        ),
        (
            "clacks_events_filtered_total",
            events.filtered,
            "Received events a subscription's filter did not match.",
        ),
        (
            "clacks_events_delivered_total",
            events.delivered,
            "Events handed to subscription handlers.",
        ),
        (
            "clacks_events_handler_panics_total",
            events.handler_panics,
            "Subscription handler panics.",
        ),
        (
            "clacks_events_transport_dropped_total",
            node.transport_dropped,
            "Events the transport dropped because a subscriber was full.",
        ),
    ]
    .into_iter()
    .chain(
        node.transport_counters
            .iter()
            .map(|&(name, help, value)| (name, value, help)),
    ) {
        header(&mut out, name, "counter", help);
        let _ = writeln!(out, "{name}{{node=\"{n}\"}} {value}");
    }
    header(
        &mut out,
        "clacks_event_subscriptions",
        "gauge",
        "Event subscriptions on this node.",
    );
    let _ = writeln!(
        out,
        "clacks_event_subscriptions{{node=\"{n}\"}} {}",
        bus.subscriptions().len()
    );

    let handles = node.plugins;
    header(
        &mut out,
        "clacks_plugin_in_flight",
        "gauge",
        "Calls queued or running per plugin.",
    );
    for (name, handle) in handles {
        let _ = writeln!(
            out,
            "clacks_plugin_in_flight{{node=\"{n}\",plugin=\"{}\"}} {}",
            label(name),
            handle.in_flight()
        );
    }
    header(
        &mut out,
        "clacks_plugin_up",
        "gauge",
        "1 while the plugin runs, else 0.",
    );
    for (name, handle) in handles {
        let up = u8::from(handle.status() == PluginStatus::Running);
        let _ = writeln!(
            out,
            "clacks_plugin_up{{node=\"{n}\",plugin=\"{}\"}} {up}",
            label(name)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
