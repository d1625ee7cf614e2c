//! The `stats` plugin, the event-driven statistics example: it subscribes to `PhoneCall`
//! events (as a PBX such as Asterisk reports them), keeps the calls in a [`CallBook`], answers
//! `stats.query(window, group_by)` with windowed aggregates (calls per extension or queue,
//! answered vs missed, talk-time p50/p95/p99, calls in progress), and publishes one
//! `PhoneStatistics` event per interval that saw calls.
//!
//! Configuration (`[plugins.stats]`): `interval` (seconds between `PhoneStatistics` events,
//! default 60), `retention` (seconds finished calls are kept, default 86400), `max_calls`
//! (finished calls kept at most, default 1000000).
//!
//! Data flow:
//! ```text
//! PhoneCall event → node/events/sub-N (validated) → PhoneCall::from_event → CallBook::apply
//! stats.query → CallBook::query          timer → interval_report → PhoneStatistics event
//! ```

pub mod aggregate;
pub mod generator;
pub mod phone_call;
pub mod report;

pub use aggregate::{CallBook, GroupBy, GroupStats};
pub use generator::{generate, GeneratedCall, GeneratorConfig};
pub use phone_call::{parse_datetime, CallState, PhoneCall};

use clacks_runtime::call::{unix_millis_now, CallError};
use clacks_runtime::events::Subscription;
use clacks_runtime::plugin::plugin;
use clacks_runtime::{Error, PluginContext, PluginDef};
use clacks_xml::events::timestamp;
use clacks_xml::Namespaces;
use serde::Serialize;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use report::{start_reports, ReportTimer};

/// The `stats` plugin's state.
pub struct StatsPlugin {
    book: Arc<Mutex<CallBook>>,
    unreadable: Arc<AtomicU64>,
    _subscription: Subscription,
    _timer: ReportTimer,
}

/// What `stats.query` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryResult {
    /// The window in seconds.
    pub window_s: f64,
    /// The window's end (`xs:dateTime`, UTC).
    pub until: String,
    /// `extension`, `queue` or `none`.
    pub group_by: String,
    /// One entry per extension or queue with calls in the window or in progress.
    pub groups: Vec<GroupStats>,
    /// Everything together.
    pub total: GroupStats,
    /// `PhoneCall` events that could not be read (only possible with validation off).
    pub unreadable_events: u64,
}

struct Config {
    interval: Duration,
    retention_ms: i64,
    max_calls: usize,
}

fn positive(config: &Value, key: &str, default: f64) -> Result<f64, Error> {
    match config.get(key) {
        None => Ok(default),
        // Environment variables and flags give strings; a config file gives numbers.
        Some(v) => match v
            .as_f64()
            .or_else(|| v.as_str().and_then(|t| t.trim().parse().ok()))
        {
            Some(n) if n.is_finite() && n > 0.0 && n < 1e9 => Ok(n),
            _ => Err(Error::config(
                format!("plugins.stats.{key}"),
                format!("value {v} is not a number greater than 0"),
            )),
        },
    }
}

/// Keys of `[plugins.stats]` besides the ones every plugin has (`enabled`, `in_flight`,
/// `max_restarts`, `period`), which the node reads itself and never passes on.
const KEYS: [&str; 3] = ["interval", "retention", "max_calls"];

fn read_config(config: &Value) -> Result<Config, Error> {
    if let Some(unknown) = config
        .as_object()
        .and_then(|m| m.keys().find(|k| !KEYS.contains(&k.as_str())))
    {
        return Err(Error::config(
            format!("plugins.stats.{unknown}"),
            "unknown key (keys: interval, retention, max_calls)",
        ));
    }
    Ok(Config {
        interval: Duration::from_secs_f64(positive(config, "interval", 60.0)?),
        retention_ms: (positive(config, "retention", 86_400.0)? * 1000.0) as i64,
        max_calls: positive(config, "max_calls", 1_000_000.0)? as usize,
    })
}

impl StatsPlugin {
    /// The plugin definition to add to a node.
    pub fn definition() -> PluginDef {
        let def = PluginDef::new(|ctx: &PluginContext| {
            let config = read_config(&ctx.config)?;
            let book = Arc::new(Mutex::new(CallBook::new(
                config.retention_ms,
                config.max_calls,
            )));
            let unreadable = Arc::new(AtomicU64::new(0));
            let bus = ctx.events.clone();
            let (feed, bad) = (book.clone(), unreadable.clone());
            let subscription = bus
                .subscribe_detached(
                    vec!["PhoneCall".to_owned()],
                    None,
                    &Namespaces::default(),
                    move |event| match PhoneCall::from_event(event) {
                        Some(call) => feed.lock().unwrap_or_else(|p| p.into_inner()).apply(&call),
                        None => {
                            bad.fetch_add(1, Ordering::Relaxed);
                        }
                    },
                )
                .map_err(|e| {
                    Error::node(
                        &*ctx.node,
                        format!("cannot subscribe to PhoneCall events: {e}"),
                    )
                })?;
            let timer = start_reports(ctx.node.to_string(), bus, book.clone(), config.interval);
            Ok(StatsPlugin {
                book,
                unreadable,
                _subscription: subscription,
                _timer: timer,
            })
        });
        def.with_config_check(|config| read_config(config).map(drop))
    }
}

/// Telephony statistics from PhoneCall events.
#[plugin(name = "stats")]
impl StatsPlugin {
    /// Aggregates over the calls that ended in the last `window` seconds (before `until`, an
    /// xs:dateTime, default now), grouped by `group_by` (`extension`, `queue` or `none`):
    /// calls, answered, missed, talk-time p50/p95/p99 in seconds (nearest rank) and calls in
    /// progress now.
    #[command]
    fn query(
        &self,
        window: f64,
        #[arg(default = "extension".to_owned())] group_by: String,
        until: Option<String>,
    ) -> Result<QueryResult, CallError> {
        if !(window.is_finite() && window > 0.0) {
            return Err(CallError::invalid_params(format!(
                "window must be a number of seconds greater than 0, not {window}"
            )));
        }
        let grouping = GroupBy::parse(&group_by).map_err(CallError::invalid_params)?;
        let until_ms = match &until {
            None => unix_millis_now() as i64,
            Some(text) => parse_datetime(text).ok_or_else(|| {
                CallError::invalid_params(format!("until '{text}' is not an xs:dateTime"))
            })?,
        };
        let (groups, total) = self.book.lock().unwrap_or_else(|p| p.into_inner()).query(
            (window * 1000.0) as i64,
            until_ms,
            grouping,
        );
        Ok(QueryResult {
            window_s: window,
            until: timestamp::from_unix_millis(until_ms),
            group_by: group_by.trim().to_ascii_lowercase(),
            groups,
            total,
            unreadable_events: self.unreadable.load(Ordering::Relaxed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_accepts_numbers_and_numeric_strings_and_refuses_the_rest() {
        let c = read_config(&json!({"interval": "0.5", "retention": 60})).unwrap();
        assert_eq!(c.interval, Duration::from_millis(500));
        assert_eq!(c.retention_ms, 60_000);
        assert!(read_config(&json!({"interval": "soon"})).is_err());
        assert!(read_config(&json!({"interval": -1})).is_err());
        assert!(read_config(&json!({"intervall": 1})).is_err());
        assert!(read_config(&Value::Null).is_ok());
    }
}
