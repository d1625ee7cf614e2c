//! How a supervisor and a child know each other. A [`ChildSpec`] says how to start a child; the
//! start function receives a [`ChildLink`] and turns it into an [`ExitGuard`] that the child owns:
//! when the child is dropped, however it ended, the guard tells the supervisor (a drop guard, so
//! no exit path can forget to report).

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use tokio::sync::oneshot;

use super::{ActorTable, EventSender, RestartType};
use crate::Error;

/// The report a child's guard sends when the child ends.
#[derive(Debug, Clone, actix::Message)]
#[rtype(result = "()")]
pub struct ChildExited {
    /// The child's index in its supervisor.
    pub index: usize,
    /// Which incarnation ended (older incarnations' reports are ignored).
    pub generation: u64,
    /// `Some(reason)` for a failure, `None` for a normal exit.
    pub failure: Option<String>,
}

/// Where exit reports go.
pub type ExitNotify = Arc<dyn Fn(ChildExited) + Send + Sync>;

/// What every supervisor of a node shares: the actor table and the event channel.
#[derive(Clone)]
pub struct SupervisionContext {
    /// The node's actor table.
    pub table: ActorTable,
    /// The node's supervision events.
    pub events: EventSender,
}

/// Handed to a child's start function; becomes the child's [`ExitGuard`].
pub struct ChildLink {
    pub(super) path: String,
    pub(super) index: usize,
    pub(super) generation: u64,
    pub(super) notify: ExitNotify,
    pub(super) stopped: Option<oneshot::Sender<()>>,
    pub(super) context: SupervisionContext,
}

impl ChildLink {
    /// A link for a root actor with no supervisor: `notify` receives its exit.
    pub fn root(path: &str, context: SupervisionContext, notify: ExitNotify) -> ChildLink {
        ChildLink {
            path: path.to_owned(),
            index: 0,
            generation: 0,
            notify,
            stopped: None,
            context,
        }
    }

    /// The child's path in the tree.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The node's shared supervision context (for children that supervise in turn).
    pub fn context(&self) -> &SupervisionContext {
        &self.context
    }

    /// The guard the child keeps for as long as it lives.
    pub fn into_guard(self) -> ExitGuard {
        ExitGuard {
            link: Some(self),
            failure: None,
        }
    }
}

/// Owned by a running child; reports the child's end to its supervisor when dropped.
pub struct ExitGuard {
    link: Option<ChildLink>,
    failure: Option<String>,
}

impl ExitGuard {
    /// Marks the coming end as a failure with `reason` (the last reason wins).
    pub fn fail(&mut self, reason: impl Into<String>) {
        self.failure = Some(reason.into());
    }

    /// The failure reason set so far, if any.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// The child's path.
    pub fn path(&self) -> &str {
        self.link.as_ref().map(|l| l.path.as_str()).unwrap_or("")
    }

    /// The shared supervision context.
    pub fn context(&self) -> Option<&SupervisionContext> {
        self.link.as_ref().map(|l| &l.context)
    }
}

impl Drop for ExitGuard {
    fn drop(&mut self) {
        if let Some(mut link) = self.link.take() {
            if let Some(stopped) = link.stopped.take() {
                let _ = stopped.send(());
            }
            (link.notify)(ChildExited {
                index: link.index,
                generation: link.generation,
                failure: self.failure.take(),
            });
        }
    }
}

/// What a start function returns: how to ask the child to stop, and its mailbox counter.
pub struct ChildHandle {
    pub(super) stop: Box<dyn Fn() + Send>,
    pub(super) mailbox: Option<Arc<AtomicUsize>>,
}

impl ChildHandle {
    /// A child stopped by calling `stop` (which must make it drop its [`ExitGuard`] soon).
    pub fn new(stop: impl Fn() + Send + 'static) -> Self {
        ChildHandle {
            stop: Box::new(stop),
            mailbox: None,
        }
    }

    /// Adds the counter of calls queued or in progress, shown as `mailbox` in the actor tree.
    pub fn with_mailbox(mut self, mailbox: Arc<AtomicUsize>) -> Self {
        self.mailbox = Some(mailbox);
        self
    }
}

/// The start function of a child: called at first start and at every restart.
pub type StartFn = Arc<dyn Fn(ChildLink) -> Result<ChildHandle, Error> + Send + Sync>;

/// How to start one child, and when to restart it.
#[derive(Clone)]
pub struct ChildSpec {
    /// The child's name under its supervisor (the last element of its path).
    pub id: String,
    /// What it is, for the actor tree (`plugin`, `gateway`, `supervisor`, …).
    pub kind: String,
    /// When it is restarted.
    pub restart: RestartType,
    pub(super) start: StartFn,
}

impl ChildSpec {
    /// A child named `id` of `kind`, started by `start`.
    pub fn new(
        id: impl Into<String>,
        kind: impl Into<String>,
        restart: RestartType,
        start: impl Fn(ChildLink) -> Result<ChildHandle, Error> + Send + Sync + 'static,
    ) -> Self {
        ChildSpec {
            id: id.into(),
            kind: kind.into(),
            restart,
            start: Arc::new(start),
        }
    }
}
