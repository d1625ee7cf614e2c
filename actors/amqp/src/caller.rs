//! Outgoing calls: publish a JSON-RPC request to `D.command` (routing key `P` or `P.NODE`),
//! wait for the reply on this connection's reply queue, matched by correlation id. Replies to
//! calls nobody waits for any more (duplicates, late answers) are dropped. When the connection
//! is lost, every call waiting on its reply queue fails at once with a typed error.
//!
//! Replies are routed on lapin's I/O thread (a consumer delegate, see the session): routing is
//! one map lookup and a oneshot send, and it wakes the caller's own thread directly instead of
//! going through the bridge's thread first. The caller reads the body on its own thread.

use clacks_runtime::call::{unix_millis_now, CallError, CallRequest, RpcErrorKind};
use clacks_runtime::codec::json_rpc;
use clacks_runtime::codec::wire;
use futures_util::future::{FusedFuture, FutureExt};
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

/// A reply as it came off the reply queue, read by the caller on its own thread.
pub struct Reply {
    data: Vec<u8>,
    content_type: Option<String>,
    served_by: String,
}

impl Reply {
    /// The reply `delivery` carries, with the node that served it (`app_id`).
    pub fn from_delivery(delivery: Delivery) -> Reply {
        Reply {
            served_by: text(delivery.properties.app_id())
                .unwrap_or("unknown")
                .to_owned(),
            content_type: text(delivery.properties.content_type()).map(str::to_owned),
            data: delivery.data,
        }
    }

    /// The JSON-RPC result or error the reply carries; an error names the node that served it.
    pub fn read(self) -> Result<Value, CallError> {
        let served_by = self.served_by;
        let content_type = self.content_type.as_deref().unwrap_or(wire::JSON);
        let Some(codec) = wire::for_content_type(content_type) else {
            return Err(CallError::new(
                RpcErrorKind::Parse,
                format!("reply from {served_by} has content type {content_type}"),
            ));
        };
        match codec.decode(&self.data) {
            Ok(value) => {
                json_rpc::read_response(&value).map_err(|e| e.with_node_default(&served_by))
            }
            Err(e) => Err(CallError::new(
                RpcErrorKind::Parse,
                format!("reply from {served_by}: {e}"),
            )),
        }
    }
}

/// A call waiting for its reply.
pub struct PendingReply {
    tx: oneshot::Sender<Result<Reply, CallError>>,
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
    let codec = shared.config.codec;
    let body = codec.encode(&json_rpc::request_object(json!(id), &request));
    let deadline_ms = request
        .deadline_ms
        .unwrap_or_else(|| unix_millis_now() + 30_000);
    let remaining = deadline_ms.saturating_sub(unix_millis_now());
    let props = properties::request(
        codec.content_type(),
        &link.reply_to,
        &id,
        &shared.config.user,
        deadline_ms,
        remaining,
    );
    // Publishing and the broker's confirm (which says whether the call could be routed at
    // all) are one future. Its first poll puts the frames on the connection; after that it
    // only waits for the broker, and most replies come before anyone needs to know: watching
    // it from the start would wake this thread twice more per call. It is watched once the
    // reply is late, so an unroutable call still fails within `CONFIRM_GRACE`.
    let mut routing = {
        let (channel, names, plugin) = (link.channel.clone(), shared.names.clone(), plugin.clone());
        let node = node.clone();
        async move {
            let publish = publish_request(&channel, &names, &plugin, node.as_deref(), &body, props);
            routed(&plugin, publish.await?.await)
        }
        .boxed()
        .fuse()
    };
    if let Some(Err(e)) = (&mut routing).now_or_never() {
        return Err(e);
    }
    let started = std::time::Instant::now();
    let mut rx = rx;
    let grace = tokio::time::Instant::now() + CONFIRM_GRACE;
    let outcome = tokio::select! {
        biased;
        reply = &mut rx => reply.ok(),
        () = tokio::time::sleep_until(grace.min(deadline)) => tokio::select! {
            biased;
            reply = &mut rx => reply.ok(),
            routed = tokio::time::timeout_at(deadline, &mut routing) => match routed {
                Err(_) => return Err(CallError::timeout(&request.method)),
                Ok(Err(e)) => return Err(e),
                Ok(Ok(())) => tokio::time::timeout_at(deadline, &mut rx).await.ok().and_then(Result::ok),
            },
        },
    };
    // lapin keeps a confirm dropped unresolved (for `wait_for_confirms`): one still on its
    // way is seen to its end on the session's thread.
    if !routing.is_terminated() && (&mut routing).now_or_never().is_none() {
        link.runtime.spawn(routing);
    }
    shared.record_latency(started.elapsed());
    match outcome {
        Some(result) => result.and_then(Reply::read),
        None if Instant::now() >= deadline => Err(CallError::timeout(&request.method)),
        None => Err(CallError::unavailable(&plugin, "the reply queue was lost")),
    }
}

/// How long a reply may take before the caller also watches the publish confirm (which says
/// whether the call could be routed at all).
const CONFIRM_GRACE: std::time::Duration = std::time::Duration::from_millis(20);

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

/// Hands a reply to the call waiting for it; replies nobody waits for are dropped. Cheap
/// enough for lapin's I/O thread: no parsing here.
pub fn on_reply(shared: &Shared, delivery: Delivery) {
    let Some(id) = text(delivery.properties.correlation_id()) else {
        tracing::debug!(node = %shared.config.node, "reply without correlation id dropped");
        return;
    };
    let Some(pending) = shared.pending().remove(id) else {
        tracing::debug!(node = %shared.config.node, correlation_id = %id, "reply for no waiting call dropped (duplicate or late)");
        return;
    };
    let _ = pending.tx.send(Ok(Reply::from_delivery(delivery)));
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
