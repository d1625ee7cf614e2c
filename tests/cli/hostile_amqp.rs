//! The AMQP rows of the hostile-input suite: a `clacks node` on the broker, attacked by a plain
//! AMQP client publishing to the domain's exchanges. A forged `app_id` cannot inject SSE fields
//! (the event is refused at receipt); an oversized body is answered and acked (`amqp.max_body`);
//! a forged `NodeLeave` from an account that is not a node's changes nothing (node-only events
//! are believed by `user_id`).

use crate::hostile::{envelope, open_stream, rpc, PingStream, WITHIN};
use crate::raw_http;
use crate::BIN;
use clacks_tests::amqp::{broker_url, remove_domain};
use clacks_tests::process::NodeProcess;
use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::{json, Value};
use std::io::Read;
use std::time::{Duration, Instant};

fn domain(label: &str) -> String {
    format!("hostile-{label}-{}", std::process::id())
}

fn amqp_node(name: &str, domain: &str) -> NodeProcess {
    let url = broker_url();
    NodeProcess::start(
        BIN,
        name,
        &["--http", "127.0.0.1:0", "--amqp", &url, "--domain", domain],
        &[],
    )
}

async fn channel() -> (Connection, Channel) {
    let connection = Connection::connect(&broker_url(), ConnectionProperties::default())
        .await
        .unwrap_or_else(|e| panic!("broker: {e}"));
    let channel = connection
        .create_channel()
        .await
        .unwrap_or_else(|e| panic!("channel: {e}"));
    (connection, channel)
}

async fn publish(
    channel: &Channel,
    exchange: &str,
    key: &str,
    body: &[u8],
    props: BasicProperties,
) {
    channel
        .basic_publish(
            exchange.into(),
            key.into(),
            BasicPublishOptions::default(),
            body,
            props,
        )
        .await
        .unwrap_or_else(|e| panic!("publish: {e}"))
        .await
        .unwrap_or_else(|e| panic!("confirm: {e}"));
}

