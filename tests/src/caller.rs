//! A plain AMQP 0-9-1 caller for the multi-process tests, as an application outside Clacks
//! calls a domain: one connection under whatever user its URL names (the deploy caller user,
//! usually), requests published to `D.command` with that `user_id`, replies through RabbitMQ's
//! direct reply-to and matched by `correlation_id`, so any number of calls may be in flight at
//! once. [`Request`] sets what a test needs beyond a plain call: the routing key (`P.NODE` for
//! one node), extra headers (a forged `x-clacks-caller`), another `reply_to`.

use clacks_runtime::call::{unix_millis_now, CallError};
use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

const DIRECT_REPLY_TO: &str = "amq.rabbitmq.reply-to";

type Waiting = Arc<Mutex<HashMap<String, oneshot::Sender<Value>>>>;

/// One caller connection.
pub struct AmqpCaller {
    connection: Connection,
    channel: Channel,
    domain: String,
    user: String,
    waiting: Waiting,
    next: AtomicU64,
}

/// A call beyond the plain one.
#[derive(Default, Clone)]
pub struct Request {
    /// The routing key (default: the method's plugin).
    pub routing_key: Option<String>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// A queue of the test's own instead of direct reply-to (its replies are not awaited).
    pub reply_to: Option<String>,
}

impl AmqpCaller {
    /// Connects to `url` as a caller of `domain`.
    pub async fn connect(url: &str, domain: &str) -> Result<AmqpCaller, lapin::Error> {
        let connection = Connection::connect(
            url,
            ConnectionProperties::default().with_connection_name("test caller".into()),
        )
        .await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let mut replies = channel
            .basic_consume(
                DIRECT_REPLY_TO.into(),
                "test-caller".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await?;
        let waiting: Waiting = Arc::default();
        let dispatch = waiting.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = replies.next().await {
                let Some(id) = delivery.properties.correlation_id().as_ref() else {
                    continue;
                };
                let waiter = dispatch
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(id.as_str());
                if let (Some(waiter), Ok(body)) = (waiter, serde_json::from_slice(&delivery.data)) {
                    let _ = waiter.send(body);
                }
            }
        });
        Ok(AmqpCaller {
            connection,
            channel,
            domain: domain.to_owned(),
            user: clacks_amqp::user_of(url),
            waiting,
            next: AtomicU64::new(0),
        })
    }

    /// True while the connection is up.
    pub fn connected(&self) -> bool {
        self.connection.status().connected()
    }

    /// Calls `method` with `params` on any node that serves it, waiting up to `timeout`.
    pub async fn call(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, CallError> {
        self.call_with(method, params, timeout, &Request::default())
            .await
    }

    /// Calls `method` on node `node` only (routing key `P.NODE`).
    pub async fn call_on(
        &self,
        node: &str,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, CallError> {
        let plugin = method.split('.').next().unwrap_or(method);
        let request = Request {
            routing_key: Some(format!("{plugin}.{node}")),
            ..Request::default()
        };
        self.call_with(method, params, timeout, &request).await
    }

    /// Publishes the call (confirmed) and returns its correlation id, without waiting for a
    /// reply (for calls answered elsewhere, or never).
    pub async fn send(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
        request: &Request,
    ) -> Result<String, CallError> {
        let id = format!(
            "t{}-{}",
            std::process::id(),
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        self.publish(&id, method, params, timeout, request)
            .await
            .map(|()| id)
    }

    async fn publish(
        &self,
        id: &str,
        method: &str,
        params: Value,
        timeout: Duration,
        request: &Request,
    ) -> Result<(), CallError> {
        let plugin = method.split('.').next().unwrap_or(method);
        let deadline = unix_millis_now() + timeout.as_millis() as u64;
        let mut headers = FieldTable::default();
        headers.insert("x-deadline".into(), AMQPValue::LongLongInt(deadline as i64));
        for (name, value) in &request.headers {
            headers.insert(
                name.as_str().into(),
                AMQPValue::LongString(value.as_str().into()),
            );
        }
        let reply_to = request.reply_to.as_deref().unwrap_or(DIRECT_REPLY_TO);
        let props = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_reply_to(reply_to.into())
            .with_correlation_id(id.into())
            .with_user_id(self.user.as_str().into())
            .with_delivery_mode(1)
            .with_expiration(timeout.as_millis().to_string().as_str().into())
            .with_headers(headers);
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let key = request.routing_key.as_deref().unwrap_or(plugin);
        let unavailable = |e: lapin::Error| CallError::unavailable(plugin, format!("publish: {e}"));
        let confirm = self
            .channel
            .basic_publish(
                format!("{}.command", self.domain).as_str().into(),
                key.into(),
                BasicPublishOptions::default(),
                body.to_string().as_bytes(),
                props,
            )
            .await
            .map_err(unavailable)?;
        match confirm.await.map_err(unavailable)? {
            lapin::Confirmation::Nack(_) => Err(CallError::unavailable(
                plugin,
                "the broker refused the call",
            )),
            _ => Ok(()),
        }
    }

    /// Calls as `request` says, waiting up to `timeout` for the reply.
    pub async fn call_with(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
        request: &Request,
    ) -> Result<Value, CallError> {
        let id = format!(
            "t{}-{}",
            std::process::id(),
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        let (tx, rx) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.clone(), tx);
        let sent = self.publish(&id, method, params, timeout, request).await;
        let answer = match sent {
            Ok(()) => tokio::time::timeout(timeout, rx).await,
            Err(e) => {
                self.forget(&id);
                return Err(e);
            }
        };
        self.forget(&id);
        let reply = match answer {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => {
                return Err(CallError::unavailable(
                    method.split('.').next().unwrap_or(method),
                    "the reply consumer ended",
                ))
            }
            Err(_) => return Err(CallError::timeout(method)),
        };
        match reply.get("error") {
            Some(error) => Err(CallError::from_json(error)),
            None => Ok(reply.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    fn forget(&self, id: &str) {
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// A new channel on this connection (for declaring or reading queues).
    pub async fn channel(&self) -> Channel {
        self.connection
            .create_channel()
            .await
            .expect("a channel on the caller's connection")
    }

    /// `queue` as the broker declares it now (message and consumer counts): a passive declare
    /// on a channel of its own, since a failed one closes its channel. `None` when it does not
    /// exist or may not be read by this user.
    pub async fn declared(&self, queue: &str) -> Option<lapin::Queue> {
        let channel = self.connection.create_channel().await.ok()?;
        let options = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let declared = channel
            .queue_declare(queue.into(), options, FieldTable::default())
            .await
            .ok();
        let _ = channel.close(200, "declared".into()).await;
        declared
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = self.connection.close(200, "test done".into()).await;
    }
}
