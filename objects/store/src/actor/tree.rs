//! [`BackendsTree`]: the backends' supervisor, started by the `objects` plugin at each of
//! its starts and shut down when that instance ends. A plugin cannot add children to its
//! own supervisor (`PluginDef` builds the `plugins/NAME` subtree with one actor), so this
//! supervisor is rooted at `PARENT/backends` in the node's actor table through
//! [`ChildLink::root`]: `clacks tree` shows it and its backends below the plugin, it
//! restarts them by the node's rules, and when it gives up the backends stay down (their
//! commands answer -32004) until the plugin restarts.

use actix::Addr;
use clacks_runtime::supervision::{
    ActorState, ChildLink, ChildSpec, Shutdown, SupervisionContext, Supervisor, SupervisorConfig,
    SupervisorSpec, TreeHandle,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::BackendStatus;

/// Counts the trees started at one path, so that a tree still stopping after its successor
/// started leaves the actor table to the successor.
#[derive(Clone, Default)]
pub struct Incarnations(Arc<AtomicU64>);

/// The running backends supervisor.
pub struct BackendsTree {
    addr: Addr<Supervisor>,
}

impl BackendsTree {
    /// Starts `children` under a supervisor at `path` (e.g.
    /// `node/plugins/objects/backends`) of `tree`; when it gives up, every status in
    /// `statuses` goes down with the reason. `incarnations` is shared by the trees one
    /// plugin starts at this path, one after the other.
    pub fn start(
        tree: &TreeHandle,
        path: &str,
        config: SupervisorConfig,
        children: Vec<ChildSpec>,
        statuses: Vec<BackendStatus>,
        incarnations: &Incarnations,
    ) -> BackendsTree {
        let latest = incarnations.0.clone();
        let mine = latest.fetch_add(1, Ordering::SeqCst) + 1;
        let context = SupervisionContext {
            table: tree.table().clone(),
            events: tree.event_sender().clone(),
        };
        context
            .table
            .starting(path, "supervisor", config.intensity.period, None);
        context.table.running(path, None);
        let table = context.table.clone();
        let own = path.to_owned();
        let notify = Arc::new(move |exit: clacks_runtime::supervision::ChildExited| {
            if latest.load(Ordering::SeqCst) != mine {
                return; // a successor owns the path now
            }
            match &exit.failure {
                Some(reason) => {
                    for s in &statuses {
                        s.set_down(&format!("its supervisor gave up: {reason}"));
                    }
                    table.ended(&own, ActorState::Failed, Some(reason));
                }
                None => table.ended(&own, ActorState::Stopped, None),
            }
        });
        let id = path.rsplit('/').next().unwrap_or(path).to_owned();
        let spec = SupervisorSpec::new(id, config, children);
        let addr = Supervisor::start_linked(spec, ChildLink::root(path, context, notify));
        BackendsTree { addr }
    }
}

impl Drop for BackendsTree {
    fn drop(&mut self) {
        self.addr.do_send(Shutdown);
    }
}
