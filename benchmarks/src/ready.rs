//! Waiting until a benchmark node can serve: a fresh node's plugins start, and a client node
//! must first see its server, so the first calls may fail. A bench calls until one is answered
//! and only then measures; if none is, it stops with the last error, since timing failed calls
//! would measure nothing (a refusal or "no provider" comes back in microseconds).

use clacks_runtime::call::{CallError, CallRequest};
use clacks_runtime::NodeHandle;
use serde_json::Value;
use std::time::Duration;

/// Makes `call()` on `node` up to `tries` times, `pause` apart, until one is answered; the
/// answer, or the last error.
pub async fn until_answered(
    node: &NodeHandle,
    call: impl Fn() -> CallRequest,
    tries: usize,
    pause: Duration,
) -> Result<Value, CallError> {
    let mut last = CallError::internal("not called: no tries");
    for attempt in 0..tries {
        if attempt > 0 {
            tokio::time::sleep(pause).await;
        }
        match node.call(call()).await {
            Ok(answer) => return Ok(answer),
            Err(e) => last = e,
        }
    }
    Err(last)
}
