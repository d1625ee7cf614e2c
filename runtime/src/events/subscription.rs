//! One subscription: its names, compiled filter, handler and counters
//! ([`SubscriptionShared`], kept by the bus across restarts of its actor), and the
//! [`Subscription`] handle the subscriber holds: dropping it unsubscribes (the actor is stopped
//! and removed from the supervision tree), [`Subscription::detach`] keeps it for the node's life.

use clacks_xml::Filter;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use super::bus::BusCore;
use super::Event;
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
    pub(crate) received: AtomicU64,
    pub(crate) invalid: AtomicU64,
    pub(crate) filtered: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) panics: AtomicU64,
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
            received: AtomicU64::new(0),
            invalid: AtomicU64::new(0),
            filtered: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            panics: AtomicU64::new(0),
        }
    }

    /// The subscription as `events.subscriptions` reports it.
    pub fn info(&self) -> SubscriptionInfo {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SubscriptionInfo {
            id: self.id.clone(),
            names: self.names.clone(),
            filter: self.filter.as_ref().map(|f| f.source().to_owned()),
            active: self.active.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            received: get(&self.received),
            invalid: get(&self.invalid),
            filtered: get(&self.filtered),
            delivered: get(&self.delivered),
            handler_panics: get(&self.panics),
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

/// The subscriber's handle; dropping it ends the subscription.
pub struct Subscription {
    pub(crate) shared: Arc<SubscriptionShared>,
    pub(crate) bus: Weak<BusCore>,
    pub(crate) detached: bool,
}

impl Subscription {
    /// Its id (`sub-N`), the name of its actor under `node/events`.
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    /// Its counters now.
    pub fn info(&self) -> SubscriptionInfo {
        self.shared.info()
    }

    /// Keeps the subscription running for the node's life, without a handle.
    pub fn detach(mut self) {
        self.detached = true;
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if self.detached {
            return;
        }
        if let Some(bus) = self.bus.upgrade() {
            bus.unsubscribe(&self.shared.id);
        }
    }
}
