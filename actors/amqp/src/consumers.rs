//! Opening consumers, in the two ways the transport needs: acknowledged (plugin queues: a call
//! is acked only once its reply is confirmed) and no-ack (replies, membership and events, where
//! a lost message costs nothing that a redelivery would fix).

use lapin::options::BasicConsumeOptions;
use lapin::types::FieldTable;
use lapin::{Channel, Consumer};

/// A consumer of `queue` tagged `tag` whose deliveries must be acked.
pub async fn consume_acked(channel: &Channel, queue: &str, tag: &str) -> lapin::Result<Consumer> {
    consume(channel, queue, tag, false).await
}

/// A consumer of `queue` tagged `tag` whose deliveries need no ack.
pub async fn consume_no_ack(channel: &Channel, queue: &str, tag: &str) -> lapin::Result<Consumer> {
    consume(channel, queue, tag, true).await
}

async fn consume(
    channel: &Channel,
    queue: &str,
    tag: &str,
    no_ack: bool,
) -> lapin::Result<Consumer> {
    channel
        .basic_consume(
            queue.into(),
            tag.into(),
            BasicConsumeOptions {
                no_ack,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
}
