//! The event bus and the stats actor against baselines from the same run.
//!
//! 1. Events per second, published (`EventBus::publish`: parse, validate, transport) and
//!    delivered (subscription actor: parse, validate, XPath filter, handler), on a node with
//!    `events.validate = true` beside the same node with validation off (parse and envelope
//!    only). Goal (issue 4): validation costs at most 10%.
//! 2. Sequential RPC calls per second (`bench.echo`, full dispatch) on a node with
//!    `stats.enabled = true` beside one with statistics off. Goal: the stats actor and its
//!    recording cost at most 2%.
//! 3. The same publish+deliver over the local RabbitMQ (AMQP transport), validated and not,
//!    beside raw lapin publishing and consuming the same bytes on a topic exchange
//!    (`CLACKS_BENCH_AMQP_URL`; skipped with a note when no broker answers).
//!
//! Every comparison alternates its sides over several rounds (which side goes first
//! alternates too) and prints the median of the per-round ratios, since the machines are
//! shared and noisy.
//!
//! Run with `cargo bench -p clacks-benchmarks --bench events` (`CLACKS_BENCH_EVENTS`,
//! `CLACKS_BENCH_CALLS`, `CLACKS_BENCH_ROUNDS`, `CLACKS_BENCH_AMQP_EVENTS` and
//! `CLACKS_BENCH_AMQP_ROUNDS` size it).

use clacks_benchmarks::{amqp_node, knobs, report, Samples};
use clacks_runtime::call::{unix_millis_now, CallRequest, Params};
use clacks_runtime::config;
use clacks_runtime::events::check;
use clacks_runtime::metrics::PluginStats;
use clacks_runtime::plugin::plugin;
use clacks_runtime::plugin::Plugin;
use clacks_runtime::PluginDef;
use clacks_runtime::{NodeBuilder, NodeHandle};
use clacks_xml::Namespaces;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

