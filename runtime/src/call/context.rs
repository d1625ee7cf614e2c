//! What a handler may know about the call it serves: who asked, on which node, whether the
//! delivery is a repeat, and how long is left. Handlers that need none of it simply do not take
//! a `&CallContext` parameter.

use std::sync::Arc;
use std::time::Duration;

use super::CallRequest;

/// Per-call facts handed to a command handler.
#[derive(Debug, Clone)]
pub struct CallContext {
    node: Arc<str>,
    request: Arc<CallRequest>,
}

impl CallContext {
    /// The context of `request` served on `node`.
    pub fn new(node: Arc<str>, request: Arc<CallRequest>) -> Self {
        CallContext { node, request }
    }

    /// The node serving the call.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The caller's identity.
    pub fn caller(&self) -> &str {
        &self.request.caller
    }

    /// True when the transport delivers this call again after a failure elsewhere.
    pub fn redelivered(&self) -> bool {
        self.request.redelivered
    }

    /// Time left before the caller gives up.
    pub fn remaining(&self) -> Option<Duration> {
        self.request.remaining()
    }

    /// The whole request.
    pub fn request(&self) -> &CallRequest {
        &self.request
    }
}
