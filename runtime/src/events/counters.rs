//! Event counters, each kept in one place. The publish side (published, refused, failed) is
//! node-wide. The receive side (received, invalid, filtered, delivered, handler panics) is
//! counted per subscription only; the node's totals are the sum over its live subscriptions
//! plus what removed subscriptions had counted (the retired accumulator), so no event is
//! counted twice and no count is lost when a subscription ends.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// The receive-side counters of one subscription (or of all retired ones).
#[derive(Debug, Default)]
pub struct ReceiveCounters {
    pub(crate) received: AtomicU64,
    pub(crate) invalid: AtomicU64,
    pub(crate) filtered: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) panics: AtomicU64,
}

impl ReceiveCounters {
    fn all(&self) -> [&AtomicU64; 5] {
        [
            &self.received,
            &self.invalid,
            &self.filtered,
            &self.delivered,
            &self.panics,
        ]
    }

    /// Their values: received, invalid, filtered, delivered, panics.
    pub(crate) fn values(&self) -> [u64; 5] {
        self.all().map(|c| c.load(Ordering::Relaxed))
    }

    /// Adds `other`'s counts to these (a subscription retiring into the accumulator).
    pub(crate) fn absorb(&self, other: &ReceiveCounters) {
        for (mine, theirs) in self.all().into_iter().zip(other.values()) {
            mine.fetch_add(theirs, Ordering::Relaxed);
        }
    }
}

/// The node-wide counters of one node's event bus.
#[derive(Debug, Default)]
pub struct EventCounters {
    pub(crate) published: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) publish_failed: AtomicU64,
    /// What subscriptions that ended had counted.
    pub(crate) retired: ReceiveCounters,
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
    /// The node's counters: the publish side, and the receive side of the retired
    /// subscriptions plus each of `live`.
    pub(crate) fn snapshot<'a>(
        &self,
        live: impl IntoIterator<Item = &'a ReceiveCounters>,
    ) -> EventCountersSnapshot {
        let mut receive = self.retired.values();
        for counters in live {
            for (total, value) in receive.iter_mut().zip(counters.values()) {
                *total += value;
            }
        }
        let [received, invalid, filtered, delivered, handler_panics] = receive;
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        EventCountersSnapshot {
            published: get(&self.published),
            refused: get(&self.refused),
            publish_failed: get(&self.publish_failed),
            received,
            invalid,
            filtered,
            delivered,
            handler_panics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_totals_are_live_subscriptions_plus_retired_ones() {
        let node = EventCounters::default();
        let (live, gone) = (ReceiveCounters::default(), ReceiveCounters::default());
        bump(&live.received);
        bump(&live.delivered);
        bump(&gone.received);
        bump(&gone.panics);
        node.retired.absorb(&gone);
        let totals = node.snapshot([&live]);
        assert_eq!((totals.received, totals.delivered), (2, 1));
        assert_eq!(totals.handler_panics, 1);
        assert_eq!(
            node.snapshot([]).received,
            1,
            "only the retired count without live ones"
        );
    }
}
