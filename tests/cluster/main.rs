//! A domain of real `clacks node` processes on the real RabbitMQ: load balancing by competing
//! consumers, a node killed mid-load, a plugin failing on one node, CUMULATIVE with a frozen
//! node, and bad input on the command queues. The test process joins the domain as a caller
//! node of its own (core and probe plugins only), so chaos work always runs in the processes.

use clacks_tests::amqp::{broker_url, remove_domain, AmqpFactory};
use clacks_tests::cluster::Cluster;
use clacks_tests::process::NodeProcess;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_clacks");

mod deployed;
mod fleet;
mod python;

fn spawn_node(domain: &str, name: &str, env: &[(&str, &str)]) -> NodeProcess {
    spawn_node_with_url(domain, name, &broker_url(), env)
}

fn spawn_node_with_url(domain: &str, name: &str, url: &str, env: &[(&str, &str)]) -> NodeProcess {
    let mut all = vec![
        ("CLACKS_PLUGINS__CHAOS__ENABLED", "true"),
        ("CLACKS_PLUGINS__CHAOS__MAX_RESTARTS", "2"),
        ("CLACKS_AMQP__STATUS_INTERVAL", "0.5"),
        ("CLACKS_AMQP__EVICTION", "3"),
    ];
    all.extend_from_slice(env);
    let node = NodeProcess::start(
        BIN,
        name,
        &["--http", "off", "--domain", domain, "--amqp", url],
        &all,
    );
    assert!(
        node.amqp().starts_with("amqp://") && node.amqp().contains(":***@127.0.0.1:"),
        "{:?}",
        node.ready
    );
    node
}

/// The test's own node (the caller) plus `count` node processes, all seeing each other.
async fn domain_with(
    test: &str,
    count: usize,
    env: &[(&str, &str)],
) -> (Cluster, Vec<NodeProcess>) {
    let domain = format!("it-{test}-{}", std::process::id());
    let processes: Vec<NodeProcess> = (1..=count)
        .map(|i| spawn_node(&domain, &format!("n{i}"), env))
        .collect();
    let caller = Cluster::start(&AmqpFactory::default(), &domain, &["caller"], &[], |_, b| b).await;
    for _ in 0..300 {
        if caller.nodes[0].nodes().len() > count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        caller.nodes[0].nodes().len(),
        count + 1,
        "every node joined"
    );
    (caller, processes)
}

async fn finish(caller: Cluster, processes: Vec<NodeProcess>) {
    let domain = caller.domain.clone();
    drop(processes);
    caller.shutdown().await;
    let plugins: Vec<String> = ["core", "host", "chaos", "probe"]
        .map(String::from)
        .to_vec();
    remove_domain(&broker_url(), &domain, &plugins).await;
}

/// Sends `total` chaos.work calls with `in_flight` at a time; counts who served them.
async fn shares(
    caller: &Cluster,
    total: usize,
    in_flight: usize,
    ms: u64,
) -> BTreeMap<String, usize> {
    let mut served = BTreeMap::new();
    let per_worker = total / in_flight;
    let workers = (0..in_flight).map(|_| async move {
        let mut mine = Vec::new();
        for _ in 0..per_worker {
            let who = caller
                .call(0, "chaos.work", json!([ms]))
                .await
                .expect("chaos.work succeeds");
            mine.push(who.as_str().unwrap_or("?").to_owned());
        }
        mine
    });
    for names in join_all(workers).await {
        for name in names {
            *served.entry(name).or_insert(0) += 1;
        }
    }
    served
}

#[actix_rt::test]
async fn competing_consumers_balance_equal_nodes_and_favour_fast_ones() {
    let (caller, processes) = domain_with("balance", 3, &[("CLACKS_AMQP__PREFETCH", "1")]).await;
    let served = shares(&caller, 3000, 8, 2).await;
    println!("equal nodes, 3000 calls, 8 in flight: {served:?}");
    for node in ["n1", "n2", "n3"] {
        let share = served.get(node).copied().unwrap_or(0) as f64 / 3000.0;
        assert!(
            (share - 1.0 / 3.0).abs() <= 0.05,
            "{node} served {share:.3}: {served:?}"
        );
    }
    caller
        .call_on(0, "n3", "chaos.slow", json!([2.0]))
        .await
        .unwrap();
    let served = shares(&caller, 3000, 8, 4).await;
    let fast = (served["n1"] + served["n2"]) as f64 / 2.0;
    let slow = served.get("n3").copied().unwrap_or(0) as f64;
    println!("n3 2x slower: {served:?}, slow/fast = {:.2}", slow / fast);
    assert!(
        (0.3..=0.75).contains(&(slow / fast)),
        "slow/fast {:.2}: {served:?}",
        slow / fast
    );
    finish(caller, processes).await;
}

