//! The calls waiting for replies on this node's reply queue, and the routing of each reply to
//! its call by correlation id, done by the waiting calls themselves.
//!
//! Why not a consumer delegate or a routing task: lapin 4 runs a delegate as a task spawned
//! through its internal RPC onto the connection's runtime (the session's thread), and a
//! routing task lives on some thread too; either way the reply crosses one more thread (I/O
//! thread → router → caller) than in a bare request/reply loop. Here one waiting call at a
//! time, the *leader*, holds the reply consumer (the baton) and polls it as part of its own
//! wait, so lapin's I/O thread wakes the leader's thread directly; a sequential caller gets
//! its reply with no thread in between. The leader hands each reply to its call (a map lookup
//! and a wake); when its own call ends it puts the baton back and wakes another waiting call,
//! which takes it. A call that ends without the baton while nobody leads also wakes one, so
//! waiting calls are never left without a leader.
//!
//! The leader polls only when its task runs: callers are async tasks that wait without
//! blocking their thread, so that is at once (a thread busy with a long synchronous command
//! delays the replies its leading call routes until it yields).
//!
//! Replies to calls nobody waits for any more (duplicates, late answers) are dropped. The end
//! of the reply consumer (cancelled, channel failed) reaches the session through
//! [`ConsumerEnd`], seen by the leader at once, or by the next call if none waits.

use clacks_runtime::call::{CallError, RpcErrorKind};
use clacks_runtime::codec::json_rpc;
use clacks_runtime::codec::wire;
use futures_util::task::AtomicWaker;
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::Consumer;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::sync::mpsc;

use super::properties::text;

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

// A poisoned lock only means a panic happened while it was held; the data stays usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where one call's answer lands, and how its task is woken (for the answer, or to lead).
#[derive(Default)]
struct Slot {
    answer: Mutex<Option<Result<Reply, CallError>>>,
    waker: AtomicWaker,
}

impl Slot {
    fn fill(&self, answer: Result<Reply, CallError>) {
        *lock(&self.answer) = Some(answer);
        self.waker.wake();
    }

    fn take(&self) -> Option<Result<Reply, CallError>> {
        lock(&self.answer).take()
    }

    fn is_empty(&self) -> bool {
        lock(&self.answer).is_none()
    }
}

/// A call waiting for its reply.
struct Pending {
    slot: Arc<Slot>,
    generation: u64,
}

/// The reply consumer of one session, held by whoever routes replies.
struct Baton {
    generation: u64,
    consumer: Consumer,
    ended: mpsc::UnboundedSender<Option<lapin::Error>>,
}

/// The session whose reply consumer routes replies, and its baton while nobody leads.
#[derive(Default)]
struct Source {
    /// The attached session (0: none).
    current: u64,
    baton: Option<Baton>,
}

/// How the session learns that its reply consumer ended.
pub struct ConsumerEnd(mpsc::UnboundedReceiver<Option<lapin::Error>>);

impl ConsumerEnd {
    /// Waits until the reply consumer ends: `Ok` when it was cancelled (by us or by the
    /// broker), the error when its channel or connection failed.
    pub async fn ended(&mut self) -> lapin::Result<()> {
        match self.0.recv().await {
            Some(Some(e)) => Err(e),
            _ => Ok(()),
        }
    }
}

/// The calls of one node waiting for replies, and the reply consumer they route with.
pub struct Replies {
    node: String,
    pending: Mutex<HashMap<String, Pending>>,
    source: Mutex<Source>,
}

impl Replies {
    /// No call waiting and no reply consumer yet, for node `node` (named in logs).
    pub fn new(node: &str) -> Self {
        Replies {
            node: node.to_owned(),
            pending: Mutex::new(HashMap::new()),
            source: Mutex::new(Source::default()),
        }
    }

    /// Routes replies with `consumer`, session `generation`'s, from now on.
    pub fn attach(&self, generation: u64, consumer: Consumer) -> ConsumerEnd {
        let (ended, end) = mpsc::unbounded_channel();
        *lock(&self.source) = Source {
            current: generation,
            baton: Some(Baton {
                generation,
                consumer,
                ended,
            }),
        };
        self.wake_one();
        ConsumerEnd(end)
    }

    /// Session `generation` ended: its consumer routes nothing more.
    pub fn detach(&self, generation: u64) {
        let mut source = lock(&self.source);
        if source.current == generation {
            *source = Source::default();
        }
    }

    /// Registers a call waiting for the reply with correlation id `id`, published on session
    /// `generation`; the returned future resolves with the reply (or why none will come) and
    /// forgets the call when dropped.
    pub fn expect(self: &Arc<Self>, id: String, generation: u64) -> Waiting {
        let slot = Arc::new(Slot::default());
        lock(&self.pending).insert(
            id.clone(),
            Pending {
                slot: slot.clone(),
                generation,
            },
        );
        Waiting {
            replies: self.clone(),
            id,
            slot,
            baton: None,
            left: false,
        }
    }

