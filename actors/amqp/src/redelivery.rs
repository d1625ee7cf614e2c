//! The redelivery rule of PROTOCOL.md: a delivery flagged `redelivered` means a node died
//! with it. Classic queues keep no delivery count, so the count travels in our own header
//! (`x-clacks-deliveries`): the message is re-published with the count raised (and the
//! original acked) until it reaches the limit, then it goes to `D.command.dead` with the reason,
//! and the caller gets an error reply instead of a call that loops for ever.

use clacks_runtime::call::CallError;
use clacks_runtime::codec::json_rpc::{self, RpcRequest};
use lapin::message::Delivery;
use lapin::options::BasicPublishOptions;
use lapin::types::AMQPValue;

use super::config::AmqpConfig;
use super::link::LinkState;
use super::properties::{self, with_header, DEAD_REASON, DELIVERIES};
use super::settle::{ack, reply, republish};
use super::topology::Names;

/// Applies the rule; returns true when the delivery was consumed by it (re-published or
/// dead-lettered, and acked).
pub async fn redelivery(
    config: &AmqpConfig,
    link: &LinkState,
    delivery: &Delivery,
    request: &RpcRequest,
) -> bool {
    if !delivery.redelivered {
        return false;
    }
    let Some(current) = link.current() else {
        return false;
    };
    let names = Names::new(&config.domain);
    let count = properties::header_u64(&delivery.properties, DELIVERIES).unwrap_or(1) + 1;
    let headers = delivery.properties.headers().as_ref();
    if count > u64::from(config.max_deliveries) {
        let reason = format!(
            "{} killed the {} nodes that served it; dead-lettered to {}",
            request.call.method,
            count - 1,
            names.dead_queue()
        );
        tracing::error!(node = %config.node, method = %request.call.method, count, "dead-lettering call");
        let props = delivery.properties.clone().with_headers(with_header(
            headers,
            DEAD_REASON,
            AMQPValue::LongString(reason.as_str().into()),
        ));
        let dead = current
            .channel
            .basic_publish(
                "".into(),
                names.dead_queue().into(),
                BasicPublishOptions::default(),
                &delivery.data,
                props,
            )
            .await;
        if let Ok(confirm) = dead {
            let _ = confirm.await;
        }
        if let Some(id) = request.id.clone() {
            let error = CallError::internal(reason);
            let body = json_rpc::response(id, Err(error), &config.node);
            reply(config, link, delivery, body).await;
        }
        ack(delivery).await;
        return true;
    }
    let props = delivery.properties.clone().with_headers(with_header(
        headers,
        DELIVERIES,
        AMQPValue::LongLongInt(count as i64),
    ));
    republish(link, delivery, props).await
}
