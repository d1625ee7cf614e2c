//! A bearer token from `POST /login` on one node is good on another node of the domain, and a
//! revocation on the first reaches the second (`TokenRevoked`), and a node started after it
//! (`TokenRevocations`). Two `clacks node` processes on
//! the local broker under the deploy/ node user, each serving HTTPS with `[auth]` on and the
//! same token key; the user lives in the first node's object store. The CLI verifies the
//! nodes against `--ca-file`, and refuses a node whose certificate it does not trust (exit 3).

use clacks_tests::certs::{CertFiles, TestPki};
use clacks_tests::deployed::Deployed;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use super::{text, BIN};

/// Every right for every authenticated caller (this test is about who gets in, not what they
/// may do), and the lookups' identity.
const OPEN_ACL: &str = r#"{"roles": {}, "acl": {"dc=example,dc=net": [{"acls": [
  {"id": 1, "priority": 0, "scope": "psub", "members": [".*"],
   "actions": [{"topic": ".*", "acls": "rwcdmsx", "options": {}}]}]}]}}"#;

/// `clacks call` over HTTPS trusting `ca`, with `extra` flags.
fn cli(url: &str, ca: &Path, extra: &[&str], args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["call", "--url", url, "--timeout", "10", "--ca-file"])
        .arg(ca)
        .args(extra)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("clacks runs")
}

async fn post(
    client: &awc::Client,
    url: &str,
    headers: &[(&str, String)],
    body: Value,
) -> (u16, Value) {
    let mut request = client
        .post(url)
        .insert_header(("content-type", "application/json"));
    for (name, value) in headers {
        request = request.insert_header((*name, value.clone()));
    }
    let mut response = request
        .send_body(body.to_string())
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let bytes = response.body().await.unwrap_or_default();
    (
        response.status().as_u16(),
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A test CA with the node's server certificate, and the environment of a node serving HTTPS
/// with `[auth]` on, the domain's token key and [`OPEN_ACL`] (files under the domain's dir).
fn auth_files(domain: &Deployed) -> (TestPki, Vec<(&'static str, String)>) {
    let pki = TestPki::generate(&domain.file("pki")).expect("test certificates");
    let server = pki.server("gateway").expect("server certificate");
    let key = domain.file("token.key");
    std::fs::write(
        &key,
        "the domain's token key: 32 bytes or more, shared by every node\n",
    )
    .expect("key file");
    let acl = domain.file("open.acl");
    std::fs::write(&acl, OPEN_ACL).expect("ACL file");
    let files = vec![
        ("CLACKS_HTTP__CERT_FILE", server.cert.display().to_string()),
        ("CLACKS_HTTP__KEY_FILE", server.key.display().to_string()),
        (
            "CLACKS_HTTP__CLIENT_CA_FILE",
            pki.ca().display().to_string(),
        ),
        ("CLACKS_AUTH__ENABLED", "true".to_owned()),
        ("CLACKS_AUTH__TOKEN_KEY_FILE", key.display().to_string()),
        ("CLACKS_ACL__FILE", acl.display().to_string()),
    ];
    (pki, files)
}

/// The admin (client certificate) creates alice, password `wonderland`, on the node at `url`.
fn create_alice(url: &str, pki: &TestPki, admin: &CertFiles) {
    let hash = clacks_objects::password::hash("wonderland", clacks_objects::password::Method::Ssha)
        .expect("hash");
    let created = cli(
        url,
        &pki.ca(),
        &[
            "--cert",
            &admin.cert.display().to_string(),
            "--key",
            &admin.key.display().to_string(),
            "--node",
            "n1",
            "--json",
        ],
        &[
            "objects.create",
            "User",
            "\"ou=people,dc=example,dc=net\"",
            &json!({"uid": "alice", "givenName": "Alice", "sn": "Liddell", "userPassword": hash})
                .to_string(),
        ],
    );
    assert!(created.status.success(), "{}", text(&created));
}

/// An HTTPS client trusting the test CA.
fn https_client(pki: &TestPki) -> awc::Client {
    let tls = clacks_tls::ClientTls::new(pki.ca(), "ca")
        .rustls_config()
        .expect("client TLS");
    awc::Client::builder()
        .connector(awc::Connector::new().rustls_0_23(Arc::new(tls)))
        .timeout(Duration::from_secs(10))
        .finish()
}

/// A token of alice's from `POST /login` on the node at `url`.
async fn login(https: &awc::Client, url: &str) -> String {
    let (status, issued) = post(
        https,
        &url.replace("/rpc", "/login"),
        &[],
        json!({"user": "alice", "password": "wonderland"}),
    )
    .await;
    assert_eq!(status, 200, "{issued}");
    issued["token"].as_str().expect("token").to_owned()
}

fn ping() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "core.ping"})
}

