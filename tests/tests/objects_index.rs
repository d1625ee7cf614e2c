//! The object index and `objects.call` on a real in-process node whose store is an SQLite
//! file: an entry changed outside Clacks (a direct SQL write to the embedded entry store) and
//! announced with a `BackendChange` event is found by `objects.search` with its new value
//! within a second; `objects.reindex` reports what it did; the search leaves out objects the
//! caller may not find; a definition's methods run the commands they name, with clear errors
//! for unknown methods, bad parameters and commands nobody serves. The first test again with
//! the LDAP-backed parts in this binary's private slapd, changed there with `ldapmodify`, and
//! an entry added there with `ldapadd` and announced, found the same way.

use clacks_plugins::objects::{Action, AllowAll, ObjectAccess, ObjectsPlugin};
use clacks_runtime::call::RpcErrorKind;
use clacks_tests::cluster::{Cluster, LocalFactory};
use clacks_tests::objects::{
    announce_and_search, call, dns, node_with, refused, slapd_overrides, until_up, TempStore,
};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const BASE: &str = "dc=example,dc=net";
const PEOPLE: &str = "ou=people,dc=example,dc=net";

fn temp(test: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "clacks-objects-index-{test}-{}",
        std::process::id()
    ))
}

/// A node serving objects from the SQLite file `store`, with definitions from `dirs` (the
/// shipped ones when empty).
async fn node(
    test: &str,
    store: &Path,
    dirs: Vec<PathBuf>,
    access: Arc<dyn ObjectAccess>,
) -> Cluster {
    let factory = LocalFactory::default();
    let domain = format!("objidx-{test}-{}", std::process::id());
    let mut settings = clacks_tests::cluster::settings(&domain, &[]);
    settings.objects.store = format!("sqlite://{}", store.display());
    settings.objects.definition_dirs = dirs;
    Cluster::start(&factory, &domain, &["o"], &[], move |_, b| {
        b.plugin(clacks_plugins::events::EventsPlugin::definition())
            .plugin(ObjectsPlugin::definition_with_access(
                &settings,
                access.clone(),
            ))
    })
    .await
}

#[actix_rt::test]
async fn an_entry_changed_outside_and_announced_is_found_within_a_second() {
    let db = TempStore::new("announced");
    let store = db.path();
    let cluster = node("announced", store, Vec::new(), Arc::new(AllowAll)).await;
    until_up(&cluster, "objects.get", json!([BASE])).await;
    let user = call(
        &cluster,
        "objects.create",
        json!({"type": "User", "parent": PEOPLE, "attrs": {"uid": "jd", "givenName": "Jane", "sn": "Doe"}}),
    )
    .await;
    let uuid = user["uuid"].as_str().unwrap_or_default().to_owned();
    let dn = user["dn"].as_str().unwrap_or_default().to_owned();
    let query = json!({"base": BASE, "scope": "sub", "query": {"sn": "Outside"}});
    assert!(dns(&call(&cluster, "objects.search", query.clone()).await).is_empty());

    // The outside writer: straight into the entry store, then its monitor's event.
    let mut raw = diesel::sqlite::SqliteConnection::establish(&store.display().to_string())
        .unwrap_or_else(|e| panic!("a second connection: {e}"));
    raw.batch_execute(&format!(
        "UPDATE clacks_values SET value = '\"Outside\"' WHERE uuid = '{uuid}' AND attribute = 'sn'"
    ))
    .unwrap_or_else(|e| panic!("outside write: {e}"));
    // Unannounced, the index does not see it.
    assert!(dns(&call(&cluster, "objects.search", query.clone()).await).is_empty());
    let (found, took) =
        announce_and_search(&cluster, &dn, "modify", &query, Duration::from_secs(1)).await;
    assert_eq!(found, vec![dn.clone()], "not found within a second");
    eprintln!("BackendChange to search hit: {} ms", took.as_millis());

    // A malformed announcement (no object named) changes nothing and breaks nothing.
    let nameless = "<Event xmlns=\"http://www.gonicus.de/Events\"><BackendChange>\
         <ModificationTime>now</ModificationTime><ChangeType>modify</ChangeType></BackendChange></Event>";
    call(&cluster, "events.publish", json!([nameless])).await;

    // Reindex: everything current now.
    let report = call(&cluster, "objects.reindex", json!([])).await;
    assert_eq!(report["updated"], json!(0), "{report}");
    assert_eq!(report["failed"], json!(0), "{report}");
    assert!(
        report["objects"].as_u64().is_some_and(|n| n >= 5),
        "{report}"
    );
    // A missed outside write is caught by the next reindex.
    raw.batch_execute(&format!(
        "UPDATE clacks_values SET value = '\"Missed\"' WHERE uuid = '{uuid}' AND attribute = 'sn'"
    ))
    .unwrap_or_else(|e| panic!("outside write: {e}"));
    let report = call(&cluster, "objects.reindex", json!([])).await;
    assert_eq!(report["updated"], json!(1), "{report}");
    let missed = call(
        &cluster,
        "objects.search",
        json!({"base": BASE, "scope": "sub", "query": {"sn": "Missed"}}),
    )
    .await;
    assert_eq!(dns(&missed), vec![dn]);
    drop(cluster);
}

