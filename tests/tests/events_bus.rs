//! The event bus on real in-process nodes (local transport): XPath-filtered delivery across
//! nodes, invalid events refused at publish with the schema's complaint and dropped (counted,
//! never delivered) on receipt, filters checked at subscribe time, supervised subscriptions
//! (panics restart them, dropping the handle removes them), supervision events published as
//! XML, and one NodeStatistics event per interval rather than per call. Node-only events
//! (`NodeStatus`, `NodeLeave`) are published through the node's own bus, as nodes do:
//! `events.publish` refuses them from callers (tests/tests/hostile_input.rs).

use clacks_runtime::call::RpcErrorKind;
use clacks_runtime::events::{Event, Subscription};
use clacks_runtime::transport::RawEvent;
use clacks_runtime::NodeHandle;
use clacks_tests::amqp::AmqpFactory;
use clacks_tests::cluster::{Cluster, LocalFactory, TransportFactory};
use clacks_xml::{envelope, Namespaces, EVENTS_NS};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Seen = Arc<Mutex<Vec<Event>>>;

fn status(id: &str, load: &str) -> String {
    envelope::wrap(&format!(
        "<NodeStatus><Id>{id}</Id><Load>{load}</Load><Latency>0.01</Latency><Workers>4</Workers></NodeStatus>"
    ))
}

fn text_of(event: &Event, name: &str) -> String {
    event
        .element()
        .and_then(|e| e.first_child(EVENTS_NS, name))
        .map(|e| e.text().into_owned())
        .unwrap_or_default()
}