/// Login on n1, the token used on n2 (listening beyond loopback, which `[auth]` allows) (over the CLI and raw HTTPS), revoked on n1 and then
/// refused by n2; the refusal logged by n2. The first node's certificate is also shown to a
/// CLI that trusts another CA: exit 3, nothing called.
#[actix_rt::test]
async fn a_token_from_one_node_is_good_on_another_until_revoked() {
    let domain = Deployed::on_local(BIN, "tokens");
    let (pki, files) = auth_files(&domain);
    let admin = pki.client("admin").expect("admin certificate");
    let env: Vec<(&str, &str)> = files.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let n1 = domain.node("n1", "127.0.0.1:0", &env);
    // n2 listens on every address: allowed without --insecure-public because [auth] is on
    // (its certificate names 127.0.0.1, so it is called there).
    let n2 = domain.node("n2", "0.0.0.0:0", &env);
    assert!(n2.url().starts_with("https://0.0.0.0:"), "{:?}", n2.ready);
    let n2_url = n2.url().replace("0.0.0.0", "127.0.0.1");
    assert!(
        n1.url().starts_with("https://") && n2_url.starts_with("https://127.0.0.1:"),
        "{:?}",
        n1.ready
    );
    domain.wait_for_nodes(2);

    // The admin (client certificate) creates alice in n1's object store; she logs in on n1.
    create_alice(n1.url(), &pki, &admin);
    let https = https_client(&pki);
    let token = login(&https, n1.url()).await;

    // Used on n2: with the CLI (--token) and raw (Authorization: Bearer).
    let on_n2 = cli(
        &n2_url,
        &pki.ca(),
        &["--token", &token, "--json"],
        &["core.ping"],
    );
    assert!(
        on_n2.status.success(),
        "n2 refused n1's token: {}",
        text(&on_n2)
    );
    let bearer = [("authorization", format!("Bearer {token}"))];
    let ping = ping();
    let (status, body) = post(&https, &n2_url, &bearer, ping.clone()).await;
    assert_eq!(status, 200, "{body}");

    // Revoked on n1; n2 refuses it once the TokenRevoked event arrived.
    let revoked = cli(
        n1.url(),
        &pki.ca(),
        &["--token", &token],
        &["auth.revoke", &format!("token={token}")],
    );
    assert!(revoked.status.success(), "{}", text(&revoked));
    let mut last = (0, Value::Null);
    for _ in 0..100 {
        last = post(&https, &n2_url, &bearer, ping.clone()).await;
        if last.0 == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last.0, 401, "n2 still takes the revoked token: {}", last.1);
    assert_eq!(last.1["error"]["data"]["reason"], "revoked_token");
    let refused = cli(&n2_url, &pki.ca(), &["--token", &token], &["core.ping"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("revoked"), "{}", text(&refused));

    // A CLI that trusts another CA does not talk to n1 at all (exit 3).
    let untrusting = cli(
        n1.url(),
        &pki.other_ca(),
        &["--token", &token],
        &["core.ping"],
    );
    assert_eq!(untrusting.status.code(), Some(3), "{}", text(&untrusting));

    // Both serve on (Basic on n1: base64 of alice:wonderland); n2 logged the refusal.
    let (status, _) = post(
        &https,
        n1.url(),
        &[("authorization", "Basic YWxpY2U6d29uZGVybGFuZA==".to_owned())],
        ping,
    )
    .await;
    assert_eq!(status, 200);
    n1.signal("-TERM");
    n2.signal("-TERM");
    let (_, lines) = n2.finish(Duration::from_secs(20));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("HTTP caller refused") && l.contains("revoked_token")),
        "n2 did not log the refusal: {lines:?}"
    );
    let _ = n1.finish(Duration::from_secs(20));
}

