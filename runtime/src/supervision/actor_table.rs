//! The node's table of live actors, kept by the supervisors as they start, restart and stop
//! children. `core.actor_tree` and `clacks tree` read it without asking any actor, so an
//! overloaded or stuck actor cannot hide from the admin view.

use actix::Recipient;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use super::control::ControlChild;

/// Life-cycle state of one actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorState {
    /// Starting for the first time.
    Starting,
    /// Serving.
    Running,
    /// Exited and about to be restarted.
    Restarting,
    /// Stopped for good (normal exit, admin stop, shutdown).
    Stopped,
    /// Exited with a failure and will not be restarted (gave up, or temporary child).
    Failed,
}

/// One actor as `core.actor_tree` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ActorInfo {
    /// Slash-separated path from the root supervisor (`node/plugins/core/actor`).
    pub path: String,
    /// What it is: `supervisor`, `plugin`, `gateway`, …
    pub kind: String,
    /// `starting`, `running`, `restarting`, `stopped` or `failed`.
    pub state: String,
    /// Restarts within the supervisor's intensity window.
    pub restarts: u32,
    /// Restarts since the node started: after failures and by an admin (`core.restart`).
    pub total_restarts: u64,
    /// The intensity window in milliseconds.
    pub window_ms: u64,
    /// Calls queued or in progress (actors that keep a counter).
    pub mailbox: Option<usize>,
    /// Time since the current incarnation started.
    pub uptime_ms: Option<u64>,
    /// The last failure reason.
    pub last_error: Option<String>,
}

/// How the admin reaches an actor: its supervisor and its index there.
#[derive(Clone)]
pub struct ControlLink {
    /// The supervising actor.
    pub supervisor: Recipient<ControlChild>,
    /// The child's index in that supervisor.
    pub index: usize,
}

struct Entry {
    kind: String,
    state: ActorState,
    restarts: VecDeque<Instant>,
    total_restarts: u64,
    window: Duration,
    mailbox: Option<Arc<AtomicUsize>>,
    started: Option<Instant>,
    last_error: Option<String>,
    control: Option<ControlLink>,
}

/// Shared, cheaply clonable table of every actor of a node.
#[derive(Clone, Default)]
pub struct ActorTable {
    inner: Arc<RwLock<BTreeMap<String, Entry>>>,
}

impl ActorTable {
    // A poisoned lock only means a panic happened while it was held; the table stays usable.
    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Entry>> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, Entry>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that `path` is starting (creating the entry if new).
    pub fn starting(&self, path: &str, kind: &str, window: Duration, control: Option<ControlLink>) {
        let mut table = self.write();
        let entry = table.entry(path.to_owned()).or_insert_with(|| Entry {
            kind: kind.to_owned(),
            state: ActorState::Starting,
            restarts: VecDeque::new(),
            total_restarts: 0,
            window,
            mailbox: None,
            started: None,
            last_error: None,
            control: None,
        });
        entry.kind = kind.to_owned();
        entry.window = window;
        entry.control = control;
        if entry.state != ActorState::Restarting {
            entry.state = ActorState::Starting;
        }
    }

    /// Records that `path` runs, with its mailbox counter if it keeps one.
    pub fn running(&self, path: &str, mailbox: Option<Arc<AtomicUsize>>) {
        if let Some(entry) = self.write().get_mut(path) {
            entry.state = ActorState::Running;
            entry.started = Some(Instant::now());
            if mailbox.is_some() {
                entry.mailbox = mailbox;
            }
        }
    }

    /// Records a restart of `path` after `reason`; returns its restarts inside the window.
    pub fn restarting(&self, path: &str, reason: &str) -> u32 {
        let mut table = self.write();
        let Some(entry) = table.get_mut(path) else {
            return 0;
        };
        let now = Instant::now();
        entry.state = ActorState::Restarting;
        entry.last_error = Some(reason.to_owned());
        entry.restarts.push_back(now);
        entry.total_restarts += 1;
        prune(&mut entry.restarts, entry.window, now);
        entry.restarts.len() as u32
    }

    /// Records a restart of `path` an admin asked for: counted in the total, so the tree shows
    /// it, but not in the intensity window, which measures failures.
    pub fn restarted_by_admin(&self, path: &str) {
        if let Some(entry) = self.write().get_mut(path) {
            entry.total_restarts += 1;
        }
    }

