//! Backends as supervised actors. [`backend_child`] is the child spec of one backend: its
//! incarnation connects (retrying with back-off), prepares the store (migrations, seed),
//! reports the backend up in its [`BackendStatus`], then pings its server; when the server
//! is lost it reports the backend down and ends as failed, so its supervisor restarts it,
//! and the new incarnation waits out the back-off before it connects again. Commands look
//! at the status first and answer at once while the backend is down.
//!
//! [`BackendsTree`] runs such children under a supervisor of their own, rooted at a path
//! of the node's actor table (see its docs for why it is rooted rather than linked).

mod status;
mod tree;

pub use status::BackendStatus;
pub use tree::{BackendsTree, Incarnations};

use clacks_runtime::supervision::{ActorState, ChildHandle, ChildSpec, RestartType};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use crate::error::{Error, Result};
use crate::ldap::LdapPool;
use crate::sql::Pool;

/// A backend's server, as its actor watches it: a round trip to it, and what to call it.
pub trait Probe: Clone + Send + Sync + 'static {
    /// Whether the server answers.
    fn ping(&self) -> Result<()>;
    /// The server, for logs (no password).
    fn describe(&self) -> String;
}

impl Probe for Pool {
    fn ping(&self) -> Result<()> {
        Pool::ping(self)
    }
    fn describe(&self) -> String {
        self.target().describe()
    }
}

impl Probe for LdapPool {
    fn ping(&self) -> Result<()> {
        LdapPool::ping(self)
    }
    fn describe(&self) -> String {
        LdapPool::describe(self)
    }
}

/// How often a backend that is up checks its server.
pub const PING_INTERVAL: Duration = Duration::from_millis(500);
/// The longest back-off between connection attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// The wait before connection attempt `failures + 1`: none at first, then 100 ms doubling
/// up to [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let ms = 100u64.saturating_mul(1 << failures.min(10).saturating_sub(1));
    Duration::from_millis(ms).min(MAX_BACKOFF)
}

/// What a backend does once its server answers (migrations, seeding); an error ends the
/// incarnation as failed.
pub type Prepare = Arc<dyn Fn() -> Result<()> + Send + Sync>;

async fn blocking<T: Send + 'static>(
    backend: &str,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::backend(backend, format!("worker: {e}")))?
}

/// Sleeps `d`, or less when stopped; true when stopped.
async fn sleep_or_stop(d: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        () = tokio::time::sleep(d) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

/// The child spec of backend `id` watching `pool` (the SQL [`Pool`], an [`LdapPool`]),
/// reporting in `status`.
pub fn backend_child<P: Probe>(
    id: &str,
    pool: P,
    status: BackendStatus,
    prepare: Prepare,
) -> ChildSpec {
    let failures = Arc::new(AtomicU32::new(0));
    ChildSpec::new(id, "backend", RestartType::Permanent, move |link| {
        let (path, table) = (link.path().to_owned(), link.context().table.clone());
        let mut guard = link.into_guard();
        let (stop_tx, mut stop) = watch::channel(false);
        let (pool, status, prepare) = (pool.clone(), status.clone(), prepare.clone());
        let failures = failures.clone();
        actix::spawn(async move {
            loop {
                if sleep_or_stop(backoff(failures.load(Ordering::Relaxed)), &mut stop).await {
                    return;
                }
                let p = pool.clone();
                match blocking(status.name(), move || p.ping()).await {
                    Ok(()) => break,
                    Err(e) => {
                        status.set_down(&e.to_string());
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            let prep = prepare.clone();
            if let Err(e) = blocking(status.name(), move || prep()).await {
                status.set_down(&e.to_string());
                failures.fetch_add(1, Ordering::Relaxed);
                guard.fail(format!("preparing the store: {e}"));
                return;
            }
            failures.store(0, Ordering::Relaxed);
            status.set_up();
            tracing::info!(backend = %status.name(), server = %pool.describe(), "backend up");
            loop {
                if sleep_or_stop(PING_INTERVAL, &mut stop).await {
                    return;
                }
                // A predecessor stopping after this incarnation started (the plugin restarted)
                // reports its path stopped: this running incarnation says otherwise.
                if table.state(&path) == Some(ActorState::Stopped) {
                    table.running(&path, None);
                }
                let p = pool.clone();
                if let Err(e) = blocking(status.name(), move || p.ping()).await {
                    status.set_down(&e.to_string());
                    failures.store(1, Ordering::Relaxed);
                    tracing::warn!(backend = %status.name(), error = %e, "backend lost its server");
                    guard.fail(format!("lost its server: {e}"));
                    return;
                }
            }
        });
        Ok(ChildHandle::new(move || {
            let _ = stop_tx.send(true);
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(0), Duration::ZERO);
        assert_eq!(backoff(1), Duration::from_millis(100));
        assert_eq!(backoff(3), Duration::from_millis(400));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
