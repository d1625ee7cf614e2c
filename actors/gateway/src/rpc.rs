//! Serving one JSON-RPC body: single requests, batches (run concurrently) and notifications
//! (run, never answered). Every element gets its own answer or error, so one bad element of a
//! batch never spoils the others.

use clacks_runtime::codec::json_rpc::{self, Incoming, RpcRequest};
use clacks_runtime::NodeHandle;
use futures_util::future::join_all;
use serde_json::Value;

/// The response body to send, or `None` when nothing is answered (all notifications).
/// `deadline_ms` (from the `x-deadline` header, absolute Unix ms) applies to every call in the
/// body that does not carry its own.
pub async fn serve_body(
    node: &NodeHandle,
    user: &str,
    deadline_ms: Option<u64>,
    body: &[u8],
) -> Option<Value> {
    let mut answer = match json_rpc::parse_body(body) {
        Err(error_response) => Some(error_response),
        Ok(Incoming::Single(message)) => serve_message(node, user, deadline_ms, message).await,
        Ok(Incoming::Batch(messages)) => {
            let answers = join_all(
                messages
                    .into_iter()
                    .map(|message| serve_message(node, user, deadline_ms, message)),
            )
            .await;
            let answers: Vec<Value> = answers.into_iter().flatten().collect();
            (!answers.is_empty()).then_some(Value::Array(answers))
        }
    };
    if let Some(answer) = answer.as_mut() {
        json_rpc::name_node(answer, node.name());
    }
    answer
}

async fn serve_message(
    node: &NodeHandle,
    user: &str,
    deadline_ms: Option<u64>,
    message: Result<RpcRequest, Value>,
) -> Option<Value> {
    let request = match message {
        Ok(request) => request,
        Err(error_response) => return Some(error_response),
    };
    let RpcRequest { id, mut call } = request;
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
    let id = id?;
    Some(match outcome {
        Ok(result) => json_rpc::result_response(id, result),
        Err(error) => json_rpc::error_response(id, &error.with_node_default(node.name())),
    })
}
