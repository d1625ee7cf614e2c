//! A domain set up the way deploy/rabbitmq sets one up, on a real broker (the machine's, a
//! private node, or a private cluster): its own vhost, a node user and a caller user
//! (domain-definitions.py, imported with rabbitmqctl), removed again when dropped, also when
//! the test failed. Nodes run as `clacks node` (or the test-only `clacks-chaos-node`) processes
//! under the node user; tests talk AMQP as the caller user, never as guest, and read the
//! domain's queues as the node user. The `clacks` binary is given by the test binary that has
//! it (`env!("CARGO_BIN_EXE_clacks")`), or by a program beside it in the target folder.

use crate::broker::{BrokerCluster, PrivateBroker};
use crate::caller::AmqpCaller;
use crate::chaos_node::chaos_node_bin;
use crate::process::NodeProcess;
use lapin::message::BasicGetMessage;
use lapin::options::BasicGetOptions;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

type Ctl = Arc<dyn Fn() -> Command + Send + Sync>;

/// A domain with its vhost and users.
pub struct Deployed {
    /// The domain (and vhost) name.
    pub domain: String,
    dir: PathBuf,
    /// The broker's AMQP ports (several for a private cluster), in the order nodes try them.
    ports: Vec<u16>,
    /// The broker's address (127.0.0.1, or a network namespace's).
    host: String,
    ctl: Ctl,
    bin: PathBuf,
}

/// Quick status and eviction, so joins and departures show within a second or three.
const QUICK: [(&str, &str); 2] = [
    ("CLACKS_AMQP__STATUS_INTERVAL", "0.5"),
    ("CLACKS_AMQP__EVICTION", "3"),
];

impl Deployed {
    /// Creates domain `it.TEST-PID` on the local broker; nodes run `bin` (`clacks`).
    pub fn on_local(bin: &str, test: &str) -> Deployed {
        let ctl = Arc::new(|| Command::new("rabbitmqctl"));
        Deployed::import(bin, test, vec![5672], ctl, "classic")
    }

    /// Creates domain `it.TEST-PID` on a private broker.
    pub fn on_private_broker(bin: &str, broker: &PrivateBroker, test: &str) -> Deployed {
        let ctl = Arc::new(broker.rabbitmqctl_maker());
        let host = broker.host().to_string();
        Deployed::import(bin, test, vec![broker.port()], ctl, "classic").with_host(&host)
    }

    /// Creates domain `it.TEST-PID` on a private broker cluster, its dead-letter queue a
    /// quorum queue (nodes on it run with `amqp.queue_type = "quorum"`); nodes list every
    /// broker node's address, in the cluster's order.
    pub fn on_cluster(bin: &str, cluster: &BrokerCluster, test: &str) -> Deployed {
        let ctl = Arc::new(cluster.nodes[0].rabbitmqctl_maker());
        let ports = cluster.nodes.iter().map(PrivateBroker::port).collect();
        let host = cluster.nodes[0].host().to_string();
        Deployed::import(bin, test, ports, ctl, "quorum").with_host(&host)
    }

    fn import(bin: &str, test: &str, ports: Vec<u16>, ctl: Ctl, queue_type: &str) -> Deployed {
        let domain = format!("it.{test}-{}", std::process::id());
        let dir = std::env::temp_dir().join(format!("clacks-{domain}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp folder");
        // From here on, dropping cleans up whatever was made.
        let deployed = Deployed {
            domain,
            dir,
            ports,
            host: "127.0.0.1".to_owned(),
            ctl,
            bin: PathBuf::from(bin),
        };
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../deploy/rabbitmq/domain-definitions.py"
        );
        let out = Command::new("python3")
            .args([script, &deployed.domain, "node-pw", "caller-pw", queue_type])
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = deployed.dir.join("definitions.json");
        std::fs::write(&file, &out.stdout).expect("definitions written");
        let imported = (deployed.ctl)()
            .arg("import_definitions")
            .arg(&file)
            .output()
            .expect("rabbitmqctl runs");
        assert!(
            imported.status.success(),
            "{}",
            String::from_utf8_lossy(&imported.stderr)
        );
        deployed
    }

