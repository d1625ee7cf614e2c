//! Serving this node's plugins from their queues. Each plugin has a private queue (always
//! consumed) and a share of the plugin's shared queue, consumed only while the plugin runs: when
//! it goes down its consumer is cancelled so the load drains to healthy nodes, and it comes back
//! when the plugin does. A delivery becomes a call to the plugin's actor; the reply is published
//! with a confirm, and only then is the delivery acked, so a node that dies mid-call leaves the
//! message to be redelivered elsewhere.

use clacks_runtime::call::{unix_millis_now, CallError, CallRequest, CallType, RpcErrorKind};
use clacks_runtime::codec::json_rpc::{self, RpcRequest};
use clacks_runtime::plugin::{PluginHandle, PluginStatus};
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Connection, Consumer};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use super::properties::{self, text, with_header, DEADLINE, DEAD_REASON, DELIVERIES};
use super::shared::Shared;

/// Which queue a delivery came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueueKind {
    Shared,
    Private,
}

async fn consume(
    connection: &Connection,
    prefetch: u16,
    queue: &str,
    tag: &str,
) -> lapin::Result<(lapin::Channel, Consumer)> {
    let channel = connection.create_channel().await?;
    channel
        .basic_qos(prefetch, BasicQosOptions::default())
        .await?;
    let consumer = channel
        .basic_consume(
            queue.into(),
            tag.into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok((channel, consumer))
}

/// Serves `plugin` until the connection fails (the error ends the session). `ready` fires once
/// its consumers are open (the shared one only if the plugin runs), so the node announces
/// itself only when calls routed to it will be taken.
pub async fn serve_plugin(
    shared: Arc<Shared>,
    connection: Arc<Connection>,
    plugin: String,
    handle: PluginHandle,
    ready: tokio::sync::oneshot::Sender<()>,
) -> lapin::Result<()> {
    let mut ready = Some(ready);
    let node = shared.config.node.clone();
    let private_queue = shared.names.private_queue(&plugin, &node);
    let (_private_channel, private) = consume(
        &connection,
        shared.config.prefetch,
        &private_queue,
        &format!("{node}.{plugin}.private"),
    )
    .await?;
    let private_task = tokio::spawn(serve_queue(
        shared.clone(),
        private,
        plugin.clone(),
        handle.clone(),
        QueueKind::Private,
    ));
    let shared_queue = shared.names.shared_queue(&plugin);
    let mut status = handle.watch_status();
    let result = async {
        loop {
            // Wait until the plugin runs before taking work from the shared queue.
            while status.current() != PluginStatus::Running {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
                if status.changed().await.is_none() {
                    return Ok(());
                }
            }
            let tag = format!("{node}.{plugin}.shared.{}", uuid::Uuid::new_v4().simple());
            let (channel, mut consumer) =
                consume(&connection, shared.config.prefetch, &shared_queue, &tag).await?;
            tracing::debug!(node = %node, plugin = %plugin, queue = %shared_queue, "consuming");
            if let Some(ready) = ready.take() {
                let _ = ready.send(());
            }
            loop {
                tokio::select! {
                    delivery = consumer.next() => match delivery {
                        Some(Ok(delivery)) => {
                            tokio::spawn(serve_delivery(shared.clone(), delivery, plugin.clone(), handle.clone(), QueueKind::Shared));
                        }
                        Some(Err(e)) => return Err(e),
                        None => return Ok(()),
                    },
                    changed = status.changed() => match changed {
                        Some(PluginStatus::Running) => {}
                        Some(other) => {
                            tracing::info!(node = %node, plugin = %plugin, status = other.as_str(),
                                "plugin down; cancelling its shared-queue consumer");
                            break;
                        }
                        None => return Ok(()),
                    },
                }
            }
            channel
                .basic_cancel(tag.as_str().into(), BasicCancelOptions::default())
                .await?;
            // Deliveries already pushed to us go back to the queue for healthy nodes.
            while let Ok(Some(Ok(delivery))) =
                tokio::time::timeout(Duration::from_millis(200), consumer.next()).await
            {
                let _ = delivery
                    .acker
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..Default::default()
                    })
                    .await;
            }
            let _ = channel.close(200, "plugin down".into()).await;
        }
    }
    .await;
    private_task.abort();
    result
}

async fn serve_queue(
    shared: Arc<Shared>,
    mut consumer: Consumer,
    plugin: String,
    handle: PluginHandle,
    kind: QueueKind,
) {
    while let Some(Ok(delivery)) = consumer.next().await {
        tokio::spawn(serve_delivery(
            shared.clone(),
            delivery,
            plugin.clone(),
            handle.clone(),
            kind,
        ));
    }
}

