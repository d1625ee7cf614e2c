//! Events over the domain's topic exchange `D.event`: publishing with the event name as the
//! routing key, and one exclusive queue per subscriber bound by event names. Delivery into the
//! node is lossy under overload (a full subscriber drops and counts), never unbounded.

use clacks_runtime::transport::{EventReceiver, RawEvent, EVENT_BUFFER};
use clacks_runtime::Error;
use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

use super::properties::text;
use super::session::SessionError;
use super::shared::{Shared, Subscriber};
use super::topology;

/// How long a publish waits for a broker link before failing.
const LINK_WAIT: Duration = Duration::from_secs(5);

/// Publishes `xml` as event `name` (confirmed by the broker).
pub async fn publish(shared: &Shared, name: &str, origin: &str, xml: &str) -> Result<(), Error> {
    let mut link = shared.link.subscribe();
    let current = loop {
        if let Some(current) = link.borrow_and_update().clone() {
            break current;
        }
        match tokio::time::timeout(LINK_WAIT, link.changed()).await {
            Ok(Ok(())) => {}
            _ => {
                return Err(Error::transport(
                    "amqp",
                    format!(
                        "cannot publish {name}: not connected to {}",
                        shared.config.redacted_url()
                    ),
                ))
            }
        }
    };
    let props = BasicProperties::default()
        .with_content_type("application/xml".into())
        .with_app_id(origin.into())
        .with_user_id(shared.config.user.as_str().into())
        .with_delivery_mode(1);
    let confirm = current
        .channel
        .basic_publish(
            shared.names.event_exchange().into(),
            name.into(),
            BasicPublishOptions::default(),
            xml.as_bytes(),
            props,
        )
        .await
        .map_err(|e| Error::transport("amqp", format!("publishing {name} failed: {e}")))?;
    // The frame is out; waiting here for the broker's confirm would cap a publisher at one
    // event per round trip. A refusal is still noticed, logged and counted.
    let (node, event) = (shared.config.node.clone(), name.to_owned());
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

/// How long `subscribe` waits for its queue to be bound before returning anyway (the consumer
/// still starts once the broker is reachable).
const BIND_WAIT: Duration = Duration::from_secs(10);

/// Registers a subscriber; the session starts (and after a reconnect restarts) its consumer.
/// Resolves once the subscriber's queue is bound and consumed.
pub async fn subscribe(shared: &Shared, names: &[String]) -> EventReceiver {
    let (tx, rx) = mpsc::channel(EVENT_BUFFER);
    let (ready, bound) = tokio::sync::oneshot::channel();
    shared.subscribers().push(Subscriber {
        names: names.to_vec(),
        tx,
        ready: Some(ready),
    });
    shared.new_subscribers.send_modify(|n| *n += 1);
    if tokio::time::timeout(BIND_WAIT, bound).await.is_err() {
        tracing::warn!(node = %shared.config.node, ?names,
            "event subscription not bound yet (broker unreachable?); it starts once connected");
    }
    rx
}

/// Consumes one subscriber's queue into its channel until the subscriber goes away.
pub async fn consume_for(
    shared: Arc<Shared>,
    connection: Arc<Connection>,
    names: Vec<String>,
    tx: mpsc::Sender<RawEvent>,
    ready: Option<tokio::sync::oneshot::Sender<()>>,
) -> Result<(), SessionError> {
    let channel = connection.create_channel().await?;
    let queue = shared.names.event_queue(&shared.config.node);
    topology::declare_event_queue(&channel, &shared.names, &queue, &names).await?;
    let mut consumer = channel
        .basic_consume(
            queue.as_str().into(),
            format!("{}.events", shared.config.node).as_str().into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
    if let Some(ready) = ready {
        let _ = ready.send(());
    }
    while let Some(delivery) = consumer.next().await {
        let delivery = delivery?;
        let event = RawEvent {
            name: delivery.routing_key.to_string(),
            xml: Arc::from(String::from_utf8_lossy(&delivery.data).as_ref()),
            origin: text(delivery.properties.app_id()).unwrap_or("").to_owned(),
            checked_by: None,
        };
        match tx.try_send(event) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => break,
        }
    }
    let _ = channel.close(200, "subscriber gone".into()).await;
    Ok(())
}
