//! One delivery from a plugin queue, from bytes to acked reply: read the JSON-RPC request
//! (bad input gets an error reply naming what is wrong), apply the redelivery rule, drop work
//! past its deadline, serve the call on the plugin, publish the reply (confirmed) and only then
//! ack, so a node that dies mid-call leaves the message to be redelivered elsewhere.
//!
//! The session runs this on the plugin's own thread (see `server`), so the actor's answer
//! wakes it without a thread switch.

use clacks_runtime::call::{unix_millis_now, CallError, CallRequest, CallType, RpcErrorKind};
use clacks_runtime::codec::json_rpc::{self, RpcRequest};
use clacks_runtime::codec::wire;
use clacks_runtime::plugin::{PluginHandle, PluginStatus};
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions};
use lapin::{BasicProperties, PublisherConfirm};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use super::properties::{self, text, DEADLINE, DELIVERIES};
use super::redelivery::redelivery;
use super::shared::Shared;

/// Which queue a delivery came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    /// `D.command.P`, shared by every node that serves the plugin.
    Shared,
    /// `D.command.P.NODE`, this node's own.
    Private,
}

/// Acks a delivery; a failed ack is logged (the broker will redeliver the message).
pub async fn ack(delivery: &Delivery) {
    if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
        tracing::warn!(error = %e, "ack failed; the broker will redeliver");
    }
}

/// Publishes a reply to `reply_to` (its error, if any, naming this node) and waits for the
/// broker's confirm.
pub async fn reply(shared: &Shared, delivery: &Delivery, body: Value) {
    if let Some(confirm) = publish_reply(shared, delivery, body).await {
        if let Err(e) = confirm.await {
            tracing::warn!(node = %shared.config.node, error = %e, "reply not confirmed");
        }
    }
}

/// Publishes a reply to `reply_to` (its error, if any, naming this node); the confirm to wait
/// for, if it went out.
async fn publish_reply(
    shared: &Shared,
    delivery: &Delivery,
    mut body: Value,
) -> Option<PublisherConfirm> {
    json_rpc::name_node(&mut body, &shared.config.node);
    let reply_to = text(delivery.properties.reply_to())?;
    let Some(link) = shared.link.borrow().clone() else {
        tracing::warn!(node = %shared.config.node, "no broker link to publish a reply");
        return None;
    };
    // Replies come in the request's encoding (JSON for anything unreadable).
    let codec = text(delivery.properties.content_type())
        .and_then(wire::for_content_type)
        .unwrap_or(&wire::JsonCodec);
    let props = properties::reply(
        codec.content_type(),
        text(delivery.properties.correlation_id()),
        &shared.config.node,
        &shared.config.user,
    );
    let published = link
        .channel
        .basic_publish(
            "".into(),
            reply_to.into(),
            BasicPublishOptions::default(),
            &codec.encode(&body),
            props,
        )
        .await;
    published
        .inspect_err(
            |e| tracing::warn!(node = %shared.config.node, error = %e, "reply not published"),
        )
        .ok()
}

/// Waits for the reply's confirm, then acks, on the session's thread next to lapin's own
/// work (acks go through it): the plugin's thread is free for the next call as soon as the
/// reply is out, and the tail costs one thread switch fewer.
fn settle(shared: &Shared, delivery: Delivery, confirm: Option<PublisherConfirm>) {
    let node = shared.config.node.clone();
    let tail = async move {
        if let Some(confirm) = confirm {
            if let Err(e) = confirm.await {
                tracing::warn!(node = %node, error = %e, "reply not confirmed");
            }
        }
        ack(&delivery).await;
    };
    let runtime = shared
        .link
        .borrow()
        .as_ref()
        .map(|link| link.runtime.clone());
    match runtime {
        Some(runtime) => drop(runtime.spawn(tail)),
        None => drop(tokio::spawn(tail)),
    }
}

fn bad_input(kind: RpcErrorKind, message: String) -> Value {
    json_rpc::error_response(Value::Null, &CallError::new(kind, message))
}

/// Reads a delivery into a request, or the error reply to send for it.
fn read_request(delivery: &Delivery) -> Result<RpcRequest, Value> {
    let content_type = text(delivery.properties.content_type()).unwrap_or(wire::JSON);
    let Some(codec) = wire::for_content_type(content_type) else {
        return Err(bad_input(
            RpcErrorKind::Parse,
            format!(
                "parse error: content type must be {} or {}, not {content_type}",
                wire::JSON,
                wire::BINCODE
            ),
        ));
    };
    let value = codec
        .decode(&delivery.data)
        .map_err(|e| bad_input(RpcErrorKind::Parse, format!("parse error: {e}")))?;
    json_rpc::parse_message(value)
}

