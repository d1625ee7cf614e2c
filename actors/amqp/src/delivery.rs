//! One delivery from a plugin queue, from bytes to acked reply: read the JSON-RPC request
//! (bad input gets an error reply naming what is wrong), apply the redelivery rule, resolve the
//! call (deadline from the header, the command's timeout or `[calls] timeout`), drop work past
//! its deadline, serve the call on the plugin (or fan it out), publish the reply (confirmed)
//! and only then ack, so a node that dies mid-call leaves the message to be redelivered
//! elsewhere.
//!
//! The session runs this on the plugin's own thread (see `server`), so the actor's answer
//! wakes it without a thread switch, and the reply's confirm and the ack's write wake that
//! thread only.

use clacks_runtime::acl::Rights;
use clacks_runtime::call::{unix_millis_now, CallError, CallType, ResolvedCall, RpcErrorKind};
use clacks_runtime::codec::json_rpc::{self, Refused, RpcRequest};
use clacks_runtime::codec::wire;
use clacks_runtime::dispatch;
use clacks_runtime::plugin::{AuditRecord, PluginHandle, PluginStatus};
use lapin::message::Delivery;
use lapin::Channel;
use serde_json::Value;
use std::sync::Arc;

use super::properties::{self, text, UntrustedClaim, DEADLINE, DELIVERIES};
use super::redelivery::redelivery;
use super::settle::InService;
use super::state::NodeState;

/// Which queue a delivery came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    /// `D.command.P`, shared by every node that serves the plugin.
    Shared,
    /// `D.command.P.NODE`, this node's own.
    Private,
}

/// Reads a delivery into a request, or what to answer it with. A body over `max_body`
/// bytes is refused unread.
fn read_request(delivery: &Delivery, max_body: usize) -> Result<RpcRequest, Refused> {
    let refuse = |error| Refused {
        id: Value::Null,
        error,
    };
    if delivery.data.len() > max_body {
        let detail = format!(
            "the body has {} bytes; the limit is {max_body} (amqp.max_body)",
            delivery.data.len()
        );
        let error = CallError::new(
            RpcErrorKind::InvalidRequest,
            format!("invalid request: body larger than {max_body} bytes"),
        )
        .with("detail", detail);
        return Err(refuse(error));
    }
    let content_type = text(delivery.properties.content_type()).unwrap_or(wire::JSON);
    let Some(codec) = wire::for_content_type(content_type) else {
        return Err(refuse(json_rpc::parse_error(format_args!(
            "content type must be {} or {}, not {content_type}",
            wire::JSON,
            wire::BINCODE
        ))));
    };
    let value = codec
        .decode(&delivery.data)
        .map_err(|e| refuse(json_rpc::parse_error(e)))?;
    json_rpc::parse_message(value)
}

/// Serves one delivery of `plugin`'s queue of `kind`, taken from `channel`, to the end (reply
/// and ack).
pub async fn serve_delivery(
    state: Arc<NodeState>,
    channel: Channel,
    delivery: Delivery,
    plugin: String,
    handle: PluginHandle,
    kind: QueueKind,
) {
    let (config, settle) = (&*state.config, &state.settle);
    let node = config.node.as_str();
    let in_service = settle.begin();
    // Refused wherever it lands, so refused here before any hand-back: every node would.
    let caller = match properties::caller_of(&delivery.properties, config) {
        Ok(caller) => caller,
        Err(claim) => {
            refuse_claim(&state, &channel, delivery, &plugin, claim, in_service).await;
            return;
        }
    };
    // Pushed to us before our consumer was cancelled (plugin down, or the node is leaving):
    // healthy nodes take it instead.
    let serving = kind == QueueKind::Private || handle.status() == PluginStatus::Running;
    if !serving || state.link.leaving() {
        settle.hand_back(&delivery).await;
        return;
    }
    let request = match read_request(&delivery, config.max_body) {
        Ok(request) => request,
        Err(refused) => {
            tracing::warn!(node = %node, plugin = %plugin, error = %refused.error, "bad request on queue");
            settle
                .answer(&channel, delivery, refused.response(node), in_service)
                .await;
            return;
        }
    };
    if request.id.is_some() && text(delivery.properties.reply_to()).is_none() {
        tracing::warn!(node = %node, plugin = %plugin, method = %request.call.method,
            "request without reply_to dropped: nobody could receive its answer");
        settle.ack(&delivery).await;
        return;
    }
    if redelivery(config, settle, &delivery, &request).await {
        return;
    }
    let RpcRequest { id, mut call } = request;
    call.caller = caller;
    call.redelivered =
        delivery.redelivered || properties::header_u64(&delivery.properties, DELIVERIES).is_some();
    call.deadline_ms = properties::header_u64(&delivery.properties, DEADLINE).or(call.deadline_ms);
    let call = dispatch::resolve(&state.membership, call, config.default_timeout);
    if let Ok(resolved) = &call {
        if resolved.deadline_ms() <= unix_millis_now() {
            tracing::debug!(node = %node, method = %resolved.method(), "call past its deadline dropped");
            settle.ack(&delivery).await;
            return;
        }
    }
    let started = std::time::Instant::now();
    let outcome = match call {
        Ok(call) => match serve_call(&state, Arc::new(call), &plugin, &handle, kind).await {
            Served::Answer(outcome) => outcome,
            // Down between the check above and the call (a restart stops it for a moment):
            // nothing ran, and another provider, or this one once back, takes it.
            Served::PluginDown(_) if kind == QueueKind::Shared => {
                settle.hand_back(&delivery).await;
                return;
            }
            Served::PluginDown(refusal) => Err(refusal),
        },
        Err(error) => Err(error),
    };
    state.load.record(started.elapsed());
    match id {
        Some(id) => {
            let body = json_rpc::response(id, outcome, node);
            settle.answer(&channel, delivery, body, in_service).await;
        }
        None => settle.ack(&delivery).await,
    }
}

