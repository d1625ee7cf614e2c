//! Fan-out merges for FIRSTRESULT and CUMULATIVE calls. Both run in the node that received the
//! call, over whatever transport delivers the per-node calls, and both finish as soon as the
//! answer is known: FIRSTRESULT at the first non-null result, CUMULATIVE when every expected node
//! has answered or failed; only nodes that stay silent make them wait for the deadline.

use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use tokio::time::Instant;

use crate::call::{CallError, RpcErrorKind};

/// One node's pending answer.
pub type NodeCall = (String, BoxFuture<'static, Result<Value, CallError>>);

/// The merged reply of a CUMULATIVE call (PROTOCOL.md "Call types and result shapes").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CumulativeResult {
    /// Each responding node's value.
    pub results: BTreeMap<String, Value>,
    /// Nodes that answered with a value, sorted.
    pub responded: Vec<String>,
    /// Nodes that answered with an error: the JSON-RPC error object.
    pub failed: BTreeMap<String, Value>,
    /// Nodes that did not answer before the deadline, sorted.
    pub missing: Vec<String>,
}

/// Asks every node, merges the answers; returns once all answered or at `deadline`.
pub async fn cumulative(calls: Vec<NodeCall>, deadline: Instant) -> CumulativeResult {
    let mut pending: BTreeSet<String> = calls.iter().map(|(n, _)| n.clone()).collect();
    let mut running: FuturesUnordered<_> = calls
        .into_iter()
        .map(|(node, fut)| async move { (node, fut.await) })
        .collect();
    let mut merged = CumulativeResult::default();
    while !running.is_empty() {
        match tokio::time::timeout_at(deadline, running.next()).await {
            Ok(Some((node, result))) => {
                pending.remove(&node);
                match result {
                    Ok(value) => {
                        merged.responded.push(node.clone());
                        merged.results.insert(node, value);
                    }
                    // A node that timed out is missing, not failed: it may still be working.
                    Err(err) if err.kind() == RpcErrorKind::Timeout => {
                        merged.missing.push(node);
                    }
                    Err(err) => {
                        merged.failed.insert(node, err.to_json());
                    }
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
    merged.missing.extend(pending);
    merged.responded.sort();
    merged.missing.sort();
    merged
}

/// Asks every node; the first non-null value wins. All null gives null; all failed gives the
/// first error; silence until `deadline` gives a timeout.
pub async fn first_result(
    method: &str,
    calls: Vec<NodeCall>,
    deadline: Instant,
) -> Result<Value, CallError> {
    let mut running: FuturesUnordered<_> = calls.into_iter().map(|(_, fut)| fut).collect();
    let mut saw_null = false;
    let mut first_error = None;
    while !running.is_empty() {
        match tokio::time::timeout_at(deadline, running.next()).await {
            Ok(Some(Ok(Value::Null))) => saw_null = true,
            Ok(Some(Ok(value))) => return Ok(value),
            Ok(Some(Err(err))) => {
                first_error.get_or_insert(err);
            }
            Ok(None) => break,
            Err(_) if saw_null => return Ok(Value::Null),
            Err(_) => return Err(CallError::timeout(method)),
        }
    }
    match (saw_null, first_error) {
        (true, _) => Ok(Value::Null),
        (false, Some(err)) => Err(err),
        (false, None) => Err(CallError::unavailable(
            method.split('.').next().unwrap_or(method),
            "no node provides it",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;
    use serde_json::json;
    use std::time::Duration;

    fn answer(node: &str, delay_ms: u64, result: Result<Value, CallError>) -> NodeCall {
        (
            node.to_owned(),
            async move {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                result
            }
            .boxed(),
        )
    }

    #[tokio::test]
    async fn cumulative_sorts_answers_into_responded_failed_missing() {
        let calls = vec![
            answer("a", 1, Ok(json!(1))),
            answer("b", 1, Err(CallError::internal("boom"))),
            answer("c", 10_000, Ok(json!(3))),
        ];
        let started = Instant::now();
        let merged = cumulative(calls, Instant::now() + Duration::from_millis(200)).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(merged.responded, vec!["a"]);
        assert_eq!(merged.results["a"], json!(1));
        assert_eq!(merged.failed["b"]["data"]["kind"], json!("internal"));
        assert_eq!(merged.missing, vec!["c"]);
    }

    #[tokio::test]
    async fn cumulative_finishes_before_deadline_when_all_answered() {
        let calls = vec![answer("a", 1, Ok(json!(1))), answer("b", 2, Ok(json!(2)))];
        let started = Instant::now();
        let merged = cumulative(calls, Instant::now() + Duration::from_secs(30)).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(merged.responded, vec!["a", "b"]);
        assert!(merged.missing.is_empty());
    }

    #[tokio::test]
    async fn first_result_skips_nulls_and_errors() {
        let calls = vec![
            answer("a", 1, Ok(Value::Null)),
            answer("b", 2, Err(CallError::internal("x"))),
            answer("c", 5, Ok(json!("won"))),
        ];
        let got = first_result("p.m", calls, Instant::now() + Duration::from_secs(5)).await;
        assert_eq!(got.unwrap(), json!("won"));
    }

    #[tokio::test]
    async fn first_result_all_null_is_null_and_all_failed_is_error() {
        let calls = vec![
            answer("a", 1, Ok(Value::Null)),
            answer("b", 1, Ok(Value::Null)),
        ];
        let got = first_result("p.m", calls, Instant::now() + Duration::from_secs(5)).await;
        assert_eq!(got.unwrap(), Value::Null);
        let calls = vec![answer("a", 1, Err(CallError::internal("x")))];
        let got = first_result("p.m", calls, Instant::now() + Duration::from_secs(5)).await;
        assert_eq!(got.unwrap_err().code(), -32603);
    }
}
