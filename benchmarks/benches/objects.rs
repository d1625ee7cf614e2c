//! `objects.update` on a real directory against raw ldap3 in the same run.
//!
//! A node runs the `objects` plugin with its LDAP-backed parts on a private slapd (this
//! benchmark's own, `clacks-test-slapd`) and its registry and index in an SQLite file. Five
//! sides change one attribute (`title`) of one user, sequentially, each call waiting for its
//! answer:
//! - `rpc`: `objects.update` through the node's dispatch (ACL checks, the plugin, a
//!   blocking worker, the store);
//! - `store`: `ObjectStore::update_json` on a blocking worker, no RPC (what the plugin runs);
//! - `get`: `ObjectStore::get` of the same user (one read of registry row and entry, the
//!   model's in-filters: what an update does twice, before and after its write);
//! - `raw read+modify+read`: raw ldap3 doing the directory work the store does for one
//!   update (read the entry, modify it, read it back for the index);
//! - `raw modify`: raw ldap3, one async modify replacing `title` on a bound connection (the
//!   baseline).
//!
//! The sides run in rotating order per round ([`clacks_benchmarks::round_order`]); each
//! ratio printed is the median of the per-round ratios of the mean cost per call against
//! `raw modify`. Goal (issue 13): `rpc` at most 2× the raw cost.
//!
//! Run with `cargo bench -p clacks-benchmarks --bench objects` (`CLACKS_BENCH_UPDATES`,
//! `CLACKS_BENCH_ROUNDS` size it). Needs the slapd and ldap-utils packages.

use clacks_benchmarks::{knobs, median, ready, report, Samples, Side};
use clacks_object_store::ldap::{LdapConfig, LdapDirectory, LdapPool};
use clacks_object_store::shipped::shipped_catalog;
use clacks_object_store::sql::Target;
use clacks_object_store::ObjectStore;
use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::config;
use clacks_runtime::{NodeBuilder, NodeHandle};
use clacks_tests::slapd::{PrivateSlapd, ADMIN_DN, ADMIN_PASSWORD};
use futures_util::FutureExt;
use serde_json::{json, Value};
use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

const BASE: &str = "dc=bench,dc=net";

async fn call(node: &NodeHandle, method: &str, params: Value) -> Result<Value, String> {
    let params = Params::from_json(Some(params)).map_err(|e| e.to_string())?;
    node.call(CallRequest::new(method, params))
        .await
        .map_err(|e| e.to_string())
}