/// A node that starts after a revocation learns of it from the nodes running
/// (`TokenRevocations`): alice's token revoked on n1, then n2 started, and n2 refuses it (HTTP
/// 401 `revoked_token`) though it never saw the `TokenRevoked` event; her other token stays
/// good on n2. n1 keeps the list in `[auth] revocations_file`: after every node stopped, n1
/// started alone still refuses the revoked token and takes the other.
#[actix_rt::test]
async fn a_node_started_after_a_revocation_refuses_the_revoked_token_and_a_kept_list_outlives_a_restart(
) {
    let domain = Deployed::on_local(BIN, "late-revoke");
    let (pki, files) = auth_files(&domain);
    let admin = pki.client("admin").expect("admin certificate");
    let env: Vec<(&str, &str)> = files.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // n1 keeps the domain's revocations on disk; n2 in memory only.
    let kept_file = domain.file("n1.revoked").display().to_string();
    let mut env1 = env.clone();
    env1.push(("CLACKS_AUTH__REVOCATIONS_FILE", kept_file.as_str()));
    let n1 = domain.node("n1", "127.0.0.1:0", &env1);
    domain.wait_for_nodes(1);
    create_alice(n1.url(), &pki, &admin);
    let https = https_client(&pki);
    let revoked = login(&https, n1.url()).await;
    let kept = login(&https, n1.url()).await;
    let bearer = |token: &str| [("authorization", format!("Bearer {token}"))];

    // Revoked on n1 (with the token itself), which refuses it from then on.
    let revoke = json!({"jsonrpc": "2.0", "id": 2, "method": "auth.revoke",
        "params": {"token": revoked}});
    let (status, body) = post(&https, n1.url(), &bearer(&revoked), revoke).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&https, n1.url(), &bearer(&revoked), ping()).await;
    assert_eq!(
        (status, &body["error"]["data"]["reason"]),
        (401, &json!("revoked_token"))
    );

    // n2 starts now; once it has asked the domain, it refuses the token too.
    let n2 = domain.node("n2", "127.0.0.1:0", &env);
    domain.wait_for_nodes(2);
    let mut last = (0, Value::Null);
    for _ in 0..100 {
        last = post(&https, n2.url(), &bearer(&revoked), ping()).await;
        if last.0 == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        (last.0, &last.1["error"]["data"]["reason"]),
        (401, &json!("revoked_token")),
        "n2, started after the revocation, takes the revoked token: {}",
        last.1
    );
    let (status, body) = post(&https, n2.url(), &bearer(&kept), ping()).await;
    assert_eq!(status, 200, "n2 refuses a token nobody revoked: {body}");

    // Every node of the domain stops; n1 starts again alone and reads the revocation back
    // from its file (there is no node left to ask).
    n1.signal("-TERM");
    n2.signal("-TERM");
    let _ = n2.finish(Duration::from_secs(20));
    let _ = n1.finish(Duration::from_secs(20));
    let n1 = domain.node("n1", "127.0.0.1:0", &env1);
    domain.wait_for_nodes(1);
    let (status, body) = post(&https, n1.url(), &bearer(&revoked), ping()).await;
    assert_eq!(
        (status, &body["error"]["data"]["reason"]),
        (401, &json!("revoked_token")),
        "n1, restarted after every node stopped, takes the revoked token: {body}"
    );
    let (status, body) = post(&https, n1.url(), &bearer(&kept), ping()).await;
    assert_eq!(
        status, 200,
        "the restarted n1 refuses a token nobody revoked: {body}"
    );
    n1.signal("-TERM");
    let _ = n1.finish(Duration::from_secs(20));
}
