//! The `objects` plugin on a real in-process node with nothing else running: the embedded
//! SQLite store is migrated and seeded by the backend actor (visible in the actor tree),
//! and the object RPC serves the scenario: create, get by DN and UUID, update with
//! extensions and revisions, refused input with nothing written, literal search with
//! paging, remove; every write publishes one `ObjectChanged` event.

use clacks_plugins::objects::{Action, AllowAll, ObjectAccess, ObjectsPlugin};
use clacks_runtime::call::RpcErrorKind;
use clacks_runtime::events::Event;
use clacks_tests::cluster::{Cluster, LocalFactory};
use clacks_tests::objects::{call, data, refused, until_up};
use clacks_xml::Namespaces;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BASE: &str = "dc=example,dc=net";
const PEOPLE: &str = "ou=people,dc=example,dc=net";

async fn objects_node(test: &str, access: Arc<dyn ObjectAccess>) -> Cluster {
    let factory = LocalFactory::default();
    let domain = format!("objects-{test}-{}", std::process::id());
    let settings = clacks_tests::cluster::settings(&domain, &[]);
    Cluster::start(&factory, &domain, &["o"], &[], move |_, b| {
        b.plugin(clacks_plugins::events::EventsPlugin::definition())
            .plugin(ObjectsPlugin::definition_with_access(
                &settings,
                access.clone(),
            ))
    })
    .await
}

/// Denies reading `sn`, writing `guiPreferences` and removing anything.
struct Restricted;

impl ObjectAccess for Restricted {
    fn may(&self, _: &str, _: &str, action: Action) -> bool {
        action != Action::Remove
    }
    fn may_read(&self, _: &str, _: &str, attribute: &str) -> bool {
        attribute != "sn"
    }
    fn may_write(&self, _: &str, _: &str, attribute: &str) -> bool {
        attribute != "guiPreferences"
    }
}

