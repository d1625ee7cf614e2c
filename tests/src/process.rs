//! `clacks node` as a child process, for tests of the real binary: started with arguments and
//! environment, considered up once it prints its ready line
//! (`clacks: node NAME domain D http URL amqp URL ready`), and killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running node process.
pub struct NodeProcess {
    /// The node name.
    pub name: String,
    /// The child process.
    pub child: Child,
    /// The ready line's words after `clacks:` (`node NAME domain D http URL amqp URL ready`).
    pub ready: Vec<String>,
    /// Everything it printed on stderr up to the ready line.
    pub stderr: Vec<String>,
}

impl NodeProcess {
    /// Starts `bin node --name NAME ARGS…` with `env`, waiting up to 30 s for the ready line.
    pub fn start(bin: &str, name: &str, args: &[&str], env: &[(&str, &str)]) -> NodeProcess {
        let mut child = Command::new(bin)
            .args(["node", "--name", name, "--log", "warn"])
            .args(args)
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin} node does not start: {e}"));
        let Some(stderr) = child.stderr.take() else {
            panic!("stderr of node {name} is not piped")
        };
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            seen.push(line.clone());
            let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
            if words.len() == 10 && words[0] == "clacks:" && words[9] == "ready" {
                // Keep draining stderr so the node never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return NodeProcess {
                    name: name.to_owned(),
                    child,
                    ready: words[1..].to_vec(),
                    stderr: seen,
                };
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("node {name} printed no ready line; stderr: {seen:?}");
    }

    /// The HTTP URL from the ready line (`off` without a gateway).
    pub fn url(&self) -> &str {
        &self.ready[5]
    }

    /// The (redacted) AMQP URL from the ready line (`off` without a broker).
    pub fn amqp(&self) -> &str {
        &self.ready[7]
    }

    /// Sends `signal` (`-KILL`, `-STOP`, `-TERM`, …) to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "kill {signal} {}",
            self.name
        );
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        // A stopped process must be continued before it can die.
        let _ = Command::new("kill")
            .args(["-CONT", &self.child.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