/// Hides objects below `ou=hidden` and the `uid` attribute.
struct Hiding;

impl ObjectAccess for Hiding {
    fn may(&self, _: &str, _: &str, _: Action) -> bool {
        true
    }
    fn may_read(&self, _: &str, _: &str, attribute: &str) -> bool {
        attribute != "uid"
    }
    fn may_write(&self, _: &str, _: &str, _: &str) -> bool {
        true
    }
    fn may_find(&self, _: &str, _: &str, dn: &str) -> bool {
        !dn.contains("ou=hidden")
    }
}

/// The shipped definitions, with two methods more on User that call probe commands.
fn definitions_with_methods(test: &str) -> PathBuf {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../objects/definitions");
    let dir = temp(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let entries = std::fs::read_dir(&shipped).unwrap_or_else(|e| panic!("{e}"));
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_else(|e| panic!("{e}"));
        let text = if entry.file_name() == "user.xml" {
            text.replace(
                "</Methods>",
                "<Method><Name>echoDn</Name><Command>probe.echo</Command>\
                 <CommandParameters><Value>dn</Value></CommandParameters></Method>\
                 <Method><Name>echoUid</Name><Command>probe.echo</Command>\
                 <CommandParameters><Value>uid</Value></CommandParameters></Method>\
                 <Method><Name>sum</Name><MethodParameters>\
                 <MethodParameter><Name>a</Name><Type>Integer</Type><Required>true</Required></MethodParameter>\
                 <MethodParameter><Name>b</Name><Type>Integer</Type><Default>5</Default></MethodParameter>\
                 </MethodParameters><Command>probe.add</Command>\
                 <CommandParameters><Value>a</Value><Value>b</Value></CommandParameters></Method></Methods>",
            )
        } else {
            text
        };
        std::fs::write(dir.join(entry.file_name()), text).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

#[actix_rt::test]
async fn methods_run_their_commands_and_search_leaves_out_what_the_caller_may_not_find() {
    let db = TempStore::new("methods");
    let store = db.path();
    let dir = definitions_with_methods("methods-defs");
    let cluster = node("methods", store, vec![dir.clone()], Arc::new(Hiding)).await;
    until_up(&cluster, "objects.get", json!([BASE])).await;
    let user = call(
        &cluster,
        "objects.create",
        json!({"type": "User", "parent": PEOPLE, "attrs": {"uid": "jd", "givenName": "Jane", "sn": "Doe"}}),
    )
    .await;
    let dn = user["dn"].as_str().unwrap_or_default().to_owned();

    // Methods: the command named, with the object's DN, parameters and defaults.
    assert_eq!(
        call(
            &cluster,
            "objects.call",
            json!({"ref": dn, "method": "echoDn"})
        )
        .await,
        json!(dn)
    );
    assert_eq!(
        call(
            &cluster,
            "objects.call",
            json!({"ref": dn, "method": "sum", "args": {"a": 2}})
        )
        .await,
        json!(7)
    );
    assert_eq!(
        call(
            &cluster,
            "objects.call",
            json!({"ref": dn, "method": "sum", "args": {"a": 2, "b": 3}})
        )
        .await,
        json!(5)
    );
    let unknown = refused(
        &cluster,
        "objects.call",
        json!({"ref": dn, "method": "fly"}),
    )
    .await;
    assert_eq!(unknown.kind(), RpcErrorKind::InvalidParams);
    assert!(
        unknown.message().contains("'User' has no method 'fly'"),
        "{unknown}"
    );
    let missing = refused(
        &cluster,
        "objects.call",
        json!({"ref": dn, "method": "sum"}),
    )
    .await;
    assert_eq!(
        missing.data("rule").and_then(Value::as_str),
        Some("mandatory"),
        "{missing}"
    );
    let mistyped = refused(
        &cluster,
        "objects.call",
        json!({"ref": dn, "method": "sum", "args": {"a": "two"}}),
    )
    .await;
    assert_eq!(
        mistyped.data("rule").and_then(Value::as_str),
        Some("wrong type"),
        "{mistyped}"
    );
    let stray = refused(
        &cluster,
        "objects.call",
        json!({"ref": dn, "method": "sum", "args": {"a": 1, "c": 1}}),
    )
    .await;
    assert!(stray.message().contains("no parameter 'c'"), "{stray}");
    // uid may not be read, so it may not be passed on either.
    let hidden = refused(
        &cluster,
        "objects.call",
        json!({"ref": dn, "method": "echoUid"}),
    )
    .await;
    assert_eq!(hidden.kind(), RpcErrorKind::Forbidden, "{hidden}");
    // The shipped lock method names a command no plugin serves here.
    let unserved = refused(
        &cluster,
        "objects.call",
        json!({"ref": dn, "method": "lock"}),
    )
    .await;
    assert_eq!(unserved.kind(), RpcErrorKind::MethodNotFound, "{unserved}");
    assert!(
        unserved.message().contains("lockAccountPassword"),
        "{unserved}"
    );
    assert_eq!(
        unserved.data("object_method").and_then(Value::as_str),
        Some("lock")
    );

    // Search leaves out objects the caller may not find, and attributes it may not read.
    let hidden_unit = call(
        &cluster,
        "objects.create",
        json!({"type": "OrganizationalUnit", "parent": BASE, "attrs": {"ou": "hidden"}}),
    )
    .await;
    let shown = call(
        &cluster,
        "objects.search",
        json!({"base": BASE, "scope": "sub", "query": {"_type": "OrganizationalUnit"}}),
    )
    .await;
    assert!(
        !dns(&shown).contains(&hidden_unit["dn"].as_str().unwrap_or_default().to_owned()),
        "{shown}"
    );
    let users = call(
        &cluster,
        "objects.search",
        json!({"base": BASE, "scope": "sub", "query": {"sn": "Doe"}}),
    )
    .await;
    assert_eq!(dns(&users), vec![dn.clone()]);
    assert!(users["objects"][0]["attrs"].get("uid").is_none(), "{users}");
    assert_eq!(users["objects"][0]["attrs"]["sn"], json!(["Doe"]));
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_rt::test]
async fn an_entry_changed_directly_in_slapd_and_announced_is_found_within_a_second() {
    let slapd = clacks_tests::slapd::PrivateSlapd::shared();
    let base = "dc=indexed,dc=net";
    let people = "ou=people,dc=indexed,dc=net";
    let store = TempStore::new("index-slapd");
    let cluster = node_with("index-slapd", &slapd_overrides(base, &store)).await;
    until_up(&cluster, "objects.get", json!([base])).await;
    let user = call(
        &cluster,
        "objects.create",
        json!({"type": "User", "parent": people, "attrs": {"uid": "sd", "givenName": "Sl", "sn": "Apd"}}),
    )
    .await;
    let dn = user["dn"].as_str().unwrap_or_default().to_owned();
    slapd
        .ldapmodify(&format!(
            "dn: {dn}\nchangetype: modify\nreplace: sn\nsn: Directly\n"
        ))
        .unwrap_or_else(|e| panic!("ldapmodify: {e}"));
    let query = json!({"base": base, "scope": "sub", "query": {"sn": "Directly"}});
    assert!(dns(&call(&cluster, "objects.search", query.clone()).await).is_empty());
    let (found, took) =
        announce_and_search(&cluster, &dn, "modify", &query, Duration::from_secs(1)).await;
    assert_eq!(found, vec![dn], "not found within a second");
    eprintln!("slapd BackendChange to search hit: {} ms", took.as_millis());

    // An entry added outside Clacks (ldapadd) and announced: registered and found too.
    let added = format!("cn=Added Outside,{people}");
    slapd
        .ldapadd(&format!(
            "dn: {added}\nobjectClass: inetOrgPerson\ncn: Added Outside\nsn: Outside\n\
             givenName: Added\nuid: addout\n"
        ))
        .unwrap_or_else(|e| panic!("ldapadd: {e}"));
    let query = json!({"base": base, "scope": "sub", "query": {"sn": "Outside"}});
    assert!(dns(&call(&cluster, "objects.search", query.clone()).await).is_empty());
    let (found, took) =
        announce_and_search(&cluster, &added, "add", &query, Duration::from_secs(1)).await;
    assert_eq!(
        found,
        vec![added.clone()],
        "the added entry not found within a second"
    );
    eprintln!(
        "slapd BackendChange (add) to search hit: {} ms",
        took.as_millis()
    );
    let got = call(&cluster, "objects.get", json!([added])).await;
    assert_eq!(got["type"], json!("User"), "{got}");
    drop(cluster);
}
