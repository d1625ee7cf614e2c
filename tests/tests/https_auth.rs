//! HTTPS and authenticated HTTP callers on one node (in-process transport, the gateway on a
//! loopback port, certificates from `clacks_tests::certs`): HTTP Basic against a `User` of
//! the object layer whose `userPassword` holds an `{SSHA}` hash, bearer tokens from
//! `POST /login`, client certificates mapped to their common name. Refused, each answered with
//! its HTTP status and JSON body, logged, published as an `Audit` event, and with the node
//! serving on: no credentials, a wrong password (then HTTP 429 once `auth.max_failures` is
//! reached, for that user from any address and for any user from that address), an expired
//! token, a revoked token (`auth.revoke`), a forged token, a client certificate from another CA
//! (the TLS handshake fails; the node logs and audits it under the certificate's common name),
//! a server certificate the client does not trust (the client refuses; the node never sees a
//! request). Failed bearer tokens count toward an address's failures like wrong passwords;
//! `auth.set_password` replaces a password through the object layer, as the ACLs allow.

use clacks_gateway::{gateway_child, GatewayConfig};
use clacks_plugins::auth::{Auth, AuthPlugin};
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::{NodeBuilder, NodeHandle};
use clacks_tests::audit::AuditLog;
use clacks_tests::certs::{CertFiles, TestPki};
use clacks_tls::ClientTls;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The identity the gateway looks users up as: granted read and execute by [`grant_reader`].
const READER: &str = "auth-reader";
const PEOPLE: &str = "ou=people,dc=example,dc=net";

/// An HTTPS client trusting `ca`, presenting `identity` if given.
fn client(ca: &Path, identity: Option<&CertFiles>) -> awc::Client {
    let mut tls = ClientTls::new(ca, "ca");
    if let Some(id) = identity {
        tls = tls.with_identity((&id.cert, "cert"), (&id.key, "key"));
    }
    let config = tls.rustls_config().expect("client TLS configuration");
    awc::Client::builder()
        .connector(awc::Connector::new().rustls_0_23(Arc::new(config)))
        .timeout(Duration::from_secs(10))
        .finish()
}

/// How a request authenticates.
enum Cred {
    None,
    Basic(&'static str, &'static str),
    Bearer(String),
}

/// `POST url` with `body`; the status, `Retry-After` and the JSON body.
async fn post(
    client: &awc::Client,
    url: &str,
    auth: &Cred,
    body: Value,
) -> Result<(u16, Option<String>, Value), String> {
    let mut request = client
        .post(url)
        .insert_header(("content-type", "application/json"));
    match auth {
        Cred::None => {}
        Cred::Basic(user, password) => request = request.basic_auth(*user, *password),
        Cred::Bearer(token) => request = request.bearer_auth(token),
    }
    let mut response = request
        .send_body(body.to_string())
        .await
        .map_err(|e| format!("{e:?}"))?;
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response.body().await.map_err(|e| e.to_string())?;
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok((response.status().as_u16(), retry, value))
}

fn ping() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "core.ping"})
}

/// Whether the call ran (HTTP 200 with a result).
fn ok(answer: &(u16, Option<String>, Value)) -> bool {
    answer.0 == 200 && answer.2.get("result").is_some()
}

/// One test's node and what it needs: its folder (certificates, the token key; removed when
/// the fixture is dropped), the test CA, the node and an HTTPS client trusting the CA.
struct Fixture {
    dir: PathBuf,
    pki: TestPki,
    node: NodeHandle,
    /// `https://127.0.0.1:PORT/rpc`.
    url: String,
    https: awc::Client,
}

