//! A private RabbitMQ node for tests that restart the broker: its own node name, port,
//! distribution port, data and log directories, so the machine's shared broker is never
//! disturbed. Stopped and removed when dropped. Three of them joined make a
//! [`BrokerCluster`] (the Erlang cookie is the one of the user the server runs as, shared by
//! every node it starts). [`PrivateBroker::start_tls`] adds a TLS
//! listener on another loopback port, with client certificates checked against a CA and SASL
//! `EXTERNAL` (the `rabbitmq_auth_mechanism_ssl` plugin, the certificate's common name as the
//! user), all in the private node's own configuration file.
//! [`PrivateBroker::start_with_log_exchange`] makes it publish its log (warning and above) to
//! `amq.rabbitmq.log`, and [`PrivateBroker::add_log_reader`] adds an account that may read it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A running private broker.
pub struct PrivateBroker {
    node: String,
    port: u16,
    tls_port: Option<u16>,
    dir: PathBuf,
    env: Vec<(String, String)>,
    /// The address it listens on (127.0.0.1, or its host's in a network namespace).
    host: IpAddr,
    /// The network namespace it runs in (`crate::netns`), if any.
    netns: Option<String>,
}

/// `program`, run inside `netns` when there is one.
fn command_in(netns: Option<&str>, program: &str) -> Command {
    match netns {
        Some(ns) => {
            let mut command = Command::new("ip");
            command.args(["netns", "exec", ns, program]);
            command
        }
        None => Command::new(program),
    }
}

/// The TLS listener of a private broker: its certificate and key, and the CA its clients'
/// certificates must chain to (a client without one logs in with a password).
#[derive(Debug, Clone)]
pub struct BrokerTls {
    /// CA bundle for client certificates.
    pub ca: PathBuf,
    /// The broker's certificate.
    pub cert: PathBuf,
    /// Its key.
    pub key: PathBuf,
}

fn free_port() -> Option<u16> {
    // The distribution port is the node port + 20000, so stay low enough for it to exist.
    for _ in 0..50 {
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        if (10_000..45_000).contains(&port)
            && TcpListener::bind(("127.0.0.1", port + 20_000)).is_ok()
        {
            return Some(port);
        }
    }
    None
}

