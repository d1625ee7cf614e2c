//! The broker login of `clacks node`: credentials the broker refuses are a configuration error
//! (exit 2, which the systemd unit treats as final, naming the broker and the refusal), while a
//! broker that cannot be reached is waited for and retried, and a broker address that takes
//! the connection but never speaks is given up for the next after two heartbeats.

use clacks_tests::process::NodeProcess;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use super::deployed::{Deployed, Here};
use super::BIN;

#[test]
fn a_refused_broker_login_exits_2_naming_the_broker() {
    let domain = Deployed::create("login");
    let url = format!(
        "amqp://{}:wrong-pw@127.0.0.1:5672/{}",
        domain.node_user(),
        domain.domain
    );
    let mut command = Command::new(BIN);
    command
        .args(["node", "--name", "n1", "--http", "off", "--log", "warn"])
        .args(["--domain", &domain.domain, "--amqp", &url])
        .env_remove("RUST_LOG");
    let node = NodeProcess::launch(command, "n1", |_| false)
        .err()
        .expect("no ready line");
    // launch gave up because the process ended (or 30 s passed): it printed why.
    let said = node.join("\n");
    println!("{said}");
    let redacted = format!("{}:***@127.0.0.1:5672", domain.node_user());
    assert!(said.contains("cannot join the domain"), "{said}");
    assert!(said.contains(&redacted), "names the broker: {said}");
    assert!(!said.contains("wrong-pw"), "never the password: {said}");
    assert!(
        said.to_lowercase().contains("refused"),
        "names the refusal: {said}"
    );
    let status = Command::new(BIN)
        .args(["node", "--name", "n1", "--http", "off"])
        .args(["--domain", &domain.domain, "--amqp", &url])
        .env_remove("RUST_LOG")
        .output()
        .expect("clacks runs");
    assert_eq!(status.status.code(), Some(2), "a configuration error");
}

#[test]
fn an_unreachable_broker_is_retried_until_a_signal() {
    let closed = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = closed.local_addr().expect("its address").port();
    drop(closed);
    let url = format!("amqp://guest:guest@127.0.0.1:{port}/%2f");
    let mut command = Command::new(BIN);
    command
        .args(["node", "--name", "n1", "--http", "off", "--log", "info"])
        .args(["--amqp", &url])
        .env_remove("RUST_LOG");
    let mut node = NodeProcess::launch(command, "n1", |l| l.contains("joining the domain"))
        .unwrap_or_else(|seen| panic!("never began joining: {seen:?}"));
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        matches!(node.child.try_wait(), Ok(None)),
        "still trying after 3 s"
    );
    node.signal("-TERM");
    let (status, rest) = node.finish(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{rest:?}");
}

/// A broker address that takes the TCP connection but never says a word (a listener nobody
/// accepts on: the kernel completes the handshake) is given up after the node's connect
/// timeout, two heartbeats (at least 2 s), for the next address: with `amqp.heartbeat = 1`
/// the node joins through the second address in seconds, not after a fixed 10 s.
#[test]
fn a_silent_broker_address_is_given_up_after_two_heartbeats_for_the_next() {
    let domain = Deployed::create("silent");
    let silent = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = silent.local_addr().expect("its address").port();
    let url = format!(
        "{},{}",
        domain.node_url_at("127.0.0.1", port),
        domain.node_url()
    );
    let started = Instant::now();
    let node = NodeProcess::start(
        BIN,
        "s1",
        &["--http", "off", "--domain", &domain.domain, "--amqp", &url],
        &[("CLACKS_AMQP__HEARTBEAT", "1")],
    );
    println!(
        "joined through the second address after {:?}",
        started.elapsed()
    );
    // What the node says it did, not how long it took (a loaded machine stretches start-up):
    // the silent address was given its two heartbeats (the 2 s floor), not a fixed 10 s.
    let gave_up = node
        .stderr
        .iter()
        .find(|l| l.contains("did not take the connection"))
        .unwrap_or_else(|| panic!("no give-up of the silent address: {:#?}", node.stderr));
    assert!(gave_up.contains("no answer within 2.0 s"), "{gave_up}");
    assert!(gave_up.contains(&port.to_string()), "{gave_up}");
    domain.wait_for_nodes(1);
    drop(silent);
}
