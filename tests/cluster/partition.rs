//! Partitions between a node and the broker, with the deploy/ users and a heartbeat of 1 s:
//! the node `n3` reaches the broker through a [`FaultProxy`] that black-holes its traffic
//! (sockets open, nothing moves: only heartbeats can tell) or cuts it with an RST, while the
//! caller user keeps calls in flight and callers wait on `n3` itself (its HTTP gateway, its
//! private queue). What must hold: the broker drops `n3` within three heartbeat intervals,
//! the calls `n3` held are delivered again and answered (by the other nodes, or by `n3` itself
//! when it is back before they have room: the broker gives a requeued call to whichever
//! consumer can take one first), every caller waiting on
//! `n3` gets an answer or `-32000`/`-32002` by its deadline, and once the network heals `n3`
//! rejoins by itself within 10 s and serves again. Also: the heartbeat the broker reports is
//! the configured one.

use clacks_runtime::call::CallError;
use clacks_tests::caller::AmqpCaller;
use clacks_tests::fault_proxy::FaultProxy;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::deployed::{Deployed, Here};
use super::SEC;

/// The heartbeat of the partition tests, in seconds.
pub const HEARTBEAT: u64 = 1;

/// What the nodes of a partition test run with: the heartbeat, a small prefetch (so a node
/// holds few calls), quick reconnection, and a short default deadline for the calls their
/// gateways take.
pub const PARTITION_ENV: [(&str, &str); 4] = [
    ("CLACKS_AMQP__HEARTBEAT", "1"),
    ("CLACKS_AMQP__PREFETCH", "4"),
    ("CLACKS_AMQP__RECONNECT_MAX", "1"),
    ("CLACKS_CALLS__TIMEOUT", "4"),
];

/// The deadline of calls made through a node's gateway (`CLACKS_CALLS__TIMEOUT` above).
pub const GATEWAY_DEADLINE: Duration = Duration::from_secs(4);

/// How many consumers the broker counts on `queue`.
pub async fn consumers(reader: &AmqpCaller, queue: &str) -> Option<u32> {
    reader.declared(queue).await.map(|q| q.consumer_count())
}

/// How many messages wait in `queue`, ready for a consumer (unacked ones not counted).
pub async fn ready_messages(reader: &AmqpCaller, queue: &str) -> Option<u32> {
    reader.declared(queue).await.map(|q| q.message_count())
}

