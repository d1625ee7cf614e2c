//! Identity and encryption on real links: AMQPS with SASL `EXTERNAL` on a private RabbitMQ
//! node with a TLS listener (certificates generated for the run by `clacks_tests::certs`),
//! set up with the deploy/ definitions (a node user and a caller user, each with a
//! certificate naming it).

use clacks_amqp::{AmqpClient, AmqpErrorKind, LinkSecurity, Mechanism};
use clacks_tests::broker::{BrokerTls, PrivateBroker};
use clacks_tests::certs::{CertFiles, TestPki};
use clacks_tests::chaos_node::chaos_node_bin;
use clacks_tests::process::NodeProcess;
use clacks_tls::ClientTls;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_clacks");

use clacks_tests::deployed::Deployed;

mod https_tokens;

/// The environment that gives a node TLS files and a mechanism.
fn tls_env<'a>(
    ca: &'a Path,
    client: &'a CertFiles,
    mechanism: &'a str,
) -> [(&'static str, String); 4] {
    [
        ("CLACKS_AMQP__CA_FILE", ca.display().to_string()),
        ("CLACKS_AMQP__CERT_FILE", client.cert.display().to_string()),
        ("CLACKS_AMQP__KEY_FILE", client.key.display().to_string()),
        ("CLACKS_AMQP__MECHANISM", mechanism.to_owned()),
    ]
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `clacks call` over AMQPS as the holder of `client`, with SASL EXTERNAL.
fn call_external(url: &str, domain: &str, ca: &Path, client: &CertFiles, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["call", "--amqp", url, "--domain", domain, "--timeout", "10"])
        .arg("--ca")
        .arg(ca)
        .arg("--cert")
        .arg(&client.cert)
        .arg("--key")
        .arg(&client.key)
        .args(["--mechanism", "external"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("clacks runs")
}

/// A node user and a caller user, each with their own certificate, over AMQPS with SASL
/// EXTERNAL: the node joins, the caller's calls reach it and arrive as the caller's identity
/// (the certificate's common name). Refused, each with a clear error while the node serves on:
/// a client certificate from another CA, a broker certificate the client does not trust (a
/// caller, and a node, which exits 2 instead of retrying), EXTERNAL with a certificate naming
/// a user the broker does not know. PLAIN over TLS works without a client certificate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amqps_with_sasl_external_for_node_and_caller() {
    let dir = std::env::temp_dir().join(format!("clacks-tls-amqps-{}", std::process::id()));
    let pki = TestPki::generate(&dir).expect("test certificates");
    let server = pki.server("broker").expect("broker certificate");
    let broker = PrivateBroker::start_tls(&BrokerTls {
        ca: pki.ca(),
        cert: server.cert.clone(),
        key: server.key.clone(),
    })
    .unwrap_or_else(|e| panic!("cannot start a private RabbitMQ node with TLS: {e}"));
    let port = broker.tls_port().expect("a TLS port");
    let domain = Deployed::on_private_broker(BIN, &broker, "amqps");
    let d = domain.domain.clone();
    let node_cert = pki.client(&domain.node_user()).expect("node certificate");
    let caller_cert = pki
        .client(&domain.caller_user())
        .expect("caller certificate");

    // The node: its certificate names the node user; the URL names it too, without password.
    let node_url = format!("amqps://{}@127.0.0.1:{port}/{d}", domain.node_user());
    let env = tls_env(&pki.ca(), &node_cert, "external");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let chaos = chaos_node_bin(BIN);
    let chaos = chaos.to_str().expect("a UTF-8 path");
    let mut command = Command::new(chaos);
    command
        .args(["--name", "n1", "--log", "warn", "--http", "off"])
        .args(["--domain", &d, "--amqp", &node_url])
        .env_remove("RUST_LOG")
        .env("CLACKS_ACL__FILE", clacks_tests::acl::harness_file())
        .envs(env.iter().copied());
    let node = NodeProcess::launch(command, "n1", |l| {
        l.starts_with("clacks: node ") && l.ends_with(" ready")
    })
    .unwrap_or_else(|seen| panic!("the node did not join over AMQPS: {seen:#?}"));
    assert!(node.amqp().starts_with("amqps://"), "{:?}", node.ready);

    // The caller, by certificate alone (no user in the URL).
    let caller_url = format!("amqps://127.0.0.1:{port}/{d}");
    let ok = call_external(
        &caller_url,
        &d,
        &pki.ca(),
        &caller_cert,
        &["chaos.identity"],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let answer: Value = serde_json::from_slice(&ok.stdout).expect("JSON on stdout");
    assert_eq!(answer["node"], json!("n1"), "{answer}");
    assert_eq!(
        answer["caller"],
        json!(domain.caller_user()),
        "the certificate's user calls: {answer}"
    );

    // A client certificate from another CA: the broker refuses the handshake.
    let foreign = pki
        .foreign_client(&domain.caller_user())
        .expect("foreign certificate");
    // Under TLS 1.3 the broker judges the client certificate after the client's handshake is
    // done; it sends its alert and closes, and when the client's AMQP header is still unread
    // there, the kernel answers with a reset that can overtake the alert (on a loaded machine,
    // every time). Then all a client can see is "connection reset". So: it never connects, and
    // what it says is the certificate's refusal or that reset, nothing else.
    let refused = call_external(&caller_url, &d, &pki.ca(), &foreign, &["core.ping"]);
    let said = text(&refused);
    assert_ne!(refused.status.code(), Some(0), "{said}");
    assert!(
        (refused.status.code() == Some(3) && said.contains("TLS certificate not trusted"))
            || said.contains("Connection reset by peer"),
        "a clear error: {said}"
    );
    let security = |ca: &Path, client: &CertFiles| LinkSecurity {
        tls: Some(
            ClientTls::new(ca, "ca").with_identity((&client.cert, "cert"), (&client.key, "key")),
        ),
        mechanism: Mechanism::External,
    };
    let err = AmqpClient::connect_secured(&caller_url, &d, &security(&pki.ca(), &foreign))
        .await
        .err()
        .expect("another CA's certificate is refused");
    match err.kind() {
        AmqpErrorKind::Certificate(_) => assert!(!err.can_be_recovered(), "{err}"),
        _ => assert!(
            err.to_string().contains("Connection reset by peer"),
            "{err}"
        ),
    }

    // A broker certificate the client does not trust (it trusts the other CA only).
    let err =
        AmqpClient::connect_secured(&caller_url, &d, &security(&pki.other_ca(), &caller_cert))
            .await
            .err()
            .expect("an untrusted broker is refused");
    assert!(matches!(err.kind(), AmqpErrorKind::Certificate(_)), "{err}");
    let said = err.to_string();
    assert!(
        said.contains("TLS certificate not trusted") && said.contains("UnknownIssuer"),
        "{said}"
    );
    let untrusting = call_external(
        &caller_url,
        &d,
        &pki.other_ca(),
        &caller_cert,
        &["core.ping"],
    );
    assert_eq!(untrusting.status.code(), Some(3), "{}", text(&untrusting));

    // A node that does not trust the broker never joins: exit 2, saying why.
    let wary_env = tls_env(&pki.other_ca(), &node_cert, "external");
    let wary = Command::new(BIN)
        .args(["node", "--name", "n2", "--log", "warn", "--http", "off"])
        .args(["--domain", &d, "--amqp", &node_url])
        .envs(wary_env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("clacks runs");
    assert_eq!(wary.status.code(), Some(2), "{}", text(&wary));
    assert!(
        text(&wary).contains("TLS certificate not trusted"),
        "{}",
        text(&wary)
    );

    // A certificate from the right CA naming a user the broker does not know.
    let stranger = pki.client("nobody-here").expect("stranger certificate");
    let err = AmqpClient::connect_secured(&caller_url, &d, &security(&pki.ca(), &stranger))
        .await
        .err()
        .expect("an unknown user is refused");
    assert!(
        matches!(err.kind(), AmqpErrorKind::AccessRefused(_)),
        "{err}"
    );

    // PLAIN over TLS, no client certificate: the caller user's password.
    let plain_url = format!(
        "amqps://{}:caller-pw@127.0.0.1:{port}/{d}",
        domain.caller_user()
    );
    let plain = Command::new(BIN)
        .args([
            "call",
            "--amqp",
            &plain_url,
            "--domain",
            &d,
            "--timeout",
            "10",
        ])
        .arg("--ca")
        .arg(pki.ca())
        .arg("chaos.identity")
        .output()
        .expect("clacks runs");
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    let answer: Value = serde_json::from_slice(&plain.stdout).expect("JSON on stdout");
    assert_eq!(answer["caller"], json!(domain.caller_user()), "{answer}");

    // Through all of that the node served on.
    let again = call_external(&caller_url, &d, &pki.ca(), &caller_cert, &["core.ping"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    drop(node);
    drop(domain);
    drop(broker);
    let _ = std::fs::remove_dir_all(&dir);
}