/// Serves one delivery of `plugin`'s queue of `kind` to the end (reply and ack).
pub async fn serve_delivery(
    shared: Arc<Shared>,
    delivery: Delivery,
    plugin: String,
    handle: PluginHandle,
    kind: QueueKind,
) {
    let node = shared.config.node.clone();
    // Pushed to us before our consumer was cancelled: healthy nodes take it instead.
    if kind == QueueKind::Shared && handle.status() != PluginStatus::Running {
        hand_back(&shared, &delivery).await;
        return;
    }
    let request = match read_request(&delivery) {
        Ok(request) => request,
        Err(error) => {
            tracing::warn!(node = %node, plugin = %plugin, error = %error["error"]["message"], "bad request on queue");
            reply(&shared, &delivery, error).await;
            ack(&delivery).await;
            return;
        }
    };
    if request.id.is_some() && text(delivery.properties.reply_to()).is_none() {
        tracing::warn!(node = %node, plugin = %plugin, method = %request.call.method,
            "request without reply_to dropped: nobody could receive its answer");
        ack(&delivery).await;
        return;
    }
    if redelivery(&shared, &delivery, &request).await {
        return;
    }
    let RpcRequest { id, mut call } = request;
    call.caller = text(delivery.properties.user_id())
        .unwrap_or("anonymous")
        .to_owned();
    call.redelivered =
        delivery.redelivered || properties::header_u64(&delivery.properties, DELIVERIES).is_some();
    call.deadline_ms = properties::header_u64(&delivery.properties, DEADLINE).or(call.deadline_ms);
    let now = unix_millis_now();
    let deadline_ms = call.deadline_ms.unwrap_or(now + 30_000);
    if deadline_ms <= now {
        tracing::debug!(node = %node, method = %call.method, "call past its deadline dropped");
        ack(&delivery).await;
        return;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_millis(deadline_ms - now);
    let started = std::time::Instant::now();
    let outcome = serve_call(&shared, call, &plugin, &handle, kind, deadline).await;
    shared.record_latency(started.elapsed());
    if let Some(id) = id {
        let body = match outcome {
            Ok(result) => json_rpc::result_response(id, result),
            Err(error) => json_rpc::error_response(id, &error.with_node_default(&node)),
        };
        let confirm = publish_reply(&shared, &delivery, body).await;
        settle(&shared, delivery, confirm);
        return;
    }
    ack(&delivery).await;
}

async fn serve_call(
    shared: &Shared,
    call: CallRequest,
    plugin: &str,
    handle: &PluginHandle,
    kind: QueueKind,
    deadline: tokio::time::Instant,
) -> Result<Value, CallError> {
    let (method_plugin, _) = call.split_method()?;
    if method_plugin != plugin {
        return Err(CallError::method_not_found(&call.method)
            .with("detail", format!("this queue serves plugin '{plugin}'")));
    }
    let fan_out = shared
        .membership
        .route(&call.method)
        .is_some_and(|r| r.call_type != CallType::Normal);
    // FIRSTRESULT and CUMULATIVE calls that reach a shared queue come from callers without a
    // membership view: this node fans them out. On a private queue they are one node's share.
    if kind == QueueKind::Shared && fan_out && call.node.is_none() {
        if let Some(node) = shared.node.get() {
            return node.call(call).await;
        }
    }
    handle.call(Arc::new(call), deadline).await
}

/// Publishes `delivery` again to where it came from (exchange and routing key) with `props`,
/// and acks the original once the broker confirmed the copy. False when there is no link, the
/// publish failed or the broker refused it: the original is then still unacked.
pub async fn republish(shared: &Shared, delivery: &Delivery, props: BasicProperties) -> bool {
    let link = shared.link.borrow().clone();
    let Some(link) = link else {
        return false;
    };
    let again = link
        .channel
        .basic_publish(
            delivery.exchange.clone(),
            delivery.routing_key.clone(),
            BasicPublishOptions::default(),
            &delivery.data,
            props,
        )
        .await;
    let Ok(confirm) = again else {
        return false;
    };
    if !matches!(confirm.await, Ok(confirmation) if !confirmation.is_nack()) {
        return false;
    }
    ack(delivery).await;
    true
}

/// Puts a delivery back on its queue for other consumers without counting it as a crash:
/// re-published unchanged (a plain requeue would set `redelivered`, which the redelivery rule
/// reads as a node that died), then acked. If re-publishing fails, the broker requeues it.
async fn hand_back(shared: &Shared, delivery: &Delivery) {
    tracing::debug!(node = %shared.config.node, routing_key = %delivery.routing_key, "plugin down; handing a delivery back");
    if republish(shared, delivery, delivery.properties.clone()).await {
        return;
    }
    let requeue = BasicNackOptions {
        requeue: true,
        ..Default::default()
    };
    if let Err(e) = delivery.acker.nack(requeue).await {
        tracing::warn!(node = %shared.config.node, error = %e, "nack failed; the broker will redeliver");
    }
}
