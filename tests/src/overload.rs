//! Overload (issue 18, item 4): far more calls than one node can serve, offered at a steady
//! rate (open loop: a call starts every tick whatever happened to the last) over HTTP to the
//! node's gateway and over AMQP from several caller connections, each call with a deadline.
//! What each call came to is tallied per path ([`PathTally`]): answered (with its latency),
//! an error by JSON-RPC code (`-32001` busy from a full gateway, `-32000` timeout from a caller
//! whose deadline passed), or hung (no outcome by its deadline plus a slack). Meanwhile the
//! node's resident memory is sampled from `/proc/PID/status` ([`Rss`]). The test suite checks
//! the behaviour with it (busy answers, nothing lost or hung, the node bounded by its
//! prefetch); the `overload` benchmark prints the figures beside an unloaded run.

use clacks_runtime::call::CallError;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::caller::AmqpCaller;
use crate::soak::{gateway_addr, work_over_http};

/// The offered load.
#[derive(Debug, Clone)]
pub struct Flood {
    /// How long calls are started.
    pub duration: Duration,
    /// Calls per second started over HTTP (0: none).
    pub http_rate: f64,
    /// Calls per second started over AMQP (0: none), spread over the callers.
    pub amqp_rate: f64,
    /// Milliseconds of work each call asks for (`chaos.work`).
    pub work_ms: u64,
    /// Each call's deadline (HTTP: `x-deadline`; AMQP: the caller's and the message's).
    pub deadline: Duration,
    /// How long past its deadline a call may take before it counts as hung.
    pub slack: Duration,
}

/// What the calls of one path came to.
#[derive(Debug, Clone, Default)]
pub struct PathTally {
    /// Calls started.
    pub sent: usize,
    /// Latencies of the calls answered with a result, sorted.
    pub answered: Vec<Duration>,
    /// Calls answered with an error (or refused by the caller's library), by JSON-RPC code.
    pub errors: BTreeMap<i64, usize>,
    /// Calls with no outcome by their deadline plus the slack.
    pub hung: usize,
}

impl PathTally {
    /// Calls answered with error `code`.
    pub fn code(&self, code: i64) -> usize {
        self.errors.get(&code).copied().unwrap_or(0)
    }

    /// Calls that came to an outcome (answered, an error, or hung): equals `sent` when none
    /// was lost by the tally itself.
    pub fn accounted(&self) -> usize {
        self.answered.len() + self.errors.values().sum::<usize>() + self.hung
    }

    /// The `p`-th percentile (0–100) of the answered calls' latencies; zero without any.
    pub fn percentile(&self, p: f64) -> Duration {
        let Some(last) = self.answered.len().checked_sub(1) else {
            return Duration::ZERO;
        };
        let rank = ((p / 100.0) * last as f64).round() as usize;
        self.answered[rank.min(last)]
    }

    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Answered(took) => self.answered.push(took),
            Outcome::Error(code) => *self.errors.entry(code).or_default() += 1,
            Outcome::Hung => self.hung += 1,
        }
    }

    /// One line: sent, answered, errors by code, hung, p50 and p99 of the answered.
    pub fn line(&self) -> String {
        format!(
            "sent {:>5}  answered {:>5}  errors {:?}  hung {}  p50 {:>7.1} ms  p99 {:>7.1} ms",
            self.sent,
            self.answered.len(),
            self.errors,
            self.hung,
            self.percentile(50.0).as_secs_f64() * 1e3,
            self.percentile(99.0).as_secs_f64() * 1e3,
        )
    }
}

/// Both paths of one flood.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Calls posted to the node's gateway.
    pub http: PathTally,
    /// Calls published by the AMQP callers.
    pub amqp: PathTally,
}

enum Outcome {
    Answered(Duration),
    Error(i64),
    Hung,
}

fn outcome(result: Result<Value, CallError>, took: Duration, limit: Duration) -> Outcome {
    match result {
        _ if took > limit => Outcome::Hung,
        Ok(_) => Outcome::Answered(took),
        Err(e) => Outcome::Error(e.code()),
    }
}

/// One `chaos.work` over HTTP to gateway `addr`, with the flood's deadline.
fn http_work(addr: &str, flood: &Flood) -> Outcome {
    let limit = flood.deadline + flood.slack;
    let started = Instant::now();
    match work_over_http(addr, flood.work_ms, flood.deadline, limit) {
        None => Outcome::Hung,
        Some(result) => outcome(result, started.elapsed(), limit),
    }
}

/// One `chaos.work` over AMQP, bounded from outside too (a reply waiter nobody fails).
async fn amqp_work(caller: &AmqpCaller, flood: &Flood) -> Outcome {
    let limit = flood.deadline + flood.slack;
    let started = Instant::now();
    let call = caller.call("chaos.work", json!([flood.work_ms]), flood.deadline);
    match tokio::time::timeout(limit, call).await {
        Ok(result) => outcome(result, started.elapsed(), limit),
        Err(_) => Outcome::Hung,
    }
}