async fn subscribe(
    node: &NodeHandle,
    names: &[&str],
    filter: Option<&str>,
) -> (Subscription, Seen) {
    let seen: Seen = Arc::default();
    let sink = seen.clone();
    let sub = node
        .event_bus()
        .subscribe(
            names.iter().map(|n| n.to_string()).collect(),
            filter,
            &Namespaces::default(),
            move |e| sink.lock().unwrap().push(e.clone()),
        )
        .await
        .unwrap_or_else(|e| panic!("subscribe failed: {e}"));
    (sub, seen)
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Over AMQP a subscription's queue is bound a moment after `subscribe` returns: publish
/// matching warm-up events from node b until one arrives, then start from a clean slate.
async fn until_live(cluster: &Cluster, seen: &Seen) {
    for attempt in 0..100 {
        let id = format!("test-warmup-{attempt}");
        cluster.nodes[1]
            .event_bus()
            .publish(&status(&id, "100"))
            .await
            .unwrap();
        for _ in 0..20 {
            if seen
                .lock()
                .unwrap()
                .iter()
                .any(|e| text_of(e, "Id").starts_with("test-warmup"))
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
                seen.lock().unwrap().clear();
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    panic!("the subscription never received a warm-up event");
}

async fn two_nodes(test: &str, overrides: &[(&str, &str)]) -> Cluster {
    two_nodes_on(&LocalFactory::default(), test, overrides).await
}

async fn two_nodes_on(
    factory: &dyn TransportFactory,
    test: &str,
    overrides: &[(&str, &str)],
) -> Cluster {
    let domain = format!("ev-{}-{test}-{}", factory.name(), std::process::id());
    Cluster::start(factory, &domain, &["a", "b"], overrides, |_, b| {
        b.plugin(clacks_plugins::events::EventsPlugin::definition())
    })
    .await
}

#[actix_rt::test]
async fn subscriber_with_load_filter_receives_exactly_the_matching_node_status_events() {
    filtered_delivery(&LocalFactory::default()).await;
}

#[actix_rt::test]
async fn over_amqp_subscriber_with_load_filter_receives_exactly_the_matching_node_status_events() {
    filtered_delivery(&AmqpFactory::default()).await;
}

async fn filtered_delivery(factory: &dyn TransportFactory) {
    let cluster = two_nodes_on(factory, "filter", &[]).await;
    let (_sub, seen) = subscribe(&cluster.nodes[0], &[], Some("//e:NodeStatus[e:Load > 2]")).await;
    until_live(&cluster, &seen).await;
    let loads = [
        "0.5", "2", "2.0001", "3", "1.99", "10", "-7", "2.5", "INF", "0",
    ];
    for (i, load) in loads.iter().enumerate() {
        cluster.nodes[1]
            .event_bus()
            .publish(&status(&format!("s{i}"), load))
            .await
            .unwrap();
        // Other event types never match.
        cluster.nodes[1]
            .event_bus()
            .publish(&envelope::wrap(&format!(
                "<NodeLeave><Id>l{i}</Id></NodeLeave>"
            )))
            .await
            .unwrap();
    }
    cluster.nodes[1]
        .event_bus()
        .publish(&status("last", "99"))
        .await
        .unwrap();
    wait_for("the last event", || {
        seen.lock()
            .unwrap()
            .iter()
            .any(|e| text_of(e, "Id") == "last")
    })
    .await;
    let ids: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|e| text_of(e, "Id"))
        // Over AMQP the nodes' own membership NodeStatus events (Id = node name) travel too.
        .filter(|id| id != "a" && id != "b")
        .collect();
    // XPath 1.0 numbers have no INF: number('INF') is NaN, and NaN > 2 is false.
    assert_eq!(ids, ["s2", "s3", "s5", "s7", "last"]);
    let event = seen
        .lock()
        .unwrap()
        .iter()
        .find(|e| text_of(e, "Id") == "s2")
        .cloned()
        .unwrap();
    assert_eq!(
        (event.name.as_str(), event.origin.as_str()),
        ("NodeStatus", "b")
    );
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn invalid_event_is_refused_at_publish_with_the_schemas_complaint_and_position() {
    let cluster = two_nodes("refuse", &[]).await;
    let (_sub, seen) = subscribe(&cluster.nodes[0], &["NodeStatus"], None).await;
    let bad = format!(
        "<Event xmlns=\"{EVENTS_NS}\">\n  <NodeStatus>\n    <Id>x</Id>\n    <Load>busy</Load>\n  </NodeStatus>\n</Event>"
    );
    let err = cluster
        .call_on(1, "b", "events.publish", json!([bad]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::InvalidEvent);
    assert_eq!(err.code(), -32005);
    assert_eq!(err.data("line"), Some(&json!(4)), "{err:?}");
    assert_eq!(err.data("column"), Some(&json!(5)), "{err:?}");
    assert_eq!(err.data("element"), Some(&json!("Load")));
    assert!(err.message().contains("xs:float"), "{err}");
    let err = cluster.nodes[1]
        .event_bus()
        .publish("<Event><unclosed></Event>")
        .await
        .unwrap_err();
    assert_eq!(err.code(), -32005);
    assert_eq!(err.data("reason"), Some(&json!("malformed")));
    let err = cluster.nodes[1]
        .event_bus()
        .publish(&envelope::wrap("<NoSuchEvent/>"))
        .await
        .unwrap_err();
    assert_eq!(err.data("reason"), Some(&json!("unknown_event")));
    assert_eq!(cluster.nodes[1].event_bus().counters().refused, 3);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing invalid left the node"
    );
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn invalid_event_arriving_from_elsewhere_is_dropped_counted_and_never_delivered() {
    dropped_on_receipt(&LocalFactory::default()).await;
}

#[actix_rt::test]
async fn over_amqp_invalid_event_arriving_from_elsewhere_is_dropped_counted_and_never_delivered() {
    dropped_on_receipt(&AmqpFactory::default()).await;
}

async fn dropped_on_receipt(factory: &dyn TransportFactory) {
    let cluster = two_nodes_on(factory, "drop", &[]).await;
    // The filter keeps the nodes' own membership NodeStatus events (over AMQP) out.
    let filter = "starts-with(//e:Id, 'test-')";
    let (sub, seen) = subscribe(&cluster.nodes[0], &["NodeStatus"], Some(filter)).await;
    until_live(&cluster, &seen).await;
    let before = sub.info();
    // A rogue publisher bypasses validation and talks to the transport directly, even
    // claiming that node b's schemas checked it: node a trusts only its own schema set.
    let rogue = RawEvent {
        name: "NodeStatus".into(),
        xml: Arc::from(envelope::wrap(
            "<NodeStatus><Id>test-r</Id><Load>lots</Load></NodeStatus>",
        )),
        origin: "rogue".into(),
        checked_by: Some(cluster.nodes[1].event_bus().schemas().identity()),
    };
    cluster.nodes[1]
        .transport()
        .publish_event(rogue)
        .await
        .unwrap();
    cluster.nodes[1]
        .event_bus()
        .publish(&status("test-good", "1"))
        .await
        .unwrap();
    // Over AMQP the two publishes take different channels: wait for both outcomes.
    wait_for("the valid event and the dropped one", || {
        !seen.lock().unwrap().is_empty() && sub.info().invalid == 1
    })
    .await;
    let ids: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|e| text_of(e, "Id"))
        .collect();
    assert_eq!(ids, ["test-good"]);
    let info = sub.info();
    assert_eq!((info.invalid, info.delivered - before.delivered), (1, 1));
    assert_eq!(cluster.nodes[0].event_bus().counters().invalid, 1);
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn filters_that_do_not_parse_and_unknown_event_names_are_refused_at_subscribe() {
    let cluster = two_nodes("badfilter", &[]).await;
    let bus = cluster.nodes[0].event_bus();
    for filter in ["//e:NodeStatus[e:Load >", "//x:Foo", "frobnicate(1)"] {
        let err = bus
            .subscribe(vec![], Some(filter), &Namespaces::default(), |_| {})
            .await
            .err()
            .unwrap_or_else(|| panic!("{filter} was accepted"));
        assert_eq!(err.kind(), RpcErrorKind::InvalidParams, "{filter}");
        assert!(err.message().contains("does not compile"), "{err}");
    }
    let err = bus
        .subscribe(
            vec!["NodeStatu".into()],
            None,
            &Namespaces::default(),
            |_| {},
        )
        .await
        .err()
        .unwrap();
    assert!(err.message().contains("NodeStatu"), "{err}");
    assert!(bus.subscriptions().is_empty(), "nothing left behind");
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn a_panicking_handler_restarts_its_subscription_which_keeps_receiving() {
    let cluster = two_nodes("panic", &[]).await;
    let seen: Seen = Arc::default();
    let (sink, panicked) = (seen.clone(), Arc::new(AtomicBool::new(false)));
    let sub = cluster.nodes[0]
        .event_bus()
        .subscribe(
            vec!["NodeStatus".into()],
            None,
            &Namespaces::default(),
            move |e| {
                if !panicked.swap(true, Ordering::SeqCst) {
                    panic!("handler fails once on purpose");
                }
                sink.lock().unwrap().push(e.clone());
            },
        )
        .await
        .unwrap();
    for id in ["first", "second", "third"] {
        cluster.nodes[1]
            .event_bus()
            .publish(&status(id, "1"))
            .await
            .unwrap();
    }
    wait_for("two deliveries after the restart", || {
        seen.lock().unwrap().len() == 2
    })
    .await;
    let ids: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|e| text_of(e, "Id"))
        .collect();
    assert_eq!(
        ids,
        ["second", "third"],
        "only the event the handler panicked on is lost"
    );
    assert_eq!(sub.info().handler_panics, 1);
    let path = format!("node/events/{}/receiver", sub.id());
    let actor = cluster.nodes[0]
        .tree()
        .snapshot()
        .into_iter()
        .find(|a| a.path == path)
        .unwrap();
    assert_eq!(actor.total_restarts, 1);
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn dropping_the_subscription_removes_its_actor_from_the_tree() {
    let cluster = two_nodes("unsub", &[]).await;
    let node = cluster.nodes[0].clone();
    let (sub, _) = subscribe(&node, &["NodeLeave"], None).await;
    let path = format!("node/events/{}", sub.id());
    assert!(node.tree().snapshot().iter().any(|a| a.path == path));
    drop(sub);
    wait_for("the subscription to leave the tree", || {
        !node
            .tree()
            .snapshot()
            .iter()
            .any(|a| a.path.starts_with(&path))
    })
    .await;
    assert!(node.event_bus().subscriptions().is_empty());
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn supervision_events_are_published_as_xml_events() {
    let cluster = two_nodes("supervision", &[]).await;
    let (_sub, seen) = subscribe(&cluster.nodes[0], &["ActorRestarted"], None).await;
    let err = cluster
        .call_on(0, "b", "probe.boom", json!([]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Panic);
    wait_for("ActorRestarted from b", || {
        seen.lock().unwrap().iter().any(|e| e.origin == "b")
    })
    .await;
    let event = seen
        .lock()
        .unwrap()
        .iter()
        .find(|e| e.origin == "b")
        .cloned()
        .unwrap();
    assert_eq!(text_of(&event, "Path"), "/node/plugins/probe/actor");
    assert_eq!(text_of(&event, "Kind"), "plugin");
    assert!(text_of(&event, "Reason").contains("boom"), "{}", event.xml);
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn node_statistics_go_out_once_per_interval_not_once_per_call() {
    let cluster = two_nodes("nodestats", &[("stats.interval", "0.4")]).await;
    let (_sub, seen) = subscribe(&cluster.nodes[0], &["NodeStatistics"], None).await;
    let started = std::time::Instant::now();
    for i in 0..200u64 {
        cluster
            .call_on(0, "a", "probe.add", json!([i, 1]))
            .await
            .unwrap();
    }
    let _ = cluster
        .call_on(0, "a", "probe.fail", json!(["on purpose"]))
        .await;
    let counted = |seen: &Seen, method: &str| -> (u64, u64) {
        let seen = seen.lock().unwrap();
        let mut totals = (0, 0);
        for event in seen.iter().filter(|e| e.origin == "a") {
            for command in event
                .element()
                .unwrap()
                .child_elements()
                .filter(|c| c.local_name() == "Command")
            {
                let field = |n: &str| {
                    command
                        .first_child(EVENTS_NS, n)
                        .map(|e| e.text().into_owned())
                        .unwrap_or_default()
                };
                if field("Name") == method {
                    totals.0 += field("Count").parse::<u64>().unwrap();
                    totals.1 += field("Errors").parse::<u64>().unwrap();
                }
            }
        }
        totals
    };
    wait_for("all 200 calls in NodeStatistics", || {
        counted(&seen, "probe.add").0 == 200
    })
    .await;
    assert_eq!(counted(&seen, "probe.add"), (200, 0));
    wait_for("the failed call", || counted(&seen, "probe.fail") == (1, 1)).await;
    let from_a = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.origin == "a")
        .count();
    let intervals = (started.elapsed().as_secs_f64() / 0.4).ceil() as usize + 1;
    assert!(
        from_a <= intervals,
        "{from_a} events in {intervals} intervals: one per interval"
    );
    let metrics = cluster.nodes[0].metrics_text();
    assert!(
        metrics.contains("clacks_command_calls_total{node=\"a\",method=\"probe.add\"} 200"),
        "{metrics}"
    );
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn big_events_are_validated_on_workers_and_still_arrive_in_order() {
    // Every event counts as big: publish and receipt both validate on blocking workers.
    let cluster = two_nodes("offload", &[("events.offload_bytes", "1")]).await;
    let (sub, seen) = subscribe(&cluster.nodes[0], &["NodeStatus"], None).await;
    let bus = cluster.nodes[1].event_bus().clone();
    let err = bus.publish(&status("bad", "many")).await.unwrap_err();
    assert_eq!(err.code(), -32005, "refused on the worker too");
    let rogue = RawEvent {
        name: "NodeStatus".into(),
        xml: Arc::from(status("rogue", "many")),
        origin: "rogue".into(),
        checked_by: None,
    };
    cluster.nodes[1]
        .transport()
        .publish_event(rogue)
        .await
        .unwrap();
    for i in 0..30 {
        bus.publish(&status(&format!("n{i}"), "1")).await.unwrap();
    }
    wait_for("30 events", || seen.lock().unwrap().len() == 30).await;
    let ids: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|e| text_of(e, "Id"))
        .collect();
    let expected: Vec<String> = (0..30).map(|i| format!("n{i}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(sub.info().invalid, 1);
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn small_publishes_complete_while_a_big_event_is_validated() {
    // Events of 64 KiB or more are validated on a blocking worker, off the plugin's thread.
    let cluster = two_nodes("beside", &[("events.offload_bytes", "65536")]).await;
    let body = "a &amp; b ".repeat(800_000);
    let big = envelope::wrap(&format!(
        "<Notification><Target>t</Target><Body>{body}</Body></Notification>"
    ));
    let big_call = cluster.call_on(0, "a", "events.publish", json!([big]));
    let mut big_call = Box::pin(big_call);
    let mut small_done = 0;
    loop {
        let small =
            envelope::wrap("<Notification><Target>small</Target><Body>b</Body></Notification>");
        let small = cluster.call_on(0, "a", "events.publish", json!([small]));
        // Biased: when both are done, the big one counts first. Served one at a time, at most
        // a small publish that overtook the big one on its way in could finish before it.
        tokio::select! {
            biased;
            big = &mut big_call => {
                assert_eq!(big.unwrap()["event"], json!("Notification"));
                break;
            }
            small = small => {
                assert_eq!(small.unwrap()["event"], json!("Notification"));
                small_done += 1;
            }
        }
    }
    assert!(
        small_done >= 2,
        "only {small_done} small publishes finished while the big one was validated"
    );
    drop(big_call);
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn subscriptions_survive_a_restart_of_the_events_supervisor() {
    let cluster = two_nodes("restart", &[]).await;
    let node = cluster.nodes[0].clone();
    let (sub, seen) = subscribe(&node, &["NodeStatus"], None).await;
    node.tree()
        .control(
            "node/events",
            clacks_runtime::supervision::ControlOp::Restart,
        )
        .await
        .unwrap();
    let receiver = format!("node/events/{}/receiver", sub.id());
    wait_for("the subscription to run again", || {
        node.tree()
            .snapshot()
            .iter()
            .any(|a| a.path == receiver && a.state == "running")
    })
    .await;
    cluster.nodes[1]
        .event_bus()
        .publish(&status("after", "1"))
        .await
        .unwrap();
    wait_for("delivery after the restart", || {
        seen.lock()
            .unwrap()
            .iter()
            .any(|e| text_of(e, "Id") == "after")
    })
    .await;
    assert_eq!(node.event_bus().subscriptions().len(), 1);
    cluster.shutdown().await;
}
