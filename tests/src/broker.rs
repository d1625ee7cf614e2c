//! A private RabbitMQ node for tests that restart the broker: its own node name, port,
//! distribution port, data and log directories, so the machine's shared broker is never
//! disturbed. Stopped and removed when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A running private broker.
pub struct PrivateBroker {
    node: String,
    port: u16,
    dir: PathBuf,
    env: Vec<(String, String)>,
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

fn wait_port(port: u16, up: bool, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() == up {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

impl PrivateBroker {
    /// Starts a broker on a free loopback port; `Err` says why it could not.
    pub fn start() -> Result<PrivateBroker, String> {
        let port = free_port().ok_or("no free port pair for a private broker")?;
        let node = format!("clacks-test-{}-{port}@localhost", std::process::id());
        let dir = std::env::temp_dir().join(format!("clacks-rabbit-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["mnesia", "log"] {
            std::fs::create_dir_all(dir.join(sub))
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(dir.join("enabled_plugins"), "[].\n").map_err(|e| e.to_string())?;
        std::fs::write(
            dir.join("rabbitmq.conf"),
            format!("listeners.tcp.local = 127.0.0.1:{port}\nloopback_users = none\n"),
        )
        .map_err(|e| e.to_string())?;
        // The server script runs as the rabbitmq user, which must own its directories.
        let _ = Command::new("chown")
            .args(["-R", "rabbitmq:rabbitmq"])
            .arg(&dir)
            .status();
        let path = |p: &str| dir.join(p).display().to_string();
        let env = vec![
            ("RABBITMQ_NODENAME".to_owned(), node.clone()),
            ("RABBITMQ_NODE_PORT".to_owned(), port.to_string()),
            (
                "RABBITMQ_NODE_IP_ADDRESS".to_owned(),
                "127.0.0.1".to_owned(),
            ),
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
        let started = Command::new("rabbitmq-server")
            .arg("-detached")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .status()
            .map_err(|e| format!("rabbitmq-server: {e}"))?;
        let broker = PrivateBroker {
            node,
            port,
            dir,
            env,
        };
        if !started.success() || !wait_port(port, true, Duration::from_secs(90)) {
            return Err(format!(
                "private broker {} did not start (see {})",
                broker.node,
                broker.dir.display()
            ));
        }
        Ok(broker)
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/%2f`.
    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `rabbitmqctl` aimed at this node (its name and environment); add the arguments.
    pub fn rabbitmqctl(&self) -> Command {
        (self.rabbitmqctl_maker())()
    }

    /// What makes [`PrivateBroker::rabbitmqctl`] commands, for holders that outlive a borrow.
    pub fn rabbitmqctl_maker(&self) -> impl Fn() -> Command + Send + Sync + 'static {
        let (node, env) = (self.node.clone(), self.env.clone());
        move || {
            let mut command = Command::new("rabbitmqctl");
            command
                .args(["-n", &node])
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            command
        }
    }

    fn ctl(&self, args: &[&str]) -> bool {
        self.rabbitmqctl()
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// `rabbitmqctl stop_app`: connections drop, the port closes.
    pub fn stop_app(&self) -> bool {
        self.ctl(&["stop_app"]) && wait_port(self.port, false, Duration::from_secs(30))
    }

    /// `rabbitmqctl start_app`: the port opens again.
    pub fn start_app(&self) -> bool {
        self.ctl(&["start_app"]) && wait_port(self.port, true, Duration::from_secs(60))
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        self.ctl(&["stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
