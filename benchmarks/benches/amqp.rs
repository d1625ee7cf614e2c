//! Calls through Clacks over the local RabbitMQ against raw lapin request/reply loops on the
//! same broker, in one run: sequential latency (p50, p99) and throughput with 1, 64 and 256
//! calls in flight, printed side by side as ratios.
//!
//! Three sides, run in rotating rounds (`CLACKS_BENCH_ROUNDS`, default 10) so that all see the
//! same machine:
//! - **raw, bare**: a lapin responder consuming one queue and replying to `reply_to`, acking
//!   at once; a lapin requester matching replies by correlation id. No confirms, no headers.
//! - **raw, same guarantees**: the same loop doing the broker work Clacks' delivery rules
//!   (PROTOCOL.md, issue 5 item 2) ask for: requests published mandatory with a publisher
//!   confirm, replies published with a confirm and the request acked only once it came, and
//!   Clacks' properties (`x-deadline`, `expiration`, `user_id`, `app_id`). The gap between the
//!   two raw loops is what the guarantees cost on this broker; the gap between this one and
//!   Clacks is Clacks' own cost.
//! - **clacks**: `NodeHandle::call("bench.echo", [n])` on a node whose AMQP transport publishes
//!   to `D.command`; the same node consumes the shared queue, serves the call in its plugin
//!   actor, publishes the reply (confirmed) and acks.
//!
//! Goals (issue 5): sequential p50 ≤ 1.10× raw; throughput at 64 in flight ≥ 0.9× raw.
//! Broker: `CLACKS_BENCH_AMQP_URL` (default amqp://guest:guest@127.0.0.1:5672/%2f).

use clacks_benchmarks::{amqp_node, report, Samples, Side};
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::plugin::plugin;
use clacks_runtime::NodeHandle;
use clacks_runtime::PluginDef;
use futures_util::{FutureExt, StreamExt};
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::json;
use std::collections::HashMap;
use std::rc::Rc;
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

/// Which broker work a raw loop does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guarantees {
    /// Publish and ack, nothing else.
    Bare,
    /// What Clacks' delivery rules ask for (see the module doc).
    Clacks,
}

/// A raw lapin request/reply pair on one connection.
struct Raw {
    connection: Connection,
    channel: Channel,
    queue: String,
    reply_to: String,
    waiters: Waiters,
    guarantees: Guarantees,
}

async fn confirming(channel: &Channel, guarantees: Guarantees) {
    if guarantees == Guarantees::Clacks {
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("confirm mode");
    }
}

impl Raw {
    async fn start(guarantees: Guarantees) -> Raw {
        let connection = Connection::connect(&url(), ConnectionProperties::default())
            .await
            .unwrap_or_else(|e| panic!("raw baseline cannot reach the broker: {e}"));
        let kind = if guarantees == Guarantees::Bare {
            "bare"
        } else {
            "full"
        };
        let queue = format!("bench-raw-{kind}-{}", std::process::id());
        // Responder: echo the body back to reply_to, ack after publishing (and, with Clacks'
        // guarantees, after the reply's confirm).
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
        let publisher = connection.create_channel().await.expect("channel");
        confirming(&publisher, guarantees).await;
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = requests.next().await {
                let props = &delivery.properties;
                let reply_to = props.reply_to().clone().unwrap_or_default();
                let mut reply_props = BasicProperties::default()
                    .with_correlation_id(props.correlation_id().clone().unwrap_or_default())
                    .with_content_type("application/json".into());
                if guarantees == Guarantees::Clacks {
                    reply_props = reply_props
                        .with_app_id("bench".into())
                        .with_user_id("guest".into())
                        .with_delivery_mode(1);
                }
                let published = publisher
                    .basic_publish(
                        "".into(),
                        reply_to,
                        BasicPublishOptions::default(),
                        &delivery.data,
                        reply_props,
                    )
                    .await;
                // Wait for the reply's confirm before acking, without holding up the next
                // request.
                tokio::spawn(async move {
                    if let Ok(confirm) = published {
                        let _ = confirm.await;
                    }
                    let _ = delivery.ack(BasicAckOptions::default()).await;
                });
            }
        });
        // Requester: one reply queue, replies matched by correlation id.
        let channel = connection.create_channel().await.expect("channel");
        confirming(&channel, guarantees).await;
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
            guarantees,
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
        let mut props = BasicProperties::default()
            .with_reply_to(self.reply_to.as_str().into())
            .with_correlation_id(id.as_str().into())
            .with_content_type("application/json".into());
        let full = self.guarantees == Guarantees::Clacks;
        if full {
            let mut headers = FieldTable::default();
            headers.insert("x-deadline".into(), AMQPValue::LongLongInt(i64::MAX));
            props = props
                .with_user_id("guest".into())
                .with_delivery_mode(1)
                .with_expiration("30000".into())
                .with_headers(headers);
        }
        let published = self
            .channel
            .basic_publish(
                "".into(),
                self.queue.as_str().into(),
                BasicPublishOptions {
                    mandatory: full,
                    ..Default::default()
                },
                body.as_bytes(),
                props,
            )
            .await;
        let reply = tokio::time::timeout(Duration::from_secs(30), rx);
        match published {
            // The confirm and the reply race, as in a caller that wants both.
            Ok(confirm) if full => {
                let _ = futures_util::future::join(confirm, reply).await;
            }
            _ => {
                let _ = reply.await;
            }
        }
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

