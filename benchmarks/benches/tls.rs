//! What encryption costs a call (issue 15): calls per second over HTTPS vs plain HTTP through
//! the gateway, and over AMQPS vs plain AMQP through RabbitMQ, each pair measured in the same
//! run in paired rounds whose order alternates, printed with the median of the per-round
//! ratios.
//!
//! HTTP: two in-process nodes, one gateway plain and one HTTPS (a certificate from the test
//! PKI, rustls on both ends), each called `core.ping` sequentially by one keep-alive client,
//! so the ratio is the per-request cost of TLS records (the handshake is paid once, in the
//! warm-up). AMQP: a private RabbitMQ node with a TLS listener and two domains set up as
//! deploy/ does; in one the node and the caller connect plain, in the other both over TLS
//! (SASL PLAIN), so every call crosses two encrypted links. No goal: the cost, reported.
//! Needs `rabbitmq-server` (run as root, as the test suite) for the AMQP half; it is skipped
//! with a note when no private broker starts.

use clacks_amqp::{AmqpClient, LinkSecurity, Mechanism};
use clacks_benchmarks::{amqp_node, knobs, median, report, Samples, Side};
use clacks_gateway::{gateway_child, GatewayConfig};
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::{config, NodeBuilder, NodeHandle};
use clacks_tests::broker::{BrokerTls, PrivateBroker};
use clacks_tests::certs::TestPki;
use clacks_tests::deployed::Deployed;
use clacks_tls::ClientTls;
use futures_util::FutureExt;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// Every right for everyone: the bench measures links, not ACLs.
const OPEN_ACL: &str = r#"{"roles": {}, "acl": {"dc=example,dc=net": [{"acls": [
  {"id": 1, "priority": 0, "scope": "psub", "members": [".*"],
   "actions": [{"topic": ".*", "acls": "rwcdmsx", "options": {}}]}]}]}}"#;

/// A node of its own domain with a gateway on a free loopback port (HTTPS with `tls`).
fn gateway_node(name: &str, acl: &Path, tls: Option<(&Path, &Path)>) -> (NodeHandle, String) {
    let acl = acl.display().to_string();
    let mut overrides = vec![
        (
            "node.domain",
            format!("bench-{name}-{}", std::process::id()),
        ),
        ("acl.file", acl),
    ];
    if let Some((cert, key)) = tls {
        overrides.push(("http.cert_file", cert.display().to_string()));
        overrides.push(("http.key_file", key.display().to_string()));
    }
    let settings = config::load(None, Vec::<(String, String)>::new(), &overrides)
        .unwrap_or_else(|e| panic!("bench settings: {e}"));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback port");
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}/rpc", listener.local_addr().expect("address"));
    let gateway = GatewayConfig::from_settings(&settings.http);
    let node = NodeBuilder::new(settings)
        .name(name)
        .plugin(clacks_plugins::core::CorePlugin::definition())
        .core_child(move |node| Ok(gateway_child(node, listener, gateway)))
        .start()
        .unwrap_or_else(|e| panic!("bench node {name}: {e}"));
    (node, url)
}

/// One `core.ping` over HTTP(S).
async fn http_ping(client: &awc::Client, url: &str) {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"core.ping"}"#;
    let mut response = client
        .post(url)
        .insert_header(("content-type", "application/json"))
        .send_body(body)
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let bytes = response.body().await.unwrap_or_default();
    assert!(
        response.status().is_success() && bytes.windows(8).any(|w| w == b"\"result\""),
        "{url}: {}",
        String::from_utf8_lossy(&bytes)
    );
}

/// Pairs `sides` (`[plain, encrypted]`) and prints both rows and the median ratio of calls/s.
async fn compare(
    label: &str,
    names: [&str; 2],
    calls: usize,
    rounds: usize,
    sides: &mut [Side<'_>],
) {
    let per_round = Samples::paired_rounds(calls / 10, calls, rounds, sides).await;
    let ratios: Vec<f64> = per_round
        .iter()
        .map(|r| r[1].per_second() / r[0].per_second().max(f64::MIN_POSITIVE))
        .collect();
    let mut pooled: [Vec<Samples>; 2] = [Vec::new(), Vec::new()];
    for round in per_round {
        for (i, s) in round.into_iter().enumerate() {
            pooled[i].push(s);
        }
    }
    let [plain, encrypted] = pooled.map(Samples::pooled);
    report(names[0], &plain);
    report(names[1], &encrypted);
    let ratio = median(ratios);
    println!(
        "{label}: {} / {} calls/s = {ratio:.3} (median of {rounds} paired rounds)",
        names[1], names[0]
    );
    println!(
        "RESULT {label}_ratio={ratio:.3} {}_calls_per_s={:.0} {}_calls_per_s={:.0}",
        names[0],
        plain.per_second(),
        names[1],
        encrypted.per_second()
    );
}

async fn http_half(pki: &TestPki, acl: &Path, calls: usize, rounds: usize) {
    let server = pki.server("bench-gateway").expect("server certificate");
    let (plain_node, plain_url) = gateway_node("plain", acl, None);
    let (tls_node, tls_url) = gateway_node("tls", acl, Some((&server.cert, &server.key)));
    let plain = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let config = ClientTls::new(pki.ca(), "ca")
        .rustls_config()
        .expect("client TLS");
    let tls = awc::Client::builder()
        .connector(awc::Connector::new().rustls_0_23(Arc::new(config)))
        .timeout(Duration::from_secs(10))
        .finish();
    let mut sides: Vec<Side<'_>> = vec![
        Box::new(|| http_ping(&plain, &plain_url).boxed_local()),
        Box::new(|| http_ping(&tls, &tls_url).boxed_local()),
    ];
    compare(
        "https_vs_http",
        ["http", "https"],
        calls,
        rounds,
        &mut sides,
    )
    .await;
    drop(sides);
    plain_node.shutdown().await;
    tls_node.shutdown().await;
}

