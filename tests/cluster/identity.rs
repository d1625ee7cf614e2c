//! Identity across nodes under split users (a node user for nodes, a caller user for callers):
//! the copies a node publishes again go out under its own `user_id` naming the original caller
//! in `x-clacks-caller` (RabbitMQ closes the channel of a publish under another user's id, and
//! with it every call in flight on it), and a serving node believes `x-clacks-caller` only from
//! the domain's node accounts: from any other it refuses the call, logs and audits it. The redelivery-count copy under the node user is covered by the
//! `kill -9` test in `main.rs`.

use clacks_runtime::call::RpcErrorKind;
use clacks_tests::audit::AuditQueue;
use clacks_tests::caller::Request;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::deployed::{Deployed, Here};
use super::{metric, SEC};

/// A plugin restarted on n2 under load (several times): while it is down n2 cancels its
/// consumer and hands back what reaches it, under the node user, naming the caller. The handed-back calls are served by n1
/// for the caller user (not as n2's account), none comes back as a crash (`redelivered`), no
/// call is lost, and n2 keeps serving on the same channel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_backs_under_the_node_user_keep_the_caller_and_the_nodes_channel() {
    let domain = Deployed::create("handback");
    let prefetch = [("CLACKS_AMQP__PREFETCH", "8")];
    let _n1 = domain.chaos_node("n1", "off", &prefetch);
    let n2 = domain.chaos_node("n2", "127.0.0.1:0", &prefetch);
    let caller = Arc::new(domain.caller().await);
    domain.converged(&caller, &["n1", "n2"]).await;

    let done = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..64)
        .map(|_| {
            let (caller, done) = (caller.clone(), done.clone());
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                while !done.load(Ordering::Relaxed) {
                    outcomes.push(caller.call("chaos.identity", json!([20]), 20 * SEC).await);
                }
                outcomes
            })
        })
        .collect();
    // Each restart takes the plugin down for a moment: n2 cancels its shared-queue consumer,
    // and what reaches it meanwhile is handed back. Several, so some deliveries surely do; on
    // a loaded machine a few restarts may catch none, so go on (bounded) until one did.
    for round in 0..20 {
        if round >= 6 && metric(n2.url(), "clacks_amqp_hand_backs_total") > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let restarted = caller
            .call_on(
                "n2",
                "core.restart",
                json!(["node/plugins/chaos"]),
                10 * SEC,
            )
            .await;
        restarted.expect("n2 restarts its chaos plugin");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    done.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for worker in workers {
        outcomes.extend(worker.await.expect("a worker ends"));
    }

    let hand_backs = metric(n2.url(), "clacks_amqp_hand_backs_total");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for outcome in &outcomes {
        let key = match outcome {
            Ok(v) => format!(
                "{} for {} redelivered={}",
                v["node"].as_str().unwrap_or("?"),
                v["caller"].as_str().unwrap_or("?"),
                v["redelivered"]
            ),
            Err(e) => format!("error {}: {}", e.kind().as_str(), e.message()),
        };
        *seen.entry(key).or_default() += 1;
    }
    println!(
        "{} calls, n2 handed back {hand_backs}: {seen:#?}",
        outcomes.len()
    );
    assert!(hand_backs > 0, "n2 handed prefetched calls back");
    let caller_user = domain.caller_user();
    for outcome in &outcomes {
        let got = outcome
            .as_ref()
            .expect("every call answered with its result");
        assert_eq!(got["caller"], json!(caller_user), "{got}");
        assert_eq!(
            got["redelivered"],
            json!(false),
            "no call came back as a crash"
        );
    }
    let after = caller
        .call_on("n2", "chaos.identity", json!([]), 10 * SEC)
        .await
        .expect("n2 serves on");
    assert_eq!(after["node"], json!("n2"));
    assert_eq!(
        metric(n2.url(), "clacks_amqp_republished_total"),
        0,
        "nothing was counted as a crash"
    );
}

/// `x-clacks-caller` names the caller a node acts for: believed when the message's `user_id`
/// is a node account (the deploy node user). From any other account the call is refused
/// (`-32003`, `data.reason` `untrusted_caller`) before the plugin sees it, the node logs the
/// attempt and publishes an `Audit` event naming the account and the claim, and serves on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_clacks_caller_from_a_caller_account_is_refused_logged_and_audited() {
    let domain = Deployed::create("claims");
    let n1 = domain.chaos_node("n1", "off", &[]);
    let caller = domain.caller().await;
    let node_account = domain.as_node().await;
    domain.converged(&caller, &["n1"]).await;
    let audits = AuditQueue::bind(&node_account, &domain.domain).await;
    let claiming = |who: &str| Request {
        headers: vec![("x-clacks-caller".to_owned(), who.to_owned())],
        ..Request::default()
    };
    let identity = |got: Result<Value, _>| -> String {
        let got = got.expect("chaos.identity answers");
        got["caller"].as_str().unwrap_or_default().to_owned()
    };

    let plain = caller.call("chaos.identity", json!([]), 10 * SEC).await;
    assert_eq!(identity(plain), domain.caller_user());
    let forged = caller
        .call_with("chaos.identity", json!([]), 10 * SEC, &claiming("root"))
        .await
        .expect_err("a caller cannot claim another identity");
    assert_eq!(forged.kind(), RpcErrorKind::Forbidden, "{forged:?}");
    assert_eq!(forged.data("reason"), Some(&json!("untrusted_caller")));
    assert_eq!(forged.data("claimed"), Some(&json!("root")));
    let record = audits
        .wait_for(&["untrusted_caller", "<Decision>denied</Decision>", "root"])
        .await;
    assert!(
        record.contains(&format!("<User>{}</User>", domain.caller_user())),
        "the audit names the account that sent it: {record}"
    );
    let own_name = caller
        .call_with(
            "chaos.identity",
            json!([]),
            10 * SEC,
            &claiming(&domain.caller_user()),
        )
        .await;
    assert_eq!(
        identity(own_name),
        domain.caller_user(),
        "naming oneself claims nothing"
    );

    let on_behalf = node_account
        .call_with("chaos.identity", json!([]), 10 * SEC, &claiming("alice"))
        .await;
    assert_eq!(
        identity(on_behalf),
        "alice",
        "a node account acts for its caller"
    );
    let own = node_account
        .call("chaos.identity", json!([]), 10 * SEC)
        .await;
    assert_eq!(identity(own), domain.node_user());
    let after = caller.call("chaos.identity", json!([]), 10 * SEC).await;
    assert_eq!(identity(after), domain.caller_user(), "n1 serves on");
    caller.close().await;
    node_account.close().await;
    n1.signal("-TERM");
    let (_, said) = n1.finish(30 * SEC);
    assert!(
        said.iter().any(
            |l| l.contains("x-clacks-caller from an account that is not a node's")
                && l.contains("root")
        ),
        "the node logged the refusal: {said:#?}"
    );
}
