//! The [`Subscription`] handle a subscriber holds: dropping it unsubscribes (the actor is
//! stopped and removed from the supervision tree); [`Subscription::detach`] keeps the
//! subscription for the node's life.

use std::sync::{Arc, Weak};

use super::core::BusCore;
use super::subscription::{SubscriptionInfo, SubscriptionShared};

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
