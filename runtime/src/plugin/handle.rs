//! The stable front of a plugin on one node. Callers hold a [`PluginHandle`]; behind it the
//! plugin's actor may be running, restarting or failed. The handle counts calls in flight
//! (actix does not expose mailbox length), refuses new ones past the limit with `busy`, and
//! re-sends a call whose actor ended before serving it to the restarted actor, so a restart
//! never loses a queued call. The limit also bounds how many async calls a concurrent plugin
//! runs at once; one its actor had already started is answered by the actor (never re-sent),
//! since it may have done part of its work.

use actix::{MailboxError, Recipient};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::watch;

use super::dispatch_message::Dispatch;
use super::guard::CallGuard;
use crate::call::{CallError, ResolvedCall, RpcErrorKind};

/// How the reason of the handle's own refusal starts while its plugin is failed, and while
/// it is stopped ([`PluginHandle::refused_while_down`] reads them back).
const FAILED: &str = "failed: ";
const STOPPED: &str = "stopped: ";

/// What a plugin on one node is doing now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginStatus {
    /// Not started yet.
    Starting,
    /// Serving calls.
    Running,
    /// Its actor ended and its supervisor is restarting it; calls wait.
    Restarting,
    /// Its supervisor gave up; calls get -32002 until an admin restarts it.
    Failed(String),
    /// Stopped by an admin or by shutdown.
    Stopped(String),
}

impl PluginStatus {
    /// `starting`, `running`, `restarting`, `failed` or `stopped`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PluginStatus::Starting => "starting",
            PluginStatus::Running => "running",
            PluginStatus::Restarting => "restarting",
            PluginStatus::Failed(_) => "failed",
            PluginStatus::Stopped(_) => "stopped",
        }
    }
}

#[derive(Clone)]
struct Slot {
    status: PluginStatus,
    addr: Option<Recipient<Dispatch>>,
}

struct Inner {
    name: String,
    slot: watch::Sender<Slot>,
    in_flight: Arc<AtomicUsize>,
    limit: usize,
    /// The runtime of the plugin's own thread, known once its actor first started.
    home: RwLock<Option<tokio::runtime::Handle>>,
    /// The ACL check every call passes first (none: every call is let through).
    guard: Option<CallGuard>,
}

/// Follows one plugin's status.
pub struct StatusWatch(watch::Receiver<Slot>);

impl StatusWatch {
    /// The current status.
    pub fn current(&mut self) -> PluginStatus {
        self.0.borrow_and_update().status.clone()
    }

    /// Waits for the next change; `None` when the plugin's handle is gone.
    pub async fn changed(&mut self) -> Option<PluginStatus> {
        self.0.changed().await.ok()?;
        Some(self.current())
    }
}

/// Clonable handle to one plugin on one node.
#[derive(Clone)]
pub struct PluginHandle {
    inner: Arc<Inner>,
}

