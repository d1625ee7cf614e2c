//! A call as the node that takes it has worked it out once: which plugin and command it names,
//! how many providers answer (its [`CallType`]) and when it must be answered. Every later hop
//! (the transport, a fan-out, the serving node's queue) reads these facts from here instead of
//! splitting the method or recomputing the deadline again.

use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

use super::{unix_millis_now, CallError, CallRequest, CallType};

/// A request with its plugin, command, call type and absolute deadline fixed.
#[derive(Debug, Clone)]
pub struct ResolvedCall {
    request: Arc<CallRequest>,
    /// Byte length of the plugin part of `method` (the command starts one byte later).
    plugin_len: usize,
    call_type: CallType,
    deadline: Instant,
}

impl ResolvedCall {
    /// Resolves `request` as a `call_type` call. Its deadline is the one it carries (the
    /// caller's header), or `timeout` from now: the command's own `timeout`, else
    /// `[calls] timeout`, as the caller of this function chose. A method that is not
    /// `plugin.command` is `-32601`.
    pub fn new(
        mut request: CallRequest,
        call_type: CallType,
        timeout: Duration,
    ) -> Result<Self, CallError> {
        let plugin_len = request.split_method()?.0.len();
        let now_ms = unix_millis_now();
        let deadline_ms = *request
            .deadline_ms
            .get_or_insert_with(|| now_ms.saturating_add(timeout.as_millis() as u64));
        let deadline = Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms));
        Ok(ResolvedCall {
            request: Arc::new(request),
            plugin_len,
            call_type,
            deadline,
        })
    }

    /// The request (method, arguments, target node, caller, deadline in Unix ms).
    pub fn request(&self) -> &Arc<CallRequest> {
        &self.request
    }

    /// `plugin.command`.
    pub fn method(&self) -> &str {
        &self.request.method
    }

    /// The plugin part of the method.
    pub fn plugin(&self) -> &str {
        &self.request.method[..self.plugin_len]
    }

    /// The command part of the method.
    pub fn command(&self) -> &str {
        &self.request.method[self.plugin_len + 1..]
    }

    /// NORMAL, FIRSTRESULT or CUMULATIVE.
    pub fn call_type(&self) -> CallType {
        self.call_type
    }

    /// The node the caller named (`call_on`), if any.
    pub fn target(&self) -> Option<&str> {
        self.request.node.as_deref()
    }

    /// When the caller stops waiting, on this process's clock.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The same deadline as absolute Unix time in ms (what travels between nodes).
    pub fn deadline_ms(&self) -> u64 {
        self.request.deadline_ms.unwrap_or_else(unix_millis_now)
    }

    /// Time left until the deadline (zero once passed).
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Params;

    #[tokio::test]
    async fn resolution_splits_the_method_once_and_fixes_the_deadline_from_the_timeout() {
        let call = ResolvedCall::new(
            CallRequest::new("core.ping", Params::default()),
            CallType::Normal,
            Duration::from_secs(7),
        )
        .unwrap();
        assert_eq!((call.plugin(), call.command()), ("core", "ping"));
        let left = call.remaining();
        assert!(left > Duration::from_secs(6) && left <= Duration::from_secs(7));
        let wire = call.deadline_ms() - unix_millis_now();
        assert!(wire > 6_000 && wire <= 7_000, "{wire}");
    }

    #[tokio::test]
    async fn a_deadline_the_caller_set_wins_over_the_timeout() {
        let request =
            CallRequest::new("a.b", Params::default()).with_timeout(Duration::from_secs(2));
        let call =
            ResolvedCall::new(request, CallType::Cumulative, Duration::from_secs(60)).unwrap();
        assert!(call.remaining() <= Duration::from_secs(2));
        assert_eq!(call.call_type(), CallType::Cumulative);
    }

    #[test]
    fn a_method_without_a_dot_is_not_resolved() {
        let err = ResolvedCall::new(
            CallRequest::new("ping", Params::default()),
            CallType::Normal,
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert_eq!(err.code(), -32601);
    }
}
