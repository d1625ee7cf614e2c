//! One subscription's state: its names, compiled filter, handler and counters
//! ([`SubscriptionShared`], kept by the bus across restarts of its actor), and what
//! [`SubscriptionInfo`] reports of it.

use clacks_xml::Filter;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::counters::ReceiveCounters;
use super::event::Event;
use crate::transport::EventReceiver;

/// What a subscription calls for every delivered event. It runs on the node's event thread;
/// a panic is caught, counted, and restarts the subscription.
pub type EventHandler = Arc<dyn Fn(&Event) + Send + Sync>;

/// The state of one subscription that outlives its actor's restarts.
pub struct SubscriptionShared {
    pub(crate) id: String,
    pub(crate) names: Vec<String>,
    pub(crate) filter: Option<Filter>,
    pub(crate) handler: EventHandler,
    /// The transport's receiver; taken by the running actor, left here across restarts so
    /// that a restart loses no queued event.
    pub(crate) receiver: Arc<tokio::sync::Mutex<Option<EventReceiver>>>,
    pub(crate) active: AtomicBool,
    pub(crate) failed: AtomicBool,
    /// Its receive-side counters (the node's totals add them up).
    pub(crate) counters: ReceiveCounters,
}

impl SubscriptionShared {
    pub(crate) fn new(
        id: String,
        names: Vec<String>,
        filter: Option<Filter>,
        handler: EventHandler,
        receiver: Option<EventReceiver>,
    ) -> Self {
        SubscriptionShared {
            id,
            names,
            filter,
            handler,
            receiver: Arc::new(tokio::sync::Mutex::new(receiver)),
            active: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            counters: ReceiveCounters::default(),
        }
    }

    /// The subscription as `events.subscriptions` reports it.
    pub fn info(&self) -> SubscriptionInfo {
        let [received, invalid, filtered, delivered, handler_panics] = self.counters.values();
        SubscriptionInfo {
            id: self.id.clone(),
            names: self.names.clone(),
            filter: self.filter.as_ref().map(|f| f.source().to_owned()),
            active: self.active.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            received,
            invalid,
            filtered,
            delivered,
            handler_panics,
        }
    }
}

/// A subscription's description and counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionInfo {
    /// Its id, also its actor's name under `node/events`.
    pub id: String,
    /// Event types it receives (all when empty).
    pub names: Vec<String>,
    /// Its XPath filter, as written.
    pub filter: Option<String>,
    /// True once it receives from the transport.
    pub active: bool,
    /// True when its supervisor gave up on it (the handler kept panicking).
    pub failed: bool,
    /// Events received.
    pub received: u64,
    /// Of those, dropped as invalid.
    pub invalid: u64,
    /// Of those, not matching the filter.
    pub filtered: u64,
    /// Of those, handed to the handler.
    pub delivered: u64,
    /// Handler panics.
    pub handler_panics: u64,
}
