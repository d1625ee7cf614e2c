//! What the object RPC tests share: a node serving the `objects` plugin (with `events`) on
//! an SQLite file of its own, optionally with its LDAP-backed parts in the test binary's
//! private slapd; calls that wait while the backends come up; refusals; and a search polled
//! until it finds something (the `BackendChange` tests).

use crate::cluster::{Cluster, LocalFactory};
use crate::slapd::{PrivateSlapd, ADMIN_DN, ADMIN_PASSWORD};
use clacks_runtime::call::{CallError, RpcErrorKind};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An SQLite file in the temporary folder, named after `test` and the process, removed
/// (with its WAL files) on drop.
pub struct TempStore(PathBuf);

impl TempStore {
    /// A fresh file (an old one of the same name is removed first).
    pub fn new(test: &str) -> TempStore {
        let path = std::env::temp_dir().join(format!(
            "clacks-objects-{test}-{}.sqlite",
            std::process::id()
        ));
        remove_sqlite(&path);
        TempStore(path)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Its `[objects] store` URL.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        remove_sqlite(&self.0);
    }
}

fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The `[objects]` settings that put the LDAP-backed parts under `base` in the private slapd.
pub fn slapd_overrides(base: &str, store: &TempStore) -> Vec<(&'static str, String)> {
    vec![
        ("objects.base", base.to_owned()),
        ("objects.store", store.url()),
        ("objects.ldap_url", PrivateSlapd::shared().url()),
        ("objects.ldap_bind_dn", ADMIN_DN.to_owned()),
        ("objects.ldap_bind_password", ADMIN_PASSWORD.to_owned()),
    ]
}

/// One node `o` of a domain named after `test`, serving `events` and `objects` with the
/// settings `overrides` (see [`slapd_overrides`]).
pub async fn node_with(test: &str, overrides: &[(&str, String)]) -> Cluster {
    let overrides: Vec<(&str, &str)> = overrides.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let domain = format!("objects-{test}-{}", std::process::id());
    let settings = crate::cluster::settings(&domain, &overrides);
    Cluster::start(
        &LocalFactory::default(),
        &domain,
        &["o"],
        &overrides,
        move |_, b| {
            b.plugin(clacks_plugins::events::EventsPlugin::definition())
                .plugin(clacks_plugins::objects::ObjectsPlugin::definition(
                    &settings,
                ))
        },
    )
    .await
}

/// Calls `method` on node 0 until the plugin and its backends are up (`-32004` while a
/// backend connects and seeds, `-32002` while the plugin restarts), for up to 10 s.
pub async fn until_up(cluster: &Cluster, method: &str, params: Value) -> Value {
    for _ in 0..1000 {
        match cluster.call(0, method, params.clone()).await {
            Err(e) if matches!(e.kind(), RpcErrorKind::Backend | RpcErrorKind::Unavailable) => {
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            Ok(v) => return v,
            Err(e) => panic!("{method}: {e}"),
        }
    }
    panic!("the object backends did not come up within 10 s ({method})");
}

/// Calls `method` on node 0; a refusal fails the test.
pub async fn call(cluster: &Cluster, method: &str, params: Value) -> Value {
    cluster
        .call(0, method, params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// Calls `method` on node 0, which must refuse; returns the error.
pub async fn refused(cluster: &Cluster, method: &str, params: Value) -> CallError {
    match cluster.call(0, method, params).await {
        Ok(v) => panic!("{method} should be refused, gave {v}"),
        Err(e) => e,
    }
}

/// The text of `data.KEY` of a refusal (empty when missing).
pub fn data(e: &CallError, key: &str) -> String {
    e.data(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The DNs of an `objects.search` page.
pub fn dns(page: &Value) -> Vec<String> {
    page["objects"]
        .as_array()
        .map(|o| {
            o.iter()
                .filter_map(|o| o["dn"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Publishes a `BackendChange` of `dn` (`change`: `add`, `modify`, …) and runs the search
/// `params` until it finds something, at most `within` after the announcement: what it found
/// and how long after the announcement.
pub async fn announce_and_search(
    cluster: &Cluster,
    dn: &str,
    change: &str,
    params: &Value,
    within: Duration,
) -> (Vec<String>, Duration) {
    let announced = Instant::now();
    call(
        cluster,
        "events.publish",
        json!([backend_change(dn, change)]),
    )
    .await;
    let mut found = Vec::new();
    while announced.elapsed() < within {
        found = dns(&call(cluster, "objects.search", params.clone()).await);
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (found, announced.elapsed())
}

/// A `BackendChange` event announcing `change` (`add`, `modify`, …) of the entry `dn`.
pub fn backend_change(dn: &str, change: &str) -> String {
    format!(
        "<Event xmlns=\"http://www.gonicus.de/Events\"><BackendChange><DN>{dn}</DN>\
         <ModificationTime>2026-12-01T10:00:00Z</ModificationTime><ChangeType>{change}</ChangeType>\
         </BackendChange></Event>"
    )
}
