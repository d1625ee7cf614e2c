//! The supervisor actor: starts its children in order, watches their exit reports, restarts
//! them by strategy and restart type within the restart intensity, and gives up to its own
//! parent (escalation) when the intensity is exceeded. Every stop, whether for a restart, a
//! shutdown or an escalation, goes child by child in reverse start order and waits for each.

use actix::fut::{wrap_future, ActorFutureExt};
use actix::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

use super::child::{ChildExited, ChildHandle, ChildLink, ChildSpec, ExitGuard, SupervisionContext};
use super::control::{ControlChild, ControlOp};
use super::{ActorState, ControlLink, RestartType, Strategy, SupervisionEvent, SupervisorConfig};
use crate::Error;

/// How long a supervisor waits for one child to stop before going on without it.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Called once when a supervisor ends: `Some(reason)` when it gave up, `None` when stopped.
pub type ExitHook = Arc<dyn Fn(Option<&str>) + Send + Sync>;

/// Asks a supervisor to stop its children in reverse order, then itself.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Shutdown;

/// Adds a child to a running supervisor and starts it (OTP's `start_child`): for children
/// that come and go at run time, such as event subscriptions. Answers once the child's start
/// function ran (a start failure is then handled like any other: restart or give up).
#[derive(Message)]
#[rtype(result = "Result<(), Error>")]
pub struct StartChild(pub ChildSpec);

/// Stops the child named `id` and forgets it (OTP's `terminate_child` + `delete_child`): it
/// leaves the actor table and is never restarted. Unknown ids are not an error.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct RemoveChild {
    /// The child's id under this supervisor.
    pub id: String,
}

/// Everything needed to start a supervisor: its name, policy, children and exit hook.
#[derive(Clone)]
pub struct SupervisorSpec {
    /// The name under its parent.
    pub id: String,
    /// Strategy and intensity.
    pub config: SupervisorConfig,
    /// Children in start order.
    pub children: Vec<ChildSpec>,
    /// Called when the supervisor ends.
    pub on_exit: Option<ExitHook>,
}

impl SupervisorSpec {
    /// A supervisor named `id` with `config` over `children`.
    pub fn new(id: impl Into<String>, config: SupervisorConfig, children: Vec<ChildSpec>) -> Self {
        SupervisorSpec {
            id: id.into(),
            config,
            children,
            on_exit: None,
        }
    }

    /// Sets the exit hook.
    pub fn on_exit(mut self, hook: impl Fn(Option<&str>) + Send + Sync + 'static) -> Self {
        self.on_exit = Some(Arc::new(hook));
        self
    }

    /// This supervisor as a child of another one.
    pub fn into_child(self, restart: RestartType) -> ChildSpec {
        let id = self.id.clone();
        ChildSpec::new(id, "supervisor", restart, move |link| {
            let addr = Supervisor::start_linked(self.clone(), link);
            Ok(ChildHandle::new(move || addr.do_send(Shutdown)))
        })
    }
}

struct RunningChild {
    generation: u64,
    handle: ChildHandle,
    stopped: Option<oneshot::Receiver<()>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    ShuttingDown,
}

/// The supervisor actor (see the module docs).
pub struct Supervisor {
    path: String,
    spec: SupervisorSpec,
    context: SupervisionContext,
    running: Vec<Option<RunningChild>>,
    next_generation: u64,
    restarts: VecDeque<Instant>,
    phase: Phase,
    guard: Option<ExitGuard>,
    /// Slots of removed children, reused by the next [`StartChild`] (indexes stay stable for
    /// the admin links of the others).
    vacant: Vec<usize>,
}

impl Supervisor {
    /// Starts a supervisor linked to its parent through `link`.
    pub fn start_linked(spec: SupervisorSpec, link: ChildLink) -> Addr<Supervisor> {
        let path = link.path().to_owned();
        let context = link.context().clone();
        let count = spec.children.len();
        Supervisor {
            path,
            spec,
            context,
            running: (0..count).map(|_| None).collect(),
            next_generation: 0,
            restarts: VecDeque::new(),
            phase: Phase::Running,
            guard: Some(link.into_guard()),
            vacant: Vec::new(),
        }
        .start()
    }

