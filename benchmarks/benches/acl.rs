//! The cost of an ACL check (issue 14), cached and uncached, beside an in-process call and an
//! AMQP call measured in the same run.
//!
//! The checks ask the node's own engine what its guard asks on every call: may `alice` (an
//! entry grants it, no admin short-cut) execute `D.command.bench_acl.echo` at the ACL root, in
//! a set of 200 entries on 20 bases (so the uncached walk has work to do). Each check side is
//! timed in batches (a clock read per check would cost more than a cached check), in paired
//! rounds whose order alternates; the figure is the median of the rounds. The calls are
//! `bench_acl.echo` as alice, in-process (`NodeHandle::call`, the check included) and over
//! RabbitMQ (skipped when no broker answers). Goal: a cached check ≤ 5% of the in-process call.

use clacks_benchmarks::{amqp_node, knobs, median, ready, report, Samples};
use clacks_runtime::acl::{file, Rights};
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::config;
use clacks_runtime::plugin::plugin;
use clacks_runtime::{NodeBuilder, NodeHandle, PluginDef};
use serde_json::{json, Map};
use std::time::{Duration, Instant};

struct BenchAcl;

/// Benchmark commands.
#[plugin(name = "bench_acl")]
impl BenchAcl {
    /// Returns its argument.
    #[command]
    fn echo(&self, n: u64) -> u64 {
        n
    }
}

const BATCH: usize = 20_000;

