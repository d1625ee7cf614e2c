//! The transport conformance suite: what every transport must do, written once against a
//! [`TransportFactory`]. The local transport runs it in `tests/tests/local_transport.rs`; any
//! other transport instantiates it unchanged with [`conformance_suite!`](crate::conformance_suite).

use clacks_runtime::call::RpcErrorKind;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::cluster::{Cluster, TransportFactory};
use crate::probe::Flaky;

fn domain(test: &str, factory: &dyn TransportFactory) -> String {
    format!("conf-{}-{test}-{}", factory.name(), std::process::id())
}

async fn three(factory: &dyn TransportFactory, test: &str) -> Cluster {
    Cluster::start(
        factory,
        &domain(test, factory),
        &["a", "b", "c"],
        &[],
        |_, b| b,
    )
    .await
}

/// A NORMAL call reaches some provider and returns its value.
pub async fn normal_call_returns_the_handler_value(factory: &dyn TransportFactory) {
    let cluster = three(factory, "normal").await;
    let sum = cluster.call(0, "probe.add", json!([2, 3])).await.unwrap();
    assert_eq!(sum, json!(5));
    let sum = cluster.call(1, "probe.add", json!({"a": 2})).await.unwrap();
    assert_eq!(sum, json!(2), "named args with a default");
    cluster.shutdown().await;
}