#[actix_rt::test]
async fn sse_injection_through_app_id_is_refused_at_receipt() {
    let domain = domain("appid");
    let node = amqp_node("inject1", &domain);
    let addr = raw_http::address(node.url());
    let pings = PingStream::start(addr);
    let mut stream =
        open_stream(addr, "name=Notification").unwrap_or_else(|a| panic!("stream: {a:?}"));
    let (_connection, channel) = channel().await;
    let exchange = format!("{domain}.event");
    let event = |target: &str| {
        envelope(&format!(
            "<Notification><Target>{target}</Target><Body>b</Body></Notification>"
        ))
    };
    // The subscription's queue is bound a moment after the stream opens: warm up with clean
    // events until one arrives.
    let mut seen = String::new();
    let mut buf = [0u8; 65536];
    stream
        .socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .ok();
    for attempt in 0..50 {
        let props = BasicProperties::default().with_app_id("warm".into());
        publish(
            &channel,
            &exchange,
            "Notification",
            event(&format!("warm{attempt}")).as_bytes(),
            props,
        )
        .await;
        if let Ok(n) = stream.socket.read(&mut buf) {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        if seen.contains("<Target>warm") {
            break;
        }
    }
    assert!(
        seen.contains("<Target>warm"),
        "the stream never received: {seen}"
    );
    let started = Instant::now();
    let forged = BasicProperties::default()
        .with_app_id("evil\nevent: NodeLeave\ndata: <injected/>".into())
        .with_content_type("application/xml".into());
    publish(
        &channel,
        &exchange,
        "Notification",
        event("forged").as_bytes(),
        forged,
    )
    .await;
    let clean = BasicProperties::default().with_app_id("clean-origin".into());
    publish(
        &channel,
        &exchange,
        "Notification",
        event("after").as_bytes(),
        clean,
    )
    .await;
    stream
        .socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok();
    let mut after = String::new();
    while !after.contains("<Target>after</Target>") {
        match stream.socket.read(&mut buf) {
            Ok(0) | Err(_) => panic!("stream ended: {after}"),
            Ok(n) => after.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    let elapsed = started.elapsed();
    assert!(
        !after.contains("forged") && !after.contains("injected"),
        "{after}"
    );
    assert!(after.contains("origin: clean-origin\n"), "{after}");
    assert!(elapsed < WITHIN, "{elapsed:?}");
    let status = raw_http::post(
        addr,
        "application/json",
        &rpc("events.subscriptions", json!([])),
    )
    .json();
    let invalid: u64 = status["result"]["subscriptions"]
        .as_array()
        .map_or(0, |subs| {
            subs.iter().filter_map(|s| s["invalid"].as_u64()).sum()
        });
    assert!(
        invalid >= 1,
        "the forged event is counted as refused: {status}"
    );
    eprintln!(
        "hostile: SSE injection through app_id: refused at receipt, next event in {} ms",
        elapsed.as_millis()
    );
    let (_, errors) = pings.finish();
    assert!(errors.is_empty(), "{errors:?}");
    drop(node);
    remove_domain(&broker_url(), &domain, &[]).await;
}

#[actix_rt::test]
async fn oversized_amqp_body_is_answered_with_an_error_and_acked_never_redelivered() {
    let domain = domain("body");
    let node = amqp_node("body1", &domain);
    let pings = PingStream::start(raw_http::address(node.url()));
    let (_connection, channel) = channel().await;
    let mut replies = channel
        .basic_consume(
            "amq.rabbitmq.reply-to".into(),
            "hostile".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("consume: {e}"));
    let padding = "x".repeat(2 << 20);
    let body =
        json!({"jsonrpc": "2.0", "id": 1, "method": "core.ping", "params": [padding]}).to_string();
    let props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_correlation_id("big".into())
        .with_reply_to("amq.rabbitmq.reply-to".into());
    let started = Instant::now();
    publish(
        &channel,
        &format!("{domain}.command"),
        "core",
        body.as_bytes(),
        props,
    )
    .await;
    let reply = tokio::time::timeout(Duration::from_secs(10), replies.next())
        .await
        .ok()
        .flatten()
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("no reply to the oversized call"));
    let elapsed = started.elapsed();
    let answer: Value = serde_json::from_slice(&reply.data).unwrap_or(Value::Null);
    assert_eq!(answer["error"]["code"], json!(-32600), "{answer}");
    assert!(answer.to_string().contains("amqp.max_body"), "{answer}");
    assert!(elapsed < WITHIN, "{elapsed:?}");
    // Acked, not redelivered: no second reply comes.
    let again = tokio::time::timeout(Duration::from_secs(2), replies.next()).await;
    assert!(again.is_err(), "the oversized call came back: {again:?}");
    let (_, errors) = pings.finish();
    assert!(errors.is_empty(), "{errors:?}");
    drop(node);
    remove_domain(&broker_url(), &domain, &["core".to_owned()]).await;
}

/// `rabbitmqctl ARGS…`, which must succeed.
fn rabbitmqctl(args: &[&str]) {
    let out = std::process::Command::new("rabbitmqctl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("rabbitmqctl {args:?}: {e}"));
    assert!(
        out.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[actix_rt::test]
async fn forged_node_leave_over_the_broker_changes_nothing() {
    let domain = domain("leave");
    // The nodes run under guest, declared their node account; the forger has an account of
    // its own with full permissions on the vhost, as a caller of the domain would.
    let config = std::env::temp_dir().join(format!("{domain}.toml"));
    std::fs::write(&config, "[amqp]\nnode_users = [\"guest\"]\n").unwrap_or_else(|e| panic!("{e}"));
    let config_arg = config.display().to_string();
    let forger = format!("{domain}-forger");
    rabbitmqctl(&["add_user", &forger, "forged"]);
    rabbitmqctl(&["set_permissions", "-p", "/", &forger, ".*", ".*", ".*"]);
    let url = broker_url();
    let node = |name: &str| {
        NodeProcess::start(
            BIN,
            name,
            &[
                "--http",
                "127.0.0.1:0",
                "--amqp",
                &url,
                "--domain",
                &domain,
                "--config",
                &config_arg,
            ],
            &[],
        )
    };
    let first = node("leave1");
    let second = node("leave2");
    std::fs::remove_file(&config).ok();
    let addr = raw_http::address(first.url());
    // leave1's own view (core is served by both nodes: name the one to ask).
    let view = json!({"jsonrpc": "2.0", "id": 1, "method": "core.nodes", "node": "leave1"});
    let names = || -> Vec<String> {
        let answer = raw_http::post(addr, "application/json", view.to_string().as_bytes()).json();
        answer["result"]
            .as_array()
            .map(|nodes| {
                nodes
                    .iter()
                    .filter_map(|n| n["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let started = Instant::now();
    while !names().iter().any(|n| n == "leave2") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "leave2 never joined: {:?}",
            names()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let forged_url = url.replacen("guest:guest@", &format!("{forger}:forged@"), 1);
    let connection = Connection::connect(&forged_url, ConnectionProperties::default())
        .await
        .unwrap_or_else(|e| panic!("forger login: {e}"));
    let channel = connection
        .create_channel()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let forged = envelope("<NodeLeave><Id>leave2</Id></NodeLeave>");
    let props = BasicProperties::default()
        .with_app_id("leave2".into())
        .with_user_id(forger.as_str().into())
        .with_content_type("application/xml".into());
    publish(
        &channel,
        &format!("{domain}.event"),
        "NodeLeave",
        forged.as_bytes(),
        props,
    )
    .await;
    drop(channel);
    drop(connection);
    rabbitmqctl(&["delete_user", &forger]);
    // Removal would be immediate (and undone only by leave2's next NodeStatus, 5 s later):
    // watch leave1's view for a second.
    let watching = Instant::now();
    while watching.elapsed() < WITHIN {
        let seen = names();
        assert!(
            seen.iter().any(|n| n == "leave2"),
            "a forged NodeLeave evicted leave2: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(second);
    drop(first);
    remove_domain(&broker_url(), &domain, &["core".to_owned()]).await;
}
