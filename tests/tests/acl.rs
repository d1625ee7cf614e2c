//! ACL enforcement on every path in (issue 14), against real nodes: a caller without the right
//! is refused over HTTP, over a node-to-node hop, over AMQP and on the SSE event stream; the
//! handler did not run (the `counter` plugin counts) and each refusal is an `Audit` event. An
//! ACL change made with `acl.add` on one node is enforced on the other within a second.

use clacks_runtime::acl::{file, AclSet};
use clacks_runtime::call::{CallContext, CallError, CallRequest, Params, RpcErrorKind};
use clacks_runtime::plugin::plugin;
use clacks_runtime::{NodeBuilder, PluginDef};
use clacks_tests::amqp::AmqpFactory;
use clacks_tests::audit::AuditLog;
use clacks_tests::cluster::{Cluster, LocalFactory};
use clacks_tests::http::post;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Counts the calls that reached it.
struct Counter {
    hits: Arc<AtomicU64>,
}

#[plugin(name = "counter")]
impl Counter {
    /// Counts one call and returns the count.
    #[command]
    fn hit(&self, _ctx: &CallContext) -> u64 {
        self.hits.fetch_add(1, Ordering::SeqCst) + 1
    }
}

fn counter(hits: &Arc<AtomicU64>) -> PluginDef {
    let hits = hits.clone();
    PluginDef::new(move |_| Ok(Counter { hits: hits.clone() }))
}

/// root may do anything; alice may call counter.hit and events.publish and read Notification
/// events (but not write them); guest may use the acl commands (the AMQP test changes the set
/// with them) but not counter.hit.
fn test_set() -> AclSet {
    file::parse(
        r#"{"acl": {"dc=example,dc=net": [{"acls": [
          {"id": 1, "priority": 0, "scope": "psub", "members": ["^root$"],
           "actions": [{"topic": ".*", "acls": "rwcdmsx"}]},
          {"id": 2, "priority": 0, "scope": "sub", "members": ["^alice$"],
           "actions": [{"topic": ".*\\.command\\.counter\\.hit$", "acls": "x"},
                       {"topic": ".*\\.command\\.events\\.publish$", "acls": "x"},
                       {"topic": ".*\\.event\\.Notification$", "acls": "r"}]},
          {"id": 3, "priority": 0, "scope": "sub", "members": ["^guest$"],
           "actions": [{"topic": ".*\\.command\\.(acl|core)\\.", "acls": "rwx"}]}
        ]}]}}"#,
        "test.acl",
    )
    .unwrap()
}

fn forbidden(err: &CallError, topic: &str) {
    assert_eq!(err.kind(), RpcErrorKind::Forbidden, "{err}");
    assert_eq!(err.data("path"), Some(&json!(topic)), "{err}");
    assert_eq!(err.data("right"), Some(&json!("x")), "{err}");
}