    /// Records that `path` ended: `Stopped` or `Failed` with the reason.
    pub fn ended(&self, path: &str, state: ActorState, reason: Option<&str>) {
        if let Some(entry) = self.write().get_mut(path) {
            entry.state = state;
            entry.started = None;
            if let Some(reason) = reason {
                entry.last_error = Some(reason.to_owned());
            }
        }
    }

    /// Records a failure reason without changing the state (e.g. a caught panic).
    pub fn error(&self, path: &str, reason: &str) {
        if let Some(entry) = self.write().get_mut(path) {
            entry.last_error = Some(reason.to_owned());
        }
    }

    /// Removes `path` and every actor below it (a child deleted from its supervisor).
    pub fn forget(&self, path: &str) {
        let below = format!("{path}/");
        self.write()
            .retain(|p, _| p != path && !p.starts_with(&below));
    }

    /// The kind of `path` (`plugin`, `supervisor`, …).
    pub fn kind(&self, path: &str) -> Option<String> {
        self.read().get(path).map(|e| e.kind.clone())
    }

    /// The state of `path`.
    pub fn state(&self, path: &str) -> Option<ActorState> {
        self.read().get(path).map(|e| e.state)
    }

    /// Restarts of `path` inside its window.
    pub fn restarts_in_window(&self, path: &str) -> u32 {
        let now = Instant::now();
        let mut table = self.write();
        table.get_mut(path).map_or(0, |e| {
            prune(&mut e.restarts, e.window, now);
            e.restarts.len() as u32
        })
    }

    /// How the admin reaches `path`.
    pub fn control(&self, path: &str) -> Option<ControlLink> {
        self.read().get(path).and_then(|e| e.control.clone())
    }

    /// Every actor, sorted by path.
    pub fn snapshot(&self) -> Vec<ActorInfo> {
        let now = Instant::now();
        let mut table = self.write();
        table
            .iter_mut()
            .map(|(path, e)| {
                prune(&mut e.restarts, e.window, now);
                ActorInfo {
                    path: path.clone(),
                    kind: e.kind.clone(),
                    state: serde_json::to_value(e.state)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    restarts: e.restarts.len() as u32,
                    total_restarts: e.total_restarts,
                    window_ms: e.window.as_millis() as u64,
                    mailbox: e.mailbox.as_ref().map(|m| m.load(Ordering::Relaxed)),
                    uptime_ms: e.started.map(|s| now.duration_since(s).as_millis() as u64),
                    last_error: e.last_error.clone(),
                }
            })
            .collect()
    }
}

fn prune(restarts: &mut VecDeque<Instant>, window: Duration, now: Instant) {
    while restarts
        .front()
        .is_some_and(|t| now.duration_since(*t) > window)
    {
        restarts.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_count_inside_window_and_in_total() {
        let table = ActorTable::default();
        table.starting("n/a", "plugin", Duration::from_secs(60), None);
        table.running("n/a", None);
        assert_eq!(table.restarting("n/a", "boom"), 1);
        assert_eq!(table.restarting("n/a", "boom"), 2);
        let info = &table.snapshot()[0];
        assert_eq!(info.restarts, 2);
        assert_eq!(info.total_restarts, 2);
        assert_eq!(info.state, "restarting");
        assert_eq!(info.last_error.as_deref(), Some("boom"));
    }

    #[test]
    fn an_admin_restart_counts_in_the_total_but_not_in_the_window() {
        let table = ActorTable::default();
        table.starting("n/a", "plugin", Duration::from_secs(60), None);
        table.running("n/a", None);
        table.restarted_by_admin("n/a");
        table.restarted_by_admin("n/unknown");
        let info = &table.snapshot()[0];
        assert_eq!((info.restarts, info.total_restarts), (0, 1));
        assert_eq!(info.last_error, None, "an admin restart is not a failure");
    }

    #[test]
    fn restarts_leave_the_window() {
        let table = ActorTable::default();
        table.starting("n/a", "plugin", Duration::from_millis(0), None);
        table.restarting("n/a", "boom");
        std::thread::sleep(Duration::from_millis(2));
        let info = &table.snapshot()[0];
        assert_eq!(info.restarts, 0);
        assert_eq!(info.total_restarts, 1);
    }
}
