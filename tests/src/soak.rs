//! Broker restarts under steady load (issue 18, item 3): a [`Deployed`] domain's node
//! processes on a [`PrivateBroker`] serve callers that never stop (plain AMQP callers as the
//! caller user, and HTTP callers posting to the nodes' gateways, whose calls go over the broker
//! too) while the broker is taken down with `stop_app` and brought back with `start_app`, again
//! and again. Each [`Iteration`] counts the calls answered, the errors by JSON-RPC code, the
//! calls that hung past their deadline (the goal is none), and the seconds from `start_app`
//! returning until every node is back in the domain (answers `call_on` and sees all the
//! others; the goal is 10 s or less). The suite runs a few iterations as a test; the
//! `soak` program of clacks-benchmarks runs as many as asked and prints the table.

use clacks_runtime::call::{unix_millis_now, CallError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::broker::PrivateBroker;
use crate::caller::AmqpCaller;
use crate::deployed::Deployed;
use crate::process::NodeProcess;

/// How the soak runs.
#[derive(Debug, Clone)]
pub struct SoakPlan {
    /// Broker restarts.
    pub iterations: usize,
    /// Plain AMQP callers (each its own connection, one call at a time).
    pub amqp_callers: usize,
    /// HTTP callers (one call at a time each, spread over the nodes' gateways).
    pub http_callers: usize,
    /// Each call's deadline.
    pub deadline: Duration,
    /// How long past its deadline a call may take to come back before it counts as hung
    /// (scheduling slack on a busy machine; a hung call never comes back at all).
    pub slack: Duration,
    /// Milliseconds of work each call asks for (`chaos.work`).
    pub work_ms: u64,
    /// Steady load before each `stop_app`.
    pub steady: Duration,
    /// How long the broker stays down.
    pub outage: Duration,
    /// How long to wait for every node to return before the iteration counts it as never.
    pub give_up: Duration,
}

impl Default for SoakPlan {
    fn default() -> Self {
        SoakPlan {
            iterations: 3,
            amqp_callers: 4,
            http_callers: 4,
            deadline: Duration::from_secs(3),
            slack: Duration::from_secs(1),
            work_ms: 5,
            steady: Duration::from_secs(2),
            outage: Duration::from_secs(1),
            give_up: Duration::from_secs(30),
        }
    }
}

/// What one broker restart did to the calls that started during it (from its steady load
/// until the next iteration's) and how long the nodes took to return.
#[derive(Debug, Clone, Default)]
pub struct Iteration {
    /// Calls answered with a result.
    pub answered: usize,
    /// Calls answered with an error (or refused before they were sent), by JSON-RPC code.
    pub errors: BTreeMap<i64, usize>,
    /// Calls that came back later than their deadline plus the slack, or never.
    pub hung: usize,
    /// Seconds from `start_app` returning until every node was back; `None`: not within
    /// the plan's `give_up`.
    pub back_after: Option<f64>,
    /// `stop_app` and `start_app` both succeeded.
    pub restarted: bool,
}

impl Iteration {
    /// One line of the table `soak` prints.
    pub fn row(&self, index: usize) -> String {
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|(code, n)| format!("{code}:{n}"))
            .collect();
        let back = self
            .back_after
            .map_or("never".to_owned(), |s| format!("{s:.2}"));
        format!(
            "{index:>4} {:>9} {:>5} {:>8} {}",
            self.answered,
            self.hung,
            back,
            if errors.is_empty() {
                "-".to_owned()
            } else {
                errors.join(" ")
            }
        )
    }
}

/// The header of [`Iteration::row`].
pub const TABLE_HEADER: &str = "iter  answered  hung  back(s) errors(code:count)";

/// Outcomes of the calls started in each iteration (index = iteration; the load before the
/// first restart counts toward the first).
type Ledger = Arc<Mutex<Vec<Iteration>>>;

enum Outcome {
    Answered,
    Error(i64),
    Hung,
}

fn record(ledger: &Ledger, iteration: usize, outcome: Outcome) {
    let mut all = ledger.lock().unwrap_or_else(|p| p.into_inner());
    if all.len() <= iteration {
        all.resize_with(iteration + 1, Iteration::default);
    }
    let it = &mut all[iteration];
    match outcome {
        Outcome::Answered => it.answered += 1,
        Outcome::Error(code) => *it.errors.entry(code).or_default() += 1,
        Outcome::Hung => it.hung += 1,
    }
}

fn classify(result: &Result<Value, CallError>, took: Duration, limit: Duration) -> Outcome {
    if took > limit {
        return Outcome::Hung;
    }
    match result {
        Ok(_) => Outcome::Answered,
        Err(e) => Outcome::Error(e.code()),
    }
}

