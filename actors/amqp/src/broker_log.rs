//! The broker's refusals as the domain's `Audit` events (`amqp.broker_log_url`). RabbitMQ
//! refuses a forged `user_id`, another domain's account in the domain's vhost or a wrong
//! password between itself and the client: no node sees it. With `log.exchange = true` the
//! broker publishes its log to `amq.rabbitmq.log` in the default vhost (routing key the
//! level); a node with a log account reads it from `clacks.D.broker-log`, a queue shared by the
//! domain's nodes (competing consumers: each log message becomes one event, not one per node),
//! keeps the refusals that concern its domain ([`line`](mod@line): its vhost, or one of its accounts) and
//! publishes each through the node's audit sink: user the account refused, topic `D.broker`,
//! decision denied, entry the reason word and the broker's words.
//!
//! The relay never holds the node up: it runs beside the session on its own connection, a
//! lost or refused connection is logged and retried with the session's back-off, and a
//! message it cannot read is acked and dropped.
//!
//! ```text
//! run: wait for the local node (its audit sink) → loop { relay → on end: log, back off }
//! relay: connect (log account) → declare clacks.D.broker-log, bind to amq.rabbitmq.log #
//!        → consume (acked) → parse → concerns D? → audit → ack
//! ```

pub mod line;

use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicQosOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::ConnectionProperties;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clacks_runtime::acl::Rights;
use clacks_runtime::plugin::{AuditRecord, AuditSink};

use super::config::{redact, BrokerLogAccount};
use super::consumers::consume_acked;
use super::error::{AmqpError, AmqpErrorKind};
use super::state::NodeState;
use line::Refusal;

/// The exchange RabbitMQ publishes its log to (default vhost).
pub const LOG_EXCHANGE: &str = "amq.rabbitmq.log";

/// Log messages the shared queue keeps while no node reads it (the oldest go first).
const QUEUE_MAX_LENGTH: i64 = 10_000;

/// How long the shared queue outlives its last consumer, in milliseconds (one day).
const QUEUE_EXPIRES_MS: i64 = 24 * 3600 * 1000;

/// Log messages one node takes unacked at once.
const PREFETCH: u16 = 64;

/// `clacks.D.broker-log`: the queue the nodes of domain `domain` share.
pub fn queue_name(domain: &str) -> String {
    format!("clacks.{domain}.broker-log")
}

/// What the relay audits for: the domain, its vhost and its accounts.
#[derive(Debug, Clone)]
pub struct Domain {
    /// The domain (and its vhost, as deploy/ names it).
    pub name: String,
    /// Its accounts: `D-node`, `D-caller`, `amqp.node_users` and this node's own.
    pub users: Vec<String>,
}

impl Domain {
    /// The audit record of `refusal`, when it concerns this domain.
    pub fn record(&self, refusal: &Refusal) -> Option<AuditRecord> {
        if !refusal.concerns(&self.name, &self.users) {
            return None;
        }
        Some(AuditRecord {
            user: refusal.user.clone().unwrap_or_else(|| "-".to_owned()),
            topic: format!("{}.broker", self.name),
            rights: Rights::parse(refusal.right(), "a broker refusal").unwrap_or(Rights::EXECUTE),
            allowed: false,
            entry: Some(format!("{}: {}", refusal.reason, refusal.text)),
        })
    }
}

/// Relays the broker's refusals until the node leaves; returns at once without a log account.
pub async fn run(state: Arc<NodeState>) {
    let Some(account) = state.config.broker_log.clone() else {
        return;
    };
    let config = &state.config;
    let Some(audit) = audit_sink(&state).await else {
        return;
    };
    let mut users = vec![
        format!("{}-node", config.domain),
        format!("{}-caller", config.domain),
        config.user.clone(),
    ];
    users.extend(config.node_users.iter().cloned());
    users.sort();
    users.dedup();
    let domain = Domain {
        name: config.domain.clone(),
        users,
    };
    let mut backoff = config.reconnect_min;
    loop {
        let started = Instant::now();
        // Leaving ends the relay (connected, it closes its connection first).
        let outcome = relay(&state, &account, &domain, &audit).await;
        if state.link.leaving() {
            return;
        }
        if started.elapsed() > Duration::from_secs(10) {
            backoff = config.reconnect_min;
        }
        let error = match outcome {
            Ok(()) => "the log consumer ended".to_owned(),
            Err(e) => e.to_string(),
        };
        tracing::warn!(node = %config.node, url = %redact(&account.url), error = %error,
            retry_in_ms = backoff.as_millis() as u64,
            "broker log relay lost; reconnecting (refusals wait in the shared queue meanwhile)");
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = state.link.leave_requested() => return,
        }
        backoff = (backoff * 2).min(config.reconnect_max.max(Duration::from_secs(30)));
    }
}

