//! The `Audit` events a test node publishes (issue 14: every ACL denial and permitted write,
//! issue 15: every refused login), collected as XML so a test can wait for the record it
//! expects. The ACL and the HTTP identity tests both look for their refusals this way.

use clacks_runtime::events::Subscription;
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
