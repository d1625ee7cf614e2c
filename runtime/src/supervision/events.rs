//! Supervision happenings as node events. They go out on a broadcast channel that the event bus
//! (and tests) subscribe to; a slow subscriber lags and loses old events instead of slowing the
//! supervisors down.

use serde::Serialize;
use tokio::sync::broadcast;

/// What a supervisor reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event")]
pub enum SupervisionEvent {
    /// A child started (first time or after a restart).
    ActorStarted {
        /// Actor path.
        path: String,
        /// Actor kind.
        kind: String,
    },
    /// A child was restarted after exiting.
    ActorRestarted {
        /// Actor path.
        path: String,
        /// Why it exited.
        reason: String,
        /// Restarts of this child inside the window.
        restarts: u32,
    },
    /// A supervisor exceeded its restart intensity and gave up.
    IntensityExceeded {
        /// The supervisor's path.
        path: String,
        /// Restarts counted in the window.
        restarts: u32,
        /// The window in milliseconds.
        period_ms: u64,
        /// The last child failure.
        reason: String,
    },
    /// A child stopped for good (shutdown, temporary child, or admin stop).
    ActorStopped {
        /// Actor path.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Sender side of the node's event channel.
pub type EventSender = broadcast::Sender<SupervisionEvent>;
