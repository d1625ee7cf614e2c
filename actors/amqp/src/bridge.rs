//! The AMQP bridge as a supervised actor on its own arbiter (thread), so a slow plugin cannot
//! starve heartbeats and acks. It runs the session loop; stopping it first leaves the domain
//! cleanly (NodeLeave, consumers cancelled), then closes the connection.

use actix::fut::wrap_future;
use actix::prelude::*;
use clacks_runtime::supervision::{ChildHandle, ChildSpec, ExitGuard, RestartType};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::session;
use super::shared::Shared;

struct AmqpBridge {
    shared: Arc<Shared>,
    _guard: ExitGuard,
}

#[derive(Message)]
#[rtype(result = "()")]
struct StopBridge;

impl Actor for AmqpBridge {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.spawn(
            wrap_future::<_, Self>(session::run(self.shared.clone()))
                .map(|(), _act, ctx| ctx.stop()),
        );
    }
}

impl Handler<StopBridge> for AmqpBridge {
    type Result = ();

    fn handle(&mut self, _: StopBridge, ctx: &mut Context<Self>) {
        self.shared.leaving.store(true, Ordering::SeqCst);
        self.shared.leave.notify_one();
        // The session ends itself after NodeLeave; do not wait on a dead broker for ever.
        ctx.run_later(Duration::from_secs(3), |_, ctx| ctx.stop());
    }
}

/// The bridge child for the node's root supervisor.
pub fn bridge_child(shared: Arc<Shared>) -> ChildSpec {
    let arbiter = Arbiter::new().handle();
    // Transient: leaving the domain ends the bridge normally, and that must not restart it.
    ChildSpec::new("transport", "amqp", RestartType::Transient, move |link| {
        let shared = shared.clone();
        let guard = link.into_guard();
        let addr = AmqpBridge::start_in_arbiter(&arbiter, move |_| AmqpBridge {
            shared,
            _guard: guard,
        });
        Ok(ChildHandle::new(move || addr.do_send(StopBridge)))
    })
}
