//! A domain set up the way deploy/rabbitmq sets one up, on the real broker: its own vhost, a
//! node user and a caller user (domain-definitions.py, imported with rabbitmqctl), removed
//! again when dropped. Nodes run as `clacks node` processes under the node user; tests talk
//! AMQP as the caller user, never as guest.

use clacks_tests::process::NodeProcess;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use super::BIN;

/// A domain with its vhost and users.
pub struct Deployed {
    /// The domain (and vhost) name.
    pub domain: String,
    dir: PathBuf,
}

impl Deployed {
    /// Creates domain `it.TEST-PID` on the local broker.
    pub fn create(test: &str) -> Deployed {
        let domain = format!("it.{test}-{}", std::process::id());
        let dir = std::env::temp_dir().join(format!("clacks-{domain}"));
        std::fs::create_dir_all(&dir).expect("temp folder");
        let deployed = Deployed { domain, dir };
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/rabbitmq/domain-definitions.py"
        );
        let out = Command::new("python3")
            .args([script, &deployed.domain, "node-pw", "caller-pw"])
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = deployed.dir.join("definitions.json");
        std::fs::write(&file, &out.stdout).expect("definitions written");
        let imported = Command::new("rabbitmqctl")
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

    /// The node user's URL.
    pub fn node_url(&self) -> String {
        let d = &self.domain;
        format!("amqp://{d}-node:node-pw@127.0.0.1:5672/{d}")
    }

    /// The caller user's URL.
    pub fn caller_url(&self) -> String {
        let d = &self.domain;
        format!("amqp://{d}-caller:caller-pw@127.0.0.1:5672/{d}")
    }

    /// `clacks node` NAME in the domain, with quick status and eviction, and `http` (`off` or
    /// an address) for its gateway.
    pub fn node(&self, name: &str, http: &str, env: &[(&str, &str)]) -> NodeProcess {
        let mut all = vec![
            ("CLACKS_AMQP__STATUS_INTERVAL", "0.5"),
            ("CLACKS_AMQP__EVICTION", "3"),
        ];
        all.extend_from_slice(env);
        let url = self.node_url();
        let args = ["--http", http, "--domain", &self.domain, "--amqp", &url];
        NodeProcess::start(BIN, name, &args, &all)
    }

    /// `clacks ARGS…` as the caller user (`--amqp` and `--domain` go right after the
    /// subcommand `args[0]`).
    pub fn clacks(&self, args: &[&str]) -> Output {
        let (command, rest) = args.split_first().expect("a subcommand");
        Command::new(BIN)
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
}

impl Drop for Deployed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = Command::new("rabbitmqctl")
            .args(["delete_vhost", &self.domain])
            .output();
        for user in ["node", "caller"] {
            let _ = Command::new("rabbitmqctl")
                .args(["delete_user", &format!("{}-{user}", self.domain)])
                .output();
        }
    }
}