    fn child_path(&self, index: usize) -> String {
        format!("{}/{}", self.path, self.spec.children[index].id)
    }

    fn emit(&self, event: SupervisionEvent) {
        // Nobody listening is fine: events are informational.
        let _ = self.context.events.send(event);
    }

    /// Starts child `index`; a start failure is reported to ourselves as a failed exit.
    fn start_child(&mut self, index: usize, ctx: &mut Context<Self>, restart_reason: Option<&str>) {
        let spec = self.spec.children[index].clone();
        let path = self.child_path(index);
        self.next_generation += 1;
        let generation = self.next_generation;
        let (stopped_tx, stopped_rx) = oneshot::channel();
        let addr = ctx.address();
        let link = ChildLink {
            path: path.clone(),
            index,
            generation,
            notify: Arc::new(move |exit| addr.do_send(exit)),
            stopped: Some(stopped_tx),
            context: self.context.clone(),
        };
        let control = ControlLink {
            supervisor: ctx.address().recipient(),
            index,
        };
        self.context.table.starting(
            &path,
            &spec.kind,
            self.spec.config.intensity.period,
            Some(control),
        );
        // A start function that panics must not take the supervisor down with it.
        let started = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (spec.start)(link)))
            .unwrap_or_else(|payload| {
                Err(Error::actor(
                    &path,
                    format!(
                        "start function panicked: {}",
                        super::panic_message(&*payload)
                    ),
                ))
            });
        match started {
            Ok(handle) => {
                self.context.table.running(&path, handle.mailbox.clone());
                self.running[index] = Some(RunningChild {
                    generation,
                    handle,
                    stopped: Some(stopped_rx),
                });
                tracing::debug!(path = %path, kind = %spec.kind, "actor started");
                self.emit(SupervisionEvent::ActorStarted {
                    path: path.clone(),
                    kind: spec.kind.clone(),
                });
                if let Some(reason) = restart_reason {
                    let restarts = self.context.table.restarts_in_window(&path);
                    self.emit(SupervisionEvent::ActorRestarted {
                        path,
                        reason: reason.to_owned(),
                        restarts,
                    });
                }
            }
            Err(reason) => {
                tracing::warn!(path = %path, error = %reason, "actor failed to start");
                self.running[index] = Some(RunningChild {
                    generation,
                    handle: ChildHandle::new(|| {}),
                    stopped: None,
                });
                ctx.notify(ChildExited {
                    index,
                    generation,
                    failure: Some(format!("start failed: {reason}")),
                });
            }
        }
    }

    /// Takes the given children out of the running set (in reverse order) and returns a future
    /// that stops them one after the other, waiting for each.
    fn stop_children(
        &mut self,
        indexes: &[usize],
        state: ActorState,
        reason: &str,
    ) -> impl std::future::Future<Output = ()> + 'static {
        let mut victims = Vec::new();
        for &index in indexes.iter().rev() {
            if let Some(child) = self.running[index].take() {
                let path = self.child_path(index);
                self.context.table.ended(&path, state, None);
                if state == ActorState::Stopped {
                    self.emit(SupervisionEvent::ActorStopped {
                        path,
                        reason: reason.to_owned(),
                    });
                }
                victims.push(child);
            }
        }
        async move {
            for mut child in victims {
                (child.handle.stop)();
                if let Some(stopped) = child.stopped.take() {
                    let _ = tokio::time::timeout(STOP_TIMEOUT, stopped).await;
                }
            }
        }
    }

    fn all_indexes(&self) -> Vec<usize> {
        (0..self.spec.children.len())
            .filter(|i| !self.vacant.contains(i))
            .collect()
    }

    /// Over the intensity: stop everything, then fail to the parent.
    fn give_up(&mut self, ctx: &mut Context<Self>, reason: &str) {
        self.phase = Phase::ShuttingDown;
        let restarts = self.restarts.len() as u32;
        let period = self.spec.config.intensity.period;
        tracing::error!(path = %self.path, restarts, ?period, last_failure = %reason,
            "restart intensity exceeded; escalating");
        self.emit(SupervisionEvent::IntensityExceeded {
            path: self.path.clone(),
            restarts,
            period_ms: period.as_millis() as u64,
            reason: reason.to_owned(),
        });
        let failure = format!(
            "restart intensity exceeded ({restarts} restarts in {:.1} s); last failure: {reason}",
            period.as_secs_f64()
        );
        let stop = self.stop_children(
            &self.all_indexes(),
            ActorState::Stopped,
            "supervisor gave up",
        );
        ctx.wait(
            wrap_future(stop).map(move |(), act: &mut Self, ctx: &mut Context<Self>| {
                if let Some(guard) = act.guard.as_mut() {
                    guard.fail(failure);
                }
                ctx.stop();
            }),
        );
    }

    /// Which children restart with `index` under our strategy, in start order.
    fn restart_set(&self, index: usize) -> Vec<usize> {
        match self.spec.config.strategy {
            Strategy::OneForOne => vec![index],
            Strategy::OneForAll => self.all_indexes(),
            Strategy::RestForOne => (index..self.spec.children.len())
                .filter(|i| !self.vacant.contains(i))
                .collect(),
        }
    }
}