/// What the callers share: where they are, and when to stop.
struct Load {
    plan: SoakPlan,
    ledger: Ledger,
    iteration: AtomicUsize,
    stop: AtomicBool,
}

impl Load {
    fn current(&self) -> usize {
        self.iteration.load(Ordering::Acquire)
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

/// One AMQP caller: calls one at a time, reconnecting (every 100 ms) while the broker is away;
/// calls it cannot send for want of a connection are not counted (no call was made).
async fn amqp_caller(load: Arc<Load>, url: String, domain: String) {
    let plan = &load.plan;
    let mut caller: Option<AmqpCaller> = None;
    while !load.stopped() {
        let live = caller.as_ref().is_some_and(AmqpCaller::connected);
        if !live {
            caller = AmqpCaller::connect(&url, &domain).await.ok();
            if caller.is_none() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            continue;
        }
        let Some(c) = &caller else { continue };
        let iteration = load.current();
        let limit = plan.deadline + plan.slack;
        let started = Instant::now();
        // The outer bound catches a call that never comes back (a publish whose confirm
        // never arrives, a reply waiter nobody fails).
        let call = c.call("chaos.work", json!([plan.work_ms]), plan.deadline);
        let outcome = match tokio::time::timeout(limit + plan.slack, call).await {
            Ok(result) => classify(&result, started.elapsed(), limit),
            Err(_) => Outcome::Hung,
        };
        record(&load.ledger, iteration, outcome);
    }
    if let Some(c) = caller {
        c.close().await;
    }
}

/// `POST /rpc` of one JSON-RPC call with an `x-deadline`, on a blocking socket whose reads
/// give up at `limit` (a hung call).
fn http_call(addr: &str, body: &str, deadline_ms: u64, limit: Duration) -> Option<Value> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(limit)).ok()?;
    let request = format!(
        "POST /rpc HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         x-deadline: {deadline_ms}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let (_, json) = text.split_once("\r\n\r\n")?;
    serde_json::from_str(json).ok()
}

/// The host:port of a node's `/rpc` URL.
pub fn gateway_addr(rpc: &str) -> String {
    rpc.trim_start_matches("http://")
        .trim_end_matches("/rpc")
        .to_owned()
}

/// One HTTP caller on gateway `addr`: calls one at a time. A gateway that cannot be reached
/// at all (the node is a separate process that does not go away with the broker) is a hung
/// call too, since the node must always answer.
async fn http_caller(load: Arc<Load>, addr: String) {
    let plan = load.plan.clone();
    while !load.stopped() {
        let iteration = load.current();
        let limit = plan.deadline + plan.slack;
        let started = Instant::now();
        let addr = addr.clone();
        let (work_ms, deadline) = (plan.work_ms, plan.deadline);
        let reply =
            tokio::task::spawn_blocking(move || work_over_http(&addr, work_ms, deadline, limit))
                .await
                .ok()
                .flatten();
        let outcome = match reply {
            None => Outcome::Hung,
            Some(result) => classify(&result, started.elapsed(), limit),
        };
        record(&load.ledger, iteration, outcome);
    }
}

/// `chaos.work` of `work_ms` posted to gateway `addr` with `x-deadline` `deadline` from now,
/// blocking: its result or error, or `None` when no answer came within `limit` (a hang).
pub fn work_over_http(
    addr: &str,
    work_ms: u64,
    deadline: Duration,
    limit: Duration,
) -> Option<Result<Value, CallError>> {
    let deadline_ms = unix_millis_now() + deadline.as_millis() as u64;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "chaos.work", "params": [work_ms]});
    let reply = http_call(addr, &body.to_string(), deadline_ms, limit)?;
    Some(match reply.get("error") {
        Some(error) => Err(CallError::from_json(error)),
        None => Ok(reply.get("result").cloned().unwrap_or(Value::Null)),
    })
}

/// True when every node of `names` answers `core.nodes` (through its private queue) within
/// a second, naming all of `names`.
async fn all_back(caller: &AmqpCaller, names: &[String]) -> bool {
    for node in names {
        let seen = caller
            .call_on(node, "core.nodes", json!([]), Duration::from_secs(1))
            .await
            .unwrap_or_default();
        let seen: Vec<&str> = seen
            .as_array()
            .map(|a| a.iter().filter_map(|n| n["name"].as_str()).collect())
            .unwrap_or_default();
        if !names.iter().all(|n| seen.contains(&n.as_str())) {
            return false;
        }
    }
    true
}

