//! A consumer whose deliveries are handed on from lapin's I/O thread itself (a consumer
//! delegate) instead of through a task that polls the consumer stream.
//!
//! Why: a polled stream costs one more thread switch per message (I/O thread → the polling
//! task's thread → the thread that waits for the message). The reply queue uses it: handing a
//! reply on is a map lookup and a oneshot send that wakes the caller directly, cheap enough for
//! the I/O thread, which must never block. Nothing slower belongs in `on_delivery`.
//!
//! The consumer's end (our own cancel, the broker's cancel, or a channel error) arrives through
//! [`DirectConsumer::ended`], so the session notices a dead consumer as it would a dead stream.

use lapin::message::{Delivery, DeliveryResult};
use lapin::Consumer;
use tokio::sync::mpsc;

/// A consumer whose deliveries go to a callback on lapin's I/O thread.
pub struct DirectConsumer {
    /// Held so the consumer lives (dropping the last handle cancels it).
    _consumer: Consumer,
    ends: mpsc::UnboundedReceiver<Option<lapin::Error>>,
}

impl DirectConsumer {
    /// Hands every delivery of `consumer` to `on_delivery`, on lapin's I/O thread.
    pub fn new<F>(consumer: Consumer, on_delivery: F) -> DirectConsumer
    where
        F: Fn(Delivery) + Send + Sync + 'static,
    {
        let (tx, ends) = mpsc::unbounded_channel();
        consumer.set_delegate(move |result: DeliveryResult| {
            match result {
                Ok(Some(delivery)) => on_delivery(delivery),
                Ok(None) => {
                    let _ = tx.send(None);
                }
                Err(e) => {
                    let _ = tx.send(Some(e));
                }
            }
            std::future::ready(())
        });
        DirectConsumer {
            _consumer: consumer,
            ends,
        }
    }

    /// Waits until the consumer ends: `Ok` when it was cancelled (by us or by the broker),
    /// the error when its channel or connection failed.
    pub async fn ended(&mut self) -> lapin::Result<()> {
        match self.ends.recv().await {
            Some(Some(e)) => Err(e),
            _ => Ok(()),
        }
    }
}
