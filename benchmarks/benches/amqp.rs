//! Calls through Clacks over the local RabbitMQ against raw lapin request/reply loops on the
//! same broker, in one run: sequential latency (p50, p99) and throughput with 1, 64 and 256
//! calls in flight, printed side by side as ratios.
//!
//! Three sides, run in paired rounds whose order alternates (`CLACKS_BENCH_ROUNDS`, default 10,
//! at least 7; [`round_order`]) so that all see the same machine; each ratio printed is the
//! median of the per-round ratios (rates and latencies in the rows are over all rounds):
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
//! Goals (issue 10), against the raw loop with the same guarantees: sequential p50 ≤ 1.10×,
//! calls/s with 64 in flight ≥ 1.0×; the bare-loop ratios are printed beside them, and a
//! `RESULT key=value …` line repeats them for scripts (`benchmarks/compare-commits`).
//! Broker: `CLACKS_BENCH_AMQP_URL` (default amqp://guest:guest@127.0.0.1:5672/%2f).

use clacks_benchmarks::cpu::{self, Reading};
use clacks_benchmarks::{amqp_node, knobs, median, report, round_order, Samples, Side};
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

/// Fewer paired rounds than this make a weak median (issue 10 asks for at least 7).
const MIN_ROUNDS: usize = 7;

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

