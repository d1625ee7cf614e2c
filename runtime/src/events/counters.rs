//! Node-wide event counters: lock-free atomics bumped on the publish and receive paths, read
//! by `/metrics`, `events.subscriptions` and tests.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// The counters of one node's event bus.
#[derive(Debug, Default)]
pub struct EventCounters {
    pub(crate) published: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) publish_failed: AtomicU64,
    pub(crate) received: AtomicU64,
    pub(crate) invalid: AtomicU64,
    pub(crate) filtered: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) handler_panics: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EventCountersSnapshot {
    /// Events this node published (validated and handed to the transport).
    pub published: u64,
    /// Events refused at publish (not well-formed, or failing their schema).
    pub refused: u64,
    /// Events the transport failed to take after they were accepted.
    pub publish_failed: u64,
    /// Events received by this node's subscriptions (one per subscription).
    pub received: u64,
    /// Received events dropped because they failed validation.
    pub invalid: u64,
    /// Received events that did not pass a subscription's filter.
    pub filtered: u64,
    /// Events handed to a subscription handler.
    pub delivered: u64,
    /// Handler panics (each restarts its subscription).
    pub handler_panics: u64,
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl EventCounters {
    /// Reads every counter.
    pub fn snapshot(&self) -> EventCountersSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        EventCountersSnapshot {
            published: get(&self.published),
            refused: get(&self.refused),
            publish_failed: get(&self.publish_failed),
            received: get(&self.received),
            invalid: get(&self.invalid),
            filtered: get(&self.filtered),
            delivered: get(&self.delivered),
            handler_panics: get(&self.handler_panics),
        }
    }
}
