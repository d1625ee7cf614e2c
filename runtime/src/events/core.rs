//! What the event bus, its subscription actors and the `node/events` supervisor share: the
//! node's transport and schemas, the bus counters, and the registry of subscriptions with the
//! supervisor they run under. Kept apart from [`EventBus`](super::EventBus) so that the
//! subscription actors need only this, not the bus that starts them.

use actix::{Addr, ArbiterHandle};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};

use super::counters::EventCounters;
use super::schemas::EventSchemas;
use super::subscription::SubscriptionShared;
use crate::supervision::{RemoveChild, Supervisor, SupervisorConfig};
use crate::transport::Transport;

/// Subscriptions and the supervisor they run under; one lock, so that a subscription made
/// while `node/events` (re)starts is started exactly once.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) subscriptions: BTreeMap<String, Arc<SubscriptionShared>>,
    pub(crate) supervisor: Option<Addr<Supervisor>>,
}

/// What the bus, its subscription actors and the `node/events` supervisor share.
pub(crate) struct BusCore {
    pub(crate) node: Arc<str>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) schemas: Arc<EventSchemas>,
    pub(crate) validate: bool,
    pub(crate) offload_bytes: usize,
    /// Parse limits of every event (`[events] max_depth`, …).
    pub(crate) limits: clacks_xml::Limits,
    /// XPath steps a filter may spend on one event (`[events] xpath_budget`).
    pub(crate) xpath_budget: u64,
    pub(crate) counters: EventCounters,
    pub(crate) registry: Mutex<Registry>,
    /// The thread subscription actors run on (set when `node/events` is built).
    pub(crate) arbiter: OnceLock<ArbiterHandle>,
    /// Restart intensity of each subscription.
    pub(crate) config: OnceLock<SupervisorConfig>,
    pub(crate) next_id: AtomicU64,
}

impl BusCore {
    pub(crate) fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn unsubscribe(&self, id: &str) {
        let supervisor = {
            let mut registry = self.registry();
            if let Some(gone) = registry.subscriptions.remove(id) {
                self.counters.retired.absorb(&gone.counters);
            }
            registry.supervisor.clone()
        };
        if let Some(supervisor) = supervisor {
            supervisor.do_send(RemoveChild { id: id.to_owned() });
        }
        tracing::debug!(node = %self.node, subscription = %id, "unsubscribed");
    }
}