/// The bench node, serving `bench.echo` with an ACL set that grants the broker's `guest` (the
/// caller over the broker) through a role, so every call passes a real ACL check; returns once
/// a call has been answered.
async fn clacks_node() -> (NodeHandle, String) {
    let domain = format!("bench-{}", std::process::id());
    let plugins = vec![PluginDef::new(|_| Ok(Bench))];
    let acl = clacks_tests::acl::harness_file().display().to_string();
    let overrides = [("acl.file", acl.as_str())];
    let node = amqp_node::start("bench", &domain, PREFETCH, &overrides, plugins).await;
    let answered = Instant::now() + Duration::from_secs(20);
    while let Err(e) = node.call(echo()).await {
        assert!(
            Instant::now() < answered,
            "bench.echo is never answered: {e}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (node, domain)
}

fn echo() -> CallRequest {
    CallRequest::new("bench.echo", Params::Positional(vec![json!(7)]))
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

/// What [`throughputs`] measured.
struct Throughputs {
    /// Calls per second over all rounds (all calls / all time), per side.
    rate: Vec<f64>,
    /// Each round's calls per second (`[round][side]`), for per-round ratios.
    rounds: Vec<Vec<f64>>,
    /// CPU per call of this process and of the broker, per side (`None`: not readable).
    cpu: Vec<Option<PerCall>>,
}

/// What one call cost, on average.
#[derive(Clone, Copy)]
struct PerCall {
    /// CPU time of this process.
    own: Duration,
    /// CPU time of the broker.
    other: Duration,
    /// Time slices of this process's threads (about one per thread wake-up).
    slices: f64,
}

/// Each side with `in_flight` calls in flight, over `rounds` rounds whose sides run in
/// [`round_order`]; `broker` is the broker's process, whose CPU time is read around each run.
async fn throughputs(
    total: usize,
    in_flight: usize,
    rounds: usize,
    sides: &mut [Side<'_>],
    broker: Option<u32>,
) -> Throughputs {
    let per_round = (total / rounds / in_flight).max(4) * in_flight;
    let mut time = vec![Duration::ZERO; sides.len()];
    let mut cpu: Vec<Option<Reading>> = vec![Some(Reading::default()); sides.len()];
    let mut each = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let mut rates = vec![0.0; sides.len()];
        for i in round_order(round, sides.len()) {
            let before = Reading::now(broker);
            let took = timed(per_round, in_flight, &mut sides[i]).await;
            let used = before.zip(Reading::now(broker)).map(|(b, a)| a.since(b));
            cpu[i] = cpu[i].zip(used).map(|(mut sum, used)| {
                sum.add(used);
                sum
            });
            time[i] += took;
            rates[i] = per_round as f64 / took.as_secs_f64();
        }
        each.push(rates);
    }
    let all = (per_round * rounds) as f64;
    let per_call = |r: Reading| PerCall {
        own: r.own.div_f64(all),
        other: r.other.div_f64(all),
        slices: r.slices as f64 / all,
    };
    Throughputs {
        rate: time.iter().map(|t| all / t.as_secs_f64()).collect(),
        rounds: each,
        cpu: cpu.into_iter().map(|c| c.map(per_call)).collect(),
    }
}

/// "bench process + broker" CPU per call in µs, and the bench's time slices per call.
fn cpu_text(cpu: Option<PerCall>) -> String {
    match cpu {
        Some(c) => format!(
            "{:.0}+{:.0} ({:.1})",
            c.own.as_secs_f64() * 1e6,
            c.other.as_secs_f64() * 1e6,
            c.slices
        ),
        None => "?".to_owned(),
    }
}

/// The median over rounds of `f` of a round's values (`[bare, same, clacks]`).
fn across(rounds: &[Vec<f64>], f: impl Fn(&[f64]) -> f64) -> f64 {
    median(rounds.iter().map(|r| f(r)))
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn main() {
    let sequential = knobs::count("CLACKS_BENCH_CALLS", 3_000);
    let rounds = knobs::count("CLACKS_BENCH_ROUNDS", 10).max(MIN_ROUNDS);
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
                        // A failed call would time an error answer, not a call.
                        if let Err(e) = node.call(echo()).await {
                            panic!("bench.echo failed during the run: {e}");
                        }
                    }
                    .boxed_local()
                })
            }
        };
        let mut sides = [raw_side(&bare), raw_side(&full), clacks_side()];
        println!(
            "AMQP benchmark on {} ({sequential} sequential calls per side, in {rounds} paired rounds whose order alternates; prefetch {PREFETCH})",
            clacks_amqp::redact(&url())
        );
        // Sides: [raw bare, raw same guarantees, clacks].
        let mut per_round = Samples::paired_rounds(200, sequential, rounds, &mut sides).await;
        let p50s: Vec<Vec<f64>> = per_round
            .iter()
            .map(|r| r.iter().map(|s| s.percentile(50.0).as_secs_f64()).collect())
            .collect();
        let seq: Vec<Samples> = (0..sides.len())
            .map(|i| Samples::pooled(per_round.iter_mut().map(|r| std::mem::take(&mut r[i]))))
            .collect();
        report("raw lapin, bare (sequential)", &seq[0]);
        report("raw lapin, same guarantees (sequential)", &seq[1]);
        report("clacks call over AMQP (sequential)", &seq[2]);
        let p99 = |a: &Samples, b: &Samples| ratio(a.percentile(99.0), b.percentile(99.0));
        let seq_goal = across(&p50s, |r| r[2] / r[1]);
        let seq_bare = across(&p50s, |r| r[2] / r[0]);
        let seq_guarantees = across(&p50s, |r| r[1] / r[0]);
        println!(
            "  p99 (all rounds pooled): clacks/raw same guarantees {:.2}x, clacks/raw bare {:.2}x",
            p99(&seq[2], &seq[1]),
            p99(&seq[2], &seq[0]),
        );
        let mut goal64 = (0.0, 0.0, 0.0);
        let broker = cpu::find_process("beam.smp");
        for in_flight in [1usize, 64, 256] {
            let total = (sequential * 4).max(in_flight * 24);
            let measured = throughputs(total, in_flight, rounds, &mut sides, broker).await;
            let (rate, rates) = (&measured.rate, &measured.rounds);
            let (vs_same, vs_bare, guarantees) = (
                across(rates, |r| r[2] / r[1]),
                across(rates, |r| r[2] / r[0]),
                across(rates, |r| r[1] / r[0]),
            );
            println!(
                "{in_flight:>3} in flight: raw {:>7.0}/s  raw same guarantees {:>7.0}/s  clacks {:>7.0}/s   ratio clacks/same {vs_same:.2}x  clacks/raw bare {vs_bare:.2}x  same/bare {guarantees:.2}x",
                rate[0],
                rate[1],
                rate[2],
            );
            println!(
                "     CPU per call, this process + broker in µs (this process's time slices): raw {}  raw same guarantees {}  clacks {}",
                cpu_text(measured.cpu[0]),
                cpu_text(measured.cpu[1]),
                cpu_text(measured.cpu[2]),
            );
            if in_flight == 64 {
                goal64 = (vs_same, vs_bare, guarantees);
            }
        }
        println!("\ngoals (issue 10), against the raw loop with the same guarantees; medians of {rounds} paired rounds:");
        println!(
            "sequential p50 clacks/raw same guarantees: {seq_goal:.2}x (goal <= 1.10x)   bare loop: clacks/raw bare {seq_bare:.2}x, raw same/raw bare {seq_guarantees:.2}x"
        );
        println!(
            "calls/s with 64 in flight clacks/raw same guarantees: {:.2}x (goal >= 1.00x)   bare loop: clacks/raw bare {:.2}x, raw same/raw bare {:.2}x",
            goal64.0, goal64.1, goal64.2
        );
        println!(
            "RESULT rounds={rounds} seq_p50_vs_same_x={seq_goal:.4} seq_p50_vs_bare_x={seq_bare:.4} seq_p50_same_vs_bare_x={seq_guarantees:.4} in_flight_64_vs_same_tput_x={:.4} in_flight_64_vs_bare_tput_x={:.4} in_flight_64_same_vs_bare_tput_x={:.4}",
            goal64.0, goal64.1, goal64.2
        );
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