    /// Fails every call waiting on the reply queue of session `generation`.
    pub fn fail_pending(&self, generation: u64, reason: &str) {
        let lost: Vec<Pending> = {
            let mut pending = lock(&self.pending);
            let ids: Vec<String> = pending
                .iter()
                .filter(|(_, p)| p.generation == generation)
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter().filter_map(|id| pending.remove(id)).collect()
        };
        for p in lost {
            p.slot.fill(Err(CallError::new(
                RpcErrorKind::Unavailable,
                format!("call lost: {reason}"),
            )
            .with("reason", reason)));
        }
    }

    /// Hands a reply to the call waiting for it; replies nobody waits for are dropped.
    fn route(&self, delivery: Delivery) {
        let Some(id) = text(delivery.properties.correlation_id()) else {
            tracing::debug!(node = %self.node, "reply without correlation id dropped");
            return;
        };
        let Some(pending) = lock(&self.pending).remove(id) else {
            tracing::debug!(node = %self.node, correlation_id = %id, "reply for no waiting call dropped (duplicate or late)");
            return;
        };
        pending.slot.fill(Ok(Reply::from_delivery(delivery)));
    }

    /// The baton, if nobody leads and the session that owns it is still attached.
    fn take_baton(&self) -> Option<Baton> {
        let mut source = lock(&self.source);
        let baton = source.baton.take()?;
        (baton.generation == source.current).then_some(baton)
    }

    /// True while the baton's session is the attached one.
    fn is_current(&self, baton: &Baton) -> bool {
        lock(&self.source).current == baton.generation
    }

    /// Puts the baton back (unless its session was replaced) and wakes a waiting call to
    /// take it.
    fn give_back(&self, baton: Baton) {
        {
            let mut source = lock(&self.source);
            if source.current == baton.generation && source.baton.is_none() {
                source.baton = Some(baton);
            }
        }
        self.wake_one();
    }

    /// The reply consumer of `baton` ended: tell its session, which ends too.
    fn consumer_ended(&self, baton: Baton, error: Option<lapin::Error>) {
        tracing::debug!(node = %self.node, generation = baton.generation, error = ?error, "reply consumer ended");
        let _ = baton.ended.send(error);
        self.detach(baton.generation);
    }

    /// Wakes one waiting call (it takes the baton if nobody leads).
    fn wake_one(&self) {
        let slot = lock(&self.pending).values().next().map(|p| p.slot.clone());
        if let Some(slot) = slot {
            slot.waker.wake();
        }
    }

    /// A call without the baton ended: if nobody leads while calls wait (it may have been
    /// the one woken to lead), wake another.
    fn left_without_baton(&self) {
        let idle = lock(&self.source).baton.is_some();
        if idle {
            self.wake_one();
        }
    }
}

/// One call waiting for its reply (see [`Replies::expect`]); routes replies while it leads.
pub struct Waiting {
    replies: Arc<Replies>,
    id: String,
    slot: Arc<Slot>,
    baton: Option<Baton>,
    left: bool,
}

impl Waiting {
    /// The call waits no more: forget it, and pass the baton on (or, without it, make sure
    /// someone leads while calls wait). Once only.
    fn leave(&mut self) {
        if std::mem::replace(&mut self.left, true) {
            return;
        }
        lock(&self.replies.pending).remove(&self.id);
        match self.baton.take() {
            Some(baton) => self.replies.give_back(baton),
            None => self.replies.left_without_baton(),
        }
    }

    /// Routes what the reply queue holds, with the baton; false once it has no baton (its
    /// session was replaced, or the consumer ended).
    fn route_available(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(baton) = self.baton.as_mut() else {
            return false;
        };
        if !self.replies.is_current(baton) {
            self.baton = None;
            return false;
        }
        loop {
            match baton.consumer.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(delivery))) => self.replies.route(delivery),
                Poll::Ready(Some(Err(e))) => {
                    if let Some(baton) = self.baton.take() {
                        self.replies.consumer_ended(baton, Some(e));
                    }
                    return false;
                }
                Poll::Ready(None) => {
                    if let Some(baton) = self.baton.take() {
                        self.replies.consumer_ended(baton, None);
                    }
                    return false;
                }
                Poll::Pending => return true,
            }
        }
    }
}

impl Future for Waiting {
    type Output = Result<Reply, CallError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            this.slot.waker.register(cx.waker());
            if let Some(answer) = this.slot.take() {
                // The baton goes on at once: the caller may hold this future a while longer.
                this.leave();
                return Poll::Ready(answer);
            }
            if this.baton.is_none() {
                match this.replies.take_baton() {
                    Some(baton) => this.baton = Some(baton),
                    None => return Poll::Pending,
                }
            }
            // Registered with the consumer: woken by the next reply, ours or another's.
            if this.route_available(cx) && this.slot.is_empty() {
                return Poll::Pending;
            }
            // Our answer came, or we lost the baton (a newer one may be there): look again.
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;
    use lapin::options::{BasicCancelOptions, BasicPublishOptions, QueueDeclareOptions};
    use lapin::types::FieldTable;
    use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
    use std::time::Duration;

