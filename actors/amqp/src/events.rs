//! Events over the broker: publish to the topic exchange `D.event` (routing key = event name)
//! without waiting for the confirm inline, and one consumer per subscriber on the node's event
//! queue. [`EventLink`] owns the subscribers: those added while the session runs are started by
//! it at once; after a reconnect every live one is started again. Validation stays above the
//! transport (the event bus validates on publish and on receipt).

use clacks_runtime::events::is_node_only;
use clacks_runtime::transport::{EventReceiver, RawEvent, EVENT_BUFFER};
use clacks_runtime::Error;
use futures_util::StreamExt;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Connection};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::config::AmqpConfig;
use super::consumers::consume_no_ack;
use super::error::AmqpError;
use super::link::LinkState;
use super::properties::text;
use super::topology::{self, Names};

/// How long a publish waits for a link before it fails.
const LINK_WAIT: Duration = Duration::from_secs(5);

/// How long `subscribe` waits for its queue to be bound before returning anyway.
const BIND_WAIT: Duration = Duration::from_secs(10);

/// One event subscriber.
struct Subscriber {
    names: Vec<String>,
    tx: mpsc::Sender<RawEvent>,
    /// Fired once its queue is bound and consumed, so `subscribe` can promise that nothing
    /// published after it returns is missed.
    ready: Option<oneshot::Sender<()>>,
}

/// A subscriber the session is to start a consumer for.
pub struct NewSubscriber {
    /// Event names (every event when empty).
    pub names: Vec<String>,
    tx: mpsc::Sender<RawEvent>,
    ready: Option<oneshot::Sender<()>>,
}

/// The node's events on the broker: publishing, and the subscribers to serve.
pub struct EventLink {
    config: Arc<AmqpConfig>,
    names: Names,
    link: Arc<LinkState>,
    subscribers: Mutex<Vec<Subscriber>>,
    added: watch::Sender<u64>,
    dropped: AtomicU64,
}

impl EventLink {
    /// The event side of the node of `config`, publishing on `link`.
    pub fn new(config: Arc<AmqpConfig>, link: Arc<LinkState>) -> Self {
        EventLink {
            names: Names::new(&config.domain),
            config,
            link,
            subscribers: Mutex::new(Vec::new()),
            added: watch::channel(0).0,
            dropped: AtomicU64::new(0),
        }
    }

    fn subscribers(&self) -> MutexGuard<'_, Vec<Subscriber>> {
        self.subscribers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Events dropped because a subscriber was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Publishes `xml` as event `name` from `origin`. The broker's confirm is checked in the
    /// background (a refused event is logged): waiting for it inline halves event throughput.
    pub async fn publish(&self, name: &str, origin: &str, xml: &str) -> Result<(), Error> {
        let current = self
            .link
            .wait(Instant::now() + LINK_WAIT)
            .await
            .map_err(|_| {
                Error::transport(
                    "amqp",
                    format!(
                        "cannot publish {name}: not connected to {}",
                        self.config.redacted_url()
                    ),
                )
            })?;
        let props = BasicProperties::default()
            .with_content_type("application/xml".into())
            .with_app_id(origin.into())
            .with_user_id(self.config.user.as_str().into())
            .with_delivery_mode(1);
        let confirm = current
            .channel
            .basic_publish(
                self.names.event_exchange().into(),
                name.into(),
                BasicPublishOptions::default(),
                xml.as_bytes(),
                props,
            )
            .await
            .map_err(|e| Error::transport("amqp", format!("publishing {name} failed: {e}")))?;
        let (node, event) = (self.config.node.clone(), name.to_owned());
        tokio::spawn(async move {
            match confirm.await {
                Ok(lapin::Confirmation::Nack(_)) => {
                    tracing::warn!(node = %node, event = %event, "broker refused an event");
                }
                Err(e) => {
                    tracing::warn!(node = %node, event = %event, error = %e, "event not confirmed")
                }
                Ok(_) => {}
            }
        });
        Ok(())
    }

    /// Subscribes to the events named in `names` (every event when empty). Returns once the
    /// subscriber's queue is bound, or after `BIND_WAIT` while the broker is unreachable (it
    /// starts once connected).
    pub async fn subscribe(&self, names: &[String]) -> EventReceiver {
        let (tx, rx) = mpsc::channel(EVENT_BUFFER);
        let (ready, bound) = oneshot::channel();
        self.subscribers().push(Subscriber {
            names: names.to_vec(),
            tx,
            ready: Some(ready),
        });
        self.added.send_modify(|n| *n += 1);
        if tokio::time::timeout(BIND_WAIT, bound).await.is_err() {
            tracing::warn!(node = %self.config.node, ?names,
                "event subscription not bound yet (broker unreachable?); it starts once connected");
        }
        rx
    }

    /// Follows additions of subscribers (the session starts their consumers).
    pub fn watch_added(&self) -> watch::Receiver<u64> {
        self.added.subscribe()
    }

    /// Live subscribers from position `from` on (all of them after a reconnect), forgetting
    /// those whose receiver is gone; returns them with the position to continue from.
    pub fn take_new(&self, from: usize) -> (Vec<NewSubscriber>, usize) {
        let mut subscribers = self.subscribers();
        let fresh = subscribers
            .iter_mut()
            .skip(from)
            .filter(|s| !s.tx.is_closed())
            .map(|s| NewSubscriber {
                names: s.names.clone(),
                tx: s.tx.clone(),
                ready: s.ready.take(),
            })
            .collect();
        (fresh, subscribers.len())
    }

    /// Consumes `subscriber`'s events on `connection` until the subscriber goes away.
    pub async fn consume_for(
        self: Arc<Self>,
        connection: Arc<Connection>,
        subscriber: NewSubscriber,
    ) -> Result<(), AmqpError> {
        let channel = connection.create_channel().await?;
        let node = &self.config.node;
        let queue = self.names.event_queue(node);
        topology::declare_event_queue(&channel, &self.names, &queue, &subscriber.names).await?;
        let mut consumer = consume_no_ack(&channel, &queue, &format!("{node}.events")).await?;
        if let Some(ready) = subscriber.ready {
            let _ = ready.send(());
        }
        while let Some(delivery) = consumer.next().await {
            let delivery = delivery?;
            let publisher = text(delivery.properties.user_id());
            if is_node_only(delivery.routing_key.as_str())
                && !self.config.may_publish_node_events(publisher)
            {
                // Only nodes emit these; from a caller's account they are forgeries.
                tracing::warn!(node = %node, user = ?publisher, event = %delivery.routing_key,
                    "node-only event from an account that is not a node's; dropped");
                self.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let event = RawEvent {
                name: delivery.routing_key.to_string(),
                xml: Arc::from(String::from_utf8_lossy(&delivery.data).as_ref()),
                origin: text(delivery.properties.app_id()).unwrap_or("").to_owned(),
                checked_by: None,
            };
            match subscriber.tx.try_send(event) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => break,
            }
        }
        let _ = channel.close(200, "subscriber gone".into()).await;
        Ok(())
    }
}
