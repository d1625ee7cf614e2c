//! The `Audit` events a test node publishes (issue 14: every ACL denial and permitted write,
//! issue 15: every refused login), collected as XML so a test can wait for the record it
//! expects. The ACL and the HTTP identity tests both look for their refusals this way.
//! [`AuditQueue`] reads the same events from the broker, for tests whose nodes are other
//! processes (the multi-process cluster tests).

use clacks_runtime::events::Subscription;
use lapin::options::{BasicGetOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::Channel;
use std::time::Instant;

use crate::caller::AmqpCaller;
use clacks_runtime::NodeHandle;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The event type collected.
const AUDIT: [&str; 1] = ["Audit"];

/// The `Audit` events one node published since [`AuditLog::subscribe`].
pub struct AuditLog {
    seen: Arc<Mutex<Vec<String>>>,
    _subscription: Subscription,
}

impl AuditLog {
    /// Starts collecting `node`'s `Audit` events, once the subscription is bound (on AMQP a
    /// detached one could miss the first records). Needs an actix system (`actix_rt::test`).
    pub async fn subscribe(node: &NodeHandle) -> AuditLog {
        let (seen, sink) = Self::sink();
        let subscription = node
            .event_bus()
            .subscribe(
                AUDIT.map(str::to_owned).to_vec(),
                None,
                &Default::default(),
                sink,
            )
            .await
            .unwrap_or_else(|e| panic!("cannot subscribe to Audit events: {e}"));
        AuditLog {
            seen,
            _subscription: subscription,
        }
    }

    /// Starts collecting `node`'s `Audit` events without waiting for the binding: for nodes
    /// whose bus is local (no actix system needed).
    pub fn detached(node: &NodeHandle) -> AuditLog {
        let (seen, sink) = Self::sink();
        let subscription = node
            .event_bus()
            .subscribe_detached(
                AUDIT.map(str::to_owned).to_vec(),
                None,
                &Default::default(),
                sink,
            )
            .unwrap_or_else(|e| panic!("cannot subscribe to Audit events: {e}"));
        AuditLog {
            seen,
            _subscription: subscription,
        }
    }

    #[allow(clippy::type_complexity)]
    fn sink() -> (
        Arc<Mutex<Vec<String>>>,
        impl Fn(&clacks_runtime::events::Event) + Send + Sync + 'static,
    ) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        (seen, move |event: &clacks_runtime::events::Event| {
            if let Ok(mut seen) = sink.lock() {
                seen.push(event.xml.to_string());
            }
        })
    }

    /// Waits up to 5 s for a record holding every one of `needles`; panics naming what came.
    pub async fn wait_for(&self, needles: &[&str]) {
        for _ in 0..200 {
            if self
                .records()
                .iter()
                .any(|xml| needles.iter().all(|n| xml.contains(n)))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no Audit event with {needles:?}; saw {:?}", self.records());
    }

    /// Waits for the record of `user`'s `decision` (`allowed` or `denied`) on `topic`.
    pub async fn wait_for_decision(&self, user: &str, topic: &str, decision: &str) {
        let wanted = [
            format!("<User>{user}</User>"),
            format!("<Topic>{topic}</Topic>"),
            format!("<Decision>{decision}</Decision>"),
        ];
        let needles: Vec<&str> = wanted.iter().map(String::as_str).collect();
        self.wait_for(&needles).await;
    }

    /// Every record so far.
    pub fn records(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// A domain's `Audit` events as the broker carries them: a server-named queue of `account`
/// bound to `D.event` with the key `Audit`, read with `basic_get`.
pub struct AuditQueue {
    channel: Channel,
    queue: String,
}

impl AuditQueue {
    /// Binds the queue (events published before this are not seen).
    pub async fn bind(account: &AmqpCaller, domain: &str) -> AuditQueue {
        let channel = account.channel().await;
        let options = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..Default::default()
        };
        let queue = channel
            .queue_declare("".into(), options, FieldTable::default())
            .await
            .unwrap_or_else(|e| panic!("a queue for Audit events: {e}"));
        let queue = queue.name().as_str().to_owned();
        channel
            .queue_bind(
                queue.as_str().into(),
                format!("{domain}.event").as_str().into(),
                "Audit".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("binding to {domain}.event: {e}"));
        AuditQueue { channel, queue }
    }

    /// The next event waiting, if any.
    async fn next(&self) -> Option<String> {
        let got = self
            .channel
            .basic_get(self.queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap_or_else(|e| panic!("reading the Audit queue: {e}"));
        got.map(|message| String::from_utf8_lossy(&message.delivery.data).into_owned())
    }

    /// The first event holding every one of `parts`, within 10 s; panics naming what came.
    pub async fn wait_for(&self, parts: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            match self.next().await {
                Some(xml) if parts.iter().all(|p| xml.contains(p)) => return xml,
                Some(xml) => seen.push(xml),
                None => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        panic!("no Audit event holding {parts:?}; seen: {seen:#?}");
    }

    /// Every event until those seen satisfy `done` (within `limit`), then two seconds more, so
    /// a second copy of one would show.
    pub async fn collect(&self, limit: Duration, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + limit;
        let mut seen = Vec::new();
        let mut settle: Option<Instant> = None;
        while Instant::now() < deadline && settle.is_none_or(|s| Instant::now() < s) {
            match self.next().await {
                Some(xml) => {
                    seen.push(xml);
                    if settle.is_none() && done(&seen) {
                        settle = Some(Instant::now() + Duration::from_secs(2));
                    }
                }
                None => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        seen
    }
}
