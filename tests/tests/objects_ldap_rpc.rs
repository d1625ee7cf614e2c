//! The object RPC with a directory server (`[objects] ldap_url`, the private slapd of this
//! test binary): bad input is refused with a clear error and nothing is written to slapd
//! (checked with `ldapsearch` of the whole base before and after); an entry changed directly
//! in slapd with
//! `ldapmodify` is read back by `objects.get`; both backend actors are in the actor tree.

use clacks_runtime::call::RpcErrorKind;
use clacks_tests::objects::{data, node_with, refused, slapd_overrides, until_up, TempStore};
use clacks_tests::slapd::{LdifEntry, PrivateSlapd};
use serde_json::json;

const BASE: &str = "dc=rpc,dc=net";
const PEOPLE: &str = "ou=people,dc=rpc,dc=net";

fn snapshot() -> Vec<LdifEntry> {
    PrivateSlapd::shared()
        .ldapsearch(BASE, "sub", "(objectClass=*)")
        .unwrap_or_else(|e| panic!("ldapsearch: {e}"))
}

#[actix_rt::test]
async fn bad_input_writes_nothing_to_slapd_and_outside_changes_are_read_back() {
    let slapd = PrivateSlapd::shared();
    let store = TempStore::new("ldap-rpc");
    let cluster = node_with("ldap-rpc", &slapd_overrides(BASE, &store)).await;
    // The backend tree shows both actors.
    let user = until_up(
        &cluster,
        "objects.create",
        json!({"type": "User", "parent": PEOPLE, "extensions": ["PosixUser"],
               "attrs": {"uid": "rpc", "givenName": "R", "sn": "Pc", "autoIDs": false,
                         "uidNumber": 4000, "gidNumber": 4000, "homeDirectory": "/home/rpc"}}),
    )
    .await;
    let paths: Vec<String> = cluster.nodes[0]
        .tree()
        .snapshot()
        .into_iter()
        .map(|a| a.path)
        .collect();
    for backend in ["sql", "ldap"] {
        let path = format!("node/plugins/objects/backends/{backend}");
        assert!(paths.contains(&path), "{path} in {paths:?}");
    }
    let uuid = user["uuid"].clone();
    let before = snapshot();
    assert!(
        before.iter().any(|e| e.dn == user["dn"]),
        "the user is in slapd"
    );

    let cases = [
        (
            "objects.update",
            json!({"ref": uuid, "changes": {"set": {"uidNumber": "many"}}}),
            "wrong type",
        ),
        (
            "objects.update",
            json!({"ref": uuid, "changes": {"set": {"sn": []}}}),
            "mandatory",
        ),
        (
            "objects.update",
            json!({"ref": uuid, "changes": {"set": {"homeDirectory": "rel"}}}),
            "validator",
        ),
        (
            "objects.update",
            json!({"ref": uuid, "changes": {"set": {"cn": "X"}}}),
            "read-only",
        ),
        (
            "objects.update",
            json!({"ref": uuid, "changes": {"set": {"colour": "b"}}}),
            "unknown attribute",
        ),
        (
            "objects.update",
            json!({"ref": uuid, "changes": {"extend": ["Nope"]}}),
            "extension",
        ),
        (
            "objects.create",
            json!({"type": "User", "parent": PEOPLE, "extensions": ["PosixUser"],
            "attrs": {"uid": "twin", "givenName": "T", "sn": "W", "autoIDs": false, "uidNumber": 4000,
                      "gidNumber": 1, "homeDirectory": "/home/twin"}}),
            "unique",
        ),
        (
            "objects.create",
            json!({"type": "User", "parent": PEOPLE, "attrs": {"uid": "m"}}),
            "mandatory",
        ),
    ];
    for (method, params, rule) in cases {
        let e = refused(&cluster, method, params.clone()).await;
        assert_eq!(e.kind(), RpcErrorKind::InvalidParams, "{params}: {e}");
        assert_eq!(data(&e, "rule"), rule, "{params}: {e}");
        assert_eq!(snapshot(), before, "{params} changed slapd");
    }
    let outside = refused(&cluster, "objects.create", json!({"type": "User",
        "parent": "ou=people,dc=elsewhere,dc=net", "attrs": {"uid": "o", "givenName": "O", "sn": "O"}})).await;
    assert_eq!(data(&outside, "reason"), "invalid", "{outside}");
    let stale = refused(
        &cluster,
        "objects.update",
        json!({"ref": uuid, "changes": {"set": {"title": "x"}}, "if_revision": 9}),
    )
    .await;
    assert_eq!(data(&stale, "reason"), "conflict", "{stale}");
    assert_eq!(snapshot(), before, "refusals changed slapd");

    // Changed in slapd directly, read back by objects.get.
    slapd
        .ldapmodify(&format!(
            "dn: {}\nchangetype: modify\nreplace: title\ntitle: Boss (IT)*\n",
            user["dn"].as_str().unwrap_or_default()
        ))
        .unwrap_or_else(|e| panic!("ldapmodify: {e}"));
    let got = until_up(&cluster, "objects.get", json!([uuid])).await;
    assert_eq!(got["attrs"]["title"], json!(["Boss (IT)*"]));
    cluster.shutdown().await;
}
