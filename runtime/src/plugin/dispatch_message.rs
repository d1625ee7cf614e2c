//! The message that carries one call to a plugin's actor. It has a file of its own so that the
//! [`PluginHandle`](super::PluginHandle), which sends it, and the actor, which serves it, both
//! depend on it instead of on each other.

use actix::Message;
use serde_json::Value;
use std::sync::Arc;

use crate::call::{CallError, ResolvedCall};

/// One call for the actor, as the dispatcher resolved it (the command is not split again).
pub(crate) struct Dispatch {
    pub(crate) call: Arc<ResolvedCall>,
}

impl Message for Dispatch {
    type Result = Result<Value, CallError>;
}