/// NORMAL calls spread over every provider.
pub async fn normal_calls_balance_across_providers(factory: &dyn TransportFactory) {
    let cluster = three(factory, "balance").await;
    let mut served: HashMap<String, usize> = HashMap::new();
    let total = 300;
    for chunk in 0..(total / 10) {
        let calls = (0..10).map(|_| cluster.call(chunk % 3, "probe.sleep", json!([1])));
        for result in futures_util::future::join_all(calls).await {
            *served
                .entry(result.unwrap().as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    for node in ["a", "b", "c"] {
        let share = served.get(node).copied().unwrap_or(0);
        assert!(
            share >= total / 10,
            "node {node} served {share} of {total}: {served:?}"
        );
    }
    cluster.shutdown().await;
}

/// `call_on` runs on the named node only; an unknown node is -32002.
pub async fn call_on_targets_the_named_node(factory: &dyn TransportFactory) {
    let cluster = three(factory, "callon").await;
    for _ in 0..5 {
        let who = cluster
            .call_on(0, "c", "probe.whoami", json!([]))
            .await
            .unwrap();
        assert_eq!(who, json!("c"));
    }
    let err = cluster
        .call_on(0, "nobody", "probe.whoami", json!([]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Unavailable);
    cluster.shutdown().await;
}

/// Unknown methods are -32601; bad arguments -32602 naming the argument.
pub async fn unknown_methods_and_bad_params_are_typed_errors(factory: &dyn TransportFactory) {
    let cluster = three(factory, "errors").await;
    for method in ["probe.nothing", "nothing.at_all", "noplugin"] {
        let err = cluster.call(0, method, json!([])).await.unwrap_err();
        assert_eq!(err.kind(), RpcErrorKind::MethodNotFound, "{method}");
    }
    let err = cluster
        .call(0, "probe.add", json!(["x"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::InvalidParams);
    assert_eq!(err.data("argument"), Some(&json!("a")));
    let err = cluster
        .call(0, "probe.add", json!([1, 2, 3]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::InvalidParams);
    let err = cluster
        .call(0, "probe.add", json!({"z": 1}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::InvalidParams);
    cluster.shutdown().await;
}

/// A handler error is -32603 `internal` naming the node; a panic is -32603 `panic`, and the
/// plugin serves again afterwards.
pub async fn handler_errors_and_panics_reach_the_caller(factory: &dyn TransportFactory) {
    let cluster = three(factory, "panics").await;
    let err = cluster
        .call(0, "probe.fail", json!(["nope"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Internal);
    assert!(err.data("node").is_some(), "{err:?}");
    let err = cluster
        .call_on(0, "b", "probe.boom", json!([]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Panic);
    assert_eq!(err.data("plugin"), Some(&json!("probe")));
    assert_eq!(err.data("node"), Some(&json!("b")));
    let who = cluster
        .call_on(0, "b", "probe.whoami", json!([]))
        .await
        .unwrap();
    assert_eq!(who, json!("b"), "restarted after the panic");
    cluster.shutdown().await;
}

/// Async commands: several run at once on one node (each `probe.meet` waits for the others,
/// so served one at a time they would all time out), one past its deadline is -32000, and a
/// panicking one answers -32603 `panic` while the calls still running on that node answer
/// -32002 naming the panic (they are not re-run); the plugin serves again after its restart.
pub async fn async_commands_run_concurrently_with_panic_isolation(factory: &dyn TransportFactory) {
    let cluster = three(factory, "async").await;
    let meets = (0..4).map(|_| cluster.call_on(0, "b", "probe.meet", json!(["all", 4])));
    for result in futures_util::future::join_all(meets).await {
        assert_eq!(result.unwrap(), json!("b"));
    }
    let err = cluster
        .call_within(
            0,
            "probe.meet",
            json!(["alone", 2]),
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Timeout);

    // Two calls wait for a third that never comes; then a call on the same node panics.
    let waiting = futures_util::future::join_all(
        (0..2).map(|_| cluster.call_on(0, "b", "probe.meet", json!(["never", 3]))),
    );
    let panicking = async {
        for _ in 0..500 {
            let arrived = cluster
                .call_on(0, "b", "probe.arrived", json!(["never"]))
                .await;
            if arrived.ok() == Some(json!(2)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        cluster.call_on(0, "b", "probe.boom_later", json!([])).await
    };
    let (waited, panicked) = futures_util::future::join(waiting, panicking).await;
    let err = panicked.unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Panic, "{err:?}");
    assert_eq!(err.data("node"), Some(&json!("b")));
    for result in waited {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), RpcErrorKind::Unavailable, "{err:?}");
        let reason = err.data("reason").and_then(Value::as_str).unwrap_or("");
        assert!(reason.contains("panic in probe.boom_later"), "{reason}");
    }
    let arrived = cluster
        .call_on(0, "b", "probe.arrived", json!(["never"]))
        .await
        .unwrap();
    assert_eq!(arrived, json!(0), "a fresh instance after the restart");
    cluster.shutdown().await;
}

/// FIRSTRESULT returns the first non-null answer; all null is null.
pub async fn firstresult_returns_the_first_non_null(factory: &dyn TransportFactory) {
    let cluster = three(factory, "first").await;
    let got = cluster.call(0, "probe.first", json!(["b"])).await.unwrap();
    assert_eq!(got, json!("b"));
    let got = cluster
        .call(0, "probe.first", json!(["nobody"]))
        .await
        .unwrap();
    assert_eq!(got, Value::Null);
    cluster.shutdown().await;
}

/// CUMULATIVE merges every node's answer and sorts failures into `failed`.
pub async fn cumulative_merges_responded_failed_missing(factory: &dyn TransportFactory) {
    let cluster = three(factory, "cumulative").await;
    let got = cluster.call(0, "probe.gather", json!({})).await.unwrap();
    assert_eq!(got["responded"], json!(["a", "b", "c"]));
    assert_eq!(got["results"]["b"], json!("b"));
    assert_eq!(got["missing"], json!([]));
    let got = cluster
        .call(1, "probe.gather_failing", json!(["c"]))
        .await
        .unwrap();
    assert_eq!(got["responded"], json!(["a", "b"]));
    assert_eq!(got["failed"]["c"]["data"]["kind"], json!("internal"));
    cluster.shutdown().await;
}

/// CUMULATIVE returns as soon as all answered, and lists a too-slow node as missing at the
/// deadline.
pub async fn cumulative_finishes_early_and_names_missing_nodes(factory: &dyn TransportFactory) {
    let cluster = three(factory, "early").await;
    let started = Instant::now();
    let got = cluster
        .call_within(0, "probe.gather", json!({}), Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(got["responded"].as_array().unwrap().len(), 3);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let got = cluster
        .call_within(
            0,
            "probe.gather",
            json!({"slow": "c", "ms": 3000}),
            Duration::from_millis(800),
        )
        .await
        .unwrap();
    assert_eq!(got["responded"], json!(["a", "b"]));
    assert_eq!(got["missing"], json!(["c"]));
    cluster.shutdown().await;
}

/// A call past its deadline gets -32000, promptly.
pub async fn deadline_gives_timeout_error(factory: &dyn TransportFactory) {
    let cluster = three(factory, "deadline").await;
    let started = Instant::now();
    let err = cluster
        .call_within(0, "probe.sleep", json!([2000]), Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    cluster.shutdown().await;
}

/// A plugin that gave up on one node: NORMAL calls go to the others without errors, and
/// calls on that node get -32002.
pub async fn calls_avoid_a_failed_plugin(factory: &dyn TransportFactory) {
    let domain = domain("failed", factory);
    let cluster = Cluster::start(
        factory,
        &domain,
        &["a", "b", "c"],
        &[("plugins.flaky.max_restarts", "1")],
        |name, builder| builder.plugin(Flaky::definition(if name == "b" { 1 } else { 0 })),
    )
    .await;
    // Exhaust b's flaky plugin: it panics on every call and may restart once.
    for _ in 0..2 {
        let _ = cluster.call_on(0, "b", "flaky.work", json!([])).await;
    }
    for _ in 0..200 {
        if cluster.nodes[1].not_ready().contains_key("flaky") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(cluster.nodes[1].not_ready().contains_key("flaky"));
    for _ in 0..30 {
        cluster.call(0, "flaky.work", json!([])).await.unwrap();
    }
    let err = cluster
        .call_on(0, "b", "flaky.work", json!([]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Unavailable);
    assert_eq!(
        cluster
            .call_on(0, "b", "probe.whoami", json!([]))
            .await
            .unwrap(),
        json!("b")
    );
    cluster.shutdown().await;
}

/// A plugin failed on every node answers -32002 at once, from any node, instead of waiting
/// in a queue for its deadline; a restart by an admin brings it back.
pub async fn failed_everywhere_answers_unavailable_at_once(factory: &dyn TransportFactory) {
    let domain = domain("failedall", factory);
    let cluster = Cluster::start(
        factory,
        &domain,
        &["a", "b"],
        &[("plugins.flaky.max_restarts", "0")],
        |_, builder| builder.plugin(Flaky::definition(1)),
    )
    .await;
    for node in ["a", "b"] {
        let _ = cluster.call_on(0, node, "flaky.work", json!([])).await;
    }
    // Both nodes must know both are failed (over AMQP the status travels in NodePlugins).
    let everyone_knows = || {
        cluster.nodes.iter().all(|n| {
            n.nodes()
                .iter()
                .all(|r| r.plugins.get("flaky").map(String::as_str) == Some("failed"))
        })
    };
    for _ in 0..400 {
        if everyone_knows() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(everyone_knows(), "{:?}", cluster.nodes[0].nodes());
    for from in 0..2 {
        let started = Instant::now();
        let err = cluster
            .call_within(from, "flaky.work", json!([]), Duration::from_secs(20))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), RpcErrorKind::Unavailable, "{err}");
        assert!(err.message().contains("failed on every node"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "answered at once, not at the 20 s deadline"
        );
    }
    cluster.shutdown().await;
}

/// A node that leaves stops receiving calls; the rest of the domain serves on.
pub async fn departed_node_receives_no_calls(factory: &dyn TransportFactory) {
    let cluster = three(factory, "leave").await;
    cluster.nodes[2].shutdown().await;
    for _ in 0..500 {
        if cluster.nodes[0].nodes().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for _ in 0..30 {
        let who = cluster.call(0, "probe.whoami", json!([])).await.unwrap();
        assert_ne!(who, json!("c"));
    }
    let got = cluster.call(0, "probe.gather", json!({})).await.unwrap();
    assert_eq!(got["responded"], json!(["a", "b"]));
    cluster.shutdown().await;
}

/// Instantiates every conformance check as a test for one transport factory expression.
#[macro_export]
macro_rules! conformance_suite {
    ($factory:expr) => {
        $crate::conformance_suite!(@tests $factory;
            normal_call_returns_the_handler_value,
            normal_calls_balance_across_providers,
            call_on_targets_the_named_node,
            unknown_methods_and_bad_params_are_typed_errors,
            handler_errors_and_panics_reach_the_caller,
            async_commands_run_concurrently_with_panic_isolation,
            firstresult_returns_the_first_non_null,
            cumulative_merges_responded_failed_missing,
            cumulative_finishes_early_and_names_missing_nodes,
            deadline_gives_timeout_error,
            calls_avoid_a_failed_plugin,
            failed_everywhere_answers_unavailable_at_once,
            departed_node_receives_no_calls,
        );
    };
    (@tests $factory:expr; $($name:ident),* $(,)?) => {
        $(
            #[actix_rt::test]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::$name(&factory).await;
            }
        )*
    };
}
