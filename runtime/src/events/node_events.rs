//! The `node/events` subtree: a supervisor over the supervision publisher and one
//! small supervisor per subscription (see `subscription_tree`). The bus keeps the
//! subscriptions' state, so when `node/events` itself restarts it starts them all again.

use actix::Arbiter;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use super::bus::EventBus;
use super::subscription_tree::subscription_child;
use super::supervision_events::publisher_child;
use crate::supervision::{
    ChildHandle, ChildSpec, RestartType, Shutdown, Strategy, Supervisor, SupervisorConfig,
    SupervisorSpec, TreeHandle,
};

/// The `node/events` child of the root supervisor, with `config` as the intensity of it and
/// of every subscription. Must be built inside the node's actix System.
pub(crate) fn events_child(
    bus: &EventBus,
    tree: &TreeHandle,
    config: SupervisorConfig,
) -> ChildSpec {
    let core = bus.core.clone();
    let _ = core.arbiter.set(Arbiter::new().handle());
    let _ = core.config.set(config);
    // Subscribed now, so the supervision events of the node's own start are published too.
    let first = Arc::new(Mutex::new(Some(tree.subscribe())));
    let (bus, tree) = (bus.clone(), tree.clone());
    ChildSpec::new(
        "events",
        "supervisor",
        RestartType::Permanent,
        move |link| {
            let mut children = vec![publisher_child(&bus, &tree, first.clone())];
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