/// 200 entries for other users on 20 bases, one for alice on the root.
fn acl_text() -> String {
    let mut bases = Vec::new();
    let mut id = 0;
    for b in 0..20 {
        let entries: Vec<String> = (0..10)
            .map(|i| {
                id += 1;
                format!(
                    r#"{{"id": {id}, "priority": {i}, "scope": "sub", "members": ["^user{b}x{i}$"],
                     "actions": [{{"topic": "^bench\\.command\\.other{i}\\.", "acls": "rwx"}}]}}"#
                )
            })
            .collect();
        let base = if b == 0 {
            "dc=example,dc=net".to_owned()
        } else {
            format!("ou=b{b},dc=example,dc=net")
        };
        bases.push(format!(
            r#""{base}": [{{"acls": [{}]}}]"#,
            entries.join(",")
        ));
    }
    let alice = r#"{"id": 9999, "priority": 50, "scope": "sub", "members": ["^alice$"],
        "actions": [{"topic": ".*\\.command\\.bench_acl\\.echo$", "acls": "x"}]}"#;
    // alice's entry on the root itself (priority 50: consulted after the 10 others there).
    let text = format!(r#"{{"acl": {{{}}}}}"#, bases.join(","));
    text.replacen(
        r#""dc=example,dc=net": [{"acls": ["#,
        &format!(r#""dc=example,dc=net": [{{"acls": [{alice},"#),
        1,
    )
}

/// ns per check over `BATCH` checks.
fn batch_ns(mut check: impl FnMut() -> bool) -> f64 {
    let started = Instant::now();
    let mut allowed = 0usize;
    for _ in 0..BATCH {
        allowed += usize::from(check());
    }
    assert_eq!(allowed, BATCH, "every check allowed");
    started.elapsed().as_nanos() as f64 / BATCH as f64
}

fn echo_call() -> CallRequest {
    CallRequest::new("bench_acl.echo", Params::Positional(vec![json!(7)])).with_caller("alice")
}

/// `n` calls of `bench_acl.echo` as alice, once one has been answered (a client node must
/// first see the server); a failed call stops the bench, since timing errors would measure
/// nothing (a refusal or "no provider" comes back in microseconds).
async fn calls(node: &NodeHandle, n: usize) -> Samples {
    ready::until_answered(node, echo_call, 200, Duration::from_millis(50))
        .await
        .unwrap_or_else(|e| panic!("bench_acl.echo is never answered: {e}"));
    Samples::measure(n / 10, n, || {
        let node = node.clone();
        async move {
            if let Err(e) = node.call(echo_call()).await {
                panic!("bench_acl.echo failed during the run: {e}");
            }
        }
    })
    .await
}

fn main() {
    let rounds = knobs::count("CLACKS_BENCH_ROUNDS", 9);
    let n = knobs::count("CLACKS_BENCH_CALLS", 20_000);
    let set = file::parse(&acl_text(), "bench.acl").unwrap_or_else(|e| panic!("bench set: {e}"));
    actix_rt::System::new().block_on(async move {
        let overrides = [
            ("node.domain", "bench".to_owned()),
            ("acl.local_admin", "false".to_owned()),
        ];
        let settings = config::load(None, Vec::<(String, String)>::new(), &overrides)
            .unwrap_or_else(|e| panic!("settings: {e}"));
        let node = NodeBuilder::new(settings)
            .name("bench")
            .acl_set(set.clone())
            .plugin(PluginDef::new(|_| Ok(BenchAcl)))
            .start()
            .unwrap_or_else(|e| panic!("bench node: {e}"));
        while !node.not_ready().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let engine = node.acl().clone();
        let topic = engine.command_topic("bench_acl", "echo");
        let none = Map::new();
        let cached = || {
            engine
                .check("alice", &topic, Rights::EXECUTE, None, &none)
                .allowed()
        };
        let uncached = || {
            engine
                .check_uncached("alice", &topic, Rights::EXECUTE, None, &none)
                .allowed()
        };
        println!("acl benchmark: {rounds} paired rounds of {BATCH} checks per side, {n} calls");
        batch_ns(cached);
        batch_ns(uncached);
        let (mut cached_ns, mut uncached_ns) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            if round % 2 == 0 {
                cached_ns.push(batch_ns(cached));
                uncached_ns.push(batch_ns(uncached));
            } else {
                uncached_ns.push(batch_ns(uncached));
                cached_ns.push(batch_ns(cached));
            }
        }
        let (cached_ns, uncached_ns) = (median(cached_ns), median(uncached_ns));
        let local = calls(&node, n).await;
        report(
            "in-process call bench_acl.echo as alice (check included)",
            &local,
        );
        let local_ns = local.percentile(50.0).as_nanos() as f64;
        println!("acl check cached:   {cached_ns:.0} ns (median of rounds)");
        println!("acl check uncached: {uncached_ns:.0} ns (median of rounds, 201 entries)");
        println!(
            "ratio cached check / in-process call p50: {:.2}%   goal: <= 5.00%",
            100.0 * cached_ns / local_ns
        );
        println!(
            "ratio uncached check / in-process call p50: {:.2}%",
            100.0 * uncached_ns / local_ns
        );
        node.shutdown().await;

        let domain = format!("bench-acl-{}", std::process::id());
        let probe = lapin::Connection::connect(&amqp_node::broker_url(), Default::default()).await;
        if probe.is_err() {
            println!(
                "AMQP call: skipped (no broker at {})",
                amqp_node::broker_url()
            );
            return;
        }
        // Over the broker the caller is the connection's account: give guest the entry too.
        let amqp_set = file::parse(
            &acl_text().replace("^alice$", "^(alice|guest)$"),
            "bench.acl",
        )
        .unwrap_or_else(|e| panic!("bench set: {e}"));
        let server = amqp_node::start(
            "server",
            &domain,
            16,
            &[("acl.local_admin", "false")],
            vec![PluginDef::new(|_| Ok(BenchAcl))],
        )
        .await;
        server
            .acl()
            .replace(amqp_set.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        let client = amqp_node::start(
            "client",
            &domain,
            16,
            &[("acl.local_admin", "false")],
            vec![],
        )
        .await;
        let remote = calls(&client, (n / 10).max(200)).await;
        report("AMQP call bench_acl.echo (check on the server)", &remote);
        let amqp_ns = remote.percentile(50.0).as_nanos() as f64;
        println!(
            "ratio cached check / AMQP call p50: {:.3}%",
            100.0 * cached_ns / amqp_ns
        );
        client.shutdown().await;
        server.shutdown().await;
        amqp_node::remove_domain(&domain, &["bench_acl"]).await;
    });
}
