//! The periodic `PhoneStatistics` event: once per `[plugins.stats] interval`, the calls that
//! finished in that interval per extension (calls, answered, missed, talk-time percentiles),
//! published on the event bus by a timer task that lives as long as the plugin instance.
//! Intervals without any call activity are skipped.

use clacks_runtime::call::unix_millis_now;
use clacks_runtime::events::EventBus;
use clacks_xml::document::write::XmlWriter;
use clacks_xml::events::timestamp;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::aggregate::{percentile, CallBook};

/// Per-extension numbers of one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionReport {
    /// The extension.
    pub number: String,
    /// Calls finished.
    pub calls: u64,
    /// Answered.
    pub answered: u64,
    /// Talk-time p50, p95, p99 in seconds (0 without answered calls).
    pub durations: [f64; 3],
}

/// The extensions' numbers for calls finished in `(start_ms, end_ms]`.
pub fn interval_report(book: &CallBook, start_ms: i64, end_ms: i64) -> Vec<ExtensionReport> {
    let mut per: BTreeMap<&str, (u64, Vec<f64>)> = BTreeMap::new();
    for record in book.finished_between(start_ms, end_ms) {
        let entry = per.entry(record.extension.as_str()).or_default();
        entry.0 += 1;
        if let Some(d) = record.duration_s {
            entry.1.push(d);
        }
    }
    per.into_iter()
        .map(|(number, (calls, mut durations))| {
            durations.sort_by(f64::total_cmp);
            let p = |q| percentile(&durations, q).unwrap_or(0.0);
            ExtensionReport {
                number: number.to_owned(),
                calls,
                answered: durations.len() as u64,
                durations: [p(50.0), p(95.0), p(99.0)],
            }
        })
        .collect()
}

/// The `PhoneStatistics` event text.
pub fn phone_statistics_xml(
    node: &str,
    start_ms: i64,
    interval_ms: u64,
    extensions: &[ExtensionReport],
) -> String {
    let mut w = XmlWriter::new();
    w.start("Event").attribute("xmlns", clacks_xml::EVENTS_NS);
    w.start("PhoneStatistics");
    w.leaf("Node", node);
    w.leaf("Start", &timestamp::from_unix_millis(start_ms));
    w.leaf("IntervalMs", &interval_ms.to_string());
    for e in extensions {
        w.start("Extension");
        w.leaf("Number", &e.number);
        w.leaf("Calls", &e.calls.to_string());
        w.leaf("Answered", &e.answered.to_string());
        w.leaf("Missed", &(e.calls - e.answered).to_string());
        for (name, value) in ["DurationP50", "DurationP95", "DurationP99"]
            .into_iter()
            .zip(e.durations)
        {
            w.leaf(name, &format!("{value:.3}"));
        }
        w.end();
    }
    w.finish()
}

/// Stops the report timer when the plugin instance goes (restart or shutdown).
pub struct ReportTimer(tokio::task::JoinHandle<()>);

impl Drop for ReportTimer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the timer on the current actix thread: every `interval` it prunes the book and
/// publishes one `PhoneStatistics` event for the calls finished in that interval (skipped
/// while there are no calls at all, so a domain without a PBX hears nothing).
pub fn start_reports(
    node: String,
    bus: EventBus,
    book: Arc<Mutex<CallBook>>,
    interval: Duration,
) -> ReportTimer {
    ReportTimer(actix::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut start_ms = unix_millis_now() as i64;
        loop {
            ticks.tick().await;
            let end_ms = unix_millis_now() as i64;
            let (extensions, in_progress) = {
                let mut book = book.lock().unwrap_or_else(|p| p.into_inner());
                book.prune(end_ms);
                (interval_report(&book, start_ms, end_ms), book.in_progress())
            };
            // A node that hears no calls stays quiet instead of reporting nothing each time.
            if extensions.is_empty() && in_progress == 0 {
                start_ms = end_ms;
                continue;
            }
            let xml = phone_statistics_xml(
                &node,
                start_ms,
                (end_ms - start_ms).max(0) as u64,
                &extensions,
            );
            if let Err(err) = bus.publish_detached(&xml) {
                tracing::warn!(node = %node, error = %err, "PhoneStatistics event not published");
            }
            start_ms = end_ms;
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::phone_call::{CallState, PhoneCall};

    #[test]
    fn interval_report_validates_against_the_schema() {
        let mut book = CallBook::new(i64::MAX / 4, 10);
        book.apply(&PhoneCall {
            call_id: "x".into(),
            extension: "100".into(),
            queue: None,
            state: CallState::HungUp,
            timestamp_ms: 5_000,
            answered_at_ms: Some(1_000),
            hung_up_at_ms: Some(5_000),
        });
        let report = interval_report(&book, 0, 10_000);
        assert_eq!(report[0].durations, [4.0, 4.0, 4.0]);
        let xml = phone_statistics_xml("n", 0, 10_000, &report);
        let schemas = clacks_xml::SchemaSet::builtin().unwrap();
        let doc = clacks_xml::Document::parse(&xml).unwrap();
        assert_eq!(
            schemas.validate_event(&doc).unwrap().name,
            "PhoneStatistics"
        );
    }
}