/// The local node's audit sink, once it attaches (`None` if it never does).
async fn audit_sink(state: &NodeState) -> Option<AuditSink> {
    let mut local = state.local.subscribe();
    loop {
        if let Some(node) = local.borrow_and_update().as_ref() {
            return Some(node.audit.clone());
        }
        local.changed().await.ok()?;
    }
}

/// One connection's worth of relaying: returns when the connection or its consumer ends.
async fn relay(
    state: &NodeState,
    account: &BrokerLogAccount,
    domain: &Domain,
    audit: &AuditSink,
) -> Result<(), AmqpError> {
    let config = &state.config;
    let props = ConnectionProperties::default().with_connection_name(
        format!("clacks {} {} broker-log", config.domain, config.node).into(),
    );
    let url = config.connection_url(&account.url);
    let connect = account.security.connect(&url, props);
    let connected = tokio::select! {
        connected = tokio::time::timeout(config.connect_timeout(), connect) => connected,
        () = state.link.leave_requested() => return Ok(()),
    };
    let connection = connected
        .map_err(|_| AmqpError::new(AmqpErrorKind::Ended("the log connection (timed out)")))?
        .map_err(|e| {
            AmqpError::from(e).context(format!("log account at {}", redact(&account.url)))
        })?;
    let channel = connection.create_channel().await?;
    channel
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await?;
    let queue = queue_name(&domain.name);
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-max-length".into(),
        AMQPValue::LongLongInt(QUEUE_MAX_LENGTH),
    );
    arguments.insert("x-expires".into(), AMQPValue::LongLongInt(QUEUE_EXPIRES_MS));
    let durable = QueueDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .queue_declare(queue.as_str().into(), durable, arguments)
        .await
        .map_err(|e| AmqpError::from(e).context(format!("declaring {queue}")))?;
    channel
        .queue_bind(
            queue.as_str().into(),
            LOG_EXCHANGE.into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| AmqpError::from(e).context(format!("binding {queue} to {LOG_EXCHANGE}")))?;
    let tag = format!("{}.broker-log", config.node);
    let mut consumer = consume_acked(&channel, &queue, &tag).await?;
    tracing::info!(node = %config.node, queue = %queue, url = %redact(&account.url),
        "relaying the broker's refusals as Audit events");
    loop {
        let delivery = tokio::select! {
            next = consumer.next() => match next {
                Some(delivery) => delivery?,
                None => break,
            },
            () = state.link.leave_requested() => break,
        };
        if let Some(record) = line::parse(&delivery.data).and_then(|r| domain.record(&r)) {
            tracing::warn!(node = %config.node, user = %record.user, topic = %record.topic,
                entry = record.entry.as_deref().unwrap_or(""), "the broker refused an account of the domain");
            audit(record);
        }
        delivery.ack(BasicAckOptions::default()).await?;
    }
    let _ = connection.close(200, "node leaving".into()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(name: &str) -> Domain {
        Domain {
            name: name.to_owned(),
            users: vec![format!("{name}-node"), format!("{name}-caller")],
        }
    }

    const FORGED: &str = "2026-12-01 17:07:05.244673+00:00 [error] <0.858.0> Channel error on connection <0.851.0> (127.0.0.1:35662 -> 127.0.0.1:27311, vhost: 'a', user: 'a-caller'), channel 1:\n\
        2026-12-01 17:07:05.244673+00:00 [error] <0.858.0> operation basic.publish caused a channel exception precondition_failed: user_id property set to 'a-node' but authenticated user was 'a-caller'";

    #[test]
    fn a_refusal_of_the_domain_becomes_a_denied_record_on_d_broker() {
        let refusal = line::parse(FORGED.as_bytes()).unwrap();
        let record = domain("a").record(&refusal).unwrap();
        assert_eq!(record.user, "a-caller");
        assert_eq!(record.topic, "a.broker");
        assert!(!record.allowed);
        assert_eq!(record.rights, Rights::WRITE);
        let entry = record.entry.unwrap();
        assert!(
            entry.starts_with("forged_user_id: Channel error"),
            "{entry}"
        );
        assert!(
            entry.contains("authenticated user was 'a-caller'"),
            "{entry}"
        );
        assert!(domain("ab").record(&refusal).is_none());
    }

    #[test]
    fn the_queue_is_named_after_the_domain_outside_its_names() {
        assert_eq!(queue_name("org.clacks"), "clacks.org.clacks.broker-log");
    }
}
