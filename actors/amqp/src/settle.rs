//! How a delivery from a plugin queue ends, and the only place that acks one: answered (a
//! reply published to its `reply_to` and confirmed by the broker, then acked), published
//! again (hand-back, the redelivery count: the copy is confirmed, then the original acked), or
//! dead-lettered (a persistent copy in `D.command.dead`, confirmed, then the original acked).
//! Whatever cannot be confirmed is not acked: it stays with the broker, which delivers it
//! again. Every copy goes out under this node's own `user_id`, naming the original caller.
//!
//! A reply the broker refuses (nack, a failed publish, or no confirm within
//! `amqp.confirm_timeout`) is not a crashed node: it is tried again up to
//! `amqp.reply_attempts` times, then the call is dead-lettered with the reason. It never counts
//! toward `amqp.max_deliveries`.

use clacks_runtime::call::unix_millis_now;
use clacks_runtime::codec::wire;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions};
use lapin::types::AMQPValue;
use lapin::{BasicProperties, Channel, Confirmation, PublisherConfirm};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::config::AmqpConfig;
use super::link::LinkState;
use super::properties::{
    self, text, with_header, Copy, DEAD_AT, DEAD_ID, DEAD_REASON, ORIGIN_EXCHANGE, ORIGIN_KEY,
};
use super::topology::Names;

/// What operators see of the settling side in `/metrics`.
#[derive(Debug, Default)]
pub struct SettleCounters {
    /// Deliveries handed back to their queue (plugin down, shutting down).
    pub hand_backs: AtomicU64,
    /// Calls published again with a raised delivery count (a node died with them).
    pub republished: AtomicU64,
    /// Reply publishes the broker refused (or never confirmed).
    pub replies_refused: AtomicU64,
    /// Calls moved to `D.command.dead`.
    pub dead_lettered: AtomicU64,
}

