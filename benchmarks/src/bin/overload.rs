//! `overload`: one node offered ten times the calls it can serve (issue 18, item 4). A
//! `clacks-chaos-node` on the machine's broker, with deploy/'s node and caller users, serves
//! `chaos.work`, which works `WORK_MS` milliseconds one call at a time: `1000 / WORK_MS`
//! calls/s is all it can do. Each round runs three phases in alternating order
//! ([`round_order`]): unloaded (one call at a time, HTTP and AMQP in turn), ten times capacity
//! over HTTP alone, and ten times capacity split between HTTP and AMQP; calls are started at a
//! steady rate whatever became of the last (open loop), each with a deadline. Printed: the
//! node's idle and peak resident memory (`/proc/PID/status`, sampled every 20 ms, and the
//! kernel's `VmHWM`), per phase the calls sent, answered, refused `-32001 busy`, timed out and
//! hung, and the median over rounds of the ratio p99 loaded / p99 unloaded of the calls the
//! node accepted (answered with a result).
//!
//! ```sh
//! cargo run --release -p clacks-benchmarks --bin overload -- 5
//! ```
//!
//! Environment: `CLACKS_OVERLOAD_WORK_MS` (default 20), `CLACKS_OVERLOAD_PREFETCH` (the node's
//! `amqp.prefetch`, default 2), `CLACKS_OVERLOAD_IN_FLIGHT` (its `http.in_flight`, default 2),
//! `CLACKS_OVERLOAD_CALLERS` (AMQP caller connections, default 16). The chaos node is built
//! beside this program (same target folder and profile).

use clacks_benchmarks::{knobs, median, round_order};
use clacks_tests::deployed::Deployed;
use clacks_tests::overload::{flood, status_kib, unloaded, Flood, PathTally, Rss, Tally};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The phases of a round.
const PHASES: [&str; 3] = ["unloaded", "10x over HTTP", "10x over HTTP+AMQP"];

/// What every round of one phase came to, joined.
#[derive(Default)]
struct Phase {
    rounds: Vec<Tally>,
}

impl Phase {
    fn joined(&self, http: bool) -> PathTally {
        let mut all = PathTally::default();
        for tally in &self.rounds {
            let side = if http { &tally.http } else { &tally.amqp };
            all.sent += side.sent;
            all.hung += side.hung;
            all.answered.extend(&side.answered);
            for (code, n) in &side.errors {
                *all.errors.entry(*code).or_default() += n;
            }
        }
        all.answered.sort();
        all
    }
}

/// The median over rounds of p99 of `loaded` / p99 of `unloaded` (same round, same path).
fn p99_ratio(loaded: &Phase, unloaded: &Phase, http: bool) -> f64 {
    let side = |t: &Tally| if http { t.http.clone() } else { t.amqp.clone() };
    median(
        loaded
            .rounds
            .iter()
            .zip(&unloaded.rounds)
            .filter_map(|(l, u)| {
                let (l, u) = (side(l), side(u));
                let base = u.percentile(99.0).as_secs_f64();
                (!l.answered.is_empty() && base > 0.0)
                    .then(|| l.percentile(99.0).as_secs_f64() / base)
            }),
    )
}