/// Answers a call whose `x-clacks-caller` its publisher may not claim with `-32003`
/// (`data.reason` `untrusted_caller`), logs it and records it as an `Audit` event; the
/// plugin never sees it.
async fn refuse_claim(
    state: &NodeState,
    channel: &Channel,
    delivery: Delivery,
    plugin: &str,
    claim: UntrustedClaim,
    in_service: InService,
) {
    let (config, settle) = (&*state.config, &state.settle);
    let node = config.node.as_str();
    let request = read_request(&delivery, config.max_body);
    let method = request
        .as_ref()
        .map_or("(unreadable)", |r| r.call.method.as_str());
    tracing::warn!(node = %node, plugin = %plugin, method = %method, user = %claim.user,
        claimed = %claim.claimed, "call refused: x-clacks-caller from an account that is not a node's");
    let audit = state
        .local
        .borrow()
        .as_ref()
        .map(|local| local.audit.clone());
    if let Some(audit) = audit {
        audit(AuditRecord {
            user: claim.user.clone(),
            topic: format!("{}.command.{method}", config.domain),
            rights: Rights::EXECUTE,
            allowed: false,
            entry: Some(format!(
                "untrusted_caller: {} named {} in {} on {node}, and only node accounts may",
                claim.user,
                claim.claimed,
                properties::CALLER
            )),
        });
    }
    let id = match request {
        Ok(RpcRequest { id: Some(id), .. }) => id,
        // A notification, or a body too broken to have an id: nothing to answer.
        _ => {
            settle.ack(&delivery).await;
            return;
        }
    };
    if text(delivery.properties.reply_to()).is_none() {
        settle.ack(&delivery).await;
        return;
    }
    let error = CallError::new(
        RpcErrorKind::Forbidden,
        format!(
            "{} may not act for another caller: only the domain's node accounts set {}",
            claim.user,
            properties::CALLER
        ),
    )
    .with("reason", "untrusted_caller")
    .with("user", claim.user)
    .with("claimed", claim.claimed);
    let body = json_rpc::response(id, Err(error), node);
    settle.answer(channel, delivery, body, in_service).await;
}

/// How a call reached its plugin.
enum Served {
    /// The plugin (or the fan-out) answered.
    Answer(Result<Value, CallError>),
    /// The plugin was down (stopped for a restart, or failed) when the call reached it, so
    /// the call did not run; the handle's refusal.
    PluginDown(CallError),
}

async fn serve_call(
    state: &NodeState,
    call: Arc<ResolvedCall>,
    plugin: &str,
    handle: &PluginHandle,
    kind: QueueKind,
) -> Served {
    if call.plugin() != plugin {
        return Served::Answer(Err(CallError::method_not_found(call.method())
            .with("detail", format!("this queue serves plugin '{plugin}'"))));
    }
    // FIRSTRESULT and CUMULATIVE calls that reach a shared queue come from callers without a
    // membership view: this node fans them out. On a private queue they are one node's share.
    let fans_out = call.call_type() != CallType::Normal;
    if kind == QueueKind::Shared && fans_out && call.target().is_none() {
        return Served::Answer(dispatch::fan_out(&state.caller, call).await);
    }
    match handle.call(call).await {
        // The handle refuses a call while its plugin is stopped or failed, before sending it.
        Err(e) if handle.refused_while_down(&e) => Served::PluginDown(e),
        outcome => Served::Answer(outcome),
    }
}
