//! How a call ends when it cannot simply be answered, on the real broker under the deploy
//! users: a reply the broker refuses is retried `amqp.reply_attempts` times and then the call
//! is dead-lettered with the reason (never acked before a confirm, never counted as a crashed
//! node), and a call that kills every node taking it is dead-lettered after exactly
//! `amqp.max_deliveries` deaths. Dead letters are persistent, never expire, and name the
//! original caller while carrying the node's own `user_id`.

use clacks_amqp::properties::{header_text, header_u64, text};
use clacks_tests::caller::Request;
use lapin::message::BasicGetMessage;
use lapin::options::QueueDeclareOptions;
use lapin::types::{AMQPValue, FieldTable};
use serde_json::json;
use std::time::{Duration, Instant};

use super::deployed::{Deployed, Here};
use super::{metric, SEC};

/// The dead letter's header `name` as text.
fn header(letter: &BasicGetMessage, name: &str) -> String {
    header_text(&letter.delivery.properties, name)
        .map(|h| h.into_owned())
        .unwrap_or_default()
}

/// Waits (15 s at most) for `count` dead letters in the domain.
async fn dead_letters(domain: &Deployed, count: usize) -> Vec<BasicGetMessage> {
    let until = Instant::now() + 15 * SEC;
    loop {
        let letters = domain.dead_letters().await;
        if letters.len() >= count || Instant::now() > until {
            return letters;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A reply queue that holds nothing and refuses publishes (`x-max-length` 0,
/// `x-overflow: reject-publish`) makes the broker nack the node's reply. The node must not ack
/// the call on that nack (the call would vanish): it tries the reply `amqp.reply_attempts` (2)
/// times and then dead-letters the call with a reason naming the refused reply, without raising
/// its delivery count. The handler ran once: a refused reply is retried, not the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_reply_is_retried_then_dead_lettered_never_acked_and_never_counted_as_a_crash() {
    let domain = Deployed::create("refused");
    let node = domain.chaos_node("n1", "127.0.0.1:0", &[("CLACKS_AMQP__REPLY_ATTEMPTS", "2")]);
    let caller = domain.caller().await;
    domain.converged(&caller, &["n1"]).await;

    let mut limits = FieldTable::default();
    limits.insert("x-max-length".into(), AMQPValue::LongInt(0));
    limits.insert(
        "x-overflow".into(),
        AMQPValue::LongString("reject-publish".into()),
    );
    let channel = caller.channel().await;
    let full = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            },
            limits,
        )
        .await
        .expect("the caller user declares a server-named queue");
    let full = full.name().as_str().to_owned();
    let request = Request {
        reply_to: Some(full.clone()),
        ..Request::default()
    };
    let id = caller
        .send("chaos.record", json!(["refused-1"]), 20 * SEC, &request)
        .await
        .expect("the call is published");

    let letters = dead_letters(&domain, 1).await;
    assert_eq!(letters.len(), 1, "the call is in D.command.dead, not lost");
    let letter = &letters[0];
    let props = &letter.delivery.properties;
    let reason = header(letter, "x-clacks-error");
    println!("dead letter reason: {reason}");
    assert!(
        reason.contains(&format!("its reply to {full} was refused 2 times")),
        "{reason}"
    );
    assert_eq!(text(props.correlation_id()), Some(id.as_str()));
    assert_eq!(
        header_u64(props, "x-clacks-deliveries"),
        None,
        "a refused reply is not a crashed node"
    );
    assert_eq!(*props.delivery_mode(), Some(2), "persistent");
    assert_eq!(*props.expiration(), None, "a dead letter never expires");
    assert_eq!(header(letter, "x-clacks-routing-key"), "chaos");
    assert_eq!(text(props.user_id()), Some(domain.node_user().as_str()));
    assert_eq!(header(letter, "x-clacks-caller"), domain.caller_user());
    let executions: Vec<String> = domain
        .journal()
        .into_iter()
        .filter(|l| l.starts_with("refused-1 "))
        .collect();
    assert_eq!(executions, ["refused-1 n1 first"], "the handler ran once");
    assert_eq!(metric(node.url(), "clacks_amqp_replies_refused_total"), 2);
    assert_eq!(metric(node.url(), "clacks_amqp_dead_letters_total"), 1);
    assert_eq!(metric(node.url(), "clacks_amqp_republished_total"), 0);
    let queue = format!("{}.command.chaos", domain.domain);
    assert_eq!(
        domain.queue_length(&queue).await,
        Some(0),
        "nothing left behind"
    );
    // Its channel survived the refusals: the node serves on.
    let who = caller
        .call("chaos.work", json!([]), 10 * SEC)
        .await
        .expect("n1 still serves");
    assert_eq!(who, json!("n1"));
    caller.close().await;
    // Nothing was acked twice or out of turn: the broker never closed a channel on n1.
    node.signal("-TERM");
    let (status, said) = node.finish(30 * SEC);
    assert_eq!(status.code(), Some(0), "{said:?}");
    let broken: Vec<_> = said
        .iter()
        .filter(|l| l.contains("PRECONDITION_FAILED") || l.contains("unknown delivery tag"))
        .collect();
    assert!(broken.is_empty(), "{broken:?}");
}

/// A call that kills every node taking it (`chaos.abort`) is not redelivered for ever: once
/// `amqp.max_deliveries` (3) nodes died with it, the next one moves it to `D.command.dead`
/// with the reason, and the caller gets -32603 naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_kills_max_deliveries_nodes_is_dead_lettered_with_the_reason() {
    let domain = Deployed::create("dead");
    let prefetch = [
        ("CLACKS_AMQP__PREFETCH", "1"),
        ("CLACKS_AMQP__MAX_DELIVERIES", "3"),
    ];
    let mut nodes: Vec<_> = ["n1", "n2", "n3", "n4"]
        .map(|n| domain.chaos_node(n, "off", &prefetch))
        .into();
    let caller = domain.caller().await;
    domain.converged(&caller, &["n1", "n2", "n3", "n4"]).await;
    let err = caller
        .call("chaos.abort", json!([]), 30 * SEC)
        .await
        .expect_err("the poison call fails");
    println!("poison call answered: {err}");
    assert_eq!(err.kind().as_str(), "internal", "{err}");
    assert!(err.message().contains("dead-lettered"), "{err}");
    // The deaths came before the answer; give the survivors' status a moment to settle.
    tokio::time::sleep(SEC).await;
    let dead: Vec<String> = nodes
        .iter_mut()
        .filter_map(|n| match n.child.try_wait() {
            Ok(Some(_)) => Some(n.name.clone()),
            _ => None,
        })
        .collect();
    println!("nodes that died: {dead:?}");
    assert_eq!(dead.len(), 3, "exactly max_deliveries nodes died: {dead:?}");

    let letters = dead_letters(&domain, 1).await;
    assert_eq!(letters.len(), 1);
    let letter = &letters[0];
    let props = &letter.delivery.properties;
    let reason = header(letter, "x-clacks-error");
    assert!(
        reason.contains("chaos.abort killed the 3 nodes that served it"),
        "{reason}"
    );
    assert_eq!(header_u64(props, "x-clacks-deliveries"), Some(3));
    assert_eq!(*props.delivery_mode(), Some(2), "persistent");
    assert_eq!(*props.expiration(), None, "a dead letter never expires");
    assert_eq!(text(props.user_id()), Some(domain.node_user().as_str()));
    assert_eq!(header(letter, "x-clacks-caller"), domain.caller_user());
    let body: serde_json::Value =
        serde_json::from_slice(&letter.delivery.data).expect("the call's JSON");
    assert_eq!(body["method"], json!("chaos.abort"));
    caller.close().await;
}