/// Seconds from now until every node is back (polling every 100 ms with a fresh caller when
/// needed), or `None` after `give_up`.
async fn time_return(domain: &Deployed, names: &[String], give_up: Duration) -> Option<f64> {
    let started = Instant::now();
    let mut caller: Option<AmqpCaller> = None;
    let mut back = None;
    while started.elapsed() < give_up {
        if !caller.as_ref().is_some_and(AmqpCaller::connected) {
            caller = AmqpCaller::connect(&domain.caller_url(), &domain.domain)
                .await
                .ok();
        }
        if let Some(c) = &caller {
            if all_back(c, names).await {
                back = Some(started.elapsed().as_secs_f64());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let Some(c) = caller {
        c.close().await;
    }
    back
}

/// Runs `plan` against `nodes` (chaos nodes of `domain` on `broker`, with gateways for the
/// HTTP callers); prints each iteration's row as it ends when `print` holds, and returns them.
/// Needs a multi-threaded runtime (the broker is stopped and started on a blocking thread).
pub async fn soak(
    broker: &PrivateBroker,
    domain: &Deployed,
    nodes: &[NodeProcess],
    plan: &SoakPlan,
    print: bool,
) -> Vec<Iteration> {
    let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
    let gateways: Vec<String> = nodes
        .iter()
        .map(|n| n.url())
        .filter(|u| *u != "off")
        .map(gateway_addr)
        .collect();
    let load = Arc::new(Load {
        plan: plan.clone(),
        ledger: Ledger::default(),
        iteration: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
    });
    let mut callers = Vec::new();
    for _ in 0..plan.amqp_callers {
        let (url, d) = (domain.caller_url(), domain.domain.clone());
        callers.push(tokio::spawn(amqp_caller(load.clone(), url, d)));
    }
    for i in 0..plan.http_callers {
        if let Some(addr) = gateways.get(i % gateways.len().max(1)) {
            callers.push(tokio::spawn(http_caller(load.clone(), addr.clone())));
        }
    }
    if print {
        println!("{TABLE_HEADER}");
    }
    let mut timings = Vec::new();
    for iteration in 0..plan.iterations {
        load.iteration.store(iteration, Ordering::Release);
        tokio::time::sleep(plan.steady).await;
        let stopped = tokio::task::block_in_place(|| broker.stop_app());
        tokio::time::sleep(plan.outage).await;
        let started = tokio::task::block_in_place(|| broker.start_app());
        let back = time_return(domain, &names, plan.give_up).await;
        timings.push((back, stopped && started));
        if print && iteration > 0 {
            let row = ledger_row(&load.ledger, iteration - 1, timings[iteration - 1]);
            println!("{}", row.row(iteration));
        }
    }
    // The last iteration's calls: steady load after the last return, then stop and wait for
    // every caller's call in progress to end (each bounded by its deadline and the slack).
    tokio::time::sleep(plan.steady).await;
    load.stop.store(true, Ordering::Release);
    for caller in callers {
        let _ = caller.await;
    }
    let mut all = Vec::new();
    for (i, timing) in timings.iter().enumerate() {
        let row = ledger_row(&load.ledger, i, *timing);
        if print && i + 1 == plan.iterations {
            println!("{}", row.row(i + 1));
        }
        all.push(row);
    }
    all
}

fn ledger_row(ledger: &Ledger, i: usize, (back, restarted): (Option<f64>, bool)) -> Iteration {
    let all = ledger.lock().unwrap_or_else(|p| p.into_inner());
    let mut row = all.get(i).cloned().unwrap_or_default();
    row.back_after = back;
    row.restarted = restarted;
    row
}

/// The summary line of a run: iterations, calls, errors by code, hung calls, and the
/// slowest, median and fastest return.
pub fn summary(rows: &[Iteration]) -> String {
    let answered: usize = rows.iter().map(|r| r.answered).sum();
    let hung: usize = rows.iter().map(|r| r.hung).sum();
    let mut errors: BTreeMap<i64, usize> = BTreeMap::new();
    for row in rows {
        for (code, n) in &row.errors {
            *errors.entry(*code).or_default() += n;
        }
    }
    let mut backs: Vec<f64> = rows.iter().filter_map(|r| r.back_after).collect();
    backs.sort_by(f64::total_cmp);
    let never = rows.len() - backs.len();
    let pick = |q: f64| {
        backs
            .get(((backs.len() as f64 - 1.0) * q).round().max(0.0) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    format!(
        "RESULT iterations={} answered={answered} hung={hung} errors={errors:?} \
         back_min_s={:.2} back_median_s={:.2} back_max_s={:.2} never_back={never} \
         over_10s={}",
        rows.len(),
        pick(0.0),
        pick(0.5),
        pick(1.0),
        backs.iter().filter(|b| **b > 10.0).count()
    )
}
