//! Per-command call statistics: every served call bumps lock-free per-command counters
//! (calls, errors, a latency histogram) in the plugin actor. The `telemetry` module reads them
//! for the `NodeStatistics` event and `GET /metrics`.
//!
//! - [`histogram`]: the atomic latency histogram and its percentiles.
//! - [`recorder`]: per-plugin tables ([`PluginStats`]) and the node's set ([`NodeStats`]).

pub mod histogram;
pub mod recorder;

pub use histogram::{AtomicHistogram, HistogramSnapshot};
pub use recorder::{CommandSnapshot, NodeStats, PluginStats};
