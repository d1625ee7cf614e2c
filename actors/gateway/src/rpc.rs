//! Serving one JSON-RPC body: single requests, batches (run concurrently) and notifications
//! (run, never answered). Every element gets its own answer or error, so one bad element of a
//! batch never spoils the others. A batch over `http.max_batch` is refused whole, before any
//! of it runs, with one -32600 naming the setting. Every call holds one of `http.in_flight`
//! permits while in service; a call finding none is answered -32001 busy at once (naming the
//! setting), so a flood beyond the node's capacity costs a refusal, not a waiting call.

use clacks_runtime::call::{CallError, RpcErrorKind};
use clacks_runtime::codec::json_rpc::{self, Incoming, Refused, RpcRequest};
use clacks_runtime::NodeHandle;
use futures_util::future::join_all;
use serde_json::Value;

/// Limits on one body beyond its size.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits<'a> {
    /// Most requests in one batch.
    pub max_batch: usize,
    /// The gateway's calls in service (`http.in_flight` permits).
    pub calls: &'a tokio::sync::Semaphore,
}

/// The -32001 answer to a call beyond `http.in_flight`.
fn gateway_busy() -> CallError {
    CallError::new(
        RpcErrorKind::Busy,
        "busy: this node's gateway has http.in_flight calls in service; retry later",
    )
    .with("setting", "http.in_flight")
}

/// The -32600 refusal of a batch over `max_batch`.
fn batch_too_large(len: usize, max_batch: usize) -> CallError {
    CallError::new(
        RpcErrorKind::InvalidRequest,
        format!("invalid request: a batch of {len} requests; at most {max_batch} (http.max_batch)"),
    )
    .with(
        "detail",
        format!("the limit is {max_batch} requests per batch (http.max_batch)"),
    )
    .with("setting", "http.max_batch")
}

/// The response body to send, or `None` when nothing is answered (all notifications).
/// `deadline_ms` (from the `x-deadline` header, absolute Unix ms) applies to every call in the
/// body that does not carry its own.
pub async fn serve_body(
    node: &NodeHandle,
    user: &str,
    deadline_ms: Option<u64>,
    body: &[u8],
    limits: BodyLimits<'_>,
) -> Option<Value> {
    match json_rpc::parse_body(body) {
        Err(error) => Some(json_rpc::response(Value::Null, Err(error), node.name())),
        Ok(Incoming::Single(message)) => {
            serve_message(node, user, deadline_ms, message, limits.calls).await
        }
        Ok(Incoming::Batch(messages)) if messages.len() > limits.max_batch => {
            let error = batch_too_large(messages.len(), limits.max_batch);
            Some(json_rpc::response(Value::Null, Err(error), node.name()))
        }
        Ok(Incoming::Batch(messages)) => {
            let answers = join_all(
                messages
                    .into_iter()
                    .map(|message| serve_message(node, user, deadline_ms, message, limits.calls)),
            )
            .await;
            let answers: Vec<Value> = answers.into_iter().flatten().collect();
            (!answers.is_empty()).then_some(Value::Array(answers))
        }
    }
}

async fn serve_message(
    node: &NodeHandle,
    user: &str,
    deadline_ms: Option<u64>,
    message: Result<RpcRequest, Refused>,
    calls: &tokio::sync::Semaphore,
) -> Option<Value> {
    let request = match message {
        Ok(request) => request,
        Err(refused) => return Some(refused.response(node.name())),
    };
    let RpcRequest { id, mut call } = request;
    // Held until the call's outcome is known; a notification beyond the bound is dropped.
    let Ok(_permit) = calls.try_acquire() else {
        tracing::debug!(node = %node.name(), method = %call.method, "gateway busy (http.in_flight)");
        return Some(json_rpc::response(id?, Err(gateway_busy()), node.name()));
    };
    call.caller = user.to_owned();
    call.deadline_ms = call.deadline_ms.or(deadline_ms);
    let method = call.method.clone();
    let started = std::time::Instant::now();
    let outcome = node.call(call).await;
    match &outcome {
        Ok(_) => {
            tracing::debug!(node = %node.name(), %method, elapsed_us = started.elapsed().as_micros() as u64, "call served")
        }
        Err(e) => {
            tracing::debug!(node = %node.name(), %method, code = e.code(), error = %e, "call failed")
        }
    }
    Some(json_rpc::response(id?, outcome, node.name()))
}
