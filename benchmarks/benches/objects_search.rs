//! `objects.search` returning 1,000 of 10,000 users, beside the same search made directly
//! on the directory in the same run (issue 13: the index should beat a directory search,
//! goal ≤ 1×).
//!
//! Setup: a private slapd (tests/slapd), an object store on an SQLite file with the
//! LDAP-backed parts in slapd, N users created through the store (`departmentNumber` d0…d9,
//! so one in ten matches `d3`), the index rebuilt. Each round, in alternating order:
//! - `index`: what the `objects` plugin's search does — `ObjectStore::index_search` of
//!   `{"departmentNumber": "d3"}` in the subtree, limit 1000, and the objects as JSON text;
//! - `raw`: ldap3 on one bound connection — a paged subtree search
//!   `(departmentNumber=d3)` for all attributes, and the entries as JSON text.
//!
//! Both sides return the same 1,000 objects (checked). Prints each side's median and the
//! median of the per-round ratios index/raw. The RPC transport is not part of either side.
//! Environment: `CLACKS_BENCH_OBJECTS` (default 10000), `CLACKS_BENCH_ROUNDS` (default 9).

use clacks_benchmarks::knobs;
use clacks_object_store::ldap::{LdapConfig, LdapDirectory, LdapPool};
use clacks_object_store::shipped::shipped_catalog;
use clacks_object_store::sql::Target;
use clacks_object_store::store::query::Query;
use clacks_object_store::{ObjectStore, Scope};
use clacks_test_slapd::{PrivateSlapd, ADMIN_DN, ADMIN_PASSWORD};
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapConn, SearchEntry};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BASE: &str = "dc=example,dc=net";
const PEOPLE: &str = "ou=people,dc=example,dc=net";

fn die(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("objects_search bench: {what}: {e}");
    std::process::exit(1)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn index_side(store: &ObjectStore, query: &Query) -> (usize, Duration) {
    let started = Instant::now();
    let page = store
        .index_search(BASE, Scope::Sub, query, 1000, None, |_| true)
        .unwrap_or_else(|e| die("index search", e));
    let objects: Vec<Value> = page.objects.iter().map(|o| o.to_json(None)).collect();
    let text = serde_json::to_string(&json!({"objects": objects, "cursor": page.cursor}))
        .unwrap_or_default();
    let took = started.elapsed();
    assert!(!text.is_empty());
    (objects.len(), took)
}

fn raw_side(ldap: &mut LdapConn) -> (usize, Duration) {
    let started = Instant::now();
    let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
        Box::new(EntriesOnly::new()),
        Box::new(PagedResults::new(500)),
    ];
    let mut search = ldap
        .streaming_search_with(
            adapters,
            PEOPLE,
            ldap3::Scope::Subtree,
            "(departmentNumber=d3)",
            vec!["*"],
        )
        .unwrap_or_else(|e| die("raw search", e));
    let mut objects = Vec::new();
    while let Some(entry) = search.next().unwrap_or_else(|e| die("raw search", e)) {
        let entry = SearchEntry::construct(entry);
        let attrs: Map<String, Value> = entry
            .attrs
            .into_iter()
            .map(|(k, v)| (k, json!(v)))
            .collect();
        objects.push(json!({"dn": entry.dn, "attrs": attrs}));
    }
    search
        .result()
        .success()
        .unwrap_or_else(|e| die("raw search", e));
    let text = serde_json::to_string(&json!({"objects": objects})).unwrap_or_default();
    let took = started.elapsed();
    assert!(!text.is_empty());
    (objects.len(), took)
}

fn main() {
    let count = knobs::count("CLACKS_BENCH_OBJECTS", 10_000);
    let rounds = knobs::count("CLACKS_BENCH_ROUNDS", 9);
    let slapd = PrivateSlapd::start().unwrap_or_else(|e| die("starting slapd", e));
    let db = std::env::temp_dir().join(format!(
        "clacks-bench-objects-{}.sqlite",
        std::process::id()
    ));
    let catalog =
        Arc::new(shipped_catalog().unwrap_or_else(|e| die("definitions", format!("{e:?}"))));
    let config = LdapConfig::new(&slapd.url(), ADMIN_DN, ADMIN_PASSWORD, "", 4, 10.0)
        .unwrap_or_else(|e| die("LDAP settings", e));
    let target = Target::parse(&format!("sqlite://{}", db.display()), None)
        .unwrap_or_else(|e| die("store", e));
    let store = ObjectStore::open(target, catalog, BASE)
        .unwrap_or_else(|e| die("store", e))
        .with_ldap(LdapDirectory::new(LdapPool::new(config)));
    store.seed().unwrap_or_else(|e| die("seeding", e));
    let filling = Instant::now();
    for i in 0..count {
        let attrs = json!({"uid": format!("u{i}"), "givenName": format!("G{i}"), "sn": format!("S{i}"),
                           "departmentNumber": format!("d{}", i % 10)});
        let attrs = attrs.as_object().cloned().unwrap_or_default();
        store
            .create("User", PEOPLE, &attrs, &[])
            .unwrap_or_else(|e| die("creating users", e));
    }
    eprintln!(
        "created {count} users in {:.1} s",
        filling.elapsed().as_secs_f64()
    );
    let report = store.reindex().unwrap_or_else(|e| die("reindex", e));
    eprintln!(
        "indexed {} objects in {} ms ({} failed)",
        report.objects, report.millis, report.failed
    );
    let query =
        Query::parse(&json!({"departmentNumber": "d3"})).unwrap_or_else(|e| die("query", e));
    let mut ldap = LdapConn::new(&slapd.url()).unwrap_or_else(|e| die("ldap3 connect", e));
    ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD)
        .and_then(|r| r.success())
        .unwrap_or_else(|e| die("ldap3 bind", e));
    // Warm both sides once.
    let (a, _) = index_side(&store, &query);
    let (b, _) = raw_side(&mut ldap);
    assert_eq!(a, b, "both sides find the same objects");
    eprintln!("each side returns {a} of {count} users");
    let (mut index, mut raw, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (i, r) = if round % 2 == 0 {
            let i = index_side(&store, &query).1;
            (i, raw_side(&mut ldap).1)
        } else {
            let r = raw_side(&mut ldap).1;
            (index_side(&store, &query).1, r)
        };
        index.push(i.as_secs_f64() * 1e3);
        raw.push(r.as_secs_f64() * 1e3);
        ratios.push(i.as_secs_f64() / r.as_secs_f64());
    }
    let (i, r, ratio) = (median(index), median(raw), median(ratios));
    println!("objects.search index ({a} of {count})  p50 {i:.2} ms");
    println!("raw ldap3 paged search ({a} of {count})  p50 {r:.2} ms");
    println!("ratio index/raw (median of {rounds} paired rounds): {ratio:.2}x  (goal <= 1.0x)");
    println!("RESULT objects_search_index_ms={i:.3} objects_search_raw_ms={r:.3} ratio={ratio:.3}");
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
