//! The real `clacks` binary as a user runs it: a node started with `clacks node`, then
//! `clacks call`, `describe` and `tree` against it, with the exit codes of PROTOCOL.md.

use clacks_tests::process::NodeProcess;
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_clacks");

mod acl;
mod amqp_admin;
mod events;
mod hostile;
mod hostile_amqp;
mod objects;
mod objects_rpc;
mod raw_http;
mod shell;

/// `clacks node` on a free loopback port, checked to print the documented ready line.
fn start_node(name: &str, extra: &[&str]) -> NodeProcess {
    let args: Vec<&str> = ["--http", "127.0.0.1:0"]
        .iter()
        .chain(extra)
        .copied()
        .collect();
    let node = NodeProcess::start(BIN, name, &args, &[]);
    // clacks: node NAME domain D http http://ADDR/rpc amqp off ready
    assert_eq!(node.ready[..4], ["node", name, "domain", "org.clacks"]);
    assert_eq!((node.ready[4].as_str(), node.amqp()), ("http", "off"));
    assert!(
        node.url().starts_with("http://127.0.0.1:"),
        "{:?}",
        node.ready
    );
    node
}

fn clacks(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("CLACKS_URL")
        .output()
        .expect("clacks runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn node_prints_ready_line_and_example_then_answers_call() {
    let node = start_node("cli1", &[]);
    let out = clacks(&["call", "--url", node.url(), "core.ping"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(result["node"], "cli1");
    assert!(
        node.stderr.iter().any(|l| l.contains("clacks call")),
        "{:?}",
        node.stderr
    );
}

#[test]
fn call_arguments_by_position_and_name_and_json_output() {
    let node = start_node("cli2", &[]);
    let out = clacks(&[
        "call",
        "--url",
        node.url(),
        "--json",
        "core.restart",
        "path=node/nothing",
    ]);
    assert_eq!(out.status.code(), Some(1), "an error result exits 1");
    let response: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(response["error"]["data"]["kind"], "invalid_params");
    let out = clacks(&["call", "--url", node.url(), "no.such"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("method_not_found"),
        "{}",
        stderr(&out)
    );
    let out = clacks(&["call", "--url", node.url(), "core.ping", "1", "a=2"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "mixed argument kinds are a usage error"
    );
}

#[test]
fn tree_draws_the_actor_tree_and_describe_lists_commands() {
    let node = start_node("cli3", &[]);
    let out = clacks(&["tree", "--url", node.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("cli3\nnode  supervisor  running"),
        "{text}"
    );
    assert!(
        text.contains("├── node/gateway") || text.contains("└── node/gateway"),
        "{text}"
    );
    assert!(text.contains("/actor  plugin  running"), "{text}");
    let out = clacks(&["tree", "--url", node.url(), "--node", "cli3", "--json"]);
    let actors: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(actors
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["path"] == "node/plugins/host/actor"));
    let out = clacks(&["describe", "--url", node.url(), "core"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("core.restart(path: String) -> Value  [NORMAL, right x]"));
    assert!(!stdout(&out).contains("host."));
}

#[test]
fn unreachable_node_exits_3_and_silent_node_exits_4() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = clacks(&[
        "call",
        "--url",
        &format!("http://127.0.0.1:{port}/rpc"),
        "core.ping",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot reach"));
    // Accepts connections (kernel backlog) but never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/rpc", silent.local_addr().unwrap());
    let out = clacks(&["call", "--url", &url, "--timeout", "0.5", "core.ping"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

#[test]
fn node_refuses_public_address_and_bad_config_with_exit_2() {
    let out = clacks(&["node", "--http", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--insecure-public"),
        "{}",
        stderr(&out)
    );
    let out = Command::new(BIN)
        .args(["node", "--http", "127.0.0.1:0"])
        .env("CLACKS_SUPERVISION__STRATEGY", "sometimes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("supervision.strategy"),
        "{}",
        stderr(&out)
    );
    let out = clacks(&["node", "--config", "/nonexistent/clacks.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/clacks.toml"));
}

#[test]
fn sigterm_shuts_the_node_down_cleanly() {
    let node = start_node("cli4", &[]);
    node.signal("-TERM");
    let (status, rest) = node.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{rest:?}");
    assert!(
        rest.iter().any(|l| l == "clacks: node cli4 stopped"),
        "{rest:?}"
    );
}

/// An AMQP URL where no broker answers (a port just closed).
fn nowhere_broker() -> String {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    format!("amqp://guest:guest@127.0.0.1:{port}/%2f")
}

#[test]
fn sigterm_or_ctrl_c_while_waiting_for_the_broker_stops_what_started_with_exit_0() {
    let broker = nowhere_broker();
    for (name, signal) in [("cli5", "-TERM"), ("cli6", "-INT")] {
        let mut command = Command::new(BIN);
        command
            .args(["node", "--name", name, "--http", "127.0.0.1:0"])
            .args(["--amqp", &broker, "--log", "info"])
            .env_remove("RUST_LOG");
        // The node says it is joining once it started and listens for signals; the broker
        // never answers, so it is still starting up when the signal comes.
        let node = NodeProcess::launch(command, name, |l| l.contains("joining the domain"))
            .unwrap_or_else(|seen| panic!("{name} never began joining: {seen:?}"));
        node.signal(signal);
        let (status, rest) = node.finish(Duration::from_secs(30));
        assert_eq!(status.code(), Some(0), "{signal}: {rest:?}");
        assert!(
            rest.iter()
                .any(|l| l == &format!("clacks: node {name} stopped")),
            "{signal}: {rest:?}"
        );
        assert!(!rest.iter().any(|l| l.ends_with(" ready")), "{rest:?}");
    }
}

/// Runs `clacks node` on a loopback port that is already taken, with `config` as its file and
/// `env`: a refusal that names a setting rather than the port shows the settings were checked
/// before anything was bound.
fn node_with_config(test: &str, config: &str, env: &[(&str, &str)]) -> Output {
    let dir = std::env::temp_dir().join(format!("clacks-cli-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("clacks.toml");
    std::fs::write(&file, config).unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let http = taken.local_addr().unwrap().to_string();
    let out = Command::new(BIN)
        .args(["node", "--name", test, "--http", &http])
        .arg("--config")
        .arg(&file)
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[test]
fn bad_plugin_setting_exits_2_naming_the_key_before_anything_starts() {
    for (config, key) in [
        (
            "[plugins.stats]\nretention = -3\n",
            "plugins.stats.retention",
        ),
        (
            "[plugins.stats]\nretension = 3\n",
            "plugins.stats.retension",
        ),
        ("[plugins.host]\nverbose = true\n", "plugins.host.verbose"),
    ] {
        let out = node_with_config("cli7", config, &[]);
        assert_eq!(out.status.code(), Some(2), "{config}: {}", stderr(&out));
        assert!(stderr(&out).contains(key), "{config}: {}", stderr(&out));
        assert!(!stderr(&out).contains("cannot listen"), "{}", stderr(&out));
        assert!(!stderr(&out).contains(" ready"), "{}", stderr(&out));
    }
}

#[test]
fn bad_setting_from_an_environment_variable_names_the_variable_and_the_key() {
    for (variable, value, key) in [
        ("CLACKS_HTTP__WORKERS", "abc", "http.workers"),
        (
            "CLACKS_PLUGINS__STATS__RETENTION",
            "-3",
            "plugins.stats.retention",
        ),
    ] {
        let out = node_with_config("cli8", "", &[(variable, value)]);
        assert_eq!(out.status.code(), Some(2), "{variable}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(variable) && stderr(&out).contains(key),
            "{variable}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn help_and_version_work_everywhere() {
    for args in [
        &["--version"][..],
        &["call", "--version"],
        &["node", "--help"],
        &["tree", "--help"],
    ] {
        let out = clacks(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(!stdout(&out).is_empty());
    }
    let out = clacks(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}
