//! `clacks shell` as a person uses it, through a pseudo-terminal (rexpect): Tab completion,
//! `help`, results, a failing call that leaves the shell usable, Ctrl-C cancelling a call
//! that hangs, Ctrl-D leaving, the history file; and its non-interactive forms (`-c`, scripts)
//! with the exit codes of `clacks call`. Also `clacks ping`, `call --all` and the tree's paths
//! against one node over HTTP.

use rexpect::session::{spawn_command, PtySession};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use super::{clacks, start_node, stderr, stdout, BIN};

/// A data folder of its own, so no test touches the user's history.
fn data_home(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clacks-shell-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp folder");
    dir
}

/// `clacks shell ARGS…` on a pseudo-terminal (in colour), waiting up to 30 s for each
/// expected text.
fn shell(args: &[&str], data: &PathBuf) -> PtySession {
    let mut command = Command::new(BIN);
    command
        .arg("shell")
        .args(args)
        .env("XDG_DATA_HOME", data)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("CLACKS_URL");
    spawn_command(command, Some(30_000)).expect("clacks shell starts on a pty")
}

#[test]
fn shell_completes_helps_calls_and_stays_usable_after_an_error() {
    let node = start_node("sh1", &[]);
    let data = data_home("interactive");
    let mut p = shell(&["--url", node.url()], &data);
    p.exp_string("clacks> ").unwrap();

    // Tab completes core.pi to core.ping: Enter then runs it (core.pi alone is no command).
    p.send("core.pi").unwrap();
    p.send("\t").unwrap();
    p.flush().unwrap();
    p.exp_string("core.ping").unwrap();
    p.send_line("").unwrap();
    // Keys come sorted: domain, node, pong, time_ms.
    p.exp_string("\"node\": \"sh1\"").unwrap();
    p.exp_string("\"pong\": true").unwrap();
    p.exp_string("clacks> ").unwrap();

    p.send_line("help core.ping").unwrap();
    p.exp_string("core.ping() -> Value").unwrap();
    p.exp_string("timeout 10s").unwrap();
    p.exp_string("Answers with the serving node's name")
        .unwrap();
    p.exp_string("clacks> ").unwrap();

    // Argument names complete too.
    p.send("core.restart p\t").unwrap();
    p.flush().unwrap();
    p.exp_string("path=").unwrap();
    p.send_line("node/nothing").unwrap();
    p.exp_string("error -32602 invalid_params").unwrap();
    p.exp_string("clacks> ").unwrap();

    // Errors are red on a terminal.
    p.send_line("core.nope").unwrap();
    p.exp_string("\u{1b}[31merror -32601 method_not_found")
        .unwrap();
    p.exp_string("clacks> ").unwrap();

    p.send_line("core.ping").unwrap();
    p.exp_string("\"pong\": true").unwrap();
    p.exp_string("clacks> ").unwrap();

    // A list of records prints as a table whose header names the columns.
    p.send_line("core.nodes").unwrap();
    p.exp_regex("name +commands +domain").unwrap();
    p.exp_string("clacks> ").unwrap();

    // :node pins a node (the prompt says which).
    p.send_line(":node sh1").unwrap();
    p.exp_string("clacks@sh1> ").unwrap();

    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
    let status = p.process().wait().unwrap();
    // nix's WaitStatus, which rexpect does not re-export: Exited(pid, 0).
    let status = format!("{status:?}");
    assert!(
        status.starts_with("Exited(") && status.ends_with(", 0)"),
        "{status}"
    );
    let history = std::fs::read_to_string(data.join("clacks").join("history")).unwrap();
    assert!(history.contains("help core.ping"), "{history}");
    assert!(history.contains("core.nope"), "{history}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn ctrl_c_cancels_a_hanging_call_and_the_shell_goes_on() {
    // A "node" that accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/rpc", silent.local_addr().unwrap());
    let (accepted, calls) = std::sync::mpsc::channel();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in silent.incoming().take(2) {
            open.push(stream);
            let _ = accepted.send(());
        }
        open
    });
    let data = data_home("cancel");
    let mut p = shell(&["--url", &url, "--timeout", "600"], &data);
    // The shell reads the domain's commands first: that call hangs too. Ctrl-C goes once the
    // call is under way (a Ctrl-C typed ahead would reach the line editor instead).
    calls.recv().unwrap();
    p.send_control('c').unwrap();
    p.exp_string("cancelled").unwrap();
    p.exp_string("clacks> ").unwrap();
    p.send_line("core.ping").unwrap();
    calls.recv().unwrap();
    p.send_control('c').unwrap();
    p.exp_string("cancelled").unwrap();
    p.exp_string("clacks> ").unwrap();
    p.send_line("quit").unwrap();
    p.exp_eof().unwrap();
    drop(held);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn one_line_with_c_exits_like_clacks_call() {
    let node = start_node("sh2", &[]);
    let ok = clacks(&["shell", "--url", node.url(), "-c", "core.ping"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("\"node\": \"sh2\""), "{}", stdout(&ok));
    let failed = clacks(&["shell", "--url", node.url(), "-c", "core.nope"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        stderr(&failed).contains("-32601 method_not_found"),
        "{}",
        stderr(&failed)
    );
    let usage = clacks(&["shell", "--url", node.url(), "-c", "core.ping 1 a=2"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(
        !stderr(&failed).contains('\u{1b}'),
        "no colour off a terminal"
    );
    let all = clacks(&["shell", "--url", node.url(), "-c", "--all host.load"]);
    assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
    assert!(
        stdout(&all).starts_with("sh2  {\"load\""),
        "{}",
        stdout(&all)
    );
    let help = clacks(&["shell", "--url", node.url(), "-c", "help core.ping"]);
    assert!(
        stdout(&help).starts_with("core.ping() -> Value"),
        "{}",
        stdout(&help)
    );
    let json = clacks(&["shell", "--url", node.url(), "--json", "-c", "core.nope"]);
    let response: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(response["error"]["code"], -32601);
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let nobody = format!("http://{free}/rpc");
    let unreachable = clacks(&["shell", "--url", &nobody, "-c", "core.ping"]);
    assert_eq!(unreachable.status.code(), Some(3));
}

#[test]
fn a_script_stops_at_the_first_error_unless_told_to_keep_going() {
    let node = start_node("sh3", &[]);
    let data = data_home("script");
    let script = data.join("calls.clacks");
    std::fs::write(
        &script,
        "# a comment\n\ncore.ping\ncore.nope\n--node sh3 host.load\n",
    )
    .unwrap();
    let path = script.to_str().unwrap();
    let stopped = clacks(&["shell", "--url", node.url(), path]);
    assert_eq!(stopped.status.code(), Some(1));
    assert!(
        stderr(&stopped).contains("calls.clacks:4: stopped"),
        "{}",
        stderr(&stopped)
    );
    assert!(
        !stdout(&stopped).contains("uptime_s"),
        "{}",
        stdout(&stopped)
    );
    let went_on = clacks(&["shell", "--url", node.url(), "--keep-going", path]);
    assert_eq!(went_on.status.code(), Some(1), "the first failure's code");
    assert!(
        stdout(&went_on).contains("uptime_s"),
        "{}",
        stdout(&went_on)
    );
    std::fs::write(&script, "core.ping\nquit\ncore.nope\n").unwrap();
    let quit = clacks(&["shell", "--url", node.url(), path]);
    assert_eq!(quit.status.code(), Some(0), "{}", stderr(&quit));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn ping_and_call_all_name_every_node_and_a_json_object_is_named_arguments() {
    let node = start_node("sh4", &[]);
    let ping = clacks(&["ping", "--url", node.url()]);
    assert_eq!(ping.status.code(), Some(0), "{}", stderr(&ping));
    assert!(stdout(&ping).starts_with("sh4  time="), "{}", stdout(&ping));
    assert!(
        stderr(&ping).contains("1 node: 1 responded"),
        "{}",
        stderr(&ping)
    );
    let all = clacks(&["call", "--url", node.url(), "--all", "--json", "host.load"]);
    assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
    let merged: serde_json::Value = serde_json::from_str(&stdout(&all)).unwrap();
    assert_eq!(merged["responded"], serde_json::json!(["sh4"]));
    let none = clacks(&[
        "call",
        "--url",
        node.url(),
        "--where",
        "os=plan9",
        "host.load",
    ]);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        stderr(&none).contains("no node serves host where os=plan9"),
        "{}",
        stderr(&none)
    );
    // The tree names actors by the paths core.restart takes, and a JSON object is named args.
    let tree = clacks(&["tree", "--url", node.url()]);
    assert!(
        stdout(&tree).contains("node/plugins/host/actor"),
        "{}",
        stdout(&tree)
    );
    let restart = clacks(&[
        "call",
        "--url",
        node.url(),
        "core.restart",
        r#"{"path": "node/plugins/host/actor"}"#,
    ]);
    assert_eq!(restart.status.code(), Some(0), "{}", stderr(&restart));
    assert!(stdout(&restart).contains("\"requested\": \"restart\""));
}
