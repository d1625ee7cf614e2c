//! [`TreeHandle`]: the narrow view of one node's supervision tree that administration needs
//! (the `core` plugin, the gateway, the event bus): read the actor table, restart or stop an
//! actor through its supervisor, and follow supervision events. It holds no node, so modules
//! that take it depend only on supervision.

use tokio::sync::broadcast;

use super::{ActorInfo, ActorTable, ControlChild, ControlOp, EventSender, SupervisionEvent};
use crate::call::CallError;

/// Clonable handle to a node's supervision tree.
#[derive(Clone)]
pub struct TreeHandle {
    node: std::sync::Arc<str>,
    table: ActorTable,
    events: EventSender,
}

impl TreeHandle {
    /// The tree of node `node`, kept in `table`, reporting on `events`.
    pub fn new(node: &str, table: ActorTable, events: EventSender) -> Self {
        TreeHandle {
            node: node.into(),
            table,
            events,
        }
    }

    /// Every actor of the node.
    pub fn snapshot(&self) -> Vec<ActorInfo> {
        self.table.snapshot()
    }

    /// The actor table itself.
    pub fn table(&self) -> &ActorTable {
        &self.table
    }

    /// The sender supervisors report on.
    pub fn event_sender(&self) -> &EventSender {
        &self.events
    }

    /// Follows supervision events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SupervisionEvent> {
        self.events.subscribe()
    }

    /// Restarts or stops the actor at `path` through its supervisor; resolves once done.
    pub async fn control(&self, path: &str, op: ControlOp) -> Result<(), CallError> {
        let link = self.link(path)?;
        link.supervisor
            .send(ControlChild {
                index: link.index,
                op,
            })
            .await
            .map_err(|e| CallError::internal(format!("supervisor of {path} unreachable: {e}")))?
            .map_err(|e| CallError::internal(e.to_string()))
    }

    /// Asks the supervisor of `path` to restart or stop it without waiting for the outcome:
    /// for command handlers, which may run inside the very actor being restarted.
    pub fn control_nowait(&self, path: &str, op: ControlOp) -> Result<(), CallError> {
        let link = self.link(path)?;
        link.supervisor.do_send(ControlChild {
            index: link.index,
            op,
        });
        Ok(())
    }

    fn link(&self, path: &str) -> Result<super::ControlLink, CallError> {
        self.table.control(path).ok_or_else(|| {
            CallError::invalid_params(format!("no actor at path '{path}' on node {}", self.node))
        })
    }
}
