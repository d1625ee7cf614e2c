//! The link actor: the transport's supervised actor (`node/transport`) on its own arbiter
//! (thread), so a slow plugin cannot starve heartbeats and acks. It runs the session loop;
//! stopping it first leaves the domain cleanly (NodeLeave, consumers cancelled), then closes
//! the connection. The broker log relay ([`broker_log`]), when configured, runs beside the
//! session in the same actor.

use actix::fut::wrap_future;
use actix::prelude::*;
use clacks_runtime::supervision::{ChildHandle, ChildSpec, ExitGuard, RestartType};
use std::sync::Arc;
use std::time::Duration;

use super::state::NodeState;
use super::{broker_log, session};

struct LinkActor {
    state: Arc<NodeState>,
    _guard: ExitGuard,
}

#[derive(Message)]
#[rtype(result = "()")]
struct StopLink;

impl Actor for LinkActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Beside the session, on a connection of its own: it ends with the actor.
        ctx.spawn(wrap_future::<_, Self>(broker_log::run(self.state.clone())));
        ctx.spawn(
            wrap_future::<_, Self>(session::run(self.state.clone()))
                .map(|(), _act, ctx| ctx.stop()),
        );
    }
}

impl Handler<StopLink> for LinkActor {
    type Result = ();

    fn handle(&mut self, _: StopLink, ctx: &mut Context<Self>) {
        self.state.link.request_leave();
        // The session ends itself after NodeLeave; do not wait on a dead broker for ever.
        ctx.run_later(Duration::from_secs(3), |_, ctx| ctx.stop());
    }
}

/// The link actor's child spec, for the node's root supervisor.
pub fn link_child(state: Arc<NodeState>) -> ChildSpec {
    let arbiter = Arbiter::new().handle();
    // Transient: leaving the domain ends the link actor normally, and that must not restart it.
    ChildSpec::new("transport", "amqp", RestartType::Transient, move |link| {
        let state = state.clone();
        let guard = link.into_guard();
        let addr = LinkActor::start_in_arbiter(&arbiter, move |_| LinkActor {
            state,
            _guard: guard,
        });
        Ok(ChildHandle::new(move || addr.do_send(StopLink)))
    })
}
