//! The AMQP names of one domain (DESIGN.md §4) and their declarations. Every name starts with
//! the domain, so one vhost can hold several domains and per-domain permissions are a regex.
//!
//! The shared queues (`D.command.P`, `D.command.dead`) are classic or quorum queues
//! (`amqp.queue_type`). A quorum queue must be durable and can be neither exclusive nor
//! auto-delete (nor take `x-max-priority` on this broker), so the per-connection queues
//! (private, reply, event) stay classic whatever the setting. The crash-count rule needs no
//! change: a quorum queue flags a returned message `redelivered` (and adds `x-delivery-count`)
//! as a classic one flags it, and the rule counts in its own header on a re-published copy.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

use super::error::AmqpError;

/// Names of a domain's exchanges and queues.
#[derive(Debug, Clone)]
pub struct Names {
    domain: String,
}

impl Names {
    /// The domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The names of `domain`.
    pub fn new(domain: &str) -> Self {
        Names {
            domain: domain.to_owned(),
        }
    }

    /// `D.command`: direct exchange for calls.
    pub fn command_exchange(&self) -> String {
        format!("{}.command", self.domain)
    }

    /// `D.event`: topic exchange for events (routing key = event name).
    pub fn event_exchange(&self) -> String {
        format!("{}.event", self.domain)
    }

    /// `D.command.P`: the plugin's shared queue (competing consumers).
    pub fn shared_queue(&self, plugin: &str) -> String {
        format!("{}.command.{plugin}", self.domain)
    }

    /// `D.command.P.NODE`: one node's private queue for the plugin.
    pub fn private_queue(&self, plugin: &str, node: &str) -> String {
        format!("{}.command.{plugin}.{node}", self.domain)
    }

    /// `P.NODE`: the routing key of a private queue.
    pub fn private_key(plugin: &str, node: &str) -> String {
        format!("{plugin}.{node}")
    }

    /// `D.reply.NODE.<uuid>`: one node connection's reply queue.
    pub fn reply_queue(&self, node: &str) -> String {
        format!(
            "{}.reply.{node}.{}",
            self.domain,
            uuid::Uuid::new_v4().simple()
        )
    }

    /// `D.event.NODE.<uuid>`: one subscriber's event queue.
    pub fn event_queue(&self, node: &str) -> String {
        format!(
            "{}.event.{node}.{}",
            self.domain,
            uuid::Uuid::new_v4().simple()
        )
    }

    /// `D.command.dead`: calls that crashed too many deliveries.
    pub fn dead_queue(&self) -> String {
        format!("{}.command.dead", self.domain)
    }
}

/// The arguments of a shared queue: `x-queue-type = quorum` for quorum queues, none for
/// classic ones (the broker's default type).
pub fn shared_arguments(quorum: bool) -> FieldTable {
    let mut arguments = FieldTable::default();
    if quorum {
        arguments.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
    }
    arguments
}

/// Declares durable shared queue `queue` as `amqp.queue_type` says; a queue of that name
/// declared with another type is refused by the broker, and the error says how to fix it.
async fn declare_shared(channel: &Channel, queue: &str, quorum: bool) -> Result<(), AmqpError> {
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            shared_arguments(quorum),
        )
        .await
        .map(|_| ())
        .map_err(|e| {
            let kind = if quorum { "quorum" } else { "classic" };
            AmqpError::from(e).context(format!(
                "declaring {queue} as a {kind} queue (amqp.queue_type); if the broker says its \
                 arguments are inequivalent, the queue exists with another type: stop the \
                 domain's nodes and remove its queues (clacks domain teardown) to change it"
            ))
        })
}

/// Declares the domain's exchanges and dead-letter queue (idempotent).
pub async fn declare_domain(
    channel: &Channel,
    names: &Names,
    quorum: bool,
) -> Result<(), AmqpError> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .exchange_declare(
            names.command_exchange().into(),
            ExchangeKind::Direct,
            durable,
            FieldTable::default(),
        )
        .await?;
    channel
        .exchange_declare(
            names.event_exchange().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await?;
    declare_shared(channel, &names.dead_queue(), quorum).await
}

/// Declares a plugin's shared (durable, classic or quorum) and this node's private
/// (exclusive, auto-delete, classic) queue and binds both to the command exchange.
pub async fn declare_plugin(
    channel: &Channel,
    names: &Names,
    plugin: &str,
    node: &str,
    quorum: bool,
) -> Result<(), AmqpError> {
    let shared = names.shared_queue(plugin);
    declare_shared(channel, &shared, quorum).await?;
    channel
        .queue_bind(
            shared.into(),
            names.command_exchange().into(),
            plugin.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let private = names.private_queue(plugin, node);
    // Exclusive as well as auto-delete: it goes with this node's connection even when the node
    // dies before it ever consumed from it (auto-delete alone needs a first consumer).
    declare_exclusive(channel, &private).await?;
    channel
        .queue_bind(
            private.into(),
            names.command_exchange().into(),
            Names::private_key(plugin, node).into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok(())
}

/// Declares an exclusive, auto-delete queue (one connection's replies or events); an empty
/// name lets the broker choose one (`amq.gen-…`). Returns the queue's name.
pub async fn declare_exclusive(channel: &Channel, queue: &str) -> lapin::Result<String> {
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .map(|q| q.name().to_string())
}

/// Declares an exclusive, auto-delete queue named `queue` (empty: a server-chosen name, all a
/// caller user may create) bound to the event exchange for `names` (every event when empty).
/// Returns the queue's name.
pub async fn declare_event_queue(
    channel: &Channel,
    names: &Names,
    queue: &str,
    events: &[String],
) -> lapin::Result<String> {
    let queue = declare_exclusive(channel, queue).await?;
    let queue = queue.as_str();
    let keys: Vec<String> = if events.is_empty() {
        vec!["#".to_owned()]
    } else {
        events.to_vec()
    };
    for key in keys {
        channel
            .queue_bind(
                queue.into(),
                names.event_exchange().into(),
                key.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(queue.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_design_table() {
        let n = Names::new("org.example");
        assert_eq!(n.command_exchange(), "org.example.command");
        assert_eq!(n.event_exchange(), "org.example.event");
        assert_eq!(n.shared_queue("core"), "org.example.command.core");
        assert_eq!(n.private_queue("core", "n1"), "org.example.command.core.n1");
        assert_eq!(Names::private_key("core", "n1"), "core.n1");
        assert!(n.reply_queue("n1").starts_with("org.example.reply.n1."));
        assert_eq!(n.dead_queue(), "org.example.command.dead");
    }

    #[test]
    fn only_quorum_shared_queues_carry_a_queue_type() {
        assert!(shared_arguments(false).inner().is_empty());
        let quorum = shared_arguments(true);
        assert_eq!(
            quorum.inner().get("x-queue-type"),
            Some(&AMQPValue::LongString("quorum".into()))
        );
    }
}