/// A node and a caller of `domain`'s deploy/ users, both plain or both over TLS.
async fn amqp_pair(
    domain: &Deployed,
    acl: &Path,
    broker: &PrivateBroker,
    ca: &Path,
    tls: bool,
) -> (NodeHandle, AmqpClient) {
    let (port, tls_port) = (broker.port(), broker.tls_port().unwrap_or(0));
    let to_tls = |url: String| {
        url.replace("amqp://", "amqps://")
            .replace(&format!(":{port}/"), &format!(":{tls_port}/"))
    };
    let (node_url, caller_url) = if tls {
        (to_tls(domain.node_url()), to_tls(domain.caller_url()))
    } else {
        (domain.node_url(), domain.caller_url())
    };
    let ca_file = if tls {
        ca.display().to_string()
    } else {
        String::new()
    };
    let acl = acl.display().to_string();
    let name = if tls { "amqps-node" } else { "amqp-node" };
    let node = amqp_node::start(
        name,
        &domain.domain,
        64,
        &[
            ("amqp.url", &node_url),
            ("amqp.ca_file", &ca_file),
            ("acl.file", &acl),
        ],
        vec![clacks_plugins::core::CorePlugin::definition()],
    )
    .await;
    let security = LinkSecurity {
        tls: tls.then(|| ClientTls::new(ca, "ca")),
        mechanism: Mechanism::Plain,
    };
    let client = AmqpClient::connect_secured(&caller_url, &domain.domain, &security)
        .await
        .unwrap_or_else(|e| panic!("caller on {caller_url}: {e}"));
    (node, client)
}

async fn amqp_ping(client: &Mutex<AmqpClient>) {
    let call = CallRequest::new("core.ping", Params::default());
    let answer = client
        .lock()
        .await
        .call(&call, Duration::from_secs(10))
        .await;
    if let Err(e) = answer {
        panic!("core.ping over AMQP: {e}");
    }
}

async fn amqp_half(pki: &TestPki, acl: &Path, calls: usize, rounds: usize) {
    let server = pki.server("bench-broker").expect("broker certificate");
    let broker = match PrivateBroker::start_tls(&BrokerTls {
        ca: pki.ca(),
        cert: server.cert.clone(),
        key: server.key.clone(),
    }) {
        Ok(b) => b,
        Err(e) => {
            println!("amqps_vs_amqp: skipped, no private broker with TLS: {e}");
            return;
        }
    };
    let plain_domain = Deployed::on_private_broker("clacks", &broker, "bench-amqp");
    let tls_domain = Deployed::on_private_broker("clacks", &broker, "bench-amqps");
    let (plain_node, plain) = amqp_pair(&plain_domain, acl, &broker, &pki.ca(), false).await;
    let (tls_node, tls) = amqp_pair(&tls_domain, acl, &broker, &pki.ca(), true).await;
    let (plain, tls) = (Rc::new(Mutex::new(plain)), Rc::new(Mutex::new(tls)));
    let mut sides: Vec<Side<'_>> = vec![
        Box::new(|| {
            let c = plain.clone();
            async move { amqp_ping(&c).await }.boxed_local()
        }),
        Box::new(|| {
            let c = tls.clone();
            async move { amqp_ping(&c).await }.boxed_local()
        }),
    ];
    compare(
        "amqps_vs_amqp",
        ["amqp", "amqps"],
        calls,
        rounds,
        &mut sides,
    )
    .await;
    drop(sides);
    plain_node.shutdown().await;
    tls_node.shutdown().await;
}

fn main() {
    let calls = knobs::count("CLACKS_BENCH_CALLS", 4000);
    let rounds = knobs::count("CLACKS_BENCH_ROUNDS", 8);
    let dir = std::env::temp_dir().join(format!("clacks-bench-tls-{}", std::process::id()));
    let pki = TestPki::generate(&dir).expect("test certificates");
    let acl = dir.join("open.acl");
    std::fs::write(&acl, OPEN_ACL).expect("ACL file");
    println!("tls: {calls} calls per side in {rounds} paired rounds (sequential, one client)");
    actix_rt::System::new().block_on(async {
        http_half(&pki, &acl, calls, rounds).await;
        amqp_half(&pki, &acl, calls / 4, rounds).await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}
