//! The event bus over HTTP: `GET /events` as Server-Sent Events (filtered on the node, bad
//! filters refused with 400 before any subscription) and `GET /metrics` in the Prometheus text
//! format, against a real node with its gateway.

use clacks_tests::cluster::node_with_gateway;
use clacks_tests::http::{get, post};
use clacks_xml::envelope;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;

/// A caller-publishable event (node-only events such as NodeStatus are refused from callers).
fn notice(target: &str, timeout: u32) -> String {
    envelope::wrap(&format!(
        "<Notification><Target>{target}</Target><Body>b</Body><Timeout>{timeout}</Timeout></Notification>"
    ))
}

async fn publish(url: &str, xml: &str) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "events.publish", "params": [xml]});
    post(url, "application/json", body.to_string()).await.body
}

/// Reads the SSE body until `until` is in it (or 10 s pass); returns what was read.
async fn read_until<S>(body: &mut S, text: &mut String, until: &str)
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !text.contains(until) {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            other => panic!("stream ended or timed out before {until:?}: {other:?}\n{text}"),
        }
    }
}

#[actix_rt::test]
async fn sse_events_stream_delivers_only_the_filtered_events() {
    let (node, url) = node_with_gateway(
        "sse1",
        &[],
        vec![clacks_plugins::events::EventsPlugin::definition()],
    );
    let base = url.trim_end_matches("/rpc");
    let client = awc::Client::builder().disable_timeout().finish();
    let mut response = client
        .get(format!("{base}/events"))
        .query(&[
            ("filter", "//e:Notification[e:Timeout > 2]"),
            ("name", "Notification"),
        ])
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let mut text = String::new();
    read_until(&mut response, &mut text, ": subscribed").await;
    for (target, timeout) in [("low", 1), ("high", 3), ("edge", 2), ("top", 7)] {
        let answer = publish(&url, &notice(target, timeout)).await;
        assert_eq!(answer["result"]["event"], json!("Notification"), "{answer}");
    }
    read_until(&mut response, &mut text, "<Target>top</Target>").await;
    let frames: Vec<&str> = text
        .split("\n\n")
        .filter(|f| f.starts_with("event:"))
        .collect();
    assert_eq!(frames.len(), 2, "{text}");
    assert!(
        frames[0].contains("event: Notification\norigin: sse1\ndata: <Event"),
        "{}",
        frames[0]
    );
    assert!(
        frames[0].contains("<Target>high</Target>") && frames[1].contains("<Target>top</Target>")
    );
    drop(response);
    node.shutdown().await;
}

#[actix_rt::test]
async fn sse_refuses_a_bad_filter_or_unknown_event_with_400() {
    let (node, url) = node_with_gateway("sse2", &[], vec![]);
    let base = url.trim_end_matches("/rpc");
    let client = awc::Client::new();
    for query in [
        vec![("filter", "//e:NodeStatus[")],
        vec![("name", "Nope")],
        vec![("ns", "broken")],
        vec![("colour", "red")],
    ] {
        let mut response = client
            .get(format!("{base}/events"))
            .query(&query)
            .unwrap()
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{query:?}");
        let body: Value = serde_json::from_slice(&response.body().await.unwrap()).unwrap();
        assert_eq!(body["error"]["code"], json!(-32602), "{query:?}: {body}");
    }
    assert!(node.event_bus().subscriptions().is_empty());
    node.shutdown().await;
}

#[actix_rt::test]
async fn metrics_endpoint_reports_calls_errors_latency_buckets_and_event_counters() {
    let (node, url) = node_with_gateway(
        "met1",
        &[],
        vec![clacks_plugins::events::EventsPlugin::definition()],
    );
    for i in 0..5 {
        let body = json!({"jsonrpc": "2.0", "id": i, "method": "probe.add", "params": [i, 1]});
        post(&url, "application/json", body.to_string()).await;
    }
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "probe.fail", "params": ["x"]});
    post(&url, "application/json", body.to_string()).await;
    publish(&url, &notice("m", 1)).await;
    publish(
        &url,
        "<Event xmlns=\"http://www.gonicus.de/Events\"><Notification/></Event>",
    )
    .await;
    let base = url.trim_end_matches("/rpc");
    let response = awc::Client::new()
        .get(format!("{base}/metrics"))
        .send()
        .await;
    let mut response = response.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    for line in [
        "# TYPE clacks_command_calls_total counter",
        "clacks_command_calls_total{node=\"met1\",method=\"probe.add\"} 5",
        "clacks_command_errors_total{node=\"met1\",method=\"probe.fail\"} 1",
        "# TYPE clacks_command_latency_seconds histogram",
        "clacks_command_latency_seconds_bucket{node=\"met1\",method=\"probe.add\",le=\"+Inf\"} 5",
        "clacks_command_latency_seconds_count{node=\"met1\",method=\"probe.add\"} 5",
        "clacks_events_refused_total{node=\"met1\"} 1",
        "clacks_plugin_up{node=\"met1\",plugin=\"probe\"} 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    // Supervision events (ActorStarted, …) are published too: at least ours and those.
    let published: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("clacks_events_published_total{node=\"met1\"} "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(published > 1, "{published}");
    // Buckets are cumulative and end at the count.
    let buckets: Vec<u64> = text
        .lines()
        .filter(|l| {
            l.starts_with(
                "clacks_command_latency_seconds_bucket{node=\"met1\",method=\"probe.add\"",
            )
        })
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(buckets.len(), 18);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    let health = get(&format!("{base}/health")).await;
    assert_eq!(health.status, 200, "the node keeps serving");
    node.shutdown().await;
}
