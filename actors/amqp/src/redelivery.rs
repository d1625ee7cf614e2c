//! The redelivery rule of PROTOCOL.md: a delivery flagged `redelivered` means a node died
//! with it. Classic queues keep no delivery count, so the count travels in our own header
//! (`x-clacks-deliveries`): the message is re-published with the count raised (and the
//! original acked once the copy is confirmed) until it reaches `amqp.max_deliveries`, then it
//! goes to `D.command.dead` with the reason, and the caller gets an error reply instead of a
//! call that loops for ever. Calls handed back or retried for a refused reply are re-published
//! without the flag, so they never count here.

use clacks_runtime::call::CallError;
use clacks_runtime::codec::json_rpc::{self, RpcRequest};
use lapin::message::Delivery;

use super::config::AmqpConfig;
use super::properties::{self, DELIVERIES};
use super::settle::Settle;
use super::topology::Names;

/// Applies the rule; returns true when the delivery was taken care of by it (re-published,
/// dead-lettered or given back to the broker).
pub async fn redelivery(
    config: &AmqpConfig,
    settle: &Settle,
    delivery: &Delivery,
    request: &RpcRequest,
) -> bool {
    if !delivery.redelivered {
        return false;
    }
    let count = properties::header_u64(&delivery.properties, DELIVERIES).unwrap_or(1) + 1;
    if count <= u64::from(config.max_deliveries) {
        settle.count_delivery(delivery, count).await;
        return true;
    }
    let reason = format!(
        "{} killed the {} nodes that served it; dead-lettered to {}",
        request.call.method,
        count - 1,
        Names::new(&config.domain).dead_queue()
    );
    if settle.dead_letter(delivery, &reason).await {
        if let Some(id) = request.id.clone() {
            let body = json_rpc::response(id, Err(CallError::internal(reason)), &config.node);
            settle.reply_only(delivery, &body).await;
        }
    }
    true
}
