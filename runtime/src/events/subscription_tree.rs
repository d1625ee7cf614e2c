//! The subtree of one subscription: a small supervisor (`node/events/sub-N`, temporary, with
//! the usual intensity) over its `receiver` actor. Subscriptions are added to and removed from
//! `node/events` at run time ([`StartChild`](crate::supervision::StartChild) /
//! [`RemoveChild`](crate::supervision::RemoveChild)).

use actix::{Actor, Arbiter};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::core::BusCore;
use super::subscriber::{StopSubscription, SubscriptionActor};
use super::subscription::SubscriptionShared;
use crate::supervision::{
    ChildHandle, ChildSpec, RestartType, Strategy, SupervisorConfig, SupervisorSpec,
};

/// The subtree of one subscription: `sub-N` (temporary: when it gives up, the subscription is
/// marked failed and the rest of the node carries on) over `receiver`.
pub(crate) fn subscription_child(core: Arc<BusCore>, shared: Arc<SubscriptionShared>) -> ChildSpec {
    let config = core.config.get().copied().unwrap_or_default();
    let (actor_core, actor_shared) = (core.clone(), shared.clone());
    let receiver = ChildSpec::new(
        "receiver",
        "subscription",
        RestartType::Permanent,
        move |link| {
            let arbiter = actor_core
                .arbiter
                .get()
                .cloned()
                .unwrap_or_else(Arbiter::current);
            let guard = link.into_guard();
            let (core, shared) = (actor_core.clone(), actor_shared.clone());
            let addr = SubscriptionActor::start_in_arbiter(&arbiter, move |_| {
                SubscriptionActor::new(core, shared, guard)
            });
            Ok(ChildHandle::new(move || addr.do_send(StopSubscription)))
        },
    );
    let id = shared.id.clone();
    SupervisorSpec::new(
        id,
        SupervisorConfig {
            strategy: Strategy::OneForOne,
            ..config
        },
        vec![receiver],
    )
    .on_exit(move |failure| {
        if let Some(reason) = failure {
            shared.failed.store(true, Ordering::Relaxed);
            tracing::error!(node = %core.node, subscription = %shared.id, reason = %reason,
                    "subscription gave up");
        }
    })
    .into_child(RestartType::Temporary)
}