impl SettleCounters {
    /// (metric name, help, value) of each counter.
    pub fn metrics(&self) -> Vec<(&'static str, &'static str, u64)> {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        vec![
            (
                "clacks_amqp_hand_backs_total",
                "Calls handed back to their queue unprocessed.",
                get(&self.hand_backs),
            ),
            (
                "clacks_amqp_republished_total",
                "Calls published again after a node died with them.",
                get(&self.republished),
            ),
            (
                "clacks_amqp_replies_refused_total",
                "Reply publishes the broker refused or did not confirm.",
                get(&self.replies_refused),
            ),
            (
                "clacks_amqp_dead_letters_total",
                "Calls moved to D.command.dead.",
                get(&self.dead_lettered),
            ),
        ]
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Ends deliveries for one node.
pub struct Settle {
    config: Arc<AmqpConfig>,
    link: Arc<LinkState>,
    names: Names,
    /// The counters `/metrics` shows.
    pub counters: SettleCounters,
    /// Deliveries taken and not yet settled (acked or given back): a clean shutdown waits
    /// for this to reach zero before it closes the connection.
    in_service: Arc<AtomicU64>,
}

/// Counts one delivery as in service until dropped (a drop guard, so no path can forget).
pub struct InService(Arc<AtomicU64>);

impl Drop for InService {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Why a publish did not end in a positive confirm.
type Refusal = String;

impl Settle {
    /// Settling for the node of `config`, publishing on `link`.
    pub fn new(config: Arc<AmqpConfig>, link: Arc<LinkState>) -> Self {
        Settle {
            names: Names::new(&config.domain),
            config,
            link,
            counters: SettleCounters::default(),
            in_service: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Counts a delivery as in service until the returned guard is dropped.
    pub fn begin(&self) -> InService {
        self.in_service.fetch_add(1, Ordering::AcqRel);
        InService(self.in_service.clone())
    }

    /// Waits until no delivery is in service, or `timeout` passed; true when none is.
    pub async fn idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.in_service.load(Ordering::Acquire) > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// Acks `delivery` straight on `channel`, the channel it came from: the frame goes to
    /// lapin's I/O thread from this one. [`ack`](Self::ack) goes through lapin's internal RPC,
    /// a task on the connection's runtime (the session's thread), which costs that thread two
    /// wake-ups per ack. A failed ack is logged (the broker will deliver the call again).
    pub async fn ack_on(&self, channel: &Channel, delivery: &Delivery) {
        let ack = channel.basic_ack(delivery.delivery_tag, BasicAckOptions::default());
        if let Err(e) = ack.await {
            tracing::warn!(node = %self.config.node, error = %e, "ack failed; the broker will redeliver");
        }
    }

    /// Acks a delivery; a failed ack is logged (the broker will deliver it again).
    pub async fn ack(&self, delivery: &Delivery) {
        if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
            tracing::warn!(node = %self.config.node, error = %e, "ack failed; the broker will redeliver");
        }
    }

    /// Gives a delivery back to the broker unacked, to be delivered again (flagged
    /// `redelivered`): for what could not be settled here.
    async fn requeue(&self, delivery: &Delivery) {
        let again = BasicNackOptions {
            requeue: true,
            ..Default::default()
        };
        if let Err(e) = delivery.acker.nack(again).await {
            tracing::warn!(node = %self.config.node, error = %e, "nack failed; the broker will redeliver");
        }
    }

    /// Waits for `confirm` (at most `amqp.confirm_timeout`): `Ok` for a positive one.
    async fn confirmed(&self, confirm: PublisherConfirm) -> Result<(), Refusal> {
        match tokio::time::timeout(self.config.confirm_timeout, confirm).await {
            Ok(Ok(Confirmation::Nack(_))) => Err("the broker refused it (nack)".to_owned()),
            Ok(Ok(Confirmation::Ack(Some(returned)))) => {
                Err(format!("the broker returned it: {}", returned.reply_text))
            }
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("not confirmed: {e}")),
            Err(_) => Err(format!(
                "no confirm within {:.1} s (amqp.confirm_timeout)",
                self.config.confirm_timeout.as_secs_f64()
            )),
        }
    }

    /// Publishes `body` with `props` to `exchange`/`key` and waits for the broker's confirm.
    async fn publish_confirmed(
        &self,
        exchange: &str,
        key: &str,
        body: &[u8],
        props: BasicProperties,
    ) -> Result<(), Refusal> {
        let Some(current) = self.link.current() else {
            return Err("no link to the broker".to_owned());
        };
        let confirm = current
            .channel
            .basic_publish(
                exchange.into(),
                key.into(),
                BasicPublishOptions::default(),
                body,
                props,
            )
            .await
            .map_err(|e| format!("publish failed: {e}"))?;
        self.confirmed(confirm).await
    }

    /// Publishes the reply `body` to the delivery's `reply_to`, in the request's encoding
    /// (JSON for anything unreadable); the confirm to wait for.
    async fn publish_reply(
        &self,
        delivery: &Delivery,
        body: &Value,
    ) -> Result<PublisherConfirm, Refusal> {
        let reply_to = text(delivery.properties.reply_to()).ok_or("the call has no reply_to")?;
        let current = self.link.current().ok_or("no link to the broker")?;
        let codec = text(delivery.properties.content_type())
            .and_then(wire::for_content_type)
            .unwrap_or(&wire::JsonCodec);
        let props = properties::reply(
            codec.content_type(),
            text(delivery.properties.correlation_id()),
            &self.config.node,
            &self.config.user,
        );
        current
            .channel
            .basic_publish(
                "".into(),
                reply_to.into(),
                BasicPublishOptions::default(),
                &codec.encode(body),
                props,
            )
            .await
            .map_err(|e| format!("publish failed: {e}"))
    }

    /// Answers `delivery`, taken from `channel`, with `body`: the reply is published and
    /// confirmed, then the delivery acked, all in the serving task (on the plugin's thread,
    /// where the reply was made: the confirm and the ack's write wake that thread and no
    /// other). A refused reply is tried again, then the call is dead-lettered; the delivery is
    /// acked only once one of them is confirmed.
    pub async fn answer(
        &self,
        channel: &Channel,
        delivery: Delivery,
        body: Value,
        in_service: InService,
    ) {
        let _in_service = in_service;
        let mut attempt = 1;
        let mut outcome = self.reply_confirmed(&delivery, &body).await;
        while let Err(refusal) = &outcome {
            bump(&self.counters.replies_refused);
            tracing::warn!(node = %self.config.node, attempt, error = %refusal, "reply refused");
            if attempt >= self.config.reply_attempts {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            attempt += 1;
            outcome = self.reply_confirmed(&delivery, &body).await;
        }
        match outcome {
            Ok(()) => self.ack_on(channel, &delivery).await,
            Err(refusal) => {
                let to = text(delivery.properties.reply_to()).unwrap_or("(none)");
                let reason = format!("its reply to {to} was refused {attempt} times: {refusal}");
                self.dead_letter(&delivery, &reason).await;
            }
        }
    }

    /// Publishes the reply `body` to the delivery's `reply_to` and waits for its confirm.
    async fn reply_confirmed(&self, delivery: &Delivery, body: &Value) -> Result<(), Refusal> {
        let confirm = self.publish_reply(delivery, body).await?;
        self.confirmed(confirm).await
    }

    /// Publishes a copy of `delivery` where it came from, with `headers`, under this node's
    /// user; acks the original once the copy is confirmed. False (original not acked) when
    /// the copy could not be published or was not confirmed.
    pub async fn republish(&self, delivery: &Delivery, headers: lapin::types::FieldTable) -> bool {
        let props = properties::copy_of(&delivery.properties, &self.config, headers, Copy::Requeue);
        let exchange = delivery.exchange.as_str();
        let key = delivery.routing_key.as_str();
        match self
            .publish_confirmed(exchange, key, &delivery.data, props)
            .await
        {
            Ok(()) => {
                self.ack(delivery).await;
                true
            }
            Err(refusal) => {
                tracing::warn!(node = %self.config.node, error = %refusal, "re-published call not confirmed");
                false
            }
        }
    }

    /// Publishes `delivery` again with its delivery count raised to `count` (a node died with
    /// it); the original is acked once the copy is confirmed, else given back to the broker.
    pub async fn count_delivery(&self, delivery: &Delivery, count: u64) {
        let headers = with_header(
            delivery.properties.headers().as_ref(),
            properties::DELIVERIES,
            AMQPValue::LongLongInt(count as i64),
        );
        if self.republish(delivery, headers).await {
            bump(&self.counters.republished);
        } else {
            self.requeue(delivery).await;
        }
    }

    /// Puts a delivery back on its queue for other consumers without counting it as a crash:
    /// re-published unchanged but for the identity headers (a plain requeue would set
    /// `redelivered`, which the redelivery rule reads as a node that died), then acked. If
    /// that fails, the broker requeues it.
    pub async fn hand_back(&self, delivery: &Delivery) {
        tracing::debug!(node = %self.config.node, routing_key = %delivery.routing_key, "handing a delivery back");
        let headers = delivery.properties.headers().clone().unwrap_or_default();
        if self.republish(delivery, headers).await {
            bump(&self.counters.hand_backs);
        } else {
            self.requeue(delivery).await;
        }
    }

    /// Moves `delivery` to `D.command.dead` with `reason` (a persistent copy that never
    /// expires, naming where it came from) and acks it once the copy is confirmed; if the copy
    /// cannot be confirmed, the original goes back to the broker. True when dead-lettered.
    pub async fn dead_letter(&self, delivery: &Delivery, reason: &str) -> bool {
        let mut headers = delivery.properties.headers().clone().unwrap_or_default();
        for (name, value) in [
            (DEAD_REASON, reason),
            (ORIGIN_EXCHANGE, delivery.exchange.as_str()),
            (ORIGIN_KEY, delivery.routing_key.as_str()),
        ] {
            headers.insert(name.into(), AMQPValue::LongString(value.into()));
        }
        headers.insert(
            DEAD_AT.into(),
            AMQPValue::LongLongInt(unix_millis_now() as i64),
        );
        let id = uuid::Uuid::new_v4().simple().to_string();
        headers.insert(DEAD_ID.into(), AMQPValue::LongString(id.as_str().into()));
        let props = properties::copy_of(
            &delivery.properties,
            &self.config,
            headers,
            Copy::DeadLetter,
        );
        let dead_queue = self.names.dead_queue();
        match self
            .publish_confirmed("", &dead_queue, &delivery.data, props)
            .await
        {
            Ok(()) => {
                bump(&self.counters.dead_lettered);
                tracing::error!(node = %self.config.node, routing_key = %delivery.routing_key, reason, "call dead-lettered");
                self.ack(delivery).await;
                true
            }
            Err(refusal) => {
                tracing::error!(node = %self.config.node, error = %refusal, "dead letter not confirmed; the call goes back to the broker");
                self.requeue(delivery).await;
                false
            }
        }
    }

    /// Publishes the reply `body` and waits for its confirm, without acking (the redelivery
    /// rule answers a dead-lettered call's caller this way).
    pub async fn reply_only(&self, delivery: &Delivery, body: &Value) {
        let outcome = match self.publish_reply(delivery, body).await {
            Ok(confirm) => self.confirmed(confirm).await,
            Err(refusal) => Err(refusal),
        };
        if let Err(refusal) = outcome {
            tracing::warn!(node = %self.config.node, error = %refusal, "reply not confirmed");
        }
    }
}
