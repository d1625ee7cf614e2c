//! Outgoing calls: publish a JSON-RPC request to `D.command` (routing key `P` or `P.NODE`),
//! wait for the reply on this connection's reply queue, matched by correlation id. Replies to
//! calls nobody waits for any more (duplicates, late answers) are dropped. When the connection
//! is lost, every call waiting on its reply queue fails at once with a typed error.

use clacks_runtime::call::{unix_millis_now, CallError, CallRequest, RpcErrorKind};
use clacks_runtime::codec::json_rpc;
use lapin::message::Delivery;
use lapin::options::BasicPublishOptions;
use lapin::Confirmation;
use lapin::{BasicProperties, Channel, PublisherConfirm};
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::properties::{self, text};
use super::shared::{Link, Shared};
use super::topology::Names;

/// A call waiting for its reply.
pub struct PendingReply {
    tx: oneshot::Sender<Result<Value, CallError>>,
    generation: u64,
}

/// Removes the pending entry however the call ends (drop guard).
struct Forget<'a> {
    shared: &'a Shared,
    id: String,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.shared.pending().remove(&self.id);
    }
}

async fn current_link(shared: &Shared, deadline: Instant, method: &str) -> Result<Link, CallError> {
    let mut link = shared.link.subscribe();
    loop {
        if let Some(current) = link.borrow_and_update().clone() {
            return Ok(current);
        }
        match tokio::time::timeout_at(deadline, link.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => {
                return Err(CallError::unavailable(
                    method.split('.').next().unwrap_or(method),
                    "the AMQP transport has stopped",
                ))
            }
            Err(_) => {
                return Err(CallError::timeout(method)
                    .with("reason", "not connected to the broker before the deadline"))
            }
        }
    }
}

/// Sends `request` to a provider of `plugin` (or to `node`) and waits for the reply.
pub async fn call(
    shared: Arc<Shared>,
    plugin: String,
    node: Option<String>,
    request: Arc<CallRequest>,
    deadline: Instant,
) -> Result<Value, CallError> {
    shared
        .membership
        .check_target(&shared.config.domain, &plugin, node.as_deref())?;
    let link = current_link(&shared, deadline, &request.method).await?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (tx, rx) = oneshot::channel();
    shared.pending().insert(
        id.clone(),
        PendingReply {
            tx,
            generation: link.generation,
        },
    );
    let _forget = Forget {
        shared: &shared,
        id: id.clone(),
    };
    let body = json_rpc::request_object(json!(id), &request).to_string();
    let deadline_ms = request
        .deadline_ms
        .unwrap_or_else(|| unix_millis_now() + 30_000);
    let remaining = deadline_ms.saturating_sub(unix_millis_now());
    let props = properties::request(
        &link.reply_to,
        &id,
        &shared.config.user,
        deadline_ms,
        remaining,
    );
    // A dying connection can leave a publish pending: the deadline bounds it too.
    let publish = publish_request(
        &link.channel,
        &shared.names,
        &plugin,
        node.as_deref(),
        body.as_bytes(),
        props,
    );
    let confirm = tokio::time::timeout_at(deadline, publish)
        .await
        .map_err(|_| CallError::timeout(&request.method))??;
    let started = std::time::Instant::now();
    // The confirm tells us whether the broker could route the call at all; the reply comes
    // separately. Whichever settles the call first wins.
    let mut rx = rx;
    let outcome = tokio::select! {
        biased;
        reply = &mut rx => reply.ok(),
        confirmed = tokio::time::timeout_at(deadline, confirm) => match confirmed {
            Err(_) => return Err(CallError::timeout(&request.method)),
            Ok(confirmation) => {
                routed(&plugin, confirmation)?;
                tokio::time::timeout_at(deadline, rx).await.ok().and_then(Result::ok)
            }
        },
    };
    shared.record_latency(started.elapsed());
    match outcome {
        Some(result) => result,
        None if Instant::now() >= deadline => Err(CallError::timeout(&request.method)),
        None => Err(CallError::unavailable(&plugin, "the reply queue was lost")),
    }
}

/// Publishes a call to `D.command` with routing key `P` (or `P.NODE`), mandatory so that an
/// unroutable call comes back in the confirm instead of vanishing.
pub async fn publish_request(
    channel: &Channel,
    names: &Names,
    plugin: &str,
    node: Option<&str>,
    body: &[u8],
    props: BasicProperties,
) -> Result<PublisherConfirm, CallError> {
    let key = match node {
        Some(n) => Names::private_key(plugin, n),
        None => plugin.to_owned(),
    };
    channel
        .basic_publish(
            names.command_exchange().into(),
            key.into(),
            BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            },
            body,
            props,
        )
        .await
        .map_err(|e| CallError::unavailable(plugin, format!("publishing failed: {e}")))
}

/// What the broker's confirm says about a published call: routed, returned, or refused.
pub fn routed(plugin: &str, confirmation: lapin::Result<Confirmation>) -> Result<(), CallError> {
    match confirmation {
        Ok(Confirmation::Ack(Some(returned))) => Err(CallError::unavailable(
            plugin,
            format!(
                "the broker could not route the call: {}",
                returned.reply_text
            ),
        )),
        Ok(Confirmation::Nack(_)) => Err(CallError::unavailable(
            plugin,
            "the broker refused the call",
        )),
        Err(e) => Err(CallError::unavailable(
            plugin,
            format!("publishing failed: {e}"),
        )),
        Ok(_) => Ok(()),
    }
}

/// Delivers a reply to the call waiting for it; replies nobody waits for are dropped.
pub fn on_reply(shared: &Shared, delivery: &Delivery) {
    let Some(id) = text(delivery.properties.correlation_id()) else {
        tracing::debug!(node = %shared.config.node, "reply without correlation id dropped");
        return;
    };
    let Some(pending) = shared.pending().remove(id) else {
        tracing::debug!(node = %shared.config.node, correlation_id = %id, "reply for no waiting call dropped (duplicate or late)");
        return;
    };
    let served_by = text(delivery.properties.app_id())
        .unwrap_or("unknown")
        .to_owned();
    let result = match serde_json::from_slice::<Value>(&delivery.data) {
        Ok(value) => json_rpc::read_response(&value).map_err(|e| e.with_node_default(&served_by)),
        Err(e) => Err(CallError::new(
            RpcErrorKind::Parse,
            format!("reply from {served_by} is not JSON: {e}"),
        )),
    };
    let _ = pending.tx.send(result);
}

/// Fails every call waiting on the reply queue of connection `generation`.
pub fn fail_pending(shared: &Shared, generation: u64, reason: &str) {
    let mut pending = shared.pending();
    let lost: Vec<String> = pending
        .iter()
        .filter(|(_, p)| p.generation == generation)
        .map(|(id, _)| id.clone())
        .collect();
    for id in lost {
        if let Some(p) = pending.remove(&id) {
            let _ = p.tx.send(Err(CallError::new(
                RpcErrorKind::Unavailable,
                format!("call lost: {reason}"),
            )
            .with("reason", reason)));
        }
    }
}