async fn ack(delivery: &Delivery) {
    if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
        tracing::warn!(error = %e, "ack failed; the broker will redeliver");
    }
}

/// Publishes a reply to `reply_to` (its error, if any, naming this node) and waits for the
/// broker's confirm.
async fn reply(shared: &Shared, delivery: &Delivery, body: &Value) {
    let mut body = body.clone();
    json_rpc::name_node(&mut body, &shared.config.node);
    let Some(reply_to) = text(delivery.properties.reply_to()) else {
        return;
    };
    let Some(link) = shared.link.borrow().clone() else {
        tracing::warn!(node = %shared.config.node, "no broker link to publish a reply");
        return;
    };
    let props = properties::reply(
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
            body.to_string().as_bytes(),
            props,
        )
        .await;
    match published {
        Ok(confirm) => {
            if let Err(e) = confirm.await {
                tracing::warn!(node = %shared.config.node, error = %e, "reply not confirmed");
            }
        }
        Err(e) => tracing::warn!(node = %shared.config.node, error = %e, "reply not published"),
    }
}

fn bad_input(kind: RpcErrorKind, message: String) -> Value {
    json_rpc::error_response(Value::Null, &CallError::new(kind, message))
}

/// Reads a delivery into a request, or the error reply to send for it.
fn read_request(delivery: &Delivery) -> Result<RpcRequest, Value> {
    let content_type = text(delivery.properties.content_type()).unwrap_or("application/json");
    if !content_type.eq_ignore_ascii_case("application/json") {
        return Err(bad_input(
            RpcErrorKind::Parse,
            format!("parse error: content type must be application/json, not {content_type}"),
        ));
    }
    let value: Value = serde_json::from_slice(&delivery.data).map_err(|e| {
        bad_input(
            RpcErrorKind::Parse,
            format!("parse error: body is not JSON: {e}"),
        )
    })?;
    json_rpc::parse_message(value)
}

/// The redelivery rule: a delivery flagged `redelivered` means a node died with it. Classic
/// queues keep no count, so the count travels in our own header: the message is re-published
/// with the count raised (and the original acked) until it reaches the limit, then it goes to
/// `D.command.dead`. Returns true when the delivery was consumed by this rule.
async fn redelivery(shared: &Shared, delivery: &Delivery, request: &RpcRequest) -> bool {
    if !delivery.redelivered {
        return false;
    }
    let Some(link) = shared.link.borrow().clone() else {
        return false;
    };
    let count = properties::header_u64(&delivery.properties, DELIVERIES).unwrap_or(1) + 1;
    let headers = delivery.properties.headers().as_ref();
    if count > u64::from(shared.config.max_deliveries) {
        let reason = format!(
            "{} killed the {} nodes that served it; dead-lettered to {}",
            request.call.method,
            count - 1,
            shared.names.dead_queue()
        );
        tracing::error!(node = %shared.config.node, method = %request.call.method, count, "dead-lettering call");
        let props = delivery.properties.clone().with_headers(with_header(
            headers,
            DEAD_REASON,
            AMQPValue::LongString(reason.as_str().into()),
        ));
        let dead = link
            .channel
            .basic_publish(
                "".into(),
                shared.names.dead_queue().into(),
                BasicPublishOptions::default(),
                &delivery.data,
                props,
            )
            .await;
        if let Ok(confirm) = dead {
            let _ = confirm.await;
        }
        if let Some(id) = request.id.clone() {
            let error = CallError::internal(reason).with("node", shared.config.node.as_str());
            reply(shared, delivery, &json_rpc::error_response(id, &error)).await;
        }
        ack(delivery).await;
        return true;
    }
    let props = delivery.properties.clone().with_headers(with_header(
        headers,
        DELIVERIES,
        AMQPValue::LongLongInt(count as i64),
    ));
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
    if confirm.await.is_err() {
        return false;
    }
    ack(delivery).await;
    true
}

async fn serve_delivery(
    shared: Arc<Shared>,
    delivery: Delivery,
    plugin: String,
    handle: PluginHandle,
    kind: QueueKind,
) {
    let node = shared.config.node.clone();
    let request = match read_request(&delivery) {
        Ok(request) => request,
        Err(error) => {
            tracing::warn!(node = %node, plugin = %plugin, error = %error["error"]["message"], "bad request on queue");
            reply(&shared, &delivery, &error).await;
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
        reply(&shared, &delivery, &body).await;
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
