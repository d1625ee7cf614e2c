//! Per-domain isolation by the broker itself (issue 15, item 5): two domains imported from the
//! deploy/ definitions (`deploy/rabbitmq/domain-definitions.py`) on the local RabbitMQ, each with
//! its own vhost, node user and caller user. One domain's users cannot open the other's vhost,
//! and inside their own vhost cannot publish to, consume from or bind the other domain's
//! exchanges and queues: every attempt ends with the broker's `ACCESS_REFUSED` (or
//! `NOT_ALLOWED` for the vhost), never `NOT_FOUND`: the permission check, not the names'
//! absence, is what stops them. The same operations on the domain's own names succeed, so the
//! refusals are the permissions at work, not a broken setup.

use clacks_amqp::error::is_access_refused;
use clacks_tests::deployed::Deployed;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

async fn connect(url: &str) -> Result<Connection, lapin::Error> {
    Connection::connect(url, ConnectionProperties::default()).await
}

async fn channel(connection: &Connection) -> Channel {
    connection.create_channel().await.expect("a channel")
}

/// Publishes to `exchange` with a confirm: the broker's answer.
async fn publish(connection: &Connection, exchange: &str) -> Result<(), lapin::Error> {
    let channel = channel(connection).await;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    channel
        .basic_publish(
            exchange.into(),
            "core".into(),
            BasicPublishOptions::default(),
            b"{}",
            BasicProperties::default(),
        )
        .await?
        .await?;
    Ok(())
}

/// Consumes from `queue`.
async fn consume(connection: &Connection, queue: &str) -> Result<(), lapin::Error> {
    let channel = channel(connection).await;
    channel
        .basic_consume(
            queue.into(),
            "isolation-test".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map(drop)
}

/// Binds a fresh server-named queue to `exchange`.
async fn bind(connection: &Connection, exchange: &str) -> Result<(), lapin::Error> {
    let channel = channel(connection).await;
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            queue.name().as_str().into(),
            exchange.into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
}

/// `outcome` is the broker's ACCESS_REFUSED naming `resource`.
fn refused(what: &str, outcome: Result<(), lapin::Error>, resource: &str) {
    let error = match outcome {
        Ok(()) => panic!("{what}: the broker allowed it"),
        Err(e) => e,
    };
    let text = error.to_string();
    assert!(
        is_access_refused(&error),
        "{what}: not an access refusal: {text}"
    );
    assert!(
        text.contains("ACCESS_REFUSED") && text.contains(resource) && !text.contains("NOT_FOUND"),
        "{what}: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domains_users_are_refused_by_the_broker_on_another_domains_names() {
    let a = Deployed::on_local("clacks", "isola");
    let b = Deployed::on_local("clacks", "isolb");
    let (da, db) = (a.domain.clone(), b.domain.clone());
    // A node of B runs: its exchanges and command queue exist (declared here as B's node).
    let b_node = connect(&b.node_url())
        .await
        .expect("B's node user connects");
    let setup = channel(&b_node).await;
    setup
        .queue_declare(
            format!("{db}.command.core").as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("B's node declares its command queue");

    for (who, url) in [("node", a.node_url()), ("caller", a.caller_url())] {
        // A's user cannot even open B's vhost.
        let other_vhost = match url.strip_suffix(da.as_str()) {
            Some(head) => format!("{head}{db}"),
            None => panic!("{url} does not end in its vhost {da}"),
        };
        match connect(&other_vhost).await {
            Ok(_) => panic!("A's {who} user opened B's vhost"),
            Err(e) => assert!(is_access_refused(&e), "A's {who} on B's vhost: {e}"),
        }
        let own = connect(&url).await.expect("A's user connects to its vhost");
        // In its own vhost, B's names are refused by permission, before any lookup.
        refused(
            &format!("A's {who} publishing to {db}.command"),
            publish(&own, &format!("{db}.command")).await,
            &format!("{db}.command"),
        );
        refused(
            &format!("A's {who} consuming {db}.command.core"),
            consume(&own, &format!("{db}.command.core")).await,
            &format!("{db}.command.core"),
        );
        refused(
            &format!("A's {who} binding to {db}.event"),
            bind(&own, &format!("{db}.event")).await,
            &format!("{db}.event"),
        );
        // Its own names work (the publish is confirmed, the binding made).
        publish(&own, &format!("{da}.command"))
            .await
            .unwrap_or_else(|e| panic!("A's {who} publishing to its own exchange: {e}"));
        bind(&own, &format!("{da}.event"))
            .await
            .unwrap_or_else(|e| panic!("A's {who} binding to its own exchange: {e}"));
        let _ = own.close(200, "done".into()).await;
    }
    let _ = b_node.close(200, "done".into()).await;
}
