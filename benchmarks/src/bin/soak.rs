//! `soak`: the broker-restart soak of issue 18 as a program. A private RabbitMQ node, a domain
//! on it with deploy/'s node and caller users, three `clacks-chaos-node` processes with
//! gateways, steady load from AMQP and HTTP callers, and N broker restarts (`stop_app`, a
//! second down, `start_app`); one table row per restart, then a `RESULT` line. The goals:
//! hung 0, every node back within 10 s of each `start_app`.
//!
//! ```sh
//! cargo run -p clacks-benchmarks --bin soak -- 30
//! ```
//!
//! Environment: `CLACKS_SOAK_RECONNECT_MAX` (the nodes' `amqp.reconnect_max`, seconds;
//! default the shipped 5), `CLACKS_SOAK_CALLERS` (AMQP callers, and as many HTTP callers;
//! default 4). The chaos node is built beside this program (same target folder and profile).

use clacks_tests::broker::PrivateBroker;
use clacks_tests::deployed::Deployed;
use clacks_tests::soak::{soak, summary, SoakPlan};
use std::process::ExitCode;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let iterations = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 30,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: soak [ITERATIONS]   (a number greater than 0; default 30)");
            return ExitCode::from(2);
        }
    };
    let callers = match env_or("CLACKS_SOAK_CALLERS", "4").parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => {
            eprintln!("soak: CLACKS_SOAK_CALLERS must be a number greater than 0");
            return ExitCode::from(2);
        }
    };
    let reconnect_max = env_or("CLACKS_SOAK_RECONNECT_MAX", "5");
    // The chaos node is built beside this program: its folder is the profile's.
    let sibling = match std::env::current_exe() {
        Ok(exe) => exe.with_file_name("clacks").display().to_string(),
        Err(e) => {
            eprintln!("soak: cannot tell where this program is: {e}");
            return ExitCode::FAILURE;
        }
    };
    let broker = match PrivateBroker::start() {
        Ok(broker) => broker,
        Err(e) => {
            eprintln!("soak: cannot start a private RabbitMQ node: {e}");
            return ExitCode::FAILURE;
        }
    };
    let domain = Deployed::on_private_broker(&sibling, &broker, "soak");
    let env = [("CLACKS_AMQP__RECONNECT_MAX", reconnect_max.as_str())];
    let nodes: Vec<_> = ["s1", "s2", "s3"]
        .map(|n| domain.chaos_node(n, "127.0.0.1:0", &env))
        .into();
    let caller = domain.caller().await;
    domain.converged(&caller, &["s1", "s2", "s3"]).await;
    caller.close().await;
    let plan = SoakPlan {
        iterations,
        amqp_callers: callers,
        http_callers: callers,
        ..SoakPlan::default()
    };
    println!(
        "soak: {iterations} broker restarts, 3 nodes (amqp.reconnect_max {reconnect_max} s), \
         {callers} AMQP + {callers} HTTP callers, deadline {:?}, {} ms of work per call",
        plan.deadline, plan.work_ms
    );
    let rows = soak(&broker, &domain, &nodes, &plan, true).await;
    println!("{}", summary(&rows));
    let good = rows
        .iter()
        .all(|r| r.restarted && r.hung == 0 && r.back_after.is_some_and(|s| s <= 10.0));
    println!(
        "goals: hung 0, every node back within 10 s of each start_app: {}",
        if good { "met" } else { "NOT met" }
    );
    if good {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