fn node(name: &str, overrides: &[(&str, &str)]) -> NodeHandle {
    let mut all: Vec<(&str, String)> = vec![("node.domain", format!("bench-{name}"))];
    all.extend(overrides.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let settings = config::load(None, Vec::<(String, String)>::new(), &all)
        .unwrap_or_else(|e| panic!("bench settings: {e}"));
    NodeBuilder::new(settings)
        .name(name)
        .plugin(PluginDef::new(|_| Ok(Bench)))
        .start()
        .unwrap_or_else(|e| panic!("bench node {name}: {e}"))
}

async fn ready(node: &NodeHandle) {
    while !node.not_ready().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A PhoneCall event (about 800 bytes, patterns, enumerations and dateTimes to check).
fn phone_call(i: u64) -> String {
    let t = clacks_xml::events::timestamp::from_unix_millis(unix_millis_now() as i64);
    format!(
        "<Event xmlns=\"http://www.gonicus.de/Events\"><PhoneCall><CallId>bench-{i}</CallId>\
         <Caller>+4930123456</Caller><CallerName>Bench Caller</CallerName><Callee>100</Callee>\
         <Extension>100</Extension><Queue>sales</Queue><Channel>PJSIP/100-{i:08}</Channel>\
         <State>hung-up</State><Timestamp>{t}</Timestamp><RingingSince>{t}</RingingSince>\
         <AnsweredAt>{t}</AnsweredAt><HungUpAt>{t}</HungUpAt><HangupCause>16</HangupCause>\
         </PhoneCall></Event>"
    )
}

/// Events delivered so far, and a wake-up for a publisher waiting for room in its window
/// (a timer would sleep at least a millisecond and make the rate lumpy).
#[derive(Default)]
struct Progress {
    delivered: AtomicU64,
    moved: tokio::sync::Notify,
}

impl Progress {
    fn bump(&self) {
        self.delivered.fetch_add(1, Ordering::Release);
        self.moved.notify_one();
    }

    fn count(&self) -> u64 {
        self.delivered.load(Ordering::Acquire)
    }

    /// Waits until at least `n` events were delivered.
    async fn reach(&self, n: u64) {
        while self.count() < n {
            self.moved.notified().await;
        }
    }
}

/// How far a publisher may run ahead of its subscriber, so its buffer never overflows.
const WINDOW: u64 = 1_000;

/// Publishes `count` events and waits until the filtered subscription delivered them all;
/// returns events per second.
async fn pump(node: &NodeHandle, events: &[String], progress: &Progress) -> f64 {
    let bus = node.event_bus();
    let start = progress.count();
    let started = Instant::now();
    for (i, xml) in events.iter().enumerate() {
        progress
            .reach((start + i as u64).saturating_sub(WINDOW))
            .await;
        if let Err(e) = bus.publish(xml).await {
            panic!("publish failed: {e}");
        }
    }
    progress.reach(start + events.len() as u64).await;
    events.len() as f64 / started.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn events_bench(count: usize, rounds: usize) {
    let checked = node("ev-checked", &[("stats.enabled", "false")]);
    let unchecked = node(
        "ev-unchecked",
        &[("events.validate", "false"), ("stats.enabled", "false")],
    );
    ready(&checked).await;
    ready(&unchecked).await;
    let filter = "//e:PhoneCall[e:State = 'hung-up' and e:Extension = '100']";
    let mut counters = Vec::new();
    let mut subscriptions = Vec::new();
    for n in [&checked, &unchecked] {
        let delivered = Arc::new(Progress::default());
        let sink = delivered.clone();
        let sub = n
            .event_bus()
            .subscribe(
                vec!["PhoneCall".into()],
                Some(filter),
                &Namespaces::default(),
                move |_| {
                    sink.bump();
                },
            )
            .await
            .unwrap_or_else(|e| panic!("subscribe: {e}"));
        counters.push(delivered);
        subscriptions.push(sub);
    }
    let events: Vec<String> = (0..count as u64).map(phone_call).collect();
    println!(
        "events benchmark: {count} PhoneCall events ({} bytes each) per run, {rounds} rounds per side",
        events[0].len()
    );
    pump(&checked, &events[..count.min(2_000)], &counters[0]).await;
    pump(&unchecked, &events[..count.min(2_000)], &counters[1]).await;
    let (mut with, mut without, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which side runs first, and compare each pair: drift cancels out.
        let (w, wo) = if round % 2 == 0 {
            let w = pump(&checked, &events, &counters[0]).await;
            (w, pump(&unchecked, &events, &counters[1]).await)
        } else {
            let wo = pump(&unchecked, &events, &counters[1]).await;
            (pump(&checked, &events, &counters[0]).await, wo)
        };
        with.push(w);
        without.push(wo);
        ratios.push(w / wo);
    }
    let ratio = median(ratios);
    println!(
        "{:<56} {:>11.0} events/s",
        "publish+deliver, validated on both sides",
        median(with)
    );
    println!(
        "{:<56} {:>11.0} events/s",
        "publish+deliver, without validation (baseline)",
        median(without)
    );
    println!(
        "ratio validated/unvalidated (median of paired rounds): {ratio:.3}  (validation costs {:.1}%)   goal: cost <= 10%",
        (1.0 - ratio) * 100.0
    );
    // Parsing and validation timed directly on one thread (low noise).
    let schemas = checked.event_bus().schemas().set().clone();
    let sample = &events[..events.len().min(5_000)];
    let time = |validate: bool| {
        let started = Instant::now();
        for xml in sample {
            if check(xml, &schemas, validate).is_err() {
                panic!("bench event does not check");
            }
        }
        started.elapsed().as_secs_f64() / sample.len() as f64
    };
    let (parse_only, parse_validate) = (time(false), time(true));
    println!(
        "direct: parse {:.1} µs, parse+validate {:.1} µs per event (validation adds {:.1} µs at publish, and again on receipt in another process)",
        parse_only * 1e6,
        parse_validate * 1e6,
        (parse_validate - parse_only) * 1e6
    );
    for (name, n) in [("validated", &checked), ("unvalidated", &unchecked)] {
        let c = n.event_bus().counters();
        println!(
            "  {name}: published {} delivered {} invalid {} transport drops {}",
            c.published,
            c.delivered,
            c.invalid,
            n.transport().dropped_events()
        );
    }
    drop(subscriptions);
    checked.shutdown().await;
    unchecked.shutdown().await;
}

async fn calls(node: &NodeHandle, count: usize) -> Samples {
    Samples::measure(1_000, count, || {
        let node = node.clone();
        async move {
            let request = CallRequest::new("bench.echo", Params::Positional(vec![json!(7)]));
            let _ = node.call(request).await;
        }
    })
    .await
}

async fn stats_bench(count: usize, rounds: usize) {
    println!(
        "\nstats benchmark: {count} sequential bench.echo calls per run, {rounds} rounds per side (a fresh node pair each round)"
    );
    let (mut on, mut off, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut last_on, mut last_off) = (None, None);
    for round in 0..rounds {
        // A fresh pair of nodes per round, so which threads each lands on averages out, and
        // alternating order per round, so drift cancels out; each pair is compared.
        let with = node(&format!("st-on-{round}"), &[("stats.interval", "1")]);
        let without = node(&format!("st-off-{round}"), &[("stats.enabled", "false")]);
        ready(&with).await;
        ready(&without).await;
        let (a, b) = if round % 2 == 0 {
            let a = calls(&with, count).await;
            (a, calls(&without, count).await)
        } else {
            let b = calls(&without, count).await;
            (calls(&with, count).await, b)
        };
        with.shutdown().await;
        without.shutdown().await;
        on.push(a.per_second());
        off.push(b.per_second());
        ratios.push(a.per_second() / b.per_second());
        last_on = Some(a);
        last_off = Some(b);
    }
    if let (Some(a), Some(b)) = (&last_on, &last_off) {
        report("call with stats (last round)", a);
        report("call without stats (last round, baseline)", b);
    }
    let ratio = median(ratios);
    println!(
        "{:<56} {:>11.0} calls/s",
        "median, stats on (recording + stats actor)",
        median_of(&on)
    );
    println!(
        "{:<56} {:>11.0} calls/s",
        "median, stats off (baseline)",
        median_of(&off)
    );
    println!(
        "ratio stats-on/stats-off (median of paired rounds): {ratio:.3}  (stats cost {:.1}%)   goal: cost <= 2%",
        (1.0 - ratio) * 100.0
    );
    // The recording itself, timed directly (low noise): what every served call pays.
    let table = PluginStats::new("bench", &Bench::commands());
    let n = 2_000_000u32;
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        table.record("echo", true, t.elapsed());
    }
    let per_record = started.elapsed().as_secs_f64() / f64::from(n);
    let per_call = 1.0 / median_of(&off);
    println!(
        "direct: recording one call costs {:.0} ns = {:.2}% of a {:.1} µs call   goal: <= 2%",
        per_record * 1e9,
        per_record / per_call * 100.0,
        per_call * 1e6
    );
}

fn median_of(v: &[f64]) -> f64 {
    median(v.to_vec())
}

/// Raw lapin: publish `events` to a topic exchange and consume them from a bound queue, with
/// the same publish-ahead window as `pump`; returns events per second.
async fn raw_lapin(connection: &lapin::Connection, events: &[String]) -> f64 {
    use futures_util::StreamExt;
    use lapin::options::{
        BasicConsumeOptions, BasicPublishOptions, ExchangeDeclareOptions, QueueBindOptions,
        QueueDeclareOptions,
    };
    use lapin::types::FieldTable;
    let exchange = format!("bench-raw-events-{}", std::process::id());
    let channel = connection.create_channel().await.expect("channel");
    channel
        .exchange_declare(
            exchange.as_str().into(),
            lapin::ExchangeKind::Topic,
            ExchangeDeclareOptions {
                auto_delete: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("exchange");
    let queue = channel
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
        .expect("queue");
    channel
        .queue_bind(
            queue.name().as_str().into(),
            exchange.as_str().into(),
            "PhoneCall".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("bind");
    let consume = connection.create_channel().await.expect("channel");
    let mut consumer = consume
        .basic_consume(
            queue.name().as_str().into(),
            "raw-events".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("consume");
    let progress = Arc::new(Progress::default());
    let counter = progress.clone();
    let total = events.len() as u64;
    let reader = tokio::spawn(async move {
        while counter.count() < total {
            match consumer.next().await {
                Some(Ok(_)) => counter.bump(),
                _ => break,
            }
        }
    });
    let started = Instant::now();
    for (i, xml) in events.iter().enumerate() {
        progress.reach((i as u64).saturating_sub(WINDOW)).await;
        let props = lapin::BasicProperties::default().with_content_type("application/xml".into());
        let _ = channel
            .basic_publish(
                exchange.as_str().into(),
                "PhoneCall".into(),
                BasicPublishOptions::default(),
                xml.as_bytes(),
                props,
            )
            .await;
    }
    let _ = reader.await;
    let rate = progress.count() as f64 / started.elapsed().as_secs_f64();
    let _ = channel.close(200, "done".into()).await;
    let _ = consume.close(200, "done".into()).await;
    rate
}

async fn amqp_events_bench(count: usize, rounds: usize) {
    let Ok(connection) = lapin::Connection::connect(
        &amqp_node::broker_url(),
        lapin::ConnectionProperties::default(),
    )
    .await
    else {
        println!(
            "\nAMQP events benchmark skipped: no broker at {}",
            clacks_amqp::redact(&amqp_node::broker_url())
        );
        return;
    };
    let domain = format!("bench-events-{}", std::process::id());
    let unvalidated = format!("{domain}-u");
    let (on, off) = (
        [("events.validate", "true"), ("stats.enabled", "false")],
        [("events.validate", "false"), ("stats.enabled", "false")],
    );
    let checked = amqp_node::start("ev-amqp-checked", &domain, 64, &on, Vec::new()).await;
    let unchecked = amqp_node::start("ev-amqp-unchecked", &unvalidated, 64, &off, Vec::new()).await;
    let mut counters = Vec::new();
    let mut subscriptions = Vec::new();
    for n in [&checked, &unchecked] {
        let delivered = Arc::new(Progress::default());
        let sink = delivered.clone();
        let sub = n
            .event_bus()
            .subscribe(
                vec!["PhoneCall".into()],
                Some("//e:PhoneCall[e:Extension = '100']"),
                &Namespaces::default(),
                move |_| {
                    sink.bump();
                },
            )
            .await
            .unwrap_or_else(|e| panic!("subscribe: {e}"));
        counters.push(delivered);
        subscriptions.push(sub);
    }
    let events: Vec<String> = (0..count as u64).map(phone_call).collect();
    println!(
        "\nAMQP events benchmark: {count} PhoneCall events through RabbitMQ per side and round, {rounds} rounds (order alternating)"
    );
    let (mut raws, mut withs, mut withouts, mut pairs) = (vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        let raw = raw_lapin(&connection, &events).await;
        let (with, without) = if round % 2 == 0 {
            let with = pump(&checked, &events, &counters[0]).await;
            (with, pump(&unchecked, &events, &counters[1]).await)
        } else {
            let without = pump(&unchecked, &events, &counters[1]).await;
            (pump(&checked, &events, &counters[0]).await, without)
        };
        raws.push(raw);
        withs.push(with);
        withouts.push(without);
        pairs.push(with / without);
    }
    let (raw, with, without, ratio) =
        (median(raws), median(withs), median(withouts), median(pairs));
    println!(
        "{:<56} {:>11.0} events/s",
        "raw lapin publish/consume, same bytes (baseline, median)", raw
    );
    println!(
        "{:<56} {:>11.0} events/s",
        "clacks over AMQP, validated on both sides (median)", with
    );
    println!(
        "{:<56} {:>11.0} events/s",
        "clacks over AMQP, without validation (median)", without
    );
    println!(
        "ratio validated/unvalidated (median of paired rounds): {ratio:.3}  (validation costs {:.1}%)   goal: cost <= 10%",
        (1.0 - ratio) * 100.0,
    );
    println!(
        "ratios to raw lapin: validated {:.2}x, unvalidated {:.2}x",
        with / raw,
        without / raw
    );
    drop(subscriptions);
    checked.shutdown().await;
    unchecked.shutdown().await;
    amqp_node::remove_domain(&domain, &[]).await;
    amqp_node::remove_domain(&unvalidated, &[]).await;
    let _ = connection.close(200, "done".into()).await;
}

fn main() {
    let events = knobs::count("CLACKS_BENCH_EVENTS", 20_000);
    let count = knobs::count("CLACKS_BENCH_CALLS", 20_000);
    let rounds = knobs::count("CLACKS_BENCH_ROUNDS", 11);
    let amqp_events = knobs::count("CLACKS_BENCH_AMQP_EVENTS", 5_000);
    actix_rt::System::new().block_on(async move {
        events_bench(events, rounds).await;
        amqp_events_bench(amqp_events, knobs::count("CLACKS_BENCH_AMQP_ROUNDS", 9)).await;
        stats_bench(count, rounds).await;
    });
}
