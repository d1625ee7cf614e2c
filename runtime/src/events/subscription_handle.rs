//! The [`Subscription`] handle a subscriber holds: dropping it unsubscribes (the actor is
//! stopped and removed from the supervision tree); [`Subscription::detach`] keeps the
//! subscription for the node's life; [`Subscription::when_active`] runs a step once it
//! receives (a joining node asking the domain for state it missed: the answers must find the
//! subscription already listening).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

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

    /// Runs `then` once this subscription receives from the transport (its actor subscribes
    /// when it starts, after a plugin's factory returns), looking every 10 ms; after 5 s
    /// without it, `then` is not run and a warning names `what`. Must be called on an actix
    /// system (a plugin's factory is). Dropping the returned handle stops the wait.
    pub fn when_active(&self, what: &'static str, then: impl FnOnce() + 'static) -> WhenActive {
        let shared = self.shared.clone();
        WhenActive(actix::spawn(async move {
            for _ in 0..500 {
                if shared.active.load(Ordering::Relaxed) {
                    then();
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tracing::warn!(subscription = %shared.id, what,
                "subscription not active after 5 s: not done");
        }))
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

/// A step waiting for a subscription to receive ([`Subscription::when_active`]); dropping it
/// cancels the step if it has not run.
pub struct WhenActive(tokio::task::JoinHandle<()>);

impl Drop for WhenActive {
    fn drop(&mut self) {
        self.0.abort();
    }
}