impl Actor for Supervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        for index in 0..self.spec.children.len() {
            self.start_child(index, ctx, None);
        }
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some(hook) = &self.spec.on_exit {
            let failure = self.guard.as_ref().and_then(|g| g.failure());
            hook(failure);
        }
    }
}

impl Handler<ChildExited> for Supervisor {
    type Result = ();

    fn handle(&mut self, exit: ChildExited, ctx: &mut Context<Self>) {
        let current = self.running.get(exit.index).and_then(|c| c.as_ref());
        if current.map(|c| c.generation) != Some(exit.generation) {
            return; // an incarnation we already stopped or replaced
        }
        self.running[exit.index] = None;
        let path = self.child_path(exit.index);
        let failed = exit.failure.is_some();
        let reason = exit.failure.unwrap_or_else(|| "normal exit".to_owned());
        if self.phase == Phase::ShuttingDown {
            return;
        }
        let spec = &self.spec.children[exit.index];
        if !spec.restart.restarts_after(failed) {
            let state = if failed {
                ActorState::Failed
            } else {
                ActorState::Stopped
            };
            tracing::info!(path = %path, reason = %reason, "actor ended; not restarted");
            self.context
                .table
                .ended(&path, state, failed.then_some(reason.as_str()));
            self.emit(SupervisionEvent::ActorStopped { path, reason });
            return;
        }
        let now = Instant::now();
        self.restarts.push_back(now);
        let period = self.spec.config.intensity.period;
        while self
            .restarts
            .front()
            .is_some_and(|t| now.duration_since(*t) > period)
        {
            self.restarts.pop_front();
        }
        self.context.table.restarting(&path, &reason);
        if self.restarts.len() > self.spec.config.intensity.max_restarts as usize {
            self.context
                .table
                .ended(&path, ActorState::Failed, Some(&reason));
            self.give_up(ctx, &format!("{path}: {reason}"));
            return;
        }
        tracing::warn!(path = %path, reason = %reason, "actor exited; restarting");
        let set = self.restart_set(exit.index);
        let siblings: Vec<usize> = set.iter().copied().filter(|&i| i != exit.index).collect();
        for &i in &siblings {
            if self.running[i].is_some() {
                self.context
                    .table
                    .restarting(&self.child_path(i), "sibling restarted");
            }
        }
        let stop = self.stop_children(&siblings, ActorState::Restarting, "sibling restart");
        let failed_index = exit.index;
        ctx.wait(
            wrap_future(stop).map(move |(), act: &mut Self, ctx: &mut Context<Self>| {
                for index in set {
                    let temporary = act.spec.children[index].restart == RestartType::Temporary;
                    if index != failed_index && temporary {
                        let path = act.child_path(index);
                        act.context.table.ended(&path, ActorState::Stopped, None);
                        continue;
                    }
                    let why = if index == failed_index {
                        reason.as_str()
                    } else {
                        "sibling restarted"
                    };
                    act.start_child(index, ctx, Some(why));
                }
            }),
        );
    }
}

