//! Overload of one node (issue 18, item 4), behaviour only (the `overload` benchmark prints
//! the figures): ten times the calls it can serve, over HTTP and AMQP at once. A gateway with
//! `http.in_flight` calls in service answers the next `-32001 busy` at once; AMQP calls beyond
//! what the node serves wait in the broker (the node holds at most `amqp.prefetch` of them)
//! and are answered, or time out, by their deadline; no call is lost or hangs, and once the
//! flood is over the queue is empty and the node serves at once.

use clacks_tests::overload::{flood, metric, Flood};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::deployed::{Deployed, Here};
use super::partition::ready_messages;
use super::SEC;

/// Calls the node holds from its shared queue (`amqp.prefetch`) and calls its gateway has in
/// service (`http.in_flight`).
const PREFETCH: usize = 2;
const HTTP_IN_FLIGHT: usize = 2;
/// `chaos.work` is served one call at a time: 50 ms each is 20 calls/s.
const WORK_MS: u64 = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn beyond_capacity_http_gets_busy_amqp_waits_in_the_broker_and_nothing_is_lost() {
    let domain = Deployed::create("overload");
    let prefetch = PREFETCH.to_string();
    let in_flight = HTTP_IN_FLIGHT.to_string();
    let env = [
        ("CLACKS_AMQP__PREFETCH", prefetch.as_str()),
        ("CLACKS_HTTP__IN_FLIGHT", in_flight.as_str()),
    ];
    let node = domain.chaos_node("o1", "127.0.0.1:0", &env);
    let caller = domain.caller().await;
    domain.converged(&caller, &["o1"]).await;
    let mut callers = vec![Arc::new(caller)];
    for _ in 0..3 {
        callers.push(Arc::new(domain.caller().await));
    }
    let capacity = 1000.0 / WORK_MS as f64;
    let plan = Flood {
        duration: 3 * SEC,
        http_rate: 5.0 * capacity,
        amqp_rate: 5.0 * capacity,
        work_ms: WORK_MS,
        deadline: 2 * SEC,
        slack: SEC,
    };

    // While the flood runs: what the node holds (its chaos plugin's calls in progress) and
    // what waits in the broker (the shared queue's ready messages).
    let reader = domain.as_node().await;
    let queue = format!("{}.command.chaos", domain.domain);
    let rpc = node.url().to_owned();
    let watching = async {
        let (mut held, mut waiting) = (0.0f64, 0u32);
        let until = Instant::now() + plan.duration;
        while Instant::now() < until {
            let url = rpc.clone();
            let now = tokio::task::spawn_blocking(move || {
                metric(&url, "clacks_plugin_in_flight", "plugin=\"chaos\"")
            });
            let now = now.await.ok().flatten().expect("the node answers /metrics");
            held = held.max(now);
            waiting = waiting.max(ready_messages(&reader, &queue).await.unwrap_or(0));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (held, waiting)
    };
    let (tally, (held, waiting)) = tokio::join!(flood(&rpc, &callers, &plan), watching);
    println!(
        "overload, {capacity} calls/s served, 10x offered:\n  http {}\n  amqp {}\n  node held \
         at most {held} calls, the broker {waiting} waiting",
        tally.http.line(),
        tally.amqp.line()
    );

    for (path, side) in [("http", &tally.http), ("amqp", &tally.amqp)] {
        assert!(side.sent > 0, "{path}: calls were made");
        assert_eq!(
            side.accounted(),
            side.sent,
            "{path}: every call has an outcome"
        );
        assert_eq!(side.hung, 0, "{path}: no call hangs past its deadline");
        assert!(!side.answered.is_empty(), "{path}: calls are served");
    }
    // A full gateway refuses at once; calls it took are answered or time out.
    assert!(
        tally.http.code(-32001) > 0,
        "busy answers: {:?}",
        tally.http
    );
    let unexpected: Vec<_> = tally
        .http
        .errors
        .keys()
        .filter(|c| !matches!(c, -32001 | -32000))
        .collect();
    assert!(
        unexpected.is_empty(),
        "http errors: {:?}",
        tally.http.errors
    );
    // AMQP calls beyond capacity wait in the broker until their deadline: some time out,
    // none is refused.
    let amqp_errors: Vec<_> = tally.amqp.errors.keys().filter(|c| **c != -32000).collect();
    assert!(
        amqp_errors.is_empty(),
        "amqp errors: {:?}",
        tally.amqp.errors
    );
    assert!(tally.amqp.code(-32000) > 0, "calls beyond capacity waited");
    assert!(waiting > 0, "calls waited in the broker");
    assert!(
        held <= PREFETCH as f64,
        "the node held {held} calls, its prefetch is {PREFETCH}"
    );

    // Afterwards: the calls whose deadline passed are gone from the queue, and the node
    // answers at once.
    let mut left = None;
    for _ in 0..50 {
        left = ready_messages(&reader, &queue).await;
        if left == Some(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, Some(0), "the queue drained");
    let after = callers[0]
        .call("chaos.work", json!([0]), 2 * SEC)
        .await
        .expect("served after the flood");
    assert_eq!(after, json!("o1"));
    reader.close().await;
    for caller in callers {
        if let Ok(caller) = Arc::try_unwrap(caller) {
            caller.close().await;
        }
    }
}
