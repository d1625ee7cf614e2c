//! The directory server lost under load: a node whose objects live in the private slapd of
//! this test binary (`[objects] ldap_url`) serves `objects.update` calls in a loop; slapd is
//! killed, and the calls answer `-32004` with `data.backend` `LDAP` at once; the `ldap`
//! backend actor is restarted by its supervisor (visible in the actor tree); once slapd is
//! back the calls succeed again within 5 s, and the object holds exactly the last write that
//! was acknowledged (nothing half-written in SQL or in the directory).

use clacks_tests::objects::{node_with, slapd_overrides, until_up, TempStore};
use clacks_tests::slapd::PrivateSlapd;
use serde_json::json;
use std::time::{Duration, Instant};

const BASE: &str = "dc=outage,dc=net";
const PEOPLE: &str = "ou=people,dc=outage,dc=net";

#[actix_rt::test]
async fn a_lost_directory_answers_backend_at_once_and_serves_again_within_5_s_of_its_return() {
    let slapd = PrivateSlapd::shared();
    let store = TempStore::new("ldap-outage");
    let mut overrides = slapd_overrides(BASE, &store);
    overrides.push(("objects.ldap_timeout", "2".to_owned()));
    let cluster = node_with("ldap-outage", &overrides).await;
    let user = until_up(
        &cluster,
        "objects.create",
        json!({"type": "User", "parent": PEOPLE,
               "attrs": {"uid": "out", "givenName": "Out", "sn": "Age", "guiPreferences": {"n": 0}}}),
    )
    .await;
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
    cluster.shutdown().await;
}