impl Handler<Shutdown> for Supervisor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        if self.phase == Phase::ShuttingDown {
            return;
        }
        self.phase = Phase::ShuttingDown;
        tracing::debug!(path = %self.path, "supervisor shutting down");
        let stop = self.stop_children(&self.all_indexes(), ActorState::Stopped, "shutdown");
        ctx.wait(wrap_future(stop).map(|(), _act: &mut Self, ctx: &mut Context<Self>| ctx.stop()));
    }
}

impl Handler<ControlChild> for Supervisor {
    type Result = ResponseFuture<Result<(), Error>>;

    fn handle(&mut self, msg: ControlChild, ctx: &mut Context<Self>) -> Self::Result {
        if msg.index >= self.spec.children.len() || self.vacant.contains(&msg.index) {
            let err = Error::actor(&self.path, format!("no child {}", msg.index));
            return Box::pin(async move { Err(err) });
        }
        if self.phase == Phase::ShuttingDown {
            let err = Error::actor(&self.path, "the supervisor is shutting down");
            return Box::pin(async move { Err(err) });
        }
        let (done_tx, done_rx) = oneshot::channel();
        let reason = match msg.op {
            ControlOp::Restart => "restarted by admin",
            ControlOp::Stop => "stopped by admin",
        };
        let stop = self.stop_children(&[msg.index], ActorState::Stopped, reason);
        ctx.wait(
            wrap_future(stop).map(move |(), act: &mut Self, ctx: &mut Context<Self>| {
                if msg.op == ControlOp::Restart {
                    let path = act.child_path(msg.index);
                    act.context.table.restarted_by_admin(&path);
                    act.start_child(msg.index, ctx, Some(reason));
                }
                let _ = done_tx.send(());
            }),
        );
        let path = self.path.clone();
        Box::pin(async move {
            done_rx
                .await
                .map_err(|_| Error::actor(path, "the supervisor stopped before finishing"))
        })
    }
}

impl Handler<StartChild> for Supervisor {
    type Result = Result<(), Error>;

    fn handle(&mut self, msg: StartChild, ctx: &mut Context<Self>) -> Self::Result {
        if self.phase == Phase::ShuttingDown {
            return Err(Error::actor(&self.path, "the supervisor is shutting down"));
        }
        let spec = msg.0;
        let taken = self
            .all_indexes()
            .into_iter()
            .any(|i| self.spec.children[i].id == spec.id);
        if taken {
            return Err(Error::actor(
                &self.path,
                format!("already has a child named '{}'", spec.id),
            ));
        }
        let index = match self.vacant.pop() {
            Some(index) => {
                self.spec.children[index] = spec;
                index
            }
            None => {
                self.spec.children.push(spec);
                self.running.push(None);
                self.spec.children.len() - 1
            }
        };
        self.start_child(index, ctx, None);
        Ok(())
    }
}

impl Handler<RemoveChild> for Supervisor {
    type Result = ();

    fn handle(&mut self, msg: RemoveChild, ctx: &mut Context<Self>) {
        if self.phase == Phase::ShuttingDown {
            return;
        }
        let Some(index) = self
            .all_indexes()
            .into_iter()
            .find(|&i| self.spec.children[i].id == msg.id)
        else {
            return;
        };
        let path = self.child_path(index);
        let stop = self.stop_children(&[index], ActorState::Stopped, "removed");
        self.vacant.push(index);
        ctx.spawn(
            wrap_future(stop).map(move |(), act: &mut Self, _ctx: &mut Context<Self>| {
                // Unless a new child took the same name meanwhile, drop the table entry.
                let reused = act
                    .all_indexes()
                    .into_iter()
                    .any(|i| act.child_path(i) == path);
                if !reused {
                    act.context.table.forget(&path);
                }
            }),
        );
    }
}
