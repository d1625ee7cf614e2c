//! Routing one call: find the command's route in the membership view, fix the deadline, then
//! send it by call type: NORMAL to one provider, `call_on` to the named node, FIRSTRESULT and
//! CUMULATIVE fanned out to every provider in parallel from this node.

use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use super::handle::NodeShared;
use crate::call::{cumulative, first_result, unix_millis_now, CallError, CallRequest, CallType};

pub(crate) async fn dispatch(
    node: &NodeShared,
    mut request: CallRequest,
) -> Result<Value, CallError> {
    let transport = &node.transport;
    let plugin = request.split_method()?.0.to_owned();
    let Some(route) = transport.membership().route(&request.method) else {
        return Err(CallError::method_not_found(&request.method).with("node", &*node.name));
    };
    let timeout = route
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(node.default_timeout);
    let deadline_ms = *request
        .deadline_ms
        .get_or_insert_with(|| unix_millis_now() + timeout.as_millis() as u64);
    let deadline = tokio::time::Instant::now()
        + Duration::from_millis(deadline_ms.saturating_sub(unix_millis_now()));
    let method = request.method.clone();
    let request = Arc::new(request);
    if let Some(target) = request.node.clone() {
        return transport
            .send(&plugin, Some(&target), request, deadline)
            .await;
    }
    match route.call_type {
        CallType::Normal => transport.send(&plugin, None, request, deadline).await,
        CallType::FirstResult | CallType::Cumulative => {
            let providers = transport.membership().providers(&plugin);
            let calls = providers
                .into_iter()
                .map(|n| {
                    let fut = transport.send(&plugin, Some(&n), request.clone(), deadline);
                    (n, fut)
                })
                .collect();
            if route.call_type == CallType::FirstResult {
                first_result(&method, calls, deadline).await
            } else {
                let mut merged = cumulative(calls, deadline).await;
                // Nodes the view lost (left or evicted) are named at once, not waited for.
                for gone in transport.membership().departed_providers(&plugin) {
                    let known = merged.results.contains_key(&gone)
                        || merged.failed.contains_key(&gone)
                        || merged.missing.contains(&gone);
                    if !known {
                        merged.missing.push(gone);
                    }
                }
                merged.missing.sort();
                serde_json::to_value(merged)
                    .map_err(|e| CallError::internal(format!("{method}: merge failed: {e}")))
            }
        }
    }
}
