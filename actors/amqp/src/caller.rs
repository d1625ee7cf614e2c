//! Outgoing calls: publish a JSON-RPC request to `D.command` (routing key `P` or `P.NODE`),
//! wait for the reply on this connection's reply queue, matched by correlation id. Replies to
//! calls nobody waits for any more (duplicates, late answers) are dropped. When the connection
//! is lost, every call waiting on its reply queue fails at once with a typed error.
//!
//! Replies are routed by the waiting calls themselves ([`replies`](super::replies)): the
//! I/O thread wakes the waiting caller's thread directly. The caller reads the body on its own
//! thread.
//!
//! [`Caller`] owns the calls waiting for replies; it is the transport's
//! [`CallCarrier`], so routing and fan-out (also the
//! fan-out of calls taken from a shared queue) go through it.

use clacks_runtime::call::{unix_millis_now, CallError, ResolvedCall};
use clacks_runtime::codec::json_rpc;
use futures_util::future::{Fuse, FusedFuture, FutureExt};
use lapin::options::BasicPublishOptions;
use lapin::Confirmation;
use lapin::{BasicProperties, Channel, Consumer, PublisherConfirm};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

use clacks_runtime::membership::Membership;
use clacks_runtime::transport::CallCarrier;
use futures_util::future::BoxFuture;

use super::config::AmqpConfig;
use super::link::LinkState;
use super::load::Load;
use super::properties;
use super::replies::{ConsumerEnd, Replies, Reply};
use super::topology::Names;

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
    replies: Arc<Replies>,
    late_confirms: LateConfirms,
}

/// A call's publish-and-confirm, watched only once its reply is late.
type Routing = Fuse<BoxFuture<'static, Result<(), CallError>>>;

/// Request confirms that had not come when their call's reply did (the broker often sends the
/// reply first). lapin keeps a confirm dropped unresolved for `wait_for_confirms`, for ever
/// here, so each is seen to its end: kept, and looked at again without waking anyone whenever
/// a call ends, which drops those that came. Watching each with a task instead would wake a
/// thread once more per call. Past [`LATE_CONFIRMS_KEPT`] (confirms that stopped coming),
/// they go to tasks on the session's thread.
#[derive(Default)]
struct LateConfirms(Mutex<Vec<Routing>>);

/// How many late confirms are kept before they are handed to tasks.
const LATE_CONFIRMS_KEPT: usize = 1024;

impl LateConfirms {
    fn keep(&self, mut routing: Routing, session: &tokio::runtime::Handle) {
        let done = |r: &mut Routing| r.is_terminated() || r.now_or_never().is_some();
        let mut late = self.0.lock().unwrap_or_else(|p| p.into_inner());
        late.retain_mut(|r| !done(r));
        if !done(&mut routing) {
            late.push(routing);
        }
        if late.len() > LATE_CONFIRMS_KEPT {
            for routing in late.drain(..) {
                session.spawn(routing);
            }
        }
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
                replies: Arc::new(Replies::new(&config.node)),
                late_confirms: LateConfirms::default(),
                config,
                membership,
                link,
                load,
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

    /// Routes replies with `consumer`, the reply queue's consumer of session `generation`,
    /// from now on; the returned end says when that consumer ends.
    pub fn attach_replies(&self, generation: u64, consumer: Consumer) -> ConsumerEnd {
        self.inner.replies.attach(generation, consumer)
    }

    /// Session `generation` ended: its reply consumer routes nothing more, and every call
    /// waiting on its reply queue fails at once.
    pub fn fail_pending(&self, generation: u64, reason: &str) {
        self.inner.replies.detach(generation);
        self.inner.replies.fail_pending(generation, reason);
    }
}

impl Inner {
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
        let mut reply = self.replies.expect(id.clone(), link.generation);
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
        let mut routing: Routing = {
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
        let grace = Instant::now() + CONFIRM_GRACE;
        let outcome = tokio::select! {
            biased;
            answer = &mut reply => Some(answer),
            () = tokio::time::sleep_until(grace.min(deadline)) => tokio::select! {
                biased;
                answer = &mut reply => Some(answer),
                routed = tokio::time::timeout_at(deadline, &mut routing) => match routed {
                    Err(_) => return Err(CallError::timeout(call.method())),
                    Ok(Err(e)) => return Err(e),
                    Ok(Ok(())) => tokio::time::timeout_at(deadline, &mut reply).await.ok(),
                },
            },
        };
        drop(reply);
        self.late_confirms.keep(routing, &link.runtime);
        self.load.record(started.elapsed());
        match outcome {
            Some(result) => result.and_then(Reply::read),
            None => Err(CallError::timeout(call.method())),
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