fn wait_port(host: IpAddr, port: u16, up: bool, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let at = SocketAddr::from((host, port));
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&at, Duration::from_secs(1)).is_ok() == up {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

impl PrivateBroker {
    /// Starts a broker on a free loopback port; `Err` says why it could not.
    pub fn start() -> Result<PrivateBroker, String> {
        PrivateBroker::start_at(IpAddr::V4(Ipv4Addr::LOCALHOST), None, None, false)
    }

    /// Starts a broker that publishes its log to `amq.rabbitmq.log` (`log.exchange = true`,
    /// level warning) in its own configuration file.
    pub fn start_with_log_exchange() -> Result<PrivateBroker, String> {
        PrivateBroker::start_at(IpAddr::V4(Ipv4Addr::LOCALHOST), None, None, true)
    }

    /// Adds `user` (password `password`) on the default vhost with the permissions the
    /// README asks of a node's broker log account (`amqp.broker_log_url`): configure and
    /// write `clacks.*` queues, read those and `amq.rabbitmq.log`. Returns its URL.
    pub fn add_log_reader(&self, user: &str, password: &str) -> Result<String, String> {
        for args in [
            &["add_user", user, password][..],
            &[
                "set_permissions",
                "-p",
                "/",
                user,
                "^clacks\\..*",
                "^clacks\\..*",
                "^(clacks\\..*|amq\\.rabbitmq\\.log)$",
            ][..],
        ] {
            self.ctl(args)?;
        }
        Ok(format!(
            "amqp://{user}:{password}@{}:{}/%2f",
            self.host, self.port
        ))
    }

    /// Starts a broker with a TLS listener too (on its own free loopback port).
    pub fn start_tls(tls: &BrokerTls) -> Result<PrivateBroker, String> {
        PrivateBroker::start_at(IpAddr::V4(Ipv4Addr::LOCALHOST), None, Some(tls), false)
    }

    /// Starts a broker inside network namespace `netns` (a [`crate::netns`] host), listening
    /// on `host`, that namespace's address; its `rabbitmqctl` runs in there too.
    pub fn start_in_netns(netns: &str, host: Ipv4Addr) -> Result<PrivateBroker, String> {
        PrivateBroker::start_at(IpAddr::V4(host), Some(netns), None, false)
    }

    fn start_at(
        host: IpAddr,
        netns: Option<&str>,
        tls: Option<&BrokerTls>,
        log_exchange: bool,
    ) -> Result<PrivateBroker, String> {
        let port = free_port().ok_or("no free port pair for a private broker")?;
        let tls_port = match tls {
            Some(_) => Some(free_port().ok_or("no free port for a TLS listener")?),
            None => None,
        };
        let node = format!("clacks-test-{}-{port}@localhost", std::process::id());
        let dir = std::env::temp_dir().join(format!("clacks-rabbit-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["mnesia", "log"] {
            std::fs::create_dir_all(dir.join(sub))
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut conf = format!("listeners.tcp.local = {host}:{port}\nloopback_users = none\n");
        if log_exchange {
            conf.push_str("log.exchange = true\nlog.exchange.level = warning\n");
        }
        let mut plugins = "[].\n";
        if let (Some(tls), Some(tls_port)) = (tls, tls_port) {
            // verify_peer without fail_if_no_peer_cert: a certificate that is presented must
            // chain to the CA; a client without one may still log in with a password.
            conf.push_str(&format!(
                "listeners.ssl.local = {host}:{tls_port}\n\
                 ssl_options.cacertfile = {}\n\
                 ssl_options.certfile = {}\n\
                 ssl_options.keyfile = {}\n\
                 ssl_options.verify = verify_peer\n\
                 ssl_options.fail_if_no_peer_cert = false\n\
                 auth_mechanisms.1 = PLAIN\n\
                 auth_mechanisms.2 = AMQPLAIN\n\
                 auth_mechanisms.3 = EXTERNAL\n\
                 ssl_cert_login_from = common_name\n",
                tls.ca.display(),
                tls.cert.display(),
                tls.key.display(),
            ));
            plugins = "[rabbitmq_auth_mechanism_ssl].\n";
        }
        std::fs::write(dir.join("enabled_plugins"), plugins).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("rabbitmq.conf"), conf).map_err(|e| e.to_string())?;
        // The server script runs as the rabbitmq user, which must own its directories.
        let _ = Command::new("chown")
            .args(["-R", "rabbitmq:rabbitmq"])
            .arg(&dir)
            .status();
        let path = |p: &str| dir.join(p).display().to_string();
        let env = vec![
            ("RABBITMQ_NODENAME".to_owned(), node.clone()),
            ("RABBITMQ_NODE_PORT".to_owned(), port.to_string()),
            ("RABBITMQ_NODE_IP_ADDRESS".to_owned(), host.to_string()),
            ("RABBITMQ_DIST_PORT".to_owned(), (port + 20_000).to_string()),
            ("RABBITMQ_MNESIA_BASE".to_owned(), path("mnesia")),
            ("RABBITMQ_LOG_BASE".to_owned(), path("log")),
            (
                "RABBITMQ_ENABLED_PLUGINS_FILE".to_owned(),
                path("enabled_plugins"),
            ),
            ("RABBITMQ_CONFIG_FILE".to_owned(), path("rabbitmq")),
            ("RABBITMQ_PID_FILE".to_owned(), path("pid")),
        ];
        let started = command_in(netns, "rabbitmq-server")
            .arg("-detached")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .status()
            .map_err(|e| format!("rabbitmq-server: {e}"))?;
        let broker = PrivateBroker {
            node,
            port,
            tls_port,
            dir,
            env,
            host,
            netns: netns.map(str::to_owned),
        };
        let tls_up = || tls_port.is_none_or(|p| wait_port(host, p, true, Duration::from_secs(30)));
        if !started.success() || !wait_port(host, port, true, Duration::from_secs(90)) || !tls_up()
        {
            return Err(format!(
                "private broker {} did not start (see {})",
                broker.node,
                broker.dir.display()
            ));
        }
        Ok(broker)
    }

    /// `amqp://guest:guest@HOST:PORT/%2f`.
    pub fn url(&self) -> String {
        format!("amqp://guest:guest@{}:{}/%2f", self.host, self.port)
    }

    /// The address it listens on (127.0.0.1 unless it runs in a network namespace).
    pub fn host(&self) -> IpAddr {
        self.host
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The loopback port of its TLS listener (started with [`PrivateBroker::start_tls`]).
    pub fn tls_port(&self) -> Option<u16> {
        self.tls_port
    }

    /// `rabbitmqctl` aimed at this node (its name and environment); add the arguments.
    pub fn rabbitmqctl(&self) -> Command {
        (self.rabbitmqctl_maker())()
    }

    /// What makes [`PrivateBroker::rabbitmqctl`] commands, for holders that outlive a borrow.
    pub fn rabbitmqctl_maker(&self) -> impl Fn() -> Command + Send + Sync + 'static {
        let (node, env, netns) = (self.node.clone(), self.env.clone(), self.netns.clone());
        move || {
            let mut command = command_in(netns.as_deref(), "rabbitmqctl");
            command
                .args(["-n", &node])
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            command
        }
    }

    /// Runs `rabbitmqctl ARGS` on this node; the error names the command (not its
    /// arguments, which may hold a password), the node and what rabbitmqctl said.
    fn ctl(&self, args: &[&str]) -> Result<(), String> {
        let out = self
            .rabbitmqctl()
            .args(args)
            .output()
            .map_err(|e| format!("rabbitmqctl: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        Err(format!(
            "rabbitmqctl {} on {}: {}",
            args.first().unwrap_or(&""),
            self.node,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }

    /// `rabbitmqctl stop_app`: connections drop, the port closes.
    pub fn stop_app(&self) -> bool {
        self.ctl(&["stop_app"]).is_ok()
            && wait_port(self.host, self.port, false, Duration::from_secs(30))
    }

    /// `rabbitmqctl start_app`: the port opens again.
    pub fn start_app(&self) -> bool {
        self.ctl(&["start_app"]).is_ok()
            && wait_port(self.host, self.port, true, Duration::from_secs(60))
    }

    /// The Erlang node name (`clacks-test-PID-PORT@localhost`).
    pub fn node_name(&self) -> &str {
        &self.node
    }

    /// Makes this (fresh) node a member of `seed`'s cluster: `stop_app`, `join_cluster`,
    /// `start_app`. `Err` has rabbitmqctl's words.
    pub fn join_cluster(&self, seed: &PrivateBroker) -> Result<(), String> {
        for args in [
            &["stop_app"][..],
            &["join_cluster", seed.node.as_str()][..],
            &["start_app"][..],
        ] {
            self.ctl(args)
                .map_err(|e| format!("{e} (joining {})", seed.node))?;
        }
        if wait_port(self.host, self.port, true, Duration::from_secs(60)) {
            Ok(())
        } else {
            Err(format!("{} did not open its port after joining", self.node))
        }
    }
}

/// Memory one private broker node may take (the check before starting a cluster).
const MIB_PER_BROKER_NODE: u64 = 512;

/// The memory the kernel says is available, in MiB (`None` off Linux).
fn available_mib() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// Private broker nodes joined into one RabbitMQ cluster, the first being the seed; each
/// node is stopped and removed when dropped.
pub struct BrokerCluster {
    /// The nodes, the seed first.
    pub nodes: Vec<PrivateBroker>,
}

/// Why a cluster was not started.
#[derive(Debug)]
pub enum ClusterUnavailable {
    /// The machine lacks the memory for the nodes: a test may skip, saying so.
    Memory(String),
    /// A node did not start or join: a test must fail.
    Failed(String),
}

impl BrokerCluster {
    /// Starts `size` private nodes at once and joins the others to the first.
    pub fn start(size: usize) -> Result<BrokerCluster, ClusterUnavailable> {
        let need = MIB_PER_BROKER_NODE * size as u64;
        if let Some(have) = available_mib() {
            if have < need {
                return Err(ClusterUnavailable::Memory(format!(
                    "a {size}-node broker cluster needs about {need} MiB of memory, {have} MiB \
                     are available"
                )));
            }
        }
        let starting: Vec<_> = (0..size)
            .map(|_| std::thread::spawn(PrivateBroker::start))
            .collect();
        let mut nodes = Vec::new();
        let mut failed = Vec::new();
        for handle in starting {
            match handle.join() {
                Ok(Ok(node)) => nodes.push(node),
                Ok(Err(why)) => failed.push(why),
                Err(_) => failed.push("a broker start panicked".to_owned()),
            }
        }
        if !failed.is_empty() {
            return Err(ClusterUnavailable::Failed(failed.join("; ")));
        }
        let cluster = BrokerCluster { nodes };
        for node in &cluster.nodes[1..] {
            node.join_cluster(&cluster.nodes[0])
                .map_err(ClusterUnavailable::Failed)?;
        }
        Ok(cluster)
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        let _ = self.ctl(&["stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
