//! Supervision seen from outside, through the HTTP gateway: a plugin panicking on every 10th
//! call loses no call and shows its restarts in `core.actor_tree`; a plugin panicking on every
//! call exhausts its intensity, is reported failed by `/ready`, answers -32002, and the rest of
//! the node keeps serving.

use clacks_tests::cluster::node_with_gateway;
use clacks_tests::http::{get, post};
use clacks_tests::probe::Flaky;
use serde_json::{json, Value};

const JSON: &str = "application/json";
const INTENSITY: &[(&str, &str)] = &[
    ("plugins.flaky.max_restarts", "20"),
    ("plugins.flaky.period", "5"),
];

async fn work(url: &str, id: u64) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "flaky.work"}).to_string();
    post(url, JSON, body).await.body
}

#[actix_rt::test]
async fn panic_every_tenth_call_gives_90_results_10_errors_and_10_restarts() {
    let (node, url) = node_with_gateway("s1", INTENSITY, vec![Flaky::definition(10)]);
    let (mut results, mut panics) = (0, 0);
    for id in 1..=100 {
        let answer = work(&url, id).await;
        if answer.get("result").is_some() {
            results += 1;
        } else {
            assert_eq!(answer["error"]["code"], json!(-32603), "{answer}");
            assert_eq!(answer["error"]["data"]["kind"], json!("panic"));
            assert_eq!(answer["error"]["data"]["plugin"], json!("flaky"));
            panics += 1;
        }
    }
    assert_eq!((results, panics), (90, 10));
    let tree = post(
        &url,
        JSON,
        r#"{"jsonrpc":"2.0","id":1,"method":"core.actor_tree"}"#,
    )
    .await;
    let actors = tree.body["result"]["results"]["s1"]
        .as_array()
        .unwrap()
        .clone();
    let actor = actors
        .iter()
        .find(|a| a["path"] == json!("node/plugins/flaky/actor"))
        .unwrap_or_else(|| panic!("no flaky actor in {actors:?}"));
    assert_eq!(actor["restarts"], json!(10), "{actor}");
    assert_eq!(actor["state"], json!("running"));
    assert!(actor["last_error"]
        .as_str()
        .unwrap()
        .contains("panics on purpose"));
    node.shutdown().await;
}

#[actix_rt::test]
async fn concurrent_calls_survive_restarts_without_loss() {
    let (node, url) = node_with_gateway("s3", INTENSITY, vec![Flaky::definition(10)]);
    let answers = futures_util::future::join_all((1..=50).map(|id| work(&url, id))).await;
    let ok = answers.iter().filter(|a| a.get("result").is_some()).count();
    let panics = answers
        .iter()
        .filter(|a| a["error"]["data"]["kind"] == json!("panic"))
        .count();
    assert_eq!(
        (ok, panics),
        (45, 5),
        "every call answered once: {answers:?}"
    );
    node.shutdown().await;
}

#[actix_rt::test]
async fn always_panicking_plugin_is_marked_failed_and_the_node_serves_on() {
    let (node, url) = node_with_gateway("s2", INTENSITY, vec![Flaky::definition(1)]);
    let base = url.trim_end_matches("/rpc").to_owned();
    let mut kinds = Vec::new();
    for id in 1..=30 {
        let answer = work(&url, id).await;
        kinds.push(
            answer["error"]["data"]["kind"]
                .as_str()
                .unwrap_or("none")
                .to_owned(),
        );
    }
    let panics = kinds.iter().filter(|k| *k == "panic").count();
    assert_eq!(
        panics, 21,
        "20 restarts allowed, the 21st failure gives up: {kinds:?}"
    );
    assert!(kinds[21..].iter().all(|k| k == "unavailable"), "{kinds:?}");
    let answer = work(&url, 99).await;
    assert_eq!(answer["error"]["code"], json!(-32002));
    let ready = get(&format!("{base}/ready")).await;
    assert_eq!(ready.status, 503);
    assert!(
        ready.body["not_ready"]["flaky"]
            .as_str()
            .unwrap()
            .contains("intensity exceeded"),
        "{}",
        ready.body
    );
    assert!(ready.body["not_ready"].get("core").is_none());
    let ping = post(
        &url,
        JSON,
        r#"{"jsonrpc":"2.0","id":1,"method":"core.ping"}"#,
    )
    .await;
    assert_eq!(ping.body["result"]["pong"], json!(true));
    node.shutdown().await;
}
