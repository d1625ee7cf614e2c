//! The directory server lost under load: a node whose objects live in the private slapd of
//! this test binary (`[objects] ldap_url`) serves `objects.update` calls in a loop; slapd is
//! killed, and the calls answer `-32004` with `data.backend` `LDAP` at once; the `ldap`
//! backend actor is restarted by its supervisor (visible in the actor tree); once slapd is
//! back the calls succeed again within 5 s, and the object holds exactly the last write that
//! was acknowledged (nothing half-written in SQL or in the directory).

use clacks_runtime::call::RpcErrorKind;
use clacks_tests::cluster::{Cluster, LocalFactory};
use clacks_tests::slapd::{PrivateSlapd, ADMIN_DN, ADMIN_PASSWORD};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const BASE: &str = "dc=outage,dc=net";
const PEOPLE: &str = "ou=people,dc=outage,dc=net";

#[actix_rt::test]
async fn a_lost_directory_answers_backend_at_once_and_serves_again_within_5_s_of_its_return() {
    let slapd = PrivateSlapd::shared();
    let url = slapd.url();
    let db = std::env::temp_dir().join(format!("clacks_ldap_outage_{}.sqlite", std::process::id()));
    let store = format!("sqlite://{}", db.display());
    let overrides = [
        ("objects.base", BASE),
        ("objects.store", store.as_str()),
        ("objects.ldap_url", url.as_str()),
        ("objects.ldap_bind_dn", ADMIN_DN),
        ("objects.ldap_bind_password", ADMIN_PASSWORD),
        ("objects.ldap_timeout", "2"),
    ];
    let domain = format!("objects-ldap-outage-{}", std::process::id());
    let settings = clacks_tests::cluster::settings(&domain, &overrides);
    let cluster = Cluster::start(
        &LocalFactory::default(),
        &domain,
        &["o"],
        &overrides,
        move |_, b| {
            b.plugin(clacks_plugins::objects::ObjectsPlugin::definition(
                &settings,
            ))
        },
    )
    .await;

    let mut user = None;
    for _ in 0..1000 {
        let made = cluster
            .call(0, "objects.create", json!({"type": "User", "parent": PEOPLE,
                "attrs": {"uid": "out", "givenName": "Out", "sn": "Age", "guiPreferences": {"n": 0}}}))
            .await;
        match made {
            Ok(v) => {
                user = Some(v);
                break;
            }
            Err(e) if matches!(e.kind(), RpcErrorKind::Backend | RpcErrorKind::Unavailable) => {
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            Err(e) => panic!("create: {e}"),
        }
    }
    let user = user.unwrap_or_else(|| panic!("the backends did not come up on the private slapd"));
    let uuid = user["uuid"].as_str().unwrap_or_default().to_owned();
    let entry = slapd
        .entry(user["dn"].as_str().unwrap_or_default())
        .ok()
        .flatten();
    assert!(entry.is_some(), "the user is in slapd");

    // Writes in a loop (an LDAP attribute and an SQL one together); the last acknowledged.
    let mut n = 0u32;
    let mut acked = 0u32;
    let update = |n: u32| {
        cluster.call(
            0,
            "objects.update",
            json!({"ref": uuid,
            "changes": {"set": {"title": format!("v{n}"), "guiPreferences": {"n": n}}}}),
        )
    };
    for _ in 0..20 {
        n += 1;
        update(n)
            .await
            .unwrap_or_else(|e| panic!("update before the outage: {e}"));
        acked = n;
    }

    slapd.stop();
    let lost = Instant::now();
    let mut answer = None;
    while lost.elapsed() < Duration::from_secs(5) {
        n += 1;
        match update(n).await {
            Ok(_) => acked = n,
            Err(e) => {
                answer = Some(e);
                break;
            }
        }
    }
    let e = answer.unwrap_or_else(|| panic!("no error while slapd is down"));
    assert_eq!(
        (e.code(), e.data("backend")),
        (-32004, Some(&json!("LDAP"))),
        "{e}"
    );
    let first = lost.elapsed();
    // Every call while it is down answers at once.
    for _ in 0..20 {
        n += 1;
        let started = Instant::now();
        let e = update(n)
            .await
            .map(|_| ())
            .map_err(|e| (e.code(), e.data("backend").cloned()));
        assert_eq!(e, Err((-32004, Some(json!("LDAP")))));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "took {:?}",
            started.elapsed()
        );
    }
    let mut restarted = false;
    for _ in 0..500 {
        let info = cluster.nodes[0]
            .tree()
            .snapshot()
            .into_iter()
            .find(|a| a.path == "node/plugins/objects/backends/ldap");
        if info.is_some_and(|a| a.total_restarts >= 1) {
            restarted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        restarted,
        "the ldap backend actor was restarted by its supervisor"
    );

    slapd.resume().unwrap_or_else(|e| panic!("slapd back: {e}"));
    let back = Instant::now();
    let mut served = false;
    while back.elapsed() < Duration::from_secs(5) {
        n += 1;
        if update(n).await.is_ok() {
            acked = n;
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        served,
        "objects.update did not succeed within 5 s of slapd's return"
    );
    eprintln!(
        "first -32004 after {first:?}; served again {:?} after slapd's return",
        back.elapsed()
    );

    // Nothing half-written: SQL and the directory hold the last acknowledged write.
    let object = cluster
        .call(0, "objects.get", json!([uuid]))
        .await
        .unwrap_or_else(|e| panic!("get: {e}"));
    assert_eq!(object["attrs"]["title"], json!([format!("v{acked}")]));
    assert_eq!(object["attrs"]["guiPreferences"], json!([{"n": acked}]));
    let seen = slapd
        .entry(object["dn"].as_str().unwrap_or_default())
        .ok()
        .flatten();
    assert_eq!(
        seen.map(|e| e.values("title")),
        Some(vec![format!("v{acked}")])
    );
    let _: Value = object;
    cluster.shutdown().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