/// Waits until the node's shared queue is empty again (calls past their deadline expire in
/// the broker or are dropped by the node), so phases do not overlap; at most `limit`.
async fn drained(domain: &Deployed, limit: Duration) {
    let queue = format!("{}.command.chaos", domain.domain);
    let until = std::time::Instant::now() + limit;
    while std::time::Instant::now() < until {
        if domain.queue_length(&queue).await == Some(0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("overload: {why}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let rounds = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 5,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => return Err("usage: overload [ROUNDS]   (greater than 0; default 5)".into()),
    };
    let work_ms = knobs::try_count("CLACKS_OVERLOAD_WORK_MS", 20)? as u64;
    let prefetch = knobs::try_count("CLACKS_OVERLOAD_PREFETCH", 2)?.to_string();
    let in_flight = knobs::try_count("CLACKS_OVERLOAD_IN_FLIGHT", 2)?.to_string();
    let connections = knobs::try_count("CLACKS_OVERLOAD_CALLERS", 16)?;
    // The chaos node is built beside this program: its folder is the profile's.
    let exe = std::env::current_exe().map_err(|e| format!("where is this program: {e}"))?;
    let sibling = exe.with_file_name("clacks").display().to_string();
    let domain = Deployed::on_local(&sibling, "overload");
    let env = [
        ("CLACKS_AMQP__PREFETCH", prefetch.as_str()),
        ("CLACKS_HTTP__IN_FLIGHT", in_flight.as_str()),
    ];
    let node = domain.chaos_node("o1", "127.0.0.1:0", &env);
    let rpc = node.url().to_owned();
    let caller = domain.caller().await;
    domain.converged(&caller, &["o1"]).await;
    let mut callers = Vec::new();
    for _ in 0..connections {
        callers.push(Arc::new(domain.caller().await));
    }
    let pid = node.child.id();
    let capacity = 1000.0 / work_ms as f64;
    let base = Flood {
        duration: Duration::from_secs(4),
        http_rate: 0.0,
        amqp_rate: 0.0,
        work_ms,
        deadline: Duration::from_secs(2),
        slack: Duration::from_secs(1),
    };
    // Warm the node up (first calls open channels, fill caches) before idle is read.
    let _ = unloaded(&rpc, &caller, 20, &base).await;
    let idle_kib = status_kib(pid, "VmRSS").ok_or("the node's /proc status is unreadable")?;
    println!(
        "overload: 1 node, chaos.work {work_ms} ms one at a time = {capacity:.0} calls/s; \
         amqp.prefetch {prefetch}, http.in_flight {in_flight}; {connections} AMQP callers; \
         deadline {:?}; {rounds} rounds of {PHASES:?}",
        base.deadline
    );
    let rss = Rss::sample(pid);
    let mut phases: Vec<Phase> = PHASES.iter().map(|_| Phase::default()).collect();
    for round in 0..rounds {
        for i in round_order(round, PHASES.len()) {
            let tally = match i {
                0 => unloaded(&rpc, &caller, 40, &base).await,
                1 => {
                    let plan = Flood {
                        http_rate: 10.0 * capacity,
                        ..base.clone()
                    };
                    flood(&rpc, &callers, &plan).await
                }
                _ => {
                    let plan = Flood {
                        http_rate: 5.0 * capacity,
                        amqp_rate: 5.0 * capacity,
                        ..base.clone()
                    };
                    flood(&rpc, &callers, &plan).await
                }
            };
            drained(&domain, base.deadline + Duration::from_secs(5)).await;
            println!(
                "round {round} {:<20} http: {}\n{:<29}amqp: {}",
                PHASES[i],
                tally.http.line(),
                "",
                tally.amqp.line()
            );
            phases[i].rounds.push(tally);
        }
    }
    let peak_kib = rss.peak_kib().max(status_kib(pid, "VmHWM").unwrap_or(0));
    drop(rss);
    println!("\nsummary over {rounds} rounds:");
    for (name, phase) in PHASES.iter().zip(&phases) {
        println!("  {name:<20} http: {}", phase.joined(true).line());
        println!("  {:<20} amqp: {}", "", phase.joined(false).line());
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    let over = mib(peak_kib.saturating_sub(idle_kib));
    println!(
        "RESULT idle_rss_mib={:.1} peak_rss_mib={:.1} peak_over_idle_mib={over:.1} (goal < 100)",
        mib(idle_kib),
        mib(peak_kib)
    );
    let (http_only, mixed) = (&phases[1], &phases[2]);
    let lost = |p: &Phase, http: bool| {
        let t = p.joined(http);
        t.sent - t.accounted().min(t.sent)
    };
    println!(
        "RESULT http_busy_32001={} (of {} sent over HTTP under load) amqp_answered={} \
         amqp_timed_out={} amqp_hung={} lost={}",
        http_only.joined(true).code(-32001) + mixed.joined(true).code(-32001),
        http_only.joined(true).sent + mixed.joined(true).sent,
        mixed.joined(false).answered.len(),
        mixed.joined(false).code(-32000),
        mixed.joined(false).hung,
        lost(http_only, true) + lost(mixed, true) + lost(mixed, false),
    );
    println!(
        "RESULT p99_ratio_loaded_over_unloaded (median of rounds; goal <= 2): \
         http_accepted_http_only={:.2} http_accepted_mixed={:.2} amqp_answered_mixed={:.2}",
        p99_ratio(http_only, &phases[0], true),
        p99_ratio(mixed, &phases[0], true),
        p99_ratio(mixed, &phases[0], false),
    );
    drop(callers);
    caller.close().await;
    Ok(())
}
