//! The `node/events` subtree: a supervisor over the supervision bridge and one small
//! supervisor per subscription (`node/events/sub-N`, temporary, over its `receiver` actor with
//! the usual intensity). Subscriptions are added and removed at run time
//! ([`StartChild`](crate::supervision::StartChild) / [`RemoveChild`](crate::supervision::RemoveChild));
//! the bus keeps their state, so when `node/events` itself restarts it starts them all again.

use actix::{Actor, Arbiter};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use super::bus::BusCore;
use super::subscriber::{StopSubscription, SubscriptionActor};
use super::subscription::SubscriptionShared;
use super::supervision_bridge::bridge_child;
use crate::node::NodeHandle;
use crate::supervision::{
    ChildHandle, ChildSpec, RestartType, Shutdown, Strategy, Supervisor, SupervisorConfig,
    SupervisorSpec,
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

/// The `node/events` child of the root supervisor, with `config` as the intensity of it and
/// of every subscription. Must be built inside the node's actix System.
pub(crate) fn events_child(node: &NodeHandle, config: SupervisorConfig) -> ChildSpec {
    let bus = node.event_bus().clone();
    let core = bus.core.clone();
    let _ = core.arbiter.set(Arbiter::new().handle());
    let _ = core.config.set(config);
    // Subscribed now, so the supervision events of the node's own start are published too.
    let first = Arc::new(Mutex::new(Some(node.events())));
    let node = node.clone();
    ChildSpec::new(
        "events",
        "supervisor",
        RestartType::Permanent,
        move |link| {
            let mut children = vec![bridge_child(&node, first.clone())];
            let mut registry = core.registry();
            children.extend(
                registry
                    .subscriptions
                    .values()
                    .filter(|s| !s.failed.load(Ordering::Relaxed))
                    .map(|s| subscription_child(core.clone(), s.clone())),
            );
            let spec = SupervisorSpec::new(
                "events",
                SupervisorConfig {
                    strategy: Strategy::OneForOne,
                    ..config
                },
                children,
            );
            let addr = Supervisor::start_linked(spec, link);
            registry.supervisor = Some(addr.clone());
            Ok(ChildHandle::new(move || addr.do_send(Shutdown)))
        },
    )
}