    const WAIT: Duration = Duration::from_secs(10);
    /// A reply routed is a reply routed at once: a call woken only by its timer (which polls
    /// it one last time) was left without anyone routing for it.
    const PROMPT: Duration = Duration::from_secs(3);

    fn broker_url() -> String {
        std::env::var("CLACKS_TEST_AMQP_URL")
            .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
    }

    /// A connection with an exclusive reply queue consumed into fresh [`Replies`] (session
    /// 1), and a channel to publish replies to it.
    async fn attached() -> (Connection, Channel, String, Arc<Replies>, ConsumerEnd) {
        let connection = Connection::connect(&broker_url(), ConnectionProperties::default())
            .await
            .expect("the test broker");
        let channel = connection.create_channel().await.expect("channel");
        let options = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..Default::default()
        };
        let queue = channel
            .queue_declare("".into(), options, FieldTable::default())
            .await
            .expect("reply queue")
            .name()
            .to_string();
        let consumer = super::super::consumers::consume_no_ack(&channel, &queue, "replies")
            .await
            .expect("consume");
        let replies = Arc::new(Replies::new("test"));
        let end = replies.attach(1, consumer);
        (connection, channel, queue, replies, end)
    }

    async fn reply(channel: &Channel, queue: &str, id: &str) {
        let props = BasicProperties::default()
            .with_correlation_id(id.into())
            .with_app_id("n1".into())
            .with_content_type("application/json".into());
        let body = format!(r#"{{"jsonrpc":"2.0","id":"{id}","result":"{id}"}}"#);
        channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                body.as_bytes(),
                props,
            )
            .await
            .expect("publish");
    }

    async fn answer_of(waiting: Waiting) -> Value {
        let started = std::time::Instant::now();
        let answer = tokio::time::timeout(WAIT, waiting)
            .await
            .expect("answered in time")
            .and_then(Reply::read)
            .expect("a result");
        let took = started.elapsed();
        assert!(took < PROMPT, "answered only after {took:?}");
        answer
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 3)]
    async fn every_waiting_call_gets_its_reply_whoever_leads() {
        let (_connection, channel, queue, replies, _end) = attached().await;
        let ids = ["a", "b", "c", "d"];
        let calls: Vec<_> = ids
            .iter()
            .map(|id| tokio::spawn(answer_of(replies.expect((*id).to_owned(), 1))))
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The leader's own reply comes first: it must hand the baton on.
        for id in ["c", "a", "d", "b"] {
            reply(&channel, &queue, id).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for (call, id) in calls.into_iter().zip(ids) {
            assert_eq!(call.await.expect("task"), serde_json::json!(id));
        }
    }

    #[tokio::test]
    async fn a_leader_that_stops_waiting_passes_the_baton_on() {
        let (_connection, channel, queue, replies, _end) = attached().await;
        let mut first = replies.expect("first".to_owned(), 1);
        assert!((&mut first).now_or_never().is_none());
        assert!(first.baton.is_some(), "the first call to wait leads");
        let second = tokio::spawn(answer_of(replies.expect("second".to_owned(), 1)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Given up (its deadline passed): the second call must take over routing.
        drop(first);
        reply(&channel, &queue, "first").await;
        reply(&channel, &queue, "second").await;
        assert_eq!(second.await.expect("task"), serde_json::json!("second"));
    }

    #[tokio::test]
    async fn a_failed_session_fails_its_waiting_calls_at_once() {
        let (_connection, _channel, _queue, replies, _end) = attached().await;
        let waiting = replies.expect("lost".to_owned(), 1);
        let other_session = replies.expect("kept".to_owned(), 2);
        replies.fail_pending(1, "the connection to the broker was lost");
        let answer = tokio::time::timeout(WAIT, waiting).await.expect("at once");
        let error = answer.err().expect("an error");
        assert!(error.to_string().contains("call lost"), "{error}");
        assert!(lock(&replies.pending).contains_key("kept"));
        drop(other_session);
        assert!(lock(&replies.pending).is_empty());
    }

    #[tokio::test]
    async fn the_end_of_the_reply_consumer_reaches_the_session() {
        let (_connection, channel, _queue, replies, mut end) = attached().await;
        let waiting = tokio::spawn(replies.expect("never".to_owned(), 1));
        tokio::time::sleep(Duration::from_millis(50)).await;
        channel
            .basic_cancel("replies".into(), BasicCancelOptions::default())
            .await
            .expect("cancel");
        let ended = tokio::time::timeout(WAIT, end.ended()).await;
        assert!(matches!(ended, Ok(Ok(()))), "the session hears of it");
        waiting.abort();
    }
}
