//! Supervision on actix, after OTP: a [`Supervisor`] owns [`ChildSpec`]s, restarts children by
//! [`Strategy`] and [`RestartType`] within an [`Intensity`], and escalates to its parent when the
//! intensity is exceeded. actix's own `Supervisor` only restarts in place; these types sit on top
//! so the actor crate stays swappable.
//!
//! Data flow: a start function gets a [`ChildLink`] → the child keeps it as an [`ExitGuard`] →
//! the guard's drop sends [`ChildExited`] → the supervisor decides (restart set, intensity) →
//! the [`ActorTable`] and the [`SupervisionEvent`] channel record what happened.

mod actor_table;
mod child;
mod control;
mod events;
mod panic;
mod strategy;
mod supervisor;
mod tree_handle;

pub use actor_table::{ActorInfo, ActorState, ActorTable, ControlLink};
pub use child::{
    ChildExited, ChildHandle, ChildLink, ChildSpec, ExitGuard, ExitNotify, StartFn,
    SupervisionContext,
};
pub use control::{ControlChild, ControlOp};
pub use events::{EventSender, SupervisionEvent};
pub use panic::panic_message;
pub use strategy::{Intensity, RestartType, Strategy, SupervisorConfig};
pub use supervisor::{ExitHook, RemoveChild, Shutdown, StartChild, Supervisor, SupervisorSpec};
pub use tree_handle::TreeHandle;

#[cfg(test)]
mod tests;
