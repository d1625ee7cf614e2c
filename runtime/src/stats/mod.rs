//! Node statistics: every served call bumps lock-free per-command counters (calls, errors, a
//! latency histogram) in the plugin actor; the stats actor (`node/stats`) turns them into one
//! `NodeStatistics` event per `stats.interval`, and `GET /metrics` renders them in the
//! Prometheus text format.
//!
//! Data flow:
//! ```text
//! PluginActor serves a call → PluginStats::record (atomics, no lock, no allocation)
//!   ├─ every interval: StatsCollector → NodeStatistics event → EventBus::publish
//!   └─ on scrape: prometheus::render → GET /metrics
//! ```
//!
//! - [`histogram`]: the atomic latency histogram and its percentiles.
//! - [`recorder`]: per-plugin tables ([`PluginStats`]) and the node's set ([`NodeStats`]).
//! - [`collector`]: the stats actor and the `NodeStatistics` event.
//! - [`prometheus`]: the `/metrics` text.

pub mod collector;
pub mod histogram;
pub mod prometheus;
pub mod recorder;

pub(crate) use collector::collector_child;
pub use histogram::{AtomicHistogram, HistogramSnapshot};
pub use recorder::{CommandSnapshot, NodeStats, PluginStats};
