//! What a node tells about itself: the stats actor (`node/stats`) turns the call counters of
//! [`metrics`](crate::metrics) into one `NodeStatistics` event per `stats.interval`, and
//! [`prometheus`] renders every counter of the node for `GET /metrics`.
//!
//! Data flow:
//! ```text
//! PluginActor serves a call → PluginStats::record (atomics, no lock, no allocation)
//!   ├─ every interval: StatsCollector → NodeStatistics event → EventBus::publish
//!   └─ on scrape: prometheus::render → GET /metrics
//! ```
//!
//! - [`collector`]: the stats actor and the `NodeStatistics` event.
//! - [`prometheus`]: the `/metrics` text.

pub mod collector;
pub mod prometheus;

pub(crate) use collector::collector_child;