/// Runs `total` operations with `in_flight` concurrent workers; returns the time taken.
async fn timed(total: usize, in_flight: usize, side: &mut Side<'_>) -> Duration {
    let started = Instant::now();
    let per_worker = (total / in_flight).max(1);
    let workers: Vec<_> = (0..in_flight)
        .map(|_| {
            let ops: Vec<_> = (0..per_worker).map(|_| side()).collect();
            async move {
                for op in ops {
                    op.await;
                }
            }
        })
        .collect();
    futures_util::future::join_all(workers).await;
    started.elapsed()
}

/// Calls per second of each side with `in_flight` calls in flight, over rotating rounds.
async fn throughputs(total: usize, in_flight: usize, sides: &mut [Side<'_>]) -> Vec<f64> {
    let rounds = 6;
    let per_round = (total / rounds / in_flight).max(1) * in_flight;
    let mut time = vec![Duration::ZERO; sides.len()];
    for round in 0..rounds {
        for step in 0..sides.len() {
            let i = (round + step) % sides.len();
            time[i] += timed(per_round, in_flight, &mut sides[i]).await;
        }
    }
    let all = (per_round * rounds) as f64;
    time.iter().map(|t| all / t.as_secs_f64()).collect()
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn main() {
    let sequential = env_number("CLACKS_BENCH_CALLS", 3_000);
    let rounds = env_number("CLACKS_BENCH_ROUNDS", 10);
    actix_rt::System::new().block_on(async move {
        let bare = Rc::new(Raw::start(Guarantees::Bare).await);
        let full = Rc::new(Raw::start(Guarantees::Clacks).await);
        let (node, domain) = clacks_node().await;
        let raw_side = |raw: &Rc<Raw>| -> Side<'static> {
            let raw = raw.clone();
            Box::new(move || {
                let raw = raw.clone();
                async move { raw.call().await }.boxed_local()
            })
        };
        let clacks_side = {
            let node = node.clone();
            move || -> Side<'static> {
                let node = node.clone();
                Box::new(move || {
                    let node = node.clone();
                    async move {
                        let call = CallRequest::new("bench.echo", Params::Positional(vec![json!(7)]));
                        if let Err(e) = node.call(call).await {
                            eprintln!("bench call failed: {e}");
                        }
                    }
                    .boxed_local()
                })
            }
        };
        let mut sides = [raw_side(&bare), raw_side(&full), clacks_side()];
        println!(
            "AMQP benchmark on {} ({sequential} sequential calls per side, in {rounds} rotating rounds; prefetch {PREFETCH})",
            clacks_amqp::redact(&url())
        );
        let seq = Samples::interleaved(200, sequential, rounds, &mut sides).await;
        report("raw lapin, bare (sequential)", &seq[0]);
        report("raw lapin, same guarantees (sequential)", &seq[1]);
        report("clacks call over AMQP (sequential)", &seq[2]);
        let p = |s: &Samples, q: f64| s.percentile(q);
        println!(
            "ratio sequential p50 clacks/raw: {:.2}x (goal <= 1.10x); p99 {:.2}x",
            ratio(p(&seq[2], 50.0), p(&seq[0], 50.0)),
            ratio(p(&seq[2], 99.0), p(&seq[0], 99.0)),
        );
        println!(
            "  clacks / raw with the same guarantees: p50 {:.2}x, p99 {:.2}x; the guarantees alone (raw same / raw bare): p50 {:.2}x",
            ratio(p(&seq[2], 50.0), p(&seq[1], 50.0)),
            ratio(p(&seq[2], 99.0), p(&seq[1], 99.0)),
            ratio(p(&seq[1], 50.0), p(&seq[0], 50.0)),
        );
        for in_flight in [1usize, 64, 256] {
            let total = (sequential * 4).max(in_flight * 24);
            let rates = throughputs(total, in_flight, &mut sides).await;
            println!(
                "{in_flight:>3} in flight: raw {:>7.0}/s  raw same guarantees {:>7.0}/s  clacks {:>7.0}/s   ratio clacks/raw {:.2}x{}  clacks/same {:.2}x",
                rates[0],
                rates[1],
                rates[2],
                rates[2] / rates[0],
                if in_flight == 64 { " (goal >= 0.90x)" } else { "" },
                rates[2] / rates[1],
            );
        }
        drop(sides);
        node.shutdown().await;
        for raw in [bare, full] {
            if let Ok(raw) = Rc::try_unwrap(raw) {
                raw.stop().await;
            }
        }
        amqp_node::remove_domain(&domain, &["bench", "core"]).await;
    });
}