impl Fixture {
    /// Node `name` (started as [`start`] does, with `extra` settings), [`READER`] granted its
    /// lookups, and `users` created with their passwords.
    async fn new(name: &str, extra: &[(&str, &str)], users: &[(&str, &str)]) -> Fixture {
        let dir = std::env::temp_dir().join(format!("clacks-https-{name}-{}", std::process::id()));
        let pki = TestPki::generate(&dir).expect("test certificates");
        let (node, url) = start(name, &pki, &key_file(&dir), extra);
        grant_reader(&node).await;
        for (uid, password) in users {
            create_user(&node, uid, password).await;
        }
        let https = client(&pki.ca(), None);
        Fixture {
            dir,
            pki,
            node,
            url,
            https,
        }
    }

    /// `method` with `params` over HTTPS as `cred`: the status, `Retry-After` and JSON body.
    async fn rpc_as(
        &self,
        cred: &Cred,
        method: &str,
        params: Value,
    ) -> (u16, Option<String>, Value) {
        post(&self.https, &self.url, cred, rpc(method, params))
            .await
            .expect("answer")
    }

    /// `core.ping` over HTTPS as `cred`: the status, `Retry-After` and JSON body.
    async fn ping_as(&self, cred: &Cred) -> (u16, Option<String>, Value) {
        post(&self.https, &self.url, cred, ping())
            .await
            .expect("answer")
    }

    /// `POST /login` as `user`: the token (the login must succeed).
    async fn login(&self, user: &str, password: &str) -> String {
        let login = self.url.replace("/rpc", "/login");
        let body = json!({"user": user, "password": password});
        let (status, _, issued) = post(&self.https, &login, &Cred::None, body)
            .await
            .expect("login answers");
        assert_eq!(status, 200, "{issued}");
        issued["token"].as_str().expect("a token").to_owned()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A node with HTTPS (client certificates from the test CA), `[auth]` on with the key in
/// `key_file`, and the objects and auth plugins; its handle and `/rpc` URL.
fn start(
    name: &str,
    pki: &TestPki,
    key_file: &Path,
    extra: &[(&str, &str)],
) -> (NodeHandle, String) {
    let server = pki
        .server(&format!("gw-{name}"))
        .expect("server certificate");
    let cert = server.cert.display().to_string();
    let key = server.key.display().to_string();
    let ca = pki.ca().display().to_string();
    let token_key = key_file.display().to_string();
    let mut overrides: Vec<(&str, &str)> = vec![
        ("http.cert_file", &cert),
        ("http.key_file", &key),
        ("http.client_ca_file", &ca),
        ("auth.enabled", "true"),
        ("auth.token_key_file", &token_key),
        ("auth.lookup_user", READER),
    ];
    overrides.extend_from_slice(extra);
    let domain = format!("auth-{name}-{}", std::process::id());
    let settings = clacks_tests::cluster::settings(&domain, &overrides);
    let auth = Auth::from_settings(&settings)
        .expect("auth settings")
        .expect("auth on");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback port");
    let url = format!("https://{}/rpc", listener.local_addr().expect("address"));
    let gateway = GatewayConfig {
        workers: 1,
        ..GatewayConfig::from_settings(&settings.http)
    }
    .with_auth(auth.clone());
    let node = NodeBuilder::new(settings.clone())
        .name(name)
        .plugin(clacks_plugins::core::CorePlugin::definition())
        .plugin(clacks_plugins::acl::AclPlugin::definition(&settings))
        .plugin(clacks_plugins::objects::ObjectsPlugin::definition(
            &settings,
        ))
        .plugin(AuthPlugin::definition(&auth))
        .core_child(move |node| Ok(gateway_child(node, listener, gateway)))
        .start()
        .expect("node starts");
    (node, url)
}

/// Adds `entry` on `dc=example,dc=net`, in-process as the harness's `anonymous`.
async fn add_acl(node: &NodeHandle, entry: Value) {
    let params = json!({"base": "dc=example,dc=net", "entry": entry});
    let Value::Object(map) = params else {
        unreachable!()
    };
    let call = CallRequest::new("acl.add", Params::Named(map)).with_timeout(Duration::from_secs(5));
    if let Err(e) = node.call(call).await {
        panic!("ACL entry not added: {e}");
    }
}

/// A JSON-RPC request of `method` with named `params`.
fn rpc(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 3, "method": method, "params": params})
}

