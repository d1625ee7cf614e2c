//! Outgoing calls: publish a JSON-RPC request to `D.command` (routing key `P` or `P.NODE`),
//! wait for the reply on this connection's reply queue, matched by correlation id. Replies to
//! calls nobody waits for any more (duplicates, late answers) are dropped. When the connection
//! is lost, every call waiting on its reply queue fails at once with a typed error.
//!
//! Replies are routed on lapin's I/O thread (a consumer delegate, see the session): routing is
//! one map lookup and a oneshot send, and it wakes the caller's own thread directly instead of
//! going through the link actor's thread first. The caller reads the body on its own thread.
//!
//! [`Caller`] owns the calls waiting for replies; it is the transport's
//! [`CallCarrier`], so routing and fan-out (also the
//! fan-out of calls taken from a shared queue) go through it.

use clacks_runtime::call::{unix_millis_now, CallError, ResolvedCall, RpcErrorKind};
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

use clacks_runtime::membership::Membership;
use clacks_runtime::transport::CallCarrier;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::config::AmqpConfig;
use super::link::LinkState;
use super::load::Load;
use super::properties::{self, text};
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
struct PendingReply {
    tx: oneshot::Sender<Result<Reply, CallError>>,
    generation: u64,
}

/// The node's outgoing side: sends calls, matches replies to them. Cheap to clone.
#[derive(Clone)]
pub struct Caller {
    inner: Arc<Inner>,
}

struct Inner {
    config: Arc<AmqpConfig>,
    names: Names,
    membership: Membership,
    link: Arc<LinkState>,
    load: Arc<Load>,
    pending: Mutex<HashMap<String, PendingReply>>,
}

/// Removes the pending entry however the call ends (drop guard).
struct Forget<'a> {
    caller: &'a Inner,
    id: String,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.caller.pending().remove(&self.id);
    }
}

impl Caller {
    /// A caller for the node of `config`, routing by `membership`, publishing on `link`.
    pub fn new(
        config: Arc<AmqpConfig>,
        membership: Membership,
        link: Arc<LinkState>,
        load: Arc<Load>,
    ) -> Self {
        Caller {
            inner: Arc::new(Inner {
                names: Names::new(&config.domain),
                config,
                membership,
                link,
                load,
                pending: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Sends `call` to a provider of its plugin (or to `node`) and waits for the reply.
    pub async fn call(
        &self,
        call: Arc<ResolvedCall>,
        node: Option<String>,
    ) -> Result<Value, CallError> {
        self.inner.call(call, node).await
    }

    /// Hands a reply to the call waiting for it; replies nobody waits for are dropped. Cheap
    /// enough for lapin's I/O thread: no parsing here.
    pub fn on_reply(&self, delivery: Delivery) {
        self.inner.on_reply(delivery);
    }

    /// Fails every call waiting on the reply queue of connection `generation`.
    pub fn fail_pending(&self, generation: u64, reason: &str) {
        self.inner.fail_pending(generation, reason);
    }
}

impl Inner {
    // A poisoned lock only means a panic happened while it was held; the map stays usable.
    fn pending(&self) -> MutexGuard<'_, HashMap<String, PendingReply>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn call(
        &self,
        call: Arc<ResolvedCall>,
        node: Option<String>,
    ) -> Result<Value, CallError> {
        let (plugin, deadline) = (call.plugin().to_owned(), call.deadline());
        self.membership
            .check_target(&self.config.domain, &plugin, node.as_deref())?;
        let link = self.link.wait(deadline).await.map_err(|timed_out| {
            if timed_out {
                CallError::timeout(call.method())
                    .with("reason", "not connected to the broker before the deadline")
            } else {
                CallError::unavailable(&plugin, "the AMQP transport has stopped")
            }
        })?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (tx, rx) = oneshot::channel();
        self.pending().insert(
            id.clone(),
            PendingReply {
                tx,
                generation: link.generation,
            },
        );
        let _forget = Forget {
            caller: self,
            id: id.clone(),
        };
        let codec = self.config.codec;
        let body = codec.encode(&json_rpc::request_object(json!(id), call.request()));
        let deadline_ms = call.deadline_ms();
        let remaining = deadline_ms.saturating_sub(unix_millis_now());
        let props = properties::request(
            codec.content_type(),
            &link.reply_to,
            &id,
            &self.config.user,
            Some(&call.request().caller),
            deadline_ms,
            remaining,
        );
        // Publishing and the broker's confirm (which says whether the call could be routed at
        // all) are one future. Its first poll puts the frames on the connection; after that it
        // only waits for the broker, and most replies come before anyone needs to know:
        // watching it from the start would wake this thread twice more per call. It is watched
        // once the reply is late, so an unroutable call still fails within `CONFIRM_GRACE`.
        let mut routing = {
            let (channel, names, plugin) =
                (link.channel.clone(), self.names.clone(), plugin.clone());
            let node = node.clone();
            async move {
                let publish =
                    publish_request(&channel, &names, &plugin, node.as_deref(), &body, props);
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
        let grace = Instant::now() + CONFIRM_GRACE;
        let outcome = tokio::select! {
            biased;
            reply = &mut rx => reply.ok(),
            () = tokio::time::sleep_until(grace.min(deadline)) => tokio::select! {
                biased;
                reply = &mut rx => reply.ok(),
                routed = tokio::time::timeout_at(deadline, &mut routing) => match routed {
                    Err(_) => return Err(CallError::timeout(call.method())),
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
        self.load.record(started.elapsed());
        match outcome {
            Some(result) => result.and_then(Reply::read),
            None if Instant::now() >= deadline => Err(CallError::timeout(call.method())),
            None => Err(CallError::unavailable(&plugin, "the reply queue was lost")),
        }
    }

    fn on_reply(&self, delivery: Delivery) {
        let Some(id) = text(delivery.properties.correlation_id()) else {
            tracing::debug!(node = %self.config.node, "reply without correlation id dropped");
            return;
        };
        let Some(pending) = self.pending().remove(id) else {
            tracing::debug!(node = %self.config.node, correlation_id = %id, "reply for no waiting call dropped (duplicate or late)");
            return;
        };
        let _ = pending.tx.send(Ok(Reply::from_delivery(delivery)));
    }

    fn fail_pending(&self, generation: u64, reason: &str) {
        let mut pending = self.pending();
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
}

impl CallCarrier for Caller {
    fn send(
        &self,
        call: Arc<ResolvedCall>,
        node: Option<&str>,
    ) -> BoxFuture<'static, Result<Value, CallError>> {
        let (caller, node) = (self.clone(), node.map(str::to_owned));
        async move { caller.call(call, node).await }.boxed()
    }

    fn membership(&self) -> &Membership {
        &self.inner.membership
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
