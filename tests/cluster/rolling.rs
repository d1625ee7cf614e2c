//! A rolling restart as operators do one: each of three nodes in turn is stopped with SIGTERM
//! and started again, while 64 calls from the caller user are in flight all along. A clean
//! shutdown is not a crash: the node stops taking calls, hands back what it had prefetched,
//! finishes and acks what it was running, then leaves. So every call is answered with its own
//! result, none runs twice (the chaos journal holds one line per execution), and nothing is
//! dead-lettered.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::deployed::{Deployed, Here};
use super::SEC;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_sigterm_restart_under_load_answers_every_call_once() {
    let domain = Deployed::create("rolling");
    let names = ["n1", "n2", "n3"];
    let mut nodes: Vec<_> = names.map(|n| domain.chaos_node(n, "off", &[])).into();
    let caller = domain.caller().await;
    domain.converged(&caller, &names).await;

    let caller = Arc::new(caller);
    let done = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..64)
        .map(|w| {
            let (caller, done) = (caller.clone(), done.clone());
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                let mut i = 0;
                while !done.load(Ordering::Relaxed) {
                    let id = format!("w{w}-{i}");
                    let outcome = caller.call("chaos.record", json!([id, 5]), 30 * SEC).await;
                    outcomes.push((id, outcome));
                    i += 1;
                }
                outcomes
            })
        })
        .collect();
    // The calls run on the runtime's workers; this thread restarts the nodes.
    let started = Instant::now();
    for (i, name) in names.iter().enumerate() {
        std::thread::sleep(Duration::from_millis(700));
        let old = nodes.remove(i);
        old.signal("-TERM");
        let (status, rest) = old.finish(Duration::from_secs(30));
        println!("{name} on its way out: {rest:?}");
        assert_eq!(status.code(), Some(0), "{name} stops cleanly: {rest:?}");
        nodes.insert(i, domain.chaos_node(name, "off", &[]));
        println!("{name} restarted at {:?}", started.elapsed());
    }
    std::thread::sleep(Duration::from_millis(700));
    done.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for worker in workers {
        outcomes.extend(worker.await.expect("a worker ends"));
    }

    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (id, outcome) in &outcomes {
        match outcome {
            Ok(result) if result["id"] == json!(id) => {}
            Ok(result) => wrong.push(format!("{id}: {result}")),
            Err(e) => {
                *errors
                    .entry(format!("{}: {e}", e.kind().as_str()))
                    .or_default() += 1
            }
        }
    }
    let mut runs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in domain.journal() {
        let (id, how) = line.split_once(' ').unwrap_or((&line, "?"));
        runs.entry(id.to_owned()).or_default().push(how.to_owned());
    }
    let twice: Vec<_> = runs.iter().filter(|(_, on)| on.len() > 1).collect();
    let dead = domain.dead_letters().await.len();
    println!(
        "rolling restart: {} calls, {} errors, {} executions, {} ran twice, {dead} dead letters",
        outcomes.len(),
        errors.values().sum::<usize>(),
        runs.len(),
        twice.len()
    );
    assert!(
        outcomes.len() > 1000,
        "load ran all along: {}",
        outcomes.len()
    );
    assert_eq!(
        errors,
        BTreeMap::new(),
        "every call answered with its result"
    );
    assert!(wrong.is_empty(), "answers to other calls: {wrong:?}");
    assert!(twice.is_empty(), "executed twice: {twice:?}");
    assert_eq!(runs.len(), outcomes.len(), "every call ran exactly once");
    assert_eq!(dead, 0, "nothing dead-lettered");
    if let Ok(caller) = Arc::try_unwrap(caller) {
        caller.close().await;
    }
}
