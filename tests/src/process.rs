//! A node as a child process, for tests of real binaries (`clacks node`, or a program built on
//! `clacks::NodeRunner`): started with arguments and environment, considered up once it prints
//! its ready line (`clacks: node NAME domain D http URL amqp URL ready`), or any line a test
//! waits for, and killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running node process.
pub struct NodeProcess {
    /// The node name.
    pub name: String,
    /// The child process.
    pub child: Child,
    /// The words after `clacks:` of the line it was waited for: for the ready line,
    /// `node NAME domain D http URL amqp URL ready`.
    pub ready: Vec<String>,
    /// Everything it printed on stderr up to that line.
    pub stderr: Vec<String>,
    /// Reads the rest of stderr (so the node never blocks on a full pipe) and keeps it.
    rest: Option<JoinHandle<Vec<String>>>,
}

/// The ready line of a node.
fn is_ready_line(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.len() == 10 && words[0] == "clacks:" && words[9] == "ready"
}

impl NodeProcess {
    /// Starts `bin node --name NAME --log warn ARGS…` with `env` (and the harness ACL set,
    /// `CLACKS_ACL__FILE`, unless `env` names another), waiting up to 30 s for the ready line.
    pub fn start(bin: &str, name: &str, args: &[&str], env: &[(&str, &str)]) -> NodeProcess {
        let mut command = Command::new(bin);
        command.arg("node");
        NodeProcess::start_command(command, name, args, env)
    }

    /// Starts a program that is a node itself (built on `clacks::NodeRunner`, it takes the
    /// flags of `clacks node` without the word `node`): `bin --name NAME --log warn ARGS…`.
    pub fn start_program(
        bin: &str,
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> NodeProcess {
        NodeProcess::start_command(Command::new(bin), name, args, env)
    }

    fn start_command(
        mut command: Command,
        name: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> NodeProcess {
        command
            .args(["--name", name, "--log", "warn"])
            .args(args)
            .env_remove("RUST_LOG")
            .env("CLACKS_ACL__FILE", crate::acl::harness_file())
            .envs(env.iter().copied());
        match NodeProcess::launch(command, name, is_ready_line) {
            Ok(node) => node,
            Err(seen) => panic!("node {name} printed no ready line; stderr: {seen:?}"),
        }
    }

    /// Spawns `command` and reads its stderr until a line for which `until` holds (up to
    /// 30 s); the process is then up as far as that line tells. `Err` holds what it printed
    /// when it ended or the time ran out first (the process is killed then).
    pub fn launch(
        mut command: Command,
        name: &str,
        until: impl Fn(&str) -> bool,
    ) -> Result<NodeProcess, Vec<String>> {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
        let Some(stderr) = child.stderr.take() else {
            panic!("stderr of node {name} is not piped")
        };
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            seen.push(line.clone());
            if until(&line) {
                return Ok(NodeProcess {
                    name: name.to_owned(),
                    child,
                    ready: line.split_whitespace().skip(1).map(str::to_owned).collect(),
                    stderr: seen,
                    rest: Some(std::thread::spawn(move || drain(lines))),
                });
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(seen)
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

    /// Waits for the process to end, giving up after `limit` (a hang is a failure of its
    /// own, not a slow answer); returns how it ended and what it printed on stderr after the
    /// line it was waited for.
    pub fn finish(mut self, limit: Duration) -> (ExitStatus, Vec<String>) {
        let deadline = Instant::now() + limit;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => panic!("node {} did not end within {limit:?}", self.name),
                Err(e) => panic!("cannot wait for node {}: {e}", self.name),
            }
        };
        let rest = match self.rest.take().map(JoinHandle::join) {
            Some(Ok(rest)) => rest,
            _ => Vec::new(),
        };
        (status, rest)
    }
}

fn drain(lines: std::io::Lines<BufReader<ChildStderr>>) -> Vec<String> {
    lines.map_while(Result::ok).collect()
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
