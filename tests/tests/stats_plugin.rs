//! The `stats` plugin on a real in-process node: 10,000 generated PhoneCall events go through
//! `events.publish`, the plugin's subscription and its call book, and `stats.query` must equal
//! a straightforward recomputation from the generated calls, for every grouping and for a
//! narrower window; the periodic PhoneStatistics event goes out and validates.

use clacks_plugins::stats::{generate, GeneratedCall, GeneratorConfig};
use clacks_runtime::call::unix_millis_now;
use clacks_runtime::events::Event;
use clacks_runtime::NodeHandle;
use clacks_tests::cluster::{Cluster, LocalFactory};
use clacks_xml::events::timestamp;
use clacks_xml::{Namespaces, EVENTS_NS};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn stats_node(test: &str, overrides: &[(&str, &str)]) -> Cluster {
    let factory = LocalFactory::default();
    let domain = format!("stats-{test}-{}", std::process::id());
    Cluster::start(&factory, &domain, &["s"], overrides, |_, b| {
        b.plugin(clacks_plugins::events::EventsPlugin::definition())
            .plugin(clacks_plugins::stats::StatsPlugin::definition())
    })
    .await
}

fn phone_subscription_delivered(node: &NodeHandle) -> Option<(bool, u64)> {
    node.event_bus()
        .subscriptions()
        .into_iter()
        .find(|s| s.names == ["PhoneCall"])
        .map(|s| (s.active, s.delivered))
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Nearest rank, written out independently of the plugin.
fn nearest_rank(sorted: &[f64], p: f64) -> Value {
    if sorted.is_empty() {
        return Value::Null;
    }
    let mut rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    if rank == 0 {
        rank = 1;
    }
    json!(sorted[rank - 1])
}

#[derive(Default)]
struct Expected {
    calls: u64,
    answered: u64,
    durations: Vec<f64>,
    in_progress: u64,
}

impl Expected {
    fn into_json(mut self, key: Option<&str>) -> Value {
        self.durations.sort_by(f64::total_cmp);
        json!({
            "key": key,
            "calls": self.calls,
            "answered": self.answered,
            "missed": self.calls - self.answered,
            "duration_p50": nearest_rank(&self.durations, 50.0),
            "duration_p95": nearest_rank(&self.durations, 95.0),
            "duration_p99": nearest_rank(&self.durations, 99.0),
            "in_progress": self.in_progress,
        })
    }
}

/// What `stats.query(window, group_by, until)` must say about `calls`.
fn recompute(
    calls: &[GeneratedCall],
    window_ms: i64,
    until_ms: i64,
    group_by: &str,
) -> (Value, Value) {
    let key = |c: &GeneratedCall| -> Option<String> {
        match group_by {
            "extension" => Some(c.extension.clone()),
            "queue" => c.queue.clone(),
            _ => None,
        }
    };
    let mut groups: BTreeMap<Option<String>, Expected> = BTreeMap::new();
    let mut total = Expected::default();
    for call in calls {
        match call.hung_up_ms {
            None => {
                groups.entry(key(call)).or_default().in_progress += 1;
                total.in_progress += 1;
            }
            Some(end) if end > until_ms - window_ms && end <= until_ms => {
                for e in [groups.entry(key(call)).or_default(), &mut total] {
                    e.calls += 1;
                    if let Some(answered) = call.answered_ms {
                        e.answered += 1;
                        e.durations.push((end - answered) as f64 / 1000.0);
                    }
                }
            }
            Some(_) => {}
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(k, e)| e.into_json(k.as_deref()))
        .collect();
    (Value::Array(groups), total.into_json(None))
}

#[actix_rt::test]
async fn ten_thousand_phone_call_events_give_the_statistics_of_a_straightforward_recomputation() {
    let cluster = stats_node("tenk", &[]).await;
    let node = cluster.nodes[0].clone();
    wait_for("the stats subscription", || {
        phone_subscription_delivered(&node).is_some_and(|s| s.0)
    })
    .await;
    let now = unix_millis_now() as i64;
    let (events, calls) = generate(GeneratorConfig {
        events: 10_000,
        seed: 42,
        extensions: 12,
        start_ms: now - 3 * 3_600_000,
        spacing_ms: 2_000,
    });
    assert_eq!(events.len(), 10_000);
    for (chunk_index, chunk) in events.chunks(500).enumerate() {
        for xml in chunk {
            cluster
                .call(0, "events.publish", json!([xml]))
                .await
                .unwrap();
        }
        let sent = ((chunk_index + 1) * 500) as u64;
        // Keep within the subscriber's buffer: wait for the plugin to take them all.
        wait_for("the plugin to take the chunk", || {
            phone_subscription_delivered(&node).is_some_and(|s| s.1 == sent)
        })
        .await;
    }
    assert_eq!(node.transport().dropped_events(), 0);
    let until_ms = now + 60_000;
    let until = timestamp::from_unix_millis(until_ms);
    for group_by in ["extension", "queue", "none"] {
        let window_s = 4.0 * 3600.0;
        let got = cluster
            .call(
                0,
                "stats.query",
                json!({"window": window_s, "group_by": group_by, "until": until}),
            )
            .await
            .unwrap();
        let (groups, total) = recompute(&calls, (window_s * 1000.0) as i64, until_ms, group_by);
        assert_eq!(got["groups"], groups, "group_by {group_by}");
        assert_eq!(got["total"], total, "group_by {group_by}");
        assert_eq!(got["unreadable_events"], json!(0));
    }
    // A narrower window in the middle of the traffic.
    let narrow_until_ms = now - 2 * 3_600_000 + 123_456;
    let got = cluster
        .call(
            0,
            "stats.query",
            json!([
                1800,
                "extension",
                timestamp::from_unix_millis(narrow_until_ms)
            ]),
        )
        .await
        .unwrap();
    let (groups, total) = recompute(&calls, 1_800_000, narrow_until_ms, "extension");
    assert_eq!(got["groups"], groups);
    assert_eq!(got["total"], total);
    assert!(
        total["calls"].as_u64().unwrap() > 100,
        "the window holds real traffic: {total}"
    );
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn query_arguments_are_checked() {
    let cluster = stats_node("args", &[]).await;
    for params in [
        json!([0]),
        json!([60, "color"]),
        json!([60, "queue", "yesterday"]),
    ] {
        let err = cluster
            .call(0, "stats.query", params.clone())
            .await
            .unwrap_err();
        assert_eq!(err.code(), -32602, "{params}");
    }
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn a_phone_statistics_event_is_published_every_interval() {
    let cluster = stats_node("periodic", &[("plugins.stats.interval", "0.3")]).await;
    let node = cluster.nodes[0].clone();
    let seen: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = seen.clone();
    let _sub = node
        .event_bus()
        .subscribe(
            vec!["PhoneStatistics".into()],
            None,
            &Namespaces::default(),
            move |e| sink.lock().unwrap().push(e.clone()),
        )
        .await
        .unwrap();
    wait_for("the stats subscription", || {
        phone_subscription_delivered(&node).is_some_and(|s| s.0)
    })
    .await;
    let now = unix_millis_now() as i64;
    let call = GeneratedCall {
        call_id: "live-1".into(),
        caller: "+4930123456".into(),
        extension: "555".into(),
        queue: None,
        ringing_ms: now - 15_000,
        answered_ms: Some(now - 10_000),
        hung_up_ms: Some(now),
    };
    let hangup = clacks_plugins::stats::generator::phone_call_xml(
        &call,
        clacks_plugins::stats::CallState::HungUp,
    );
    cluster
        .call(0, "events.publish", json!([hangup]))
        .await
        .unwrap();
    let field = |e: &clacks_xml::document::Element<'_>, n: &str| {
        e.first_child(EVENTS_NS, n)
            .map(|c| c.text().into_owned())
            .unwrap_or_default()
    };
    wait_for("a PhoneStatistics event with extension 555", || {
        seen.lock().unwrap().iter().any(|e| {
            e.element().is_some_and(|el| {
                el.child_elements()
                    .any(|x| x.local_name() == "Extension" && field(&x, "Number") == "555")
            })
        })
    })
    .await;
    let events: Vec<Event> = seen.lock().unwrap().clone();
    for event in &events {
        let element = event.element().unwrap();
        assert_eq!(field(&element, "Node"), "s");
        for ext in element
            .child_elements()
            .filter(|x| x.local_name() == "Extension")
        {
            assert_eq!(
                [
                    field(&ext, "Calls"),
                    field(&ext, "Answered"),
                    field(&ext, "Missed"),
                    field(&ext, "DurationP50")
                ],
                ["1", "1", "0", "10.000"]
            );
        }
    }
    cluster.shutdown().await;
}