/// Starts a call every `1 / rate` seconds for `duration` (`start(i)` for the i-th), then
/// waits for every one started.
async fn paced<F>(rate: f64, duration: Duration, start: F) -> usize
where
    F: Fn(usize) -> tokio::task::JoinHandle<()>,
{
    if rate <= 0.0 {
        return 0;
    }
    let period = Duration::from_secs_f64(1.0 / rate);
    let began = tokio::time::Instant::now();
    let mut running = Vec::new();
    let mut i = 0;
    // Each call starts at its own tick, however late the previous ones are (open loop).
    while began.elapsed() < duration {
        running.push(start(i));
        i += 1;
        tokio::time::sleep_until(began + period * i as u32).await;
    }
    for call in running {
        let _ = call.await;
    }
    i
}

/// Runs `flood` against the node whose gateway is `rpc` (`http://…/rpc`) and, over AMQP,
/// through `callers` (round robin). Needs a multi-threaded runtime (HTTP calls block a thread
/// each).
pub async fn flood(rpc: &str, callers: &[Arc<AmqpCaller>], flood: &Flood) -> Tally {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let add = |tally: &Arc<Mutex<Tally>>, http: bool, got: Outcome| {
        let mut all = tally.lock().unwrap_or_else(|p| p.into_inner());
        let path = if http { &mut all.http } else { &mut all.amqp };
        path.add(got);
    };
    let addr = gateway_addr(rpc);
    let http = paced(flood.http_rate, flood.duration, |_| {
        let (tally, addr, flood) = (tally.clone(), addr.clone(), flood.clone());
        tokio::spawn(async move {
            let got = tokio::task::spawn_blocking(move || http_work(&addr, &flood))
                .await
                .unwrap_or(Outcome::Hung);
            add(&tally, true, got);
        })
    });
    let amqp = paced(flood.amqp_rate, flood.duration, |i| {
        let (tally, flood) = (tally.clone(), flood.clone());
        let caller = callers.get(i % callers.len().max(1)).cloned();
        tokio::spawn(async move {
            let got = match caller {
                Some(caller) => amqp_work(&caller, &flood).await,
                None => Outcome::Hung,
            };
            add(&tally, false, got);
        })
    });
    let (http_sent, amqp_sent) = tokio::join!(http, amqp);
    let mut tally = tally.lock().unwrap_or_else(|p| p.into_inner()).clone();
    tally.http.sent = http_sent;
    tally.amqp.sent = amqp_sent;
    tally.http.answered.sort();
    tally.amqp.answered.sort();
    tally
}

/// `count` calls one after the other, alternating HTTP and AMQP (`count` of each): the
/// latencies of a node with nothing else to do.
pub async fn unloaded(rpc: &str, caller: &AmqpCaller, count: usize, flood: &Flood) -> Tally {
    let mut tally = Tally::default();
    let addr = gateway_addr(rpc);
    for _ in 0..count {
        let (addr, f) = (addr.clone(), flood.clone());
        let got = tokio::task::spawn_blocking(move || http_work(&addr, &f))
            .await
            .unwrap_or(Outcome::Hung);
        tally.http.add(got);
        tally.amqp.add(amqp_work(caller, flood).await);
    }
    tally.http.sent = count;
    tally.amqp.sent = count;
    tally.http.answered.sort();
    tally.amqp.answered.sort();
    tally
}

/// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`); `None` when the process or the
/// field is not there.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{field}:")))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The resident memory of a process, sampled every 20 ms while it runs: the largest sample
/// (`VmHWM`, the kernel's own high-water mark, covers what falls between samples).
pub struct Rss {
    peak: Arc<AtomicU64>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Rss {
    /// Starts sampling process `pid`.
    pub fn sample(pid: u32) -> Rss {
        let peak = Arc::new(AtomicU64::new(0));
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let seen = peak.clone();
        tokio::spawn(async move {
            while !*stopped.borrow() {
                if let Some(kib) = status_kib(pid, "VmRSS") {
                    seen.fetch_max(kib, Ordering::Relaxed);
                }
                let tick = tokio::time::sleep(Duration::from_millis(20));
                tokio::select! {
                    () = tick => {}
                    _ = stopped.changed() => {}
                }
            }
        });
        Rss { peak, stop }
    }

    /// The largest `VmRSS` sampled so far, in KiB.
    pub fn peak_kib(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
}

impl Drop for Rss {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The value of the sample of `family` whose labels contain `labels` (e.g.
/// `plugin="chaos"`) on the node whose gateway is `rpc`; `None` when the node does not
/// answer or has no such sample.
pub fn metric(rpc: &str, family: &str, labels: &str) -> Option<f64> {
    let addr = gateway_addr(rpc);
    let text = http_get(&addr, "/metrics", Duration::from_secs(5))?;
    text.lines()
        .filter(|l| l.starts_with(family) && l[family.len()..].starts_with('{'))
        .find(|l| l.contains(labels))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

/// `GET path` on `addr` (HTTP/1.0, read until the server closes): the body.
fn http_get(addr: &str, path: &str, limit: Duration) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(limit)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned())
}