#[actix_rt::test]
async fn the_object_rpc_serves_the_scenario_on_the_embedded_store() {
    let cluster = objects_node("scenario", Arc::new(AllowAll)).await;
    let node = &cluster.nodes[0];
    let seen: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = seen.clone();
    let _sub = node
        .event_bus()
        .subscribe(
            vec!["ObjectChanged".to_owned()],
            None,
            &Namespaces::default(),
            move |e| sink.lock().map(|mut s| s.push(e.clone())).unwrap_or(()),
        )
        .await
        .unwrap_or_else(|e| panic!("subscribe: {e}"));

    // Seeded on first start; the backend actor is in the tree.
    let base = until_up(&cluster, "objects.get", json!([BASE])).await;
    assert_eq!(base["type"], "Domain");
    let paths: Vec<String> = node.tree().snapshot().into_iter().map(|a| a.path).collect();
    assert!(
        paths
            .iter()
            .any(|p| p == "node/plugins/objects/backends/sql"),
        "{paths:?}"
    );

    let types = call(&cluster, "objects.types", json!([])).await;
    let user_type = types
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "User"))
        .cloned();
    assert!(user_type.is_some_and(|u| u["extensions"]
        .as_array()
        .is_some_and(|e| e.contains(&json!("PosixUser")))));
    let described = call(&cluster, "objects.describe", json!({"type": "User"})).await;
    assert_eq!(described["name"], "User");

    let user = call(
        &cluster,
        "objects.create",
        json!({"type": "User", "parent": PEOPLE,
               "attrs": {"uid": "jdoe", "givenName": "John", "sn": "Doe"}}),
    )
    .await;
    let dn = user["dn"].as_str().unwrap_or_default().to_owned();
    let uuid = user["uuid"].as_str().unwrap_or_default().to_owned();
    assert_eq!(dn, format!("cn=John Doe,{PEOPLE}"));
    assert_eq!(user["revision"], 1);
    let by_uuid = call(
        &cluster,
        "objects.get",
        json!({"ref": uuid, "attrs": ["sn"]}),
    )
    .await;
    assert_eq!(by_uuid["attrs"], json!({"sn": ["Doe"]}));

    let extended = call(
        &cluster,
        "objects.update",
        json!({"ref": dn, "if_revision": 1,
               "changes": {"extend": ["PosixUser"],
                           "set": {"autoIDs": false, "uidNumber": 3000, "gidNumber": 3000,
                                   "homeDirectory": "/home/jdoe"}}}),
    )
    .await;
    assert_eq!(extended["extensions"], json!(["PosixUser"]));
    assert_eq!(extended["attrs"]["uidNumber"], json!([3000]));
    assert_eq!(extended["revision"], 2);

    // Refused, each with a clear error and nothing written.
    let stale = refused(
        &cluster,
        "objects.update",
        json!({"ref": dn, "if_revision": 1, "changes": {"set": {"sn": "Roe"}}}),
    )
    .await;
    assert_eq!(
        (stale.kind(), data(&stale, "reason")),
        (RpcErrorKind::InvalidParams, "conflict".to_owned())
    );
    let cases = [
        (json!({"set": {"uidNumber": "many"}}), "wrong type"),
        (json!({"set": {"colour": "blue"}}), "unknown attribute"),
        (json!({"set": {"cn": "X"}}), "read-only"),
        (json!({"set": {"sn": []}}), "mandatory"),
        (json!({"set": {"homeDirectory": "relative"}}), "validator"),
    ];
    for (changes, rule) in cases {
        let e = refused(
            &cluster,
            "objects.update",
            json!({"ref": dn, "changes": changes}),
        )
        .await;
        assert_eq!(data(&e, "rule"), rule, "{e}");
    }
    let outside = refused(&cluster, "objects.create", json!({"type": "User", "parent": "ou=people,dc=elsewhere", "attrs": {"uid": "x", "givenName": "X", "sn": "X"}})).await;
    assert_eq!(data(&outside, "reason"), "invalid");
    let unchanged = call(&cluster, "objects.get", json!([dn])).await;
    assert_eq!(unchanged, extended);

    // Search: literal values, pages.
    for (i, sn) in ["Smith (IT)*", "Smith (IT)x", "Smith"].iter().enumerate() {
        call(&cluster, "objects.create", json!({"type": "User", "parent": PEOPLE, "attrs": {"uid": format!("s{i}"), "givenName": format!("G{i}"), "sn": sn}})).await;
    }
    let literal = call(
        &cluster,
        "objects.search",
        json!({"base": BASE, "scope": "sub", "query": {"sn": "Smith (IT)*"}, "attrs": ["sn"]}),
    )
    .await;
    assert_eq!(literal["objects"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        literal["objects"][0]["attrs"],
        json!({"sn": ["Smith (IT)*"]})
    );
    let first = call(
        &cluster,
        "objects.search",
        json!({"base": PEOPLE, "scope": "one", "query": {"_type": "User"}, "limit": 3}),
    )
    .await;
    assert_eq!(first["objects"].as_array().map(Vec::len), Some(3));
    let rest = call(&cluster, "objects.search", json!({"base": PEOPLE, "scope": "one", "query": {"_type": "User"}, "limit": 3, "cursor": first["cursor"]})).await;
    assert_eq!(rest["objects"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest["cursor"], Value::Null);
    let bad = refused(
        &cluster,
        "objects.search",
        json!({"base": BASE, "scope": "sub", "query": {"$where": "1"}}),
    )
    .await;
    assert_eq!(bad.kind(), RpcErrorKind::InvalidParams);

    let unit = call(
        &cluster,
        "objects.create",
        json!({"type": "OrganizationalUnit", "parent": BASE, "attrs": {"ou": "staff"}}),
    )
    .await;
    let other = call(
        &cluster,
        "objects.create",
        json!({"type": "OrganizationalUnit", "parent": BASE, "attrs": {"ou": "other"}}),
    )
    .await;
    let moved = call(
        &cluster,
        "objects.move",
        json!({"ref": unit["uuid"], "parent": other["dn"]}),
    )
    .await;
    assert_eq!(moved["dn"], json!(format!("ou=staff,ou=other,{BASE}")));

    let removed = call(&cluster, "objects.remove", json!([uuid])).await;
    assert_eq!(removed["dn"], json!(dn));
    let gone = refused(&cluster, "objects.get", json!([uuid])).await;
    assert_eq!(data(&gone, "reason"), "not_found");

    // One ObjectChanged per write: 1 create + 1 update + 3 creates + 2 creates + 1 move + 1 remove.
    for _ in 0..500 {
        if seen.lock().map(|s| s.len()).unwrap_or(0) >= 9 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let changes: Vec<String> = seen
        .lock()
        .map(|s| s.iter().map(|e| e.xml.to_string()).collect())
        .unwrap_or_default();
    assert_eq!(changes.len(), 9, "{changes:?}");
    assert!(changes
        .iter()
        .any(|x| x.contains("<ChangeType>moddn</ChangeType>")));
    assert!(changes
        .iter()
        .any(|x| x.contains("<ChangeType>delete</ChangeType>")));
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn the_object_access_hides_attributes_and_refuses_writes_before_anything_is_written() {
    let cluster = objects_node("access", Arc::new(Restricted)).await;
    until_up(&cluster, "objects.get", json!([BASE])).await;
    let user = call(
        &cluster,
        "objects.create",
        json!({"type": "User", "parent": PEOPLE, "attrs": {"uid": "ac", "givenName": "A", "sn": "Cess"}}),
    )
    .await;
    assert!(user["attrs"].get("sn").is_none(), "{user}");
    assert_eq!(user["attrs"]["uid"], json!(["ac"]));
    let uuid = user["uuid"].clone();

    let write = refused(
        &cluster,
        "objects.update",
        json!({"ref": uuid, "changes": {"set": {"guiPreferences": {"theme": "x"}}}}),
    )
    .await;
    assert_eq!(
        (write.code(), data(&write, "attribute")),
        (-32003, "guiPreferences".to_owned())
    );
    let create = refused(&cluster, "objects.create", json!({"type": "User", "parent": PEOPLE, "attrs": {"uid": "no", "givenName": "N", "sn": "O", "guiPreferences": {}}})).await;
    assert_eq!(create.code(), -32003);
    let remove = refused(&cluster, "objects.remove", json!([uuid])).await;
    assert_eq!(remove.code(), -32003);

    let users = call(
        &cluster,
        "objects.search",
        json!({"base": PEOPLE, "scope": "one", "query": {"_type": "User"}}),
    )
    .await;
    assert_eq!(users["objects"].as_array().map(Vec::len), Some(1));
    assert_eq!(users["objects"][0]["revision"], 1);
    let probe = refused(
        &cluster,
        "objects.search",
        json!({"base": PEOPLE, "scope": "one", "query": {"$not": {"sn": "Cess"}}}),
    )
    .await;
    assert_eq!(
        (probe.code(), data(&probe, "attribute")),
        (-32003, "sn".to_owned())
    );
    cluster.shutdown().await;
}

#[actix_rt::test]
async fn a_restarted_objects_plugin_starts_its_backend_again_and_serves() {
    let cluster = objects_node("restart", Arc::new(AllowAll)).await;
    until_up(&cluster, "objects.get", json!([BASE])).await;
    let tree = cluster.nodes[0].tree().clone();
    tree.control(
        "node/plugins/objects/actor",
        clacks_runtime::supervision::ControlOp::Restart,
    )
    .await
    .unwrap_or_else(|e| panic!("restart: {e}"));
    // The embedded store is in memory: the new incarnation seeds it again.
    let base = until_up(&cluster, "objects.get", json!([BASE])).await;
    assert_eq!(base["type"], "Domain");
    let state = |path: &str| {
        tree.snapshot()
            .into_iter()
            .find(|a| a.path == path)
            .map(|a| a.state)
    };
    for path in [
        "node/plugins/objects/backends",
        "node/plugins/objects/backends/sql",
    ] {
        // A predecessor still stopping may report the path stopped for a moment.
        for _ in 0..500 {
            if state(path).as_deref() == Some("running") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(state(path), Some("running".to_owned()), "{path}");
    }
    cluster.shutdown().await;
}