/// Grants [`READER`] what a password lookup needs (`objects.search`, reading `userPassword`),
/// and the test's users (`bob`, `dave`) their calls, as an operator would with `acl.add` (the
/// harness set names neither).
async fn grant_reader(node: &NodeHandle) {
    let entry = json!({"base": "dc=example,dc=net", "entry": {"priority": 0, "scope": "sub",
        "members": [format!("^{READER}$"), "^bob$", "^dave$"],
        "actions": [{"topic": ".*", "acls": "rx", "options": {}}]}});
    let Value::Object(map) = entry else {
        unreachable!()
    };
    let call = CallRequest::new("acl.add", Params::Named(map)).with_timeout(Duration::from_secs(5));
    if let Err(e) = node.call(call).await {
        panic!("cannot grant {READER} the lookup: {e}");
    }
}

/// The `userPassword` hash stored for `dn`, read in-process as `anonymous`.
async fn stored_hash(node: &NodeHandle, dn: &str) -> String {
    let get = CallRequest::new("objects.get", Params::Positional(vec![json!(dn)]))
        .with_timeout(Duration::from_secs(5));
    let stored = node.call(get).await.expect("the user");
    stored["attrs"]["userPassword"].to_string()
}

/// Creates `uid` with `password` stored as an `{SSHA}` hash, in-process as the harness's
/// `anonymous` (every right).
async fn create_user(node: &NodeHandle, uid: &str, password: &str) {
    let hash = clacks_objects::password::hash(password, clacks_objects::password::Method::Ssha)
        .expect("hash");
    let params = json!({"type": "User", "parent": PEOPLE,
        "attrs": {"uid": uid, "givenName": uid, "sn": "Tester", "userPassword": hash}});
    let Value::Object(map) = params else {
        unreachable!()
    };
    let mut last = None;
    // The objects plugin seeds the base at start; wait until it serves.
    for _ in 0..100 {
        let call = CallRequest::new("objects.create", Params::Named(map.clone()))
            .with_timeout(Duration::from_secs(5));
        match node.call(call).await {
            Ok(_) => return,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("user {uid} not created: {last:?}");
}

fn key_file(dir: &Path) -> PathBuf {
    let path = dir.join("token.key");
    std::fs::write(&path, "0123456789abcdef0123456789abcdef-test-key\n").expect("key file");
    path
}

#[actix_rt::test]
async fn https_with_basic_tokens_and_client_certificates() {
    let n = Fixture::new(
        "a",
        &[("auth.max_failures", "5")],
        &[("alice", "s3cret"), ("bob", "hunter2")],
    )
    .await;
    let (https, pki) = (&n.https, &n.pki);
    let seen = AuditLog::detached(&n.node);

    // HTTPS with Basic: the call runs as alice.
    let answer = post(https, &n.url, &Cred::Basic("alice", "s3cret"), ping())
        .await
        .expect("HTTPS answers");
    assert!(ok(&answer), "{answer:?}");

    // No credentials: 401 with a JSON-RPC body, audited.
    let (status, _, body) = n.ping_as(&Cred::None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["error"]["data"]["reason"], "missing_credentials",
        "{body}"
    );
    seen.wait_for(&["missing_credentials", "denied"]).await;

    // A wrong password: 401, audited with the user, and nothing of the call ran.
    let (status, _, body) = n.ping_as(&Cred::Basic("alice", "guess")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["data"]["reason"], "wrong_password");
    assert!(body.get("result").is_none());
    seen.wait_for(&["<User>alice</User>", "wrong_password"])
        .await;

    // POST /login: a token, usable as a bearer; a wrong password there is 401 too.
    let login = n.url.replace("/rpc", "/login");
    let (status, _, issued) = post(
        https,
        &login,
        &Cred::None,
        json!({"user": "bob", "password": "hunter2"}),
    )
    .await
    .expect("login answers");
    assert_eq!(status, 200, "{issued}");
    let token = issued["token"].as_str().expect("a token").to_owned();
    assert!(
        issued["expires"].is_string() && issued["expires_ms"].is_u64(),
        "{issued}"
    );
    let answer = n.ping_as(&Cred::Bearer(token.clone())).await;
    assert!(ok(&answer), "{answer:?}");
    let (status, _, body) = post(
        https,
        &login,
        &Cred::None,
        json!({"user": "bob", "password": "nope"}),
    )
    .await
    .expect("answer");
    assert_eq!(
        (status, body["error"]["data"]["reason"].clone()),
        (401, json!("wrong_password"))
    );

    // A forged token (bob's payload, signed with another key): 401 invalid_token.
    let forger = clacks_plugins::auth::TokenKey::new(b"not the domain's key, 32 bytes long");
    let (forged, _) = forger
        .issue("bob", n.node.domain(), u64::MAX / 2)
        .expect("forged");
    let (status, _, body) = n.ping_as(&Cred::Bearer(forged)).await;
    assert_eq!(
        (status, body["error"]["data"]["reason"].clone()),
        (401, json!("invalid_token"))
    );

    // Revoked: auth.revoke (as bob, with his token) and the token is refused from then on.
    let revoke =
        json!({"jsonrpc": "2.0", "id": 2, "method": "auth.revoke", "params": {"token": token}});
    let answer = post(https, &n.url, &Cred::Bearer(token.clone()), revoke)
        .await
        .expect("answer");
    assert!(ok(&answer), "{answer:?}");
    let (status, _, body) = n.ping_as(&Cred::Bearer(token.clone())).await;
    assert_eq!(
        (status, body["error"]["data"]["reason"].clone()),
        (401, json!("revoked_token"))
    );
    seen.wait_for(&["<User>bob</User>", "revoked_token"]).await;

    // Rate limit (auth.max_failures = 5): this address has failed four times (alice's and
    // bob's passwords, the forged and the revoked token); one more wrong password reaches the
    // limit, then even the right password gets 429 with Retry-After, for alice and for bob
    // from this address.
    let (status, _, _) = n.ping_as(&Cred::Basic("alice", "guess")).await;
    assert_eq!(status, 401);
    for (user, password) in [("alice", "s3cret"), ("bob", "hunter2")] {
        let (status, retry, body) = n.ping_as(&Cred::Basic(user, password)).await;
        assert_eq!(status, 429, "{user}: {body}");
        assert!(retry.is_some_and(|r| r.parse::<u64>().is_ok_and(|s| s >= 1)));
        assert_eq!(body["error"]["data"]["reason"], "too_many_failures");
    }
    seen.wait_for(&["<User>alice</User>", "too_many_failures"])
        .await;

    // A client certificate from the CA: its common name is the caller, no password needed.
    let alice_cert = pki.client("alice").expect("client certificate");
    let with_cert = client(&pki.ca(), Some(&alice_cert));
    let answer = post(&with_cert, &n.url, &Cred::None, ping())
        .await
        .expect("answer");
    assert!(ok(&answer), "{answer:?}");

    // A client certificate from another CA: the handshake fails, nothing is served.
    let foreign = pki
        .foreign_client("alice")
        .expect("foreign client certificate");
    let refused = post(
        &client(&pki.ca(), Some(&foreign)),
        &n.url,
        &Cred::None,
        ping(),
    )
    .await;
    assert!(
        refused.is_err(),
        "a client certificate from another CA was accepted: {refused:?}"
    );
    seen.wait_for(&["<User>alice</User>", "bad_client_certificate"])
        .await;

    // A client that does not trust the server's CA refuses the connection.
    let untrusting = client(&pki.other_ca(), None);
    let refused = post(&untrusting, &n.url, &Cred::Basic("bob", "hunter2"), ping()).await;
    let error = refused.expect_err("a server certificate from an untrusted CA was accepted");
    assert!(
        error.contains("UnknownIssuer") || error.contains("certificate"),
        "{error}"
    );

    // The node serves on (a certificate caller is not subject to the password limits).
    let answer = post(&with_cert, &n.url, &Cred::None, ping())
        .await
        .expect("answer");
    assert!(ok(&answer), "the node stopped serving: {answer:?}");
    n.node.shutdown().await;
}

#[actix_rt::test]
async fn a_token_expires() {
    let n = Fixture::new("e", &[("auth.token_ttl", "1")], &[("dave", "pw-dave")]).await;
    let seen = AuditLog::detached(&n.node);
    let token = n.login("dave", "pw-dave").await;
    assert!(ok(&n.ping_as(&Cred::Bearer(token.clone())).await));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (status, _, body) = n.ping_as(&Cred::Bearer(token)).await;
    assert_eq!(
        (status, body["error"]["data"]["reason"].clone()),
        (401, json!("expired_token")),
        "{body}"
    );
    seen.wait_for(&["<User>dave</User>", "expired_token"]).await;
    // Serving on.
    let answer = n.ping_as(&Cred::Basic("dave", "pw-dave")).await;
    assert!(ok(&answer), "{answer:?}");
    n.node.shutdown().await;
}

/// Failed bearer tokens count toward the address's failures like wrong passwords: with
/// `auth.max_failures = 3`, a forged, a malformed and a revoked token from one address (each
/// HTTP 401), and then that address gets HTTP 429 with `Retry-After` even for a good token and
/// for the right password, until the window passes.
#[actix_rt::test]
async fn failed_bearer_tokens_count_toward_the_address_limit() {
    let n = Fixture::new("t", &[("auth.max_failures", "3")], &[("dave", "pw-dave")]).await;
    let seen = AuditLog::detached(&n.node);
    let good = n.login("dave", "pw-dave").await;
    let revoked = n.login("dave", "pw-dave").await;
    let revoke = CallRequest::new("auth.revoke", Params::Positional(vec![json!(revoked)]))
        .with_timeout(Duration::from_secs(5));
    n.node.call(revoke).await.expect("revoked");

    let forger = clacks_plugins::auth::TokenKey::new(b"not the domain's key, 32 bytes long");
    let (forged, _) = forger
        .issue("dave", n.node.domain(), u64::MAX / 2)
        .expect("forged");
    for (token, reason) in [
        (forged, "invalid_token"),
        ("v1.not-a-token".to_owned(), "invalid_token"),
        (revoked, "revoked_token"),
    ] {
        let (status, _, body) = n.ping_as(&Cred::Bearer(token)).await;
        assert_eq!(
            (status, body["error"]["data"]["reason"].clone()),
            (401, json!(reason)),
            "{body}"
        );
    }
    // The limit is reached: a good token and the right password from this address are 429.
    for cred in [Cred::Bearer(good), Cred::Basic("dave", "pw-dave")] {
        let (status, retry, body) = n.ping_as(&cred).await;
        assert_eq!(status, 429, "{body}");
        assert!(retry.is_some_and(|r| r.parse::<u64>().is_ok_and(|s| s >= 1)));
        assert_eq!(body["error"]["data"]["reason"], "too_many_failures");
    }
    seen.wait_for(&["too_many_failures"]).await;
    n.node.shutdown().await;
}

/// `auth.set_password` stores a new hash with the user's own method through the object layer
/// as the caller: afterwards HTTP Basic takes the new password and refuses the old one. A
/// caller without `w` on `userPassword` is refused `-32003` and changes nothing. The `User`
/// methods `changePassword` and `changePasswordMethod` (`objects.call`) run `set_password`
/// and `set_password_method`, whose method later passwords keep.
#[actix_rt::test]
async fn set_password_replaces_the_password_as_the_acls_allow() {
    let n = Fixture::new("p", &[], &[]).await;
    // carol may modify users and write their attributes (her password among them); bob
    // (grant_reader: read and execute) may modify users too, but write no attribute.
    add_acl(
        &n.node,
        json!({"priority": 0, "scope": "sub", "members": ["^carol$"],
            "actions": [{"topic": ".*", "acls": "rwmx", "options": {}}]}),
    )
    .await;
    add_acl(
        &n.node,
        json!({"priority": -10, "scope": "sub", "members": ["^bob$"],
            "actions": [{"topic": ".*\\.objects\\.User$", "acls": "m", "options": {}}]}),
    )
    .await;
    create_user(&n.node, "carol", "old-pw").await;
    create_user(&n.node, "bob", "hunter2").await;

    let answer = n
        .rpc_as(
            &Cred::Basic("carol", "old-pw"),
            "auth.set_password",
            json!({"user": "carol", "password": "new-pw"}),
        )
        .await;
    assert!(ok(&answer), "{answer:?}");
    // carol's hash was {SSHA}: her new password keeps her method.
    assert_eq!(answer.2["result"]["method"], "ssha", "{answer:?}");
    let dn = answer.2["result"]["dn"].as_str().expect("a DN").to_owned();
    let hash = stored_hash(&n.node, &dn).await;
    assert!(hash.contains("{SSHA}"), "{hash}");

    let answer = n.ping_as(&Cred::Basic("carol", "new-pw")).await;
    assert!(ok(&answer), "the new password: {answer:?}");
    let (status, _, body) = n.ping_as(&Cred::Basic("carol", "old-pw")).await;
    assert_eq!(
        (status, body["error"]["data"]["reason"].clone()),
        (401, json!("wrong_password")),
        "the old password: {body}"
    );

    // bob may read users but not write userPassword: refused by the ACLs, nothing changed.
    let (_, _, body) = n
        .rpc_as(
            &Cred::Basic("bob", "hunter2"),
            "auth.set_password",
            json!({"user": "carol", "password": "bobs-pw"}),
        )
        .await;
    assert_eq!(body["error"]["code"], -32003, "{body}");
    assert_eq!(body["error"]["data"]["attribute"], "userPassword", "{body}");
    let answer = n.ping_as(&Cred::Basic("carol", "new-pw")).await;
    assert!(ok(&answer), "bob changed carol's password: {answer:?}");

    // The definition's method: objects.call(dn, "changePassword") runs auth.set_password.
    let answer = n
        .rpc_as(
            &Cred::Basic("carol", "new-pw"),
            "objects.call",
            json!({"ref": dn, "method": "changePassword", "args": {"password": "third-pw"}}),
        )
        .await;
    assert!(ok(&answer), "{answer:?}");
    let answer = n.ping_as(&Cred::Basic("carol", "third-pw")).await;
    assert!(
        ok(&answer),
        "the password set by changePassword: {answer:?}"
    );

    // changePasswordMethod (auth.set_password_method) changes the method; later passwords
    // keep it; a method that cannot hash is refused, naming the ones that can.
    let answer = n
        .rpc_as(
            &Cred::Basic("carol", "third-pw"),
            "objects.call",
            json!({"ref": dn, "method": "changePasswordMethod",
                "args": {"password_method": "crypt/sha-512", "password": "fourth-pw"}}),
        )
        .await;
    assert!(ok(&answer), "{answer:?}");
    assert!(stored_hash(&n.node, &dn).await.contains("{CRYPT}$6$"));
    let answer = n
        .rpc_as(
            &Cred::Basic("carol", "fourth-pw"),
            "auth.set_password",
            json!({"user": dn, "password": "fifth-pw"}),
        )
        .await;
    assert_eq!(answer.2["result"]["method"], "crypt/sha-512", "{answer:?}");
    let (_, _, body) = n
        .rpc_as(
            &Cred::Basic("carol", "fifth-pw"),
            "auth.set_password_method",
            json!({"user": "carol", "method": "crypt/standard-des", "password": "x"}),
        )
        .await;
    assert_eq!(body["error"]["code"], -32602, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("crypt/md5")),
        "{body}"
    );
    n.node.shutdown().await;
}
