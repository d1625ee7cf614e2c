//! Calls through Clacks over the local RabbitMQ against a raw lapin request/reply loop on the
//! same broker, in one run: sequential latency (p50, p99) and throughput with 1, 64 and 256
//! calls in flight, printed side by side as ratios.
//!
//! Clacks: `NodeHandle::call("bench.echo", [n])` on a node whose AMQP transport publishes to
//! `D.command`, the same node consumes the shared queue, serves the call in its plugin actor,
//! publishes the reply (confirmed) and acks. Raw: a lapin responder consuming one queue and
//! replying to `reply_to`, and a lapin requester matching replies by correlation id.
//! Goals (issue 5): sequential p50 ≤ 1.10× raw; throughput at 64 in flight ≥ 0.9× raw.
//! Broker: `CLACKS_BENCH_AMQP_URL` (default amqp://guest:guest@127.0.0.1:5672/%2f).

use clacks_benchmarks::{amqp_node, report, Samples};
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::plugin::{plugin, PluginDef};
use clacks_runtime::NodeHandle;
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

struct Bench;

/// Benchmark commands.
#[plugin(name = "bench")]
impl Bench {
    /// Returns its argument.
    #[command]
    fn echo(&self, n: u64) -> u64 {
        n
    }
}

const PREFETCH: u16 = 256;

fn url() -> String {
    amqp_node::broker_url()
}

type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<Vec<u8>>>>>;

/// The raw lapin request/reply pair.
struct Raw {
    connection: Connection,
    channel: Channel,
    queue: String,
    reply_to: String,
    waiters: Waiters,
}

impl Raw {
    async fn start() -> Raw {
        let connection = Connection::connect(&url(), ConnectionProperties::default())
            .await
            .unwrap_or_else(|e| panic!("raw baseline cannot reach the broker: {e}"));
        let queue = format!("bench-raw-{}", std::process::id());
        // Responder: echo the body back to reply_to, ack after publishing.
        let responder = connection.create_channel().await.expect("channel");
        responder
            .basic_qos(PREFETCH, BasicQosOptions::default())
            .await
            .expect("qos");
        responder
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("declare");
        let mut requests = responder
            .basic_consume(
                queue.as_str().into(),
                "raw-responder".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume");
        let reply_channel = responder.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = requests.next().await {
                let props = &delivery.properties;
                let reply_to = props.reply_to().clone().unwrap_or_default();
                let reply_props = BasicProperties::default()
                    .with_correlation_id(props.correlation_id().clone().unwrap_or_default())
                    .with_content_type("application/json".into());
                let _ = reply_channel
                    .basic_publish(
                        "".into(),
                        reply_to,
                        BasicPublishOptions::default(),
                        &delivery.data,
                        reply_props,
                    )
                    .await;
                let _ = delivery.ack(BasicAckOptions::default()).await;
            }
        });
        // Requester: one reply queue, replies matched by correlation id.
        let channel = connection.create_channel().await.expect("channel");
        let reply_queue = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("reply queue");
        let reply_to = reply_queue.name().to_string();
        let mut replies = channel
            .basic_consume(
                reply_to.as_str().into(),
                "raw-requester".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("consume replies");
        let waiters: Waiters = Default::default();
        let for_replies = waiters.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = replies.next().await {
                let id = delivery
                    .properties
                    .correlation_id()
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                let waiter = for_replies.lock().ok().and_then(|mut w| w.remove(&id));
                if let Some(tx) = waiter {
                    let _ = tx.send(delivery.data);
                }
            }
        });
        Raw {
            connection,
            channel,
            queue,
            reply_to,
            waiters,
        }
    }

    async fn call(&self) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (tx, rx) = oneshot::channel();
        if let Ok(mut w) = self.waiters.lock() {
            w.insert(id.clone(), tx);
        }
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": "bench.echo", "params": [7]}).to_string();
        let props = BasicProperties::default()
            .with_reply_to(self.reply_to.as_str().into())
            .with_correlation_id(id.as_str().into())
            .with_content_type("application/json".into());
        let _ = self
            .channel
            .basic_publish(
                "".into(),
                self.queue.as_str().into(),
                BasicPublishOptions::default(),
                body.as_bytes(),
                props,
            )
            .await;
        let _ = tokio::time::timeout(Duration::from_secs(30), rx).await;
    }

    async fn stop(self) {
        let _ = self
            .channel
            .queue_delete(self.queue.as_str().into(), QueueDeleteOptions::default())
            .await;
        let _ = self.connection.close(200, "bench done".into()).await;
    }
}

async fn clacks_node() -> (NodeHandle, String) {
    let domain = format!("bench-{}", std::process::id());
    let plugins = vec![PluginDef::new(|_| Ok(Bench))];
    let node = amqp_node::start("bench", &domain, PREFETCH, &[], plugins).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    (node, domain)
}

/// Runs `total` operations with `in_flight` concurrent workers; returns operations per second.
async fn throughput<F, Fut>(total: usize, in_flight: usize, op: F) -> f64
where
    F: Fn() -> Fut + Clone,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    let per_worker = total / in_flight;
    let workers = (0..in_flight).map(|_| {
        let op = op.clone();
        async move {
            for _ in 0..per_worker {
                op().await;
            }
        }
    });
    futures_util::future::join_all(workers).await;
    (per_worker * in_flight) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let sequential: usize = std::env::var("CLACKS_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    actix_rt::System::new().block_on(async move {
        let raw = Arc::new(Raw::start().await);
        let (node, domain) = clacks_node().await;
        let call = {
            let node = node.clone();
            move || {
                let node = node.clone();
                async move {
                    let r = node.call(CallRequest::new("bench.echo", Params::Positional(vec![json!(7)]))).await;
                    if let Err(e) = r {
                        eprintln!("bench call failed: {e}");
                    }
                }
            }
        };
        let raw_call = {
            let raw = raw.clone();
            move || {
                let raw = raw.clone();
                async move { raw.call().await }
            }
        };
        println!("AMQP benchmark on {} ({sequential} sequential calls; prefetch {PREFETCH})", clacks_actors::amqp::redact(&url()));
        let raw_seq = Samples::measure(200, sequential, raw_call.clone()).await;
        let clacks_seq = Samples::measure(200, sequential, call.clone()).await;
        report("raw lapin request/reply (sequential)", &raw_seq);
        report("clacks call over AMQP (sequential)", &clacks_seq);
        println!(
            "ratio sequential p50 clacks/raw: {:.2}x (goal <= 1.10x); p99 {:.2}x",
            clacks_seq.percentile(50.0).as_secs_f64() / raw_seq.percentile(50.0).as_secs_f64(),
            clacks_seq.percentile(99.0).as_secs_f64() / raw_seq.percentile(99.0).as_secs_f64()
        );
        for in_flight in [1usize, 64, 256] {
            let total = (sequential * 4).max(in_flight * 20);
            let raw_rate = throughput(total, in_flight, raw_call.clone()).await;
            let clacks_rate = throughput(total, in_flight, call.clone()).await;
            println!(
                "{in_flight:>3} in flight: raw {raw_rate:>8.0} calls/s   clacks {clacks_rate:>8.0} calls/s   ratio {:.2}x{}",
                clacks_rate / raw_rate,
                if in_flight == 64 { "  (goal >= 0.90x)" } else { "" }
            );
        }
        node.shutdown().await;
        if let Ok(raw) = Arc::try_unwrap(raw) {
            raw.stop().await;
        }
        amqp_node::remove_domain(&domain, &["bench", "core"]).await;
    });
}
