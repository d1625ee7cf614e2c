//! The CLI's broker-side administration as an operator uses it on the real RabbitMQ: calls the
//! domain cannot serve are refused at once with the same codes as over HTTP (an unknown
//! method -32601; an unknown node, or a node without the plugin, -32002 saying which),
//! `clacks dead-letters list|replay` on `D.command.dead`, and `clacks domain teardown`, which
//! refuses while a node serves and then removes what outlives the nodes.

use clacks_tests::amqp::broker_url;
use clacks_tests::process::NodeProcess;
use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use std::time::Duration;

use super::{clacks, stderr, stdout, BIN};

fn node(domain: &str, name: &str) -> NodeProcess {
    NodeProcess::start(
        BIN,
        name,
        &["--http", "off", "--domain", domain, "--amqp", &broker_url()],
        &[("CLACKS_AMQP__STATUS_INTERVAL", "0.5")],
    )
}

fn call(domain: &str, args: &[&str]) -> std::process::Output {
    let url = broker_url();
    let mut all = vec![
        "call",
        "--amqp",
        url.as_str(),
        "--domain",
        domain,
        "--timeout",
        "10",
    ];
    all.extend_from_slice(args);
    clacks(&all)
}

/// Whether queue `name` exists on the broker.
async fn queue_exists(name: &str) -> bool {
    let connection = Connection::connect(&broker_url(), ConnectionProperties::default())
        .await
        .expect("broker reachable");
    let channel = connection.create_channel().await.expect("channel");
    let passive = QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    let found = channel
        .queue_declare(name.into(), passive, FieldTable::default())
        .await
        .is_ok();
    let _ = connection.close(200, "looked".into()).await;
    found
}

/// Puts a dead letter of `core.ping` into the domain's dead-letter queue, as a node would.
async fn dead_letter(domain: &str, id: &str) {
    let connection = Connection::connect(&broker_url(), ConnectionProperties::default())
        .await
        .expect("broker reachable");
    let channel = connection.create_channel().await.expect("channel");
    let mut headers = FieldTable::default();
    for (name, value) in [
        ("x-clacks-dead-id", id),
        (
            "x-clacks-error",
            "core.ping killed the 3 nodes that served it",
        ),
        ("x-clacks-exchange", &format!("{domain}.command")),
        ("x-clacks-routing-key", "core"),
    ] {
        headers.insert(name.into(), AMQPValue::LongString(value.into()));
    }
    let body = br#"{"jsonrpc":"2.0","method":"core.ping","params":[]}"#;
    let props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_delivery_mode(2)
        .with_headers(headers);
    channel
        .basic_publish(
            "".into(),
            format!("{domain}.command.dead").as_str().into(),
            BasicPublishOptions::default(),
            body,
            props,
        )
        .await
        .expect("publish")
        .await
        .expect("confirm");
    let _ = connection.close(200, "done".into()).await;
}

#[test]
fn unknown_methods_and_nodes_are_refused_at_once_saying_which() {
    let domain = format!("cli-admin-{}", std::process::id());
    let n1 = node(&domain, "n1");
    let out = call(&domain, &["nope.thing"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("-32601"), "{}", stderr(&out));
    let out = call(&domain, &["--node", "ghost", "core.ping"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("node ghost is not in domain {domain}")),
        "{}",
        stderr(&out)
    );
    let out = call(&domain, &["--node", "n1", "nope.thing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("node n1 does not serve plugin 'nope'"),
        "{}",
        stderr(&out)
    );
    let out = call(&domain, &["--node", "n1", "core.ping"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    drop(n1);
    let url = broker_url();
    let out = clacks(&["domain", "teardown", "--amqp", &url, "--domain", &domain]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn dead_letters_are_listed_replayed_and_the_domain_torn_down() {
    let domain = format!("cli-dead-{}", std::process::id());
    let n1 = node(&domain, "n1");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(dead_letter(&domain, "dl-1"));
    let url = broker_url();
    let admin = |args: &[&str]| {
        let mut all = vec![
            "dead-letters",
            "--amqp",
            url.as_str(),
            "--domain",
            domain.as_str(),
        ];
        all.extend_from_slice(args);
        clacks(&all)
    };
    let out = admin(&["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("dl-1\tcore.ping"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("killed the 3 nodes"),
        "{}",
        stdout(&out)
    );
    let again = admin(&["list"]);
    assert!(
        stdout(&again).contains("dl-1"),
        "listing leaves them in place"
    );
    let out = admin(&["replay", "dl-1", "dl-none"]);
    assert_eq!(out.status.code(), Some(1), "one id was not there");
    assert!(stdout(&out).contains("dl-1\treplayed"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("dl-none\tnot found"),
        "{}",
        stdout(&out)
    );
    let out = admin(&["list"]);
    assert!(stdout(&out).contains("no dead letters"), "{}", stdout(&out));

    let shared = format!("{domain}.command.core");
    let out = clacks(&["domain", "teardown", "--amqp", &url, "--domain", &domain]);
    assert_eq!(out.status.code(), Some(1), "a node still serves");
    assert!(
        stderr(&out).contains("nodes still serve the domain"),
        "{}",
        stderr(&out)
    );
    assert!(runtime.block_on(queue_exists(&shared)));
    drop(n1);
    std::thread::sleep(Duration::from_millis(300));
    let out = clacks(&["domain", "teardown", "--amqp", &url, "--domain", &domain]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("{shared}\tdeleted")),
        "{}",
        stdout(&out)
    );
    assert!(
        !runtime.block_on(queue_exists(&shared)),
        "the shared queue is gone"
    );
    assert!(!runtime.block_on(queue_exists(&format!("{domain}.command.dead"))));
    assert!(
        !runtime.block_on(queue_exists(&format!("{domain}.command.acl"))),
        "the acl plugin's queue is gone too"
    );
}
