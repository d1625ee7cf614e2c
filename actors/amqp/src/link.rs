//! The link to the broker and its life: the current connection of the session (`None` while
//! reconnecting), whether the node has joined the domain with it, and the request to leave.
//! The session owns the writing side; callers, event publishers and deliveries read it.

use lapin::{Channel, Connection};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

/// The live connection of one session.
#[derive(Clone)]
pub struct Link {
    /// The connection (channels for new consumers come from here).
    pub connection: Arc<Connection>,
    /// The publishing channel, in confirm mode.
    pub channel: Channel,
    /// This connection's reply queue.
    pub reply_to: String,
    /// Which session (calls waiting on an older one's reply queue have failed).
    pub generation: u64,
    /// The session's runtime (the link actor's thread), where lapin runs its own work (acks
    /// go through it): confirm-then-ack tails run here, next to it.
    pub runtime: tokio::runtime::Handle,
}

/// The link's state, shared by the session (writer) and everyone who publishes.
pub struct LinkState {
    current: watch::Sender<Option<Link>>,
    joined: watch::Sender<u64>,
    leaving: AtomicBool,
    leave: Notify,
}

impl Default for LinkState {
    fn default() -> Self {
        LinkState {
            current: watch::channel(None).0,
            joined: watch::channel(0).0,
            leaving: AtomicBool::new(false),
            leave: Notify::new(),
        }
    }
}

impl LinkState {
    /// The current link, if connected.
    pub fn current(&self) -> Option<Link> {
        self.current.borrow().clone()
    }

    /// Waits for a link until `deadline`: `Err(true)` when the deadline passed, `Err(false)`
    /// when the transport has stopped for good.
    pub async fn wait(&self, deadline: Instant) -> Result<Link, bool> {
        let mut link = self.current.subscribe();
        loop {
            if let Some(current) = link.borrow_and_update().clone() {
                return Ok(current);
            }
            match tokio::time::timeout_at(deadline, link.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err(false),
                Err(_) => return Err(true),
            }
        }
    }

    /// Sets (or clears, while reconnecting) the current link.
    pub(crate) fn set(&self, link: Option<Link>) {
        self.current.send_replace(link);
        if self.current.borrow().is_none() {
            self.joined.send_replace(0);
        }
    }

    /// Records that session `generation` has joined the domain (consumers open, announced).
    pub(crate) fn set_joined(&self, generation: u64) {
        self.joined.send_replace(generation);
    }

    /// Waits until the node has joined the domain (true) or `timeout` passed (false).
    pub fn wait_joined(&self, timeout: Duration) -> impl Future<Output = bool> + Send + 'static {
        let mut joined = self.joined.subscribe();
        async move {
            let deadline = Instant::now() + timeout;
            loop {
                if *joined.borrow_and_update() != 0 {
                    return true;
                }
                match tokio::time::timeout_at(deadline, joined.changed()).await {
                    Ok(Ok(())) => {}
                    _ => return false,
                }
            }
        }
    }

    /// Asks the session to leave the domain (NodeLeave, then close) and not reconnect.
    pub fn request_leave(&self) {
        self.leaving.store(true, Ordering::SeqCst);
        self.leave.notify_one();
    }

    /// True once leaving was requested.
    pub fn leaving(&self) -> bool {
        self.leaving.load(Ordering::SeqCst)
    }

    /// Resolves when leaving is requested.
    pub async fn leave_requested(&self) {
        self.leave.notified().await;
    }

    /// Runs `task` on the session's runtime, next to lapin's own work (acks go through it),
    /// or on the current runtime while disconnected.
    pub fn spawn_on_session(&self, task: impl Future<Output = ()> + Send + 'static) {
        match self.current().map(|link| link.runtime) {
            Some(runtime) => drop(runtime.spawn(task)),
            None => drop(tokio::spawn(task)),
        }
    }
}