#[actix_rt::test]
async fn http_sse_and_a_node_to_node_hop_are_refused_without_running_the_handler() {
    use clacks_gateway::{gateway_child, GatewayConfig};
    let hits = Arc::new(AtomicU64::new(0));
    let domain = format!("acl-local-{}", std::process::id());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/rpc", listener.local_addr().unwrap());
    let listener = Mutex::new(Some(listener));
    let overrides = [
        ("acl.local_admin", "false"),
        ("acl.file", ""),
        ("http.user", "mallory"),
    ];
    let settings = clacks_tests::cluster::settings(&domain, &overrides);
    let gateway = GatewayConfig {
        workers: 1,
        ..GatewayConfig::from_settings(&settings.http)
    };
    let cluster = Cluster::start(
        &LocalFactory::default(),
        &domain,
        &["n1", "n2"],
        &overrides,
        |name, b: NodeBuilder| {
            let b = b.acl_set(test_set());
            match name {
                "n1" => {
                    let listener = listener.lock().unwrap().take().unwrap();
                    let gateway = gateway.clone();
                    b.core_child(move |node| Ok(gateway_child(node, listener, gateway)))
                }
                _ => b.plugin(counter(&hits)),
            }
        },
    )
    .await;
    let (n1, n2) = (&cluster.nodes[0], &cluster.nodes[1]);
    let seen1 = AuditLog::subscribe(n1).await;
    let seen2 = AuditLog::subscribe(n2).await;
    let topic = format!("{domain}.command.counter.hit");

    // HTTP: the gateway's caller is mallory; counter.hit runs on n2 only (a hop as well).
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "counter.hit", "params": []});
    let answer = post(&url, "application/json", body.to_string()).await.body;
    let err = CallError::from_json(&answer["error"]);
    forbidden(&err, &topic);
    seen2.wait_for_decision("mallory", &topic, "denied").await;

    // A node-to-node hop: n1 calls for mallory, n2 decides.
    let call = CallRequest::new("counter.hit", Params::default()).with_caller("mallory");
    forbidden(&n1.call(call).await.unwrap_err(), &topic);
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the handler never ran");

    // The same hop for alice, who has the right, runs it.
    let call = CallRequest::new("counter.hit", Params::default()).with_caller("alice");
    assert_eq!(n1.call(call).await.unwrap(), json!(1));

    // SSE: subscribing needs r on the event's topic.
    let base = url.trim_end_matches("/rpc");
    let response = awc::Client::default()
        .get(format!("{base}/events?name=Notification"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let event_topic = format!("{domain}.event.Notification");
    seen1
        .wait_for_decision("mallory", &event_topic, "denied")
        .await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    cluster.shutdown().await;
}

/// Publishing needs `w` on `D.event.NAME` beyond `x` on `events.publish`: alice (x, and only
/// r on Notification) is refused with the event's topic and right, nothing reaches a
/// subscriber, and the refusal is audited; root's publish of the same event goes out.
#[actix_rt::test]
async fn publishing_an_event_needs_w_on_its_topic() {
    let domain = format!("acl-publish-{}", std::process::id());
    let overrides = [("acl.local_admin", "false"), ("acl.file", "")];
    let cluster = Cluster::start(
        &LocalFactory::default(),
        &domain,
        &["n1"],
        &overrides,
        |_, b: NodeBuilder| {
            b.acl_set(test_set())
                .plugin(clacks_plugins::events::EventsPlugin::definition())
        },
    )
    .await;
    let n1 = &cluster.nodes[0];
    let seen = AuditLog::subscribe(n1).await;
    let notes = Arc::new(Mutex::new(Vec::new()));
    let sink = notes.clone();
    let _notes = n1
        .event_bus()
        .subscribe(
            vec!["Notification".to_owned()],
            None,
            &Default::default(),
            move |event| sink.lock().unwrap().push(event.xml.to_string()),
        )
        .await
        .unwrap();
    let publish = |user: &str, target: &str| {
        let xml = format!(
            "<Event xmlns=\"{}\"><Notification><Target>{target}</Target><Body>b</Body></Notification></Event>",
            clacks_xml::EVENTS_NS
        );
        CallRequest::new("events.publish", Params::Positional(vec![json!(xml)])).with_caller(user)
    };
    let topic = format!("{domain}.event.Notification");
    let err = n1.call(publish("alice", "from-alice")).await.unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Forbidden, "{err}");
    assert_eq!(err.data("path"), Some(&json!(topic)), "{err}");
    assert_eq!(err.data("right"), Some(&json!("w")), "{err}");
    seen.wait_for_decision("alice", &topic, "denied").await;

    n1.call(publish("root", "from-root")).await.unwrap();
    seen.wait_for_decision("root", &topic, "allowed").await;
    for _ in 0..500 {
        if !notes.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let notes = notes.lock().unwrap().clone();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("from-root"), "{notes:?}");
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn an_amqp_caller_is_refused_until_an_acl_change_on_another_node_reaches_the_server() {
    let hits = Arc::new(AtomicU64::new(0));
    let domain = format!("acl-amqp-{}", std::process::id());
    let overrides = [("acl.local_admin", "false"), ("acl.file", "")];
    let settings = clacks_tests::cluster::settings(&domain, &overrides);
    let cluster = Cluster::start(
        &AmqpFactory::default(),
        &domain,
        &["n1", "n2"],
        &overrides,
        |name, b: NodeBuilder| {
            let b = b
                .acl_set(test_set())
                .plugin(clacks_plugins::acl::AclPlugin::definition(&settings));
            match name {
                "n2" => b.plugin(counter(&hits)),
                _ => b,
            }
        },
    )
    .await;
    let (n1, n2) = (&cluster.nodes[0], &cluster.nodes[1]);
    let seen2 = AuditLog::subscribe(n2).await;
    let topic = format!("{domain}.command.counter.hit");

    // Over the broker the caller is the account the broker vouches for (guest), whatever the
    // request claims: not allowed to call counter.hit.
    let claim = CallRequest::new("counter.hit", Params::default()).with_caller("alice");
    let err = n1.call(claim).await.unwrap_err();
    forbidden(&err, &topic);
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    seen2.wait_for_decision("guest", &topic, "denied").await;

    // n1 grants guest the right; n2 enforces it within a second.
    let entry = json!({"priority": 0, "scope": "sub", "members": ["^guest$"],
        "actions": [{"topic": ".*\\.command\\.counter\\.hit$", "acls": "x"}]});
    let add = CallRequest::new(
        "acl.add",
        Params::Positional(vec![json!("dc=example,dc=net"), entry]),
    )
    .on_node("n1")
    .with_caller("root");
    let id = n1.call(add).await.unwrap();
    let changed = Instant::now();
    let mut answer: Result<Value, CallError> = Err(CallError::internal("not called"));
    while changed.elapsed() < Duration::from_secs(1) {
        let call = CallRequest::new("counter.hit", Params::default()).on_node("n2");
        answer = n1.call(call).await;
        if answer.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(answer.unwrap(), json!(1), "enforced on n2 within a second");
    println!(
        "ACL change enforced on the other node after {:?}",
        changed.elapsed()
    );
    assert_eq!(
        n2.acl().set(),
        n1.acl().set(),
        "both nodes hold the same set"
    );

    // Removing it there takes the right away again.
    let remove = CallRequest::new("acl.remove", Params::Positional(vec![id])).on_node("n2");
    n1.call(remove).await.unwrap();
    for _ in 0..100 {
        if n1.acl().set().entries_on("dc=example,dc=net").len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(n1.acl().set(), n2.acl().set());
    cluster.shutdown().await;
}