#[actix_rt::main]
async fn main() {
    let updates = knobs::count("CLACKS_BENCH_UPDATES", 600);
    let rounds = knobs::count("CLACKS_BENCH_ROUNDS", 6);
    let slapd = PrivateSlapd::start().unwrap_or_else(|e| panic!("the private slapd: {e}"));
    let db = std::env::temp_dir().join(format!(
        "clacks_bench_objects_{}.sqlite",
        std::process::id()
    ));
    let url = slapd.url();
    let store = format!("sqlite://{}", db.display());
    let overrides: Vec<(&str, String)> = vec![
        ("node.domain", "bench-objects".to_owned()),
        ("objects.base", BASE.to_owned()),
        ("objects.store", store),
        ("objects.ldap_url", url.clone()),
        ("objects.ldap_bind_dn", ADMIN_DN.to_owned()),
        ("objects.ldap_bind_password", ADMIN_PASSWORD.to_owned()),
    ];
    let settings = config::load(None, Vec::<(String, String)>::new(), &overrides)
        .unwrap_or_else(|e| panic!("bench settings: {e}"));
    let node = NodeBuilder::new(settings.clone())
        .name("objects-bench")
        .plugin(clacks_plugins::objects::ObjectsPlugin::definition(
            &settings,
        ))
        .start()
        .unwrap_or_else(|e| panic!("bench node: {e}"));
    let create = json!({"type": "User", "parent": format!("ou=people,{BASE}"),
                        "attrs": {"uid": "bench", "givenName": "Ben", "sn": "Ch"}});
    let create = Params::from_json(Some(create)).unwrap_or_else(|e| panic!("create: {e}"));
    let make = || CallRequest::new("objects.create", create.clone());
    let user = ready::until_answered(&node, make, 1000, Duration::from_millis(10))
        .await
        .unwrap_or_else(|e| panic!("the objects plugin did not come up on slapd: {e}"));
    let uuid = user["uuid"].as_str().unwrap_or_default().to_owned();
    let dn = user["dn"].as_str().unwrap_or_default().to_owned();

    let (conn, mut ldap) = ldap3::LdapConnAsync::new(&url)
        .await
        .unwrap_or_else(|e| panic!("raw ldap3: {e}"));
    ldap3::drive!(conn);
    ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD)
        .await
        .and_then(|r| r.success())
        .unwrap_or_else(|e| panic!("raw bind: {e}"));
    // The store the plugin runs, on the same SQLite file and directory, called directly.
    let catalog = Arc::new(shipped_catalog().unwrap_or_else(|e| panic!("definitions: {e:?}")));
    let config = LdapConfig::new(&url, ADMIN_DN, ADMIN_PASSWORD, "", 4, 10.0)
        .unwrap_or_else(|e| panic!("LDAP settings: {e}"));
    let target = Target::parse(&format!("sqlite://{}", db.display()), None)
        .unwrap_or_else(|e| panic!("store: {e}"));
    let store = ObjectStore::new(target, catalog, BASE)
        .with_ldap(LdapDirectory::new(LdapPool::new(config)));

    println!(
        "\nobjects benchmark: {updates} sequential updates of one attribute per side, {rounds} rounds (slapd {url})"
    );
    let n = Rc::new(Cell::new(0u64));
    let rpc_side: Side<'_> = {
        let (node, uuid, n) = (node.clone(), uuid.clone(), n.clone());
        Box::new(move || {
            let (node, uuid, n) = (node.clone(), uuid.clone(), n.clone());
            async move {
                n.set(n.get() + 1);
                let changes = json!({"set": {"title": format!("o{}", n.get())}});
                call(
                    &node,
                    "objects.update",
                    json!({"ref": uuid, "changes": changes}),
                )
                .await
                .unwrap_or_else(|e| panic!("objects.update: {e}"));
            }
            .boxed_local()
        })
    };
    let store_side: Side<'_> = {
        let (store, uuid, n) = (store.clone(), uuid.clone(), n.clone());
        Box::new(move || {
            let (store, uuid, n) = (store.clone(), uuid.clone(), n.clone());
            async move {
                n.set(n.get() + 1);
                let changes = json!({"set": {"title": format!("s{}", n.get())}});
                tokio::task::spawn_blocking(move || store.update_json(&uuid, &changes, None))
                    .await
                    .unwrap_or_else(|e| panic!("worker: {e}"))
                    .unwrap_or_else(|e| panic!("store update: {e}"));
            }
            .boxed_local()
        })
    };
    let get_side: Side<'_> = {
        let (store, uuid) = (store.clone(), uuid.clone());
        Box::new(move || {
            let (store, uuid) = (store.clone(), uuid.clone());
            async move {
                tokio::task::spawn_blocking(move || store.get(&uuid))
                    .await
                    .unwrap_or_else(|e| panic!("worker: {e}"))
                    .unwrap_or_else(|e| panic!("store get: {e}"));
            }
            .boxed_local()
        })
    };
    let modify = |ldap: ldap3::Ldap, dn: String, title: String| async move {
        let mut ldap = ldap;
        ldap.modify(
            &dn,
            vec![ldap3::Mod::Replace(
                "title",
                HashSet::from([title.as_str()]),
            )],
        )
        .await
        .and_then(|r| r.success())
        .unwrap_or_else(|e| panic!("raw modify: {e}"));
    };
    let read = |ldap: ldap3::Ldap, dn: String| async move {
        let mut ldap = ldap;
        ldap.search(
            &dn,
            ldap3::Scope::Base,
            "(objectClass=*)",
            vec!["*", "entryUUID"],
        )
        .await
        .and_then(|r| r.success())
        .unwrap_or_else(|e| panic!("raw read: {e}"));
    };
    let directory_side: Side<'_> = {
        let (ldap, dn, n) = (ldap.clone(), dn.clone(), n.clone());
        Box::new(move || {
            let (ldap, dn, n) = (ldap.clone(), dn.clone(), n.clone());
            async move {
                n.set(n.get() + 1);
                read(ldap.clone(), dn.clone()).await;
                modify(ldap.clone(), dn.clone(), format!("d{}", n.get())).await;
                read(ldap, dn).await;
            }
            .boxed_local()
        })
    };
    let raw_side: Side<'_> = {
        let (ldap, dn, n) = (ldap.clone(), dn.clone(), n.clone());
        Box::new(move || {
            let (ldap, dn, n) = (ldap.clone(), dn.clone(), n.clone());
            async move {
                n.set(n.get() + 1);
                modify(ldap, dn, format!("r{}", n.get())).await;
            }
            .boxed_local()
        })
    };
    let names = [
        "objects.update (one attribute, via dispatch)",
        "ObjectStore::update_json (no RPC)",
        "ObjectStore::get (one read, no RPC)",
        "raw ldap3 read + modify + read",
        "raw ldap3 modify (one attribute)",
    ];
    let mut sides = [rpc_side, store_side, get_side, directory_side, raw_side];
    let raw = sides.len() - 1;
    let all = Samples::paired_rounds(50, updates, rounds, &mut sides).await;
    drop(sides);
    // Cost per call relative to raw modify: its calls/s over the side's, per round.
    let ratio =
        |side: usize| {
            median(all.iter().map(|round| {
                round[raw].per_second() / round[side].per_second().max(f64::MIN_POSITIVE)
            }))
        };
    let ratios: Vec<f64> = (0..names.len()).map(ratio).collect();
    let mut pooled: Vec<Vec<Samples>> = names.iter().map(|_| Vec::new()).collect();
    for round in all {
        for (i, samples) in round.into_iter().enumerate() {
            pooled[i].push(samples);
        }
    }
    for (name, parts) in names.iter().zip(pooled) {
        report(name, &Samples::pooled(parts));
    }
    for (name, r) in names.iter().zip(&ratios).take(raw) {
        println!("{name}: {r:.2}x the raw modify's cost per call (median of {rounds} rounds)");
    }
    println!(
        "RESULT objects_update_ratio={:.3} store_ratio={:.3} get_ratio={:.3} directory_work_ratio={:.3} (goal: objects.update <= 2x)",
        ratios[0], ratios[1], ratios[2], ratios[3]
    );
    let _ = ldap.unbind().await;
    node.shutdown().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
