//! How a delivery from a plugin queue ends: acked, answered (a reply published to its
//! `reply_to` and confirmed), or published again (hand-back, the redelivery count). Delivery
//! and the redelivery rule both end their messages here, so neither needs the other.

use clacks_runtime::codec::wire;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions};
use lapin::{BasicProperties, PublisherConfirm};
use serde_json::Value;

use super::config::AmqpConfig;
use super::link::LinkState;
use super::properties::{self, text};

/// Acks a delivery; a failed ack is logged (the broker will redeliver the message).
pub async fn ack(delivery: &Delivery) {
    if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
        tracing::warn!(error = %e, "ack failed; the broker will redeliver");
    }
}

/// Publishes the JSON-RPC response `body` to the delivery's `reply_to`, in the request's
/// encoding (JSON for anything unreadable); the confirm to wait for, if it went out.
pub async fn publish_reply(
    config: &AmqpConfig,
    link: &LinkState,
    delivery: &Delivery,
    body: Value,
) -> Option<PublisherConfirm> {
    let reply_to = text(delivery.properties.reply_to())?;
    let Some(current) = link.current() else {
        tracing::warn!(node = %config.node, "no broker link to publish a reply");
        return None;
    };
    let codec = text(delivery.properties.content_type())
        .and_then(wire::for_content_type)
        .unwrap_or(&wire::JsonCodec);
    let props = properties::reply(
        codec.content_type(),
        text(delivery.properties.correlation_id()),
        &config.node,
        &config.user,
    );
    current
        .channel
        .basic_publish(
            "".into(),
            reply_to.into(),
            BasicPublishOptions::default(),
            &codec.encode(&body),
            props,
        )
        .await
        .inspect_err(|e| tracing::warn!(node = %config.node, error = %e, "reply not published"))
        .ok()
}

/// Publishes a reply and waits for the broker's confirm.
pub async fn reply(config: &AmqpConfig, link: &LinkState, delivery: &Delivery, body: Value) {
    if let Some(confirm) = publish_reply(config, link, delivery, body).await {
        if let Err(e) = confirm.await {
            tracing::warn!(node = %config.node, error = %e, "reply not confirmed");
        }
    }
}

/// Waits for the reply's confirm, then acks, on the session's thread next to lapin's own
/// work (acks go through it): the plugin's thread is free for the next call as soon as the
/// reply is out, and the tail costs one thread switch fewer.
pub fn settle(config: &AmqpConfig, link: &LinkState, delivery: Delivery, confirm: Option<PublisherConfirm>) {
    let node = config.node.clone();
    link.spawn_on_session(async move {
        if let Some(confirm) = confirm {
            if let Err(e) = confirm.await {
                tracing::warn!(node = %node, error = %e, "reply not confirmed");
            }
        }
        ack(&delivery).await;
    });
}

/// Publishes `delivery` again to where it came from (exchange and routing key) with `props`,
/// and acks the original once the broker confirmed the copy. False when there is no link, the
/// publish failed or the broker refused it: the original is then still unacked.
pub async fn republish(link: &LinkState, delivery: &Delivery, props: BasicProperties) -> bool {
    let Some(current) = link.current() else {
        return false;
    };
    let again = current
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
    if !matches!(confirm.await, Ok(confirmation) if !confirmation.is_nack()) {
        return false;
    }
    ack(delivery).await;
    true
}

/// Puts a delivery back on its queue for other consumers without counting it as a crash:
/// re-published unchanged (a plain requeue would set `redelivered`, which the redelivery rule
/// reads as a node that died), then acked. If re-publishing fails, the broker requeues it.
pub async fn hand_back(config: &AmqpConfig, link: &LinkState, delivery: &Delivery) {
    tracing::debug!(node = %config.node, routing_key = %delivery.routing_key, "plugin down; handing a delivery back");
    if republish(link, delivery, delivery.properties.clone()).await {
        return;
    }
    let requeue = BasicNackOptions {
        requeue: true,
        ..Default::default()
    };
    if let Err(e) = delivery.acker.nack(requeue).await {
        tracing::warn!(node = %config.node, error = %e, "nack failed; the broker will redeliver");
    }
}
