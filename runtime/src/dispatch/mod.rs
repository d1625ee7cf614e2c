//! Routing one call, in one place for every transport. [`Dispatcher::resolve`] looks the
//! command up in the membership view and fixes plugin, command, call type and deadline once
//! (a [`ResolvedCall`]); [`route`] then sends it by call type: NORMAL to one provider, `call_on`
//! to the named node, FIRSTRESULT and CUMULATIVE through [`fan_out`] to every provider in
//! parallel. The AMQP transport calls [`resolve`] and [`fan_out`] too, for fan-out calls that
//! reach a shared queue from callers without a membership view, so it needs no node.
//!
//! ```text
//! CallRequest → resolve (membership route, deadline) → ResolvedCall
//!   → route: target node | NORMAL → Transport::send
//!            FIRSTRESULT / CUMULATIVE → fan_out → Transport::send per provider → merge
//! ```

mod merge;

pub use merge::{cumulative, first_result, CumulativeResult, NodeCall};

use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use crate::call::{CallError, CallRequest, CallType, ResolvedCall};
use crate::membership::{Membership, NodeRecord};
use crate::transport::{CallCarrier, Transport};

/// Resolves `request` against `membership`: its call type and timeout come from the command's
/// route, the timeout falling back to `default_timeout` (`[calls] timeout`). A command nobody
/// in the domain offers is `-32601`.
pub fn resolve(
    membership: &Membership,
    request: CallRequest,
    default_timeout: Duration,
) -> Result<ResolvedCall, CallError> {
    request.split_method()?;
    let route = membership
        .route(&request.method)
        .ok_or_else(|| CallError::method_not_found(&request.method))?;
    let timeout = route
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(default_timeout);
    ResolvedCall::new(request, route.call_type, timeout)
}

/// Sends a resolved call where its target and call type say.
pub async fn route(
    transport: &dyn CallCarrier,
    call: Arc<ResolvedCall>,
) -> Result<Value, CallError> {
    match (call.target(), call.call_type()) {
        (Some(target), _) => {
            let target = target.to_owned();
            transport.send(call, Some(&target)).await
        }
        (None, CallType::Normal) => transport.send(call, None).await,
        (None, CallType::FirstResult | CallType::Cumulative) => fan_out(transport, call).await,
    }
}

/// Asks every provider of the call's plugin in parallel and merges their answers by call type
/// (FIRSTRESULT: the first non-null result; CUMULATIVE: every answer, with `failed` and
/// `missing`). Providers the view lost (left or evicted) are named `missing` at once.
pub async fn fan_out(
    transport: &dyn CallCarrier,
    call: Arc<ResolvedCall>,
) -> Result<Value, CallError> {
    let membership = transport.membership();
    let calls: Vec<NodeCall> = membership
        .providers(call.plugin())
        .into_iter()
        .map(|node| {
            let reply = transport.send(call.clone(), Some(&node));
            (node, reply)
        })
        .collect();
    if call.call_type() == CallType::FirstResult {
        return first_result(call.method(), calls, call.deadline()).await;
    }
    let mut merged = cumulative(calls, call.deadline()).await;
    for gone in membership.departed_providers(call.plugin()) {
        let known = merged.results.contains_key(&gone)
            || merged.failed.contains_key(&gone)
            || merged.missing.contains(&gone);
        if !known {
            merged.missing.push(gone);
        }
    }
    merged.missing.sort();
    serde_json::to_value(merged)
        .map_err(|e| CallError::internal(format!("{}: merge failed: {e}", call.method())))
}

/// What a node calls the domain with: its transport and its `[calls] timeout`. Cheap to clone;
/// plugins that call other commands get one from their context.
#[derive(Clone)]
pub struct Dispatcher {
    transport: Arc<dyn Transport>,
    default_timeout: Duration,
}

impl Dispatcher {
    /// A dispatcher over `transport`, with `default_timeout` for commands without their own.
    pub fn new(transport: Arc<dyn Transport>, default_timeout: Duration) -> Self {
        Dispatcher {
            transport,
            default_timeout,
        }
    }

    /// Resolves `request` (see [`resolve`]).
    pub fn resolve(&self, request: CallRequest) -> Result<ResolvedCall, CallError> {
        resolve(self.transport.membership(), request, self.default_timeout)
    }

    /// Calls a command anywhere in the domain: resolve, then [`route`].
    pub async fn call(&self, request: CallRequest) -> Result<Value, CallError> {
        let call = Arc::new(self.resolve(request)?);
        route(&*self.transport, call).await
    }

    /// The transport calls travel on.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// The membership view the transport keeps.
    pub fn membership(&self) -> &Membership {
        self.transport.membership()
    }

    /// The domain's nodes, with current plugin statuses.
    pub fn nodes(&self) -> Vec<NodeRecord> {
        self.transport.nodes()
    }

    /// `[calls] timeout`: the deadline of calls to commands without their own timeout.
    pub fn default_timeout(&self) -> Duration {
        self.default_timeout
    }
}