    fn with_host(mut self, host: &str) -> Deployed {
        self.host = host.to_owned();
        self
    }

    /// The node user's name.
    pub fn node_user(&self) -> String {
        format!("{}-node", self.domain)
    }

    /// The caller user's name.
    pub fn caller_user(&self) -> String {
        format!("{}-caller", self.domain)
    }

    /// The node user's URL: every broker address, separated by commas (`amqp.url`).
    pub fn node_url(&self) -> String {
        let d = &self.domain;
        let all: Vec<String> = self
            .ports
            .iter()
            .map(|port| format!("amqp://{d}-node:node-pw@{}:{port}/{d}", self.host))
            .collect();
        all.join(",")
    }

    /// The node user's URL on the broker reached at `host:port` (a fault proxy, another
    /// network namespace's address).
    pub fn node_url_at(&self, host: &str, port: u16) -> String {
        let d = &self.domain;
        format!("amqp://{d}-node:node-pw@{host}:{port}/{d}")
    }

    /// The caller user's URL (the first broker address).
    pub fn caller_url(&self) -> String {
        self.caller_url_at(0)
    }

    /// The caller user's URL at broker address `index` (a private cluster's node).
    pub fn caller_url_at(&self, index: usize) -> String {
        let d = &self.domain;
        let port = self.ports[index.min(self.ports.len() - 1)];
        format!("amqp://{d}-caller:caller-pw@{}:{port}/{d}", self.host)
    }

    /// The `clacks` binary nodes run.
    pub fn bin(&self) -> &std::path::Path {
        &self.bin
    }

    /// A file in the domain's temp folder (removed with it).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// `clacks node` NAME in the domain, with quick status and eviction, and `http` (`off` or
    /// an address) for its gateway.
    pub fn node(&self, name: &str, http: &str, env: &[(&str, &str)]) -> NodeProcess {
        let mut command = Command::new(&self.bin);
        command.arg("node");
        self.start(command, name, http, env)
    }

    /// `clacks-chaos-node` NAME: a node with the fault-injection plugin, at most 2 restarts of
    /// it, and its journal in the domain's folder ([`Deployed::journal`]).
    pub fn chaos_node(&self, name: &str, http: &str, env: &[(&str, &str)]) -> NodeProcess {
        self.chaos_node_with(None, name, http, &self.node_url(), env)
    }

    /// `clacks-chaos-node` NAME as [`Deployed::chaos_node`] starts it, run through `wrapper`
    /// (`ip netns exec NS`; the binary itself when `None`) and reaching the broker at `url`.
    pub fn chaos_node_with(
        &self,
        wrapper: Option<Command>,
        name: &str,
        http: &str,
        url: &str,
        env: &[(&str, &str)],
    ) -> NodeProcess {
        let journal = self.file("journal").display().to_string();
        let mut all = vec![
            ("CLACKS_PLUGINS__CHAOS__MAX_RESTARTS", "2"),
            ("CLACKS_PLUGINS__CHAOS__JOURNAL", journal.as_str()),
        ];
        all.extend_from_slice(env);
        let bin = chaos_node_bin(&self.bin.display().to_string());
        let command = match wrapper {
            Some(mut wrapper) => {
                wrapper.arg(bin);
                wrapper
            }
            None => Command::new(bin),
        };
        self.start_at(command, name, http, url, &all)
    }

    fn start(&self, command: Command, name: &str, http: &str, env: &[(&str, &str)]) -> NodeProcess {
        self.start_at(command, name, http, &self.node_url(), env)
    }

    fn start_at(
        &self,
        mut command: Command,
        name: &str,
        http: &str,
        url: &str,
        env: &[(&str, &str)],
    ) -> NodeProcess {
        command
            .args(["--name", name, "--log", "warn"])
            .args(["--http", http, "--domain", &self.domain, "--amqp", url])
            .env_remove("RUST_LOG")
            .env("CLACKS_ACL__FILE", crate::acl::harness_file())
            .envs(QUICK)
            .envs(env.iter().copied());
        let node = NodeProcess::launch(command, name, |line| {
            line.starts_with("clacks: node ") && line.ends_with(" ready")
        })
        .unwrap_or_else(|seen| panic!("node {name} printed no ready line; stderr: {seen:?}"));
        let user = self.node_user();
        assert!(
            node.amqp().contains(&format!("{user}:***@")),
            "{name} runs as the node user: {:?}",
            node.ready
        );
        node
    }