/// Polls `queue` every 50 ms until its consumer count satisfies `want`; how long that took,
/// or `None` after `within`.
pub async fn until_consumers(
    reader: &AmqpCaller,
    queue: &str,
    within: Duration,
    want: impl Fn(u32) -> bool,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < within {
        if consumers(reader, queue).await.is_some_and(&want) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// A JSON-RPC call over HTTP to `rpc` (a node's `/rpc` URL), blocking: the error object or
/// result, or `Err` when no answer came within `limit` (a hang).
pub fn post_rpc(rpc: &str, method: &str, params: Value, limit: Duration) -> Result<Value, String> {
    use std::io::{Read, Write};
    let addr = rpc
        .trim_start_matches("http://")
        .trim_end_matches("/rpc")
        .to_owned();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let mut stream = std::net::TcpStream::connect(&addr).map_err(|e| format!("{addr}: {e}"))?;
    let _ = stream.set_read_timeout(Some(limit));
    write!(
        stream,
        "POST /rpc HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| format!("request to {addr}: {e}"))?;
    let mut text = String::new();
    stream
        .read_to_string(&mut text)
        .map_err(|e| format!("no answer from {addr}: {e}"))?;
    let json = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(json).map_err(|e| format!("{e}: {text}"))
}

/// The JSON-RPC code of an answer (0 for a result).
fn code(answer: &Value) -> i64 {
    answer["error"]["code"].as_i64().unwrap_or(0)
}

/// How a fault is made.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Nothing moves, nothing closes, until the heal.
    BlackHole,
    /// Both sides get an RST at once; the path stays open.
    Cut,
    /// The node's host loses its link (`ip link set … down`): packets are dropped silently.
    LinkDown,
}

/// A caller of `n3`'s gateway: one JSON-RPC call of `chaos.work`, its answer, or `Err` when
/// none came (a hang).
pub type GatewayCaller = std::sync::Arc<dyn Fn() -> Result<Value, String> + Send + Sync>;

/// A caller of the gateway at `rpc` from this process.
pub fn gateway_caller(rpc: &str) -> GatewayCaller {
    let rpc = rpc.to_owned();
    std::sync::Arc::new(move || post_rpc(&rpc, "chaos.work", json!([0]), 4 * GATEWAY_DEADLINE))
}

/// What one partition run measured.
#[derive(Debug)]
pub struct Measured {
    /// From the fault until the broker dropped `n3`'s consumer.
    pub broker_detected: Option<Duration>,
    /// From the fault until the first caller waiting on `n3` got `-32002` (the node saw the
    /// link die and failed the calls waiting on it).
    pub node_detected: Option<Duration>,
    /// From the heal until `n3` consumes again and answers a call on its own queue.
    pub rejoined: Option<Duration>,
}

/// Calls `chaos.record` with ids `PREFIX-0…` under load (`in_flight` at a time, `ms` of work
/// each, `deadline` each): every outcome with its id and how long it took.
async fn record_load(
    caller: &AmqpCaller,
    prefix: &str,
    total: usize,
    in_flight: usize,
    ms: u64,
    deadline: Duration,
) -> Vec<(String, Result<Value, CallError>, Duration)> {
    let workers = (0..in_flight).map(|worker| async move {
        let mut mine = Vec::new();
        let mut i = worker;
        while i < total {
            let id = format!("{prefix}-{i}");
            let started = Instant::now();
            let got = caller.call("chaos.record", json!([id, ms]), deadline).await;
            mine.push((id, got, started.elapsed()));
            i += in_flight;
        }
        mine
    });
    join_all(workers).await.into_iter().flatten().collect()
}

/// One partition of `n3` under load, through `fault`, healed by `heal` after `hold`; `make`
/// makes the fault. Every check of the module header is asserted here; the numbers are
/// returned (and printed) for the report.
pub async fn partition_under_load(
    domain: &Deployed,
    caller: &AmqpCaller,
    gateway: GatewayCaller,
    fault: Fault,
    make: impl FnOnce(),
    heal: impl FnOnce(),
    hold: Duration,
) -> Measured {
    let reader = domain.as_node().await;
    let queue = format!("{}.command.chaos", domain.domain);
    assert_eq!(consumers(&reader, &queue).await, Some(3), "three servers");
    let load_deadline = 20 * SEC;
    let prefix = format!("{fault:?}").to_lowercase();
    let load = record_load(caller, &prefix, 240, 24, 100, load_deadline);
    let trouble = async {
        // Let n3 take its share first, so it holds unacked calls when the fault comes.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let t0 = Instant::now();
        make();
        // Callers waiting on n3: through its gateway (the calls travel over its broken link),
        // and on its private queue.
        let through_gateway = tokio::task::spawn_blocking(move || {
            let posts: Vec<_> = (0..3)
                .map(|_| {
                    let gateway = gateway.clone();
                    std::thread::spawn(move || {
                        let started = Instant::now();
                        let got = gateway();
                        (got, started.elapsed())
                    })
                })
                .collect();
            posts
                .into_iter()
                .map(|p| p.join().unwrap_or((Err("panicked".into()), Duration::ZERO)))
                .collect::<Vec<_>>()
        });
        let private_deadline = 3 * SEC;
        let on_n3 = join_all((0..2).map(|_| async {
            let started = Instant::now();
            let got = caller
                .call_on("n3", "chaos.work", json!([0]), private_deadline)
                .await;
            (got, started.elapsed())
        }));
        let broker_detected = until_consumers(&reader, &queue, 10 * SEC, |n| n < 3);
        let (on_n3, broker_detected) = tokio::join!(on_n3, broker_detected);
        // A cut heals itself (the path stays open); a black hole is held a while first.
        if let Some(left) = hold.checked_sub(t0.elapsed()) {
            tokio::time::sleep(left).await;
        }
        heal();
        let healed = Instant::now();
        let rejoined = async {
            loop {
                let consuming = consumers(&reader, &queue).await == Some(3);
                if consuming
                    && caller
                        .call_on("n3", "chaos.work", json!([0]), SEC)
                        .await
                        .is_ok()
                {
                    return healed.elapsed();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let rejoined = tokio::time::timeout(15 * SEC, rejoined).await.ok();
        let through_gateway = through_gateway.await.expect("the gateway callers ran");
        (
            broker_detected,
            on_n3,
            private_deadline,
            through_gateway,
            rejoined,
        )
    };
    let (outcomes, (broker_detected, on_n3, private_deadline, through_gateway, rejoined)) =
        tokio::join!(load, trouble);

    // Every call under load answered, none past its deadline.
    let failed: Vec<_> = outcomes
        .iter()
        .filter_map(|(id, got, _)| got.as_ref().err().map(|e| format!("{id}: {e}")))
        .collect();
    assert!(failed.is_empty(), "{fault:?}: calls failed: {failed:?}");
    let slowest = outcomes
        .iter()
        .map(|(_, _, t)| *t)
        .max()
        .unwrap_or_default();
    assert!(slowest <= load_deadline, "a call took {slowest:?}");
    // The calls n3 held unacked (started or only prefetched) were delivered again: to the
    // others, or to n3 itself once it was back, if the others had no room before (their
    // prefetch was full of the load's calls). Only n3's link broke, so every redelivery is
    // one of n3's. Each was answered (above), at least once; the caller keeps the first.
    let journal = domain.journal();
    let answered_by: BTreeMap<&str, String> = outcomes
        .iter()
        .filter_map(|(id, got, _)| {
            let node = got.as_ref().ok()?["node"].as_str()?.to_owned();
            Some((id.as_str(), node))
        })
        .collect();
    let moved: BTreeSet<&str> = journal
        .iter()
        .filter_map(|l| {
            let (id, rest) = l.split_once(' ')?;
            let (_node, how) = rest.split_once(' ')?;
            (id.starts_with(&prefix) && how == "redelivered").then_some(id)
        })
        .collect();
    for id in &moved {
        assert!(answered_by.contains_key(id), "{id} was answered");
    }
    let served = outcomes.iter().fold(BTreeMap::new(), |mut m, (id, _, _)| {
        *m.entry(answered_by.get(id.as_str()).cloned().unwrap_or_default())
            .or_insert(0) += 1;
        m
    });
    assert!(
        !moved.is_empty(),
        "{fault:?}: n3 held calls when the fault came, and they were delivered again: served \
         {served:?}, journal {journal:?}"
    );

    // Callers waiting on n3 were answered or failed with a typed error by their deadline.
    let mut node_detected = None;
    for (got, took) in &through_gateway {
        let answer = got
            .as_ref()
            .unwrap_or_else(|e| panic!("a gateway caller hung: {e}"));
        assert!(
            matches!(code(answer), 0 | -32000 | -32002),
            "gateway caller: {answer}"
        );
        assert!(
            *took <= GATEWAY_DEADLINE + SEC,
            "gateway caller answered after its deadline: {took:?} {answer}"
        );
        if code(answer) == -32002 {
            node_detected = Some(node_detected.map_or(*took, |d: Duration| d.min(*took)));
        }
    }
    for (got, took) in &on_n3 {
        if let Err(e) = got {
            assert!(
                matches!(e.kind().as_str(), "timeout" | "unavailable"),
                "{e}"
            );
        }
        assert!(
            *took <= private_deadline + SEC,
            "a call on n3 took {took:?}"
        );
    }
    let measured = Measured {
        broker_detected,
        node_detected,
        rejoined,
    };
    println!(
        "{fault:?} of n3 under load (heartbeat {HEARTBEAT} s): {measured:?}; served {served:?}; \
         {} of n3's calls moved; gateway callers {:?}; callers on n3 {:?}",
        moved.len(),
        through_gateway
            .iter()
            .map(|(g, t)| (g.as_ref().map(code).unwrap_or(1), t.as_millis()))
            .collect::<Vec<_>>(),
        on_n3
            .iter()
            .map(|(g, t)| (g.as_ref().err().map(|e| e.code()), t.as_millis()))
            .collect::<Vec<_>>(),
    );
    let rejoined = measured
        .rejoined
        .expect("n3 rejoined by itself after the heal");
    assert!(
        rejoined <= 10 * SEC,
        "n3 rejoined {rejoined:?} after the heal"
    );
    // And serves its share again.
    let after = record_load(caller, &format!("{prefix}-after"), 60, 6, 0, 10 * SEC).await;
    assert!(
        after.iter().all(|(_, got, _)| got.is_ok()),
        "calls after the heal"
    );
    reader.close().await;
    measured
}

impl Measured {
    /// A fault only heartbeats can find (black hole, downed link): the broker dropped `n3`
    /// within three heartbeat intervals (plus what the polling may lag: a 50 ms pause and a
    /// passive declare on a busy machine), and `n3` failed the calls waiting on its dead link
    /// within a second more.
    pub fn assert_found_by_heartbeats(&self) {
        let detected = self.broker_detected.expect("the broker dropped n3");
        let limit = Duration::from_secs(3 * HEARTBEAT) + Duration::from_millis(250);
        assert!(detected <= limit, "the broker took {detected:?}");
        let on_node = self
            .node_detected
            .expect("n3 failed the calls waiting on its dead link");
        assert!(on_node <= limit + SEC, "n3 took {on_node:?}");
    }
}

/// A partition test on the machine's broker: its domain, `n1` and `n2` straight to the
/// broker, `n3` through a fault proxy with its gateway on loopback, and a caller, converged.
struct Proxied {
    domain: Deployed,
    proxy: FaultProxy,
    nodes: Vec<clacks_tests::process::NodeProcess>,
    caller: AmqpCaller,
}

impl Proxied {
    async fn start(test: &str) -> Proxied {
        let domain = Deployed::create(test);
        let broker = SocketAddr::from(([127, 0, 0, 1], 5672));
        let proxy = FaultProxy::start(broker).expect("a fault proxy");
        let n3_url = domain.node_url_at("127.0.0.1", proxy.port());
        let nodes = vec![
            domain.chaos_node("n1", "off", &PARTITION_ENV),
            domain.chaos_node("n2", "off", &PARTITION_ENV),
            domain.chaos_node_with(None, "n3", "127.0.0.1:0", &n3_url, &PARTITION_ENV),
        ];
        let caller = domain.caller().await;
        domain.converged(&caller, &["n1", "n2", "n3"]).await;
        Proxied {
            domain,
            proxy,
            nodes,
            caller,
        }
    }

    /// [`partition_under_load`] of `n3` through the proxy.
    async fn partition(
        &self,
        fault: Fault,
        make: impl FnOnce(),
        heal: impl FnOnce(),
        hold: Duration,
    ) -> Measured {
        let gateway = gateway_caller(self.nodes[2].url());
        partition_under_load(&self.domain, &self.caller, gateway, fault, make, heal, hold).await
    }

    /// Every node is back in the domain; the caller closes.
    async fn converge_and_close(self) {
        self.domain
            .converged(&self.caller, &["n1", "n2", "n3"])
            .await;
        self.caller.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_black_holed_node_is_dropped_its_calls_move_and_it_rejoins_after_the_heal() {
    let test = Proxied::start("blackhole").await;
    let proxy = &test.proxy;
    let measured = test
        .partition(
            Fault::BlackHole,
            || proxy.black_hole(),
            || proxy.heal(),
            5 * SEC,
        )
        .await;
    measured.assert_found_by_heartbeats();
    // Connection attempts made into the hole do not linger as extra connections.
    let single = tokio::task::block_in_place(|| proxy.wait_open_connections(1, 10 * SEC));
    assert!(
        single,
        "n3 keeps one connection, not {}",
        proxy.open_connections()
    );
    test.converge_and_close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_link_moves_the_nodes_calls_and_it_rejoins_at_once() {
    let test = Proxied::start("cut").await;
    let proxy = &test.proxy;
    let measured = test
        .partition(Fault::Cut, || proxy.cut(), || {}, Duration::ZERO)
        .await;
    // An RST needs no heartbeat: the broker drops n3 at once.
    let detected = measured.broker_detected.expect("the broker dropped n3");
    assert!(detected <= SEC, "the broker took {detected:?}");
    test.converge_and_close().await;
}

/// The heartbeat a node asks for is the one the broker runs the connection with
/// (`rabbitmqctl list_connections timeout`): `amqp.heartbeat`, or its default of 10 s.
#[test]
fn the_broker_runs_each_connection_with_the_configured_heartbeat() {
    let domain = Deployed::create("heartbeat");
    let _h1 = domain.node("h1", "off", &[("CLACKS_AMQP__HEARTBEAT", "3")]);
    let _h2 = domain.node("h2", "off", &[]);
    domain.wait_for_nodes(2);
    let listed = std::process::Command::new("rabbitmqctl")
        .args(["list_connections", "-q", "--no-table-headers", "-p"])
        .arg(&domain.domain)
        .args(["client_properties", "timeout"])
        .output()
        .expect("rabbitmqctl runs");
    let text = String::from_utf8_lossy(&listed.stdout);
    let timeout_of = |node: &str| -> Option<u64> {
        let name = format!("clacks {} {node}", domain.domain);
        text.lines()
            .find(|l| l.contains(&name))?
            .rsplit(|c: char| c.is_whitespace())
            .find(|w| !w.is_empty())?
            .parse()
            .ok()
    };
    assert_eq!(timeout_of("h1"), Some(3), "{text}");
    assert_eq!(timeout_of("h2"), Some(10), "{text}");
}
