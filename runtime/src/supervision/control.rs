//! Admin control of one child (restart or stop it through its supervisor): the message a
//! supervisor handles, which the actor table keeps a recipient for so that admin requests by
//! path reach the right supervisor.

use actix::Message;

use crate::Error;

/// An admin operation on one child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlOp {
    /// Stop it (if running) and start it again; not counted against the intensity.
    Restart,
    /// Stop it and leave it stopped.
    Stop,
}

/// Admin request to a supervisor about its child `index`.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Result<(), Error>")]
pub struct ControlChild {
    /// The child's index.
    pub index: usize,
    /// What to do.
    pub op: ControlOp,
}
