//! The link to the broker and its life: the current connection of the session (`None` while
//! reconnecting), whether the node has joined the domain with it, and the request to leave.
//! The session owns the writing side; callers, event publishers and deliveries read it.

use lapin::{Channel, Connection};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
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
    /// The session's runtime (the link actor's thread), where lapin runs its own work: a
    /// request's confirm still on its way when its reply came is seen to its end here.
    pub runtime: tokio::runtime::Handle,
}

/// The link's state, shared by the session (writer) and everyone who publishes.
pub struct LinkState {
    current: watch::Sender<Option<Link>>,
    joined: watch::Sender<u64>,
    /// Set once the node is to leave: the session drains and leaves, and does not reconnect.
    leaving: watch::Sender<bool>,
    /// Set once the node has left (or the session loop ended).
    left: watch::Sender<bool>,
    /// Why the node can never join with its configuration (the broker refused its login).
    refused: watch::Sender<Option<String>>,
}

impl Default for LinkState {
    fn default() -> Self {
        LinkState {
            current: watch::channel(None).0,
            joined: watch::channel(0).0,
            leaving: watch::channel(false).0,
            left: watch::channel(false).0,
            refused: watch::channel(None).0,
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

    /// True when session `generation` got as far as joining.
    pub(crate) fn has_joined(&self, generation: u64) -> bool {
        *self.joined.borrow() == generation
    }

    /// Waits until the node has joined the domain (`Ok(true)`), `timeout` passed
    /// (`Ok(false)`), or the broker refused the node for good (`Err` with why).
    pub fn wait_joined(
        &self,
        timeout: Duration,
    ) -> impl Future<Output = Result<bool, String>> + Send + 'static {
        let (mut joined, mut refused) = (self.joined.subscribe(), self.refused.subscribe());
        async move {
            let deadline = Instant::now() + timeout;
            loop {
                if let Some(why) = refused.borrow_and_update().clone() {
                    return Err(why);
                }
                if *joined.borrow_and_update() != 0 {
                    return Ok(true);
                }
                let changed = async {
                    tokio::select! {
                        r = joined.changed() => r,
                        r = refused.changed() => r,
                    }
                };
                match tokio::time::timeout_at(deadline, changed).await {
                    Ok(Ok(())) => {}
                    _ => return Ok(false),
                }
            }
        }
    }

    /// Records that the broker refused this node for good, with why.
    pub(crate) fn set_refused(&self, why: String) {
        self.refused.send_replace(Some(why));
    }

    /// Asks the session to leave the domain (drain, NodeLeave, close) and not reconnect.
    pub fn request_leave(&self) {
        self.leaving.send_replace(true);
    }

    /// True once leaving was requested.
    pub fn leaving(&self) -> bool {
        *self.leaving.borrow()
    }

    /// Resolves once leaving is requested (at once if it already was); every waiter sees it.
    pub async fn leave_requested(&self) {
        let mut leaving = self.leaving.subscribe();
        while !*leaving.borrow_and_update() {
            if leaving.changed().await.is_err() {
                return;
            }
        }
    }

    /// Records that the node has left the domain (or will never be in it again).
    pub(crate) fn set_left(&self) {
        self.left.send_replace(true);
    }

    /// Resolves once the node has left, or after `timeout`.
    pub fn wait_left(&self, timeout: Duration) -> impl Future<Output = ()> + Send + 'static {
        let mut left = self.left.subscribe();
        async move {
            let wait = async {
                while !*left.borrow_and_update() {
                    if left.changed().await.is_err() {
                        return;
                    }
                }
            };
            let _ = tokio::time::timeout(timeout, wait).await;
        }
    }
}