/// Decrements the in-flight counter however the call ends (drop guard).
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PluginHandle {
    /// A handle for plugin `name` accepting at most `limit` calls in flight.
    pub fn new(name: &str, limit: usize) -> Self {
        Self::build(name, limit, None)
    }

    /// A handle whose calls must pass `guard` (the node's ACLs) before anything else.
    pub fn guarded(name: &str, limit: usize, guard: CallGuard) -> Self {
        Self::build(name, limit, Some(guard))
    }

    fn build(name: &str, limit: usize, guard: Option<CallGuard>) -> Self {
        let (slot, _) = watch::channel(Slot {
            status: PluginStatus::Starting,
            addr: None,
        });
        PluginHandle {
            inner: Arc::new(Inner {
                name: name.to_owned(),
                slot,
                in_flight: Arc::new(AtomicUsize::new(0)),
                limit: limit.max(1),
                home: RwLock::new(None),
                guard,
            }),
        }
    }

    /// The plugin name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The current status.
    pub fn status(&self) -> PluginStatus {
        self.inner.slot.borrow().status.clone()
    }

    /// A receiver that changes whenever the status does (transports use it to cancel and
    /// resume their consumers).
    pub fn watch_status(&self) -> StatusWatch {
        StatusWatch(self.inner.slot.subscribe())
    }

    /// Calls queued or in progress.
    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::Relaxed)
    }

    /// The in-flight limit (also the actor's mailbox capacity).
    pub fn limit(&self) -> usize {
        self.inner.limit
    }

    pub(crate) fn counter(&self) -> Arc<AtomicUsize> {
        self.inner.in_flight.clone()
    }

    /// The runtime of the thread the plugin's actor last ran on (its restarts stay on that
    /// thread), once it first started. A transport that serves its queue there (take the
    /// delivery, call the actor, publish the reply) keeps the actor's answer on one thread:
    /// each thread switch costs tens of µs on a busy host.
    pub fn home(&self) -> Option<tokio::runtime::Handle> {
        self.inner.home.read().ok().and_then(|home| home.clone())
    }

    pub(crate) fn set_running(&self, addr: Recipient<Dispatch>) {
        if let Ok(mut home) = self.inner.home.write() {
            *home = Some(tokio::runtime::Handle::current());
        }
        self.inner.slot.send_replace(Slot {
            status: PluginStatus::Running,
            addr: Some(addr),
        });
    }

    pub(crate) fn set_status(&self, status: PluginStatus) {
        self.inner.slot.send_replace(Slot { status, addr: None });
    }

    /// True when `error` is this handle's own refusal of a call because its plugin was
    /// stopped (an admin, a restart) or failed: the call never reached the plugin, so a
    /// transport may give it to another provider.
    pub fn refused_while_down(&self, error: &CallError) -> bool {
        let text = |key| error.data(key).and_then(Value::as_str);
        error.kind() == RpcErrorKind::Unavailable
            && text("plugin") == Some(self.inner.name.as_str())
            && text("reason").is_some_and(|r| r.starts_with(STOPPED) || r.starts_with(FAILED))
    }

    /// Serves `request` on this plugin before `deadline`, once the ACLs let it through.
    pub async fn call(&self, call: Arc<ResolvedCall>) -> Result<Value, CallError> {
        if let Some(guard) = &self.inner.guard {
            guard.admit(&call)?;
        }
        let (request, deadline) = (call.request(), call.deadline());
        let name = &self.inner.name;
        let before = self.inner.in_flight.fetch_add(1, Ordering::AcqRel);
        let _in_flight = InFlight(self.inner.in_flight.clone());
        if before >= self.inner.limit {
            return Err(CallError::busy(name, self.inner.limit));
        }
        let mut slot = self.inner.slot.subscribe();
        loop {
            // Send while the slot is borrowed: cloning the slot (its recipient and status)
            // on every call costs an allocation the hot path does not need.
            let sent = {
                let current = slot.borrow_and_update();
                match (&current.status, &current.addr) {
                    (PluginStatus::Running, Some(addr)) => {
                        Some(addr.send(Dispatch { call: call.clone() }))
                    }
                    (PluginStatus::Failed(reason), _) => {
                        return Err(CallError::unavailable(name, format!("{FAILED}{reason}")))
                    }
                    (PluginStatus::Stopped(reason), _) => {
                        return Err(CallError::unavailable(name, format!("{STOPPED}{reason}")))
                    }
                    _ => None,
                }
            };
            if let Some(sent) = sent {
                match tokio::time::timeout_at(deadline, sent).await {
                    Ok(Ok(result)) => return result,
                    // The actor ended before serving this call: wait for its successor.
                    Ok(Err(MailboxError::Closed)) => {}
                    Ok(Err(MailboxError::Timeout)) | Err(_) => {
                        return Err(CallError::timeout(&request.method))
                    }
                }
            }
            match tokio::time::timeout_at(deadline, slot.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err(CallError::unavailable(name, "node shut down")),
                Err(_) => return Err(CallError::timeout(&request.method)),
            }
        }
    }
}
