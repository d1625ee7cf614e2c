//! `D.command.dead` for operators: list the calls the domain gave up on without taking them
//! off the queue, and replay chosen ones as new calls. Both read the queue with `basic.get` on
//! a channel of their own and never ack what they only look at: closing that channel hands
//! every message looked at back to the queue.

use clacks_runtime::call::unix_millis_now;
use clacks_runtime::transport::DeadLetter;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicGetOptions, BasicPublishOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::Channel;
use serde_json::Value;

use super::error::{AmqpError, AmqpErrorKind};
use super::properties::{
    self, header_text, header_u64, text, Copy, CALLER, DEADLINE, DEAD_AT, DEAD_ID, DEAD_REASON,
    DELIVERIES, ORIGIN_EXCHANGE, ORIGIN_KEY,
};
use super::state::NodeState;

/// Headers a dead letter carries that a replayed call must not.
const DEAD_HEADERS: [&str; 7] = [
    DEAD_REASON,
    DEAD_ID,
    DEAD_AT,
    ORIGIN_EXCHANGE,
    ORIGIN_KEY,
    DELIVERIES,
    DEADLINE,
];

async fn reader(state: &NodeState) -> Result<Channel, AmqpError> {
    let link = state
        .link
        .current()
        .ok_or_else(|| AmqpError::new(AmqpErrorKind::Ended("the link to the broker")))?;
    Ok(link.connection.create_channel().await?)
}

/// The next message of the dead-letter queue, unacked; `None` once it is empty.
async fn next(state: &NodeState, channel: &Channel) -> Result<Option<Delivery>, AmqpError> {
    let queue = state.names.dead_queue();
    let got = channel
        .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
        .await?;
    Ok(got.map(|message| message.delivery))
}

/// What operators see of one dead letter.
fn describe(delivery: &Delivery) -> DeadLetter {
    let props = &delivery.properties;
    let request = serde_json::from_slice::<Value>(&delivery.data)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&delivery.data).into_owned()));
    DeadLetter {
        id: header_text(props, DEAD_ID)
            .map(|id| id.into_owned())
            .unwrap_or_else(|| format!("tag-{}", delivery.delivery_tag)),
        method: request
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_owned),
        request,
        caller: header_text(props, CALLER)
            .map(|c| c.into_owned())
            .or_else(|| text(props.user_id()).map(str::to_owned)),
        reason: header_text(props, DEAD_REASON)
            .map(|r| r.into_owned())
            .unwrap_or_else(|| "no reason recorded".to_owned()),
        routing_key: header_text(props, ORIGIN_KEY).map(|k| k.into_owned()),
        dead_at_ms: header_u64(props, DEAD_AT),
    }
}

/// Up to `limit` dead letters, oldest first; the queue keeps them all.
pub async fn list(state: &NodeState, limit: usize) -> Result<Vec<DeadLetter>, AmqpError> {
    let channel = reader(state).await?;
    let mut found = Vec::new();
    while found.len() < limit {
        match next(state, &channel).await? {
            Some(delivery) => found.push(describe(&delivery)),
            None => break,
        }
    }
    // Closing the channel puts back everything looked at, unacked.
    let _ = channel.close(200, "dead letters listed".into()).await;
    Ok(found)
}

/// Publishes the dead letters with these ids again where they were first published, as new
/// calls: a deadline of `[calls] timeout` from now, no crash count, under this node's user
/// naming the original caller. Each is taken off the dead-letter queue once its copy is
/// confirmed. Returns the ids replayed.
pub async fn replay(state: &NodeState, ids: &[String]) -> Result<Vec<String>, AmqpError> {
    let channel = reader(state).await?;
    let mut replayed = Vec::new();
    while replayed.len() < ids.len() {
        let Some(delivery) = next(state, &channel).await? else {
            break;
        };
        let letter = describe(&delivery);
        if !ids.contains(&letter.id) {
            continue;
        }
        if publish_again(state, &delivery).await? {
            delivery
                .acker
                .ack(BasicAckOptions::default())
                .await
                .map_err(|e| AmqpError::from(e).context("taking a replayed call off the queue"))?;
            tracing::info!(node = %state.config.node, id = %letter.id, method = ?letter.method, "dead letter replayed");
            replayed.push(letter.id);
        }
    }
    let _ = channel.close(200, "dead letters replayed".into()).await;
    Ok(replayed)
}

/// Publishes one dead letter as a new call; true once the broker confirmed it.
async fn publish_again(state: &NodeState, delivery: &Delivery) -> Result<bool, AmqpError> {
    let props = &delivery.properties;
    let exchange = header_text(props, ORIGIN_EXCHANGE)
        .map(|e| e.into_owned())
        .unwrap_or_else(|| state.names.command_exchange());
    let Some(key) = header_text(props, ORIGIN_KEY).map(|k| k.into_owned()) else {
        tracing::warn!(node = %state.config.node, "dead letter without its routing key; not replayed");
        return Ok(false);
    };
    let mut headers = FieldTable::default();
    for (name, value) in props.headers().clone().unwrap_or_default().inner() {
        if !DEAD_HEADERS.contains(&name.as_str()) {
            headers.insert(name.clone(), value.clone());
        }
    }
    let timeout_ms = state.config.default_timeout.as_millis() as u64;
    let deadline = unix_millis_now() + timeout_ms;
    headers.insert(DEADLINE.into(), AMQPValue::LongLongInt(deadline as i64));
    let copy = properties::copy_of(props, &state.config, headers, Copy::Requeue);
    let link = state
        .link
        .current()
        .ok_or_else(|| AmqpError::new(AmqpErrorKind::Ended("the link to the broker")))?;
    let confirm = link
        .channel
        .basic_publish(
            exchange.as_str().into(),
            key.as_str().into(),
            BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            },
            &delivery.data,
            copy,
        )
        .await?;
    let confirmed = tokio::time::timeout(state.config.confirm_timeout, confirm).await;
    Ok(matches!(confirmed, Ok(Ok(lapin::Confirmation::Ack(None)))))
}