#[actix_rt::test]
async fn kill_9_mid_load_loses_no_call_and_hangs_none() {
    let (caller, processes) = domain_with("kill", 3, &[("CLACKS_AMQP__PREFETCH", "4")]).await;
    let started = Instant::now();
    let deadline = Duration::from_secs(20);
    let calls = (0..2000).map(|_| caller.call_within(0, "chaos.work", json!([2]), deadline));
    let killer = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        processes[1].signal("-KILL");
    };
    let (results, ()) = tokio::join!(join_all(calls), killer);
    let elapsed = started.elapsed();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for err in results.iter().filter_map(|r| r.as_ref().err()) {
        *errors.entry(err.kind_str().to_owned()).or_default() += 1;
    }
    println!("kill -9 n2 under 2000 calls: {ok} ok, errors {errors:?}, {elapsed:?}");
    assert_eq!(results.len(), 2000, "every call answered once");
    assert!(
        elapsed < deadline + Duration::from_secs(5),
        "no call hung: {elapsed:?}"
    );
    assert!(
        ok >= 1900,
        "redelivery served the killed node's calls: {ok} ok, {errors:?}"
    );
    finish(caller, processes).await;
}

#[actix_rt::test]
async fn a_plugin_failing_on_one_node_moves_its_calls_to_the_others() {
    let (caller, processes) = domain_with("failover", 3, &[]).await;
    for _ in 0..3 {
        let err = caller
            .call_on(0, "n2", "chaos.panic", json!([]))
            .await
            .unwrap_err();
        assert_eq!(err.kind_str(), "panic");
    }
    let err = caller
        .call_on(0, "n2", "chaos.work", json!([]))
        .await
        .unwrap_err();
    assert_eq!(err.kind_str(), "unavailable", "{err}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let served = shares(&caller, 300, 4, 0).await;
    assert!(!served.contains_key("n2"), "{served:?}");
    assert_eq!(served.values().sum::<usize>(), 300);
    finish(caller, processes).await;
}

#[actix_rt::test]
async fn cumulative_names_a_frozen_node_missing_once_evicted() {
    let (caller, processes) = domain_with("frozen", 3, &[]).await;
    processes[2].signal("-STOP");
    for _ in 0..200 {
        if caller.nodes[0].nodes().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    let got = caller
        .call_within(0, "core.actor_tree", json!([]), Duration::from_secs(20))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    println!(
        "CUMULATIVE with n3 frozen: {elapsed:?}, missing {}",
        got["missing"]
    );
    assert_eq!(got["missing"], json!(["n3"]));
    assert_eq!(got["responded"], json!(["caller", "n1", "n2"]));
    assert!(
        elapsed < Duration::from_secs(5),
        "answered long before the 20 s deadline: {elapsed:?}"
    );
    finish(caller, processes).await;
}

trait KindStr {
    fn kind_str(&self) -> &'static str;
}

impl KindStr for clacks_runtime::call::CallError {
    fn kind_str(&self) -> &'static str {
        self.kind().as_str()
    }
}

/// Raw AMQP requests from outside Clacks: bad ones get error replies, and the queue keeps
/// flowing.
#[actix_rt::test]
async fn bad_input_over_amqp_gets_error_replies_and_never_stalls_the_queue() {
    use clacks_runtime::codec::wire;
    use futures_util::StreamExt;
    use lapin::options::{BasicConsumeOptions, BasicPublishOptions};
    use lapin::types::FieldTable;
    use lapin::{BasicProperties, Connection, ConnectionProperties};

    let (caller, processes) = domain_with("badinput", 1, &[]).await;
    let connection = Connection::connect(&broker_url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let mut replies = channel
        .basic_consume(
            "amq.rabbitmq.reply-to".into(),
            "raw".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let exchange = format!("{}.command", caller.domain);
    let send = |body: &'static str, content_type: &'static str, reply: bool, id: &'static str| {
        let mut props = BasicProperties::default()
            .with_content_type(content_type.into())
            .with_correlation_id(id.into());
        if reply {
            props = props.with_reply_to("amq.rabbitmq.reply-to".into());
        }
        let channel = channel.clone();
        let exchange = exchange.clone();
        async move {
            channel
                .basic_publish(
                    exchange.as_str().into(),
                    "core".into(),
                    BasicPublishOptions::default(),
                    body.as_bytes(),
                    props,
                )
                .await
                .unwrap();
        }
    };
    send("{nope", "application/json", true, "c1").await;
    send(
        r#"{"jsonrpc":"2.0","id":2,"method":"core.nothing"}"#,
        "application/json",
        true,
        "c2",
    )
    .await;
    send(
        r#"{"jsonrpc":"2.0","id":3,"method":"core.ping"}"#,
        "text/plain",
        true,
        "c3",
    )
    .await;
    send(
        r#"{"jsonrpc":"2.0","id":4,"method":"core.ping"}"#,
        "application/json",
        false,
        "c4",
    )
    .await;
    send(
        r#"{"jsonrpc":"2.0","id":5,"method":"core.ping"}"#,
        "application/json",
        true,
        "c5",
    )
    .await;
    send(
        "\u{fd}\u{1}not bincode",
        "application/x-bincode",
        true,
        "c6",
    )
    .await;
    let mut got: BTreeMap<String, Value> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while got.len() < 5 && Instant::now() < deadline {
        let next = tokio::time::timeout(Duration::from_secs(10), replies.next()).await;
        let Ok(Some(Ok(delivery))) = next else { break };
        let id = delivery
            .properties
            .correlation_id()
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default();
        // Replies come in the request's encoding.
        let content_type = delivery
            .properties
            .content_type()
            .as_ref()
            .map(|c| c.to_string());
        let codec = wire::for_content_type(content_type.as_deref().unwrap_or(wire::JSON))
            .expect("a reply in a known encoding");
        got.insert(id, codec.decode(&delivery.data).unwrap());
    }
    assert_eq!(got["c1"]["error"]["code"], json!(-32700), "{got:?}");
    assert_eq!(got["c1"]["error"]["data"]["node"], json!("n1"), "{got:?}");
    assert_eq!(got["c2"]["error"]["code"], json!(-32601), "{got:?}");
    assert_eq!(got["c3"]["error"]["code"], json!(-32700), "{got:?}");
    assert_eq!(got["c5"]["result"]["pong"], json!(true), "{got:?}");
    assert!(!got.contains_key("c4"), "no reply without reply_to");
    assert_eq!(got["c6"]["error"]["code"], json!(-32700), "{got:?}");
    let message = got["c6"]["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("not a bincode message"), "{got:?}");
    let _ = connection.close(200, "done".into()).await;
    finish(caller, processes).await;
}

/// Nodes on a private broker that is restarted under load: they rebuild connection, channels
/// and topology, and calls succeed again soon after the broker is back.
#[actix_rt::test]
async fn broker_restart_mid_load_nodes_recover() {
    use clacks_tests::broker::PrivateBroker;
    let broker = match PrivateBroker::start() {
        Ok(b) => b,
        Err(e) => panic!("cannot start a private RabbitMQ node: {e}"),
    };
    let url = broker.url();
    let domain = format!("it-restart-{}", std::process::id());
    let processes: Vec<NodeProcess> = ["n1", "n2"]
        .iter()
        .map(|name| {
            spawn_node_with_url(&domain, name, &url, &[("CLACKS_AMQP__RECONNECT_MAX", "1")])
        })
        .collect();
    let factory = AmqpFactory::new(&url);
    let caller = Cluster::start(&factory, &domain, &["caller"], &[], |_, b| b).await;
    for _ in 0..200 {
        if caller.nodes[0].nodes().len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = shares(&caller, 200, 4, 0).await;
    assert_eq!(before.values().sum::<usize>(), 200);

    let load = async {
        let mut outcomes = Vec::new();
        let until = Instant::now() + Duration::from_secs(6);
        while Instant::now() < until {
            let started = Instant::now();
            let r = caller
                .call_within(0, "chaos.work", json!([]), Duration::from_secs(3))
                .await;
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "a call hung past its deadline"
            );
            outcomes.push(r.is_ok());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        outcomes
    };
    let restart = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(broker.stop_app(), "stop_app");
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(broker.start_app(), "start_app");
        Instant::now()
    };
    let (outcomes, back_at) = tokio::join!(load, restart);
    let failed = outcomes.iter().filter(|ok| !**ok).count();
    println!(
        "broker restart under load: {} calls, {failed} failed during the outage",
        outcomes.len()
    );
    // After the broker's return every node is back within 10 s and calls succeed.
    let mut recovered = None;
    while back_at.elapsed() < Duration::from_secs(10) {
        let all_ok = join_all((0..20).map(|_| caller.call(0, "chaos.work", json!([]))))
            .await
            .iter()
            .all(Result::is_ok);
        if all_ok && caller.nodes[0].nodes().len() == 3 {
            recovered = Some(back_at.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("recovered {recovered:?} after the broker returned");
    assert!(
        recovered.is_some(),
        "nodes back in the domain within 10 s of the broker's return"
    );
    let after = shares(&caller, 200, 4, 0).await;
    assert_eq!(after.values().sum::<usize>(), 200, "{after:?}");
    drop(processes);
    caller.shutdown().await;
}

/// deploy/rabbitmq's definitions on the real broker: a node runs with the domain's node user in
/// the domain's vhost, the caller user can call it, and neither reaches beyond the domain.
#[actix_rt::test]
async fn deploy_definitions_give_a_working_isolated_domain() {
    let domain = format!("it.deploy-{}", std::process::id());
    let dir = std::env::temp_dir().join(format!("clacks-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("definitions.json");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/rabbitmq/domain-definitions.py"
    );
    let out = Command::new("python3")
        .args([script, &domain, "node-pw", "caller-pw"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&file, &out.stdout).unwrap();
    let imported = Command::new("rabbitmqctl")
        .arg("import_definitions")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    struct Cleanup(String, std::path::PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.1);
            let _ = Command::new("rabbitmqctl")
                .args(["delete_vhost", &self.0])
                .output();
            for user in ["node", "caller"] {
                let _ = Command::new("rabbitmqctl")
                    .args(["delete_user", &format!("{}-{user}", self.0)])
                    .output();
            }
        }
    }
    let _cleanup = Cleanup(domain.clone(), dir.clone());

    let node_url = format!("amqp://{domain}-node:node-pw@127.0.0.1:5672/{domain}");
    let node = spawn_node_with_url(&domain, "d1", &node_url, &[]);
    let caller_url = format!("amqp://{domain}-caller:caller-pw@127.0.0.1:5672/{domain}");
    let call = |domain: &str| {
        Command::new(BIN)
            .args([
                "call",
                "--amqp",
                &caller_url,
                "--domain",
                domain,
                "--timeout",
                "10",
                "core.ping",
            ])
            .output()
            .unwrap()
    };
    let ok = call(&domain);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let answer: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(answer["node"], json!("d1"));
    let foreign = call("org.elsewhere");
    assert_ne!(
        foreign.status.code(),
        Some(0),
        "another domain's names are out of reach"
    );
    let stray = Command::new(BIN)
        .args([
            "call",
            "--amqp",
            &format!("amqp://{domain}-node:node-pw@127.0.0.1:5672/%2f"),
            "core.ping",
        ])
        .output()
        .unwrap();
    assert_eq!(
        stray.status.code(),
        Some(3),
        "the node user has no access to other vhosts"
    );
    drop(node);
}

/// A call that kills every node taking it is not redelivered for ever: after
/// `amqp.max_deliveries` (3) it lands in `D.command.dead` and the caller gets an error.
#[actix_rt::test]
async fn a_call_that_keeps_killing_nodes_is_dead_lettered() {
    use lapin::options::QueueDeclareOptions;
    use lapin::types::FieldTable;
    use lapin::{Connection, ConnectionProperties};

    let (caller, processes) = domain_with("dead", 4, &[("CLACKS_AMQP__PREFETCH", "1")]).await;
    let err = caller
        .call_within(0, "chaos.abort", json!([]), Duration::from_secs(30))
        .await
        .unwrap_err();
    println!("poison call answered: {err}");
    assert_eq!(err.kind_str(), "internal", "{err}");
    assert!(err.message().contains("dead-lettered"), "{err}");
    let connection = Connection::connect(&broker_url(), ConnectionProperties::default())
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let dead = channel
        .queue_declare(
            format!("{}.command.dead", caller.domain).as_str().into(),
            QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    assert_eq!(dead.message_count(), 1);
    let _ = connection.close(200, "done".into()).await;
    let alive = caller.nodes[0].nodes().len();
    println!("nodes left in the view: {alive}");
    finish(caller, processes).await;
}

/// `clacks listen --amqp` subscribes on the broker itself, validating and filtering locally;
/// `clacks emit --amqp` publishes there.
#[actix_rt::test]
async fn listen_and_emit_over_amqp() {
    let (caller, processes) = domain_with("listen", 1, &[]).await;
    let listener = Command::new(BIN)
        .args([
            "listen",
            "--amqp",
            &broker_url(),
            "--domain",
            &caller.domain,
            "--json",
        ])
        .args([
            "--name",
            "NodeStatus",
            "--filter",
            "//e:NodeStatus[e:Id = 'n1']",
            "--count",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(
        listener.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&listener.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&listener.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert_eq!(line["event"], json!("NodeStatus"));
        assert_eq!(line["origin"], json!("n1"));
        assert!(line["xml"].as_str().unwrap().contains("<Id>n1</Id>"));
    }
    finish(caller, processes).await;
}