    /// Every line of the chaos journal (`ID NODE first|redelivered`).
    pub fn journal(&self) -> Vec<String> {
        std::fs::read_to_string(self.file("journal"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// `clacks ARGS…` as the caller user (`--amqp` and `--domain` go right after the
    /// subcommand `args[0]`).
    pub fn clacks(&self, args: &[&str]) -> Output {
        let (command, rest) = args.split_first().expect("a subcommand");
        Command::new(&self.bin)
            .arg(command)
            .args(["--amqp", &self.caller_url(), "--domain", &self.domain])
            .args(rest)
            .env_remove("CLACKS_URL")
            .env("NO_COLOR", "1")
            .output()
            .expect("clacks runs")
    }

    /// Waits (a bounded number of tries) until `core.nodes` lists `count` nodes.
    pub fn wait_for_nodes(&self, count: usize) {
        let mut seen = 0;
        for _ in 0..100 {
            let out = self.clacks(&["call", "--timeout", "5", "core.nodes"]);
            let nodes: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            seen = nodes.as_array().map_or(0, Vec::len);
            if seen == count {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{count} nodes should join {}, saw {seen}", self.domain);
    }

    /// A caller connection as the caller user.
    pub async fn caller(&self) -> AmqpCaller {
        AmqpCaller::connect(&self.caller_url(), &self.domain)
            .await
            .expect("the caller user connects")
    }

    /// A connection as the node user (what a node account may claim, and reading the
    /// domain's queues).
    pub async fn as_node(&self) -> AmqpCaller {
        AmqpCaller::connect(&self.node_url(), &self.domain)
            .await
            .expect("the node user connects")
    }

    /// Waits until every node of `names` (and no other) answers `core.nodes` from every one
    /// of them: the domain has converged. Bounded: 15 s.
    pub async fn converged(&self, caller: &AmqpCaller, names: &[&str]) {
        let want = json!(names);
        let mut last = Value::Null;
        for _ in 0..150 {
            let mut all = true;
            for node in names {
                let seen = caller
                    .call_on(node, "core.nodes", json!([]), Duration::from_secs(2))
                    .await
                    .unwrap_or_default();
                let mut seen: Vec<&str> = seen
                    .as_array()
                    .map(|a| a.iter().filter_map(|n| n["name"].as_str()).collect())
                    .unwrap_or_default();
                seen.sort_unstable();
                if json!(seen) != want {
                    last = json!({ *node: seen });
                    all = false;
                    break;
                }
            }
            if all {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} never converged to {want}: last {last}", self.domain);
    }

    /// The calls in `D.command.dead`, read (not consumed: they go back when the channel
    /// closes) as the node user.
    pub async fn dead_letters(&self) -> Vec<BasicGetMessage> {
        let reader = self.as_node().await;
        let channel = reader.channel().await;
        let queue = format!("{}.command.dead", self.domain);
        let mut letters = Vec::new();
        while let Ok(Some(letter)) = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await
        {
            letters.push(letter);
        }
        reader.close().await;
        letters
    }

    /// How many messages the domain's queue `queue` holds (a passive declare as the node
    /// user); `None` when it does not exist.
    pub async fn queue_length(&self, queue: &str) -> Option<u32> {
        let reader = self.as_node().await;
        let declared = reader.declared(queue).await;
        reader.close().await;
        declared.map(|q| q.message_count())
    }
}

impl Drop for Deployed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        // rabbitmqctl takes a second or two to start: run the three at once.
        let mut running = Vec::new();
        let vhost = ["delete_vhost", self.domain.as_str()];
        let (node, caller) = (self.node_user(), self.caller_user());
        let users = [
            ["delete_user", node.as_str()],
            ["delete_user", caller.as_str()],
        ];
        for args in std::iter::once(vhost).chain(users) {
            let spawned = (self.ctl)()
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
            running.extend(spawned.ok());
        }
        for mut child in running {
            let _ = child.wait();
        }
    }
}
